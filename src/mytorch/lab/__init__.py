"""Optimizer studies: a study file (optimizers x regimes x seeds) -> a grid of training runs -> a report.

Not imported by ``import mytorch``; Dask and SciPy (the ``lab`` extra) load only when used.

    from mytorch.lab import load_study, run_study
    study, _ = load_study("seed-003")
    run_study(study.with_overrides(epochs=2, seeds=1, subset=2000).validate(), "runs/lab")
"""

from __future__ import annotations

from .presets import PRESETS
from .runner import run_study
from .study import Cell, LabError, Study, load_study, parse_study
