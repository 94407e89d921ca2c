"""``batch_norm`` and ``layer_norm``: one fused normalisation Function serves both.

Both compute  y = (x − μ)/√(σ² + ε)·w + b  with μ and the *biased* σ² taken over some axes
(BatchNorm: every axis but the channel one; LayerNorm: the trailing ``normalized_shape`` axes).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ..._backend import ndarray, xp
from ..._tensor import Tensor
from ...autograd.function import Function
from ...ops._graph import sum_to
from ...ops._util import unbroadcast


class Normalize(Function):
    """y = x̂·w + b with x̂ = (x − μ)·r, r = 1/√(σ² + ε), normalising over ``axes``.

    With batch statistics (μ, σ² computed from x itself: BatchNorm training, LayerNorm), over the
    n elements of each normalised group and with dx̂ = g·w:
        dx = r·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂))
    With given statistics (BatchNorm eval: running mean and variance are constants):
        dx = r·dx̂
    And dw = Σ g·x̂, db = Σ g over the axes along which w and b are broadcast.
    """

    @staticmethod
    def forward(ctx, x, weight, bias, *, mean, var, axes, eps, batch_stats, affine_shape, centered=None):
        inv_std = 1.0 / xp.sqrt(var + eps)
        xhat = (x - mean if centered is None else centered) * inv_std
        w = None if weight is None else weight.reshape(affine_shape)
        # x and weight only for backward_graph (references, no copies); mean and eps likewise
        ctx.save_for_backward(x, weight, xhat, inv_std, w)
        ctx.mean, ctx.eps = mean, eps
        ctx.args = axes, batch_stats, affine_shape
        ctx.param_shapes = (None if weight is None else weight.shape, None if bias is None else bias.shape)
        out = xhat if w is None else xhat * w
        return out if bias is None else out + bias.reshape(affine_shape)

    @staticmethod
    def backward(ctx, grad):
        _, _, xhat, inv_std, w = ctx.saved_tensors
        axes, batch_stats, affine_shape = ctx.args
        w_shape, b_shape = ctx.param_shapes
        need_x, need_w, need_b = ctx.needs_input_grad
        gx = gw = gb = None
        if need_x:
            dxhat = grad if w is None else grad * w
            if batch_stats:
                n = xhat.size // max(inv_std.size, 1)
                gx = inv_std * (dxhat - _mean(dxhat, axes, n) - xhat * _mean(dxhat * xhat, axes, n))
            else:
                gx = dxhat * inv_std
        if need_w:
            gw = unbroadcast(grad * xhat, affine_shape).reshape(w_shape)
        if need_b:
            gb = unbroadcast(grad, affine_shape).reshape(b_shape)
        return gx, gw, gb

    @staticmethod
    def backward_graph(ctx, grad):
        x, weight = ctx.saved_tensors[:2]
        axes, batch_stats, affine_shape = ctx.args
        w_shape, b_shape = ctx.param_shapes
        need_x, need_w, need_b = ctx.needs_input_grad
        if batch_stats:  # x̂ recomputed from x, so that its dependence on x is differentiated too
            centered = x - x.mean(axes, keepdim=True)
            r = 1 / ((centered * centered).mean(axes, keepdim=True) + ctx.eps).sqrt()
            xhat = centered * r
        else:
            r = ctx.saved_tensors[3]
            xhat = (x - Tensor._make(xp.asarray(ctx.mean), False, None)) * r
        gx = gw = gb = None
        if need_x:
            dxhat = grad if weight is None else grad * weight.reshape(affine_shape)
            if batch_stats:
                gx = r * (dxhat - dxhat.mean(axes, keepdim=True) - xhat * (dxhat * xhat).mean(axes, keepdim=True))
            else:
                gx = dxhat * r
        if need_w:
            gw = sum_to(grad * xhat, affine_shape).reshape(w_shape)
        if need_b:
            gb = sum_to(grad, affine_shape).reshape(b_shape)
        return gx, gw, gb


def _mean(a: ndarray, axes: tuple, n: int) -> ndarray:
    """``a.mean(axis=axes, keepdims=True)`` for float32/float64, computed as NumPy does (a sum, then a
    division by the count) without the Python layers of ``ndarray.mean``: the same bits, ~8 µs less.

    BatchNorm2d's axes (0, 2, 3) of a contiguous (N, C, H, W) array are summed as (N, C, H·W) rows
    first, then over N: NumPy's reduction over the strided axes all at once was 5x slower.
    """
    if a.ndim == 4 and axes == (0, 2, 3) and a.flags.c_contiguous:
        rows = xp.add.reduce(a.reshape(a.shape[0], a.shape[1], a.shape[2] * a.shape[3]), axis=2)
        total = xp.add.reduce(rows, axis=0).reshape(1, -1, 1, 1)
    else:
        total = xp.add.reduce(a, axis=axes, keepdims=True)
    return xp.true_divide(total, n, out=total)


def _moments(x: ndarray, axes: tuple) -> tuple[ndarray, ndarray, ndarray | None]:
    """Mean, biased variance (keepdims) and x − mean, bit for bit as ``x.mean`` and ``x.var`` compute them.

    ``x.var`` subtracts the mean itself and throws the difference away; keeping it saves the
    normalisation a pass. Other dtypes (float16 accumulates in float32) take NumPy's own functions.
    """
    if x.dtype not in (xp.float32, xp.float64) or x.size == 0:
        return x.mean(axis=axes, keepdims=True), x.var(axis=axes, keepdims=True), None
    n = x.size // math.prod(x.shape[a] for a in range(x.ndim) if a not in axes)
    mean = _mean(x, axes, n)
    centered = x - mean
    return mean, _mean(centered * centered, axes, n), centered


_SCALAR_NAMES = {"float16": "Half", "float32": "Float", "float64": "Double"}


def _check_batch_norm_dtypes(dtype, params) -> None:
    """PyTorch's CPU kernel's dtype rule: the parameters given (weight, bias, running statistics) all of the
    input's dtype. (Its one mixed form, a float16 input with float32 parameters, passes this check.)"""
    given = [t._data.dtype for t in params if t is not None]
    if not given:
        return
    if given[0] != dtype:  # torch's "mixed" form: first the parameters must all be float32, then the input float16
        if any(d != xp.float32 for d in given):
            raise RuntimeError("mixed dtype (CPU): expect parameter to have scalar type of Float (input is "
                               f"{dtype}, parameters {', '.join(str(d) for d in given)})")
        if dtype != xp.float16:
            raise RuntimeError(f"mixed dtype (CPU): all inputs must share same datatype. (input is {dtype}, the "
                               "parameters float32)")
        return
    for d in given[1:]:
        if d != dtype:
            raise RuntimeError(f"expected scalar type {_SCALAR_NAMES.get(str(dtype), str(dtype))} but found "
                               f"{_SCALAR_NAMES.get(str(d), str(d))} (the input is {dtype}, a parameter or running "
                               f"statistic {d})")


