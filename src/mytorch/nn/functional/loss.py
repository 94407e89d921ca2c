"""Loss functions with PyTorch's exact semantics (REFERENCE-SEMANTICS §7).

Cross-entropy with class-index targets is one fused, numerically stable Function (the training
hot path); the binary cross-entropies are fused so their edge cases (log clamped at −100, the
stable softplus form) match PyTorch; the rest is composed from core ops.
"""

from __future__ import annotations

import warnings

from ..._backend import xp
from ..._tensor import Tensor
from ...autograd.function import Function
from ...ops._graph import const as _const
from ...ops._graph import select
from ...ops.activation import Softmax

_REDUCTIONS = ("none", "mean", "sum")


def _check_reduction(reduction: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction!r} is not a valid value for reduction (valid: 'none', 'mean', 'sum')")


def _reduce(loss, reduction: str, denom=None):
    """A loss's reduction, for Tensors and raw arrays alike: 'none' keeps it, 'sum' adds it up, 'mean' divides
    the sum by ``denom`` (the weighted count of the class-index losses) or, when None, by the element count.
    A zero ``denom`` (every target ignored) gives nan, as in PyTorch."""
    _check_reduction(reduction)
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    if denom is None:
        return loss.mean()
    return loss.sum() / denom if denom else loss.sum() * float("nan")


def _check_targets(target: xp.ndarray, classes: int, ignore_index: int, fn: str) -> bool:
    """Raise for a target outside [0, classes) that is not ``ignore_index``; True when every target is inside."""
    if target.dtype.kind not in "iu":
        raise RuntimeError(f"{fn}: class-index targets must be an integer tensor, got {target.dtype}")
    if target.size and target.min() >= 0 and target.max() < classes:  # the usual batch: two reductions
        return True
    bad = (target != ignore_index) & ((target < 0) | (target >= classes))
    if bad.any():
        value = int(target[bad].flat[0])
        raise IndexError(
            f"{fn}: target value {value} is out of range for {classes} classes "
            f"(expected 0 <= target < {classes}, or ignore_index={ignore_index})"
        )
    return False


