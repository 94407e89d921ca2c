"""Reductions: sum, mean, amax/amin, logsumexp, and the non-differentiable argmax/argmin.

``axes`` arrive normalised (a sorted tuple of positive axes, or None for all) from the Tensor
methods; backward puts the reduced axes back as size 1 and broadcasts to the input shape.
"""

from __future__ import annotations

from .._backend import xp
from ..autograd.function import Function
from ._graph import const, expand, select, unreduce
from ._util import as_float, expand_reduced


class Sum(Function):
    """out = Σ x over ``axes``;  dx = g broadcast back to x's shape."""

    @staticmethod
    def forward(ctx, x, axes=None, keepdims=False):
        ctx.args = x.shape, axes, keepdims
        return x.sum(axis=axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, grad):
        shape, axes, keepdims = ctx.args
        return xp.broadcast_to(expand_reduced(grad, axes, keepdims, len(shape)), shape)


    @staticmethod
    def backward_graph(ctx, grad):
        shape, axes, keepdims = ctx.args
        return expand(unreduce(grad, axes, keepdims, len(shape)), shape)

class Mean(Function):
    """out = (1/n) Σ x over ``axes``;  dx = g/n broadcast back to x's shape."""

    @staticmethod
    def forward(ctx, x, axes=None, keepdims=False):
        ctx.args = x.shape, axes, keepdims
        return x.mean(axis=axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, grad):
        shape, axes, keepdims = ctx.args
        n = 1
        for a in range(len(shape)) if axes is None else axes:
            n *= shape[a]
        return xp.broadcast_to(expand_reduced(grad, axes, keepdims, len(shape)) / max(n, 1), shape)


    @staticmethod
    def backward_graph(ctx, grad):
        shape, axes, keepdims = ctx.args
        n = 1
        for a in range(len(shape)) if axes is None else axes:
            n *= shape[a]
        return expand(unreduce(grad, axes, keepdims, len(shape)) / max(n, 1), shape)


class Var(Function):
    """out = Σ (x − x̄)² / (n − c) over ``axes`` (x̄ the mean, c the correction, a divisor below 0 taken as 0);
    dx = (2/(n − c))·g·(x − x̄), PyTorch's var_backward: the mean's own term, 0 in exact arithmetic, is left out (a
    composed var would carry it, nan once an input is infinite). Over every element with n − c ≤ 0, dx is g·nan
    where x = x̄ and g·inf elsewhere, as torch."""

    backward_name = "VarBackward0"

    @staticmethod
    def forward(ctx, x, axes=None, keepdims=False, correction=1):
        n = 1
        for a in range(x.ndim) if axes is None else axes:
            n *= x.shape[a]
        ctx.save_for_backward(x)
        with xp.errstate(divide="ignore", invalid="ignore", over="ignore"):
            mean = x.mean(axis=axes, keepdims=True)
            diff = x - mean
            ctx.mean, ctx.args = mean, (axes, keepdims, n - correction)
            return (diff * diff).sum(axis=axes, keepdims=keepdims) / max(n - correction, 0)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        axes, keepdims, dof = ctx.args
        with xp.errstate(divide="ignore", invalid="ignore"):
            if (axes is None or x.ndim == 0) and dof <= 0:
                return grad * xp.where(x == ctx.mean, xp.nan, xp.inf).astype(x.dtype)
            scale = 2.0 / dof if dof else xp.inf
            return (scale * expand_reduced(grad, axes, keepdims, x.ndim)) * (x - ctx.mean)

    @staticmethod
    def backward_graph(ctx, grad):
        (x,) = ctx.saved_tensors
        axes, keepdims, dof = ctx.args
        if (axes is None or x.ndim == 0) and dof <= 0:
            return grad * const(xp.where(x._data == ctx.mean, xp.nan, xp.inf).astype(x._data.dtype))
        scale = 2.0 / dof if dof else float("inf")
        mean = Mean.apply(x, axes=axes, keepdims=True)  # differentiable: the double backward has its 1/n term
        return (unreduce(grad, axes, keepdims, x._data.ndim) * scale) * (x - mean)


