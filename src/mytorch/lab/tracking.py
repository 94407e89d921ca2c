"""A study's runs in the trackers researchers use: TensorBoard event files, and Weights & Biases offline.

``--tensorboard`` (or ``tensorboard = true``): one event-file directory per run,
``DIR/tensorboard/<run>/`` (trials under ``DIR/tensorboard/trials/<trial>/``), written through
``mytorch.utils.tensorboard.SummaryWriter`` while the run trains: per epoch the scalars of
``metrics.csv`` (``TAGS``; a trial's evaluation is on its validation split, so its tags say
``validation``), and at the end ``add_hparams`` with the run's configuration and final metrics in
the same run, so ``tensorboard --logdir DIR/tensorboard`` compares the whole grid in its HParams tab.
A run that resumes in a new process rewrites its directory from ``metrics.csv`` first, so the
event files always hold each epoch once and equal ``metrics.csv``.

``--wandb`` (the ``wandb`` package): one offline W&B run per cell under ``DIR/wandb/`` (no account,
no network; ``wandb sync DIR/wandb/offline-run-*`` uploads them later), named as the handout's
``<optimizer>_<dataset>``, grouped by regime, its id the study's and cell's names. It is logged when
the run finishes (the whole series, ``step`` = epoch), so a run that was interrupted and resumed
is logged once.
"""

from __future__ import annotations

import contextlib
import math
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# metrics.csv column -> TensorBoard tag (test_* become validation/* for a trial: see ``tags``)
TAGS = {"train_loss": "loss/train", "test_loss": "loss/test", "train_acc": "accuracy/train",
        "test_acc": "accuracy/test", "lr": "learning_rate", "train_seconds": "seconds/train",
        "eval_seconds": "seconds/eval"}


def tags(validation: bool) -> dict[str, str]:
    """The column -> tag map of a run (a run that evaluates on a validation split says so in its tags)."""
    if not validation:
        return dict(TAGS)
    return {k: v.replace("/test", "/validation") for k, v in TAGS.items()}


def loggers_for(out: Path, study: Any, cell: Any, tensorboard: bool, wandb: bool) -> dict | None:
    """What ``run_cell`` needs to log ``cell`` (picklable: it travels to the worker), or None."""
    if not (tensorboard or wandb):
        return None
    out = Path(out).resolve()
    spec: dict[str, Any] = {"label": cell.label, "regime": cell.regime, "kind": cell.kind, "trial": cell.trial}
    if tensorboard:
        sub = cell.folder.removeprefix("runs/")
        spec["tensorboard"] = str(out / "tensorboard" / sub)
    if wandb:
        study_name = study.data.get("name") or out.name
        spec["wandb"] = {"dir": str(out), "project": re.sub(r"[^A-Za-z0-9_.-]", "-", study_name) or "mytorch-lab",
                         "name": f"{cell.config['optimizer']}_{cell.config['dataset']}", "group": cell.regime,
                         "job_type": cell.kind, "id": re.sub(r"[^A-Za-z0-9_-]", "-", f"{study_name}-{cell.name}")}
    return spec


def hparams(config: Any, spec: dict) -> dict[str, Any]:
    """The run's configuration as TensorBoard hparams (numbers, strings and booleans only)."""
    d = config.to_dict()
    d["hidden"] = "x".join(map(str, d["hidden"])) if d.get("hidden") else "-"
    d.update(label=spec["label"], regime=spec["regime"], kind=spec["kind"])
    if spec.get("trial") is not None:
        d["trial"] = spec["trial"]
    return {k: v for k, v in sorted(d.items()) if isinstance(v, (bool, int, float, str))}


class _Tracker:
    """Per-epoch and end-of-run logging for one cell (does nothing when no logger is asked for)."""

    def __init__(self, spec: dict | None, out: Path, config: Any) -> None:
        self.spec, self.out, self.config = spec or {}, out, config
        self.tags = tags(config.validation is not None)
        self.writer = None

    def _open_tensorboard(self, rows: list[dict]) -> None:
        from mytorch.utils.tensorboard import SummaryWriter

        log_dir = Path(self.spec["tensorboard"])
        shutil.rmtree(log_dir, ignore_errors=True)  # a resumed run logs its epochs again, from metrics.csv
        log_dir.mkdir(parents=True, exist_ok=True)
        self.writer = SummaryWriter(str(log_dir))
        for row in rows:
            self._scalars(row)

    def _scalars(self, row: dict) -> None:
        for column, tag in self.tags.items():
            if column in row:
                self.writer.add_scalar(tag, float(row[column]), global_step=int(row["epoch"]))

    def epoch(self, row: dict) -> None:
        """After each epoch (``fit``'s ``on_epoch_end``: metrics.csv already holds the row)."""
        if "tensorboard" not in self.spec:
            return
        if self.writer is None:
            from mytorch.train.metrics import read_metrics_csv

            self._open_tensorboard(read_metrics_csv(self.out / "metrics.csv"))  # every epoch so far, this one too
        else:
            self._scalars(row)
        self.writer.flush()

    def finish(self, history: list[dict], status: str) -> None:
        """When the run ends (done or diverged): hparams to TensorBoard, the series to W&B."""
        final = history[-1] if history else {}
        metrics = {f"hparam/{k}": (float(final[k]) if k in final else math.nan)
                   for k in ("train_loss", "test_loss", "test_acc")}
        if status == "diverged":
            metrics["hparam/train_loss"] = math.inf
        if "tensorboard" in self.spec:
            if self.writer is None:  # nothing trained in this process (a finished run, re-run)
                self._open_tensorboard(history)
            self.writer.add_hparams(hparams(self.config, self.spec), metrics, run_name=".")
            self.writer.close()
            self.writer = None
        if "wandb" in self.spec:
            _log_wandb(self.spec["wandb"], hparams(self.config, self.spec), history, status)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


def _log_wandb(spec: dict, config: dict, history: list[dict], status: str) -> None:
    import os

    os.environ.setdefault("WANDB_SILENT", "true")
    import wandb

    run = wandb.init(mode="offline", dir=spec["dir"], project=spec["project"], name=spec["name"],
                     group=spec["group"], job_type=spec["job_type"], id=spec["id"], config=config,
                     settings=wandb.Settings(console="off", silent=True, disable_git=True))
    try:
        for row in history:
            run.log({k: float(v) for k, v in row.items() if k != "epoch"} | {"epoch": int(row["epoch"])},
                    step=int(row["epoch"]))
        run.summary["status"] = status
    finally:
        run.finish()


@contextlib.contextmanager
def open_loggers(spec: dict | None, out: Path, config: Any) -> Iterator[_Tracker]:
    """The cell's tracker; its writer is closed however the run ends."""
    tracker = _Tracker(spec, Path(out), config)
    try:
        yield tracker
    finally:
        tracker.close()
