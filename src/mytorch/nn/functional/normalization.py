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


def _torch_contiguous(x: ndarray) -> bool:
    """PyTorch's test for its batch-norm kernels' fast path: contiguous, or channels-last (4-D, 5-D) contiguous."""
    if x.flags.c_contiguous:
        return True
    if x.ndim in (4, 5):
        return xp.moveaxis(x, 1, -1).flags.c_contiguous
    return False


def _planes(a: ndarray) -> ndarray:
    """(N, C, *) as (N, C, L): one row per image plane of a channel."""
    return a.reshape(a.shape[0], a.shape[1], -1)


def _fma(a: ndarray, b: ndarray, c: ndarray) -> ndarray:
    """a·b + c rounded once (near enough: float32 through float64, float64 through long double), in a's dtype: so
    that a product past the largest float does not overflow before c is added, as in a fused multiply-add."""
    wide = xp.float64 if a.dtype.itemsize <= 4 else xp.longdouble
    with xp.errstate(all="ignore"):
        return (a.astype(wide) * b + c).astype(a.dtype)


def _batch_stats(x: ndarray, axes: tuple, eps: float, fast: bool) -> tuple[ndarray, ndarray, ndarray]:
    """PyTorch's batch statistics (see ``BatchNorm``): mean and invstd (keepdims) in the parameters' dtype, and the
    biased variance (for the running variance).

    Its fast kernel (``fast``): the mean a float64 sum divided by n, rounded; the squares (x − mean)² in x's dtype
    summed in float64 and the sum rounded to x's dtype. Its other kernel: the mean is ``mean()``'s, a sum in x's
    dtype (which overflows to ±inf where the float64 sum is past the largest float; divided by n in float64 here,
    so that the mean of equal values is exactly that value), and the squares are float64's.
    """
    dtype = x.dtype if x.dtype != xp.float16 else xp.dtype(xp.float32)
    n = x.size // x.shape[1]
    with xp.errstate(all="ignore"):
        total = xp.add.reduce(x, axis=axes, keepdims=True, dtype=xp.float64)
        mean = (total / n).astype(dtype)
        if fast:
            centered = x.astype(dtype, copy=False) - mean
            squares = xp.multiply(centered, centered, out=centered)  # (x − mean)² in place: one temporary
            var = xp.add.reduce(squares, axis=axes, keepdims=True, dtype=xp.float64).astype(dtype)
            var = var.astype(xp.float64) / n
        else:
            rounded = total.astype(dtype)
            mean = xp.where(xp.isfinite(rounded), mean, rounded)
            centered = x.astype(xp.float64) - mean
            var = xp.add.reduce(centered * centered, axis=axes, keepdims=True) / n
        invstd = xp.where((var == 0) & (eps == 0), 0.0, 1.0 / xp.sqrt(var + eps)).astype(dtype)
    return mean, invstd, var


