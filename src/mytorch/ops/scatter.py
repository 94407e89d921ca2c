"""Scatter ops: the inverse of ``Gather``, writing (or adding) ``src`` into a copy of ``x`` at ``index``.

For dim = 1 and every position (i, j, k) of ``index``:

* ``scatter``:     out[i][index[i][j][k]][k] = src[i][j][k]
* ``scatter_add``: out[i][index[i][j][k]][k] += src[i][j][k]

``index`` may be smaller than ``src`` (only ``src``'s leading ``index.shape`` block is used) and
than ``x`` outside ``dim``, as in PyTorch. Gradients: ``scatter`` gives x the incoming gradient
with the overwritten places zeroed; ``scatter_add`` passes it to x unchanged; src gets the
gradient gathered at ``index`` (zero outside the block).
"""

from __future__ import annotations

from .._backend import xp
from ..autograd.function import Function
from ._graph import select


def scatter_positions(index, dim: int) -> tuple:
    """The full NumPy index of the places ``index`` points at along ``dim``."""
    where = list(xp.ix_(*[xp.arange(n) for n in index.shape]))
    where[dim] = index
    return tuple(where)


def check_index(who: str, x_shape: tuple, index, src_shape: tuple | None, dim: int):
    """``index`` as an integer array of x's rank (0-d reads as 1-d), or PyTorch's error for a bad one."""
    if index.dtype.kind not in "iu":
        raise RuntimeError(f"{who}(): Expected dtype int64 for index, got {index.dtype}")
    if index.ndim == 0:
        index = index.reshape(1)
    if index.ndim != max(len(x_shape), 1):
        raise RuntimeError(f"{who}(): Index tensor must have the same number of dimensions as self tensor")
    if src_shape is not None and len(src_shape) != index.ndim and not (len(src_shape) == 0 and index.ndim == 1):
        raise RuntimeError(f"{who}(): Index tensor must have the same number of dimensions as src tensor")
    for d, n in enumerate(index.shape):
        if d != dim and n > x_shape[d]:
            raise RuntimeError(
                f"{who}(): Expected index {tuple(index.shape)} to be smaller than self {tuple(x_shape)} apart "
                f"from dimension {dim}"
            )
        if src_shape and n > src_shape[d]:
            raise RuntimeError(f"{who}(): Expected index {tuple(index.shape)} to be smaller than src {src_shape}")
    if index.size:
        lo, hi = int(index.min()), int(index.max())
        if lo < 0 or hi >= x_shape[dim]:
            bad = lo if lo < 0 else hi
            raise RuntimeError(f"{who}(): index {bad} is out of bounds for dimension {dim} with size {x_shape[dim]}")
    return index


def _block(index) -> tuple:
    return tuple(slice(0, n) for n in index.shape)


class Scatter(Function):
    """out = x with src written at ``index`` along ``dim`` (``src`` may be a Python number)."""

    @staticmethod
    def forward(ctx, x, src, index, dim):
        where = scatter_positions(index, dim)
        out = x.copy()
        out[where] = src[_block(index)] if hasattr(src, "shape") and src.ndim else src
        ctx.args = where, index, getattr(src, "shape", None)
        return out

    @staticmethod
    def backward(ctx, grad):
        where, index, src_shape = ctx.args
        need_x, need_src = ctx.needs_input_grad
        gx = gsrc = None
        if need_x:
            gx = grad.copy()
            gx[where] = 0
        if need_src:
            gsrc = xp.zeros(src_shape, grad.dtype)
            gsrc[_block(index)] = grad[where]
        return gx, gsrc

    @staticmethod
    def backward_graph(ctx, grad):
        return _scatter_backward_graph(ctx, grad, overwrite=True)


def _scatter_backward_graph(ctx, grad, overwrite: bool):
    from .shape import GetItem, IndexScatter

    where, index, src_shape = ctx.args
    need_x, need_src = ctx.needs_input_grad
    gx = gsrc = None
    if need_x:
        if overwrite:
            keep = xp.ones(grad.shape, bool)
            keep[where] = False
            gx = select(keep, grad)
        else:
            gx = grad
    if need_src:
        gsrc = IndexScatter.apply(GetItem.apply(grad, key=where, basic=False), key=_block(index), basic=True,
                                  shape=src_shape)
    return gx, gsrc


class ScatterAdd(Function):
    """out = x with src added at ``index`` along ``dim`` (repeated indices add up)."""

    @staticmethod
    def forward(ctx, x, src, index, dim):
        where = scatter_positions(index, dim)
        out = x.copy()
        xp.add.at(out, where, src[_block(index)])
        ctx.args = where, index, src.shape
        return out

    @staticmethod
    def backward(ctx, grad):
        where, index, src_shape = ctx.args
        need_x, need_src = ctx.needs_input_grad
        gsrc = None
        if need_src:
            gsrc = xp.zeros(src_shape, grad.dtype)
            gsrc[_block(index)] = grad[where]
        return (grad if need_x else None), gsrc

    @staticmethod
    def backward_graph(ctx, grad):
        return _scatter_backward_graph(ctx, grad, overwrite=False)
