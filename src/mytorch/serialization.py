"""``mytorch.save`` / ``mytorch.load``: dicts of tensors in the safetensors format (no pickle).

A file written here loads in PyTorch with ``safetensors.torch.load_file`` and the reverse, so a
model trained in mytorch can be evaluated in PyTorch. Files are written atomically: the bytes go
to a temporary file in the same directory, which is flushed, fsync'ed and then renamed over the
target, so a crash mid-write leaves the previous file intact, never a truncated one.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from ._backend import to_host, xp
from ._tensor import Tensor


def _safetensors_numpy():
    try:
        import safetensors.numpy
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError(
            "mytorch.save/load need the safetensors package: pip install 'mytorch-np[train]'"
        ) from None
    return safetensors.numpy


def atomic_write(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` so that ``path`` is either the old file or the complete new one."""
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    try:  # make the rename itself durable
        dir_fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _array(name: str, value) -> xp.ndarray:
    if isinstance(value, Tensor):
        value = value.detach()._data
    arr = to_host(xp.asarray(value))
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"save: {name!r} has dtype {arr.dtype}; only numeric and bool tensors can be saved")
    return arr if arr.flags.c_contiguous else arr.copy(order="C")  # (ascontiguousarray makes 0-d 1-d)


def save(obj: Mapping, path: str | os.PathLike, metadata: Mapping[str, str] | None = None) -> None:
    """Save a dict of tensors (e.g. ``model.state_dict()``) to a safetensors file, atomically.

    Keys must be strings; values tensors or NumPy arrays. ``metadata`` is an optional str → str
    map stored in the file header.
    """
    if not isinstance(obj, Mapping):
        raise TypeError(f"save expects a dict of tensors (e.g. model.state_dict()), got {type(obj).__name__}")
    arrays = {}
    for key, value in obj.items():
        if not isinstance(key, str):
            raise TypeError(f"save: keys must be strings, got {key!r}")
        arrays[key] = _array(key, value)
    if metadata is not None:
        bad = [k for k, v in metadata.items() if not isinstance(k, str) or not isinstance(v, str)]
        if bad:
            raise TypeError(f"save: metadata must map str to str (bad keys: {bad})")
    atomic_write(path, _safetensors_numpy().save(arrays, metadata=dict(metadata) if metadata else None))


def load(path: str | os.PathLike) -> dict[str, Tensor]:
    """Load a safetensors file as a dict of tensors."""
    return {k: Tensor._make(v, False, None) for k, v in load_arrays(path)[0].items()}


def load_arrays(path: str | os.PathLike) -> tuple[dict[str, xp.ndarray], dict[str, str]]:
    """The arrays and the header metadata of a safetensors file; clear errors for bad files."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    _safetensors_numpy()
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="numpy") as f:
            metadata = f.metadata() or {}
            arrays = {k: f.get_tensor(k) for k in f.keys()}  # noqa: SIM118 (safe_open is not a dict)
    except Exception as e:  # safetensors raises its own error types for malformed files
        raise ValueError(f"{path} is not a valid safetensors file: {e}") from None
    return arrays, metadata
