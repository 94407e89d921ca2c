"""``Linear`` and ``Flatten``."""

from __future__ import annotations

import math

from ..._creation import empty
from ..._tensor import Tensor
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module


class Linear(Module):
    """y = x·Wᵀ + b with W of shape (out_features, in_features).

    Initialised as PyTorch does: W ~ kaiming_uniform_(a=√5), i.e. U(±1/√in_features), and
    b ~ U(±1/√in_features).
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(empty(out_features, in_features, dtype=dtype, device=device))
        if bias:
            self.bias = Parameter(empty(out_features, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw W and b again from U(±1/√in_features), as at construction."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.in_features
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Flatten(Module):
    """Flattens dimensions ``start_dim`` … ``end_dim`` into one (by default all but the batch one)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class LazyLinear(Linear):
    """``Linear`` whose ``in_features`` is read from the first input: y = x·Wᵀ + b, W of shape (out, in).

    Until the first call, ``weight`` and ``bias`` are empty Parameters (so an optimizer can be built
    over them first, as in PyTorch); the first ``forward`` gives them their shapes, initialises
    them exactly as ``Linear(in_features, out_features)`` would (same random draws), and the module
    becomes a plain ``Linear``. Loading a state_dict into it before the first call sets the shapes
    from the saved tensors.
    """

    def __init__(self, out_features: int, bias: bool = True, device=None, dtype=None) -> None:
        Module.__init__(self)
        self.in_features = 0
        self.out_features = out_features
        self.weight = Parameter(empty(0, dtype=dtype, device=device))
        if bias:
            self.bias = Parameter(empty(0, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)

    def reset_parameters(self) -> None:
        if self.in_features:  # nothing to initialise before the shapes are known
            super().reset_parameters()

    def has_uninitialized_params(self) -> bool:
        """Whether the parameters still wait for the first input to learn in_features."""
        return self.in_features == 0

    def initialize_parameters(self, in_features: int) -> None:
        """Give W the shape (out_features, in_features) and b (out_features,), initialised as Linear."""
        self.in_features = int(in_features)
        # The Parameter objects stay the same (an optimizer may hold them); only their arrays change.
        self.weight._data = empty(self.out_features, self.in_features, dtype=self.weight.dtype)._data
        if self.bias is not None:
            self.bias._data = empty(self.out_features, dtype=self.bias.dtype)._data
        self.reset_parameters()
        self.__class__ = Linear

    def _materialize_from_state(self, state_dict, prefix: str) -> None:
        """Called by ``Module.load_state_dict`` before copying: take in_features from the saved weight."""
        weight = state_dict.get(prefix + "weight")
        if self.in_features == 0 and weight is not None and len(weight.shape) == 2:
            self.initialize_parameters(weight.shape[1])

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        if self.in_features == 0:
            if input.ndim == 0:
                raise RuntimeError("LazyLinear: the input must have at least one dimension (the features)")
            self.initialize_parameters(input.shape[-1])
        return F.linear(input, self.weight, self.bias)