class BatchNorm(Normalize):
    """Batch normalisation in PyTorch's CPU arithmetic (its ``Normalize`` parent gives the double backward).

    The statistics: the mean a float64 sum of x divided by n, rounded to x's dtype; the variance's sum a float64
    sum of the squares (x − mean)² in x's dtype, rounded; invstd = 1/√(var_sum/n + ε) in float64, rounded (0
    where var and ε are both 0). An input that PyTorch calls contiguous (or channels-last contiguous) is
    normalised as x·α + β with α = invstd·w and β = b − mean·α in x's dtype; any other as ((x − mean)·invstd)·w
    + b, as PyTorch's two kernels do. So overflow (α = inf for a weight near the largest float), and 0·inf =
    nan, happen where they happen in PyTorch. The gradient is PyTorch's too: with Σdy and dotp = Σ(x − mean)·dy
    (float64 sums of x's-dtype terms), k = dotp·invstd²/n, dx = ((dy − Σdy/n − (x − mean)·k)·invstd)·w,
    dw = dotp·invstd, db = Σdy; with given statistics dx = (dy·invstd)·w.
    """

    @staticmethod
    def forward(ctx, x, weight, bias, *, mean, invstd, axes, eps, batch_stats, affine_shape, fast):
        dtype = x.dtype if x.dtype != xp.float16 else xp.dtype(xp.float32)  # PyTorch's float16 math is float32
        w = xp.ones(affine_shape[0], dtype) if weight is None else weight.astype(dtype, copy=False).reshape(-1)
        b = xp.zeros(affine_shape[0], dtype) if bias is None else bias.astype(dtype, copy=False).reshape(-1)
        m, r = mean.astype(dtype, copy=False).reshape(-1), invstd.astype(dtype, copy=False).reshape(-1)
        xs = x.astype(dtype, copy=False)
        with xp.errstate(all="ignore"):
            if fast:  # PyTorch's compiled kernel fuses each product and sum into one multiply-add
                alpha = r * w
                beta = _fma(-m, alpha, b)
                alpha, beta = alpha.reshape(affine_shape), beta.reshape(affine_shape)
                out = xp.multiply(xs, alpha)
                xp.add(out, beta, out=out)  # xs·α + β, the sum written over the product
                if not xp.isfinite(xp.add.reduce(out, axis=None)):  # else the same but for its last bit
                    out = _fma(xs, alpha, beta)
            else:
                out = ((xs - m.reshape(affine_shape)) * r.reshape(affine_shape)) * w.reshape(affine_shape) + \
                    b.reshape(affine_shape)
        ctx.save_for_backward(x, weight, None, r.reshape(affine_shape), None)
        ctx.mean, ctx.eps = m.reshape(affine_shape), eps
        ctx.args = axes, batch_stats, affine_shape
        ctx.param_shapes = (None if weight is None else weight.shape, None if bias is None else bias.shape)
        ctx.bias_dtype = None if bias is None else bias.dtype
        return out.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        x, weight, _, r, _ = ctx.saved_tensors
        axes, batch_stats, affine_shape = ctx.args
        need_x, need_w, need_b = ctx.needs_input_grad
        w_shape, b_shape = ctx.param_shapes
        if w_shape is not None and len(w_shape) != 1:  # PyTorch's backward reads the weight as a vector
            raise RuntimeError(f"TensorAccessor expected 1 dims but tensor has {len(w_shape)} (batch_norm's backward "
                               f"needs a weight vector, got shape {w_shape})")
        if need_b and len(b_shape) > 1:  # its (C,) gradient does not fit a bias of more dims
            raise RuntimeError(f"Function NativeBatchNormBackward0 returned an invalid gradient at index 2 - got "
                               f"[{affine_shape[0]}] but expected shape compatible with {list(b_shape)}")
        dtype = r.dtype
        m = ctx.mean
        n = x.size // affine_shape[0]
        xs, g = x.astype(dtype, copy=False), grad.astype(dtype, copy=False)
        with xp.errstate(all="ignore"):
            centered = xs - m
            # PyTorch's fast backward kernel (x and the gradient contiguous alike) sums each image plane in x's
            # dtype, then the planes in float64; its other kernel sums Σdy in x's dtype, dotp in float64
            fast = _torch_contiguous(x) and x.flags.c_contiguous == grad.flags.c_contiguous and \
                _torch_contiguous(grad)
            product = centered * g  # a scratch array of x's shape, reused below for (x − mean)·k
            if fast and x.ndim > 2:
                total = xp.add.reduce(xp.add.reduce(_planes(g), axis=2), axis=0, dtype=xp.float64)
                dotp = xp.add.reduce(xp.add.reduce(_planes(product), axis=2), axis=0, dtype=xp.float64)
            else:
                total = xp.add.reduce(g, axis=axes, dtype=xp.float64 if fast else None).reshape(-1)
                dotp = xp.add.reduce(product, axis=axes, dtype=xp.float64).reshape(-1)
            r1 = r.reshape(-1)
            gx = gw = gb = None
            if need_x:
                w = xp.ones(affine_shape, dtype) if weight is None else weight.astype(dtype).reshape(affine_shape)
                if batch_stats:
                    k = (dotp.astype(dtype) * r1 * r1 / dtype.type(n)).reshape(affine_shape)
                    grad_mean = (total / n).astype(dtype).reshape(affine_shape)
                    # (g − Σdy/n) − (x − mean)·k, then ·invstd, then ·w: each step written over the last
                    gx = xp.subtract(g, grad_mean)
                    xp.subtract(gx, xp.multiply(centered, k, out=product), out=gx)
                    if fast and not xp.isfinite(xp.add.reduce(gx, axis=None)):  # a multiply-add there too
                        gx = _fma(-centered, k, g - grad_mean)
                    xp.multiply(gx, r, out=gx)
                else:
                    gx = xp.multiply(g, r)
                xp.multiply(gx, w, out=gx)
                gx = gx.astype(x.dtype, copy=False)
            if need_w:
                gw = (dotp * r1).astype(weight.dtype).reshape(weight.shape)
            if need_b:
                gb = total.astype(ctx.bias_dtype).reshape(b_shape)
        return gx, gw, gb


