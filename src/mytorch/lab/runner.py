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
from .results import EXECUTIONS, STUDY_FILE, load_saved_study
from .study import Cell, LabError, Study
from .tuning import plan

__all__ = ["EXECUTIONS", "STUDY_FILE", "load_saved_study", "prepare_dir", "run_study"]


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


def _line(result: dict, cell: Cell) -> str:
    final = result.get("final") or {}
    if cell.kind == "trial":  # its evaluation is on the validation split
        nan = float("nan")
        return (f"trial    {result['name']}: {result['epochs']} epochs, val loss {final.get('test_loss', nan):.4f}"
                f", val acc {final.get('test_acc', nan):.4f}" + (" (diverged)" if result.get("status") == "diverged"
                                                                   else ""))
    if result.get("status") == "diverged":
        return (f"diverged {result['name']}: non-finite loss after epoch {result['last_finite_epoch']} "
                f"({result.get('error', '')})")
    nan = float("nan")
    return (f"done     {result['name']}: {result['epochs']} epochs, train loss {final.get('train_loss', nan):.4f}"
            f", test acc {final.get('test_acc', nan):.4f}")


def _finished(out: Path, cell: Cell) -> str | None:
    state = cell_state(cell.path(out), cell.config["epochs"])[0]
    return state if state in ("done", "diverged") else None


def trained_epochs(out: Path, cell: Cell) -> int:
    """Epochs of the study's total this cell accounts for: what it trained itself (a halving rung's copied
    epochs are not counted twice); all of its epochs once it is finished (a diverged run trains no more)."""
    if _finished(out, cell) is not None:
        return cell.config["epochs"] - cell.start_epochs
    logged = epochs_logged(cell.path(out))
    return max(0, logged - cell.start_epochs) if logged else 0


def run_study(study: Study, out: str | Path, *, executor: str = "local", workers: int | None = None,
              scheduler: str | None = None, cluster: tuple[str, dict] | None = None, data_dir: str | None = None,
              download: bool = False, report: bool = True, log: Callable[[str], None] | None = None,
              tensorboard: bool | None = None, wandb: bool | None = None, quiet: bool = False) -> dict[str, int]:
    """Run every unfinished cell of ``study`` in ``out``; return counts per final state.

    Cells go to the executor in the plan's order (``tuning.plan``: trials, then the grid seed-major,
    then the tuned runs as their tuning finishes); each is one ``mytorch.train.recipe.run`` call.
    A cell that raises (other than diverging) is reported and counted as ``failed``; the others go on.
    A dataset or config error (``RecipeError``) stops the study: it would fail every cell alike.
    ``tensorboard`` / ``wandb`` (None: the study file's setting) log every run to those trackers;
    ``quiet`` prints only the first and last lines (and no progress bar).
    """
    out = Path(out)
    threads = study.data["threads"]
    if cluster is not None:
        executor = "dask"
    workers = plan_workers(executor, workers, threads, scheduler or (cluster and cluster[0]))
    prepare_dir(study, out)
    if tensorboard is None:
        tensorboard = bool(study.data.get("tensorboard"))
    if wandb is None:
        wandb = bool(study.data.get("wandb"))
    if wandb:
        try:
            import wandb as _  # noqa: F401 -- checked here: a worker would fail every run alike
        except ImportError:
            raise LabError("--wandb needs the wandb package (pip install wandb)") from None
    emit = log or print
    talk = (lambda _: None) if quiet else emit
    first = plan(study, out)
    finished = sum(_finished(out, c) is not None for c in first.cells)
    emit(f"study {study.data['name'] or out.name}: {len(first.cells) + first.undecided} runs ({finished} finished)"
         + (f" incl. {len(first.trials())}+ tuning trials" if study.tuning else "")
         + f", {study.epochs} epochs each, {threads} thread(s) per run, executor {executor}")
    counts = {"done": 0, "diverged": 0, "failed": 0}
    started = time.time()
    if finished < len(first.cells) or first.undecided:  # nothing to run: no executor (Dask takes seconds)
        _execute(study, out, counts, executor, workers, scheduler, cluster, data_dir, download, talk, quiet,
                 tensorboard, wandb)
    final = plan(study, out)
    for c in final.cells:
        state = _finished(out, c)
        if state is not None:
            counts[state] += 1
    counts["failed"] = len(final.cells) + final.undecided - counts["done"] - counts["diverged"]
    emit(f"{counts['done']} done, {counts['diverged']} diverged, {counts['failed']} failed "
         f"in {time.time() - started:.0f} s")
    if report:
        from .report import write_report

        path = write_report(out)
        emit(f"report: {path} (and {path.with_suffix('.md')})")
    return counts


