"""``linear``, ``dropout``, ``dropout2d`` and ``one_hot``."""

from __future__ import annotations

import warnings

from ..._backend import xp
from ..._dtype import int64
from ..._rng_draws import bernoulli_scalar
from ..._tensor import Tensor
from ..._threads import matmul
from ...autograd.function import Function
from ...ops.linalg import MatMul
from ...random import default_generator


class LinearFunction(Function):
    """y = x·Wᵀ + b for x of shape (…, in), W (out, in), b (out,).

    dx = g·W,  dW = gᵀ·x,  db = Σ g over every row (leading dimensions flattened into rows).
    One fused node instead of transpose + matmul + broadcast add: the weight gradient is a
    single 2-D matrix product whatever the leading shape, and nothing needs unbroadcasting.
    """

    backward_name = "AddmmBackward0"

    @staticmethod
    def forward(ctx, x, weight, bias):
        need_x, need_w, _ = ctx.needs_input_grad
        ctx.save_for_backward(x if need_w else None, weight if need_x else None)
        out = matmul(x, weight.T)
        if bias is not None:
            out += bias
        return out

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad
        rows = grad.reshape(-1, grad.shape[-1])
        gx = matmul(grad, weight) if need_x else None
        gw = matmul(rows.T, x.reshape(-1, x.shape[-1])) if need_w else None
        gb = rows.sum(0) if need_b else None
        return gx, gw, gb

    @staticmethod
    def backward_graph(ctx, grad):
        x, weight = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad
        rows = grad.reshape(-1, grad.shape[-1])
        gx = MatMul.apply(grad, weight) if need_x else None
        gw = MatMul.apply(rows.t(), x.reshape(-1, x.shape[-1])) if need_w else None
        gb = rows.sum(0) if need_b else None
        return gx, gw, gb


class DropoutFunction(Function):
    """y = x·m with the scaled keep-mask m = keep/(1 − p) (0 or 1/(1 − p));  dx = g·m.

    One node that keeps only the mask: a general product node would also keep x, which backward
    never reads. Its name is torch's on the CPU, where dropout is the product ``input * noise``.
    """

    backward_name = "MulBackward0"

    @staticmethod
    def forward(ctx, x, *, mask):
        ctx.mask = mask  # made by ``dropout`` for this call alone: nobody else can write to it
        return x * mask

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.mask

    @staticmethod
    def backward_graph(ctx, grad):
        return grad * Tensor._make(ctx.mask, False, None)


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:  # noqa: A002
    """y = x·Wᵀ + b, with W of shape (out_features, in_features)."""
    x, w = input._data, weight._data  # the arrays' shapes: no Size objects on this per-layer path
    in_features = w.shape[-1]
    if x.ndim == 0 or x.shape[-1] != in_features:
        raise RuntimeError(
            f"linear: expected input with last dimension {in_features} (in_features), got shape {tuple(x.shape)}"
        )
    if x.dtype != w.dtype:
        raise RuntimeError(
            f"linear: input is {input.dtype} but the weight is {weight.dtype}; convert one of them "
            "(e.g. model.double() or x.float())"
        )
    return LinearFunction.apply(input, weight, bias)


def _dropout_mask(shape: tuple, p: float, dtype):
    """PyTorch's CPU dropout noise: ``empty(shape).bernoulli_(1 − p).div_(1 − p)``.

    bernoulli_ takes one 64-bit draw per element (kept where its 53-bit uniform is below 1 − p);
    div_ divides by 1 − p rounded to the dtype, so a kept element is 1/(1 − p) rounded in it.
    """
    keep = bernoulli_scalar(default_generator, int(xp.prod(shape, dtype=xp.int64)), 1.0 - p).reshape(shape)
    one = xp.dtype(dtype).type
    scale = xp.divide(one(1), one(1.0 - p), dtype=dtype)
    return xp.multiply(keep, scale, dtype=dtype)  # keep.astype(dtype) * scale, in one pass


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:  # noqa: A002
    """Zero each element with probability p and scale the rest by 1/(1−p); identity when not training.

    As in PyTorch, ``training`` defaults to True here, whatever a module's mode. The mask is drawn
    as PyTorch draws it (same seed, same mask); the scale is applied to the mask first (x·(mask·1/(1−p))).
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * 0.0
    dtype = input.dtype if input.dtype.kind == "f" else xp.float32
    mask = _dropout_mask(tuple(input.shape), p, dtype)
    if input.dtype != dtype:  # an integer input: the product promotes as a multiplication does
        return input * mask
    return DropoutFunction.apply(input, mask=mask)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:  # noqa: A002
    """Zero whole channels: y[n, c] = x[n, c]·m[n, c] with m = keep/(1 − p), keep ~ Bernoulli(1 − p) per (n, c).

    The mask has shape (N, C, 1, 1) for (N, C, H, W) input (drawn as PyTorch draws it: one value per
    channel, scaled by 1/(1 − p)). As PyTorch, 3-D input is read as (N, C, L) with a warning, and 2-D
    input (N, C) drops single elements (deprecated there too).
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if input.ndim not in (3, 4):
        warnings.warn(f"dropout2d: Received a {input.ndim}-D input to dropout2d, which is deprecated and will result "
                      "in an error in a future release. To retain the behavior and silence this warning, please use "
                      "dropout instead. Note that dropout2d exists to provide channel-wise dropout on inputs with 2 "
                      "spatial dimensions, a channel dimension, and an optional batch dimension (i.e. 3D or 4D "
                      "inputs).", stacklevel=2)
    elif input.ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout behavior "
                      "is desired - input is interpreted as shape (N, C, L), where C is the channel dim. This behavior "
                      "will change in a future release to interpret the input as one without a batch dimension, i.e. "
                      "shape (C, H, W). To maintain the 1D channel-wise dropout behavior, please switch to using "
                      "dropout1d instead.", stacklevel=2)
    if input.ndim < 2:
        raise RuntimeError(f"dropout2d: expected an input with a batch and a channel dimension, got shape "
                           f"{tuple(input.shape)}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * 0.0
    dtype = input.dtype if input.dtype.kind == "f" else xp.float32
    shape = tuple(input.shape[:2]) + (1,) * (input.ndim - 2)
    mask = _dropout_mask(shape, p, dtype)
    if input.dtype != dtype:
        return input * mask
    return DropoutFunction.apply(input, mask=mask)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """Class indices (any shape, int) to one-hot vectors in a new last dimension (int64)."""
    labels = tensor._data
    if labels.dtype.kind not in "iu":
        raise RuntimeError(f"one_hot is only applicable to index tensors, got {labels.dtype}")
    if num_classes == -1:
        num_classes = int(labels.max()) + 1 if labels.size else 0
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise RuntimeError(f"one_hot: class values must be in [0, {num_classes}), got [{labels.min()}, {labels.max()}]")
    return Tensor._make((labels[..., None] == xp.arange(num_classes)).astype(int64), False, None)