class GroupNorm(Normalize):
    """Group normalisation of (N, C, L) in PyTorch's CPU arithmetic, over the M = (C/G)·L values of each of the G
    groups of a sample (its ``Normalize`` parent's interface; ``backward_graph`` gives the double backward).

    Statistics: μ and the biased σ² from float64 sums (rounded to x's dtype; PyTorch's float32 Welford pass is
    as exact as that up to rounding, and a constant group has μ exactly its value), r = 1/√(max(σ², 0) + ε).
    Forward, per channel c of group g: y = x·a + b with a = r·w[c] and b = β[c] − μ·a, each a multiply-add as in
    PyTorch's compiled kernel, so a = inf (a weight near the largest float) gives b = ∓inf or nan and the same
    non-finite outputs as PyTorch. Backward, with Σs over a channel's L positions, ds = Σ dy·x and db = Σ dy:
        dx = c₁·dy + c₂·x + c₃,  c₁ = r·w[c],  c₂ = (Σ_c db·w·μ − Σ_c ds·w)·r³/M,  c₃ = −c₂·μ − Σ_c db·w·r/M
    (Σ_c over the group's channels), dw[c] = Σ_n (ds − db·μ)·r and dβ[c] = Σ_n db. The weight's gradient is
    taken in float64 from float64 sums, so on a constant group (ds = db·μ) it is exactly 0, where rounding in
    x's dtype would leave noise of the size of ds.
    """

    @staticmethod
    def forward(ctx, x, weight, bias, *, groups, eps):
        n, c = x.shape[:2]
        dtype = x.dtype if x.dtype != xp.float16 else xp.dtype(xp.float32)  # PyTorch's float16 math is float32
        xs = x.astype(dtype, copy=False).reshape(n, c, math.prod(x.shape[2:]))
        with xp.errstate(all="ignore"):
            wide = xs.reshape(n, groups, xs.size // max(n * groups, 1)).astype(xp.float64)
            size = wide.shape[2]
            mean = xp.add.reduce(wide, axis=2, keepdims=True) / size
            centered = wide - mean
            # the sum of squares as PyTorch's running sum in x's dtype has it: past the largest float it is inf
            # (values beyond about 1.8e19 in float32), the variance inf and r = 0
            var = xp.add.reduce(centered * centered, axis=2, keepdims=True).astype(dtype).astype(xp.float64) / size
            rstd = (1.0 / xp.sqrt(xp.maximum(var, 0.0) + eps)).astype(dtype)
            mean = mean.astype(dtype)
            mean_c, rstd_c = (xp.repeat(t, c // groups, axis=1) for t in (mean, rstd))  # (N, C, 1)
            a = rstd_c if weight is None else rstd_c * weight.astype(dtype, copy=False).reshape(c, 1)
            b = xp.zeros((c, 1), dtype) if bias is None else bias.astype(dtype, copy=False).reshape(c, 1)
            b = _fma(-mean_c, a, b)
            out = xs * a + b
            if not xp.isfinite(xp.add.reduce(out, axis=None)):  # else the same as the multiply-add but its last bit
                out = _fma(xs, a, b)
        ctx.save_for_backward(x, weight)
        ctx.mean, ctx.rstd, ctx.groups, ctx.eps = mean, rstd, groups, eps
        ctx.param_dtypes = (None if weight is None else weight.dtype, None if bias is None else bias.dtype)
        return out.reshape(x.shape).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad
        mean, rstd, groups = ctx.mean, ctx.rstd, ctx.groups
        dtype = rstd.dtype
        n, c = x.shape[:2]
        xs = x.astype(dtype, copy=False).reshape(n, c, math.prod(x.shape[2:]))
        g = grad.astype(dtype, copy=False).reshape(xs.shape)
        gx = gw = gb = None
        with xp.errstate(all="ignore"):
            ds = xp.add.reduce(g.astype(xp.float64) * xs, axis=2, keepdims=True)  # (N, C, 1)
            db = xp.add.reduce(g, axis=2, keepdims=True, dtype=xp.float64)
            mean_c, rstd_c = (xp.repeat(t, c // groups, axis=1) for t in (mean, rstd))
            if need_x:
                w = xp.ones((c, 1), dtype) if weight is None else weight.astype(dtype, copy=False).reshape(c, 1)
                size = dtype.type(xs.size // max(n * groups, 1))

                def per_group(t):  # Σ_c t·w over each group's channels, one multiply-add per channel: (N, G, 1)
                    terms = t.astype(dtype).reshape(n, groups, c // groups)
                    ws = w.reshape(groups, c // groups)
                    acc = xp.zeros((n, groups), dtype)
                    for j in range(c // groups):
                        acc = _fma(terms[:, :, j], ws[:, j], acc)
                    return acc[:, :, None]

                ds_w, db_w = per_group(ds), per_group(db)
                c2 = _fma(db_w, mean, -ds_w) * rstd * rstd * rstd * (1 / size)
                c3 = _fma(-c2, mean, -(db_w * rstd * (1 / size)))
                c2, c3 = (xp.repeat(t, c // groups, axis=1) for t in (c2, c3))
                c1 = rstd_c * w
                gx = c1 * g + c2 * xs + c3
                if not xp.isfinite(xp.add.reduce(gx, axis=None)):  # else the same as the multiply-adds but its last bit
                    gx = _fma(c1, g, _fma(c2, xs, c3))
                gx = gx.reshape(x.shape).astype(x.dtype, copy=False)
            if need_w:
                terms = (ds - db * mean_c.astype(xp.float64)) * rstd_c
                gw = xp.add.reduce(terms, axis=0).reshape(c).astype(ctx.param_dtypes[0])
            if need_b:
                gb = xp.add.reduce(db, axis=0).reshape(c).astype(ctx.param_dtypes[1])
        return gx, gw, gb

    @staticmethod
    def backward_graph(ctx, grad):
        x, weight = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad
        n, c, groups = x.shape[0], x.shape[1], ctx.groups
        affine = (c,) + (1,) * (x.ndim - 2)
        xg = x.reshape(n, groups, -1)  # x̂ from x, so that its dependence on x is differentiated too
        centered = xg - xg.mean(2, keepdim=True)
        r = 1 / ((centered * centered).mean(2, keepdim=True) + ctx.eps).sqrt()
        xhat = centered * r
        gx = gw = gb = None
        if need_x:
            dxhat = (grad if weight is None else grad * weight.reshape(affine)).reshape(n, groups, -1)
            gx = (r * (dxhat - dxhat.mean(2, keepdim=True) - xhat * (dxhat * xhat).mean(2, keepdim=True)))
            gx = gx.reshape(x.shape)
        axes = (0,) + tuple(range(2, x.ndim))
        if need_w:
            gw = (grad * xhat.reshape(x.shape)).sum(axes)
        if need_b:
            gb = grad.sum(axes)
        return gx, gw, gb


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
        if t is not None and t.numel() != channels:  # PyTorch counts the elements only
            raise RuntimeError(
                f"batch_norm: input has {channels} channels (dim 1 of shape {tuple(x.shape)}) but {name} has shape "
                f"{tuple(t.shape)} (num_features must equal the channel count)"
            )
    if x.dtype.kind not in "fc":  # PyTorch has no integer kernel
        name = {"b": "Bool", "u": "Byte"}.get(x.dtype.kind, {1: "Char", 2: "Short", 4: "Int"}.get(x.itemsize, "Long"))
        raise NotImplementedError(f"\"batch_norm\" not implemented for '{name}'")
    _check_batch_norm_dtypes(x.dtype, (weight, bias, running_mean, running_var))
    # PyTorch's fast kernel: the input (channels-last) contiguous and every parameter and statistic contiguous
    fast = _torch_contiguous(x) and all(t is None or t._data.flags.c_contiguous
                                        for t in (weight, bias, running_mean, running_var))
    for name, t in (("weight", weight), ("bias", bias), ("running_mean", running_mean), ("running_var", running_var)):
        if t is not None and t.ndim != 1 and not (fast and name in ("weight", "bias")):
            # PyTorch's kernel for other layouts views each as a vector of the channels (its fast path reads them
            # as arrays of C values, and its backward then refuses them: see BatchNorm.backward)
            raise RuntimeError(f"batch_norm: {name} of shape {tuple(t.shape)} is not a vector of the {channels} "
                               "channels (PyTorch's internal assert t.dim() == 1)")
    axes = (0,) + tuple(range(2, x.ndim))
    affine_shape = (channels,) + (1,) * (x.ndim - 2)
    if training:
        mean, invstd, var = _batch_stats(x, axes, eps, _torch_contiguous(x))  # (its statistics look at x only)
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
        with xp.errstate(all="ignore"):
            invstd = 1 / xp.sqrt(running_var._data.reshape(affine_shape) + running_var._data.dtype.type(eps))
    return BatchNorm.apply(input, weight, bias, mean=mean, invstd=invstd, axes=axes, eps=eps, batch_stats=training,
                           affine_shape=affine_shape, fast=fast)


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
    if n * c // num_groups * math.prod(x.shape[2:]) == 1:  # PyTorch's check: one value per group, one sample
        raise ValueError(f"Expected more than 1 value per channel when training, got input size "
                         f"{[n * c // num_groups, num_groups, *x.shape[2:]]}")
    return GroupNorm.apply(input, weight, bias, groups=num_groups, eps=eps)
