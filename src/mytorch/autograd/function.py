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

import weakref
from typing import Any

from .._backend import ndarray, xp
from .grad_mode import _mode


class Node:
    """A node of the backward graph (``grad_fn``), as ``torch.autograd.graph.Node``.

    Every op's ``ctx`` is one; leaves appear in ``next_functions`` as ``AccumulateGrad`` nodes.
    """

    def name(self) -> str:
        """The node's name as PyTorch prints it, e.g. ``"MulBackward0"`` or ``"AddmmBackward0"``."""
        return self._name()

    @classmethod
    def _name(cls) -> str:
        return cls.__name__

    @property
    def next_functions(self) -> tuple:
        """``((node, output_index), ...)``, one pair per input: the input's node, an ``AccumulateGrad``
        node for a leaf that requires grad, or ``(None, 0)`` where no gradient flows."""
        return ()

    @property
    def metadata(self) -> dict:
        """A dict the user may fill (PyTorch's ``Node.metadata``)."""
        md = self.__dict__.get("_metadata")
        if md is None:
            md = self._metadata = {}
        return md

    def __repr__(self) -> str:
        return f"<{self._name()} object at {id(self):#x}>"


class AccumulateGrad(Node):
    """The node that adds a leaf's gradient to its ``.grad``; ``variable`` is that leaf."""

    def __init__(self, variable) -> None:
        self._variable = weakref.ref(variable)

    @classmethod
    def _name(cls) -> str:
        return "torch::autograd::AccumulateGrad"  # PyTorch's name(), so code that checks it runs unchanged

    @property
    def variable(self):
        """The leaf tensor whose ``.grad`` this node fills."""
        return self._variable()


# id(leaf) -> its AccumulateGrad node, dropped with the leaf (a WeakKeyDictionary would compare
# tensors with ==, which is elementwise).
_ACCUMULATE: dict = {}


def accumulate_node(leaf) -> AccumulateGrad:
    """The (one, cached) ``AccumulateGrad`` node of a leaf tensor."""
    key = id(leaf)
    node = _ACCUMULATE.get(key)
    if node is None or node.variable is not leaf:
        node = _ACCUMULATE[key] = AccumulateGrad(leaf)
        weakref.finalize(leaf, _ACCUMULATE.pop, key, None)
    return node


def _edge(parent) -> tuple:
    """One ``next_functions`` entry for a parent as the engine stores it."""
    if parent is None:
        return (None, 0)
    if isinstance(parent, Node):
        owner = parent.__dict__.get("_owner")  # one output of a node with several: (that node, its index)
        return (owner, parent._index) if owner is not None else (parent, 0)
    return (accumulate_node(parent), 0)


class OutputGrads:
    """The gradients of a node with several outputs, gathered from its consumers: {output index: grad}.

    Each output of such a node has its own single-output edge node (``OutputEdge``); what the edges
    send up is one of these, and ``+`` merges them (adding the gradients of the same output)."""

    __slots__ = ("grads",)

    def __init__(self, grads: dict) -> None:
        self.grads = grads

    def __add__(self, other: OutputGrads) -> OutputGrads:
        merged = dict(self.grads)
        for i, g in other.grads.items():
            merged[i] = merged[i] + g if i in merged else g
        return OutputGrads(merged)


