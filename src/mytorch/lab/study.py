"""The study file: a grid of training runs, optimizers x regimes x seeds, written in TOML.

    name = "seed-003"
    dataset = "fashion-mnist"
    epochs = 200
    batch_size = 128
    seeds = [0, 1, 2]
    [model]
    name = "mlp"                      # or a CNN: "lenet5", "resnet20" (images stay (N, C, H, W))
    hidden = [1000, 1000]             # the MLPs only; `augment = true`: random crop + flip (CNNs)
    [optimizers.adam]                 # the table key is the label used in run names and plots
    optimizer = "adam"                # defaults to the label
    lr = 1e-3
    [regimes.l2]                      # each regime is a set of RunConfig overrides
    weight_decay = 1e-5

A cell's RunConfig is: the study's top-level keys and model, then the optimizer's entry, then the
regime's overrides (the regime wins: it is the manipulation under study). Every key is checked
here for its type; values are then checked by ``RunConfig`` itself (registries, ranges), and any
error names the file and the key.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import LabError
from .tables import parse_cluster, parse_search, parse_tuning

__all__ = ["Cell", "LabError", "Study", "load_study", "parse_study"]

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the lab's study files need 3.11's tomllib
    tomllib = None


_LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+]*(-[A-Za-z0-9_.+]+)*$")


def _int(min_value: int):
    def check(v: Any) -> int:
        if isinstance(v, bool) or not isinstance(v, int) or v < min_value:
            raise ValueError(f"must be an integer >= {min_value}")
        return v
    return check


def _float(v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0:
        raise ValueError("must be a finite number >= 0")
    return float(v)


def _str(v: Any) -> str:
    if not isinstance(v, str) or not v:
        raise ValueError("must be a non-empty string")
    return v


def _text(v: Any) -> str:
    if not isinstance(v, str):
        raise ValueError("must be a string")
    return v


def _int_list(v: Any) -> list[int]:
    if not isinstance(v, list) or not v or any(isinstance(x, bool) or not isinstance(x, int) or x <= 0 for x in v):
        raise ValueError("must be a non-empty list of positive integers")
    return list(v)


def _seeds(v: Any) -> list[int]:
    if not isinstance(v, list) or not v or any(isinstance(x, bool) or not isinstance(x, int) or x < 0 for x in v):
        raise ValueError("must be a non-empty list of integers >= 0")
    if len(set(v)) != len(v):
        raise ValueError("must not repeat a seed")
    return list(v)


def _dropout(v: Any) -> float:
    v = _float(v)
    if v >= 1:
        raise ValueError("must be in [0, 1)")
    return v


def _table(v: Any) -> dict:
    if not isinstance(v, dict):
        raise ValueError("must be a table")
    return v


def _bool(v: Any) -> bool:
    if not isinstance(v, bool):
        raise ValueError("must be true or false")
    return v


TOP_KEYS = {"name": _text, "description": _text, "dataset": _str, "epochs": _int(1), "batch_size": _int(1),
            "seeds": _seeds, "threads": _int(1), "subset": _int(1), "scheduler": _str,
            "tensorboard": _bool, "wandb": _bool}
MODEL_KEYS = {"name": _str, "hidden": _int_list, "augment": _bool}
OPTIMIZER_KEYS = {"optimizer": _str, "lr": _float, "momentum": _float, "weight_decay": _float, "eps": _float,
                  "search": lambda v: _table(v)}
REGIME_KEYS = {"weight_decay": _float, "dropout_input": _dropout, "dropout_hidden": _dropout,
               "dropout_output": _dropout, "lr": _float, "momentum": _float, "scheduler": _str,
               "batch_size": _int(1)}
# Keys that do not change what is trained: a re-run may change them without being refused.
COSMETIC_KEYS = ("name", "description", "tensorboard", "wandb", "cluster")


def _check_table(table: Any, schema: dict, where: str, source: str) -> dict:
    if not isinstance(table, dict):
        raise LabError(f"{source}: {where or 'the file'} must be a table")
    out = {}
    for key, value in table.items():
        path = f"{where}.{key}" if where else key
        if key not in schema:
            raise LabError(f"{source}: unknown key {path!r} (allowed: {', '.join(schema)})")
        try:
            out[key] = schema[key](value)
        except ValueError as e:
            raise LabError(f"{source}: {path} {e}, got {value!r}") from None
    return out


@dataclass(frozen=True)
class Cell:
    """One run of ``label`` under ``regime`` with ``seed``: a grid cell, a tuning trial or a tuned final run.

    ``kind`` is ``grid`` (the study's values as set, in ``runs/<label>-<regime>-s<seed>/``), ``tuned``
    (the values tuning chose, in ``runs/<label>-<regime>-s<seed>-tuned/``) or ``trial`` (trial
    ``trial`` of the search, trained for ``config['epochs']`` epochs on the training set minus the
    validation split, in ``trials/<label>-<regime>-t<trial>-e<epochs>/``). A successive-halving trial
    continues from the directory ``start_from`` (relative to the study directory) of its previous rung.
    """

    label: str
    regime: str
    seed: int
    config: dict
    kind: str = "grid"
    trial: int | None = None
    start_from: str | None = None
    start_epochs: int = 0  # the epochs ``start_from`` holds (not trained again here)

    @property
    def name(self) -> str:
        """The run's directory name: ``<optimizer>-<regime>-s<seed>`` (``-tuned`` appended for a tuned run),
        ``<optimizer>-<regime>-t<trial>-e<epochs>`` for a trial."""
        if self.kind == "trial":
            return f"{self.label}-{self.regime}-t{self.trial:02d}-e{self.config['epochs']}"
        return f"{self.label}-{self.regime}-s{self.seed}" + ("-tuned" if self.kind == "tuned" else "")

    @property
    def folder(self) -> str:
        """The cell's directory relative to the study directory."""
        return f"{'trials' if self.kind == 'trial' else 'runs'}/{self.name}"

    def path(self, out: Path) -> Path:
        """The cell's directory in the study directory ``out``."""
        return Path(out) / self.folder


@dataclass(frozen=True)
class Study:
    """A validated study: ``data`` is the canonical dict (every default filled in) saved as study.json."""

    data: dict

    @property
    def optimizers(self) -> dict[str, dict]:
        """The optimizer entries by label, each with its settings."""
        return self.data["optimizers"]

    @property
    def regimes(self) -> dict[str, dict]:
        """The regimes by name, each a dict of RunConfig overrides."""
        return self.data["regimes"]

    @property
    def seeds(self) -> list[int]:
        """The seeds every cell runs with."""
        return self.data["seeds"]

    @property
    def epochs(self) -> int:
        """The number of epochs of every run."""
        return self.data["epochs"]

    @property
    def tuning(self) -> dict | None:
        """The ``[tuning]`` table with its defaults, or None when the study tunes nothing."""
        return self.data.get("tuning")

    def cells(self) -> list[Cell]:
        """Seed-major order (the first seed of every cell finishes first: an early full picture), and
        within a seed an optimizer's regimes side by side, so that the runs a time ratio compares
        run at the same time, under the same machine load."""
        return [Cell(label, regime, seed, self.run_config(label, regime, seed))
                for seed in self.seeds for label in self.optimizers for regime in self.regimes]

    def run_config(self, label: str, regime: str, seed: int) -> dict:
        """The RunConfig keyword arguments of one cell (study < optimizer entry < regime)."""
        d = self.data
        config: dict[str, Any] = {
            "model": d["model"]["name"], "hidden": tuple(d["model"]["hidden"]) if d["model"]["hidden"] else None,
            "dataset": d["dataset"], "batch_size": d["batch_size"], "epochs": d["epochs"],
            "scheduler": d["scheduler"], "seed": seed, "threads": d["threads"], "subset": d["subset"],
        }
        if d["model"].get("augment"):
            config["augment"] = True
        config.update({k: v for k, v in self.optimizers[label].items() if v is not None})
        config.update(self.regimes[regime])
        return config

    def with_overrides(self, *, epochs: int | None = None, seeds: int | None = None, subset: int | None = None,
                       dataset: str | None = None, trials: int | None = None) -> Study:
        """The study with the command line's --epochs / --seeds K (seeds 0..K-1) / --subset / --dataset /
        --trials N (trials per optimizer and regime; the study must have a [tuning] table)."""
        data = {**self.data}
        if trials is not None:
            if not data.get("tuning"):
                raise LabError("--trials applies to a study with a [tuning] table (this one tunes nothing)")
            data["tuning"] = {**data["tuning"], "trials": trials}
        if epochs is not None:
            data["epochs"] = epochs
        if seeds is not None:
            data["seeds"] = list(range(seeds))
        if subset is not None:
            data["subset"] = subset
        if dataset is not None:
            data["dataset"] = dataset
        return Study(data)

    def validate(self, source: str = "study") -> Study:
        """Build every cell's RunConfig once, so bad values fail now with the key named, not in a worker."""
        from mytorch.train.recipe import RecipeError, RunConfig

        for regime in self.regimes:
            for label in self.optimizers:
                try:
                    RunConfig(**self.run_config(label, regime, self.seeds[0]))
                except (RecipeError, TypeError, ValueError) as e:
                    raise LabError(f"{source}: optimizers.{label} under regimes.{regime}: {e}") from None
        if self.tuning:
            self._validate_tuning(source)
        return self

    def _validate_tuning(self, source: str) -> None:
        """Refuse now what would fail in a worker: a searched key an optimizer does not take (tried at the
        low end of each range, the first choice), a grid whose choices alone exceed the trials."""
        from mytorch.train.recipe import RecipeError, RunConfig

        for label, space in self.data.get("search", {}).items():
            if self.tuning["method"] == "grid":
                points = math.prod(len(spec["choice"]) for spec in space.values() if "choice" in spec)
                if points > self.tuning["trials"]:
                    raise LabError(f"{source}: optimizers.{label}.search: grid search: the choices alone give "
                                   f"{points} points, more than trials = {self.tuning['trials']}")
            values = {k: next(iter(spec.values()))[0] for k, spec in space.items()}
            for regime in self.regimes:
                config = {**self.run_config(label, regime, self.seeds[0]), **values,
                          "validation": self.tuning["validation"]}
                try:
                    RunConfig(**config)
                except (RecipeError, TypeError, ValueError) as e:
                    raise LabError(f"{source}: optimizers.{label}.search under regimes.{regime}: {e}") from None

    def differences(self, other: Study) -> list[str]:
        """Dotted keys whose values differ (cosmetic keys ignored), each as 'key: saved X, now Y'."""
        out: list[str] = []

        def walk(a: Any, b: Any, path: str) -> None:
            if isinstance(a, dict) and isinstance(b, dict):
                for k in list(a) + [k for k in b if k not in a]:
                    if not path and k in COSMETIC_KEYS:
                        continue
                    walk(a.get(k), b.get(k), f"{path}.{k}" if path else k)
            elif a != b:
                out.append(f"{path}: saved {a!r}, now {b!r}")

        walk(self.data, other.data, "")
        return out


def parse_study(text: str, source: str = "study") -> Study:
    """Parse and type-check a study file's text (values are checked against the recipe by ``validate``)."""
    if tomllib is None:
        raise LabError("study files need Python >= 3.11 (tomllib)")
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise LabError(f"{source}: not valid TOML: {e}") from None
    sections = {"model", "optimizers", "regimes", "tuning", "cluster"}
    top = _check_table({k: v for k, v in raw.items() if k not in sections}, TOP_KEYS, "", source)
    for key in ("optimizers", "regimes"):
        if key not in raw or not isinstance(raw[key], dict) or not raw[key]:
            raise LabError(f"{source}: [{key}] must name at least one entry ([{key}.NAME] tables)")
    model = _check_table(raw.get("model", {}), MODEL_KEYS, "model", source)

    def entries(section: str, schema: dict) -> dict:
        out = {}
        for label, table in raw[section].items():
            if not _LABEL.match(label):
                raise LabError(f"{source}: {section}.{label!r}: names are letters, digits and _ . + - "
                               "(they become directory names)")
            out[label] = _check_table(table, schema, f"{section}.{label}", source)
        return out

    checked = entries("optimizers", OPTIMIZER_KEYS)
    optimizers = {label: {"optimizer": e.get("optimizer", label), "lr": e.get("lr"), "momentum": e.get("momentum"),
                          "weight_decay": e.get("weight_decay"), "eps": e.get("eps")}
                  for label, e in checked.items()}
    data = {
        "name": top.get("name", ""), "description": top.get("description", ""),
        "dataset": top.get("dataset", "fashion-mnist"), "epochs": top.get("epochs", 10),
        "batch_size": top.get("batch_size", 128), "seeds": top.get("seeds", [0]), "threads": top.get("threads", 1),
        "subset": top.get("subset"), "scheduler": top.get("scheduler", "none"),
        "model": {"name": model.get("name", "mlp"), "hidden": model.get("hidden"),
                  **({"augment": True} if model.get("augment") else {})},  # CIFAR augmentation (CNNs)
        "optimizers": optimizers, "regimes": entries("regimes", REGIME_KEYS),
    }
    data.update(_extensions(raw, top, checked, data, source))
    return Study(data)


def _extensions(raw: dict, top: dict, optimizers: dict, data: dict, source: str) -> dict:
    """The optional parts of a study file: tuning and search spaces, loggers, the job-queue cluster.

    Only present keys are added, so a study directory saved before these existed compares equal.
    """
    extra: dict[str, Any] = {k: top[k] for k in ("tensorboard", "wandb") if k in top}
    search = {label: parse_search(e["search"], f"optimizers.{label}.search", source)
              for label, e in optimizers.items() if "search" in e}
    if "tuning" in raw:
        extra["tuning"] = parse_tuning(raw["tuning"], source)
        extra["search"] = search
        for label, space in search.items():
            for regime, overrides in data["regimes"].items():
                both = sorted(set(space) & set(overrides))
                if both:
                    raise LabError(f"{source}: optimizers.{label}.search tunes {', '.join(both)}, which "
                                   f"regimes.{regime} sets (the regime is the manipulation under study)")
    elif search:
        raise LabError(f"{source}: optimizers.{next(iter(search))}.search needs a [tuning] table "
                       "(trials, method, validation)")
    if "cluster" in raw:
        extra["cluster"] = parse_cluster(raw["cluster"], source)
    return extra


def load_study(path_or_preset: str) -> tuple[Study, str]:
    """A study from a file path or a preset name; returns (study, its TOML text)."""
    from .presets import PRESETS

    path = Path(path_or_preset)
    if path.is_file():
        try:
            text = path.read_text()
        except (OSError, UnicodeDecodeError) as e:
            raise LabError(f"cannot read study file {path}: {e}") from None
        return parse_study(text, str(path)).validate(str(path)), text
    if path_or_preset in PRESETS:
        text = PRESETS[path_or_preset].text
        return parse_study(text, f"preset {path_or_preset}").validate(f"preset {path_or_preset}"), text
    raise LabError(f"{path_or_preset}: no such study file, and not a preset (presets: {', '.join(PRESETS)})")
