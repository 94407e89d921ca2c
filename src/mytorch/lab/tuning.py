"""Tuning with an equal budget: every optimizer x regime gets the same number of trials, chosen on validation.

A study tunes when it has a ``[tuning]`` table; each optimizer may give a search space::

    [tuning]
    trials = 12            # configurations per optimizer and regime (--trials N overrides it)
    method = "halving"     # "random" | "grid" | "halving" (successive halving on random draws)
    eta = 3                # halving: keep the best 1/eta of a rung, train them eta times longer
    min_epochs = 1         # halving: the first rung's epochs
    epochs = 9             # a trial's (last rung's) epochs; default and cap: the study's epochs
    validation = 0.1       # the fraction of the training set held out to choose on
    metric = "val_loss"    # or "val_acc"
    seed = 0               # the search's draws (the trials train with the study's first seed)
    as_set = true          # also run the grid at the values as set, for the comparison
    [optimizers.adam.search]
    lr = { log_uniform = [1e-5, 1e-1] }
    momentum = { choice = [0.0, 0.9] }      # also: uniform = [a, b]; keys lr, momentum, eps, weight_decay

The trials are ordinary cells (``trials/<optimizer>-<regime>-t<i>-e<epochs>/``) that train on the
training set minus the validation split and evaluate on that split (the test set is never loaded).
The best trial of each optimizer x regime -- among those trained longest, by ``metric``, ties to
the lower trial number -- gives the values of the final runs ``runs/<optimizer>-<regime>-s<seed>-tuned/``,
which train on the whole training set over the study's seeds and are tested like the grid's runs.

Determinism: the candidates are drawn before anything runs, from ``numpy.random.RandomState``
seeded with a CRC-32 of (tuning seed, optimizer label) -- a stream NumPy keeps fixed across
versions (NEP 19) -- so one optimizer sees the same candidates under every regime, and ``--trials``
N gives a prefix of a larger budget's trials. Every later decision (which trials a halving rung
keeps, which trial is chosen) is a function of finished runs' metrics, which are bit-identical on
every executor and worker count, and is recomputed from disk on every ``run`` and ``status``: a
killed and re-run study reaches the same choices. Optuna's samplers are not used: its model-based
samplers choose each trial from the results that finished before it, which on a parallel
executor depends on timing, and its random and grid samplers add nothing to these few lines.
"""

from __future__ import annotations

import itertools
import math
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import LabError
from .results import read_run
from .study import Cell, Study
from .tables import DEFAULTS, METHODS, METRICS, SPACE_KEYS, parse_search, parse_tuning

# The tables' schemas live in tables.py (study.py parses with them); re-exported here.
__all__ = ["DEFAULTS", "METHODS", "METRICS", "SPACE_KEYS", "Group", "Plan", "candidates", "grid_points", "metric_of",
           "parse_search", "parse_tuning", "plan", "rungs", "trial_config", "trial_epochs"]


# ---------------------------------------------------------------------- the candidates
def _round(v: float) -> float:
    """Four significant digits: trial values a reader can copy, and the same on every machine."""
    return float(f"{v:.4g}")


def _seed(study: Study, label: str) -> int:
    return zlib.crc32(f"{study.tuning['seed']}:{label}".encode())


def _draw(rs: Any, spec: dict) -> float:
    (kind, values), = spec.items()
    if kind == "choice":
        return values[int(rs.randint(len(values)))]
    u = float(rs.random_sample())
    if kind == "uniform":
        return _round(values[0] + u * (values[1] - values[0]))
    lo, hi = math.log(values[0]), math.log(values[1])
    return _round(math.exp(lo + u * (hi - lo)))


def _axis(spec: dict, k: int) -> list[float]:
    (kind, values), = spec.items()
    if kind == "choice":
        return list(values)
    if k == 1:
        return [_round(math.sqrt(values[0] * values[1]) if kind == "log_uniform" else (values[0] + values[1]) / 2)]
    if kind == "uniform":
        return [_round(values[0] + i * (values[1] - values[0]) / (k - 1)) for i in range(k)]
    lo, hi = math.log(values[0]), math.log(values[1])
    return [_round(math.exp(lo + i * (hi - lo) / (k - 1))) for i in range(k)]


def grid_points(space: dict, trials: int) -> list[dict]:
    """The grid: every choice, and ``k`` points per range (log-spaced for log_uniform), the largest k
    whose grid has at most ``trials`` points; a ``LabError`` when the choices alone exceed it."""
    keys = sorted(space)
    choices = math.prod(len(space[k]["choice"]) for k in keys if "choice" in space[k])
    ranges = sum("choice" not in space[k] for k in keys)
    if choices > trials:
        raise LabError(f"grid search: the choices alone give {choices} points, more than trials = {trials}")
    per_range = 1
    if ranges:
        while choices * (per_range + 1) ** ranges <= trials:
            per_range += 1
    axes = [_axis(space[k], per_range) for k in keys]
    return [dict(zip(keys, combo)) for combo in itertools.product(*axes)]


def candidates(study: Study, label: str) -> list[dict]:
    """The values of trial 0, 1, ... of optimizer ``label`` (the same under every regime)."""
    import numpy as np

    tuning, space = study.tuning, study.data.get("search", {}).get(label, {})
    if not space:
        return [{}]  # nothing to search: one trial at the values as set
    if tuning["method"] == "grid":
        return grid_points(space, tuning["trials"])
    rs = np.random.RandomState(_seed(study, label))
    return [{k: _draw(rs, space[k]) for k in sorted(space)} for _ in range(tuning["trials"])]


