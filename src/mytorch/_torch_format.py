"""PyTorch's ``.pt`` file format, written and read without PyTorch.

A ``torch.save`` file is an uncompressed zip archive whose entries sit under one folder
(``archive/`` here; PyTorch names it after the file, and readers take whatever folder the first
entry names)::

    archive/data.pkl            the object, pickled (protocol 2); each tensor is a call of
                                torch._utils._rebuild_tensor_v2(storage, offset, size, stride,
                                requires_grad, OrderedDict()) whose storage is a *persistent id*
                                ('storage', torch.FloatStorage, key, 'cpu', numel)
    archive/data/<key>          the raw bytes of storage <key>, little-endian, 64-byte aligned
    archive/byteorder           b"little"
    archive/version             b"3\\n"
    archive/.format_version, archive/.storage_alignment, archive/.data/serialization_id

``dump_plain`` writes that pickle with its own small opcode writer (so the file names PyTorch's
globals without importing PyTorch) and accepts only what ``torch.load(weights_only=True)``
accepts: tensors, dicts (also OrderedDict), lists, tuples, str, int, float, bool, None, Size,
device and dtype. ``dump_objects`` pickles anything (a whole Module) with the standard pickler, tensors
still stored beside the pickle; only ``load(weights_only=False)`` reads those back.

``load_archive`` reads both through ``_Unpickler``. With ``weights_only`` it admits a fixed list of
globals -- the tensor-rebuild functions, the storage types, OrderedDict, Size, device and dtypes
-- and refuses every other one before anything is called, so a malicious file cannot run code.
"""

from __future__ import annotations

import builtins
import io
import os
import pickle
import struct
import zipfile
import zlib
from collections import OrderedDict
from typing import Any

import numpy as np

from . import _dtype
from ._backend import to_host, xp
from ._device import device
from ._tensor import Tensor

# storage class name in PyTorch <-> dtype
_STORAGE_NAMES = {
    _dtype.float32: "FloatStorage",
    _dtype.float64: "DoubleStorage",
    _dtype.float16: "HalfStorage",
    _dtype.int64: "LongStorage",
    _dtype.int32: "IntStorage",
    _dtype.int16: "ShortStorage",
    _dtype.int8: "CharStorage",
    _dtype.uint8: "ByteStorage",
    _dtype.bool_: "BoolStorage",
}
_STORAGE_DTYPES = {name: dt for dt, name in _STORAGE_NAMES.items()}
_UNSUPPORTED_STORAGES = ("BFloat16Storage", "ComplexFloatStorage", "ComplexDoubleStorage", "QInt8Storage")
_DTYPE_NAMES = {
    "float32": _dtype.float32, "float": _dtype.float32, "float64": _dtype.float64, "double": _dtype.float64,
    "float16": _dtype.float16, "half": _dtype.float16, "int64": _dtype.int64, "long": _dtype.int64,
    "int32": _dtype.int32, "int": _dtype.int32, "int16": _dtype.int16, "short": _dtype.int16,
    "int8": _dtype.int8, "uint8": _dtype.uint8, "bool": _dtype.bool_,
}
_ALIGN = 64
_PREFIX = "archive"


class FormatError(ValueError):
    """A file that is not (or not a valid) PyTorch zip archive."""


# ============================================================================ writing
class _Opcodes:
    """The pickle protocol-2 opcodes this writer emits (see ``pickletools`` for their meaning)."""

    PROTO, STOP, MARK = b"\x80", b".", b"("
    NONE, TRUE, FALSE = b"N", b"\x88", b"\x89"
    BININT1, BININT2, BININT, LONG1, BINFLOAT = b"K", b"M", b"J", b"\x8a", b"G"
    BINUNICODE, EMPTY_TUPLE, TUPLE, TUPLE1, TUPLE2, TUPLE3 = b"X", b")", b"t", b"\x85", b"\x86", b"\x87"
    EMPTY_LIST, APPENDS, EMPTY_DICT, SETITEMS = b"]", b"e", b"}", b"u"
    GLOBAL, REDUCE, BUILD, BINPERSID = b"c", b"R", b"b", b"Q"


