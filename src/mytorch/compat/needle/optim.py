"""needle's optimizers (seed 002, Question 3), running the kernels of ``mytorch.optim._functional``.

* ``SGD(params, lr=0.01, momentum=0.0, weight_decay=0.0)``::

      u ← β·u + (1 − β)·(g + λθ)      u starts at 0 (an EMA, not PyTorch's first-step copy)
      θ ← θ − lr·u

  This is the core's SGD kernel with dampening = momentum = β and a zero buffer that is never
  "first". With β = 0 it is plain gradient descent on g + λθ.
* ``Adam(params, lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0)``::

      g ← g + λθ                      (L2, into the gradient)
      u ← β1·u + (1 − β1)·g,   v ← β2·v + (1 − β2)·g²
      θ ← θ − lr·(u / (1 − β1^t)) / (√(v / (1 − β2^t)) + ε)

  with one ``t`` counted per ``step()`` for all parameters (the core kernel, given that t).

A step never writes ``p.grad`` and builds no graph: each parameter gets a *new* array holding the
updated values (so arrays a caller took from ``numpy()`` earlier keep their values), and the
optimizer's own state is updated in place. Parameters whose ``grad`` is None are skipped.

The state (``u``; ``m`` and ``v``) is plain NumPy arrays keyed by parameter, not needle Tensors: the
update works on the underlying arrays, as the handout's hint says, so a step creates no needle
Tensor and the course's memory check (``TENSOR_COUNTER``) sees none left alive by the optimizer.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable

import numpy as np

from ...optim import _functional as F
from .autograd import Tensor

__all__ = ["SGD", "Adam", "Optimizer"]


class Optimizer(abc.ABC):
    """Holds ``params``; ``step()`` updates them, ``reset_grad()`` clears their gradients."""

    def __init__(self, params: Iterable[Tensor]) -> None:
        self.params = list(params)

    @abc.abstractmethod
    def step(self) -> None:
        """One update of every parameter (SGD and Adam define it)."""

    def reset_grad(self) -> None:
        """Set the ``grad`` of every parameter to None."""
        for p in self.params:
            p.grad = None


def _arrays(p: Tensor) -> tuple[np.ndarray, np.ndarray]:
    """A fresh copy of p's values (to be updated) and its gradient in p's dtype."""
    theta = np.array(p.realize_cached_data(), copy=True, order="C")
    g = p.grad.realize_cached_data()
    if g.shape != theta.shape:
        raise ValueError(f"needle optim: a parameter of shape {theta.shape} has a gradient of shape {g.shape}")
    return theta, np.ascontiguousarray(g, dtype=theta.dtype)


class SGD(Optimizer):
    """SGD with needle's EMA momentum and L2 weight decay (see the module docstring)."""

    def __init__(self, params: Iterable[Tensor], lr: float = 0.01, momentum: float = 0.0,
                 weight_decay: float = 0.0) -> None:
        super().__init__(params)
        self.lr = lr
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.u: dict[Tensor, np.ndarray] = {}

    def step(self) -> None:
        for p in self.params:
            if p.grad is None:
                continue
            theta, g = _arrays(p)
            buf = None
            if self.momentum:
                if p not in self.u:
                    self.u[p] = np.zeros_like(theta)
                buf = self.u[p]
            F.sgd(theta, g, buf, first=False, lr=float(self.lr), momentum=float(self.momentum),
                  dampening=float(self.momentum), weight_decay=float(self.weight_decay), nesterov=False,
                  maximize=False)
            p.cached_data = theta


class Adam(Optimizer):
    """Adam with bias correction, ε outside the root and L2 weight decay (see the module docstring)."""

    def __init__(self, params: Iterable[Tensor], lr: float = 0.01, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8, weight_decay: float = 0.0) -> None:
        super().__init__(params)
        self.lr = lr
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.weight_decay = weight_decay
        self.t = 0
        self.m: dict[Tensor, np.ndarray] = {}
        self.v: dict[Tensor, np.ndarray] = {}

    def step(self) -> None:
        self.t += 1
        for p in self.params:
            if p.grad is None:
                continue
            theta, g = _arrays(p)
            if p not in self.m:
                self.m[p] = np.zeros_like(theta)
                self.v[p] = np.zeros_like(theta)
            F.adam(theta, g, self.m[p], self.v[p], None,
                   step=float(self.t), lr=float(self.lr), beta1=float(self.beta1), beta2=float(self.beta2),
                   eps=float(self.eps), weight_decay=float(self.weight_decay), maximize=False,
                   decoupled_weight_decay=False)
            p.cached_data = theta