class Amax(Function):
    """out = max x over ``axes``;  dx = g shared evenly among the elements equal to the max."""

    reduce = "max"  # Amin below differs only here
    nan_wins = False  # MaxAll/MinAll: a nan maximum is shared among the nan elements

    @staticmethod
    def forward(ctx, x, axes=None, keepdims=False):
        out = getattr(x, ctx.reduce)(axis=axes, keepdims=keepdims)
        ctx.save_for_backward(x, out)
        ctx.args = axes, keepdims
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        axes, keepdims = ctx.args
        hit = _hits(ctx, x, out, axes, keepdims)
        count = hit.sum(axis=axes, keepdims=True).astype(grad.dtype)
        # hit·(g/count), as PyTorch: a slice whose max is nan has no hit, and 0·(g/0) makes it nan too.
        with xp.errstate(divide="ignore", invalid="ignore"):
            return hit * (expand_reduced(grad, axes, keepdims, x.ndim) / count)


    @staticmethod
    def backward_graph(ctx, grad):
        x, out = (t._data for t in ctx.saved_tensors)
        axes, keepdims = ctx.args
        hit = _hits(ctx, x, out, axes, keepdims)
        count = hit.sum(axis=axes, keepdims=True).astype(x.dtype)
        return select(hit, expand(unreduce(grad, axes, keepdims, x.ndim) / const(count), x.shape))


def _hits(ctx, x, out, axes, keepdims):
    """Where the extremum is: the elements equal to it, or (``nan_wins``, out nan) the nan elements."""
    if ctx.nan_wins and out.ndim == 0 and out != out:
        return x != x
    return x == expand_reduced(out, axes, keepdims, x.ndim)


class Amin(Amax):
    """out = min x over ``axes``;  dx = g shared evenly among the elements equal to the min."""

    reduce = "min"


class MaxAll(Amax):
    """``x.max()``: Amax over every element, but a nan maximum's gradient is shared among the nan elements (PyTorch's
    evenly_distribute_backward), where ``amax`` gives nan everywhere."""

    backward_name = "MaxBackward1"
    nan_wins = True


class MinAll(Amin):
    """``x.min()``: as ``MaxAll`` for the minimum."""

    backward_name = "MinBackward1"
    nan_wins = True


class LogSumExp(Function):
    """out = m + ln s with s = Σ exp(x − m), m = max x (numerically stable);  dx = g·exp(x − m)/s.

    The gradient is softmax(x), formed from the saved exp(x − m) and s rather than as
    exp(x − out): the same number in exact arithmetic, but exp(x − out) loses digits when |out| is
    large (float32 at |x| = 1e4: tied maxima got 0.49989 instead of 0.5), while tied maxima give
    exactly equal shares here. A slice that is all −inf gives −inf (m is replaced by 0 where it is
    not finite).
    """

    backward_name = "LogsumexpBackward0"

    @staticmethod
    def forward(ctx, x, axes=None, keepdims=False):
        x = as_float(x)
        m = x.max(axis=axes, keepdims=True, initial=-xp.inf)  # an empty slice: −inf (then 0), as PyTorch
        m = xp.where(xp.isfinite(m), m, 0)
        e = xp.exp(x - m)
        s = e.sum(axis=axes, keepdims=True)
        out = xp.log(s) + m
        ctx.save_for_backward(x, e, s)  # x only for backward_graph (a reference, no copy)
        ctx.axes, ctx.keepdims = axes, keepdims
        return out if keepdims else out.reshape(_drop(out.shape, axes))

    @staticmethod
    def backward(ctx, grad):
        x, e, s = ctx.saved_tensors
        g = grad.reshape(s.shape)  # s was kept with keepdims=True
        share = e / s
        if not xp.isfinite(s).all():  # a slice with +inf or nan (m was replaced by 0): PyTorch's exp(x − out)
            m = x.max(axis=ctx.axes, keepdims=True, initial=-xp.inf)
            bad = ~xp.isfinite(s)
            share = xp.where(bad, xp.exp(x - xp.where(bad, m, 0)), share)  # out = m there: +inf or nan
        return g * share

    @staticmethod
    def backward_graph(ctx, grad):
        # softmax(x) = exp(x − logsumexp(x)), recomputed from the graph-linked input
        x = ctx.saved_tensors[0]
        g = unreduce(grad, ctx.axes, ctx.keepdims, x.ndim)
        return g * (x - LogSumExp.apply(x, axes=ctx.axes, keepdims=True)).exp()

def _drop(shape: tuple, axes) -> tuple:
    if axes is None:
        return ()
    return tuple(s for i, s in enumerate(shape) if i not in axes)


def argmax(x, axis=None, keepdims=False):
    """Index of the first maximum (flattened when ``axis`` is None), as int64."""
    return xp.argmax(x, axis=axis, keepdims=keepdims)


def argmin(x, axis=None, keepdims=False):
    """Index of the first minimum (flattened when ``axis`` is None), as int64."""
    return xp.argmin(x, axis=axis, keepdims=keepdims)