class _Storages:
    """The tensor storages of one file: each array once, in order of first use, under keys "0", "1", ..."""

    def __init__(self) -> None:
        self.arrays: list[np.ndarray] = []
        self._keys: dict[int, str] = {}

    def key(self, array: np.ndarray) -> str:
        k = self._keys.get(id(array))
        if k is None:
            k = self._keys[id(array)] = str(len(self.arrays))
            self.arrays.append(array)  # kept alive, so id() is not reused while writing
        return k


def _host_array(t: Tensor) -> np.ndarray:
    arr = to_host(t.detach()._data)
    if arr.dtype not in _STORAGE_NAMES:
        raise TypeError(f"save: tensors of dtype {arr.dtype} cannot be stored")
    return arr


class _PlainWriter:
    """Pickle a tree of tensors and plain values into the opcodes ``torch.load(weights_only=True)`` reads."""

    def __init__(self, storages: _Storages) -> None:
        self.out = io.BytesIO()
        self.storages = storages
        self._active: set[int] = set()  # containers being written (a cycle cannot be written)

    def dump(self, obj: Any) -> bytes:
        self.out.write(_Opcodes.PROTO + b"\x02")
        self._save(obj, "obj")
        self.out.write(_Opcodes.STOP)
        return self.out.getvalue()

    def _global(self, module: str, name: str) -> None:
        self.out.write(_Opcodes.GLOBAL + module.encode() + b"\n" + name.encode() + b"\n")

    def _save(self, obj: Any, where: str) -> None:
        w = self.out.write
        op = _Opcodes
        if isinstance(obj, np.generic):  # NumPy scalars are written as the Python numbers they hold
            obj = obj.item()
        if obj is None:
            w(op.NONE)
        elif obj is True or obj is False:
            w(op.TRUE if obj else op.FALSE)
        elif type(obj) is builtins.int:
            self._int(obj)
        elif type(obj) is builtins.float:
            w(op.BINFLOAT + struct.pack(">d", obj))
        elif type(obj) is str:
            data = obj.encode("utf-8", "surrogatepass")
            w(op.BINUNICODE + struct.pack("<I", len(data)) + data)
        elif isinstance(obj, Tensor):
            self._tensor(obj, where)
        elif isinstance(obj, _dtype.dtype):
            self._global("torch", obj.name)  # torch.float32 etc. are globals PyTorch's loader admits
        elif isinstance(obj, device):
            self._global("torch", "device")
            self._save(str(obj), where)
            w(op.TUPLE1 + op.REDUCE)
        elif type(obj) is tuple or _is_size(obj):
            if _is_size(obj):
                self._global("torch", "Size")
            self._container(obj, where, lambda: self._tuple(tuple(obj), where))
            if _is_size(obj):
                w(op.TUPLE1 + op.REDUCE)
        elif type(obj) is list:
            self._container(obj, where, lambda: self._list(obj, where))
        elif type(obj) in (dict, OrderedDict):
            self._container(obj, where, lambda: self._dict(obj, where))
        else:
            raise _NotPlainError(where, obj)

    def _int(self, v: int) -> None:
        w = self.out.write
        if 0 <= v < 256:
            w(_Opcodes.BININT1 + bytes([v]))
        elif 0 <= v < 65536:
            w(_Opcodes.BININT2 + struct.pack("<H", v))
        elif -(2**31) <= v < 2**31:
            w(_Opcodes.BININT + struct.pack("<i", v))
        else:
            data = pickle.encode_long(v)
            if len(data) > 255:
                raise TypeError(f"save: integer {v} is too large to store")
            w(_Opcodes.LONG1 + bytes([len(data)]) + data)

    def _container(self, obj: Any, where: str, write) -> None:
        if id(obj) in self._active:
            raise TypeError(f"save: {where} contains itself; a cyclic structure cannot be saved")
        self._active.add(id(obj))
        write()
        self._active.discard(id(obj))

    def _tuple(self, items: tuple, where: str) -> None:
        op = _Opcodes
        if not items:
            self.out.write(op.EMPTY_TUPLE)
            return
        if len(items) > 3:
            self.out.write(op.MARK)
        for i, v in enumerate(items):
            self._save(v, f"{where}[{i}]")
        self.out.write({1: op.TUPLE1, 2: op.TUPLE2, 3: op.TUPLE3}.get(len(items), op.TUPLE))

    def _list(self, items: list, where: str) -> None:
        self.out.write(_Opcodes.EMPTY_LIST)
        if items:
            self.out.write(_Opcodes.MARK)
            for i, v in enumerate(items):
                self._save(v, f"{where}[{i}]")
            self.out.write(_Opcodes.APPENDS)

    def _dict(self, d: dict, where: str) -> None:
        op = _Opcodes
        if type(d) is OrderedDict:
            self._global("collections", "OrderedDict")
            self.out.write(op.EMPTY_TUPLE + op.REDUCE)
        else:
            self.out.write(op.EMPTY_DICT)
        if d:
            self.out.write(op.MARK)
            for k, v in d.items():
                self._save(k, f"{where} key {k!r}")
                self._save(v, f"{where}[{k!r}]")
            self.out.write(op.SETITEMS)
        extra = getattr(d, "__dict__", None)  # PyTorch's state_dict carries a ``_metadata`` attribute
        if extra:
            self._save(dict(extra), f"{where}.__dict__")
            self.out.write(op.BUILD)

    def _tensor(self, t: Tensor, where: str) -> None:
        op = _Opcodes
        arr = _host_array(t)
        parameter = type(t) is not Tensor and type(t).__name__ == "Parameter"
        if parameter:
            self._global("torch._utils", "_rebuild_parameter")
            self.out.write(op.MARK)
        self._global("torch._utils", "_rebuild_tensor_v2")
        self.out.write(op.MARK)
        # the persistent id: ('storage', torch.<Type>Storage, key, 'cpu', number of elements)
        self.out.write(op.MARK)
        self._save("storage", where)
        self._global("torch", _STORAGE_NAMES[arr.dtype])
        self._save(self.storages.key(arr), where)
        self._save("cpu", where)
        self._save(builtins.int(arr.size), where)
        self.out.write(op.TUPLE + op.BINPERSID)
        self._save(0, where)  # storage offset
        self._tuple(tuple(builtins.int(s) for s in arr.shape), where)
        self._tuple(_contiguous_strides(arr.shape), where)
        self._save(builtins.bool(t.requires_grad) and not parameter, where)
        self._empty_ordered_dict()  # backward hooks (never saved)
        self.out.write(op.TUPLE + op.REDUCE)
        if parameter:
            self._save(builtins.bool(t.requires_grad), where)
            self._empty_ordered_dict()
            self.out.write(op.TUPLE + op.REDUCE)

    def _empty_ordered_dict(self) -> None:
        self._global("collections", "OrderedDict")
        self.out.write(_Opcodes.EMPTY_TUPLE + _Opcodes.REDUCE)