class Function(Node):
    """Base class of differentiable ops. Instances are the ``ctx`` and the graph node."""

    # Graph bookkeeping, set by ``apply`` when a graph is recorded:
    #   _parents: one entry per forward input -- the parent's node, a leaf Tensor that
    #             requires grad, or None when no gradient flows there
    #   _shape, _dtype: the output's shape and dtype (every gradient arriving here is checked)
    #   _released: True once backward has freed what forward saved
    #   _saved_versions: (version counter, version at save time, input index or -1 for the output,
    #             position in saved_tensors, whether it is that array itself rather than a view) for each
    #             saved array that is (a view of) an input or the output; backward refuses to run if a
    #             counter moved (an in-place write since forward), and ``backward_graph`` links the
    #             saved arrays that are inputs or the output themselves into the graph
    _released = False
    # True for the nodes of a user's Function (``custom_function``): backward works on Tensors.
    _tensor_io = False
    # Set on the edge nodes of a node with several outputs (``OutputEdge``): that node, and which output.
    _owner = None
    _index = 0
    # Hooks of the tensor this node produced (``Tensor.register_hook`` on a non-leaf): see ``hooks``.
    _hooks = None
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
            scalar, out = out, xp.asarray(out)
            saved = ctx.saved_tensors
            if saved and any(v is scalar for v in saved):  # a saved output: save the array the Tensor holds
                ctx.saved_tensors = tuple(out if v is scalar else v for v in saved)
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
        if _anomaly[0]:
            _record_trace(ctx)
        return t

    def _release(self) -> None:
        """Drop everything forward saved; keep only what a graph walk needs."""
        keep = (self._parents, self._shape, self._dtype)
        self.__dict__.clear()
        self._parents, self._shape, self._dtype = keep
        self._released = True

    def _release_keeping_hooks(self) -> None:
        """``_release`` for the general walk: a user's hooks, metadata and anomaly trace stay."""
        d = self.__dict__
        extra = {k: d[k] for k in _KEPT if k in d}
        self._release()
        d.update(extra)

    @classmethod
    def _name(cls) -> str:
        return cls.backward_name or f"{cls.__name__}Backward0"

    def __repr__(self) -> str:
        return f"<{self._name()} object at {id(self):#x}>"

    @property
    def next_functions(self) -> tuple:
        """``((node, output_index), ...)`` per input, as ``grad_fn.next_functions`` in PyTorch:
        a leaf that requires grad appears as its ``AccumulateGrad`` node, a constant as ``(None, 0)``."""
        return tuple(_edge(p) for p in self.__dict__.get("_parents", ()))

    def graph_input(self, index: int, array):
        """For ``backward_graph``: forward input ``index`` as a Tensor linked into the graph, given the
        array forward kept for it outside ``saved_tensors`` (so that it is not version-checked)."""
        p = self._parents[index]
        if p is None:
            return Tensor._make(array, False, None)
        return p if isinstance(p, Tensor) else Tensor._make(array, True, p)

    def register_hook(self, fn):
        """``fn(grad_inputs, grad_outputs)`` after this node computed its gradients (may return new
        ``grad_inputs``); returns a handle with ``remove()``."""
        from .hooks import register_node_hook

        return register_node_hook(self, fn, pre=False)

    def register_prehook(self, fn):
        """``fn(grad_outputs)`` before this node runs (may return new ``grad_outputs``); returns a handle."""
        from .hooks import register_node_hook

        return register_node_hook(self, fn, pre=True)


# What ``_release`` keeps besides the graph bookkeeping: a user's hooks, metadata, an anomaly trace.
_KEPT = ("_hooks", "_node_hooks", "_metadata", "_trace", "_owner", "_index")
_anomaly = [False]  # set by ``anomaly_mode``: record where each node's forward was called


def _record_trace(ctx) -> None:
    import traceback

    ctx._trace = "".join(traceback.format_stack()[:-2])


class OutputEdge(Function):
    """One output of a node with several (a user's Function returning a tuple): its consumers see this
    single-output node, whose backward hands the gradient up as ``OutputGrads({index: grad})``.

    Users never see it: ``Tensor.grad_fn`` and ``next_functions`` show (the node, the output index)."""

    @staticmethod
    def backward(ctx, grad):
        return (OutputGrads({ctx._index: grad}),)

    @staticmethod
    def backward_graph(ctx, grad):
        return (OutputGrads({ctx._index: grad}),)

    def _release(self) -> None:
        owner, index = self._owner, self._index
        super()._release()
        self._owner, self._index = owner, index

    def _name(self) -> str:  # noqa: D102  (only error messages reach it)
        return self._owner._name() if self._owner is not None else "OutputEdge"


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
        records.append((vc, vc[0], index, k, owner._data is s))
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
from .custom_function import BackwardCFunction, once_differentiable  # noqa: E402,F401  (torch's names here)
