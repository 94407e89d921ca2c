"""Sampling on tensors: the in-place fills (``uniform_``, ``normal_``, ``bernoulli_`` ...) and ``multinomial``.

Each fill asks ``_rng_draws`` for the values in the order PyTorch's kernel visits the elements --
memory order, fastest stride last, so a transposed view is filled as its storage is laid out -- and
writes them there. ``normal_`` takes PyTorch's vectorised path only for a contiguous tensor of 16
or more elements, as PyTorch does.
"""

from __future__ import annotations

import numpy as np

from . import _rng_draws as draws
from .random import Generator, _generator


def _memory_view(data: np.ndarray) -> np.ndarray:
    """A view of ``data`` whose C order is its memory order (axes by decreasing stride)."""
    if data.flags.c_contiguous or data.ndim < 2:
        return data
    order = sorted(range(data.ndim), key=lambda k: -abs(data.strides[k]))
    return data.transpose(order)


def _write(tensor, values: np.ndarray):
    view = _memory_view(tensor._data)
    np.copyto(view, values.reshape(view.shape), casting="unsafe")
    return tensor


def _check(tensor, name: str, floating: bool = True) -> np.dtype:
    tensor._check_inplace()
    dtype = tensor._data.dtype
    if floating and dtype.kind != "f":
        raise RuntimeError(f"{name} needs a floating point tensor, got {dtype}")
    return dtype


def uniform_(tensor, a: float, b: float, generator: Generator | None):
    dtype = _check(tensor, "uniform_")
    return _write(tensor, draws.uniform(_generator(generator), tensor._data.size, dtype, float(a), float(b)))


def normal_(tensor, mean: float, std: float, generator: Generator | None):
    dtype = _check(tensor, "normal_")
    data = tensor._data
    values = draws.normal(_generator(generator), data.size, dtype, float(mean), float(std), data.flags.c_contiguous)
    return _write(tensor, values)


def bernoulli_(tensor, p, generator: Generator | None):
    from ._tensor import Tensor

    _check(tensor, "bernoulli_", floating=False)
    gen = _generator(generator)
    if isinstance(p, Tensor):
        probs = np.broadcast_to(p._data, tensor.shape) if p.shape != tensor.shape else p._data
        if probs.dtype.kind != "f":
            raise RuntimeError(f"bernoulli_: p must be a floating point tensor, got {probs.dtype}")
        values = draws.bernoulli_tensor(gen, np.ascontiguousarray(_memory_view_like(probs, tensor._data)))
    else:
        values = draws.bernoulli_scalar(gen, tensor._data.size, float(p))
    return _write(tensor, values)


def _memory_view_like(probs: np.ndarray, data: np.ndarray) -> np.ndarray:
    """``probs`` laid out in ``data``'s memory order (the order the kernel pairs them)."""
    if data.flags.c_contiguous or data.ndim < 2:
        return probs
    order = sorted(range(data.ndim), key=lambda k: -abs(data.strides[k]))
    return probs.transpose(order)


def exponential_(tensor, lambd: float, generator: Generator | None):
    dtype = _check(tensor, "exponential_")
    return _write(tensor, draws.exponential(_generator(generator), tensor._data.size, dtype, float(lambd)))


def geometric_(tensor, p: float, generator: Generator | None):
    dtype = _check(tensor, "geometric_", floating=False)
    return _write(tensor, draws.geometric(_generator(generator), tensor._data.size, dtype, float(p)))


def log_normal_(tensor, mean: float, std: float, generator: Generator | None):
    dtype = _check(tensor, "log_normal_")
    return _write(tensor, draws.log_normal(_generator(generator), tensor._data.size, dtype, float(mean), float(std)))


def cauchy_(tensor, median: float, sigma: float, generator: Generator | None):
    dtype = _check(tensor, "cauchy_")
    return _write(tensor, draws.cauchy(_generator(generator), tensor._data.size, dtype, float(median), float(sigma)))


def _dtype_bounds(dtype: np.dtype) -> tuple[int, int]:
    """[lowest, highest] integer a dtype's ``random_`` may produce (floats: ±2^mantissa)."""
    if dtype == np.bool_:
        return 0, 1
    if dtype.kind == "f":
        digits = np.finfo(dtype).nmant + 1
        return -(2**digits), 2**digits
    info = np.iinfo(dtype)
    return int(info.min), int(info.max)