class _NotPlainError(TypeError):
    def __init__(self, where: str, obj: Any) -> None:
        super().__init__(f"{where} is a {type(obj).__module__}.{type(obj).__qualname__}")


def _is_size(obj: Any) -> bool:
    return isinstance(obj, tuple) and type(obj).__name__ == "Size" and type(obj).__module__.startswith("mytorch")


def _contiguous_strides(shape: tuple) -> tuple:
    strides, n = [], 1
    for s in reversed(shape):
        strides.append(n)
        n *= builtins.int(s)
    return tuple(reversed(strides))


class _StorageRef:
    """What a tensor's storage is while ``dump_objects`` pickles (a persistent id, never pickled itself)."""

    __slots__ = ("key", "array")

    def __init__(self, key: str, array: np.ndarray) -> None:
        self.key, self.array = key, array


class _ObjectPickler(pickle.Pickler):
    """The standard pickler, with every tensor's data moved out to a storage entry of the archive."""

    def __init__(self, file, storages: _Storages) -> None:
        super().__init__(file, protocol=2)
        self.storages = storages

    def reducer_override(self, obj: Any):
        if isinstance(obj, Tensor):
            arr = _host_array(obj)
            ref = _StorageRef(self.storages.key(arr), arr)
            return (_rebuild_object_tensor, (type(obj), ref, tuple(arr.shape), builtins.bool(obj.requires_grad)))
        return NotImplemented

    def persistent_id(self, obj: Any):
        if isinstance(obj, _StorageRef):
            return ("storage", obj.array.dtype.name, obj.key, "cpu", builtins.int(obj.array.size))
        return None