def _category(dtype) -> int:
    return 2 if dtype.kind == "f" else 0 if dtype.kind == "b" else 1


def _empty_batch_norm(input: Tensor, weight: Tensor | None, bias: Tensor | None) -> Tensor:  # noqa: A002
    """PyTorch's result for an input without elements: no statistics and no check of the parameters' shapes or
    dtypes (its shortcut), just x·w[0] + b[0].

    w[0] and b[0] of the usual 1-D parameters are 0-d, so (PyTorch's promotion) they set the dtype only when
    of a higher category than x's (a float parameter of an integer input): a float32 input stays float32
    beside float64 parameters. The parameters' gradients are zeros of their own dtype.
    """
    out = input.clone()
    for name, t in (("weight", weight), ("bias", bias)):
        if t is None:
            continue
        if t.ndim == 0 or t.shape[0] == 0:
            raise IndexError(f"batch_norm: the input (size {tuple(input.shape)}) has no elements, so PyTorch scales "
                             f"it by {name}[0], which a {name} of shape {tuple(t.shape)} does not have")
        s = t[0]
        if s.ndim == 0:  # a 0-d factor: the input's dtype unless the factor's category is higher
            dtype = s.dtype if _category(s._data.dtype) > _category(out._data.dtype) else out.dtype
            out, s = out.to(dtype), s.to(dtype)
        out = out * s if name == "weight" else out + s
    return out


