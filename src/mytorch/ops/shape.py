"""Shape ops: reshape, permute, expand, indexing, gather, concatenation.

Their backward moves the gradient back to where each input element went: reshape and permute
invert themselves, expand sums over the broadcast axes, indexing scatters (adding, so an index
that appears twice receives both gradients), concatenation splits.
"""

from __future__ import annotations

from .._backend import xp
from ..autograd.function import Function
from ._graph import sum_to
from ._util import unbroadcast


class Reshape(Function):
    """out = x viewed with a new shape;  dx = g reshaped back."""

    backward_name = "ViewBackward0"

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return x.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.shape)


    @staticmethod
    def backward_graph(ctx, grad):
        return Reshape.apply(grad, shape=ctx.shape)

class Permute(Function):
    """out = x with its axes reordered by ``dims``;  dx = g with the inverse order."""

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return x.transpose(dims)

    @staticmethod
    def backward(ctx, grad):
        return grad.transpose(tuple(xp.argsort(ctx.dims)))


    @staticmethod
    def backward_graph(ctx, grad):
        return Permute.apply(grad, dims=tuple(int(d) for d in xp.argsort(ctx.dims)))

class Expand(Function):
    """out = x broadcast to ``shape`` (a read-only view);  dx = g summed over broadcast axes."""

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return xp.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, grad):
        return unbroadcast(grad, ctx.shape)


    @staticmethod
    def backward_graph(ctx, grad):
        return sum_to(grad, ctx.shape)

class GetItem(Function):
    """out = x[key];  dx = zeros with g scattered (added) into the selected positions.

    ``basic`` keys (ints, slices, None, Ellipsis) select each element at most once, so the
    scatter is a plain assignment; advanced keys (integer arrays, masks) may repeat an index and
    use ``add.at``, which accumulates repeated positions.
    """

    backward_name = "IndexBackward0"

    @staticmethod
    def forward(ctx, x, key, basic):
        ctx.args = x.shape, x.dtype, key, basic
        return x[key]

    @staticmethod
    def backward(ctx, grad):
        shape, dtype, key, basic = ctx.args
        gx = xp.zeros(shape, dtype)
        if basic:
            gx[key] = grad
        else:
            xp.add.at(gx, key, grad)
        return gx


    @staticmethod
    def backward_graph(ctx, grad):
        shape, dtype, key, basic = ctx.args
        return IndexScatter.apply(grad, key=key, basic=basic, shape=shape)

class IndexPut(Function):
    """``x[key] = v`` written into x's own memory, recorded as a node: out = x with v at ``key``.

    dx = g with zeros at ``key`` (what was overwritten gets no gradient); dv = g[key] summed back
    to v's shape (v was broadcast into the slots). PyTorch names the node ``CopySlices`` for a
    basic key and ``IndexPutBackward0`` for an advanced one.
    """

    backward_name = "IndexPutBackward0"

    @staticmethod
    def forward(ctx, x, v, key):
        ctx.key = key
        ctx.v_meta = (xp.shape(v), v.dtype) if isinstance(v, xp.ndarray) else None
        x[key] = v
        return x

    @staticmethod
    def backward(ctx, grad):
        gx = grad.copy()
        gx[ctx.key] = 0
        gv = None
        if ctx.v_meta is not None and ctx.needs_input_grad[1]:
            shape, dtype = ctx.v_meta
            g = xp.asarray(grad[ctx.key])
            if g.ndim < len(shape):  # v had leading 1-dimensions the slots do not have
                g = g.reshape((1,) * (len(shape) - g.ndim) + g.shape)
            gv = unbroadcast(g, shape, dtype)
        return gx, gv

    @staticmethod
    def backward_graph(ctx, grad):
        from ._graph import select, sum_to

        keep = xp.ones(grad._data.shape, dtype=bool)
        keep[ctx.key] = False
        gx = select(keep, grad)
        gv = None
        if ctx.v_meta is not None and ctx.needs_input_grad[1]:
            shape, dtype = ctx.v_meta
            basic = not any(isinstance(k, xp.ndarray) for k in (ctx.key if isinstance(ctx.key, tuple) else (ctx.key,)))
            g = GetItem.apply(grad, key=ctx.key, basic=basic)
            if g._data.ndim < len(shape):
                g = Reshape.apply(g, shape=(1,) * (len(shape) - g._data.ndim) + g._data.shape)
            gv = sum_to(g, shape, dtype)
        return gx, gv


