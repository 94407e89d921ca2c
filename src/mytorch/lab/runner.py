"""Run a study: check the directory, submit the unfinished cells, show progress, write the report.

The study directory ``DIR`` holds ``study.json`` (the effective study: file plus command-line
overrides), ``runs/<optimizer>-<regime>-s<seed>/`` per cell, ``executions.jsonl`` (one line per
``run`` invocation: executor, workers, threads, cores, host) and ``report/``. Running again skips
finished cells and resumes interrupted ones; a different study on the same DIR is refused.
"""

from __future__ import annotations

import json
import platform
import sys
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, wait
from pathlib import Path

from ..serialization import atomic_write
from .cell import cell_state, epochs_logged, run_cell
from .executors import cores, open_executor, plan_workers
from .study import LabError, Study

STUDY_FILE = "study.json"
EXECUTIONS = "executions.jsonl"


def load_saved_study(out: Path) -> Study:
    data = None
    try:
        data = json.loads((out / STUDY_FILE).read_text())
    except FileNotFoundError:
        raise LabError(f"{out} is not a study directory (no {STUDY_FILE}; `mytorch lab run` makes one)") from None
    except (OSError, ValueError) as e:
        raise LabError(f"{out / STUDY_FILE}: unreadable ({e})") from None
    return Study(data)


def prepare_dir(study: Study, out: Path) -> None:
    """Create DIR with study.json, or check that DIR's saved study is this one."""
    if (out / STUDY_FILE).exists():
        diffs = load_saved_study(out).differences(study)
        if diffs:
            raise LabError(f"{out} holds a different study ({'; '.join(diffs)}); use another --out, or the "
                           "same study file and options")
        return
    if out.exists() and any(out.iterdir()):
        raise LabError(f"--out {out} exists and is not a study directory (no {STUDY_FILE}); choose another")
    try:
        (out / "runs").mkdir(parents=True, exist_ok=True)
        atomic_write(out / STUDY_FILE, (json.dumps(study.data, indent=2) + "\n").encode())
    except OSError as e:
        raise LabError(f"cannot write to --out {out}: {e.strerror or e}") from None


def _line(result: dict) -> str:
    final = result.get("final") or {}
    if result.get("status") == "diverged":
        return (f"diverged {result['name']}: non-finite loss after epoch {result['last_finite_epoch']} "
                f"({result.get('error', '')})")
    nan = float("nan")
    return (f"done     {result['name']}: {result['epochs']} epochs, train loss {final.get('train_loss', nan):.4f}"
            f", test acc {final.get('test_acc', nan):.4f}")


def run_study(study: Study, out: str | Path, *, executor: str = "local", workers: int | None = None,
              scheduler: str | None = None, data_dir: str | None = None, download: bool = False,
              report: bool = True, log: Callable[[str], None] | None = None) -> dict[str, int]:
    """Run every unfinished cell of ``study`` in ``out``; return counts per final state.

    Cells go to the executor in seed-major order; each is one ``mytorch.train.recipe.run`` call.
    A cell that raises (other than diverging) is reported and counted as ``failed``; the others go on.
    A dataset or config error (``RecipeError``) stops the study: it would fail every cell alike.
    """
    out = Path(out)
    threads = study.data["threads"]
    workers = plan_workers(executor, workers, threads, scheduler)  # refused before anything is written
    prepare_dir(study, out)
    cells = study.cells()
    todo = [c for c in cells if cell_state(out / "runs" / c.name, study.epochs)[0] not in ("done", "diverged")]
    counts = {"done": 0, "diverged": 0, "failed": 0}
    for c in cells:
        if c not in todo:
            counts[cell_state(out / "runs" / c.name, study.epochs)[0]] += 1
    emit = log or print
    emit(f"study {study.data['name'] or out.name}: {len(cells)} runs ({len(cells) - len(todo)} finished), "
         f"{study.epochs} epochs each, {threads} thread(s) per run, executor {executor}")
    started = time.time()
    if todo:  # nothing to run: no executor (a Dask cluster takes seconds to start)
        _execute(study, out, cells, todo, counts, executor, workers, scheduler, data_dir, download, emit)
    emit(f"{counts['done']} done, {counts['diverged']} diverged, {counts['failed']} failed "
         f"in {time.time() - started:.0f} s")
    if report:
        from .report import write_report

        path = write_report(out)
        emit(f"report: {path} (and {path.with_suffix('.md')})")
    return counts


def _execute(study: Study, out: Path, cells: list, todo: list, counts: dict[str, int], executor: str,
             workers: int | None, scheduler: str | None, data_dir: str | None, download: bool,
             emit: Callable[[str], None]) -> None:
    """Submit ``todo`` to the executor, print a line per finished run, keep the bar current."""
    from mytorch.train.recipe import RecipeError

    threads = study.data["threads"]
    started = time.time()
    with open_executor(executor, workers, scheduler) as (pool, info):
        record = {**info, "threads": threads, "cores": cores(), "host": platform.node(),
                  "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)), "cells": len(todo)}
        with open(out / EXECUTIONS, "a") as f:
            f.write(json.dumps(record) + "\n")
        futures = {pool.submit(run_cell, c.name, c.config, str((out / "runs" / c.name).resolve()), data_dir,
                               download, {k: info[k] for k in ("executor", "workers")}): c for c in todo}
        logged = sum(epochs_logged(out / "runs" / c.name) for c in cells)  # the ETA counts this session's epochs
        bar = _bar(len(cells) * study.epochs, logged, len(cells) - len(todo), len(cells))
        write = bar.write if bar is not None else emit
        pending = set(futures)
        try:
            while pending:
                finished, pending = wait(pending, timeout=1.0, return_when=FIRST_COMPLETED)
                for fut in finished:
                    cell = futures[fut]
                    try:
                        result = fut.result()
                    except RecipeError as e:
                        for p in pending:
                            p.cancel()
                        raise LabError(f"run {cell.name}: {e}") from None
                    except Exception as e:  # noqa: BLE001 -- one broken cell must not stop the others
                        counts["failed"] += 1
                        write(f"failed   {cell.name}: {type(e).__name__}: {e}")
                        continue
                    counts[result["status"]] += 1
                    write(_line(result))
                if bar is not None:
                    bar.n = sum(epochs_logged(out / "runs" / c.name) for c in cells)
                    bar.set_description(f"runs {counts['done'] + counts['diverged'] + counts['failed']}/{len(cells)}")
                    bar.refresh()
        finally:
            if bar is not None:
                bar.close()


def _bar(total_epochs: int, logged: int, finished_runs: int, runs: int):
    """The study-level tqdm bar (epochs done of all runs, ETA); none when stderr is not a terminal."""
    if not sys.stderr.isatty():
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total_epochs, initial=logged, unit="epoch", desc=f"runs {finished_runs}/{runs}",
                dynamic_ncols=True)
