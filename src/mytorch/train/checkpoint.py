"""Training checkpoints: model, optimizer and scheduler state, RNG state, epoch and metrics.

One safetensors file per checkpoint (no pickle anywhere): tensors under ``model/<key>`` and
``optimizer/<param index>/<name>``; everything else (epoch, metrics history, the run's config,
optimizer hyper-parameters, scheduler state, the generator state) as JSON in the file's
metadata under the key ``mytorch``. Files are written atomically (temporary file, fsync,
rename), so an interrupted write leaves the previous checkpoint loadable.

Damage is refused on load, with an error naming the file and the key: the metadata is checked
field by field (types, a non-negative integer epoch, finite non-negative learning rates), and
the metadata stores the CRC-32 of every tensor's bytes and of itself (its canonical JSON), so a
flipped byte in the weights or in a stored number is caught. ``save_checkpoint`` refuses to
write non-finite parameters, buffers or optimizer state (``find_non_finite``): a checkpoint on
disk is always one that training can continue from.
Checkpoints of format 1 (before checksums) still load.
"""

from __future__ import annotations

import json
import math
import os
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .._backend import xp
from .._tensor import Tensor
from ..random import get_rng_state, initial_seed, set_rng_state
from ..serialization import load_arrays, save

FORMAT = "mytorch-checkpoint/2"
_OLD_FORMATS = ("mytorch-checkpoint/1",)  # no checksums; still readable


class NonFiniteError(ValueError):
    """Tensors holding nan or inf where a checkpoint must hold usable numbers (``.keys`` names them)."""

    def __init__(self, message: str, keys: list[str]) -> None:
        super().__init__(message)
        self.keys = keys


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
    path: str = ""  # the file it was read from (for error messages)


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


def find_non_finite(tensors: Any) -> list[str]:
    """The names of the tensors in ``tensors`` (a Module: its parameters and buffers; or a dict of
    tensors/arrays, e.g. a state dict) that hold a nan or an inf. Integer tensors are always finite."""
    if hasattr(tensors, "state_dict") and not isinstance(tensors, Mapping):
        tensors = tensors.state_dict()
    bad = []
    for name, value in tensors.items():
        array = value._data if isinstance(value, Tensor) else value
        if isinstance(array, xp.ndarray) and array.dtype.kind in "fc" and not xp.isfinite(array).all():
            bad.append(name)
    return bad


def training_state_non_finite(model: Any, optimizer: Any = None) -> list[str]:
    """``find_non_finite`` over what a checkpoint would hold: ``model/<name>`` for parameters and
    buffers, ``optimizer/<index>/<name>`` for optimizer state tensors."""
    tensors = {f"model/{k}": v for k, v in model.state_dict().items()}
    if optimizer is not None:
        for index, state in optimizer.state_dict()["state"].items():
            tensors.update((f"optimizer/{index}/{name}", v) for name, v in state.items() if _is_array(v))
    return find_non_finite(tensors)


def describe_keys(keys: list[str], limit: int = 5) -> str:
    """``a, b, c and 4 more``: a short list of tensor names for a one-line message."""
    shown = ", ".join(k.removeprefix("model/") for k in keys[:limit])
    return shown + (f" and {len(keys) - limit} more" if len(keys) > limit else "")


_META_CRC = "metadata_crc32"


def _meta_crc(meta: dict) -> str:
    """CRC-32 of the metadata's canonical JSON (sorted keys; Python's floats round-trip exactly)."""
    body = json.dumps({k: v for k, v in meta.items() if k != _META_CRC}, sort_keys=True)
    return f"{zlib.crc32(body.encode()):08x}"


def _crc(array: Any) -> str:
    data = xp.ascontiguousarray(array)
    return f"{zlib.crc32(data.reshape(-1).view(xp.uint8) if data.size else b''):08x}"


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
    """Write a checkpoint of the training state after ``epoch`` epochs (atomically).

    Raises ``NonFiniteError`` (and writes nothing) if a parameter, buffer or optimizer state
    tensor holds a nan or an inf: such a checkpoint could not be trained from.
    """
    if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 0:
        raise ValueError(f"save_checkpoint: epoch must be a non-negative integer, got {epoch!r}")
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
    if rng:  # the generator's state in PyTorch's byte layout, as hex (the seed beside it for reading)
        meta["rng"] = {"seed": initial_seed(), "state": bytes(get_rng_state().numpy()).hex()}
    bad = find_non_finite(tensors)
    if bad:
        raise NonFiniteError(f"refusing to write {path}: non-finite values (nan/inf) in {describe_keys(bad)}", bad)
    arrays = {k: v.detach()._data if isinstance(v, Tensor) else xp.asarray(v) for k, v in tensors.items()}
    # Sorted: the file must not depend on the order of a state dict in memory (a resumed optimizer lists its
    # state in the order it was loaded), so an interrupted and an uninterrupted run write the same bytes.
    meta["checksums"] = {k: _crc(arrays[k]) for k in sorted(arrays)}
    meta[_META_CRC] = _meta_crc(meta)
    save(arrays, path, metadata={"mytorch": json.dumps(meta)})


