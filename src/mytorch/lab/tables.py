"""The optional tables of a study file, type-checked: ``[tuning]``, each optimizer's ``search``, ``[cluster]``.

What they mean is ``tuning.py``'s and ``cluster.py``'s docstrings'; here is only their schema, so that
``study.py`` can check a whole file without importing what runs it.
"""

from __future__ import annotations

import math
from typing import Any

from .errors import LabError

SPACE_KEYS = ("lr", "momentum", "eps", "weight_decay")
METHODS = ("random", "grid", "halving")
# metric -> (the run's evaluation column, lower is better); a trial evaluates on the validation split.
METRICS = {"val_loss": ("test_loss", True), "val_acc": ("test_acc", False)}
DEFAULTS = {"trials": 8, "method": "random", "eta": 3, "min_epochs": 1, "epochs": None, "validation": 0.1,
            "metric": "val_loss", "seed": 0, "as_set": True}


# ---------------------------------------------------------------------- the study file's tables
def _count(minimum: int):
    def check(v: Any) -> int:
        if isinstance(v, bool) or not isinstance(v, int) or v < minimum:
            raise ValueError(f"must be an integer >= {minimum}")
        return v
    return check


def _one_of(options: tuple[str, ...]):
    def check(v: Any) -> str:
        if v not in options:
            raise ValueError(f"must be one of {', '.join(options)}")
        return v
    return check


def _fraction(v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 < v < 1:
        raise ValueError("must be a fraction in (0, 1)")
    return float(v)


def _flag(v: Any) -> bool:
    if not isinstance(v, bool):
        raise ValueError("must be true or false")
    return v


_TUNING_SCHEMA = {"trials": _count(1), "method": _one_of(METHODS), "eta": _count(2), "min_epochs": _count(1),
                  "epochs": _count(1), "validation": _fraction, "metric": _one_of(tuple(METRICS)),
                  "seed": _count(0), "as_set": _flag}


def parse_tuning(table: Any, source: str) -> dict:
    """The ``[tuning]`` table, type-checked, with every default filled in."""
    if not isinstance(table, dict):
        raise LabError(f"{source}: tuning must be a table ([tuning])")
    out = dict(DEFAULTS)
    for key, value in table.items():
        if key not in _TUNING_SCHEMA:
            raise LabError(f"{source}: unknown key 'tuning.{key}' (allowed: {', '.join(_TUNING_SCHEMA)})")
        try:
            out[key] = _TUNING_SCHEMA[key](value)
        except ValueError as e:
            raise LabError(f"{source}: tuning.{key} {e}, got {value!r}") from None
    return out


def _number(v: Any) -> bool:
    return not isinstance(v, bool) and isinstance(v, (int, float)) and math.isfinite(v) and v >= 0


def parse_search(table: Any, where: str, source: str) -> dict:
    """A search space: ``{key: {"log_uniform" | "uniform": [a, b]} | {"choice": [v, ...]}}``, checked."""
    if not isinstance(table, dict) or not table:
        raise LabError(f"{source}: {where} must be a table naming at least one of {', '.join(SPACE_KEYS)}")
    out = {}
    for key, spec in table.items():
        path = f"{where}.{key}"
        if key not in SPACE_KEYS:
            raise LabError(f"{source}: unknown key {path!r} (searchable: {', '.join(SPACE_KEYS)})")
        if not isinstance(spec, dict) or len(spec) != 1:
            raise LabError(f"{source}: {path} must be one of {{ log_uniform = [a, b] }}, {{ uniform = [a, b] }}, "
                           f"{{ choice = [v, ...] }}; got {spec!r}")
        (kind, values), = spec.items()
        if kind in ("log_uniform", "uniform"):
            ok = isinstance(values, list) and len(values) == 2 and all(_number(v) for v in values) \
                and values[0] < values[1] and (kind == "uniform" or values[0] > 0)
            if not ok:
                low = "0 < a < b" if kind == "log_uniform" else "0 <= a < b"
                raise LabError(f"{source}: {path}.{kind} must be [a, b] with {low}; got {values!r}")
        elif kind == "choice":
            if not isinstance(values, list) or not values or not all(_number(v) for v in values):
                raise LabError(f"{source}: {path}.choice must be a non-empty list of finite numbers >= 0; "
                               f"got {values!r}")
        else:
            raise LabError(f"{source}: {path}: unknown distribution {kind!r} (log_uniform, uniform, choice)")
        out[key] = {kind: [float(v) for v in values]}
    return out


# ---------------------------------------------------------------------- [cluster]
def _positive(v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or v < 1:
        raise ValueError("must be a positive integer")
    return v


def _string(v: Any) -> str:
    if not isinstance(v, str) or not v:
        raise ValueError("must be a non-empty string")
    return v


def _strings(v: Any) -> list[str]:
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise ValueError("must be a list of strings")
    return list(v)


SCHEMA = {"queue": _string, "account": _string, "cores": _positive, "memory": _string, "walltime": _string,
          "processes": _positive, "jobs": _positive, "job_extra_directives": _strings, "local_directory": _string,
          "interface": _string, "job_script_prologue": _strings, "python": _string}


def parse_cluster(table: Any, source: str) -> dict:
    """The ``[cluster]`` table, type-checked (missing keys: dask-jobqueue's or this module's defaults)."""
    if not isinstance(table, dict):
        raise LabError(f"{source}: cluster must be a table ([cluster])")
    out = {}
    for key, value in table.items():
        if key not in SCHEMA:
            raise LabError(f"{source}: unknown key 'cluster.{key}' (allowed: {', '.join(SCHEMA)})")
        try:
            out[key] = SCHEMA[key](value)
        except ValueError as e:
            raise LabError(f"{source}: cluster.{key} {e}, got {value!r}") from None
    return out
