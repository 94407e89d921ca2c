"""Loading pickles of plain data without ever running code the pickle names.

A pickle is a small program: its GLOBAL/STACK_GLOBAL/INST opcodes look up any importable callable
(``os.system``, ``builtins.eval``, ...) and REDUCE calls it. The only way those opcodes reach an
object is ``Unpickler.find_class`` (extension codes go through it too), so overriding it with an
allow-list closes the door: here the allow-list is exactly what a NumPy array needs to rebuild
itself (``_reconstruct``, ``ndarray`` and ``dtype``; ``_frombuffer`` for protocol 5), with
object dtypes refused (an object array could smuggle arbitrary Python objects).
Everything else a pickle can build with opcodes alone is plain data: dicts, lists, tuples, sets,
strings, bytes, numbers, booleans and None. The loaded value is checked against that list as well.
"""

from __future__ import annotations

import io
import os
import pickle
from typing import Any

import numpy as np

# The callable NumPy names in an array's pickle (numpy.core.multiarray._reconstruct in NumPy 1,
# numpy._core.multiarray._reconstruct in NumPy 2): taken from NumPy itself, not imported by name.
_np_reconstruct = np.empty(0).__reduce__()[0]
# Protocol 5 pickles an array as numpy(._)core.numeric._frombuffer(buffer, dtype, shape, order).
_np_frombuffer = np.empty(0).__reduce_ex__(5)[0]
_PLAIN = (dict, list, tuple, set, frozenset, str, bytes, bytearray, int, float, complex, bool, type(None))


def _plain_dtype(*args: Any) -> np.dtype:
    dtype = np.dtype(*args)
    if dtype.hasobject:
        raise pickle.UnpicklingError(f"refusing a NumPy dtype that holds Python objects ({dtype})")
    return dtype


def _plain_array(subtype: Any, shape: Any, dtype: Any) -> np.ndarray:
    if subtype is not np.ndarray:
        raise pickle.UnpicklingError(f"refusing to rebuild an array of type {subtype!r} (only numpy.ndarray)")
    return _np_reconstruct(np.ndarray, shape, _plain_dtype(dtype))


def _plain_frombuffer(buffer: Any, dtype: Any, shape: Any, order: Any) -> np.ndarray:
    return _np_frombuffer(buffer, _plain_dtype(dtype), shape, order)


_ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"): _plain_array,
    ("numpy._core.multiarray", "_reconstruct"): _plain_array,
    ("numpy.core.numeric", "_frombuffer"): _plain_frombuffer,
    ("numpy._core.numeric", "_frombuffer"): _plain_frombuffer,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): _plain_dtype,
}


class _RestrictedUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(
                f"refusing to load {module}.{name}: only dicts, lists, strings, numbers and NumPy arrays are allowed"
            ) from None

    def persistent_load(self, pid: Any) -> Any:
        raise pickle.UnpicklingError("refusing a persistent id: only plain data is allowed")


def _check_plain(obj: Any) -> None:
    """Raise unless ``obj`` is made only of plain containers, scalars and non-object arrays (iterative)."""
    stack, seen = [obj], set()
    while stack:
        o = stack.pop()
        if id(o) in seen:
            continue
        seen.add(id(o))
        if isinstance(o, np.ndarray):
            if type(o) is not np.ndarray or o.dtype.hasobject:
                raise pickle.UnpicklingError(f"refusing a {type(o).__name__} of dtype {o.dtype}")
        elif type(o) not in _PLAIN:
            raise pickle.UnpicklingError(f"refusing an object of type {type(o).__name__}")
        elif isinstance(o, dict):
            stack.extend(o.keys())
            stack.extend(o.values())
        elif isinstance(o, (list, tuple, set, frozenset)):
            stack.extend(o)


def safe_load_pickle(path: str | os.PathLike) -> Any:
    """Unpickle the plain data in ``path`` (dicts, lists, str/bytes, numbers, NumPy arrays).

    A pickle that names any other callable or class is refused with ``ValueError`` before that
    callable could run. Strings pickled by Python 2 are decoded as latin-1 (as NumPy needs).
    """
    path = os.fspath(path)
    with open(path, "rb") as f:
        data = f.read()
    try:
        obj = _RestrictedUnpickler(io.BytesIO(data), encoding="latin1").load()
        _check_plain(obj)
    except pickle.UnpicklingError as e:
        raise ValueError(f"{path}: unsafe or invalid pickle: {e}") from None
    except (EOFError, ValueError, TypeError, AttributeError, IndexError, KeyError, MemoryError, RecursionError) as e:
        # What a truncated or garbled pickle raises; no allowed callable can raise anything worse.
        raise ValueError(f"{path}: corrupt pickle ({type(e).__name__}: {e})") from None
    return obj