def dump_plain(obj: Any) -> bytes:
    """The archive bytes of a tree of tensors and plain values; TypeError (naming where) otherwise."""
    storages = _Storages()
    return _archive(_PlainWriter(storages).dump(obj), storages)


def dump_objects(obj: Any) -> bytes:
    """The archive bytes of any picklable object (tensors stored beside the pickle)."""
    storages = _Storages()
    buf = io.BytesIO()
    _ObjectPickler(buf, storages).dump(obj)
    return _archive(buf.getvalue(), storages)


def _archive(pickled: bytes, storages: _Storages) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
        _add(zf, "data.pkl", pickled)
        _add(zf, ".format_version", b"1")
        _add(zf, ".storage_alignment", str(_ALIGN).encode())
        _add(zf, "byteorder", b"little")
        for i, arr in enumerate(storages.arrays):
            little = arr.astype(arr.dtype.newbyteorder("<"), copy=False)
            _add(zf, f"data/{i}", np.ascontiguousarray(little).tobytes(), align=True)
        _add(zf, "version", b"3\n")
        _add(zf, ".data/serialization_id", os.urandom(20).hex().encode())
    return buf.getvalue()


def _add(zf: zipfile.ZipFile, name: str, data: bytes, align: bool = False) -> None:
    info = zipfile.ZipInfo(f"{_PREFIX}/{name}", date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    if align:  # pad the local header's extra field so the data starts on a 64-byte boundary (as PyTorch)
        start = zf.fp.tell() + 30 + len(info.filename.encode()) + 4
        pad = -start % _ALIGN
        info.extra = b"FB" + struct.pack("<H", pad) + b"Z" * pad
    zf.writestr(info, data)


# ============================================================================ reading
class _StorageType:
    """What the global ``torch.FloatStorage`` (etc.) stands for inside a persistent id: its dtype."""

    __slots__ = ("dtype",)

    def __init__(self, dtype: np.dtype) -> None:
        self.dtype = dtype

    def __setstate__(self, state: Any) -> None:
        raise pickle.UnpicklingError("the file tries to modify a storage type")


class _Storage:
    """A flat array of one storage entry; tensors are strided views of it (then copied)."""

    __slots__ = ("array",)

    def __init__(self, array: np.ndarray) -> None:
        self.array = array


_MAX_EXPANSION = 1 << 28  # bytes a tensor may take beyond its storage's own elements (overlapping strides)


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks, metadata=None):
    """PyTorch's ``torch._utils._rebuild_tensor_v2``: a tensor from a storage, offset, shape and strides."""
    if not isinstance(storage, _Storage):
        raise pickle.UnpicklingError("a tensor's storage is not a storage of this file")
    flat = storage.array
    size = tuple(builtins.int(s) for s in size)
    stride = tuple(builtins.int(s) for s in stride)
    offset = builtins.int(storage_offset)
    if len(size) != len(stride) or offset < 0 or any(s < 0 for s in size + stride):
        raise pickle.UnpicklingError(f"invalid tensor layout: size {size}, stride {stride}, offset {offset}")
    count = 1
    for s in size:
        count *= s
    if count > flat.size and count * flat.itemsize > _MAX_EXPANSION:
        # Overlapping strides (0 for an expanded tensor) let a few stored bytes declare a huge tensor; we copy
        # views, so a tiny file could ask for gigabytes. Real expanded tensors this large are not saved so.
        raise pickle.UnpicklingError(
            f"a tensor of size {size} (stride {stride}) would expand {flat.size} stored elements to {count}: refused"
        )
    if count:
        last = offset + builtins.sum((n - 1) * st for n, st in zip(size, stride))
        if last >= flat.size:
            raise pickle.UnpicklingError(
                f"a tensor of size {size} (stride {stride}, offset {offset}) reaches past its storage of "
                f"{flat.size} elements"
            )
        view = np.lib.stride_tricks.as_strided(
            flat[offset:], shape=size, strides=tuple(st * flat.itemsize for st in stride), writeable=False
        )
        arr = np.array(view, dtype=flat.dtype.newbyteorder("="))
    else:
        arr = np.zeros(size, dtype=flat.dtype.newbyteorder("="))
    t = Tensor._make(xp.asarray(arr), False, None)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _rebuild_parameter(data, requires_grad, backward_hooks, state=None):
    """PyTorch's ``_rebuild_parameter``: the loaded tensor, requiring grad as saved (a plain Tensor:
    ``load_state_dict`` copies values into the module's own Parameters)."""
    if not isinstance(data, Tensor):
        raise pickle.UnpicklingError("_rebuild_parameter expects a tensor")
    if requires_grad and data.dtype.kind == "f":
        data.requires_grad_(True)
    return data


