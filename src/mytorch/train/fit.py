"""``fit``: epochs of training and evaluation with a progress bar, a metrics log and checkpoints."""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from ..nn import Module
from ..optim import Optimizer
from ..optim.lr_scheduler import ReduceLROnPlateau
from .checkpoint import describe_keys, save_checkpoint, training_state_non_finite
from .loop import NonFiniteLossError, evaluate, train_epoch
from .metrics import plot_curves, write_metrics_csv

LAST = "checkpoint-last.safetensors"
BEST = "checkpoint-best.safetensors"


def _progress(total: int, desc: str, quiet: bool):
    """A tqdm bar on a terminal; nothing when quiet or when stderr is not a TTY (logs, CI)."""
    if quiet or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="step", leave=False, dynamic_ncols=True)


def fit(
    model: Module,
    train_loader: Iterable,
    test_loader: Iterable,
    loss_fn: Callable,
    optimizer: Optimizer,
    epochs: int,
    *,
    scheduler: Any = None,
    scheduler_interval: str = "epoch",
    out_dir: str | os.PathLike | None = None,
    config: dict | None = None,
    history: list[dict] | None = None,
    start_epoch: int = 0,
    quiet: bool = False,
    log: Callable[[str], None] | None = print,
    plot: bool = True,
    on_epoch_end: Callable[[dict], None] | None = None,
) -> list[dict]:
    """Train from ``start_epoch`` + 1 to ``epochs``; return the metrics history (one dict per epoch).

    After every epoch it evaluates on ``test_loader``, prints one line, and — with ``out_dir`` —
    rewrites ``metrics.csv`` and ``curves.png`` and saves ``checkpoint-last`` (and
    ``checkpoint-best`` when the test accuracy improves). ``scheduler`` is stepped after every
    optimizer step (``scheduler_interval='step'``) or after every epoch (``'epoch'``; a
    ReduceLROnPlateau gets the test loss). A non-finite loss raises ``NonFiniteLossError``
    before anything is written for that epoch, so the last checkpoint stays the last good one;
    the error's ``history`` holds the rows of the epochs that finished.

    Each row holds ``train_seconds`` -- the optimisation loop alone (forward, backward, step,
    per-step schedule and data loading) -- apart from ``eval_seconds``, the evaluation.
    ``on_epoch_end(row)`` is called after the row (and, with ``out_dir``, the files) are written.
    """
    if scheduler_interval not in ("epoch", "step"):
        raise ValueError(f"scheduler_interval must be 'epoch' or 'step', got {scheduler_interval!r}")
    history = list(history or [])
    out = Path(out_dir) if out_dir is not None else None
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    best = max((r["test_acc"] for r in history), default=-math.inf)
    for epoch in range(start_epoch + 1, epochs + 1):
        bar = _progress(len(train_loader) if hasattr(train_loader, "__len__") else None, f"epoch {epoch}/{epochs}",
                        quiet)
        start = time.perf_counter()
        try:
            train_loss, train_acc = train_epoch(
                model, train_loader, loss_fn, optimizer, scheduler if scheduler_interval == "step" else None,
                progress=bar, epoch=epoch,
            )
        except NonFiniteLossError as e:
            e.history = history
            raise
        finally:
            if bar is not None:
                bar.close()
        train_seconds = time.perf_counter() - start
        lr = optimizer.param_groups[0]["lr"]
        start = time.perf_counter()
        test_loss, test_acc = evaluate(model, test_loader, loss_fn)
        eval_seconds = time.perf_counter() - start
        if not math.isfinite(test_loss):
            raise NonFiniteLossError(f"the test loss became {test_loss} after epoch {epoch}", history=history)
        # A finite loss can hide inf/nan weights (e.g. BatchNorm running statistics after a huge
        # step): such a state must not become the "last good" checkpoint.
        bad = training_state_non_finite(model, optimizer)
        if bad:
            raise NonFiniteLossError(f"non-finite weights after epoch {epoch}: {describe_keys(bad)}", history=history)
        if scheduler is not None and scheduler_interval == "epoch":
            if isinstance(scheduler, ReduceLROnPlateau):
                scheduler.step(test_loss)
            else:
                scheduler.step()
        row = {"epoch": epoch, "train_loss": train_loss, "train_acc": train_acc, "test_loss": test_loss,
               "test_acc": test_acc, "train_seconds": train_seconds, "eval_seconds": eval_seconds, "lr": lr}
        history.append(row)
        if log is not None:
            log(f"epoch {epoch:>3}/{epochs}  train loss {train_loss:.4f} acc {train_acc:.4f}  "
                f"test loss {test_loss:.4f} acc {test_acc:.4f}  lr {lr:.3g}  "
                f"{train_seconds:.1f}s train + {eval_seconds:.1f}s eval")
        if out is not None:
            # The last checkpoint is written last: it is what a resume continues from, so a run killed between
            # these files redoes this epoch bit-identically and writes the same files again. (Written before
            # the best one, a kill between the two left a stale best checkpoint that no resume would replace.)
            write_metrics_csv(out / "metrics.csv", history)
            if test_acc > best:
                best = test_acc
                save_checkpoint(out / BEST, model, optimizer, scheduler, epoch=epoch, history=history,
                                config=config)
            if plot:
                plot_curves(out / "curves.png", history, title=(config or {}).get("title", ""))
            save_checkpoint(out / LAST, model, optimizer, scheduler, epoch=epoch, history=history, config=config)
        if on_epoch_end is not None:
            on_epoch_end(row)
    return history