class CrossEntropyFunction(Function):
    """Softmax cross-entropy of logits x (N, C) against class indices t (N,), fused.

    With p = log_softmax(x), class weights w (1 if not given), smoothing ε and ignored samples
    contributing nothing:
        ℓ_n = (1 − ε)·(−w_{t_n} p_{n,t_n}) + (ε/C)·Σ_c (−w_c p_{n,c})
        mean = Σ_n ℓ_n / Σ_{n not ignored} w_{t_n}   (the weighted denominator, also for the ε term)
    Backward, with q = softmax(x) and W = Σ_c w_c, for each non-ignored n (scaled by the upstream
    gradient and the reduction):
        dℓ_n/dx_n = (1 − ε)·w_{t_n}·(q_n − e_{t_n}) + (ε/C)·(W·q_n − w)
    """

    backward_name = "NllLossBackward0"

    @staticmethod
    def forward(ctx, x, *, target, weight, ignore_index, reduction, label_smoothing, plain=False):
        n, classes = x.shape
        shifted = x - x.max(axis=1, keepdims=True)
        logp = shifted - xp.log(xp.exp(shifted).sum(axis=1, keepdims=True))
        ctx.x = x  # for backward_graph only; not saved, so an in-place write to x later is allowed (as torch)
        ctx.args = weight, reduction, label_smoothing
        if plain:  # no weight, no smoothing, no ignored target: every w_t is 1 (the general path's numbers)
            ctx.save_for_backward(logp, target.copy(), None, None)  # the caller may reuse target
            ctx.denom = x.dtype.type(n) if reduction == "mean" else None
            return _reduce(-logp[xp.arange(n), target], reduction, ctx.denom)
        valid = target != ignore_index
        t = xp.where(valid, target, 0)
        rows = xp.arange(n)
        w_t = (weight[t] if weight is not None else xp.ones(n, x.dtype)) * valid
        loss = -logp[rows, t] * w_t
        eps = label_smoothing
        if eps:
            smooth = -(logp * weight).sum(axis=1) if weight is not None else -logp.sum(axis=1)
            loss = (1 - eps) * loss + (eps / classes) * (smooth * valid)
        ctx.save_for_backward(logp, t, w_t, valid)
        ctx.denom = w_t.sum() if reduction == "mean" else None
        return _reduce(loss, reduction, ctx.denom)

    @staticmethod
    def backward(ctx, grad):
        logp, t, w_t, valid = ctx.saved_tensors
        weight, reduction, eps = ctx.args
        n, classes = logp.shape
        if w_t is None:  # the plain case: coef = w_t = 1, so q·(1·s) and (1 − 0)·1·s are q·s and s exactly
            with xp.errstate(invalid="ignore", divide="ignore"):
                scale = xp.asarray(grad / ctx.denom if reduction == "mean" else grad, dtype=logp.dtype)
            gx = xp.exp(logp)
            gx *= scale[:, None] if scale.ndim else scale
            gx[xp.arange(n), t] -= scale
            return gx
        with xp.errstate(invalid="ignore", divide="ignore"):
            scale = grad / ctx.denom if reduction == "mean" else grad
            # Ignored samples get exactly 0, even when the mean's denominator is 0 (as PyTorch).
            scale = xp.where(valid, scale, 0).astype(logp.dtype, copy=False)
            q = xp.exp(logp)
            coef = (1 - eps) * w_t
            if eps:
                total_w = weight.sum() if weight is not None else classes
                coef = coef + (eps / classes) * total_w
            gx = q * (coef * scale)[:, None]
            gx[xp.arange(n), t] -= (1 - eps) * w_t * scale
            if eps:
                w = weight if weight is not None else 1.0
                gx -= (eps / classes) * w * scale[:, None]
        return gx

    @staticmethod
    def backward_graph(ctx, grad):
        x = ctx.graph_input(0, ctx.x)
        logp, t, w_t, valid = (None if s is None else s._data for s in ctx.saved_tensors)
        weight, reduction, eps = ctx.args
        n, classes = logp.shape
        if w_t is None:  # the plain case's saved form
            w_t, valid = xp.ones(n, logp.dtype), xp.ones(n, bool)
        dt = logp.dtype
        scale = grad * _const(xp.ones(n, dt))
        if reduction == "mean":
            scale = scale / float(ctx.denom) if ctx.denom else scale * float("nan")
        scale = select(valid, scale).unsqueeze(1)
        coef = (1 - eps) * w_t
        if eps:
            coef = coef + (eps / classes) * (weight.sum() if weight is not None else classes)
        hit = xp.zeros((n, classes), dt)
        hit[xp.arange(n), t] = (1 - eps) * w_t
        if eps:
            hit += (eps / classes) * (weight if weight is not None else 1.0)
        q = Softmax.apply(x, axis=1)
        return q * (_const(coef.astype(dt)[:, None]) * scale) - _const(hit) * scale


