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
    #   _saved_versions: (version counter, version at save time, input index or -1 for the output,
    #             position in saved_tensors) for each saved array that is (a view of) an input or the
    #             output; backward refuses to run if a counter moved (an in-place write since forward)
    _released = False
    # PyTorch's name for this op's node (``grad_fn.name()``, and what ``repr(tensor)`` shows); None
    # means ``<ClassName>Backward0``, which already is PyTorch's name for most ops (MulBackward0, ...).
    backward_name: str | None = None
    needs_input_grad: tuple = ()
    saved_tensors: tuple = ()
    _saved_versions: tuple | list = ()

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
            t = Tensor._make(out, False, None)
            if out.base is not None:  # a view of an input shares its version counter
                _share_version(t, inputs)
            return t
        ctx._parents = parents
        ctx._shape = out.shape
        ctx._dtype = out.dtype
        t = Tensor._make(out, True, ctx)
        if out.base is not None:
            _share_version(t, inputs)
        if ctx.saved_tensors:
            ctx._saved_versions = _saved_versions(ctx.saved_tensors, inputs, arrays, t)
        return t

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


def _root(a: ndarray):
    """The object owning ``a``'s memory (NumPy collapses view chains, except over foreign buffers)."""
    while type(a.base) is ndarray:
        a = a.base
    return a if a.base is None else a.base


def _share_version(t, inputs: tuple) -> None:
    """Give ``t`` (whose array is a view) the version counter of the input whose memory it views."""
    root = _root(t._data)
    for x in inputs:
        if isinstance(x, Tensor) and _root(x._data) is root:
            t._vc = x._shared_vc()
            return


def _saved_versions(saved: tuple, inputs: tuple, arrays: list, out) -> list:
    """[(counter, version, input index or -1 for the output, position in saved)] for every saved
    array that is an input, the output, or a view of one of them: an in-place write to any of those
    before backward would make the gradient wrong. Ops mostly save their inputs in order, so
    position k is tried first (this runs for every recorded op: keep it lean)."""
    records = []
    n = len(arrays)
    k = -1
    for s in saved:
        k += 1
        if type(s) is not ndarray:
            continue
        if k < n and arrays[k] is s:
            owner, index = inputs[k], k
        else:
            owner, index = _owner(s, inputs, out)
        try:
            vc = owner._vc
        except AttributeError:  # a constant (a plain array, or None: nothing the graph knows)
            continue
        if vc is None:
            vc = owner._vc = [0]
        records.append((vc, vc[0], index, k))
    return records


def _owner(s: ndarray, inputs: tuple, out) -> tuple:
    """The input (index) or the output (-1) whose memory ``s`` is or views; (None, -1) if none."""
    for i, x in enumerate(inputs):
        if isinstance(x, Tensor) and x._data is s:
            return x, i
    root = _root(s)
    for i, x in enumerate(inputs):
        if isinstance(x, Tensor) and _root(x._data) is root:
            return x, i
    if s is out._data or _root(out._data) is root:
        return out, -1
    return None, -1


def _shape_error(cls: type[Function], error: ValueError, arrays: list) -> RuntimeError:
    """NumPy's broadcasting/shape ValueError, re-raised naming the op and every input shape."""
    shapes = " and ".join(str(tuple(getattr(a, "shape", ()))) for a in arrays)
    return RuntimeError(f"{cls.__name__.lower()}: {error} (input shapes {shapes})")


from .._tensor import Tensor  # noqa: E402  (Tensor's methods call Function.apply; import last)