def _rebuild_object_tensor(cls, storage, shape, requires_grad):
    """Inverse of ``_ObjectPickler.reducer_override``: a Tensor (or Parameter) from its storage."""
    if not isinstance(storage, _Storage):
        raise pickle.UnpicklingError("a tensor's storage is not a storage of this file")
    t = _rebuild_tensor_v2(storage, 0, shape, _contiguous_strides(tuple(shape)), False, None)
    if cls is not Tensor:
        t.__class__ = cls  # Parameter adds no slots: same layout, so the class can be switched
    if requires_grad:
        t.requires_grad_(True)
    return t


def _make_size(values=()):
    from ._size import Size

    return Size(values)


class _Admitted:
    """A function or class a file may call, behind a wrapper that the pickle BUILD opcode cannot change.

    (BUILD sets attributes on the object before it; on a bare Python function or class that would
    let a file rewire it for the rest of the process.)
    """

    __slots__ = ("_fn",)

    def __init__(self, fn) -> None:
        self._fn = fn

    def __call__(self, *args: Any) -> Any:
        return self._fn(*args)

    def __setstate__(self, state: Any) -> None:
        raise pickle.UnpicklingError(f"the file tries to modify {self._fn.__name__}")


def _torch_globals() -> dict[tuple[str, str], Any]:
    admitted: dict[tuple[str, str], Any] = {
        ("torch._utils", "_rebuild_tensor_v2"): _Admitted(_rebuild_tensor_v2),
        ("torch._utils", "_rebuild_parameter"): _Admitted(_rebuild_parameter),
        ("torch._utils", "_rebuild_parameter_with_state"): _Admitted(_rebuild_parameter),
        ("collections", "OrderedDict"): OrderedDict,  # builtin types cannot be modified by BUILD
        ("torch", "Size"): _Admitted(_make_size),
        ("torch", "device"): _Admitted(device),
        ("builtins", "set"): set,
        ("builtins", "frozenset"): frozenset,
    }
    for name, dt in _STORAGE_DTYPES.items():
        admitted[("torch", name)] = _StorageType(dt)
    for name, dt in _DTYPE_NAMES.items():
        admitted[("torch", name)] = _dtype.public(dt)
    return admitted


_ADMITTED = _torch_globals()