def _update_from(low: int, dtype: np.dtype) -> int:
    """PyTorch's ``update_from``: move ``from`` right until from + 1 survives the cast to a float dtype."""
    plus1 = int(dtype.type(low + 1))
    if plus1 < low:
        return plus1 + (1 << (abs(low + 1).bit_length() - 1 - (np.finfo(dtype).nmant + 1) + 1))
    return low


def _update_to(high: int, dtype: np.dtype) -> int:
    """PyTorch's ``update_to``: move ``to`` left until to − 1 stays below it after the cast to a float dtype."""
    minus1 = int(dtype.type(high - 1))
    if minus1 >= high:
        return minus1 - (1 << (abs(high - 1).bit_length() - 1 - (np.finfo(dtype).nmant + 1) + 1))
    return high


def random_(tensor, low, high, generator: Generator | None):
    """``random_()``, ``random_(to)``, ``random_(from, to)``, ``random_(from, None)``."""
    dtype = _check(tensor, "random_", floating=False)
    gen = _generator(generator)
    n = tensor._data.size
    if low is None and high is None:
        return _write(tensor, draws.random_default(gen, n, dtype))
    lowest, highest = _dtype_bounds(dtype)
    low = 0 if low is None else int(low)
    if high is None:
        if low == -(2**63) and dtype in (np.int64, np.float64, np.float32):
            return _write(tensor, draws.random_from_to(gen, n, dtype, low, None))
        high = min(highest, 2**63 - 1) + 1
        if dtype.kind == "f":
            low = _update_from(low, dtype)
    else:
        high = int(high)
        if dtype.kind == "f":
            low, high = _update_from(low, dtype), _update_to(high, dtype)
    if not low < high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    if (low < lowest or high - 1 > highest) and dtype.kind == "f":  # torch only warns for floats
        import warnings

        warnings.warn(f"random_: from={low} or to - 1={high - 1} is outside [{lowest}, {highest}], where {dtype} "
                      "represents every integer", UserWarning, stacklevel=3)
    elif low < lowest or high - 1 > highest:
        raise RuntimeError(f"random_ expects 'from' and 'to - 1' to be within [{lowest}, {highest}] for {dtype}, "
                           f"got from={low}, to={high}")
    return _write(tensor, draws.random_from_to(gen, n, dtype, low, high))


def multinomial(probs: np.ndarray, num_samples: int, replacement: bool, generator: Generator | None) -> np.ndarray:
    """PyTorch's ``multinomial`` on a 1-D or 2-D array of non-negative weights (int64 indices).

    Without replacement (and for a single sample) it is the exponential race: q ~ Exp(1) of the
    weights' shape and dtype, the top ``num_samples`` of weights / q (argmax for one). With
    replacement each row's cumulative sum (in the weights' dtype, normalised, the last set to 1) is
    searched for one double uniform per sample, rows one after another.
    """
    if probs.ndim not in (1, 2):
        raise RuntimeError(f"prob_dist must be 1 or 2 dim, got {probs.ndim}")
    if probs.dtype.kind != "f":
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: {probs.dtype}")
    n_cat = probs.shape[-1]
    if num_samples <= 0:
        raise RuntimeError(f"cannot sample n_sample <= 0 samples, got {num_samples}")
    if not replacement and num_samples > n_cat:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    rows = probs.reshape(-1, n_cat)
    if not (np.isfinite(rows).all() and (rows >= 0).all()):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    if (rows.sum(axis=1) == 0).any():
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    gen = _generator(generator)
    if not replacement or num_samples == 1:
        q = draws.exponential(gen, rows.size, rows.dtype, 1.0).reshape(rows.shape)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = rows / q
        if num_samples == 1:
            out = np.argmax(ratio, axis=1)[:, None]
        else:
            out = np.argsort(-ratio, axis=1, kind="stable")[:, :num_samples]
    else:
        out = np.empty((rows.shape[0], num_samples), np.int64)
        for r, row in enumerate(rows):
            cum = np.cumsum(row, dtype=row.dtype)
            cum = cum / cum[-1]
            cum[-1] = 1
            u = draws.uniform01_double(gen, num_samples)
            out[r] = np.searchsorted(cum.astype(np.float64), u, side="left")
    out = out.astype(np.int64)
    return out[0] if probs.ndim == 1 else out
