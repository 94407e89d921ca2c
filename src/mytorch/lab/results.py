"""Reading a study directory: the saved study, the executions log and each run's state, as ``Run`` records.

The report, ``lab status`` and the runner read finished work only through this module, so the
report does not depend on the runner (which imports the report to write it at the end).

``DIR/study.json`` is the effective study (file plus command-line overrides), ``DIR/executions.jsonl``
one line per ``lab run`` invocation; each run lives in its cell's directory (``Cell.path``).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from .cell import cell_state, read_json, read_rows
from .study import Cell, LabError, Study

STUDY_FILE = "study.json"
EXECUTIONS = "executions.jsonl"


def load_saved_study(out: Path) -> Study:
    """The study saved in ``out/study.json``; a ``LabError`` when ``out`` is not a study directory."""
    try:
        data = json.loads((Path(out) / STUDY_FILE).read_text())
    except FileNotFoundError:
        raise LabError(f"{out} is not a study directory (no {STUDY_FILE}; `mytorch lab run` makes one)") from None
    except (OSError, ValueError) as e:
        raise LabError(f"{Path(out) / STUDY_FILE}: unreadable ({e})") from None
    if not isinstance(data, dict) or "optimizers" not in data or "regimes" not in data:
        raise LabError(f"{Path(out) / STUDY_FILE}: not a saved study (no optimizers and regimes)")
    return Study(data)


def executions(out: Path) -> list[dict]:
    """The executions log: one dict per ``lab run`` invocation (executor, workers, threads, cores, host)."""
    try:
        return [json.loads(line) for line in (Path(out) / EXECUTIONS).read_text().splitlines() if line.strip()]
    except (OSError, ValueError):
        return []


@dataclass
class Run:
    """One cell's run as found on disk: its state, its metrics rows and its ``result.json`` (or None)."""

    cell: Cell
    state: str
    rows: list[dict]
    result: dict | None

    @property
    def finished(self) -> bool:
        return self.state in ("done", "diverged")

    def final(self, key: str) -> float:
        """The last epoch's value; a diverged run's loss is +inf (it did not reach the end), its accuracy 0."""
        if self.state == "diverged":
            return math.inf if "loss" in key else 0.0 if "acc" in key else math.nan
        return self.rows[-1][key] if self.rows else math.nan


def read_run(out: Path, cell: Cell) -> Run:
    """The run of ``cell`` in the study directory ``out``."""
    d = cell.path(Path(out))
    state, _ = cell_state(d, cell.config.get("epochs", 0))
    return Run(cell, state, read_rows(d), read_json(d / "result.json"))


def load_runs(out: Path, cells: list[Cell] | None = None) -> tuple[Study, list[Run]]:
    """(saved study, runs of its grid cells) or of the given cells."""
    study = load_saved_study(Path(out))
    return study, [read_run(Path(out), c) for c in (study.cells() if cells is None else cells)]


def finished_group(runs: list[Run], label: str, regime: str) -> list[Run]:
    """The finished runs of one optimizer under one regime (one per seed)."""
    return [r for r in runs if r.cell.label == label and r.cell.regime == regime and r.finished]