class _Unpickler(pickle.Unpickler):
    def __init__(self, file, archive: _Archive, weights_only: bool) -> None:
        super().__init__(file)
        self.archive = archive
        self.weights_only = weights_only

    def find_class(self, module: str, name: str) -> Any:
        found = _ADMITTED.get((module, name))
        if found is not None:
            return found
        if (module, name) == ("mytorch._torch_format", "_rebuild_object_tensor") and not self.weights_only:
            return _Admitted(_rebuild_object_tensor)
        if module == "torch" and name in _UNSUPPORTED_STORAGES:
            raise pickle.UnpicklingError(f"{self.archive.where}: tensors stored as torch.{name} are not supported")
        if self.weights_only:
            raise pickle.UnpicklingError(
                f"{self.archive.where}: weights_only load refused the global {module}.{name}. By default only "
                "tensors and plain containers (dict, list, tuple, str, numbers, None) are loaded. If you trust "
                "this file, load it with weights_only=False (that runs whatever code the file names)."
            )
        return super().find_class(module, name)

    def persistent_load(self, pid: Any) -> _Storage:
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"):
            raise pickle.UnpicklingError(f"{self.archive.where}: unknown persistent id {pid!r}")
        _, storage_type, key, _location, numel = pid
        if isinstance(storage_type, _StorageType):
            dt = storage_type.dtype
        elif isinstance(storage_type, str) and not self.weights_only and storage_type in _DTYPE_NAMES:
            dt = _DTYPE_NAMES[storage_type]  # written by dump_objects
        else:
            raise pickle.UnpicklingError(f"{self.archive.where}: storage {key!r} has an unknown type")
        if not isinstance(key, str) or not isinstance(numel, builtins.int):
            raise pickle.UnpicklingError(f"{self.archive.where}: malformed storage id {pid!r}")
        return self.archive.storage(key, dt, numel)


# What zipfile raises for a damaged archive: besides BadZipFile, a name that is not UTF-8
# (UnicodeDecodeError), an unknown compression method (NotImplementedError), an "encrypted" flag
# (RuntimeError), deflate data that does not inflate (zlib.error), a header field out of range.
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError,
               RuntimeError, zlib.error, struct.error, OverflowError)


class _Archive:
    """The entries of one PyTorch zip archive (every entry under one top folder)."""

    def __init__(self, source: bytes | str, where: str) -> None:
        self.where = where
        try:
            self.zf = zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source)
            names = self.zf.namelist()
            self.size = len(source) if isinstance(source, bytes) else os.path.getsize(source)
        except _ZIP_ERRORS as e:
            raise FormatError(f"{where} is not a valid PyTorch zip archive: {e}") from None
        pkl = [n for n in names if n.endswith("/data.pkl") and n.count("/") == 1]
        if len(pkl) != 1:
            raise FormatError(f"{where} is a zip file but not a PyTorch archive (no <folder>/data.pkl entry)")
        self.prefix = pkl[0][: -len("data.pkl")]
        self._cache: dict[str, _Storage] = {}
        order = self._read("byteorder", required=False)
        if order not in (None, b"little", b"big"):
            raise FormatError(f"{where}: unknown byteorder {order!r}")
        self.byteorder = "<" if order in (None, b"little") else ">"

    def _read(self, name: str, required: bool = True, size: int | None = None) -> bytes | None:
        """An entry's bytes; ``size`` (when known) is checked before anything is read or inflated."""
        try:
            info = self.zf.getinfo(self.prefix + name)
            # zipfile reads compress_size bytes in one call (a file object allocates all of them first):
            # a size field bigger than the file would let a 2 KB archive ask for 4 GB.
            if info.header_offset + info.compress_size > self.size:
                raise FormatError(f"{self.where}: entry {info.filename} claims {info.compress_size} bytes at offset "
                                  f"{info.header_offset}, beyond the end of the {self.size}-byte file")
            if size is not None and info.file_size != size:
                raise pickle.UnpicklingError(
                    f"{self.where}: entry {info.filename} holds {info.file_size} bytes, expected {size}"
                )
            if info.compress_type != zipfile.ZIP_STORED and info.file_size > 100 * max(info.compress_size, 1024):
                raise FormatError(f"{self.where}: entry {info.filename} inflates {info.file_size} bytes from "
                                  f"{info.compress_size}: refused (PyTorch stores its entries uncompressed)")
            return self.zf.read(info)
        except FormatError:
            raise
        except KeyError:
            if required:
                raise FormatError(f"{self.where}: the archive has no entry {self.prefix + name}") from None
            return None
        except _ZIP_ERRORS as e:
            raise FormatError(f"{self.where}: entry {self.prefix + name} is damaged: {e}") from None

    def storage(self, key: str, dt: np.dtype, numel: int) -> _Storage:
        cached = self._cache.get(key)
        if cached is not None:
            if cached.array.dtype != dt.newbyteorder(self.byteorder):
                raise pickle.UnpicklingError(f"{self.where}: storage {key} is used with two dtypes")
            return cached
        if "/" in key or key.startswith("."):
            raise pickle.UnpicklingError(f"{self.where}: invalid storage key {key!r}")
        if numel < 0:
            raise pickle.UnpicklingError(f"{self.where}: storage {key} declares {numel} elements")
        try:
            raw = self._read(f"data/{key}", size=numel * dt.itemsize)
        except pickle.UnpicklingError:
            found = self.zf.getinfo(f"{self.prefix}data/{key}").file_size
            raise pickle.UnpicklingError(
                f"{self.where}: storage {key} holds {found} bytes, but {numel} elements of {dt} were declared"
            ) from None
        s = self._cache[key] = _Storage(np.frombuffer(raw, dtype=dt.newbyteorder(self.byteorder)))
        return s

    def load(self, weights_only: bool) -> Any:
        data = self._read("data.pkl")
        _check_pickle(data, f"{self.where}: data.pkl")
        return _Unpickler(io.BytesIO(data), self, weights_only).load()


