"""Training checkpoints: model, optimizer and scheduler state, RNG state, epoch and metrics.

One safetensors file per checkpoint (no pickle anywhere): tensors under ``model/<key>`` and
``optimizer/<param index>/<name>``; everything else (epoch, metrics history, the run's config,
optimizer hyper-parameters, scheduler state, the generator state) as JSON in the file's
metadata under the key ``mytorch``. Files are written atomically (temporary file, fsync,
rename), so an interrupted write leaves the previous checkpoint loadable.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

from .._backend import xp
from .._tensor import Tensor
from ..random import get_rng_state, set_rng_state
from ..serialization import load_arrays, save

FORMAT = "mytorch-checkpoint/1"


@dataclass
class Checkpoint:
    """The contents of a checkpoint file."""

    epoch: int
    model: dict[str, Any]
    optimizer: dict | None = None
    scheduler: dict | None = None
    rng: dict | None = None
    history: list[dict] = field(default_factory=list)
    config: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)


def _is_array(value: Any) -> bool:
    return isinstance(value, (Tensor, xp.ndarray))


def _json_ready(value: Any, where: str) -> Any:
    """Tuples become lists; anything JSON cannot hold is refused with its location."""
    if isinstance(value, dict):
        return {str(k): _json_ready(v, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_ready(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, xp.generic):
        return value.item()
    raise TypeError(f"checkpoint: {where} holds a {type(value).__name__}, which cannot be stored as JSON")


def save_checkpoint(
    path: str | os.PathLike,
    model: Any,
    optimizer: Any = None,
    scheduler: Any = None,
    *,
    epoch: int,
    history: list[dict] | None = None,
    config: dict | None = None,
    extra: dict | None = None,
    rng: bool = True,
) -> None:
    """Write a checkpoint of the training state after ``epoch`` epochs (atomically)."""
    tensors: dict[str, Any] = {f"model/{k}": v for k, v in model.state_dict().items()}
    meta: dict[str, Any] = {"format": FORMAT, "epoch": epoch, "history": history or [], "config": config or {},
                            "extra": extra or {}}
    if optimizer is not None:
        sd = optimizer.state_dict()
        scalars: dict[str, dict[str, Any]] = {}
        for index, state in sd["state"].items():
            for name, value in state.items():
                if _is_array(value):
                    tensors[f"optimizer/{index}/{name}"] = value
                else:
                    scalars.setdefault(str(index), {})[name] = _json_ready(value, f"optimizer.state[{index}].{name}")
        meta["optimizer"] = {"param_groups": _json_ready(sd["param_groups"], "optimizer.param_groups"),
                             "scalars": scalars}
    if scheduler is not None:
        meta["scheduler"] = _json_ready(scheduler.state_dict(), "scheduler")
    if rng:
        meta["rng"] = get_rng_state()
    save(tensors, path, metadata={"mytorch": json.dumps(meta)})


def load_checkpoint(path: str | os.PathLike) -> Checkpoint:
    """Read a checkpoint written by ``save_checkpoint`` (errors name the file and the problem)."""
    arrays, metadata = load_arrays(path)
    if "mytorch" not in metadata:
        raise ValueError(f"{path} is a safetensors file but not a mytorch checkpoint (no 'mytorch' metadata)")
    try:
        meta = json.loads(metadata["mytorch"])
    except json.JSONDecodeError as e:
        raise ValueError(f"{path}: the checkpoint metadata is not valid JSON ({e})") from None
    if meta.get("format") != FORMAT:
        raise ValueError(f"{path}: unsupported checkpoint format {meta.get('format')!r} (expected {FORMAT!r})")
    model = {k.removeprefix("model/"): v for k, v in arrays.items() if k.startswith("model/")}
    optimizer = None
    if "optimizer" in meta:
        state: dict[int, dict[str, Any]] = {}
        for key, value in arrays.items():
            if key.startswith("optimizer/"):
                _, index, name = key.split("/", 2)
                state.setdefault(int(index), {})[name] = Tensor._make(value, False, None)
        for index, values in meta["optimizer"]["scalars"].items():
            state.setdefault(int(index), {}).update(values)
        optimizer = {"state": dict(sorted(state.items())), "param_groups": meta["optimizer"]["param_groups"]}
    return Checkpoint(
        epoch=int(meta["epoch"]), model=model, optimizer=optimizer, scheduler=meta.get("scheduler"),
        rng=meta.get("rng"), history=meta.get("history", []), config=meta.get("config", {}),
        extra=meta.get("extra", {}),
    )


def restore(checkpoint: Checkpoint, model: Any, optimizer: Any = None, scheduler: Any = None, rng: bool = True
            ) -> None:
    """Load a checkpoint's state into a freshly built model / optimizer / scheduler (and the generator)."""
    model.load_state_dict(checkpoint.model)
    if optimizer is not None:
        if checkpoint.optimizer is None:
            raise ValueError("the checkpoint holds no optimizer state")
        groups = checkpoint.optimizer["param_groups"]
        for saved, current in zip(groups, optimizer.param_groups):
            for key, value in saved.items():  # JSON turned tuples (e.g. Adam's betas) into lists
                if isinstance(value, list) and isinstance(current.get(key), tuple):
                    saved[key] = tuple(value)
        optimizer.load_state_dict(checkpoint.optimizer)
    if scheduler is not None and checkpoint.scheduler is not None:
        scheduler.load_state_dict(checkpoint.scheduler)
    if rng and checkpoint.rng is not None:
        set_rng_state(checkpoint.rng)
