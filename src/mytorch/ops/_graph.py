"""Tensor-level helpers for the ops' ``backward_graph`` (the differentiable backward; see ``Function``).

Each mirrors an array helper of ``_util`` but is built from ops, so the gradient it produces is
itself part of a graph when ``create_graph=True``.
"""

from __future__ import annotations

from .._backend import xp


def const(a):
    """An array as a constant Tensor (no gradient flows into it)."""
    return Tensor._make(xp.asarray(a), False, None)


def sum_to(grad, shape: tuple, dtype=None):
    """``unbroadcast`` for Tensors: sum ``grad`` down to ``shape`` (and cast to ``dtype``)."""
    from .reduce import Sum
    from .shape import Reshape

    gshape = grad._data.shape
    if gshape != tuple(shape):
        lead = len(gshape) - len(shape)
        axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape) if n == 1 and gshape[lead + i] != 1)
        if axes:
            grad = Sum.apply(grad, axes=axes, keepdims=True)
        grad = Reshape.apply(grad, shape=tuple(shape))
    if dtype is not None and grad._data.dtype != dtype:
        from .elementwise import Cast

        grad = Cast.apply(grad, dtype=dtype)
    return grad


def select(mask, grad):
    """``grad`` where ``mask`` (a constant boolean array) holds, +0 elsewhere (inf and nan outside stay out)."""
    from .elementwise import Where

    return Where.apply(xp.asarray(mask), grad, xp.zeros((), grad._data.dtype))


def unreduce(grad, axes, keepdims: bool, ndim: int):
    """Give a reduction's gradient back its reduced axes (as size 1): ``expand_reduced`` for Tensors."""
    from .shape import Reshape

    if keepdims:
        return grad
    if axes is None:
        return Reshape.apply(grad, shape=(1,) * ndim)
    shape = list(grad._data.shape)
    for a in axes:
        shape.insert(a, 1)
    return Reshape.apply(grad, shape=tuple(shape))


def expand(grad, shape: tuple):
    """``grad`` broadcast to ``shape`` (a differentiable expand)."""
    from .shape import Expand

    return grad if grad._data.shape == tuple(shape) else Expand.apply(grad, shape=tuple(shape))


from .._tensor import Tensor  # noqa: E402
