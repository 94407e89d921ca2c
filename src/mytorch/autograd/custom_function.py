"""A user's ``autograd.Function``: forward and backward on *tensors*, as in PyTorch.

    class Exp(mytorch.autograd.Function):
        @staticmethod
        def forward(ctx, x):                 # x is a Tensor; this runs without recording a graph
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, grad):             # grad is a Tensor; return one gradient (or None) per input
            (y,) = ctx.saved_tensors
            return grad * y

    z = Exp.apply(x)

The library's own ops subclass the array-level ``function.Function`` (the fast path); a user's
Function is that too, underneath: ``apply`` makes its node an instance of ``<Name>Backward``, a
node class whose array ``backward`` wraps the gradients in Tensors, calls the user's ``backward``
under ``no_grad`` and unwraps the result, and whose ``backward_graph`` calls it under grad mode,
so a backward written with differentiable tensor ops is differentiable again (double backward)
with ``create_graph=True``. ``@once_differentiable`` marks a backward that is not: differentiating
its result raises.

The ``ctx`` API is PyTorch's: ``save_for_backward`` / ``saved_tensors``, ``needs_input_grad``,
``mark_dirty``, ``mark_non_differentiable``, ``set_materialize_grads``, and any attribute the
user sets (seed 001's style: ``ctx.constant = c`` in forward, read back in backward). The
``setup_context(ctx, inputs, output)`` form (forward without ctx) works too.
"""

from __future__ import annotations

import functools
from typing import Any

from .._backend import xp
from . import function as _core
from .function import OutputGrads
from .grad_mode import _mode, enable_grad, no_grad

_TWICE = "trying to differentiate twice a function that was marked with @once_differentiable"


def once_differentiable(fn):
    """Mark a ``backward`` as not differentiable itself: with ``create_graph=True`` its results are
    constants whose gradient raises, instead of silently wrong higher derivatives."""

    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with no_grad():
            return fn(ctx, *args)

    wrapper._once_differentiable = True
    return wrapper


class _DelayedError(_core.Function):
    """Identity whose backward raises: the result of a once-differentiable backward under create_graph."""

    backward_name = "DelayedError"

    @staticmethod
    def forward(ctx, x):
        return x.view()

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError(_TWICE)

    backward_graph = backward


