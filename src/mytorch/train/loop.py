"""One epoch of training, and evaluation: the loops every training script writes."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

from ..autograd.grad_mode import no_grad
from ..nn import Module
from ..optim import Optimizer


class NonFiniteLossError(FloatingPointError):
    """The loss became nan or inf; training stops before the bad update is applied.

    ``history`` holds the metrics rows of the epochs that finished before it (``fit`` fills it in).
    """

    def __init__(self, message: str, history: list[dict] | None = None) -> None:
        super().__init__(message)
        self.history = list(history or [])


def _count_correct(logits, targets) -> int:
    return int((logits.argmax(1) == targets).sum().item())


def train_epoch(
    model: Module,
    loader: Iterable,
    loss_fn: Callable,
    optimizer: Optimizer,
    scheduler: Any = None,
    *,
    progress: Any = None,
    epoch: int | None = None,
) -> tuple[float, float]:
    """Train for one pass over ``loader``; return the mean loss and the accuracy over its samples.

    Puts the model in training mode. ``scheduler``, when given, is stepped after every optimizer
    step (per-step schedules such as OneCycleLR); per-epoch schedulers are stepped by the caller.
    A nan/inf loss raises ``NonFiniteLossError`` before any update is made with it.
    """
    model.train()
    total_loss, correct, seen = 0.0, 0, 0
    for step, (inputs, targets) in enumerate(loader, start=1):
        optimizer.zero_grad()
        logits = model(inputs)
        loss = loss_fn(logits, targets)
        value = loss.item()
        if not math.isfinite(value):
            where = f"epoch {epoch}, step {step}" if epoch is not None else f"step {step}"
            raise NonFiniteLossError(f"the loss became {value} at {where}")
        loss.backward()
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        n = len(targets)
        total_loss += value * n
        seen += n
        correct += _count_correct(logits, targets)
        if progress is not None:
            progress.update(1)
            progress.set_postfix(loss=f"{total_loss / seen:.4f}", refresh=False)
    if seen == 0:
        raise ValueError("train_epoch: the loader produced no batches")
    return total_loss / seen, correct / seen


def evaluate(model: Module, loader: Iterable, loss_fn: Callable) -> tuple[float, float]:
    """Mean loss and accuracy of ``model`` over ``loader``, in eval mode and without a graph."""
    model.eval()
    total_loss, correct, seen = 0.0, 0, 0
    with no_grad():
        for inputs, targets in loader:
            logits = model(inputs)
            n = len(targets)
            total_loss += loss_fn(logits, targets).item() * n
            correct += _count_correct(logits, targets)
            seen += n
    if seen == 0:
        raise ValueError("evaluate: the loader produced no batches")
    return total_loss / seen, correct / seen
