"""``mytorch.save`` / ``mytorch.load``: PyTorch's ``.pt`` files, and safetensors.

``save(obj, f)`` writes PyTorch's own zip format (see ``_torch_format``), so real
``torch.load(f)`` -- with its default ``weights_only=True`` -- reads tensors, state_dicts,
optimizer state_dicts and checkpoints (nested dicts/lists/tuples of tensors, numbers, strings,
None). A path ending in ``.safetensors`` (or a save with ``metadata=``) gets the safetensors
format instead: a flat dict of tensors plus a str → str ``metadata`` header, no pickle at all.
Any other object, a whole ``Module`` for instance, is pickled as PyTorch pickles it: that file
loads only with ``load(f, weights_only=False)``, which runs ordinary pickle -- unsafe for files
you did not write yourself, exactly as in PyTorch.

``load(f)`` recognises the format from the bytes, never from the suffix: a PyTorch zip archive
(written by PyTorch or by mytorch), or a safetensors file. Tensors come back as mytorch tensors,
Python numbers as numbers.

Files are written atomically: the bytes go to a temporary file in the same directory, which is
flushed, fsync'ed, given the mode a newly created file would get (the umask applies; an existing
file keeps its mode) and renamed over the target, so a crash mid-write leaves the previous file
intact, never a truncated one.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

from ._backend import to_host, xp
from ._device import check_device, is_device_like
from ._tensor import Tensor
from ._torch_format import FormatError, _NotPlainError, dump_objects, dump_plain, load_archive

_ZIP_MAGIC = b"PK\x03\x04"
_LEGACY_MAGIC = b"\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19"  # protocol 2 + torch's magic number


def _safetensors_numpy():
    try:
        import safetensors.numpy
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError(
            "mytorch.save/load need the safetensors package: pip install 'mytorch-np[train]'"
        ) from None
    return safetensors.numpy


def _new_file_mode(path: Path) -> int:
    """The mode ``open(path, "w")`` would leave: the existing file's, or 0o666 less the umask."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        pass
    try:  # Linux reports the umask without changing it
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # elsewhere: read it by setting it, then put it back at once
    os.umask(mask)
    return 0o666 & ~mask


def atomic_write(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` so that ``path`` is either the old file or the complete new one."""
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    mode = _new_file_mode(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), mode)  # mkstemp creates 0600; give the file its normal mode
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


def save_safetensors(obj: Mapping, path: str | os.PathLike, metadata: Mapping[str, str] | None = None) -> None:
    """Save a dict of tensors (e.g. ``model.state_dict()``) to a safetensors file, atomically.

    Keys must be strings; values tensors or NumPy arrays. ``metadata`` is an optional str → str
    map stored in the file header.
    """
    if not isinstance(obj, Mapping):
        raise TypeError(
            f"a safetensors file holds a dict of tensors (e.g. model.state_dict()), got {type(obj).__name__}; "
            "save other objects to a .pt file"
        )
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


def save(obj: Any, f: str | os.PathLike | IO[bytes], metadata: Mapping[str, str] | None = None) -> None:
    """Save ``obj`` to ``f`` (a path or a binary file object) as ``torch.save`` does.

    Tensors, state_dicts and nested dicts/lists/tuples of tensors, numbers, strings and None are
    written in PyTorch's zip format, readable by ``torch.load`` (``weights_only=True``) and
    ``mytorch.load``. Other objects (a whole Module) are pickled; they load only with
    ``weights_only=False``. A path ending in ``.safetensors``, or a save with ``metadata``, is
    written as safetensors (a dict of tensors; ``metadata`` is its str → str header).
    """
    is_path = isinstance(f, (str, os.PathLike))
    if is_path and (str(f).endswith(".safetensors") or metadata is not None):
        save_safetensors(obj, f, metadata)  # (train.save_checkpoint passes metadata, whatever the suffix)
        return
    if metadata is not None:
        raise TypeError("save: metadata= is stored only in safetensors files, which are written to paths")
    try:
        data = dump_plain(obj)
    except _NotPlainError:
        data = dump_objects(obj)  # the user's own objects: a plain pickle, as torch.save
    if is_path:
        atomic_write(f, data)
    elif hasattr(f, "write"):
        f.write(data)
    else:
        raise TypeError(f"save: f must be a path or a binary file object, got {type(f).__name__}")


def _check_map_location(map_location: Any) -> None:
    """Everything loads to the CPU; a map_location may only say so."""
    if map_location is None:
        return
    if isinstance(map_location, Mapping):
        for target in map_location.values():
            check_device(target, "a loaded tensor")
    elif is_device_like(map_location):
        check_device(map_location, "a loaded tensor")
    elif not callable(map_location):  # a function (``lambda storage, loc: storage``) has nothing to move
        raise TypeError(
            f"load: map_location must be None, a device ('cpu'), a dict of devices or a function, got "
            f"{type(map_location).__name__}"
        )


def load(f: str | os.PathLike | IO[bytes], map_location: Any = None, weights_only: bool | None = True) -> Any:
    """Load what ``save`` / ``torch.save`` wrote, or a safetensors file (format told by its bytes).

    ``weights_only=True`` (the default) admits only tensors and plain containers: the file cannot
    run code. ``weights_only=False`` unpickles anything, e.g. a whole saved Module: only for files
    you trust (``None`` means the default, True, as in PyTorch). Every tensor loads onto the CPU;
    ``map_location`` may be None, "cpu", a dict mapping saved locations to "cpu", or a function
    (PyTorch calls it per storage to move it; here every storage already is on the CPU, so it is
    not called).
    """
    _check_map_location(map_location)
    weights_only = True if weights_only is None else bool(weights_only)
    if isinstance(f, (str, os.PathLike)):
        path = Path(f)
        if not path.is_file():
            raise FileNotFoundError(f"no such file: {path}")
        where = str(path)
        with open(path, "rb") as fh:
            head = fh.read(len(_LEGACY_MAGIC))
        if head.startswith(_ZIP_MAGIC):  # read by zipfile from the file itself, entry by entry
            return load_archive(str(path), where, weights_only=weights_only)
        data = path.read_bytes()
    elif hasattr(f, "read"):
        where = getattr(f, "name", None) or "the file object"
        data = f.read()
    else:
        raise TypeError(f"load: f must be a path or a binary file object, got {type(f).__name__}")
    if data.startswith(_ZIP_MAGIC):
        return load_archive(data, str(where), weights_only=weights_only)
    if _is_safetensors(data):
        return {k: Tensor._make(v, False, None) for k, v in _safetensors_arrays(data, str(where)).items()}
    if data.startswith(_LEGACY_MAGIC):
        raise FormatError(
            f"{where} is in PyTorch's legacy (pre-1.6) format, which mytorch does not read; "
            "re-save it with a current PyTorch (torch.save(torch.load(path), path))"
        )
    raise FormatError(f"{where} is neither a PyTorch .pt archive nor a safetensors file")


def _is_safetensors(data: bytes) -> bool:
    """A safetensors file: an 8-byte little-endian header length, then a JSON header starting with '{'."""
    if len(data) < 10:
        return False
    n = int.from_bytes(data[:8], "little")
    return 2 <= n <= len(data) - 8 and data[8:9] == b"{"


def _safetensors_arrays(data: bytes, where: str) -> dict[str, xp.ndarray]:
    try:
        return _safetensors_numpy().load(data)
    except ImportError:
        raise
    except Exception as e:  # safetensors raises its own error types for malformed files
        raise ValueError(f"{where} is not a valid safetensors file: {e}") from None


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
