"""Loading pickles of plain data without ever running code the pickle names.

A pickle is a small program: its GLOBAL/STACK_GLOBAL/INST opcodes look up any importable callable
(``os.system``, ``builtins.eval``, ...) and REDUCE calls it. The only way those opcodes reach an
object is ``Unpickler.find_class`` (extension codes go through it too), so overriding it with an
allow-list closes the door. The allow-list is what a NumPy array, a NumPy scalar and (pickle
protocols 0-2) a ``bytes`` object need to rebuild themselves, each replaced by a checking wrapper:

* dtypes are plain numbers only (bool, int, uint, float, complex): no structured fields (a field
  offset outside the item would make NumPy read foreign memory), no sub-arrays, no objects;
* the BUILD opcode, which calls ``__setstate__``, is accepted only on those arrays and dtypes,
  with a state of the exact form NumPy writes: a dtype may only get a byte order, an array gets a
  shape, a plain dtype and exactly ``prod(shape) * itemsize`` bytes of data;
* ``_codecs.encode`` (how protocols 0-2 spell ``bytes``) only with latin-1, the lossless codec;
* every byte these callables allocate is counted against a budget of twice the file size (plus
  1 MiB), so a 100-byte pickle cannot declare a 3 GB array;
* the loaded value is walked without recursion and refused if it contains itself, nests more than
  100 deep, or expands (counting a shared container once per reference) to more items than the
  file could spell one by one: a few kilobytes of memo references cannot stand for 2**30 labels.

The pure-Python unpickler is used because the C one cannot have its BUILD opcode replaced; the
data of a batch is one large string opcode, so this costs milliseconds. Everything else a pickle
can build with opcodes alone is plain data (dicts, lists, tuples, sets, strings, bytes, numbers,
booleans and None), and the loaded value is checked against that list as well.
"""

from __future__ import annotations

import io
import math
import os
import pickle
from struct import error as struct_error
from struct import unpack as struct_unpack
from typing import Any

import numpy as np

# The callables NumPy names in its pickles (numpy.core.* in NumPy 1, numpy._core.* in NumPy 2):
# taken from NumPy itself, not imported by name.
_np_reconstruct = np.empty(0).__reduce__()[0]
_np_frombuffer = np.empty(0).__reduce_ex__(5)[0]  # protocol 5: _frombuffer(buffer, dtype, shape, order)
_np_scalar = np.int64(0).__reduce__()[0]  # a NumPy scalar: scalar(dtype, its bytes)
_PLAIN = (dict, list, tuple, set, frozenset, str, bytes, bytearray, int, float, complex, bool, type(None))
_PLAIN_KINDS = "biufc"
_MAX_DIMS = 32
_MAX_DEPTH = 100  # containers within containers; a CIFAR batch nests 2 deep


class _Refused(pickle.UnpicklingError):
    pass


class _NdarrayName:
    """What the name ``numpy.ndarray`` resolves to: a token for ``_reconstruct``, not the class (calling
    ``numpy.ndarray(shape)`` through REDUCE or NEWOBJ would allocate whatever the shape says)."""


def _is_plain_dtype(dtype: Any) -> bool:
    return (
        isinstance(dtype, np.dtype) and dtype.kind in _PLAIN_KINDS and dtype.fields is None
        and dtype.subdtype is None and not dtype.hasobject and dtype.itemsize > 0
    )


def _check_dtype(dtype: Any) -> np.dtype:
    if not _is_plain_dtype(dtype):
        raise _Refused(f"refusing NumPy dtype {dtype!r}: only plain bool/int/uint/float/complex dtypes are allowed")
    return dtype


def _check_shape(shape: Any) -> tuple[int, ...]:
    if (
        type(shape) is not tuple or len(shape) > _MAX_DIMS
        or not all(type(d) is int and d >= 0 for d in shape)
    ):
        raise _Refused(f"refusing array shape {shape!r}: expected a tuple of at most {_MAX_DIMS} non-negative ints")
    return shape