def trial_epochs(study: Study) -> int:
    """A trial's epochs (the last rung's for halving): [tuning] epochs, at most the study's epochs."""
    return min(study.tuning["epochs"] or study.epochs, study.epochs)


def rungs(study: Study, n_trials: int) -> list[tuple[int, int]]:
    """(trials, epochs) per rung: one rung for random and grid; for halving, the best n // eta of
    each rung train eta times as many epochs, while that stays within ``trial_epochs``."""
    tuning, top = study.tuning, trial_epochs(study)
    if tuning["method"] != "halving":
        return [(n_trials, top)]
    n, e = n_trials, min(tuning["min_epochs"], top)
    out = [(n, e)]
    while n > 1 and e * tuning["eta"] <= top:
        n, e = max(1, n // tuning["eta"]), e * tuning["eta"]
        out.append((n, e))
    return out


def trial_config(study: Study, label: str, regime: str, values: dict, epochs: int) -> dict:
    """A trial's RunConfig keywords: the cell's, the trial's values, its epochs and the validation split."""
    config = study.run_config(label, regime, study.seeds[0])
    return {**config, **values, "epochs": epochs, "validation": study.tuning["validation"]}


# ---------------------------------------------------------------------- the plan, from what is on disk
@dataclass
class Group:
    """The tuning of one optimizer x regime: trial cells per rung, and the choice once the last rung is done."""

    label: str
    regime: str
    values: list[dict]
    rungs: list[tuple[int, int]]
    cells: list[list[Cell]] = field(default_factory=list)  # per rung reached so far
    chosen: Cell | None = None


@dataclass
class Plan:
    """The cells a study runs, as far as finished runs decide them, in the order to submit them."""

    cells: list[Cell]
    groups: list[Group]
    total_epochs: int  # every epoch the whole study will train, including the cells not decided yet
    undecided: int  # cells not known yet (later halving rungs, tuned runs)

    def trials(self) -> list[Cell]:
        return [c for g in self.groups for rung in g.cells for c in rung]


def metric_of(out: Path, cell: Cell, metric: str) -> float:
    """A finished trial's metric for ranking (diverged: the worst); nan while it is not finished."""
    column, lower = METRICS[metric]
    run = read_run(out, cell)
    if not run.finished:
        return math.nan
    value = run.final(column)
    if not math.isfinite(value):
        return math.inf if lower else -math.inf
    return value


def _rank(out: Path, cells: list[Cell], metric: str) -> list[Cell] | None:
    """The cells best first (ties: lower trial number), or None while one is not finished."""
    lower = METRICS[metric][1]
    scored = []
    for c in cells:
        v = metric_of(out, c, metric)
        if math.isnan(v):
            return None
        scored.append((v if lower else -v, c.trial, c))
    return [c for _, _, c in sorted(scored, key=lambda t: (t[0], t[1]))]


def plan(study: Study, out: Path) -> Plan:
    """Every cell known now: trials (rung by rung), the grid as set, the tuned runs of decided groups."""
    if not study.tuning:
        cells = study.cells()
        return Plan(cells, [], len(cells) * study.epochs, 0)
    out = Path(out)
    metric = study.tuning["metric"]
    continuing = study.data["scheduler"] == "none"  # a schedule depends on the epochs: train afresh
    grid = study.cells() if study.tuning["as_set"] else []
    total = len(grid) * study.epochs
    groups, tuned, undecided = [], [], 0
    for label in study.optimizers:
        values = candidates(study, label)
        for regime in study.regimes:
            g = Group(label, regime, values, rungs(study, len(values)))
            total += sum(n * (e - pe if continuing else e)
                         for (n, e), pe in zip(g.rungs, [0] + [e for _, e in g.rungs[:-1]]))
            previous: list[Cell] | None = None
            prev_epochs, decided = 0, True
            for r, (n, epochs) in enumerate(g.rungs):
                if r == 0:
                    picked, sources = list(range(n)), [None] * n
                else:
                    ranked = _rank(out, previous, metric)
                    if ranked is None:  # the previous rung is not finished: the later ones are not decided
                        undecided += sum(m for m, _ in g.rungs[r:])
                        decided = False
                        break
                    # A diverged trial is not promoted; when every one diverged, tuning stops at that rung.
                    best = sorted([c for c in ranked[:n] if math.isfinite(metric_of(out, c, metric))],
                                  key=lambda c: c.trial)
                    if not best:
                        break
                    picked = [c.trial for c in best]
                    sources = [c.folder if continuing else None for c in best]
                rung = [Cell(label, regime, study.seeds[0], trial_config(study, label, regime, values[i], epochs),
                             kind="trial", trial=i, start_from=src, start_epochs=prev_epochs if src else 0)
                        for i, src in zip(picked, sources)]
                g.cells.append(rung)
                previous, prev_epochs = rung, epochs
            total += len(study.seeds) * study.epochs
            ranked = _rank(out, previous, metric) if decided else None
            if ranked is None:
                undecided += len(study.seeds)
            else:
                g.chosen = ranked[0]
                tuned += [Cell(label, regime, seed, {**study.run_config(label, regime, seed), **values[g.chosen.trial]},
                               kind="tuned", trial=g.chosen.trial) for seed in study.seeds]
            groups.append(g)
    trials = [c for g in groups for rung in g.cells for c in rung]
    tuned.sort(key=lambda c: study.seeds.index(c.seed))  # seed-major, as the grid (stable within a seed)
    return Plan(trials + grid + tuned, groups, total, undecided)
