"""Tensor factories: ``tensor``, ``zeros``, ``ones``, ``full``, ``arange``, ``rand``, ...

Dtype inference follows PyTorch: Python floats become the default float dtype (float32), Python
ints int64, bools bool; NumPy arrays and scalars keep their dtype (float64 stays float64).
Random factories draw from mytorch's generator (``mytorch.manual_seed``).
"""

from __future__ import annotations

import builtins
from typing import Any

from . import _dtype
from ._backend import ndarray, xp
from ._device import check_device as _check_device
from ._tensor import Tensor, _shape_arg, _to_array
from .random import Generator, _numpy_generator
from .random import _draw as _random_draw


def tensor(data: Any, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data`` (nested lists, scalars, NumPy arrays, tensors)."""
    _check_device(device)
    return Tensor(data, dtype=dtype, requires_grad=requires_grad)


def as_tensor(data: Any, dtype=None, device=None) -> Tensor:
    """Like ``tensor`` but shares memory with ``data`` when it is already a matching array/tensor."""
    _check_device(device)
    if isinstance(data, Tensor) and (dtype is None or _dtype.as_dtype(dtype) == data.dtype):
        return data
    if isinstance(data, ndarray) and (dtype is None or _dtype.as_dtype(dtype) == data.dtype):
        return from_numpy(data)
    return tensor(data, dtype=dtype)


def from_numpy(array: ndarray) -> Tensor:
    """A tensor that shares memory with a NumPy array (changes to one show in the other)."""
    if not isinstance(array, ndarray):
        raise TypeError(f"expected a numpy.ndarray, got {type(array).__name__}")
    _dtype.as_dtype(array.dtype)
    return Tensor._make(array, False, None)


def _finish(arr: ndarray, requires_grad: bool) -> Tensor:
    t = Tensor._make(arr, False, None)
    return t.requires_grad_(True) if requires_grad else t


def zeros(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    _check_device(device)
    return _finish(xp.zeros(_shape_arg(size), _dtype.as_dtype(dtype)), requires_grad)


def ones(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    _check_device(device)
    return _finish(xp.ones(_shape_arg(size), _dtype.as_dtype(dtype)), requires_grad)


def empty(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    _check_device(device)
    return _finish(xp.empty(_shape_arg(size), _dtype.as_dtype(dtype)), requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor of ``size`` filled with ``fill_value``; the dtype follows the value (int → int64)."""
    _check_device(device)
    if dtype is None:
        dtype = _to_array(fill_value).dtype
    return _finish(xp.full(_shape_arg((size,)), fill_value, _dtype.as_dtype(dtype)), requires_grad)


def _like(t: Tensor, dtype):
    return t.shape, (t.dtype if dtype is None else _dtype.as_dtype(dtype))


def zeros_like(input: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:  # noqa: A002
    _check_device(device)
    shape, dt = _like(input, dtype)
    return _finish(xp.zeros(shape, dt), requires_grad)


def ones_like(input: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:  # noqa: A002
    _check_device(device)
    shape, dt = _like(input, dtype)
    return _finish(xp.ones(shape, dt), requires_grad)


def empty_like(input: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:  # noqa: A002
    _check_device(device)
    shape, dt = _like(input, dtype)
    return _finish(xp.empty(shape, dt), requires_grad)


def full_like(input: Tensor, fill_value, dtype=None, device=None, requires_grad: bool = False) -> Tensor:  # noqa: A002
    _check_device(device)
    shape, dt = _like(input, dtype)
    return _finish(xp.full(shape, fill_value, dt), requires_grad)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Values from ``start`` to ``end`` (exclusive) by ``step``; int64 unless a bound is a float."""
    _check_device(device)
    if end is None:
        start, end = 0, start
    if dtype is None:
        is_int = all(isinstance(v, (builtins.int, xp.integer)) for v in (start, end, step))
        dtype = _dtype.int64 if is_int else _dtype.get_default_dtype()
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    return _finish(xp.arange(start, end, step).astype(_dtype.as_dtype(dtype)), requires_grad)


def linspace(start, end, steps: int, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    _check_device(device)
    return _finish(xp.linspace(start, end, steps).astype(_dtype.as_dtype(dtype)), requires_grad)


def eye(n: int, m: int | None = None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    _check_device(device)
    return _finish(xp.eye(n, m, dtype=_dtype.as_dtype(dtype)), requires_grad)


def _float_dtype(dtype):
    d = _dtype.as_dtype(dtype)
    if d.kind != "f":
        raise TypeError(f"random floats need a floating point dtype, got {d}")
    return d


def _draw(kind: str, size, dtype, generator):
    d = _float_dtype(dtype)
    return _random_draw(kind, size, d, generator).astype(d, copy=False)


def rand(*size, generator: Generator | None = None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Samples from U[0, 1)."""
    _check_device(device)
    return _finish(_draw("uniform", _shape_arg(size), dtype, generator), requires_grad)


def randn(*size, generator: Generator | None = None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Samples from N(0, 1)."""
    _check_device(device)
    return _finish(_draw("normal", _shape_arg(size), dtype, generator), requires_grad)


def rand_like(input: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:  # noqa: A002
    return rand(input.shape, dtype=input.dtype if dtype is None else dtype, device=device, requires_grad=requires_grad)


def randn_like(input: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:  # noqa: A002
    return randn(input.shape, dtype=input.dtype if dtype is None else dtype, device=device, requires_grad=requires_grad)


def randint(low, high=None, size=None, *, generator: Generator | None = None, dtype=None, device=None) -> Tensor:
    """Integers drawn uniformly from [low, high) (``randint(high, size)`` means low = 0)."""
    _check_device(device)
    if size is None:  # randint(high, size)
        low, high, size = 0, low, high
    if size is None:
        raise TypeError("randint() needs a size, e.g. randint(0, 10, (3,))")
    if high <= low:
        raise RuntimeError(f"randint: expected low < high, got low={low}, high={high}")
    d = _dtype.int64 if dtype is None else _dtype.as_dtype(dtype)
    arr = _numpy_generator(generator).integers(low, high, size=_shape_arg((size,)), dtype=_dtype.int64)
    return Tensor._make(arr.astype(d, copy=False), False, None)


def randperm(n: int, *, generator: Generator | None = None, dtype=None, device=None) -> Tensor:
    """A random permutation of 0 … n−1 (int64)."""
    _check_device(device)
    d = _dtype.int64 if dtype is None else _dtype.as_dtype(dtype)
    return Tensor._make(_numpy_generator(generator).permutation(n).astype(d), False, None)
