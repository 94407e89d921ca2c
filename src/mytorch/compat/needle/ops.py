"""needle's operators, each lifted to the core Function that already computes it and its gradient.

=================  =================================  ==========================================
needle op          math                               core Function
=================  =================================  ==========================================
EWiseAdd, AddScalar          a + b, a + s             Add
EWiseMul, MulScalar          a ⊙ b, a·s               Mul
EWiseDiv, DivScalar          a / b, a / s             Div
EWisePow, PowerScalar        a^b, a^s                 Pow
MatMul                       a @ b                    MatMul (batch dims broadcast)
Summation(axes)              Σ over axes              Sum
BroadcastTo(shape)           broadcast                Expand
Reshape(shape)               reshape                  Reshape
Transpose(axes)              swap two axes            Permute (the last two when axes is None)
Negate, Log, Exp, ReLU       −a, ln a, eᵃ, max(a, 0)  Neg, Log, Exp, Relu (ReLU'(0) = 0)
LogSumExp(axes)              m + ln Σ e^(a − m)       LogSumExp (m = max: stable; ∂ = softmax,
                                                      exact at ties)
=================  =================================  ==========================================

``axes`` is None (every axis), an int or a tuple, as in NumPy; an empty tuple reduces nothing.
The fused ops the modules use (softmax loss, layer/batch normalisation) lift the core's fused
Functions the same way (``SoftmaxLoss``, ``Normalize`` below).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..._tensor import Tensor as _CoreTensor
from ...nn.functional import cross_entropy, layer_norm
from ...nn.functional.normalization import Normalize as _CoreNormalize
from .autograd import Tensor, TensorOp

# The handout's ops (``from needle.ops import *`` and ``ndl.<op>``); the fused ops the modules use
# (SoftmaxLoss, LayerNorm, Normalize) stay reachable as ``ops.<name>`` only.
__all__ = [
    "AddScalar", "BroadcastTo", "DivScalar", "EWiseAdd", "EWiseDiv", "EWiseMul", "EWisePow", "Exp", "Log",
    "LogSumExp", "MatMul", "MulScalar", "Negate", "PowerScalar", "ReLU", "Reshape", "Summation", "Transpose", "add",
    "add_scalar", "broadcast_to", "divide", "divide_scalar", "exp", "log", "logsumexp", "matmul", "mul_scalar",
    "multiply", "negate", "power", "power_scalar", "relu", "reshape", "summation", "transpose",
]  # fmt: skip


def _axes(axes: Any) -> tuple | None:
    if axes is None:
        return None
    return (int(axes),) if isinstance(axes, (int, np.integer)) else tuple(int(a) for a in axes)


class EWiseAdd(TensorOp):
    """a + b, elementwise: the gradient passes unchanged to both inputs."""
    def lift(self, a: _CoreTensor, b: _CoreTensor) -> _CoreTensor:
        return a + b


class AddScalar(TensorOp):
    """a + scalar: the gradient passes unchanged to ``a``."""
    def __init__(self, scalar: Any) -> None:
        self.scalar = scalar

    def lift(self, a: _CoreTensor) -> _CoreTensor:
        return a + self.scalar


class EWiseMul(TensorOp):
    """a · b, elementwise: the gradients are g·b and g·a."""
    def lift(self, a: _CoreTensor, b: _CoreTensor) -> _CoreTensor:
        return a * b


class MulScalar(TensorOp):
    """a · scalar: the gradient is g·scalar."""
    def __init__(self, scalar: Any) -> None:
        self.scalar = scalar

    def lift(self, a: _CoreTensor) -> _CoreTensor:
        return a * self.scalar


class EWisePow(TensorOp):
    """a ** b, elementwise: the gradients are g·b·a^(b−1) and g·a^b·log a."""
    def lift(self, a: _CoreTensor, b: _CoreTensor) -> _CoreTensor:
        return a**b


class PowerScalar(TensorOp):
    """a ** scalar (an integer power in the handout): the gradient is g·scalar·a^(scalar−1)."""
    def __init__(self, scalar: Any) -> None:
        self.scalar = scalar

    def lift(self, a: _CoreTensor) -> _CoreTensor:
        return a**self.scalar


class EWiseDiv(TensorOp):
    """a / b, elementwise: the gradients are g/b and −g·a/b²."""
    def lift(self, a: _CoreTensor, b: _CoreTensor) -> _CoreTensor:
        return a / b


class DivScalar(TensorOp):
    """a / scalar: the gradient is g/scalar."""
    def __init__(self, scalar: Any) -> None:
        self.scalar = scalar

    def lift(self, a: _CoreTensor) -> _CoreTensor:
        return a / self.scalar


class Transpose(TensorOp):
    """Swap two axes: ``axes=(i, j)``, or the last two when ``axes`` is None (needle's rule)."""

    def __init__(self, axes: tuple | None = None) -> None:
        self.axes = axes

    def lift(self, a: _CoreTensor) -> _CoreTensor:
        if self.axes is None:
            return a.transpose(-2, -1)
        if len(self.axes) != 2:
            raise ValueError(f"needle transpose: axes must name two axes to swap, got {self.axes}")
        return a.transpose(*self.axes)


class Reshape(TensorOp):
    """The values of ``a`` in ``shape``: the gradient is reshaped back."""
    def __init__(self, shape: tuple) -> None:
        self.shape = tuple(shape)

    def lift(self, a: _CoreTensor) -> _CoreTensor:
        return a.reshape(self.shape)


class BroadcastTo(TensorOp):
    """``a`` broadcast to ``shape``: the gradient is summed over the broadcast axes."""
    def __init__(self, shape: tuple) -> None:
        self.shape = tuple(shape)

    def lift(self, a: _CoreTensor) -> _CoreTensor:
        return a.broadcast_to(self.shape)


class Summation(TensorOp):
    """The sum over ``axes`` (all when None), the reduced axes removed: the gradient is broadcast back."""
    def __init__(self, axes: Any = None) -> None:
        self.axes = _axes(axes)

    def lift(self, a: _CoreTensor) -> _CoreTensor:
        if self.axes == ():
            return a  # NumPy's sum over no axis; the core (PyTorch) would read () as "all"
        return a.sum(self.axes)


class MatMul(TensorOp):
    """The matrix product a @ b (batched by broadcasting): the gradients are g·bᵀ and aᵀ·g, summed to each shape."""
    def lift(self, a: _CoreTensor, b: _CoreTensor) -> _CoreTensor:
        return a @ b


class Negate(TensorOp):
    """−a: the gradient is −g."""
    def lift(self, a: _CoreTensor) -> _CoreTensor:
        return -a


class Log(TensorOp):
    """The natural logarithm: the gradient is g/a."""
    def lift(self, a: _CoreTensor) -> _CoreTensor:
        return a.log()


class Exp(TensorOp):
    """e^a: the gradient is g·e^a."""
    def lift(self, a: _CoreTensor) -> _CoreTensor:
        return a.exp()


class ReLU(TensorOp):
    """max(x, 0) elementwise, as a module."""
    def lift(self, a: _CoreTensor) -> _CoreTensor:
        return a.relu()


class LogSumExp(TensorOp):
    """log Σ exp(z) over ``axes`` = max z + log Σ exp(z − max z), the reduced axes removed."""

    def __init__(self, axes: Any = None) -> None:
        self.axes = _axes(axes)

    def lift(self, z: _CoreTensor) -> _CoreTensor:
        if self.axes == ():
            return z
        return z.logsumexp(self.axes)


class SoftmaxLoss(TensorOp):
    """Mean over the batch of log Σ_i exp z_i − z_y (the core's fused cross-entropy).

    Inputs: logits (N, k) and integer labels (N,) of any integer dtype.
    """

    def lift(self, logits: _CoreTensor, y: _CoreTensor) -> _CoreTensor:
        labels = y._data
        if labels.dtype.kind not in "iu":
            raise TypeError(f"needle SoftmaxLoss: labels must be an integer array (class indices), got {labels.dtype}")
        if logits.ndim != 2 or labels.shape != (logits.shape[0],):
            raise ValueError(
                f"needle SoftmaxLoss: expected logits (N, k) and labels (N,), got {tuple(logits.shape)} and "
                f"{tuple(labels.shape)}"
            )
        return cross_entropy(logits, labels)


class LayerNorm(TensorOp):
    """(x − E[x]) / √(Var[x] + ε)·w + b over the last axis, Var dividing by N (the core's layer_norm)."""

    def __init__(self, eps: float) -> None:
        self.eps = eps

    def lift(self, x: _CoreTensor, weight: _CoreTensor, bias: _CoreTensor) -> _CoreTensor:
        return layer_norm(x, x.shape[-1], weight, bias, self.eps)


class Normalize(TensorOp):
    """(x − mean) / √(var + ε)·w + b per feature of (N, d) input, with the core's fused Normalize.

    ``batch_stats=True``: ``mean``/``var`` are x's own batch statistics, and the gradient flows
    through them; ``False``: they are constants (running estimates at eval time).
    """

    def __init__(self, mean: np.ndarray, var: np.ndarray, eps: float, batch_stats: bool) -> None:
        self.mean, self.var, self.eps, self.batch_stats = mean, var, eps, batch_stats

    def lift(self, x: _CoreTensor, weight: _CoreTensor, bias: _CoreTensor) -> _CoreTensor:
        d = x.shape[1]
        return _CoreNormalize.apply(
            x, weight.reshape(d), bias.reshape(d), mean=self.mean.reshape(1, d), var=self.var.reshape(1, d),
            axes=(0,), eps=self.eps, batch_stats=self.batch_stats, affine_shape=(d,),
        )


def add(a: Tensor, b: Tensor) -> Tensor:
    """a + b (``EWiseAdd``)."""
    return EWiseAdd()(a, b)


def add_scalar(a: Tensor, scalar: Any) -> Tensor:
    """a + scalar (``AddScalar``)."""
    return AddScalar(scalar)(a)


def multiply(a: Tensor, b: Tensor) -> Tensor:
    """a · b elementwise (``EWiseMul``)."""
    return EWiseMul()(a, b)


def mul_scalar(a: Tensor, scalar: Any) -> Tensor:
    """a · scalar (``MulScalar``)."""
    return MulScalar(scalar)(a)


def power(a: Tensor, b: Tensor) -> Tensor:
    """a ** b elementwise (``EWisePow``)."""
    return EWisePow()(a, b)


def power_scalar(a: Tensor, scalar: Any) -> Tensor:
    """a ** scalar (``PowerScalar``)."""
    return PowerScalar(scalar)(a)


def divide(a: Tensor, b: Tensor) -> Tensor:
    """a / b elementwise (``EWiseDiv``)."""
    return EWiseDiv()(a, b)


def divide_scalar(a: Tensor, scalar: Any) -> Tensor:
    """a / scalar (``DivScalar``)."""
    return DivScalar(scalar)(a)


def transpose(a: Tensor, axes: tuple | None = None) -> Tensor:
    """Two axes of ``a`` swapped, the last two when ``axes`` is None (``Transpose``)."""
    return Transpose(axes)(a)


def reshape(a: Tensor, shape: tuple) -> Tensor:
    """``a`` in ``shape`` (``Reshape``)."""
    return Reshape(shape)(a)


def broadcast_to(a: Tensor, shape: tuple) -> Tensor:
    """``a`` broadcast to ``shape`` (``BroadcastTo``)."""
    return BroadcastTo(shape)(a)


def summation(a: Tensor, axes: Any = None) -> Tensor:
    """The sum of ``a`` over ``axes`` (``Summation``)."""
    return Summation(axes)(a)


def matmul(a: Tensor, b: Tensor) -> Tensor:
    """a @ b (``MatMul``)."""
    return MatMul()(a, b)


def negate(a: Tensor) -> Tensor:
    """−a (``Negate``)."""
    return Negate()(a)


def log(a: Tensor) -> Tensor:
    """log a (``Log``)."""
    return Log()(a)


def exp(a: Tensor) -> Tensor:
    """e^a (``Exp``)."""
    return Exp()(a)


def relu(a: Tensor) -> Tensor:
    """max(a, 0) (``ReLU``)."""
    return ReLU()(a)


def logsumexp(a: Tensor, axes: Any = None) -> Tensor:
    """log Σ exp(a) over ``axes``, computed stably (``LogSumExp``)."""
    return LogSumExp(axes)(a)
