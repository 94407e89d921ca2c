"""A run's epoch metrics as TensorBoard scalars, through ``mytorch.utils.tensorboard.SummaryWriter``.

``mytorch train --tensorboard`` passes an ``EpochLogger`` as the recipe's ``on_epoch_end``: each
finished epoch's row becomes scalars at step = epoch (``loss/train``, ``loss/test``,
``accuracy/train``, ``accuracy/test``, ``lr``, ``seconds/train``, ``seconds/eval``), in one log
directory per run. The writer opens at the first epoch it logs, so a resumed run marks that epoch
as its ``purge_step``: whatever a crashed attempt had logged from there on is hidden in TensorBoard.
"""

from __future__ import annotations

import os
from typing import Any

# Row keys of the metrics log (``train.metrics.COLUMNS``) and the scalar tags they are shown under.
TAGS = {"train_loss": "loss/train", "test_loss": "loss/test", "train_acc": "accuracy/train",
        "test_acc": "accuracy/test", "lr": "lr", "train_seconds": "seconds/train", "eval_seconds": "seconds/eval"}


class EpochLogger:
    """Write each epoch's metrics row to ``log_dir`` as TensorBoard scalars.

    Args:
        log_dir: the run's log directory (created when the first epoch is logged).
        config_text: shown once under the text tag ``config`` (e.g. the run's JSON config).
    """

    def __init__(self, log_dir: str | os.PathLike, config_text: str | None = None) -> None:
        from ..utils.tensorboard import SummaryWriter  # imported now: a missing package fails before training

        self._writer_class = SummaryWriter
        self.log_dir = os.fspath(log_dir)
        self.config_text = config_text
        self.writer: Any = None

    def __call__(self, row: dict) -> None:
        epoch = int(row["epoch"])
        if self.writer is None:
            self.writer = self._writer_class(self.log_dir, purge_step=epoch if epoch > 1 else None)
            if self.config_text is not None:
                self.writer.add_text("config", f"```\n{self.config_text}\n```", epoch)
        for key, tag in TAGS.items():
            if key in row and row[key] is not None:
                self.writer.add_scalar(tag, float(row[key]), epoch)
        self.writer.flush()

    def close(self) -> None:
        """Flush and close the event file (if an epoch was logged)."""
        if self.writer is not None:
            self.writer.close()