def _as_bytes(data: Any, what: str) -> bytes | bytearray | memoryview:
    if isinstance(data, str):  # Python 2 strings read with encoding="latin1"
        try:
            return data.encode("latin-1")
        except UnicodeEncodeError:
            raise _Refused(f"{what}: a string with characters beyond latin-1") from None
    if isinstance(data, (bytes, bytearray)):
        return data
    if isinstance(data, pickle.PickleBuffer):
        return data.raw()
    raise _Refused(f"{what}: expected bytes, got {type(data).__name__}")


def _empty_bytes(*args: Any) -> bytes:
    if args:
        raise _Refused("refusing bytes(...) with arguments (only bytes() for b'' is allowed)")
    return b""


class _RestrictedUnpickler(pickle._Unpickler):  # noqa: SLF001  (the Python unpickler: BUILD can be replaced)
    def __init__(self, file: Any, budget: int) -> None:
        super().__init__(file, encoding="latin1")
        self._budget = budget
        self._allowed = {
            ("numpy.core.multiarray", "_reconstruct"): self._reconstruct,
            ("numpy._core.multiarray", "_reconstruct"): self._reconstruct,
            ("numpy.core.numeric", "_frombuffer"): self._frombuffer,
            ("numpy._core.numeric", "_frombuffer"): self._frombuffer,
            ("numpy.core.multiarray", "scalar"): self._scalar,
            ("numpy._core.multiarray", "scalar"): self._scalar,
            ("numpy", "ndarray"): _NdarrayName,
            ("numpy", "dtype"): self._dtype,
            ("_codecs", "encode"): self._encode,
            ("__builtin__", "bytes"): _empty_bytes,  # protocols 0-2 spell b"" as bytes()
            ("builtins", "bytes"): _empty_bytes,
        }

    def _spend(self, nbytes: int, what: str) -> None:
        self._budget -= nbytes
        if self._budget < 0:
            raise _Refused(f"{what} would allocate more memory than a pickle of this size can describe")

    # ---------------------------------------------------------------- the admitted callables
    def _dtype(self, name: Any, align: Any = False, copy: Any = True) -> np.dtype:
        if type(name) is not str or len(name) > 8 or align not in (False, 0):
            raise _Refused(f"refusing NumPy dtype({name!r}, align={align!r}): only plain numeric type codes")
        try:
            dtype = np.dtype(name)
        except TypeError:
            raise _Refused(f"refusing NumPy dtype {name!r}: not a type code") from None
        # Always a private copy: BUILD sets the byte order on it, never on NumPy's shared dtype objects.
        return np.dtype(_check_dtype(dtype), copy=True)

    def _reconstruct(self, subtype: Any, shape: Any, typecode: Any) -> np.ndarray:
        if subtype is not _NdarrayName:
            raise _Refused(f"refusing to rebuild an array of type {subtype!r} (only numpy.ndarray)")
        shape = _check_shape(shape if type(shape) is tuple else (shape,))
        self._spend(math.prod(shape), "the array's initial shape")
        return _np_reconstruct(np.ndarray, shape, np.dtype("u1"))  # the real dtype comes with BUILD

    def _frombuffer(self, buffer: Any, dtype: Any, shape: Any, order: Any) -> np.ndarray:
        buf = _as_bytes(buffer, "array data")
        shape, dtype = _check_shape(shape), _check_dtype(dtype)
        if order not in ("C", "F") or len(buf) != math.prod(shape) * dtype.itemsize:
            raise _Refused(f"array data of {len(buf)} bytes does not fit shape {shape} of {dtype}")
        return _np_frombuffer(buf, dtype, shape, order)

    def _scalar(self, dtype: Any, data: Any = None) -> np.generic:
        dtype = _check_dtype(dtype)
        raw = _as_bytes(data, "a NumPy scalar")
        if len(raw) != dtype.itemsize:
            raise _Refused(f"a NumPy {dtype} scalar needs {dtype.itemsize} bytes, got {len(raw)}")
        return _np_scalar(dtype, bytes(raw))

    def _encode(self, obj: Any, encoding: Any = "utf-8") -> bytes:
        # Protocols 0-2 write bytes as _codecs.encode(str, "latin1"); no other codec (some decompress).
        if type(obj) is not str or encoding not in ("latin1", "latin-1"):
            raise _Refused(f"refusing _codecs.encode with {type(obj).__name__} and codec {encoding!r}")
        self._spend(len(obj), "bytes")
        try:
            return obj.encode("latin-1")
        except UnicodeEncodeError:
            raise _Refused("bytes spelled with characters beyond latin-1") from None

    # ---------------------------------------------------------------- opcodes
    def find_class(self, module: str, name: str) -> Any:
        try:
            return self._allowed[(module, name)]
        except KeyError:
            raise _Refused(
                f"refusing to load {module}.{name}: only dicts, lists, strings, numbers and NumPy arrays are allowed"
            ) from None

    def persistent_load(self, pid: Any) -> Any:
        raise _Refused("refusing a persistent id: only plain data is allowed")

    def load_build(self) -> None:
        state = self.stack.pop()
        inst = self.stack[-1]
        if type(inst) is np.ndarray:
            self._build_array(inst, state)
        elif isinstance(inst, np.dtype):
            self._build_dtype(inst, state)
        else:
            raise _Refused(f"refusing to set the state of a {type(inst).__name__}")

    def _build_dtype(self, dtype: np.dtype, state: Any) -> None:
        # NumPy writes (3, byteorder, None, None, None, -1, -1, flags) for a plain dtype (4: + metadata).
        if (
            type(state) is not tuple or len(state) not in (8, 9) or state[0] not in (3, 4)
            or state[1] not in ("<", ">", "|", "=") or state[2:5] != (None, None, None)
            or state[5:7] != (-1, -1) or type(state[7]) is not int or (len(state) == 9 and state[8] not in (None, {}))
        ):
            raise _Refused(f"refusing dtype state {state!r}: a plain dtype only carries its byte order")
        dtype.__setstate__((3, state[1], None, None, None, -1, -1, state[7]))
        _check_dtype(dtype)

    def _build_array(self, array: np.ndarray, state: Any) -> None:
        if type(state) is tuple and len(state) == 5 and state[0] == 1:
            state = state[1:]
        if type(state) is not tuple or len(state) != 4:
            raise _Refused("refusing an array state that is not (version, shape, dtype, fortran, data)")
        shape, dtype, fortran, data = state
        shape, dtype = _check_shape(shape), _check_dtype(dtype)
        raw = _as_bytes(data, "array data")
        need = math.prod(shape) * dtype.itemsize
        if fortran not in (True, False) or len(raw) != need:
            raise _Refused(f"array data of {len(raw)} bytes for shape {shape} of {dtype} (needs {need})")
        self._spend(need, "the array")
        array.__setstate__((1, shape, dtype, bool(fortran), bytes(raw) if not isinstance(raw, bytes) else raw))

    def load_bytearray8(self) -> None:
        # pickle allocates bytearray(n) before reading: a flipped bit in n asked for 2**56 bytes (fuzzer, issue 26)
        (n,) = struct_unpack("<Q", self.read(8))
        self._spend(n, "a bytearray")
        b = bytearray(n)
        self.readinto(b)
        self.append(b)

    dispatch = dict(pickle._Unpickler.dispatch)  # noqa: SLF001
    dispatch[pickle.BUILD[0]] = load_build
    dispatch[pickle.BYTEARRAY8[0]] = load_bytearray8