def load_checkpoint(path: str | os.PathLike) -> Checkpoint:
    """Read a checkpoint written by ``save_checkpoint``.

    Every problem -- not a safetensors file, a truncated file, metadata that is not JSON or holds
    wrong types or values, a tensor whose bytes do not match their checksum -- raises
    ``ValueError`` naming the file and the key (``FileNotFoundError`` when there is no file).
    """
    arrays, metadata = load_arrays(path)
    if "mytorch" not in metadata:
        raise ValueError(f"{path} is a safetensors file but not a mytorch checkpoint (no 'mytorch' metadata)")
    try:
        meta = json.loads(metadata["mytorch"])
    except json.JSONDecodeError as e:
        raise ValueError(f"{path}: the checkpoint metadata is not valid JSON ({e})") from None
    if not isinstance(meta, dict):
        raise ValueError(f"{path}: the checkpoint metadata must be a JSON object, got {type(meta).__name__}")
    if meta.get("format") != FORMAT and meta.get("format") not in _OLD_FORMATS:
        raise ValueError(f"{path}: unsupported checkpoint format {meta.get('format')!r} (expected {FORMAT!r})")
    _validate(path, meta, arrays)
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
        epoch=meta["epoch"], model=model, optimizer=optimizer, scheduler=meta.get("scheduler"),
        rng=meta.get("rng"), history=meta.get("history", []), config=meta.get("config", {}),
        extra=meta.get("extra", {}), path=os.fspath(path),
    )


def _validate(path: Any, meta: dict, arrays: dict) -> None:
    """Check every field of the metadata and every tensor's checksum; raise naming the key."""

    def bad(key: str, problem: str) -> ValueError:
        return ValueError(f"{path}: checkpoint metadata {key!r} {problem}")

    epoch = meta.get("epoch")
    if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 0:
        raise bad("epoch", f"must be a non-negative integer, got {epoch!r}")
    for key in ("config", "extra"):
        if not isinstance(meta.get(key, {}), dict):
            raise bad(key, f"must be an object, got {type(meta[key]).__name__}")
    for key in ("scheduler", "rng"):
        if meta.get(key) is not None and not isinstance(meta[key], dict):
            raise bad(key, f"must be an object or absent, got {type(meta[key]).__name__}")
    history = meta.get("history", [])
    if not isinstance(history, list):
        raise bad("history", f"must be a list of metric rows, got {type(history).__name__}")
    for i, row in enumerate(history):
        if not isinstance(row, dict) or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in row.values()
        ):
            raise bad(f"history[{i}]", f"must be an object of numbers, got {row!r}"[:200])
    rng = meta.get("rng")
    if rng is not None and (
        isinstance(rng.get("seed"), bool) or not isinstance(rng.get("seed"), int)
        or not isinstance(rng.get("state"), str)
    ):
        raise bad("rng", "must hold an integer 'seed' and a 'state' string (the generator's bytes as hex)")
    if "optimizer" in meta:
        opt = meta["optimizer"]
        if not isinstance(opt, dict) or not isinstance(opt.get("param_groups"), list) \
                or not isinstance(opt.get("scalars"), dict):
            raise bad("optimizer", "must be an object with a 'param_groups' list and a 'scalars' object")
        for g, group in enumerate(opt["param_groups"]):
            if not isinstance(group, dict) or not isinstance(group.get("params"), list) or not all(
                isinstance(i, int) and not isinstance(i, bool) for i in group["params"]
            ):
                raise bad(f"optimizer.param_groups[{g}]", "must be an object with a 'params' list of integers")
            lr = group.get("lr")
            if lr is not None and (isinstance(lr, bool) or not isinstance(lr, (int, float)) or not math.isfinite(lr)
                                   or lr < 0):
                raise bad(f"optimizer.param_groups[{g}].lr", f"must be a finite number >= 0, got {lr!r}")
        for index, values in opt["scalars"].items():
            if not index.isdigit() or not isinstance(values, dict):
                raise bad(f"optimizer.scalars.{index}", "must map a parameter index to an object")
    for key in arrays:
        if key.startswith("optimizer/"):
            parts = key.split("/", 2)
            if len(parts) != 3 or not parts[1].isdigit() or "optimizer" not in meta:
                raise ValueError(f"{path}: unexpected tensor {key!r} (expected optimizer/<index>/<name>)")
        elif not key.startswith("model/"):
            raise ValueError(f"{path}: unexpected tensor {key!r} (neither model/ nor optimizer/)")
    if meta.get("format") in _OLD_FORMATS:
        return
    if meta.get(_META_CRC) != _meta_crc(meta):
        raise ValueError(f"{path}: the checkpoint metadata is damaged (its CRC-32 is {_meta_crc(meta)}, the "
                         f"checkpoint recorded {meta.get(_META_CRC)!r})")
    checksums = meta.get("checksums")
    if not isinstance(checksums, dict) or not all(isinstance(v, str) for v in checksums.values()):
        raise bad("checksums", "must be an object of tensor name -> CRC-32")
    missing, extra = sorted(set(arrays) - set(checksums)), sorted(set(checksums) - set(arrays))
    if missing or extra:
        raise ValueError(f"{path}: the tensors do not match the checksum list (without checksum: {missing[:5]}, "
                         f"missing: {extra[:5]})")
    for key, array in arrays.items():
        if _crc(array) != checksums[key]:
            raise ValueError(f"{path}: tensor {key!r} is damaged (its CRC-32 is {_crc(array)}, the checkpoint "
                             f"recorded {checksums[key]})")


