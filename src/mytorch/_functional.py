"""``mytorch.<op>`` functions: the Tensor methods as free functions, plus cat/stack/where/split."""

from __future__ import annotations

from collections.abc import Sequence

from . import _dtype
from ._backend import xp
from ._tensor import Tensor, _binary, _raw
from .ops._util import normalize_dim
from .ops.elementwise import Add, Div, Maximum, Minimum, Mul, Pow, Sub, Where
from .ops.shape import Cat


def _t(x) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def add(input, other, *, alpha=1) -> Tensor:  # noqa: A002
    return _binary(Add, _t(input), other * alpha if alpha != 1 else other)


def sub(input, other, *, alpha=1) -> Tensor:  # noqa: A002
    return _binary(Sub, _t(input), other * alpha if alpha != 1 else other)


def mul(input, other) -> Tensor:  # noqa: A002
    return _binary(Mul, _t(input), other)


def div(input, other) -> Tensor:  # noqa: A002
    return _binary(Div, _t(input), other)


def pow(input, exponent) -> Tensor:  # noqa: A002, A001
    if not isinstance(input, Tensor):
        return _binary(Pow, exponent, input, reflected=True)
    return _binary(Pow, input, exponent)


def neg(input: Tensor) -> Tensor:  # noqa: A002
    return -input


