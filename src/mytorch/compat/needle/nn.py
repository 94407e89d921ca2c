"""needle's modules (seed 002, Question 2), with the handout's conventions.

* ``Linear(in, out)``: ``weight`` is (in, out) = ``kaiming_uniform(in, out)``, drawn first;
  ``bias`` is ``kaiming_uniform(out, 1)`` reshaped to (1, out); y = X @ W + bias, the bias
  broadcast explicitly, for any number of leading dims.
* ``SoftmaxLoss``: mean over the batch of log Σ exp z − z_y (the core's fused cross-entropy).
* ``LayerNorm1d``/``BatchNorm1d``: the variance divides by N (the handout's "unbiased" means
  exactly that); BatchNorm's running statistics are plain tensors updated
  (1 − m)·old + m·observed with the *same* biased variance, and used after ``eval()``.
* ``Dropout(p)``: keeps each element with ``randb(shape, p=1 − p)`` and scales by 1/(1 − p), in
  training only.
* ``Module.parameters()``, ``train()`` and ``eval()`` walk attributes that are modules,
  parameters, lists, tuples and dicts of them, in attribute order.
"""

from __future__ import annotations

import math
from typing import Any

from . import init, ops
from .autograd import Tensor

__all__ = [
    "BatchNorm1d", "Dropout", "Flatten", "Identity", "LayerNorm1d", "Linear", "Module", "Parameter", "ReLU",
    "Residual", "Sequential", "SoftmaxLoss",
]  # fmt: skip


class Parameter(Tensor):
    """A tensor that is a module's parameter (``Module.parameters()`` collects these)."""


def _unpack_params(value: Any) -> list[Tensor]:
    if isinstance(value, Parameter):
        return [value]
    if isinstance(value, Module):
        return value.parameters()
    if isinstance(value, dict):
        return [p for v in value.values() for p in _unpack_params(v)]
    if isinstance(value, (list, tuple)):
        return [p for v in value for p in _unpack_params(v)]
    return []


def _child_modules(value: Any) -> list[Module]:
    if isinstance(value, Module):
        return [value, *_child_modules(value.__dict__)]
    if isinstance(value, dict):
        return [m for v in value.values() for m in _child_modules(v)]
    if isinstance(value, (list, tuple)):
        return [m for v in value for m in _child_modules(v)]
    return []


class Module:
    """Base class: ``training`` flag, ``parameters()``, ``train()``/``eval()``, ``__call__`` = forward."""

    def __init__(self) -> None:
        self.training = True

    def parameters(self) -> list[Tensor]:
        """The module's parameters, recursively, in attribute order."""
        return _unpack_params(self.__dict__)

    def _children(self) -> list[Module]:
        return _child_modules(self.__dict__)

    def eval(self) -> None:
        """Evaluation mode for this module and every submodule (``training = False``)."""
        self.training = False
        for m in self._children():
            m.training = False

    def train(self) -> None:
        """Training mode for this module and every submodule (``training = True``)."""
        self.training = True
        for m in self._children():
            m.training = True

    def __call__(self, *args: Any, **kwargs: Any) -> Tensor:
        # As in the course's Module: subclasses define ``forward`` (there is no default to fall back on).
        return self.forward(*args, **kwargs)


class Identity(Module):
    """Returns its input unchanged."""
    def forward(self, x: Tensor) -> Tensor:
        """Returns ``x``."""
        return x