class BackwardCFunction(_core.Function):
    """The graph node (and ``ctx``) of one call of a user's Function; PyTorch's ``<Name>Backward``."""

    _tensor_io = True  # the engine's general walk calls backward_graph without re-linking saved arrays
    _forward_cls: type | None = None
    _materialize = True

    # ------------------------------------------------------------------ the ctx API
    def save_for_backward(self, *tensors: Any) -> None:
        """Keep tensors (inputs, outputs, or None) for ``backward``; read them back as ``saved_tensors``."""
        for t in tensors:
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(
                    f"save_for_backward can only save variables, but argument {tensors.index(t)} is of type "
                    f"{type(t).__name__}"
                )
        self._to_save = tensors

    @property
    def saved_tensors(self) -> tuple:
        """What ``save_for_backward`` kept; gone once backward has run (unless ``retain_graph``)."""
        if self._released:
            from .engine import _FREED

            raise RuntimeError(_FREED)
        saved = self.__dict__.get("_saved")
        if saved is None:
            return tuple(self.__dict__.get("_to_save", ()))
        for vc, version, _, k, _ in self._saved_versions:
            if vc[0] != version:
                from .engine import _modified

                raise RuntimeError(_modified(self, vc[0], version, k, saved[k]))
        return saved

    @saved_tensors.setter
    def saved_tensors(self, value) -> None:
        self._saved = tuple(value)

    def mark_dirty(self, *tensors) -> None:
        """Declare inputs that ``forward`` modified in place (and returns)."""
        self._dirty = tensors

    def mark_non_differentiable(self, *tensors) -> None:
        """Declare outputs that get no gradient (their ``requires_grad`` is False)."""
        self._non_diff = tensors

    def set_materialize_grads(self, value: bool) -> None:
        """With False, ``backward`` receives None (not zeros) for outputs that got no gradient."""
        self._materialize = bool(value)

    @classmethod
    def _name(cls) -> str:
        return f"{cls._forward_cls.__name__}Backward"

    # ------------------------------------------------------------------ what the engine calls
    @staticmethod
    def backward(ctx, grad):
        """The array-level backward (the fast walk): Tensors in, the user's backward, arrays out."""
        grads = ctx._grads_in(grad, lambda a: Tensor._make(a, False, None))
        with no_grad():
            result = ctx._forward_cls.backward(ctx, *grads)
        return tuple(None if g is None else g._data for g in ctx._grads_out(result))

    @staticmethod
    def backward_graph(ctx, grad):
        """The differentiable backward: the user's backward under grad mode (create_graph=True)."""
        grads = ctx._grads_in(grad, lambda t: t)
        user = ctx._forward_cls.backward
        if getattr(user, "_once_differentiable", False):
            with no_grad():
                result = ctx._grads_out(user(ctx, *grads))
            if not any(g is not None and g.requires_grad for g in grads):
                return result  # as PyTorch: only gradients that carry a graph make the result refuse
            return tuple(None if g is None else _DelayedError.apply(g.detach().requires_grad_(True)) for g in result)
        with enable_grad():
            return ctx._grads_out(user(ctx, *grads))

    def _grads_in(self, grad, wrap) -> list:
        """One gradient per output of forward (zeros, or None without materialize, where none came)."""
        if type(grad) is OutputGrads:
            got = {i: wrap(g) if not isinstance(g, Tensor) else g for i, g in grad.grads.items()}
        else:
            got = {0: wrap(grad) if not isinstance(grad, Tensor) else grad}
        out = []
        for i, meta in enumerate(self._out_meta):
            g = got.get(i)
            if g is None and meta is not None and self._materialize:
                g = Tensor._make(xp.zeros(meta[0], meta[1]), False, None)
            out.append(g)
        return out

    def _grads_out(self, result) -> tuple:
        """The user's gradients checked and shaped as PyTorch does: one per forward input (extra trailing
        Nones allowed), a broadcast shape summed back, another float dtype cast."""
        if not isinstance(result, tuple):
            result = (result,)
        n = len(self._parents)
        if len(result) > n and all(r is None for r in result[n:]):
            result = result[:n]
        if len(result) != n:
            raise RuntimeError(
                f"function {self._name()} returned an incorrect number of gradients (expected {n}, got {len(result)})"
            )
        out = []
        for i, (g, meta) in enumerate(zip(result, self._in_meta)):
            if g is None or meta is None or self._parents[i] is None:
                out.append(None)
                continue
            if not isinstance(g, Tensor):
                raise TypeError(f"function {self._name()} returned a {type(g).__name__} as gradient {i}, "
                                "not a Tensor or None")
            shape, dtype = meta
            if g._data.shape != shape:
                try:
                    xp.broadcast_shapes(shape, g._data.shape)
                    ok = xp.broadcast_shapes(shape, g._data.shape) == g._data.shape
                except ValueError:
                    ok = False
                if not ok:
                    raise RuntimeError(
                        f"Function {self._name()} returned an invalid gradient at index {i} - got {list(g.shape)} "
                        f"but expected shape compatible with {list(shape)}"
                    )
                from ..ops._graph import sum_to

                g = sum_to(g, shape)
            if g._data.dtype != dtype:
                g = g.to(dtype)
            out.append(g)
        return tuple(out)


class FunctionMeta(type):
    """Gives every user Function its node class ``<Name>Backward`` (PyTorch's ``_backward_cls``)."""

    def __init__(cls, name, bases, attrs) -> None:
        super().__init__(name, bases, attrs)
        cls._backward_cls = type(f"{name}Backward", (BackwardCFunction,), {"_forward_cls": cls,
                                                                            "__module__": cls.__module__})