def _rng_state_tensor(text: str) -> Tensor:
    """The generator state saved as hex, back as the uint8 tensor ``set_rng_state`` takes."""
    try:
        raw = bytes.fromhex(text)
    except ValueError:
        raise ValueError(f"rng state is not hexadecimal: {text[:40]!r}") from None
    return Tensor._make(xp.frombuffer(raw, xp.uint8).copy(), False, None)


def restore(checkpoint: Checkpoint, model: Any, optimizer: Any = None, scheduler: Any = None, rng: bool = True
            ) -> None:
    """Load a checkpoint's state into a freshly built model / optimizer / scheduler (and the generator).

    A state that does not fit (missing keys, wrong shapes, hyper-parameters of the wrong type)
    raises ``ValueError`` naming the checkpoint file.
    """
    try:
        _restore(checkpoint, model, optimizer, scheduler, rng)
    except (KeyError, TypeError, ValueError, IndexError, RuntimeError) as e:
        where = checkpoint.path or "the checkpoint"
        raise ValueError(f"{where} does not fit this model/optimizer: {type(e).__name__}: {e}") from None


def _same_kind(value: Any, default: Any) -> bool:
    """Whether a saved hyper-parameter has the type of the optimizer's default (finite if a number)."""
    if isinstance(default, bool):
        return isinstance(value, bool)
    if isinstance(default, (int, float)):
        return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if isinstance(default, tuple):
        return isinstance(value, tuple) and len(value) == len(default) and all(
            _same_kind(v, d) for v, d in zip(value, default))
    if isinstance(default, str):
        return isinstance(value, str)
    return True  # None defaults (e.g. foreach): anything JSON could hold


def _same_json_kind(value: Any, reference: Any) -> bool:
    """Whether ``value`` (from JSON) has the structure of ``reference`` (what a fresh object holds)."""
    if isinstance(reference, (list, tuple)):
        return isinstance(value, (list, tuple)) and len(value) == len(reference) and all(
            _same_json_kind(v, r) for v, r in zip(value, reference))
    if isinstance(reference, dict):
        return isinstance(value, dict) and all(k in reference and _same_json_kind(v, reference[k])
                                               for k, v in value.items())
    return _same_kind(value, reference)


def _restore(checkpoint: Checkpoint, model: Any, optimizer: Any, scheduler: Any, rng: bool) -> None:
    model.load_state_dict(checkpoint.model)
    if optimizer is not None:
        if checkpoint.optimizer is None:
            raise ValueError("the checkpoint holds no optimizer state")
        groups = checkpoint.optimizer["param_groups"]
        for saved, current in zip(groups, optimizer.param_groups):
            for key, value in saved.items():  # JSON turned tuples (e.g. Adam's betas) into lists
                if isinstance(value, list) and isinstance(current.get(key), tuple):
                    saved[key] = tuple(value)
            for key, default in optimizer.defaults.items():
                if key in saved and not _same_kind(saved[key], default):
                    raise ValueError(f"optimizer hyper-parameter {key!r} is {saved[key]!r}; expected a value like "
                                     f"{default!r}")
        optimizer.load_state_dict(checkpoint.optimizer)
        index = {id(p): i for i, p in enumerate(p for g in optimizer.param_groups for p in g["params"])}
        for p, state in optimizer.state.items():
            for name, value in state.items():
                if isinstance(value, Tensor) and value.ndim > 0 and tuple(value.shape) != tuple(p.shape):
                    raise ValueError(f"optimizer state {name!r} of parameter {index.get(id(p))} has shape "
                                     f"{tuple(value.shape)}, the parameter {tuple(p.shape)}")
    if scheduler is not None and checkpoint.scheduler is not None:
        fresh = scheduler.state_dict()
        for key, value in checkpoint.scheduler.items():
            if key not in fresh:
                raise ValueError(f"unexpected scheduler state key {key!r} for {type(scheduler).__name__}")
            if not _same_json_kind(value, fresh[key]):
                raise ValueError(f"scheduler state {key!r} is {value!r}; expected a value like {fresh[key]!r}")
        scheduler.load_state_dict(checkpoint.scheduler)
    if rng and checkpoint.rng is not None:
        set_rng_state(_rng_state_tensor(checkpoint.rng["state"]))
