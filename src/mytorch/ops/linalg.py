"""Matrix product with NumPy's rules (batch dimensions broadcast, 1-D operands are vectors), and the 2-norm."""

from __future__ import annotations

from .._backend import xp
from .._threads import matmul
from ..autograd.function import Function
from ._graph import const, select, sum_to, unreduce
from ._util import expand_reduced, unbroadcast


class MatMul(Function):
    """out = a @ b;  da = g @ bᵀ,  db = aᵀ @ g  (ᵀ swaps the last two axes).

    A 1-D ``a`` is a row vector and a 1-D ``b`` a column vector, whose added axis is removed from
    the result; backward restores that axis on g, then unbroadcasts over batch dimensions.
    """

    backward_name = "MmBackward0"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None, b if ctx.needs_input_grad[0] else None)
        ctx.meta = a.shape, a.dtype, b.shape, b.dtype
        try:
            return matmul(a, b)
        except ValueError:
            raise RuntimeError(_mismatch(a.shape, b.shape)) from None

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        a_shape, a_dtype, b_shape, b_dtype = ctx.meta
        if len(a_shape) == 1 and len(b_shape) == 1:  # dot product: g is a scalar
            ga = (grad * b).astype(a_dtype, copy=False) if ctx.needs_input_grad[0] else None
            gb = (grad * a).astype(b_dtype, copy=False) if ctx.needs_input_grad[1] else None
            return ga, gb
        if len(a_shape) == 1:
            grad = grad[..., None, :]
        if len(b_shape) == 1:
            grad = grad[..., None]
        ga = gb = None
        if ctx.needs_input_grad[0]:
            b2 = b[:, None] if b.ndim == 1 else b
            ga = matmul(grad, xp.swapaxes(b2, -1, -2))
            ga = unbroadcast(ga[..., 0, :] if len(a_shape) == 1 else ga, a_shape, a_dtype)
        if ctx.needs_input_grad[1]:
            a2 = a[None, :] if a.ndim == 1 else a
            gb = matmul(xp.swapaxes(a2, -1, -2), grad)
            gb = unbroadcast(gb[..., 0] if len(b_shape) == 1 else gb, b_shape, b_dtype)
        return ga, gb

    @staticmethod
    def backward_graph(ctx, grad):
        a, b = ctx.saved_tensors
        a_shape, a_dtype, b_shape, b_dtype = ctx.meta
        need_a, need_b = ctx.needs_input_grad
        if len(a_shape) == 1 and len(b_shape) == 1:
            return (grad * b if need_a else None), (grad * a if need_b else None)
        if len(a_shape) == 1:
            grad = grad.unsqueeze(-2)
        if len(b_shape) == 1:
            grad = grad.unsqueeze(-1)
        ga = gb = None
        if need_a:
            b2 = b.unsqueeze(1) if b.ndim == 1 else b
            ga = MatMul.apply(grad, b2.transpose(-1, -2))
            ga = sum_to(ga.squeeze(-2) if len(a_shape) == 1 else ga, a_shape, a_dtype)
        if need_b:
            a2 = a.unsqueeze(0) if a.ndim == 1 else a
            gb = MatMul.apply(a2.transpose(-1, -2), grad)
            gb = sum_to(gb.squeeze(-1) if len(b_shape) == 1 else gb, b_shape, b_dtype)
        return ga, gb


def _mismatch(a_shape: tuple, b_shape: tuple) -> str:
    if not a_shape or not b_shape:
        return f"matmul: both arguments need at least 1 dimension, got shapes {a_shape} and {b_shape}"
    k_a = a_shape[-1]
    k_b = b_shape[-2] if len(b_shape) > 1 else b_shape[0]
    if k_a != k_b:
        return (
            f"matmul: shapes {a_shape} and {b_shape} cannot be multiplied "
            f"(the last dim of the first, {k_a}, must equal the "
            f"{'second-to-last' if len(b_shape) > 1 else 'only'} dim of the second, {k_b})"
        )
    return f"matmul: batch dimensions of shapes {a_shape} and {b_shape} cannot be broadcast together"


def _one_each(x, axes):
    """The norm (reduced axes kept) where each output reduces exactly one element, every reduced dim of size 1:
    |x| for any order p ≠ 0, as PyTorch's, which never forms xᵖ there (so a float32 1e-45 or 3e38 is its own
    norm, where (x²)^½ underflows to 0 or overflows to inf). None where some output reduces more."""
    if any(n != 1 for a, n in enumerate(x.shape) if axes is None or a in axes):
        return None
    return xp.abs(x).reshape((1,) * x.ndim if axes is None else x.shape)


def _unkept(kept, axes, keepdims: bool):
    """A norm computed with its reduced axes kept (size 1), as the caller asked for it."""
    if keepdims:
        return kept
    return kept.reshape(()) if axes is None else kept.squeeze(axis=axes)


