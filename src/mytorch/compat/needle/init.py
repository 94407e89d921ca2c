"""needle's initialisers (seed 002, Question 1), drawing from NumPy's *global* generator.

Each random initialiser makes exactly one call of ``np.random.rand`` or ``np.random.randn`` for
the whole tensor, so ``np.random.seed(s)`` followed by the same constructors reproduces the
course's numbers draw for draw:

* ``rand(*shape, low, high)`` = ``np.random.rand(*shape)·(high − low) + low``
* ``randn(*shape, mean, std)`` = ``np.random.randn(*shape)·std + mean``
* ``randb(*shape, p)`` = ``np.random.rand(*shape) <= p`` (True with probability p)
* ``xavier_uniform(fan_in, fan_out, gain)``: U(−a, a), a = gain·√(6 / (fan_in + fan_out))
* ``xavier_normal``: N(0, std²), std = gain·√(2 / (fan_in + fan_out))
* ``kaiming_uniform(fan_in, fan_out)``: U(−bound, bound), bound = gain·√(3 / fan_in), gain = √2
* ``kaiming_normal``: N(0, std²), std = gain / √fan_in, gain = √2

The draws are made in float64 and then stored in ``dtype`` (float32 by default). The fan-based
initialisers return (fan_in, fan_out) tensors and pass ``**kwargs`` (dtype, device,
requires_grad) on to ``rand``/``randn``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .autograd import Tensor, check_device

__all__ = [
    "constant", "kaiming_normal", "kaiming_uniform", "one_hot", "ones", "ones_like", "rand", "randb", "randn",
    "xavier_normal", "xavier_uniform", "zeros", "zeros_like",
]  # fmt: skip


def _tensor(array: Any, device: Any, dtype: Any, requires_grad: bool) -> Tensor:
    check_device(device)
    return Tensor(np.asarray(array), dtype=dtype, requires_grad=requires_grad)


def rand(*shape: int, low: float = 0.0, high: float = 1.0, device: Any = None, dtype: Any = "float32",
         requires_grad: bool = False) -> Tensor:
    """Uniform samples on [low, high)."""
    return _tensor(np.random.rand(*shape) * (high - low) + low, device, dtype, requires_grad)


def randn(*shape: int, mean: float = 0.0, std: float = 1.0, device: Any = None, dtype: Any = "float32",
          requires_grad: bool = False) -> Tensor:
    """Gaussian samples with the given mean and standard deviation."""
    return _tensor(np.random.randn(*shape) * std + mean, device, dtype, requires_grad)


def constant(*shape: int, c: float = 1.0, device: Any = None, dtype: Any = "float32",
             requires_grad: bool = False) -> Tensor:
    """Every element equal to ``c``."""
    return _tensor(np.full(shape, c, dtype=dtype), device, dtype, requires_grad)


def ones(*shape: int, device: Any = None, dtype: Any = "float32", requires_grad: bool = False) -> Tensor:
    """A tensor of ones of ``shape``."""
    return constant(*shape, c=1.0, device=device, dtype=dtype, requires_grad=requires_grad)


def zeros(*shape: int, device: Any = None, dtype: Any = "float32", requires_grad: bool = False) -> Tensor:
    """A tensor of zeros of ``shape``."""
    return constant(*shape, c=0.0, device=device, dtype=dtype, requires_grad=requires_grad)


def randb(*shape: int, p: float = 0.5, device: Any = None, dtype: Any = "bool", requires_grad: bool = False) -> Tensor:
    """Bernoulli samples: ``rand(*shape) <= p``, so each element is 1 (True) with probability p."""
    return _tensor(np.random.rand(*shape) <= p, device, dtype, requires_grad)


def one_hot(n: int, i: Any, device: Any = None, dtype: Any = "float32", requires_grad: bool = False) -> Tensor:
    """Rows of the n×n identity picked by the integer labels ``i`` (a Tensor or an array)."""
    labels = np.asarray(i.numpy() if isinstance(i, Tensor) else i)
    if labels.dtype.kind not in "iu":
        raise TypeError(f"needle one_hot: labels must be integers, got {labels.dtype}")
    if labels.size and (labels.min() < 0 or labels.max() >= n):
        raise IndexError(f"needle one_hot: labels must lie in [0, {n}), got values in [{labels.min()}, {labels.max()}]")
    return _tensor(np.eye(n, dtype=dtype)[labels], device, dtype, requires_grad)


def zeros_like(array: Tensor, *, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros of ``array``'s shape and dtype."""
    return zeros(*array.shape, dtype=array.dtype, device=device, requires_grad=requires_grad)


def ones_like(array: Tensor, *, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones of ``array``'s shape and dtype."""
    return ones(*array.shape, dtype=array.dtype, device=device, requires_grad=requires_grad)


def xavier_uniform(fan_in: int, fan_out: int, gain: float = 1.0, **kwargs: Any) -> Tensor:
    """U(−a, a) with a = gain·√(6 / (fan_in + fan_out)) (Glorot & Bengio, 2010), shape (fan_in, fan_out)."""
    a = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return rand(fan_in, fan_out, low=-a, high=a, **kwargs)


def xavier_normal(fan_in: int, fan_out: int, gain: float = 1.0, **kwargs: Any) -> Tensor:
    """N(0, std²) with std = gain·√(2 / (fan_in + fan_out)), shape (fan_in, fan_out)."""
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    return randn(fan_in, fan_out, mean=0.0, std=std, **kwargs)


def _relu_gain(nonlinearity: str) -> float:
    if nonlinearity != "relu":
        raise ValueError(f"needle kaiming init: only nonlinearity='relu' is supported, got {nonlinearity!r}")
    return math.sqrt(2.0)


def kaiming_uniform(fan_in: int, fan_out: int, nonlinearity: str = "relu", **kwargs: Any) -> Tensor:
    """U(−bound, bound) with bound = √2·√(3 / fan_in) (He et al., 2015), shape (fan_in, fan_out)."""
    bound = _relu_gain(nonlinearity) * math.sqrt(3.0 / fan_in)
    return rand(fan_in, fan_out, low=-bound, high=bound, **kwargs)


def kaiming_normal(fan_in: int, fan_out: int, nonlinearity: str = "relu", **kwargs: Any) -> Tensor:
    """N(0, std²) with std = √2 / √fan_in, shape (fan_in, fan_out)."""
    std = _relu_gain(nonlinearity) / math.sqrt(fan_in)
    return randn(fan_in, fan_out, mean=0.0, std=std, **kwargs)
