"""Gradient clipping, in place on ``.grad`` (as ``torch.nn.utils``)."""

from __future__ import annotations

import math
from collections.abc import Iterable

from ..._backend import xp
from ..._tensor import Tensor


def _grads(parameters: Tensor | Iterable[Tensor]) -> list[Tensor]:
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    return [p.grad for p in params if p.grad is not None]


def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """Scale all gradients by min(1, max_norm / (‖g‖ + 1e-6)), ‖g‖ the norm of all of them together.

    Returns that total norm (of the gradients before clipping), like PyTorch.
    """
    grads = _grads(parameters)
    norm_type = float(norm_type)
    if not grads:
        return Tensor._make(xp.asarray(0.0, dtype=xp.float32), False, None)
    if math.isinf(norm_type):
        norms = [xp.abs(g._data).max() if g._data.size else 0.0 for g in grads]
        total = xp.max(xp.asarray(norms))
    else:
        norms = [xp.sum(xp.abs(g._data) ** norm_type) ** (1.0 / norm_type) for g in grads]
        total = xp.sum(xp.asarray(norms) ** norm_type) ** (1.0 / norm_type)
    total = xp.asarray(total, dtype=grads[0]._data.dtype)
    if error_if_nonfinite and not xp.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so it cannot be "
            "clipped. To disable this error and scale the gradients by the non-finite norm anyway, set "
            "`error_if_nonfinite=False`"
        )
    coef = min(float(max_norm) / (float(total) + 1e-6), 1.0)
    for g in grads:
        g._data *= coef
    return Tensor._make(total, False, None)


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float, foreach: bool | None = None) -> None:
    """Clamp every gradient element into [−clip_value, clip_value], in place."""
    c = float(clip_value)
    for g in _grads(parameters):
        xp.clip(g._data, -c, c, out=g._data)
