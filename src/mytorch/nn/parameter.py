"""``Parameter``: a tensor that a Module registers as learnable."""

from __future__ import annotations

from typing import Any

from .._backend import xp
from .._tensor import Tensor, _format


class Parameter(Tensor):
    """A leaf tensor that requires grad by default and that ``Module`` registers on assignment.

    ``Parameter(t)`` shares memory with the tensor ``t`` (as in PyTorch); arrays keep their dtype.
    """

    __slots__ = ()

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        if data is None:
            data = xp.empty(0, dtype=xp.float32)
        self._data = data._data if isinstance(data, Tensor) else Tensor(data)._data
        self._grad = None
        self._grad_fn = None
        self._vc = None
        self._requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + _format(self)

    def __reduce_ex__(self, protocol):
        return (Parameter, (self._data.copy(), self._requires_grad))
