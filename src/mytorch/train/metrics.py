"""The per-epoch metrics log (``metrics.csv``) and the learning curves (``curves.png``)."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

from ..serialization import atomic_write

# train_seconds: the optimisation loop only; eval_seconds: the evaluation after it.
COLUMNS = ("epoch", "train_loss", "train_acc", "test_loss", "test_acc", "train_seconds", "eval_seconds", "lr")


def write_metrics_csv(path: str | os.PathLike, history: list[dict]) -> None:
    """Write the whole history as CSV (rewritten atomically after every epoch)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in history:
        writer.writerow({k: repr(v) if isinstance(v, float) else v for k, v in row.items()})
    atomic_write(path, buf.getvalue().encode())


def read_metrics_csv(path: str | os.PathLike) -> list[dict]:
    """The rows of a run's ``metrics.csv`` as dicts: ``epoch`` an int, every other column a float."""
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    return [{k: (int(v) if k == "epoch" else float(v)) for k, v in row.items()} for row in rows]


def plot_curves(path: str | os.PathLike, history: list[dict], title: str = "") -> None:
    """Loss and accuracy per epoch, train and test, side by side (matplotlib, no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = [r["epoch"] for r in history]
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 4))
    for ax, key, label in ((ax_loss, "loss", "loss"), (ax_acc, "acc", "accuracy")):
        ax.plot(epochs, [r[f"train_{key}"] for r in history], "o-", label="train")
        ax.plot(epochs, [r[f"test_{key}"] for r in history], "s-", label="test")
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    plt.close(fig)
    atomic_write(Path(path), buf.getvalue())