class Function(metaclass=FunctionMeta):
    """Base class of a user's differentiable operation, as ``torch.autograd.Function``.

    Subclasses define ``forward(ctx, *args)`` and ``backward(ctx, *grad_outputs)`` as static methods
    on tensors, and are called through ``apply``. See the module docstring.
    """

    @staticmethod
    def forward(ctx, *args: Any, **kwargs: Any):
        """The op on tensors (no graph is recorded inside); return a Tensor or a tuple of them."""
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def setup_context(ctx, inputs: tuple, output) -> None:
        """Optional: the ctx work, when ``forward`` is written without ``ctx``."""
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        """One gradient (a Tensor or None) per input of ``forward``, given one per output."""
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    vjp = backward

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any):
        """Run ``forward`` on the arguments and connect its outputs to the graph."""
        ctx = cls._backward_cls()
        parents = []
        in_meta = []
        for a in args:
            if isinstance(a, Tensor) and a._requires_grad and _mode.enabled:
                parents.append(a._grad_fn or a)
                in_meta.append((a._data.shape, a._data.dtype))
            else:
                parents.append(None)
                in_meta.append(None)
        record = any(p is not None for p in parents)
        ctx.needs_input_grad = tuple(p is not None for p in parents)
        with no_grad():
            if cls.setup_context is not Function.setup_context:
                outputs = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, outputs)
            else:
                outputs = cls.forward(ctx, *args, **kwargs)
        single = not isinstance(outputs, tuple)
        outs = (outputs,) if single else outputs
        if not record:
            return outputs
        return _connect(ctx, outs, args, parents, in_meta, single)


def _connect(ctx, outs: tuple, args: tuple, parents: list, in_meta: list, single: bool):
    """Make the outputs of a recorded call the tensors of ``ctx``'s node (one edge per output if several)."""
    dirty = {id(t) for t in ctx.__dict__.get("_dirty", ())}
    non_diff = {id(t) for t in ctx.__dict__.get("_non_diff", ())}
    inputs = {id(a) for a in args if isinstance(a, Tensor)}
    ctx._parents = parents
    ctx._in_meta = in_meta
    results = []
    metas = []
    tensor_outs = [o for o in outs if isinstance(o, Tensor)]
    several = len(outs) > 1
    if several:
        ctx._shape = ctx._dtype = None  # gradients arrive as OutputGrads, one entry per output
    for i, o in enumerate(outs):
        if not isinstance(o, Tensor):
            results.append(o)
            metas.append(None)
            continue
        if id(o) in inputs and id(o) not in dirty:
            o = Tensor._make(o._data, False, None)  # an input returned as is: a new tensor (an alias)
            o._vc = args[[id(a) for a in args].index(id(outs[i]))]._shared_vc()
        elif id(o) in dirty:
            if o._grad_fn is None and o._requires_grad:
                raise RuntimeError("a leaf Variable that requires grad has been used in an in-place operation.")
            o._bump_version()
        if id(outs[i]) in non_diff or not o.is_floating_point():
            o._requires_grad = False
            o._grad_fn = None
            results.append(o)
            metas.append(None)
            continue
        metas.append((o._data.shape, o._data.dtype))
        if several:
            edge = _core.OutputEdge()
            edge._parents = [ctx]
            edge._shape, edge._dtype = o._data.shape, o._data.dtype
            edge._owner, edge._index = ctx, i
            node = edge
        else:
            ctx._shape, ctx._dtype = o._data.shape, o._data.dtype
            node = ctx
        o._grad_fn = node
        o._requires_grad = True
        results.append(o)
    ctx._out_meta = metas
    saved = ctx.__dict__.pop("_to_save", None)
    if saved is not None:
        # an output that forward saved is the tensor it returned (now connected to the graph)
        swap = {id(a): b for a, b in zip(outs, results) if isinstance(a, Tensor)}
        saved = tuple(swap.get(id(t), t) if t is not None else None for t in saved)
        ctx._saved = saved
        ctx._saved_versions = [(t._shared_vc(), t._shared_vc()[0], -1, k, False)
                               for k, t in enumerate(saved) if t is not None]
    del tensor_outs
    return results[0] if single else tuple(results)


from .._tensor import Tensor  # noqa: E402