# Opcodes whose argument is a memo index: C's unpickler grows its memo table to twice the index.
_MEMO_PUTS = {"BINPUT", "LONG_BINPUT", "PUT"}


def _check_pickle(data: bytes, where: str) -> None:
    """Refuse a pickle whose lengths or memo indices would make the unpickler allocate far beyond its size.

    C's unpickler allocates a counted argument (BINBYTES, BINUNICODE, LONG4, ...) at its declared length
    before reading it, and grows its memo to twice a PUT's index: one flipped byte made a 1 KB archive
    allocate 671 MB (fuzzer, issue 26). ``pickletools.genops`` parses every opcode and its argument
    without trusting a length (it reads what is there and says when less than declared remains), so the
    scan below costs a pass over data.pkl, which holds only the object's structure, not tensor data.
    """
    import pickletools  # only when loading an archive: `import mytorch` stays light

    try:
        for op, arg, _pos in pickletools.genops(io.BytesIO(data)):
            if op.name in _MEMO_PUTS and isinstance(arg, int) and not 0 <= arg <= len(data):
                raise pickle.UnpicklingError(f"{where}: memo index {arg} in a pickle of {len(data)} bytes")
    except pickle.UnpicklingError:
        raise
    except (ValueError, EOFError, UnicodeDecodeError, struct.error, OverflowError) as e:
        raise pickle.UnpicklingError(f"{where} is damaged: {e}") from None


def load_archive(source: bytes | str, where: str, weights_only: bool = True) -> Any:
    """The object stored in a PyTorch zip archive, given as bytes or a path (``where`` names it in errors)."""
    archive = _Archive(source, where)
    try:
        with archive.zf:
            return archive.load(weights_only)
    except FormatError:
        raise
    except pickle.UnpicklingError as e:
        if str(e).startswith(where):
            raise
        raise pickle.UnpicklingError(f"{where}: {e}") from None
    except (EOFError, struct.error, ValueError, TypeError, IndexError, KeyError, AttributeError) as e:
        raise pickle.UnpicklingError(f"{where}: the pickled data is damaged ({type(e).__name__}: {e})") from None