def cross_entropy(
    input: Tensor,  # noqa: A002
    target: Tensor,
    weight: Tensor | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Cross-entropy between logits (class axis 1: (N, C), (C,) or (N, C, d1, ...)) and targets.

    Targets are class indices (int, shape without the class axis) or class probabilities (float,
    the input's shape). See ``CrossEntropyFunction`` for the index formula; probability targets use
    ℓ_n = −Σ_c w_c y′_{n,c} log_softmax(x)_{n,c} with y′ = (1 − ε)y + ε/C, and 'mean' divides by
    the number of samples (not by the weights), as PyTorch does.
    """
    _check_reduction(reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"label_smoothing must be between 0.0 and 1.0, got {label_smoothing}")
    t = target._data if isinstance(target, Tensor) else xp.asarray(target)
    w = None if weight is None else weight._data.astype(input.dtype, copy=False)
    if input.ndim == 0:
        raise RuntimeError("cross_entropy: input must have a class dimension, got a 0-d tensor")
    classes = input.shape[0] if input.ndim == 1 else input.shape[1]
    if w is not None and w.shape != (classes,):
        raise RuntimeError(
            f"cross_entropy: weight has shape {tuple(w.shape)}, expected ({classes},) for {classes} classes"
        )

    if t.dtype.kind == "f":  # class probabilities
        if t.shape != input.shape:
            raise RuntimeError(
                f"cross_entropy: probability targets must have the input's shape {tuple(input.shape)}, "
                f"got {tuple(t.shape)}"
            )
        return _cross_entropy_probs(input, t, w, reduction, label_smoothing)

    expected = () if input.ndim == 1 else (input.shape[0],) + tuple(input.shape[2:])
    if t.shape != expected:
        raise RuntimeError(
            f"cross_entropy: expected class-index targets of shape {expected} for input of shape "
            f"{tuple(input.shape)}, got {tuple(t.shape)}"
        )
    plain = _check_targets(t, classes, ignore_index, "cross_entropy")
    plain = plain and w is None and not label_smoothing and not 0 <= ignore_index < classes and t.size < 1 << 24
    logits = input
    if input.ndim == 1:
        logits = input.unsqueeze(0)
    elif input.ndim > 2:  # (N, C, d1, ...) -> (N·d1·..., C): the class axis last, samples as rows
        logits = input.movedim(1, -1).reshape(-1, classes)
    out = CrossEntropyFunction.apply(
        logits, target=t.reshape(-1), weight=w, ignore_index=ignore_index, reduction=reduction,
        label_smoothing=label_smoothing, plain=plain,
    )
    if reduction == "none":
        return out.reshape(t.shape)
    return out


def _cross_entropy_probs(input: Tensor, target, weight, reduction: str, eps: float) -> Tensor:  # noqa: A002
    classes = input.shape[0] if input.ndim == 1 else input.shape[1]
    axis = 0 if input.ndim == 1 else 1
    y = target * (1 - eps) + eps / classes if eps else target
    if weight is not None:
        shape = [1] * input.ndim
        shape[axis] = classes
        y = y * weight.reshape(shape)
    loss = -(input.log_softmax(axis) * y.astype(input.dtype, copy=False)).sum(axis)
    return _reduce(loss, reduction)


def nll_loss(
    input: Tensor,  # noqa: A002
    target: Tensor,
    weight: Tensor | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood of log-probabilities ``input`` (N, C) at class indices ``target`` (N,).

    ℓ_n = −w_{t_n}·input[n, t_n]; 'mean' divides by Σ w_{t_n} over non-ignored samples.
    """
    _check_reduction(reduction)
    t = target._data if isinstance(target, Tensor) else xp.asarray(target)
    if input.ndim == 1:  # a single sample: (C,) with a 0-d target
        out = nll_loss(input.unsqueeze(0), Tensor._make(t.reshape(1), False, None), weight, ignore_index, reduction)
        return out.reshape(()) if reduction == "none" else out
    classes = input.shape[1]
    if input.ndim > 2:
        flat = input.movedim(1, -1).reshape(-1, classes)
        out = nll_loss(flat, Tensor._make(t.reshape(-1), False, None), weight, ignore_index, reduction)
        return out.reshape(t.shape) if reduction == "none" else out
    if t.shape != (input.shape[0],):
        raise RuntimeError(f"nll_loss: expected targets of shape ({input.shape[0]},), got {tuple(t.shape)}")
    _check_targets(t, classes, ignore_index, "nll_loss")
    valid = t != ignore_index
    safe = xp.where(valid, t, 0)
    w_t = (weight._data[safe] if weight is not None else xp.ones(t.shape, input.dtype)) * valid
    loss = -input[xp.arange(t.shape[0]), safe] * w_t.astype(input.dtype, copy=False)
    return _reduce(loss, reduction, float(w_t.sum()) if reduction == "mean" else None)


def mse_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:  # noqa: A002
    """Mean (or sum, or none) of (input − target)²."""
    _warn_if_broadcast(input, target)
    diff = input - target
    return _reduce(diff * diff, reduction)


def l1_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:  # noqa: A002
    """Mean (or sum, or none) of |input − target|."""
    _warn_if_broadcast(input, target)
    return _reduce((input - target).abs(), reduction)


def _warn_if_broadcast(input: Tensor, target) -> None:  # noqa: A002
    shape = tuple(getattr(target, "shape", ()))
    if shape != tuple(input.shape):
        warnings.warn(
            f"Using a target size ({shape}) that is different to the input size ({tuple(input.shape)}). "
            "This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.",
            UserWarning,
            stacklevel=3,
        )


class BinaryCrossEntropyFunction(Function):
    """ℓ = −w·(y·log x + (1 − y)·log(1 − x)), each log clamped at −100 (PyTorch's rule);
    dx = w·(x − y) / max(x(1 − x), 1e-12)."""

    backward_name = "BinaryCrossEntropyBackward0"

    @staticmethod
    def forward(ctx, x, y, weight):
        with xp.errstate(divide="ignore"):
            log_x = xp.maximum(xp.log(x), -100)
            log_1mx = xp.maximum(xp.log(1 - x), -100)
        loss = -(y * log_x + (1 - y) * log_1mx)
        if weight is not None:
            loss = loss * weight
        ctx.save_for_backward(x, y, weight)
        return loss

    @staticmethod
    def backward(ctx, grad):
        x, y, weight = ctx.saved_tensors
        gx = grad * (x - y) / xp.maximum((1 - x) * x, 1e-12)
        if weight is not None:
            gx = gx * weight
        return gx, None, None

    @staticmethod
    def backward_graph(ctx, grad):
        x, y, weight = ctx.saved_tensors
        gx = grad * (x - y) / ((1 - x) * x).clamp(min=1e-12)
        if weight is not None:
            gx = gx * weight
        return gx, None, None


def binary_cross_entropy(
    input: Tensor,  # noqa: A002
    target: Tensor,
    weight: Tensor | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Binary cross-entropy of probabilities ``input`` (in [0, 1]) against ``target``."""
    _check_reduction(reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(
            f"Using a target size ({tuple(target.shape)}) that is different to the input size ({tuple(input.shape)}) "
            "is not supported by binary_cross_entropy"
        )
    x = input._data
    if x.size and (x.min() < 0 or x.max() > 1):
        raise RuntimeError("binary_cross_entropy: all elements of input should be between 0 and 1")
    w = None if weight is None else weight._data
    loss = BinaryCrossEntropyFunction.apply(input, target._data, w)
    return _reduce(loss, reduction)


class BinaryCrossEntropyWithLogitsFunction(Function):
    """Stable BCE on logits: with L = 1 + (p − 1)·y (p = pos_weight, 1 when not given),
        ℓ = w·((1 − y)·x + L·(log(1 + e^(−|x|)) + max(−x, 0)))
        dx = w·(L·σ(x) − p·y)
    """

    backward_name = "BinaryCrossEntropyWithLogitsBackward0"

    @staticmethod
    def forward(ctx, x, y, weight, pos_weight):
        softplus_neg = xp.log1p(xp.exp(-xp.abs(x))) + xp.maximum(-x, 0)
        scale = 1 if pos_weight is None else 1 + (pos_weight - 1) * y
        loss = (1 - y) * x + scale * softplus_neg
        if weight is not None:
            loss = loss * weight
        ctx.save_for_backward(x, y, weight, pos_weight)
        return loss

    @staticmethod
    def backward(ctx, grad):
        x, y, weight, pos_weight = ctx.saved_tensors
        with xp.errstate(over="ignore"):
            sig = 1 / (1 + xp.exp(-x))
        if pos_weight is None:
            gx = sig - y
        else:
            gx = (1 + (pos_weight - 1) * y) * sig - pos_weight * y
        gx = grad * gx
        if weight is not None:
            gx = gx * weight
        return gx, None, None, None

    @staticmethod
    def backward_graph(ctx, grad):
        x, y, weight, pos_weight = ctx.saved_tensors
        sig = x.sigmoid()
        gx = sig - y if pos_weight is None else (1 + (pos_weight - 1) * y) * sig - pos_weight * y
        gx = grad * gx
        if weight is not None:
            gx = gx * weight
        return gx, None, None, None


def binary_cross_entropy_with_logits(
    input: Tensor,  # noqa: A002
    target: Tensor,
    weight: Tensor | None = None,
    reduction: str = "mean",
    pos_weight: Tensor | None = None,
) -> Tensor:
    """Sigmoid + binary cross-entropy in one stable step (never overflows for large |logits|)."""
    _check_reduction(reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(
            f"Target size ({tuple(target.shape)}) must be the same as input size ({tuple(input.shape)})"
        )
    loss = BinaryCrossEntropyWithLogitsFunction.apply(
        input, target._data, None if weight is None else weight._data, None if pos_weight is None else pos_weight._data
    )
    return _reduce(loss, reduction)
