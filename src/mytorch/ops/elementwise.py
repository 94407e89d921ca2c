"""Elementwise ops. Each forward is one NumPy expression; each backward its derivative.

Binary ops broadcast like NumPy; their backward sums the gradient back to each input's shape
with ``unbroadcast``. Inputs that are Python scalars (constants) arrive as plain numbers and
never receive a gradient, so forward only records shapes for inputs that need one.
"""

from __future__ import annotations

from .._backend import ndarray, xp
from ..autograd.function import Function
from ._graph import const, select, sum_to
from ._util import as_float, masked, masked_out, unbroadcast


def _meta(ctx, *arrays) -> None:
    """Record (shape, dtype) of the inputs that need a gradient, for ``unbroadcast``."""
    ctx.meta = [(a.shape, a.dtype) if need else None for a, need in zip(arrays, ctx.needs_input_grad)]


class Add(Function):
    """out = a + b;  da = g,  db = g."""

    @staticmethod
    def forward(ctx, a, b):
        _meta(ctx, a, b)
        return a + b

    @staticmethod
    def backward(ctx, grad):
        ma, mb = ctx.meta
        return (unbroadcast(grad, *ma) if ma else None, unbroadcast(grad, *mb) if mb else None)


    @staticmethod
    def backward_graph(ctx, grad):
        ma, mb = ctx.meta
        return (sum_to(grad, *ma) if ma else None, sum_to(grad, *mb) if mb else None)

class Sub(Function):
    """out = a − b;  da = g,  db = −g."""

    @staticmethod
    def forward(ctx, a, b):
        if any(getattr(v, "dtype", None) == xp.bool_ for v in (a, b)):
            raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported; to invert a "
                               "mask use `~` or logical_not()")  # PyTorch's refusal (NumPy's too)
        _meta(ctx, a, b)
        return a - b

    @staticmethod
    def backward(ctx, grad):
        ma, mb = ctx.meta
        return (unbroadcast(grad, *ma) if ma else None, unbroadcast(-grad, *mb) if mb else None)


    @staticmethod
    def backward_graph(ctx, grad):
        ma, mb = ctx.meta
        return (sum_to(grad, *ma) if ma else None, sum_to(-grad, *mb) if mb else None)

class Mul(Function):
    """out = a·b;  da = g·b,  db = g·a."""

    @staticmethod
    def forward(ctx, a, b):
        _meta(ctx, a, b)
        need_a, need_b = ctx.needs_input_grad
        ctx.save_for_backward(a if need_b else None, b if need_a else None)
        return a * b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        ma, mb = ctx.meta
        return (unbroadcast(grad * b, *ma) if ma else None, unbroadcast(grad * a, *mb) if mb else None)


    @staticmethod
    def backward_graph(ctx, grad):
        a, b = ctx.saved_tensors
        ma, mb = ctx.meta
        return (sum_to(grad * b, *ma) if ma else None, sum_to(grad * a, *mb) if mb else None)

class Div(Function):
    """out = a / b;  da = g / b,  db = −g·(a / b) / b.

    Saves a and b, not out, as PyTorch does: an in-place write to the quotient after the forward
    pass does not invalidate the gradient (the version check would otherwise raise where torch does not).
    """

    @staticmethod
    def forward(ctx, a, b):
        _meta(ctx, a, b)
        ctx.save_for_backward(b, a if ctx.needs_input_grad[1] else None)
        return a / b

    @staticmethod
    def backward(ctx, grad):
        b, a = ctx.saved_tensors
        ma, mb = ctx.meta
        ga = unbroadcast(grad / b, *ma) if ma else None
        gb = unbroadcast(-grad * ((a / b) / b), *mb) if mb else None
        return ga, gb


    @staticmethod
    def backward_graph(ctx, grad):
        b, a = ctx.saved_tensors
        ma, mb = ctx.meta
        ga = sum_to(grad / b, *ma) if ma else None
        gb = sum_to(-grad * ((a / b) / b), *mb) if mb else None
        return ga, gb

class Neg(Function):
    """out = −x;  dx = −g."""

    @staticmethod
    def forward(ctx, x):
        if x.dtype == xp.bool_:
            raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported; to invert a mask "
                               "use `~` or logical_not()")
        return -x

    @staticmethod
    def backward(ctx, grad):
        return -grad


    @staticmethod
    def backward_graph(ctx, grad):
        return -grad

