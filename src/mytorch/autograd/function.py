"""``Function``: an op's forward and its gradient, side by side.

A subclass writes two static methods on raw arrays::

    class Mul(Function):
        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b)
            return a * b

        @staticmethod
        def backward(ctx, grad):
            a, b = ctx.saved_tensors
            return grad * b, grad * a          # one gradient (or None) per input

``Mul.apply(x, y)`` unwraps the tensors, runs ``forward`` and wraps the result. When grad mode is
on and an input requires grad, the ``ctx`` object becomes the output's ``grad_fn``: a node of the
graph that remembers its parents and what ``forward`` saved. The node points at parent *nodes*
(or at leaf tensors), never at intermediate tensors, so an intermediate array stays alive only
while an op has saved it for backward.

Contracts that ``backward`` implementations keep:

* return one array or ``None`` per ``forward`` input, with that input's shape and dtype
  (the engine checks and names the op when a gradient is wrong);
* never modify ``grad`` or a saved array in place, and never return a saved forward array
  itself (a leaf's ``.grad`` may be mutated later by the user).
"""

from __future__ import annotations

from typing import Any

from .._backend import ndarray, xp
from .grad_mode import _mode


class Function:
    """Base class of differentiable ops. Instances are the ``ctx`` and the graph node."""

    # Graph bookkeeping, set by ``apply`` when a graph is recorded:
    #   _parents: one entry per forward input -- the parent's node, a leaf Tensor that
    #             requires grad, or None when no gradient flows there
    #   _shape, _dtype: the output's shape and dtype (every gradient arriving here is checked)
    #   _released: True once backward has freed what forward saved
    _released = False
    # PyTorch's name for this op's node (``grad_fn.name()``, and what ``repr(tensor)`` shows); None
    # means ``<ClassName>Backward0``, which already is PyTorch's name for most ops (MulBackward0, ...).
    backward_name: str | None = None
    needs_input_grad: tuple = ()
    saved_tensors: tuple = ()

    def save_for_backward(self, *arrays: Any) -> None:
        """Keep arrays for ``backward``; they are dropped after backward unless retain_graph."""
        self.saved_tensors = arrays

    @classmethod
    def apply(cls, *inputs: Any, **kwargs: Any):
        """Run the op on tensors (or Python scalars / arrays as constants) and record the graph."""
        arrays = []
        parents = []
        requires_grad = False
        for x in inputs:
            if isinstance(x, Tensor):
                arrays.append(x._data)
                if x._requires_grad:
                    requires_grad = True
                    parents.append(x._grad_fn or x)
                else:
                    parents.append(None)
            else:
                arrays.append(x)
                parents.append(None)

        ctx = cls()
        record = requires_grad and _mode.enabled
        ctx.needs_input_grad = tuple([p is not None for p in parents]) if record else (False,) * len(arrays)
        try:
            out = cls.forward(ctx, *arrays, **kwargs)
        except ValueError as e:
            raise _shape_error(cls, e, arrays) from None
        if type(out) is not ndarray:  # NumPy reductions return scalars; a Tensor always holds an array
            out = xp.asarray(out)
        if not record:
            return Tensor._make(out, False, None)
        ctx._parents = parents
        ctx._shape = out.shape
        ctx._dtype = out.dtype
        return Tensor._make(out, True, ctx)

    def _release(self) -> None:
        """Drop everything forward saved; keep only what a graph walk needs."""
        keep = (self._parents, self._shape, self._dtype)
        self.__dict__.clear()
        self._parents, self._shape, self._dtype = keep
        self._released = True

    @classmethod
    def _name(cls) -> str:
        return cls.backward_name or f"{cls.__name__}Backward0"

    def name(self) -> str:
        """The node's name as PyTorch prints it, e.g. ``"MulBackward0"`` or ``"AddmmBackward0"``."""
        return self._name()

    def __repr__(self) -> str:
        return f"<{self._name()}>"

    @property
    def next_functions(self) -> tuple:
        """The parent nodes, as ``grad_fn.next_functions`` in PyTorch (leaves appear as tensors)."""
        return tuple(self.__dict__.get("_parents", ()))


def _shape_error(cls: type[Function], error: ValueError, arrays: list) -> RuntimeError:
    """NumPy's broadcasting/shape ValueError, re-raised naming the op and every input shape."""
    shapes = " and ".join(str(tuple(getattr(a, "shape", ()))) for a in arrays)
    return RuntimeError(f"{cls.__name__.lower()}: {error} (input shapes {shapes})")


from .._tensor import Tensor  # noqa: E402  (Tensor's methods call Function.apply; import last)