def _children(o: Any) -> list:
    if isinstance(o, dict):
        return [*o.keys(), *o.values()]
    if isinstance(o, (list, tuple, set, frozenset)):
        return list(o)
    return []


def _check_plain(obj: Any, max_items: int) -> None:
    """Raise unless ``obj`` is made only of plain containers, scalars and plain numeric arrays.

    Also refused, before anything walks the value recursively: a container that contains itself,
    nesting deeper than ``_MAX_DEPTH``, and shared containers that *expand* to more than
    ``max_items`` items (``[x, x]`` with ``x = [y, y]`` ...: 30 levels of a few bytes each are 2**30
    leaves once a caller iterates, prints or copies them). Counted bottom-up, each object once:
    ``items(o) = 1 + sum(items(child))``.
    """
    state: dict[int, bool] = {}  # id -> finished (False: on the current path)
    order = []
    stack: list[tuple[Any, bool]] = [(obj, False)]
    path = 0  # containers on the current path: the nesting depth
    while stack:
        o, leaving = stack.pop()
        if leaving:
            state[id(o)] = True
            order.append(o)
            path -= 1
            continue
        if id(o) in state:
            if not state[id(o)]:
                raise _Refused(f"refusing a {type(o).__name__} that contains itself")
            continue
        if isinstance(o, (np.ndarray, np.generic)):
            if (isinstance(o, np.ndarray) and type(o) is not np.ndarray) or not _is_plain_dtype(o.dtype):
                raise _Refused(f"refusing a {type(o).__name__} of dtype {o.dtype}")
        elif type(o) not in _PLAIN:
            raise _Refused(f"refusing an object of type {type(o).__name__}")
        state[id(o)] = False
        path += 1
        if path > _MAX_DEPTH:
            raise _Refused(f"refusing plain data nested more than {_MAX_DEPTH} containers deep")
        stack.append((o, True))
        stack.extend((c, False) for c in _children(o))
    items: dict[int, int] = {}
    for o in order:  # children before their parents
        items[id(o)] = n = 1 + sum(items[id(c)] for c in _children(o))
        if n > max_items:
            raise _Refused(f"refusing plain data of more than {max_items} items (shared {type(o).__name__}s "
                           f"repeated: {n} once expanded, more than a file of this size can hold)")