def _power(a, e, tensor_exponent: bool = False):
    """aᵉ as PyTorch's CPU kernels compute it. A number exponent takes torch's shortcuts: −0.5 is 1/√a (rsqrt), so
    (−0)^−0.5 is −inf, not pow's +inf, and NumPy already takes the others (0.5: √a, 2: a·a, −1: 1/a). An exponent
    that is a tensor (a 0-d one included) goes through pow itself, as torch's tensor-tensor kernel: (−0)^−0.5 =
    +inf and (−0)^0.5 = +0."""
    if tensor_exponent:
        # NumPy's power loop takes sqrt for an exponent that repeats along its inner axis (stride 0: a 0-d or
        # broadcast exponent of 0.5), which gives nan for −inf and −0 for −0: the exponent is laid out in full
        shape = xp.broadcast_shapes(xp.shape(a), xp.shape(e))
        full = xp.broadcast_to(e, shape).reshape(-1).copy()  # at least 1-d: a 0-d exponent is a scalar too
        base = xp.broadcast_to(a, shape).reshape(-1) if isinstance(a, ndarray) else a  # a number stays weak
        return xp.power(base, full).reshape(shape)
    if getattr(a, "dtype", None) is not None and a.dtype.kind == "f" and xp.ndim(e) == 0 and e == -0.5:
        with xp.errstate(divide="ignore", invalid="ignore"):
            return xp.reciprocal(xp.sqrt(a))
    return a**e  # the caller decides which floating-point warnings to silence


class Pow(Function):
    """out = aᵇ;  da = g·b·aᵇ⁻¹,  db = g·aᵇ·ln a.

    As in PyTorch, an exponent of 0 gives da = 0 (not 0·a⁻¹ = nan at a = 0), and db is 0
    where a = 0 and b ≥ 0 (the limit of aᵇ·ln a).
    """

    @staticmethod
    def forward(ctx, a, b):
        if getattr(a, "dtype", None) == xp.bool_:  # PyTorch: bool ** int is int64, bool ** float the default float
            a = a.astype(xp.int64) if _integral(b) else as_float(a)
        _meta(ctx, a, b)
        out = _int_pow(a, b) if _integral(a) and _integral(b) and xp.any(xp.asarray(b) < 0) else \
            _power(a, b, isinstance(b, ndarray))
        ctx.save_for_backward(a, b, out if ctx.needs_input_grad[1] else None)  # out only for db (as torch)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved_tensors
        ma, mb = ctx.meta
        ga = gb = None
        if ma:
            with xp.errstate(divide="ignore", invalid="ignore"):
                ga = grad * (b * _power(a, b - 1, isinstance(b, ndarray)))
            ga = unbroadcast(xp.where(b == 0, 0, ga) if xp.any(b == 0) else ga, *ma)
        if mb:
            with xp.errstate(divide="ignore", invalid="ignore"):
                gb = grad * out * xp.log(a)
            gb = unbroadcast(xp.where((a == 0) & (b >= 0), 0, gb), *mb)
        return ga, gb


    @staticmethod
    def backward_graph(ctx, grad):
        a, b, out = ctx.saved_tensors
        ma, mb = ctx.meta
        ga = gb = None
        b_raw = b._data if isinstance(b, Tensor) else b
        a_raw = a._data if isinstance(a, Tensor) else a
        if ma:
            with xp.errstate(divide="ignore", invalid="ignore"):
                ga = grad * (b * a ** (b - 1))
            ga = sum_to(select(b_raw != 0, ga) if xp.any(b_raw == 0) else ga, *ma)
        if mb:
            with xp.errstate(divide="ignore", invalid="ignore"):
                gb = grad * out * (a.log() if isinstance(a, Tensor) else float(xp.log(a)))
            gb = sum_to(select(~((a_raw == 0) & (b_raw >= 0)), gb), *mb)
        return ga, gb


def _integral(v) -> bool:
    return isinstance(v, int) or getattr(getattr(v, "dtype", None), "kind", "f") in "biu"