class Linear(Module):
    """y = X @ W + b with W (in_features, out_features) and b (1, out_features)."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device: Any = None,
                 dtype: str = "float32") -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(init.kaiming_uniform(in_features, out_features, device=device, dtype=dtype))
        self.bias = None
        if bias:  # drawn after the weight, with fan_in = out_features (the handout's choice)
            b = init.kaiming_uniform(out_features, 1, device=device, dtype=dtype)
            self.bias = Parameter(b.realize_cached_data().reshape(1, out_features), dtype=b.dtype)

    def forward(self, X: Tensor) -> Tensor:
        """X·W + b, with W of shape (in_features, out_features) and b broadcast over the batch."""
        if X.shape[-1] != self.in_features:
            raise ValueError(
                f"needle Linear: input has {X.shape[-1]} features (last dim of shape {X.shape}), expected "
                f"{self.in_features}"
            )
        y = X @ self.weight
        if self.bias is not None:
            y = y + self.bias.broadcast_to(y.shape)
        return y


class Flatten(Module):
    """(B, X0, X1, ...) → (B, X0·X1·...)."""

    def forward(self, X: Tensor) -> Tensor:
        """(N, ...) reshaped to (N, the product of the other sizes)."""
        return X.reshape((X.shape[0], math.prod(X.shape[1:])))


class ReLU(Module):
    """max(x, 0) elementwise, as a module."""
    def forward(self, x: Tensor) -> Tensor:
        """max(x, 0) elementwise."""
        return ops.relu(x)


class Sequential(Module):
    """The modules applied in order; they are kept in ``.modules``."""

    def __init__(self, *modules: Module) -> None:
        super().__init__()
        self.modules = modules

    def forward(self, x: Tensor) -> Tensor:
        """``x`` passed through each module in order."""
        for m in self.modules:
            x = m(x)
        return x


class SoftmaxLoss(Module):
    """ℓ = (1/N) Σ_n (log Σ_i exp z_{n,i} − z_{n,y_n}) for logits (N, k) and integer labels (N,)."""

    def forward(self, logits: Tensor, y: Tensor) -> Tensor:
        """The mean over the batch of log Σ_i exp(z_i) − z_y, for logits z and integer labels y."""
        return ops.SoftmaxLoss()(logits, y)


def _check_2d(x: Tensor, dim: int, name: str) -> None:
    if len(x.shape) != 2 or x.shape[1] != dim:
        raise ValueError(f"needle {name}: expected input of shape (N, {dim}), got {x.shape}")


class LayerNorm1d(Module):
    """y = w·(x − E[x]) / √(Var[x] + ε) + b over the features of (N, dim) input; Var divides by dim."""

    def __init__(self, dim: int, eps: float = 1e-5, device: Any = None, dtype: str = "float32") -> None:
        super().__init__()
        self.dim = dim
        self.eps = eps
        self.weight = Parameter(init.ones(dim, device=device, dtype=dtype))
        self.bias = Parameter(init.zeros(dim, device=device, dtype=dtype))

    def forward(self, x: Tensor) -> Tensor:
        """(x − E[x]) / √(Var[x] + ε)·w + b over the features of each sample (biased variance)."""
        _check_2d(x, self.dim, "LayerNorm1d")
        return ops.LayerNorm(self.eps)(x, self.weight, self.bias)


class BatchNorm1d(Module):
    """y = w·(x − E[x]) / √(Var[x] + ε) + b per feature over the batch (training), or with the
    running estimates (eval). Var divides by N; running ← (1 − m)·running + m·observed."""

    def __init__(self, dim: int, eps: float = 1e-5, momentum: float = 0.1, device: Any = None,
                 dtype: str = "float32") -> None:
        super().__init__()
        self.dim = dim
        self.eps = eps
        self.momentum = momentum
        self.weight = Parameter(init.ones(dim, device=device, dtype=dtype))
        self.bias = Parameter(init.zeros(dim, device=device, dtype=dtype))
        self.running_mean = init.zeros(dim, device=device, dtype=dtype)
        self.running_var = init.ones(dim, device=device, dtype=dtype)

    def forward(self, x: Tensor) -> Tensor:
        """In training, normalise with the batch's mean and biased variance and update the running ones; in eval, use
        the running ones.
        """
        _check_2d(x, self.dim, "BatchNorm1d")
        if not self.training:
            op = ops.Normalize(self.running_mean.numpy(), self.running_var.numpy(), self.eps, batch_stats=False)
            return op(x, self.weight, self.bias)
        data = x.realize_cached_data()
        mean = data.mean(axis=0)
        var = data.var(axis=0)  # divided by N, as the handout says
        m = self.momentum
        # New tensors (not in-place updates), like the course's code: earlier numpy() views stay valid.
        self.running_mean = Tensor.make_const(((1 - m) * self.running_mean.numpy() + m * mean).astype(mean.dtype))
        self.running_var = Tensor.make_const(((1 - m) * self.running_var.numpy() + m * var).astype(var.dtype))
        return ops.Normalize(mean, var, self.eps, batch_stats=True)(x, self.weight, self.bias)


class Dropout(Module):
    """Zero each element with probability p and scale the rest by 1/(1 − p), in training only."""

    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        if not 0 <= p < 1:
            raise ValueError(f"needle Dropout: p is the probability of zeroing and must be in [0, 1), got {p}")
        self.p = p

    def forward(self, x: Tensor) -> Tensor:
        """In training, zero each element with probability p and scale the rest by 1/(1 − p); in eval, the identity."""
        if not self.training:
            return x
        mask = init.randb(*x.shape, p=1 - self.p, dtype=x.dtype)
        return x * mask / (1 - self.p)


class Residual(Module):
    """fn(x) + x."""

    def __init__(self, fn: Module) -> None:
        super().__init__()
        self.fn = fn

    def forward(self, x: Tensor) -> Tensor:
        """fn(x) + x."""
        return self.fn(x) + x

