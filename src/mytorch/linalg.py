"""``mytorch.linalg``: vector and matrix norms, as ``torch.linalg``.

    vector_norm(x, ord)   ‖x‖_p = (Σ |x|ᵖ)^(1/p);  ord = inf: max |x|, −inf: min |x|, 0: count of x ≠ 0
    matrix_norm(A, ord)   'fro': √(Σ a²);  1 / −1: max / min column sum of |a|;  inf / −inf: max / min row sum

The 2-norm, the ±inf norms and the other p-norms are Functions of their own (``ops.linalg``: Norm2, NormInf,
NormP), with PyTorch's gradients (0 at an all-zero slice, shared by ties and nans); orders 0 and 1 are composed
from ``abs`` and ``sum``. Each has a graph backward, so they are differentiable to any order. A norm whose every
output reduces a single element is |x|, as PyTorch's (no xᵖ to underflow or overflow).
"""

from __future__ import annotations

import math

from ._tensor import Tensor
from .ops._util import normalize_dim as _normalize_dim
from .ops._util import reduction_axes
from .ops.linalg import Norm2, NormInf, NormP


def _axes(x: Tensor, dim):
    return reduction_axes(dim, None, x.ndim)


# PyTorch's names of dtypes in its messages
_TORCH_NAMES = {"bool": "Bool", "uint8": "Byte", "int8": "Char", "int16": "Short", "int32": "Int", "int64": "Long"}


def _check_floating(x: Tensor, name: str) -> None:
    if not x.is_floating_point():
        got = str(x.dtype).removeprefix("mytorch.")
        raise RuntimeError(f"linalg.{name}: Expected a floating point or complex tensor as input. Got "
                           f"{_TORCH_NAMES.get(got, got)}")


def vector_norm(x: Tensor, ord=2, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:  # noqa: A002
    """The vector ``ord``-norm of ``x`` over ``dim`` (every element when None), as ``torch.linalg.vector_norm``."""
    if not isinstance(x, Tensor):
        raise TypeError(f"linalg.vector_norm: expected a Tensor, got {type(x).__name__}")
    _check_floating(x, "vector_norm")  # the input's own dtype, as PyTorch (before ``dtype`` converts it)
    if dtype is not None:
        x = x.to(dtype)
    axes = _axes(x, dim)
    if isinstance(ord, str):
        raise RuntimeError(f"linalg.vector_norm: ord must be a number, got {ord!r} (matrix norms: linalg.matrix_norm)")
    ord = float(ord)  # noqa: A001
    if ord == 2:
        return Norm2.apply(x, axes=axes, keepdims=keepdim)
    a = x.abs()
    if abs(ord) == math.inf and x.numel():
        return NormInf.apply(x, axes=axes, keepdims=keepdim, largest=ord > 0)
    if ord == math.inf:
        return a.amax(axes, keepdim=keepdim) if axes is not None else a.amax(keepdim=keepdim)
    if ord == -math.inf:
        return a.amin(axes, keepdim=keepdim) if axes is not None else a.amin(keepdim=keepdim)
    if ord == 0:
        return (a != 0).to(x.dtype).sum(axes, keepdim=keepdim)
    if ord == 1:
        return a.sum(axes, keepdim=keepdim)
    return NormP.apply(x, axes=axes, keepdims=keepdim, p=ord)


def matrix_norm(A: Tensor, ord="fro", dim=(-2, -1), keepdim: bool = False, *, dtype=None) -> Tensor:  # noqa: A002,N803
    """The matrix norm of ``A`` over the two dimensions ``dim``, as ``torch.linalg.matrix_norm``.

    Supported: 'fro', 1, −1, inf, −inf. The spectral norms (2, −2) and 'nuc' need singular values,
    which mytorch does not compute: they raise a NotImplementedError.
    """
    if A.ndim < 2:
        raise RuntimeError(f"linalg.matrix_norm: The input tensor A must have at least 2 dimensions, got {A.ndim}")
    _check_floating(A, "matrix_norm")
    if dtype is not None:
        A = A.to(dtype)  # noqa: N806
    if len(dim) != 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple, got {dim!r}")
    r, c = (_normalize_dim(d, A.ndim) for d in dim)
    if r == c:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different, got {dim!r}")
    if ord == "fro":
        return Norm2.apply(A, axes=tuple(sorted((r, c))), keepdims=keepdim)
    if ord in ("nuc", 2, -2):
        raise NotImplementedError(f"linalg.matrix_norm: ord={ord!r} needs singular values, which mytorch lacks")
    if ord not in (1, -1, math.inf, -math.inf):
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    summed_dim, reduced_dim = (r, c) if abs(ord) == 1 else (c, r)
    s = A.abs().sum(summed_dim, keepdim=True)
    out = s.amax(reduced_dim, keepdim=True) if ord > 0 else s.amin(reduced_dim, keepdim=True)
    return out if keepdim else out.squeeze(max(r, c)).squeeze(min(r, c))


def norm(A: Tensor, ord=None, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:  # noqa: A002,N803
    """``torch.linalg.norm``: a vector norm for one ``dim`` (or 1-D input), a matrix norm for two."""
    if dim is not None and not isinstance(dim, int) and len(dim) == 2:
        return matrix_norm(A, "fro" if ord is None else ord, dim, keepdim, dtype=dtype)
    if ord is None:
        return vector_norm(A, 2, dim, keepdim, dtype=dtype)
    if isinstance(ord, str) or (dim is None and A.ndim == 2):
        return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)
    return vector_norm(A, ord, dim, keepdim, dtype=dtype)