def batch_norm(
    input: Tensor,  # noqa: A002
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Batch normalisation of (N, C, *) input over every axis but C (BatchNorm1d: (N, C) or (N, C, L); 2d: 4-D).

    Training normalises with the batch mean and *biased* variance and, when running statistics are
    given, updates them in place: running ← (1 − momentum)·running + momentum·batch, using the
    *unbiased* variance n/(n − 1)·σ² for ``running_var``. Otherwise the running statistics are used.
    """
    x = input._data
    n = math.prod(x.shape[:1] + x.shape[2:])  # values per channel (PyTorch's test: exactly 1 is refused)
    if training and n == 1 and x.ndim:
        raise ValueError(f"Expected more than 1 value per channel when training, got input size {tuple(x.shape)}")
    if x.size == 0:  # PyTorch's shortcut, before any check of shapes or dtypes
        return _empty_batch_norm(input, weight, bias)
    if x.ndim < 2:
        raise ValueError(f"batch_norm: expected at least 2D input (N, C, ...), got {x.ndim}D input of shape "
                         f"{tuple(x.shape)}")
    channels = x.shape[1]
    for name, t in (("weight", weight), ("bias", bias), ("running_mean", running_mean), ("running_var", running_var)):
        if t is not None and t.shape != (channels,):
            raise RuntimeError(
                f"batch_norm: input has {channels} channels (dim 1 of shape {tuple(x.shape)}) but {name} has shape "
                f"{tuple(t.shape)} (num_features must equal the channel count)"
            )
    if x.dtype.kind not in "fc":  # PyTorch has no integer kernel
        name = {"b": "Bool", "u": "Byte"}.get(x.dtype.kind, {1: "Char", 2: "Short", 4: "Int"}.get(x.itemsize, "Long"))
        raise NotImplementedError(f"\"batch_norm\" not implemented for '{name}'")
    _check_batch_norm_dtypes(x.dtype, (weight, bias, running_mean, running_var))
    axes = (0,) + tuple(range(2, x.ndim))
    affine_shape = (channels,) + (1,) * (x.ndim - 2)
    if training:
        mean, var, centered = _moments(x, axes)
        if running_mean is not None and running_var is not None:
            rm, rv = running_mean._data, running_var._data
            rm *= 1 - momentum
            rm += momentum * mean.reshape(channels)
            rv *= 1 - momentum
            rv += (momentum * n / (n - 1)) * var.reshape(channels)
    else:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm: running_mean and running_var are needed when training=False")
        mean = running_mean._data.reshape(affine_shape)
        var = running_var._data.reshape(affine_shape)
        centered = None
    return Normalize.apply(input, weight, bias, mean=mean, var=var, axes=axes, eps=eps, batch_stats=training,
                           affine_shape=affine_shape, centered=centered)


def layer_norm(
    input: Tensor,  # noqa: A002
    normalized_shape: int | Sequence[int],
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise over the trailing ``normalized_shape`` dimensions with the biased variance."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    x = input._data
    k = len(shape)
    if k == 0 or x.shape[x.ndim - k:] != shape or x.ndim < k:
        raise RuntimeError(
            f"layer_norm: expected input whose trailing dimensions are {shape} (normalized_shape), "
            f"got shape {tuple(x.shape)}"
        )
    axes = tuple(range(x.ndim - k, x.ndim))
    mean, var, centered = _moments(x, axes)
    return Normalize.apply(input, weight, bias, mean=mean, var=var, axes=axes, eps=eps, batch_stats=True,
                           affine_shape=shape, centered=centered)


def group_norm(
    input: Tensor,  # noqa: A002
    num_groups: int,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Group normalisation (Wu & He, 2018): split the C channels of (N, C, *) input into ``num_groups``
    groups, normalise each (sample, group) over its channels and positions with the biased variance,
    then y = x̂·w[c] + b[c] per channel."""
    x = input._data
    if x.ndim < 2:
        raise RuntimeError(f"group_norm: expected input of shape (N, C, *), got {tuple(x.shape)}")
    n, c = x.shape[:2]
    if c % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, but got input of "
                           f"shape {list(x.shape)} and num_groups={num_groups}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != (c,):
            raise RuntimeError(f"Expected {name} to be a vector of size equal to the number of channels in input, but "
                               f"got {name} of shape {list(t.shape)} and input of shape {list(x.shape)}")
    for t in (weight, bias):
        if t is not None and t._data.dtype != x.dtype:
            raise RuntimeError("mixed dtype (CPU): expect parameter to have scalar type of Float"
                               if x.dtype == xp.float32 else "mixed dtype (CPU): all inputs must share same datatype.")
    grouped = input.reshape(n, num_groups, x.size // max(n * num_groups, 1))
    mean, var, centered = _moments(grouped._data, (2,))
    y = Normalize.apply(grouped, None, None, mean=mean, var=var, axes=(2,), eps=eps, batch_stats=True,
                        affine_shape=(1,), centered=centered).reshape(input.shape)
    affine = (c,) + (1,) * (x.ndim - 2)
    if weight is not None:
        y = y * weight.reshape(affine)
        if x.size == 0 and n and c:
            # groups without elements: PyTorch's weight gradient Σ (g·x − g·mean)·rstd uses their statistics,
            # nan (a mean and variance over nothing), so it is nan (not the 0 of a sum over nothing): the same
            # here through a term that adds nothing to the empty output
            y = y + (weight * math.nan).sum()
    if bias is not None:
        y = y + bias.reshape(affine)
    return y