class Norm2(Function):
    """out = ‖x‖₂ = √(Σ x²) over ``axes``;  dx = g·(x/out), and 0 where out = 0 (PyTorch's subgradient)."""

    backward_name = "LinalgVectorNormBackward0"

    @staticmethod
    def forward(ctx, x, axes=None, keepdims=False):
        kept = _one_each(x, axes)
        if kept is None:
            kept = xp.sqrt((x * x).sum(axis=axes, keepdims=True))
        ctx.save_for_backward(x, kept)
        ctx.args = axes, keepdims
        return _unkept(kept, axes, keepdims)

    @staticmethod
    def backward(ctx, grad):
        x, kept = ctx.saved_tensors
        axes, keepdims = ctx.args
        g = expand_reduced(grad, axes, keepdims, x.ndim)
        with xp.errstate(divide="ignore", invalid="ignore"):
            unit = xp.where(kept == 0, 0, x / kept)  # PyTorch's order: x/out first (1e-45/1e-45 is 1, 1/1e-45 inf)
        return (g * unit).astype(x.dtype, copy=False)

    @staticmethod
    def backward_graph(ctx, grad):
        x = ctx.saved_tensors[0]
        axes, keepdims = ctx.args
        norm = Norm2.apply(x, axes=axes, keepdims=True)  # recomputed from x, so that it is differentiated too
        zero = norm._data == 0
        safe = norm + const(zero.astype(norm._data.dtype))  # 1 where the norm is 0: no 0/0 anywhere
        return unreduce(grad, axes, keepdims, x.ndim) * select(~zero, x / safe)


class NormInf(Function):
    """out = max |x| (``largest``) or min |x| over ``axes``: the ±inf vector norm, with PyTorch's gradient.

    dx = sgn(x)·g·m / Σm with m = (|x| = out) or |x| nan: the gradient is shared by the ties and by the
    nans (which make out nan); sgn(nan) is 0, so a nan row has gradient 0, where composing abs and
    amax would give nan (amax's own gradient is nan over a slice that holds nan).
    """

    backward_name = "LinalgVectorNormBackward0"

    @staticmethod
    def forward(ctx, x, axes=None, keepdims=False, largest=True):
        a = xp.abs(x)
        kept = (a.max if largest else a.min)(axis=axes, keepdims=True)
        if ctx.needs_input_grad[0]:
            nan = a != a
            mask = (a == kept) | nan
            sign = xp.where(nan, 0, xp.sign(x))  # (an array even for a 0-d x)
            ctx.coeff = xp.where(mask, sign, 0).astype(x.dtype, copy=False)
            ctx.count = mask.sum(axis=axes, keepdims=True).astype(x.dtype)
        ctx.args = axes, keepdims
        return _unkept(kept, axes, keepdims)

    @staticmethod
    def backward(ctx, grad):
        axes, keepdims = ctx.args
        g = expand_reduced(grad, axes, keepdims, ctx.coeff.ndim) / ctx.count  # PyTorch's order: g / count first
        return (g * ctx.coeff).astype(ctx.coeff.dtype, copy=False)

    @staticmethod
    def backward_graph(ctx, grad):
        axes, keepdims = ctx.args  # the coefficient is constant in x (piecewise): its derivative is 0
        return unreduce(grad, axes, keepdims, ctx.coeff.ndim) / const(ctx.count) * const(ctx.coeff)


class NormP(Function):
    """out = (Σ |x|ᵖ)^(1/p) over ``axes`` for an order p other than 0, 1, 2 and ±inf, with PyTorch's gradient:

    * p ≥ 2: dx = x·|x|ᵖ⁻²·s,  1 < p < 2: dx = sgn(x)·|x|ᵖ⁻¹·s,  with s = g/outᵖ⁻¹ and s = 0 where out = 0;
    * p < 1: dx = (sgn(x)·|x|ᵖ⁻¹, 0 where x = 0)·g·out¹⁻ᵖ.

    So an all-zero slice has gradient 0, where composing abs, pow, sum and pow gives 0·inf = nan.
    """

    backward_name = "LinalgVectorNormBackward0"

    @staticmethod
    def forward(ctx, x, axes=None, keepdims=False, p=3.0):
        from .elementwise import _power

        with xp.errstate(divide="ignore", invalid="ignore", over="ignore"):
            kept = _one_each(x, axes)
            if kept is None:
                kept = _power(_power(xp.abs(x), p).sum(axis=axes, keepdims=True), 1.0 / p)
        ctx.save_for_backward(x, kept)
        ctx.args = axes, keepdims, p
        return _unkept(kept, axes, keepdims)

    @staticmethod
    def backward(ctx, grad):
        from .elementwise import _power

        x, kept = ctx.saved_tensors
        axes, keepdims, p = ctx.args
        g = expand_reduced(grad, axes, keepdims, x.ndim)
        with xp.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if p < 1:
                scaled = xp.where(x == 0, 0, xp.sign(x) * _power(xp.abs(x), p - 1))
                return (scaled * g * _power(kept, 1 - p)).astype(x.dtype, copy=False)
            scaled = x * _power(xp.abs(x), p - 2) if p >= 2 else xp.sign(x) * _power(xp.abs(x), p - 1)
            scale = xp.where(kept == 0, 0, g / _power(kept, p - 1))
            return (scaled * scale).astype(x.dtype, copy=False)

    @staticmethod
    def backward_graph(ctx, grad):
        x = ctx.saved_tensors[0]
        axes, keepdims, p = ctx.args
        norm = NormP.apply(x, axes=axes, keepdims=True, p=p)  # recomputed from x, so that it is differentiated too
        g = unreduce(grad, axes, keepdims, x.ndim)
        a, sgn = x.abs(), const(xp.sign(x._data))
        if p < 1:
            zero = x._data == 0
            safe = a + const(zero.astype(x._data.dtype))  # 1 where x is 0: no 0 ** negative anywhere
            return select(~zero, sgn * safe ** (p - 1)) * g * norm ** (1 - p)
        zero = norm._data == 0
        safe = norm + const(zero.astype(norm._data.dtype))
        scaled = x * a ** (p - 2) if p >= 2 else sgn * a ** (p - 1)
        return scaled * select(~zero, g / safe ** (p - 1))