def safe_load_pickle(path: str | os.PathLike, max_file_bytes: int | None = None) -> Any:
    """Unpickle the plain data in ``path`` (dicts, lists, str/bytes, numbers, NumPy arrays and scalars).

    A pickle that names any other callable or class, or a dtype that is not a plain number, is
    refused with ``ValueError`` before anything it names could run; so is one whose arrays would
    need more memory than the file size allows, and one whose value contains itself, nests more than
    100 containers deep or shares containers so that it expands to more items than the file could
    spell one by one (4 per byte). Strings pickled by Python 2 are decoded as latin-1
    (as NumPy needs). ``max_file_bytes`` refuses larger files before reading them.
    """
    path = os.fspath(path)
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        if max_file_bytes is not None and size > max_file_bytes:
            raise ValueError(f"{path}: {size} bytes, more than the {max_file_bytes} expected of this file")
        data = f.read()
    try:
        obj = _RestrictedUnpickler(io.BytesIO(data), budget=2 * len(data) + (1 << 20)).load()
        # Every item costs the stream at least one opcode byte unless it is a shared reference.
        _check_plain(obj, max_items=4 * len(data) + 1024)
    except pickle.UnpicklingError as e:
        raise ValueError(f"{path}: unsafe or invalid pickle: {e}") from None
    except (
        EOFError, ValueError, TypeError, AttributeError, IndexError, KeyError, MemoryError, RecursionError,
        OverflowError, struct_error, UnicodeDecodeError,
    ) as e:
        # What a truncated or garbled pickle raises; no allowed callable can raise anything worse.
        raise ValueError(f"{path}: corrupt pickle ({type(e).__name__}: {e})") from None
    return obj