def _int_pow(a, b):
    """Integer aᵇ with negative exponents as PyTorch computes them (NumPy refuses): 1 for a = 1, ±1 for
    a = −1 (by the parity of b), 0 otherwise."""
    a, b = xp.broadcast_arrays(xp.asarray(a, dtype=xp.int64), xp.asarray(b, dtype=xp.int64))
    negative = b < 0
    out = a ** xp.where(negative, 0, b)
    special = xp.where(a == 1, 1, xp.where(a == -1, xp.where(b % 2 == 0, 1, -1), 0))
    return xp.where(negative, special, out)


class Exp(Function):
    """out = eˣ;  dx = g·out."""

    @staticmethod
    def forward(ctx, x):
        x = as_float(x)
        out = xp.exp(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * out


    @staticmethod
    def backward_graph(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * out

class Log(Function):
    """out = ln x;  dx = g / x."""

    @staticmethod
    def forward(ctx, x):
        x = as_float(x)
        ctx.save_for_backward(x)
        return xp.log(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / x


    @staticmethod
    def backward_graph(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / x

class Sqrt(Function):
    """out = √x;  dx = g / (2·out)."""

    @staticmethod
    def forward(ctx, x):
        x = as_float(x)
        out = xp.sqrt(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad / (2 * out)


    @staticmethod
    def backward_graph(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad / (2 * out)


class StdRoot(Sqrt):
    """out = √var, the last step of ``std``;  dx = g / (2·out), but 0 where out = 0.

    PyTorch's std backward: a slice of equal values has std 0 and gradient 0 (not 0/0 = nan).
    """

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        with xp.errstate(divide="ignore", invalid="ignore"):
            return xp.where(out == 0, xp.zeros((), grad.dtype), grad / (2 * out))

    @staticmethod
    def backward_graph(ctx, grad):
        (out,) = ctx.saved_tensors
        with xp.errstate(divide="ignore", invalid="ignore"):
            return select(out._data != 0, grad / (2 * out))


class Abs(Function):
    """out = |x|;  dx = g·sign(x)  (0 at x = 0 and at x = nan, as in PyTorch)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return xp.abs(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        sign = (x > 0).astype(grad.dtype) - (x < 0)  # xp.sign(nan) is nan; PyTorch's gradient there is 0
        return grad * sign


    @staticmethod
    def backward_graph(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * const(xp.sign(x._data))

class Tanh(Function):
    """out = tanh x;  dx = g·(1 − out²)."""

    @staticmethod
    def forward(ctx, x):
        x = as_float(x)
        out = xp.tanh(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * (1 - out * out)


    @staticmethod
    def backward_graph(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * (1 - out * out)

class Sigmoid(Function):
    """out = 1 / (1 + e⁻ˣ);  dx = g·out·(1 − out).

    For very negative x, e⁻ˣ overflows to inf and 1/(1 + inf) = 0, the correctly rounded
    result; only NumPy's overflow warning is silenced.
    """

    @staticmethod
    def forward(ctx, x):
        x = as_float(x)
        with xp.errstate(over="ignore"):
            out = 1 / (1 + xp.exp(-x))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * (out * (1 - out))


    @staticmethod
    def backward_graph(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * (out * (1 - out))

class Relu(Function):
    """out = max(x, 0);  dx = 0 where out ≤ 0, else g (the subgradient 0 at x = 0; a nan passes g, as in torch)."""

    @staticmethod
    def forward(ctx, x):
        out = xp.maximum(x, 0)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return masked_out(grad, out <= 0)


    @staticmethod
    def backward_graph(ctx, grad):
        (out,) = ctx.saved_tensors
        return select(~(out._data <= 0), grad)

class Maximum(Function):
    """out = max(a, b) elementwise;  g goes to the larger input, split in halves on ties."""

    @staticmethod
    def forward(ctx, a, b):
        _meta(ctx, a, b)
        ctx.save_for_backward(a, b)
        return xp.maximum(a, b)

    @staticmethod
    def backward(ctx, grad):
        return _select_backward(ctx, grad, xp.greater)


    @staticmethod
    def backward_graph(ctx, grad):
        return _select_backward_graph(ctx, grad, xp.greater)

class Minimum(Function):
    """out = min(a, b) elementwise;  g goes to the smaller input, split in halves on ties."""

    @staticmethod
    def forward(ctx, a, b):
        _meta(ctx, a, b)
        ctx.save_for_backward(a, b)
        return xp.minimum(a, b)

    @staticmethod
    def backward(ctx, grad):
        return _select_backward(ctx, grad, xp.less)


    @staticmethod
    def backward_graph(ctx, grad):
        return _select_backward_graph(ctx, grad, xp.less)

def _select_backward(ctx, grad, wins):
    """g to each input except where the other one strictly wins, halved on ties: a nan on either side is no
    win for anyone, so both get g there (PyTorch's rule; the output is nan)."""
    a, b = ctx.saved_tensors
    ma, mb = ctx.meta
    tie = a == b
    share = xp.where(tie, grad * 0.5, grad)
    ga = unbroadcast(xp.where(wins(b, a), 0, share), *ma) if ma else None
    gb = unbroadcast(xp.where(wins(a, b), 0, share), *mb) if mb else None
    return ga, gb


def _select_backward_graph(ctx, grad, wins):
    a, b = (t._data for t in ctx.saved_tensors)
    ma, mb = ctx.meta
    tie = a == b
    share = Where.apply(tie, grad * 0.5, grad)
    ga = sum_to(select(~wins(b, a), share), *ma) if ma else None
    gb = sum_to(select(~wins(a, b), share), *mb) if mb else None
    return ga, gb


class Clamp(Function):
    """out = min(max(x, lo), hi);  dx = g where lo ≤ x ≤ hi, else 0."""

    backward_name = "ClampBackward1"

    @staticmethod
    def forward(ctx, x, lo=None, hi=None):
        if isinstance(lo, float) or isinstance(hi, float):
            x = as_float(x)  # an integer tensor clamped to float bounds: the default float dtype, as PyTorch
        ctx.save_for_backward(x)
        ctx.bounds = lo, hi
        if lo is not None and hi is not None:
            return xp.minimum(xp.maximum(x, lo), hi)  # PyTorch: min > max gives max everywhere
        return xp.maximum(x, lo) if lo is not None else xp.minimum(x, hi)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        lo, hi = ctx.bounds
        inside = True
        if lo is not None:
            inside = x >= lo
        if hi is not None:
            inside = inside & (x <= hi)
        return masked(grad, inside)


    @staticmethod
    def backward_graph(ctx, grad):
        x = ctx.saved_tensors[0]._data
        lo, hi = ctx.bounds
        inside = xp.ones(x.shape, bool)
        if lo is not None:
            inside &= x >= lo
        if hi is not None:
            inside &= x <= hi
        return select(inside, grad)

class Where(Function):
    """out = a where cond else b;  da = g where cond,  db = g where not cond."""

    @staticmethod
    def forward(ctx, cond, a, b):
        _meta(ctx, cond, a, b)
        ctx.cond = cond
        return xp.where(cond, a, b)

    @staticmethod
    def backward(ctx, grad):
        _, ma, mb = ctx.meta
        cond = ctx.cond
        ga = unbroadcast(xp.where(cond, grad, 0), *ma) if ma else None
        gb = unbroadcast(xp.where(cond, 0, grad), *mb) if mb else None
        return None, ga, gb


    @staticmethod
    def backward_graph(ctx, grad):
        _, ma, mb = ctx.meta
        cond = ctx.cond
        ga = sum_to(select(cond, grad), *ma) if ma else None
        gb = sum_to(select(~xp.asarray(cond, bool), grad), *mb) if mb else None
        return None, ga, gb

class Cast(Function):
    """out = x converted to another float dtype;  dx = g converted back."""

    backward_name = "ToCopyBackward0"

    @staticmethod
    def forward(ctx, x, dtype):
        ctx.dtype = x.dtype
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad.astype(ctx.dtype)


    @staticmethod
    def backward_graph(ctx, grad):
        return Cast.apply(grad, dtype=ctx.dtype)

class Clone(Function):
    """out = a copy of x that owns its memory;  dx = g."""

    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, grad):
        return grad

    @staticmethod
    def backward_graph(ctx, grad):
        return grad


from .._tensor import Tensor  # noqa: E402
