"""Tensor factories: ``tensor``, ``zeros``, ``ones``, ``full``, ``arange``, ``rand``, ...

Dtype inference follows PyTorch: Python floats become the default float dtype (float32), Python
ints int64, bools bool; NumPy arrays and scalars keep their dtype (float64 stays float64).
Random factories draw from mytorch's generator (``mytorch.manual_seed``).
"""

from __future__ import annotations

import builtins
import math
from typing import Any

from . import _dtype, _rng_draws, _sampling
from ._backend import ndarray, xp
from ._device import check_device as _check_device
from ._tensor import Tensor, _shape_arg, _to_array
from .random import Generator, _generator


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
    """A tensor of zeros of shape ``size`` (sizes as arguments or one tuple), of the default dtype unless ``dtype``."""
    _check_device(device)
    return _finish(xp.zeros(_shape_arg(size), _dtype.as_dtype(dtype)), requires_grad)


def ones(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones of shape ``size`` (sizes as arguments or one tuple), of the default dtype unless ``dtype``."""
    _check_device(device)
    return _finish(xp.ones(_shape_arg(size), _dtype.as_dtype(dtype)), requires_grad)


def empty(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """An uninitialised tensor of shape ``size``: its values are whatever the memory held."""
    _check_device(device)
    return _finish(xp.empty(_shape_arg(size), _dtype.as_dtype(dtype)), requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor of ``size`` filled with ``fill_value``; the dtype follows the value (int → int64)."""
    _check_device(device)
    if dtype is None:
        dtype = _to_array(fill_value).dtype
    dtype = _dtype.as_dtype(dtype)
    shape = _shape_arg((size,))
    return _finish(xp.full(shape, _dtype.fit_scalar(fill_value, dtype, math.prod(shape) != 1), dtype), requires_grad)


def _like(t: Tensor, dtype):
    return t.shape, (t.dtype if dtype is None else _dtype.as_dtype(dtype))


def zeros_like(input: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:  # noqa: A002
    """Zeros of ``input``'s shape and dtype (unless ``dtype`` is given)."""
    _check_device(device)
    shape, dt = _like(input, dtype)
    return _finish(xp.zeros(shape, dt), requires_grad)


def ones_like(input: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:  # noqa: A002
    """Ones of ``input``'s shape and dtype (unless ``dtype`` is given)."""
    _check_device(device)
    shape, dt = _like(input, dtype)
    return _finish(xp.ones(shape, dt), requires_grad)


def empty_like(input: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:  # noqa: A002
    """An uninitialised tensor of ``input``'s shape and dtype (unless ``dtype`` is given)."""
    _check_device(device)
    shape, dt = _like(input, dtype)
    return _finish(xp.empty(shape, dt), requires_grad)


def full_like(input: Tensor, fill_value, dtype=None, device=None, requires_grad: bool = False) -> Tensor:  # noqa: A002
    """A tensor of ``input``'s shape and dtype (unless ``dtype`` is given) filled with ``fill_value``."""
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
    r"""``steps`` evenly spaced values from ``start`` to ``end``, both included: $x_k = s + k\,(e - s)/(n - 1)$."""
    _check_device(device)
    return _finish(xp.linspace(start, end, steps).astype(_dtype.as_dtype(dtype)), requires_grad)


def eye(n: int, m: int | None = None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """The n x m identity matrix (square when ``m`` is None): ones on the diagonal, zeros elsewhere."""
    _check_device(device)
    return _finish(xp.eye(n, m, dtype=_dtype.as_dtype(dtype)), requires_grad)


def _float_dtype(dtype):
    d = _dtype.as_dtype(dtype)
    if d.kind != "f":
        raise TypeError(f"random floats need a floating point dtype, got {d}")
    return d


def _empty(shape, dtype) -> Tensor:
    return Tensor._make(xp.empty(shape, dtype), False, None)


def rand(*size, generator: Generator | None = None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Samples from U[0, 1): ``empty(size).uniform_()``, PyTorch's numbers for the same seed."""
    _check_device(device)
    out = _sampling.uniform_(_empty(_shape_arg(size), _float_dtype(dtype)), 0.0, 1.0, generator)
    return out.requires_grad_(True) if requires_grad else out


def randn(*size, generator: Generator | None = None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Samples from N(0, 1): ``empty(size).normal_()``, PyTorch's numbers for the same seed."""
    _check_device(device)
    out = _sampling.normal_(_empty(_shape_arg(size), _float_dtype(dtype)), 0.0, 1.0, generator)
    return out.requires_grad_(True) if requires_grad else out


def rand_like(input: Tensor, *, generator: Generator | None = None, dtype=None, device=None,  # noqa: A002
              requires_grad: bool = False) -> Tensor:
    """``rand`` with ``input``'s shape (and dtype unless given)."""
    return rand(input.shape, generator=generator, dtype=input.dtype if dtype is None else dtype, device=device,
                requires_grad=requires_grad)


def randn_like(input: Tensor, *, generator: Generator | None = None, dtype=None, device=None,  # noqa: A002
               requires_grad: bool = False) -> Tensor:
    """``randn`` with ``input``'s shape (and dtype unless given)."""
    return randn(input.shape, generator=generator, dtype=input.dtype if dtype is None else dtype, device=device,
                 requires_grad=requires_grad)


def randint_like(input: Tensor, low: int = 0, high: int | None = None, *,  # noqa: A002
                 generator: Generator | None = None, dtype=None, device=None) -> Tensor:
    """``randint`` with ``input``'s shape and dtype: ``randint_like(x, high)`` or ``randint_like(x, low, high)``."""
    if high is None:
        low, high = 0, low
    return randint(low, high, tuple(input.shape), generator=generator,
                   dtype=input.dtype if dtype is None else dtype, device=device)


def _is_size(value) -> bool:
    return isinstance(value, (tuple, list)) and all(isinstance(v, (builtins.int, xp.integer)) for v in value)


def randint(*args, low=None, high=None, size=None, generator: Generator | None = None, dtype=None, device=None,
            requires_grad: bool = False) -> Tensor:
    """Integers drawn uniformly from [low, high): ``randint(high, size)`` or ``randint(low, high, size)``.

    ``size`` is a tuple (or list) of ints, positional or ``size=``; the result is int64 unless
    ``dtype`` says otherwise.
    """
    _check_device(device)
    usage = "randint(high, size) or randint(low, high, size), with size a tuple such as (3,) or (2, 4)"
    if high is not None:  # the keyword forms randint(low=..., high=..., size=...)
        args = (0 if low is None else low, high) + args
    elif low is not None:
        raise TypeError(f"randint(): low= was given without high=; call it as {usage}")
    if size is None and args and (len(args) == 3 or _is_size(args[-1])):
        args, size = args[:-1], args[-1]
    if size is None:
        got = ", ".join(repr(a) for a in args)
        raise TypeError(f"randint({got}) has no size: call it as {usage}")
    if not _is_size(size):
        raise TypeError(f"randint(): size must be a tuple of ints, got {size!r}; call it as {usage}")
    if len(args) == 1:
        low, high = 0, args[0]
    elif len(args) == 2:
        low, high = args
    else:
        raise TypeError(f"randint() takes a high bound, or low and high bounds, then a size: {usage}")
    for name, v in (("low", low), ("high", high)):
        if not isinstance(v, (builtins.int, xp.integer)) or isinstance(v, builtins.bool):
            raise TypeError(f"randint(): {name} must be an int, got {v!r}; call it as {usage}")
    if high <= low:
        raise RuntimeError(f"randint(): low must be less than high, got low={low}, high={high}")
    if requires_grad:
        raise RuntimeError("randint: integer tensors cannot require gradients")
    d = _dtype.int64 if dtype is None else _dtype.as_dtype(dtype)
    return _sampling.random_(_empty(_shape_arg((size,)), d), low, high, generator)


def normal(mean, std=1.0, size=None, *, generator: Generator | None = None, dtype=None, device=None,
           requires_grad: bool = False, out=None) -> Tensor:
    """Samples of N(mean, std²): ``normal(mean, std, size)`` with numbers, or elementwise with tensors.

    As PyTorch computes it: numbers draw ``empty(size).normal_(mean, std)``; a tensor mean with a
    number std draws ``normal_(0, std)`` then adds the mean; a tensor std draws ``normal_(0, 1)``,
    multiplies by std and adds the mean (each step rounded in the result's dtype). The shape is the
    broadcast of the tensors'; the sample carries no gradient.
    """
    _check_device(device)
    tensors = [v for v in (mean, std) if isinstance(v, Tensor)]
    if tensors:
        if size is not None:
            raise TypeError("normal(): size cannot be given when mean or std is a tensor")
        floats = [t.dtype for t in tensors if t.dtype.kind == "f"]
        if not floats:
            raise RuntimeError("normal(): mean and std tensors must be floating point")
        d = floats[0] if dtype is None else _float_dtype(dtype)
        m = mean._data if isinstance(mean, Tensor) else mean
        s = std._data if isinstance(std, Tensor) else std
        shape = xp.broadcast_shapes(xp.shape(m), xp.shape(s))
    else:
        if size is None:
            raise TypeError("normal(mean, std, size): size is required when mean and std are numbers")
        d, m, s, shape = _float_dtype(dtype), mean, std, _shape_arg((size,))
    if xp.any(xp.asarray(s) < 0):
        raise RuntimeError(f"normal expects all elements of std >= 0.0, got std={std!r}")
    z = _empty(shape, d)
    if not tensors:
        _sampling.normal_(z, float(m), float(s), generator)
        data = z._data
    elif isinstance(std, Tensor):
        _sampling.normal_(z, 0.0, 1.0, generator)
        scaled = (z._data * xp.asarray(s).astype(d, copy=False)).astype(d, copy=False)  # output.mul_(std)
        data = (scaled + xp.asarray(m, dtype=d)).astype(d)  # .add_(mean), each rounded in the dtype
    else:
        _sampling.normal_(z, 0.0, float(s), generator)
        data = (z._data + xp.asarray(m).astype(d, copy=False)).astype(d, copy=False)
    result = _finish(xp.ascontiguousarray(data), requires_grad)
    if out is not None:
        from ._functional import _into

        return _into(result, out)
    return result


def randperm(n: int, *, generator: Generator | None = None, dtype=None, device=None) -> Tensor:
    """A random permutation of 0 … n−1 (int64), PyTorch's shuffle for the same seed.

    Below 2³²/20 elements: a forward Fisher-Yates swap per position with one 32-bit word; above,
    the inside-out shuffle with one 64-bit draw per element.
    """
    _check_device(device)
    if isinstance(n, builtins.bool) or not isinstance(n, (builtins.int, xp.integer)) or n < 0:
        raise RuntimeError(f"randperm(): n must be a non-negative int, got {n!r}")
    d = _dtype.int64 if dtype is None else _dtype.as_dtype(dtype)
    return Tensor._make(_rng_draws.randperm(_generator(generator), int(n)).astype(d), False, None)


def bernoulli(input: Tensor, p=None, *, generator: Generator | None = None, out=None) -> Tensor:  # noqa: A002
    """0/1 samples: probabilities ``input`` elementwise, or the number ``p`` for every element."""
    result = input.bernoulli(p, generator=generator)
    if out is not None:
        from ._functional import _into

        return _into(result, out)
    return result


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *,  # noqa: A002
                generator: Generator | None = None) -> Tensor:
    """Indices sampled from the rows of ``input`` (non-negative weights), PyTorch's draws."""
    return input.multinomial(num_samples, replacement, generator=generator)
