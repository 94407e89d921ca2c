"""One grid cell on a worker: a call of the recipe in ``DIR/runs/<name>/``, and the cell's state on disk.

Files of a cell directory besides the recipe's (config.json, metrics.csv, curves.png, checkpoints):
- ``result.json``: written last, atomically, when the run finished (``done``) or diverged
  (``diverged``, with the last finite epoch); its presence is what "finished" means;
- ``.lock``: held (``flock``) by the process running the cell, so two processes never run one cell
  (an orphaned worker of a killed study, or a task Dask re-ran) and ``status`` can tell "running".
"""

from __future__ import annotations

import contextlib
import csv
import fcntl
import json
import os
import shutil
import socket
from pathlib import Path
from typing import Any

from ..serialization import atomic_write

RESULT = "result.json"
LOCK = ".lock"
LAST = "checkpoint-last.safetensors"
# What a fresh start may find from an attempt killed before its first checkpoint.
_STALE = ("metrics.csv", "curves.png", "config.json", "checkpoint-best.safetensors")


def read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def epochs_logged(cell_dir: Path) -> int:
    """Rows in the cell's metrics.csv (0 when there is none yet)."""
    try:
        with open(cell_dir / "metrics.csv", newline="") as f:
            return max(0, sum(1 for _ in f) - 1)
    except OSError:
        return 0


def is_locked(cell_dir: Path) -> bool:
    """True while some process holds the cell's lock (i.e. runs it)."""
    try:
        fd = os.open(cell_dir / LOCK, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)
    return False


def cell_state(cell_dir: Path, epochs: int) -> tuple[str, int]:
    """(state, epochs logged): done, diverged, running, partial or pending."""
    logged = epochs_logged(cell_dir)
    result = read_json(cell_dir / RESULT)
    if result is not None:
        return result.get("status", "done"), logged
    if is_locked(cell_dir):
        return "running", logged
    if (cell_dir / LAST).exists() or logged:
        return "partial", logged
    return "pending", 0


@contextlib.contextmanager
def _cell_lock(cell_dir: Path):
    fd = os.open(cell_dir / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # blocks while another process still runs this cell
        yield
    finally:
        os.close(fd)


def _continue_from(source: Path, out: Path) -> None:
    """Copy a shorter run's files into a fresh cell directory, so that the cell resumes from it (a halving
    rung). The last checkpoint is copied last: its presence is what makes the cell a resume."""
    for name in ("config.json", "metrics.csv", "checkpoint-best.safetensors", LAST):
        if (source / name).is_file():
            tmp = out / f".{name}.copy"
            shutil.copyfile(source / name, tmp)
            os.replace(tmp, out / name)


def run_cell(name: str, config: dict, cell_dir: str, data_dir: str | None, download: bool,
             executor: dict, start_from: str | None = None, loggers: dict | None = None) -> dict[str, Any]:
    """Run (or resume, or skip) one cell; return its result dict. Runs in a worker process.

    A cell with a ``result.json`` is finished and returned as is. A cell with a last checkpoint
    resumes from it (bit-identically, by the recipe's contract); a fresh cell with ``start_from``
    (the directory of the same run trained for fewer epochs) continues from its checkpoint;
    otherwise it starts afresh. A non-finite loss is a result too: ``diverged`` at the last finite
    epoch. ``loggers`` (``tracking.loggers_for``) also send the epochs to TensorBoard / W&B.
    """
    from mytorch.train import NonFiniteLossError
    from mytorch.train.recipe import RunConfig, run

    out = Path(cell_dir)
    out.mkdir(parents=True, exist_ok=True)
    with _cell_lock(out):
        done = read_json(out / RESULT)
        if done is not None:
            return done
        if start_from and not os.path.lexists(out / LAST) and (Path(start_from) / LAST).is_file():
            _continue_from(Path(start_from), out)
        resume = os.path.lexists(out / LAST)  # a dangling link too: run() refuses it, nothing is removed
        if not resume:
            for stale in _STALE:
                (out / stale).unlink(missing_ok=True)
        run_config = RunConfig(**{**config, "hidden": tuple(config["hidden"]) if config.get("hidden") else None})
        result: dict[str, Any] = {"name": name, "executor": executor, "host": socket.gethostname(),
                                  "threads": run_config.threads, "resumed": resume}
        from .tracking import open_loggers

        with open_loggers(loggers, out, run_config) as track:
            try:
                history = run(run_config, out, resume=resume, data_dir=data_dir, download=download, quiet=True,
                              on_epoch_end=track.epoch)
                result.update(status="done", epochs=len(history), last_finite_epoch=len(history))
            except NonFiniteLossError as e:
                history = list(getattr(e, "history", None) or [])
                result.update(status="diverged", epochs=len(history), last_finite_epoch=len(history), error=str(e))
            track.finish(history, result["status"])
        if history:
            result["final"] = {k: v for k, v in history[-1].items()}
        atomic_write(out / RESULT, (json.dumps(result, indent=2) + "\n").encode())
        return result


def read_rows(cell_dir: Path) -> list[dict]:
    """The cell's metrics rows as floats (epoch as int)."""
    try:
        with open(cell_dir / "metrics.csv", newline="") as f:
            rows = list(csv.DictReader(f))
    except OSError:
        return []
    return [{k: (int(v) if k == "epoch" else float(v)) for k, v in r.items() if v not in (None, "")} for r in rows]
