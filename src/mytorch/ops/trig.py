"""Trigonometric and hyperbolic ops: sin, cos, tan, sinh, cosh, asin, acos, atan, atan2.

Each forward is one NumPy call; each backward is the textbook derivative, evaluated from what
forward saved (the input, or the output where that is cheaper).
"""

from __future__ import annotations

from .._backend import xp
from ..autograd.function import Function
from ._graph import sum_to
from ._util import as_float, unbroadcast


class Sin(Function):
    """out = sin x;  dx = g·cos x."""

    @staticmethod
    def forward(ctx, x):
        x = as_float(x)
        ctx.save_for_backward(x)
        return xp.sin(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * xp.cos(x)


    @staticmethod
    def backward_graph(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * x.cos()

class Cos(Function):
    """out = cos x;  dx = −g·sin x."""

    @staticmethod
    def forward(ctx, x):
        x = as_float(x)
        ctx.save_for_backward(x)
        return xp.cos(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return -grad * xp.sin(x)


    @staticmethod
    def backward_graph(ctx, grad):
        (x,) = ctx.saved_tensors
        return -grad * x.sin()

class Tan(Function):
    """out = tan x;  dx = g·(1 + out²)."""

    @staticmethod
    def forward(ctx, x):
        x = as_float(x)
        out = xp.tan(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * (1 + out * out)


    @staticmethod
    def backward_graph(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * (1 + out * out)

class Sinh(Function):
    """out = sinh x;  dx = g·cosh x."""

    @staticmethod
    def forward(ctx, x):
        x = as_float(x)
        ctx.save_for_backward(x)
        return xp.sinh(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * xp.cosh(x)


    @staticmethod
    def backward_graph(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * x.cosh()

class Cosh(Function):
    """out = cosh x;  dx = g·sinh x."""

    @staticmethod
    def forward(ctx, x):
        x = as_float(x)
        ctx.save_for_backward(x)
        return xp.cosh(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * xp.sinh(x)


    @staticmethod
    def backward_graph(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * x.sinh()

class Asin(Function):
    """out = arcsin x (|x| ≤ 1);  dx = g / √(1 − x²)."""

    @staticmethod
    def forward(ctx, x):
        x = as_float(x)
        ctx.save_for_backward(x)
        return xp.arcsin(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / xp.sqrt(1 - x * x)


    @staticmethod
    def backward_graph(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (1 - x * x).sqrt()

class Acos(Function):
    """out = arccos x (|x| ≤ 1);  dx = −g / √(1 − x²)."""

    @staticmethod
    def forward(ctx, x):
        x = as_float(x)
        ctx.save_for_backward(x)
        return xp.arccos(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return -grad / xp.sqrt(1 - x * x)


    @staticmethod
    def backward_graph(ctx, grad):
        (x,) = ctx.saved_tensors
        return -grad / (1 - x * x).sqrt()

class Atan(Function):
    """out = arctan x;  dx = g / (1 + x²)."""

    @staticmethod
    def forward(ctx, x):
        x = as_float(x)
        ctx.save_for_backward(x)
        return xp.arctan(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (1 + x * x)


    @staticmethod
    def backward_graph(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (1 + x * x)

class Atan2(Function):
    """out = atan2(a, b), the angle of the point (b, a);  da = g·b / (a² + b²),  db = −g·a / (a² + b²)."""

    @staticmethod
    def forward(ctx, a, b):
        a, b = as_float(a), as_float(b)  # both integer: float32, as PyTorch
        ctx.meta = [(x.shape, x.dtype) if need else None for x, need in zip((a, b), ctx.needs_input_grad)]
        ctx.save_for_backward(a, b)
        return xp.arctan2(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        ma, mb = ctx.meta
        scale = grad / (a * a + b * b)
        return (unbroadcast(scale * b, *ma) if ma else None, unbroadcast(-scale * a, *mb) if mb else None)

    @staticmethod
    def backward_graph(ctx, grad):
        a, b = ctx.saved_tensors
        ma, mb = ctx.meta
        scale = grad / (a * a + b * b)
        return (sum_to(scale * b, *ma) if ma else None, sum_to(-scale * a, *mb) if mb else None)