class CopySlices(IndexPut):
    """``x[key] = v`` for a key that takes a view first (PyTorch's ``CopySlices`` node)."""

    backward_name = "CopySlices"


class Gather(Function):
    """out[i][j][k] = x[i][index[i][j][k]][k] (for dim = 1);  dx = g added back at ``index``."""

    @staticmethod
    def forward(ctx, x, index, dim):
        ctx.args = x.shape, index, dim
        # index may be smaller than x in the other dims (PyTorch's rule): x at index's own positions
        where = list(xp.ix_(*[xp.arange(n) for n in index.shape]))
        where[dim] = index
        return x[tuple(where)]

    @staticmethod
    def backward(ctx, grad):
        shape, index, dim = ctx.args
        gx = xp.zeros(shape, grad.dtype)
        where = list(xp.ix_(*[xp.arange(n) for n in index.shape]))
        where[dim] = index
        xp.add.at(gx, tuple(where), grad)
        return gx


    @staticmethod
    def backward_graph(ctx, grad):
        shape, index, dim = ctx.args
        where = list(xp.ix_(*[xp.arange(n) for n in index.shape]))
        where[dim] = index
        return IndexScatter.apply(grad, key=tuple(where), basic=False, shape=shape)

class Cat(Function):
    """out = the inputs joined along ``dim``;  each input's gradient is its slice of g.

    ``skipped``: the positions of inputs left out of the join, PyTorch's legacy rule for 1-D tensors without
    elements (shape (0,)) beside others; their gradient is empty too.
    """

    @staticmethod
    def forward(ctx, *arrays, dim, skipped=()):
        ctx.dim, ctx.skipped = dim, skipped
        joined = [a for i, a in enumerate(arrays) if i not in skipped]
        ctx.bounds = xp.cumsum([a.shape[dim] for a in joined])[:-1]
        return xp.concatenate(joined, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        return _with_skipped(list(xp.split(grad, ctx.bounds, axis=ctx.dim)), ctx.skipped,
                             lambda: xp.zeros((0,), grad.dtype))

    @staticmethod
    def backward_graph(ctx, grad):
        from ._graph import const

        dim, ndim = ctx.dim, grad.ndim
        edges = [0, *(int(b) for b in ctx.bounds), grad.shape[dim]]
        lead = (slice(None),) * (dim % ndim)
        parts = [GetItem.apply(grad, key=lead + (slice(lo, hi),), basic=True) for lo, hi in zip(edges, edges[1:])]
        return _with_skipped(parts, ctx.skipped, lambda: const(xp.zeros((0,), grad._data.dtype)))


def _with_skipped(parts: list, skipped: tuple, empty) -> tuple:
    """The joined inputs' gradients with an empty one put back at every skipped position."""
    for i in sorted(skipped):
        parts.insert(i, empty())
    return tuple(parts)

class IndexScatter(Function):
    """out = zeros(shape) with g added at ``key`` (the backward of indexing, as a differentiable op);
    dg = (d out)[key]."""

    backward_name = "IndexPutBackward0"

    @staticmethod
    def forward(ctx, grad, key, basic, shape):
        ctx.args = key, basic
        out = xp.zeros(shape, grad.dtype)
        if basic:
            out[key] = grad
        else:
            xp.add.at(out, key, grad)
        return out

    @staticmethod
    def backward(ctx, grad):
        key, _ = ctx.args
        return grad[key]

    @staticmethod
    def backward_graph(ctx, grad):
        key, basic = ctx.args
        return GetItem.apply(grad, key=key, basic=basic)


# The same ops under the names PyTorch gives their nodes (``grad_fn``): one subclass per name, no
# new math.
class Unsqueeze(Reshape):
    backward_name = "UnsqueezeBackward0"


class Squeeze(Reshape):
    backward_name = "SqueezeBackward1"


class Transpose(Permute):
    backward_name = "TransposeBackward0"


class MatrixTranspose(Permute):
    backward_name = "TBackward0"


class Select(GetItem):
    backward_name = "SelectBackward0"


class Slice(GetItem):
    backward_name = "SliceBackward0"


def index_op(key, basic: bool) -> type[GetItem]:
    """The node type of ``x[key]``: PyTorch names it after the last index it applies."""
    if not basic:
        return GetItem
    for k in reversed(key if isinstance(key, tuple) else (key,)):
        if isinstance(k, int):
            return Select
        if isinstance(k, slice) and k != slice(None):
            return Slice
    return GetItem