def _execute(study: Study, out: Path, counts: dict[str, int], executor: str, workers: int | None,
             scheduler: str | None, cluster: tuple[str, dict] | None, data_dir: str | None, download: bool,
             emit: Callable[[str], None], quiet: bool, tensorboard: bool, wandb: bool) -> None:
    """Submit runnable cells (about as many as the executor runs at once), print a line per finished run,
    re-plan after each (a finished rung decides the next), keep the bar current."""
    from mytorch.train.recipe import RecipeError

    from .tracking import loggers_for

    threads = study.data["threads"]
    started = time.time()
    with open_executor(executor, workers, scheduler, cluster) as (pool, info):
        current = plan(study, out)
        record = {**{k: info[k] for k in ("executor", "workers") if k in info}, "threads": threads, "cores": cores(),
                  "host": platform.node(), "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
                  "cells": sum(_finished(out, c) is None for c in current.cells) + current.undecided}
        with open(out / EXECUTIONS, "a") as f:
            f.write(json.dumps(record) + "\n")
        slots = max(1, int(info.get("slots") or 1)) + 1  # one queued behind the running ones: no idle gap
        where = {k: info[k] for k in ("executor", "workers")}
        bar = None if quiet else _bar(current.total_epochs, sum(trained_epochs(out, c) for c in current.cells))
        write = bar.write if bar is not None else emit
        futures: dict = {}
        submitted: set[str] = set()
        failed: set[str] = set()
        try:
            while True:
                for cell in current.cells:
                    if len(futures) >= slots:
                        break
                    if cell.folder in submitted or _finished(out, cell) is not None:
                        continue
                    submitted.add(cell.folder)
                    source = str((out / cell.start_from).resolve()) if cell.start_from else None
                    futures[pool.submit(run_cell, cell.name, cell.config, str(cell.path(out).resolve()), data_dir,
                                        download, where, source, loggers_for(out, study, cell, tensorboard,
                                                                             wandb))] = cell
                if not futures:
                    break
                done, _ = wait(set(futures), timeout=1.0, return_when=FIRST_COMPLETED)
                for fut in done:
                    cell = futures.pop(fut)
                    try:
                        result = fut.result()
                    except RecipeError as e:
                        for p in futures:
                            p.cancel()
                        raise LabError(f"run {cell.name}: {e}") from None
                    except Exception as e:  # noqa: BLE001 -- one broken cell must not stop the others
                        failed.add(cell.folder)
                        write(f"failed   {cell.name}: {type(e).__name__}: {e}")
                        continue
                    write(_line(result, cell))
                if done:
                    current = plan(study, out)
                if bar is not None:
                    n_done = sum(_finished(out, c) is not None for c in current.cells)
                    bar.n = sum(trained_epochs(out, c) for c in current.cells)
                    bar.set_description(f"runs {n_done}/{len(current.cells) + current.undecided}")
                    bar.set_postfix_str(f"{len(futures)} running, {len(failed)} failed", refresh=False)
                    bar.refresh()
        finally:
            if bar is not None:
                bar.close()
        _record_wall_time(out, record, time.time() - started)


def _record_wall_time(out: Path, record: dict, seconds: float) -> None:
    """Complete this invocation's line of executions.jsonl with its wall time (a killed one keeps none)."""
    lines = (out / EXECUTIONS).read_text().splitlines()
    mine = json.dumps(record)
    for i in range(len(lines) - 1, -1, -1):
        if lines[i] == mine:
            lines[i] = json.dumps({**record, "wall_seconds": round(seconds, 1)})
            break
    atomic_write(out / EXECUTIONS, ("\n".join(lines) + "\n").encode())


def _bar(total_epochs: int, trained: int):
    """The study-level tqdm bar (epochs trained of all the study's epochs, ETA from this session's
    epoch rate); none when stderr is not a terminal."""
    if not sys.stderr.isatty():
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total_epochs, initial=trained, unit="epoch", desc="runs", dynamic_ncols=True, smoothing=0.05)
