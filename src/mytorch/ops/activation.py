"""Fused activations and the stable softmax pair.

Each could be composed from primitives; written as one Function each, they cost one graph node
instead of four to eight, and their backward is the closed form stated in the docstring.
"""

from __future__ import annotations

import math

from .._backend import xp
from ..autograd.function import Function
from ._util import as_float
from .elementwise import Where
from .special import erf

_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_INV_SQRT_2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


class LogSoftmax(Function):
    """out = x − m − ln Σ exp(x − m) along ``axis`` (m = max, so nothing overflows);
    dx = g − softmax(x)·Σ g."""

    @staticmethod
    def forward(ctx, x, axis):
        x = as_float(x)
        shifted = x - x.max(axis=axis, keepdims=True, initial=-xp.inf)  # initial: a 0-size axis
        out = shifted - xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))
        ctx.save_for_backward(out)
        ctx.axis = axis
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad - xp.exp(out) * grad.sum(axis=ctx.axis, keepdims=True)


    @staticmethod
    def backward_graph(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad - out.exp() * grad.sum(ctx.axis, keepdim=True)

class Softmax(Function):
    """out = exp(x − m) / Σ exp(x − m) along ``axis``;  dx = out·(g − Σ g·out)."""

    @staticmethod
    def forward(ctx, x, axis):
        x = as_float(x)
        e = xp.exp(x - x.max(axis=axis, keepdims=True, initial=-xp.inf))  # initial: a 0-size axis
        out = e / e.sum(axis=axis, keepdims=True)
        ctx.save_for_backward(out)
        ctx.axis = axis
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return out * (grad - (grad * out).sum(axis=ctx.axis, keepdims=True))


    @staticmethod
    def backward_graph(ctx, grad):
        (out,) = ctx.saved_tensors
        return out * (grad - (grad * out).sum(ctx.axis, keepdim=True))

class Erf(Function):
    """out = erf x;  dx = g·(2/√π)·exp(−x²)."""

    @staticmethod
    def forward(ctx, x):
        x = as_float(x)
        ctx.save_for_backward(x)
        return erf(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * (2 / math.sqrt(math.pi)) * xp.exp(-(x * x))


    @staticmethod
    def backward_graph(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * (2 / math.sqrt(math.pi)) * (-(x * x)).exp()

class Gelu(Function):
    """Exact:  out = x·Φ(x) = ½x(1 + erf(x/√2));  dx = g·(Φ(x) + x·φ(x)), φ(x) = e^(−x²/2)/√(2π).

    Tanh approximation (``approximate='tanh'``):  u = √(2/π)(x + 0.044715x³),
    out = ½x(1 + tanh u);  dx = g·(½(1 + tanh u) + ½x(1 − tanh²u)·√(2/π)(1 + 3·0.044715x²)).
    """

    @staticmethod
    def forward(ctx, x, approximate="none"):
        ctx.save_for_backward(x)
        ctx.approximate = approximate
        if approximate == "tanh":
            return 0.5 * x * (1 + xp.tanh(_SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)))
        return x * 0.5 * (1 + erf(x * _INV_SQRT_2))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        if ctx.approximate == "tanh":
            t = xp.tanh(_SQRT_2_OVER_PI * (x + 0.044715 * x * x * x))
            dt = _SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x)
            return grad * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * dt)
        cdf = 0.5 * (1 + erf(x * _INV_SQRT_2))
        pdf = xp.exp(-0.5 * x * x) * _INV_SQRT_2PI
        return grad * (cdf + x * pdf)


    @staticmethod
    def backward_graph(ctx, grad):
        (x,) = ctx.saved_tensors
        if ctx.approximate == "tanh":
            t = (_SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)).tanh()
            dt = _SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x)
            return grad * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * dt)
        cdf = 0.5 * (1 + Erf.apply(x * _INV_SQRT_2))
        pdf = (-0.5 * x * x).exp() * _INV_SQRT_2PI
        return grad * (cdf + x * pdf)

class LeakyRelu(Function):
    """out = x if x > 0 else s·x;  dx = g if x > 0 else s·g."""

    @staticmethod
    def forward(ctx, x, negative_slope=0.01):
        positive = x > 0
        ctx.positive, ctx.slope = positive, negative_slope
        return xp.where(positive, x, x * negative_slope)

    @staticmethod
    def backward(ctx, grad):
        return xp.where(ctx.positive, grad, grad * ctx.slope)


    @staticmethod
    def backward_graph(ctx, grad):
        return Where.apply(ctx.positive, grad, grad * ctx.slope)

class Silu(Function):
    """out = x·σ(x);  dx = g·σ(x)·(1 + x(1 − σ(x)))."""

    @staticmethod
    def forward(ctx, x):
        with xp.errstate(over="ignore"):
            s = 1 / (1 + xp.exp(-x))
        ctx.save_for_backward(x, s)
        return x * s

    @staticmethod
    def backward(ctx, grad):
        x, s = ctx.saved_tensors
        return grad * (s * (1 + x * (1 - s)))


    @staticmethod
    def backward_graph(ctx, grad):
        x = ctx.saved_tensors[0]
        s = x.sigmoid()
        return grad * (s * (1 + x * (1 - s)))

class Softplus(Function):
    """out = ln(1 + e^(βx))/β, or x where βx > threshold (PyTorch's linear region);
    dx = g·σ(βx) there, g in the linear region."""

    @staticmethod
    def forward(ctx, x, beta=1.0, threshold=20.0):
        bx = x * beta
        linear = bx > threshold
        with xp.errstate(over="ignore"):
            out = xp.where(linear, x, xp.log1p(xp.exp(bx)) / beta)
        ctx.save_for_backward(x, bx, linear)  # x only for backward_graph (a reference, no copy)
        ctx.beta = beta
        return out

    @staticmethod
    def backward(ctx, grad):
        _, bx, linear = ctx.saved_tensors
        with xp.errstate(over="ignore", invalid="ignore"):
            z = xp.exp(bx)
            return xp.where(linear, grad, grad * z / (z + 1))

    @staticmethod
    def backward_graph(ctx, grad):
        x, _, linear = ctx.saved_tensors
        return Where.apply(linear._data, grad, grad * (x * ctx.beta).sigmoid())