def matmul(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    return input @ other


def exp(input: Tensor) -> Tensor:  # noqa: A002
    return input.exp()


def log(input: Tensor) -> Tensor:  # noqa: A002
    return input.log()


def sqrt(input: Tensor) -> Tensor:  # noqa: A002
    return input.sqrt()


def abs(input: Tensor) -> Tensor:  # noqa: A002, A001
    return input.abs()


def tanh(input: Tensor) -> Tensor:  # noqa: A002
    return input.tanh()


def sigmoid(input: Tensor) -> Tensor:  # noqa: A002
    return input.sigmoid()


def relu(input: Tensor) -> Tensor:  # noqa: A002
    return input.relu()


def erf(input: Tensor) -> Tensor:  # noqa: A002
    return input.erf()


def maximum(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    return _binary(Maximum, input, other)


def minimum(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    return _binary(Minimum, input, other)


def clamp(input: Tensor, min=None, max=None) -> Tensor:  # noqa: A002
    return input.clamp(min, max)


clip = clamp


def where(condition, input, other) -> Tensor:  # noqa: A002
    """Elementwise ``input if condition else other``; gradients flow to the chosen side."""
    cond = _raw(condition)
    if getattr(cond, "dtype", None) != _dtype.bool_:
        cond = xp.asarray(cond, dtype=bool)
    tensors = [x for x in (input, other) if isinstance(x, Tensor)]
    if len(tensors) == 2 and input.dtype != other.dtype:
        out = _dtype.result_type(input.dtype, other.dtype)
        input, other = input.to(out), other.to(out)
    elif not tensors:
        input, other = _t(input), other
    return Where.apply(cond, input, other)


def sum(input: Tensor, dim=None, keepdim: bool = False, **kw) -> Tensor:  # noqa: A002, A001
    return input.sum(dim, keepdim, **kw)


def mean(input: Tensor, dim=None, keepdim: bool = False, **kw) -> Tensor:  # noqa: A002
    return input.mean(dim, keepdim, **kw)


def var(input: Tensor, dim=None, **kw) -> Tensor:  # noqa: A002
    return input.var(dim, **kw)


def std(input: Tensor, dim=None, **kw) -> Tensor:  # noqa: A002
    return input.std(dim, **kw)


def amax(input: Tensor, dim=None, keepdim: bool = False, **kw) -> Tensor:  # noqa: A002
    return input.amax(dim, keepdim, **kw)


def amin(input: Tensor, dim=None, keepdim: bool = False, **kw) -> Tensor:  # noqa: A002
    return input.amin(dim, keepdim, **kw)


def max(input: Tensor, dim=None, keepdim: bool = False):  # noqa: A002, A001
    return input.max(dim, keepdim)


def min(input: Tensor, dim=None, keepdim: bool = False):  # noqa: A002, A001
    return input.min(dim, keepdim)


def logsumexp(input: Tensor, dim=None, keepdim: bool = False, **kw) -> Tensor:  # noqa: A002
    return input.logsumexp(dim, keepdim, **kw)


def softmax(input: Tensor, dim: int | None = None, **kw) -> Tensor:  # noqa: A002
    return input.softmax(dim, **kw)


def log_softmax(input: Tensor, dim: int | None = None, **kw) -> Tensor:  # noqa: A002
    return input.log_softmax(dim, **kw)


def argmax(input: Tensor, dim=None, keepdim: bool = False, **kw) -> Tensor:  # noqa: A002
    return input.argmax(dim, keepdim, **kw)


def argmin(input: Tensor, dim=None, keepdim: bool = False, **kw) -> Tensor:  # noqa: A002
    return input.argmin(dim, keepdim, **kw)


def reshape(input: Tensor, shape) -> Tensor:  # noqa: A002
    return input.reshape(shape)


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:  # noqa: A002
    return input.transpose(dim0, dim1)


def permute(input: Tensor, dims) -> Tensor:  # noqa: A002
    return input.permute(dims)


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:  # noqa: A002
    return input.flatten(start_dim, end_dim)


def unsqueeze(input: Tensor, dim: int) -> Tensor:  # noqa: A002
    return input.unsqueeze(dim)


def squeeze(input: Tensor, dim=None) -> Tensor:  # noqa: A002
    return input.squeeze(dim)


def broadcast_to(input: Tensor, shape) -> Tensor:  # noqa: A002
    return input.broadcast_to(shape)


def gather(input: Tensor, dim: int, index: Tensor) -> Tensor:  # noqa: A002
    return input.gather(dim, index)


def cat(tensors: Sequence[Tensor], dim: int = 0, *, axis: int | None = None) -> Tensor:
    """Join tensors along an existing dimension ``dim`` (all other sizes must agree)."""
    dim = dim if axis is None else axis
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("cat(): expected a non-empty list of Tensors")
    ndim = tensors[0].ndim
    if ndim == 0:
        raise RuntimeError("cat(): zero-dimensional tensor cannot be concatenated")
    d = normalize_dim(dim, ndim)
    ref = tensors[0].shape
    for i, t in enumerate(tensors):
        if t.ndim != ndim or any(a != b for k, (a, b) in enumerate(zip(t.shape, ref)) if k != d):
            raise RuntimeError(
                f"cat(): sizes of tensors must match except in dimension {d}; tensor 0 has shape {tuple(ref)} "
                f"and tensor {i} has shape {tuple(t.shape)}"
            )
    out = tensors[0].dtype
    for t in tensors[1:]:
        out = _dtype.result_type(out, t.dtype)
    return Cat.apply(*[t.to(out) for t in tensors], dim=d)


concat = concatenate = cat


def stack(tensors: Sequence[Tensor], dim: int = 0, *, axis: int | None = None) -> Tensor:
    """Join same-shaped tensors along a new dimension ``dim``."""
    dim = dim if axis is None else axis
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack(): expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if t.shape != tensors[0].shape:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {tuple(tensors[0].shape)} at entry 0 and "
                f"{tuple(t.shape)} at entry {i}"
            )
    d = normalize_dim(dim, tensors[0].ndim + 1)
    return cat([t.unsqueeze(d) for t in tensors], d)


def split(tensor: Tensor, split_size_or_sections, dim: int = 0) -> tuple:
    """Pieces of ``split_size`` along ``dim`` (the last may be smaller), or of the given sizes."""
    return tensor.split(split_size_or_sections, dim)


def chunk(tensor: Tensor, chunks: int, dim: int = 0) -> tuple:
    return tensor.chunk(chunks, dim)


def numel(input: Tensor) -> int:  # noqa: A002
    return input.numel()


def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)


def allclose(input: Tensor, other: Tensor, rtol: float = 1e-5, atol: float = 1e-8) -> bool:  # noqa: A002
    return input.allclose(other, rtol, atol)


def equal(input: Tensor, other: Tensor) -> bool:  # noqa: A002
    return input.equal(other)
