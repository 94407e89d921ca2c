"""``mytorch.<op>`` functions: the Tensor methods as free functions, plus cat/stack/where/split."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

from . import _dtype
from ._backend import xp
from ._tensor import Tensor, _binary, _raw
from .ops._util import normalize_dim
from .ops.elementwise import Add, Div, Maximum, Minimum, Mul, Pow, Sub, Where
from .ops.shape import Cat
from .ops.trig import Atan2


def _t(x) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def _into(result: Tensor, out: Tensor | None) -> Tensor:
    """``out=``: write ``result`` into ``out`` (resized if its shape differs) and return ``out``.

    As in PyTorch, ``out=`` does not take part in autograd, so it is refused when the result
    would need a gradient; and a floating result cannot go into an integer ``out``.
    """
    if out is None:
        return result
    if not isinstance(out, Tensor):
        raise TypeError(f"out= must be a Tensor, got {type(out).__name__}")
    if result.requires_grad:
        raise RuntimeError(
            "functions with out=... arguments don't support automatic differentiation, but one of the "
            "arguments requires grad (use the result instead of out=, or wrap the call in mytorch.no_grad())"
        )
    if result.dtype.kind == "f" and out.dtype.kind != "f":
        raise RuntimeError(f"result type {result.dtype} can't be cast to the desired output type {out.dtype}")
    if out.shape != result.shape:
        if out.numel():
            warnings.warn(
                f"An output with one or more elements was resized since it had shape {tuple(out.shape)}, which "
                f"does not match the required output shape {tuple(result.shape)}.",
                UserWarning,
                stacklevel=3,
            )
        out._check_inplace()
        out._data = xp.empty(result.shape, out.dtype)
    return out.copy_(result)


def add(input, other, *, alpha=1, out=None) -> Tensor:  # noqa: A002
    r"""$\text{input} + \alpha \cdot \text{other}$, elementwise with broadcasting; gradients $1$ and $\alpha$
    (``torch.add``).
    """
    return _into(_binary(Add, _t(input), other * alpha if alpha != 1 else other), out)


def sub(input, other, *, alpha=1, out=None) -> Tensor:  # noqa: A002
    r"""$\text{input} - \alpha \cdot \text{other}$, elementwise with broadcasting; gradients $1$ and $-\alpha$
    (``torch.sub``).
    """
    return _into(_binary(Sub, _t(input), other * alpha if alpha != 1 else other), out)


def mul(input, other, *, out=None) -> Tensor:  # noqa: A002
    r"""$\text{input} \cdot \text{other}$ elementwise; $\partial/\partial a = b$, $\partial/\partial b = a$
    (``torch.mul``).
    """
    return _into(_binary(Mul, _t(input), other), out)


def div(input, other, *, out=None) -> Tensor:  # noqa: A002
    r"""$a / b$ elementwise (true division); $\partial/\partial a = 1/b$, $\partial/\partial b = -a/b^2$
    (``torch.div``).
    """
    return _into(_binary(Div, _t(input), other), out)


def pow(input, exponent, *, out=None) -> Tensor:  # noqa: A002, A001
    r"""$a^{p}$ elementwise, ``exponent`` a tensor or a number; $\partial/\partial a = p\,a^{p-1}$, $\partial/\partial p
    = a^{p}\ln a$.
    """
    if not isinstance(input, Tensor):
        return _into(_binary(Pow, exponent, input, reflected=True), out)
    return _into(_binary(Pow, input, exponent), out)


def neg(input: Tensor) -> Tensor:  # noqa: A002
    """$-x$ elementwise."""
    return -input


def matmul(input: Tensor, other: Tensor, *, out=None) -> Tensor:  # noqa: A002
    r"""The matrix product with NumPy/PyTorch broadcasting of batch dimensions; for matrices $C = AB$, $\bar A = \bar C
    B^\top$, $\bar B = A^\top \bar C$.
    """
    return _into(input @ other, out)


def bmm(input: Tensor, mat2: Tensor, *, out=None) -> Tensor:  # noqa: A002
    """Batched matrix product of (b, n, m) and (b, m, p) tensors: out[i] = input[i] @ mat2[i] (no broadcasting)."""
    if input.ndim != 3 or mat2.ndim != 3:
        raise RuntimeError(f"bmm: batch1 and batch2 must be 3D tensors, got {input.ndim}D and {mat2.ndim}D")
    if input.shape[0] != mat2.shape[0] or input.shape[2] != mat2.shape[1]:
        raise RuntimeError(
            f"bmm: expected sizes (b, n, m) and (b, m, p), got {tuple(input.shape)} and {tuple(mat2.shape)}"
        )
    # an empty factor with mixed dtypes: PyTorch's shortcut, as in matmul's batched path (see Tensor.__matmul__)
    return _into(input @ mat2, out)


def sin(input: Tensor, *, out=None) -> Tensor:  # noqa: A002
    r"""$\sin x$ elementwise; derivative $\cos x$."""
    return _into(input.sin(), out)


def cos(input: Tensor, *, out=None) -> Tensor:  # noqa: A002
    r"""$\cos x$ elementwise; derivative $-\sin x$."""
    return _into(input.cos(), out)


def tan(input: Tensor, *, out=None) -> Tensor:  # noqa: A002
    r"""$\tan x$ elementwise; derivative $1 + \tan^2 x$."""
    return _into(input.tan(), out)


def sinh(input: Tensor, *, out=None) -> Tensor:  # noqa: A002
    r"""$\sinh x$ elementwise; derivative $\cosh x$."""
    return _into(input.sinh(), out)


def cosh(input: Tensor, *, out=None) -> Tensor:  # noqa: A002
    r"""$\cosh x$ elementwise; derivative $\sinh x$."""
    return _into(input.cosh(), out)


def asin(input: Tensor, *, out=None) -> Tensor:  # noqa: A002
    r"""$\arcsin x$ elementwise (nan outside $[-1, 1]$); derivative $1/\sqrt{1 - x^2}$."""
    return _into(input.asin(), out)


def acos(input: Tensor, *, out=None) -> Tensor:  # noqa: A002
    r"""$\arccos x$ elementwise (nan outside $[-1, 1]$); derivative $-1/\sqrt{1 - x^2}$."""
    return _into(input.acos(), out)


def atan(input: Tensor, *, out=None) -> Tensor:  # noqa: A002
    r"""$\arctan x$ elementwise; derivative $1/(1 + x^2)$."""
    return _into(input.atan(), out)


arcsin, arccos, arctan = asin, acos, atan


def atan2(input, other, *, out=None) -> Tensor:  # noqa: A002
    """The angle of the point (other, input) in (−π, π]; the operands promote as PyTorch's (a 0-d float64 beside
    a bool tensor counts: float64), and an integral result dtype becomes the default float dtype."""
    a = _t(input)
    if isinstance(other, Tensor):
        common = _dtype.operands_result_type(a._data.dtype, a._data.ndim, other._data.dtype, other._data.ndim)
        if common.kind != "f":
            common = _dtype.get_default_dtype()
        a = a if a.dtype.kind == "f" else a.to(common)
        other = other if other.dtype.kind == "f" else other.to(common)
    elif a.dtype.kind != "f":
        a = a.to(_dtype.get_default_dtype())
    return _into(_binary(Atan2, a, other), out)


arctan2 = atan2


def meshgrid(*tensors: Tensor, indexing: str | None = None) -> tuple:
    """Coordinate grids from 1-D tensors: with ``indexing="ij"`` (the default) output k has shape
    (n₁, ..., n_N) and varies along dim k; ``"xy"`` swaps the first two dims (Cartesian, as NumPy)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty list of tensors")
    for t in tensors:
        if t.ndim > 1:
            raise RuntimeError(f"meshgrid expects 0-D or 1-D tensors, got a {t.ndim}-D tensor")
    flat = [t.reshape(-1) for t in tensors]
    swap = indexing == "xy" and len(flat) >= 2
    if swap:
        flat[0], flat[1] = flat[1], flat[0]
    shape = tuple(t.shape[0] for t in flat)
    grids = []
    for k, t in enumerate(flat):
        view = [1] * len(flat)
        view[k] = shape[k]
        grids.append(t.reshape(view).expand(shape))
    if swap:
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


def exp(input: Tensor) -> Tensor:  # noqa: A002
    """$e^{x}$ elementwise; the derivative is the output itself."""
    return input.exp()


def log(input: Tensor) -> Tensor:  # noqa: A002
    r"""$\ln x$ elementwise (nan for $x < 0$, $-\infty$ at 0); derivative $1/x$."""
    return input.log()


def sqrt(input: Tensor) -> Tensor:  # noqa: A002
    r"""$\sqrt{x}$ elementwise; derivative $1/(2\sqrt{x})$."""
    return input.sqrt()


def abs(input: Tensor) -> Tensor:  # noqa: A002, A001
    r"""$|x|$ elementwise; derivative $\operatorname{sign}(x)$ (0 at 0, as in PyTorch)."""
    return input.abs()


def tanh(input: Tensor) -> Tensor:  # noqa: A002
    r"""$\tanh x$ elementwise; derivative $1 - \tanh^2 x$, computed from the output."""
    return input.tanh()


def sigmoid(input: Tensor) -> Tensor:  # noqa: A002
    r"""The logistic function $\sigma(x) = 1/(1 + e^{-x})$ elementwise; derivative $\sigma(x)(1 - \sigma(x))$."""
    return input.sigmoid()


def relu(input: Tensor) -> Tensor:  # noqa: A002
    r"""$\max(x, 0)$ elementwise; derivative 1 where $x > 0$, else 0."""
    return input.relu()


def erf(input: Tensor) -> Tensor:  # noqa: A002
    r"""The error function $\operatorname{erf}(x) = \frac{2}{\sqrt\pi}\int_0^x e^{-t^2}\,dt$; derivative
    $\frac{2}{\sqrt\pi} e^{-x^2}$.
    """
    return input.erf()


def maximum(input: Tensor, other: Tensor, *, out=None) -> Tensor:  # noqa: A002
    r"""Elementwise $\max(a, b)$ with broadcasting; where $a = b$ the gradient is split in half between them (PyTorch's
    rule).
    """
    return _into(_binary(Maximum, input, other), out)


def minimum(input: Tensor, other: Tensor, *, out=None) -> Tensor:  # noqa: A002
    r"""Elementwise $\min(a, b)$ with broadcasting; where $a = b$ the gradient is split in half between them (PyTorch's
    rule).
    """
    return _into(_binary(Minimum, input, other), out)


def clamp(input: Tensor, min=None, max=None) -> Tensor:  # noqa: A002
    r"""$\min(\max(x, \text{min}), \text{max})$ elementwise (either bound may be None); gradient 1 inside the bounds, 0
    where clamped.
    """
    return input.clamp(min, max)


clip = clamp


def masked_fill(input: Tensor, mask: Tensor, value) -> Tensor:  # noqa: A002
    """``value`` where the bool ``mask`` is True, ``input`` elsewhere (``Tensor.masked_fill``)."""
    return input.masked_fill(mask, value)


def where(condition, input, other) -> Tensor:  # noqa: A002
    """Elementwise ``input if condition else other``; gradients flow to the chosen side."""
    cond = _raw(condition)
    if getattr(cond, "dtype", None) != _dtype.bool_:
        cond = xp.asarray(cond, dtype=bool)
    tensors = [x for x in (input, other) if isinstance(x, Tensor)]
    if len(tensors) == 2 and input.dtype != other.dtype:
        out = _dtype.operands_result_type(input._data.dtype, input.ndim, other._data.dtype, other.ndim)
        input, other = input.to(out), other.to(out)
    elif not tensors:
        input, other = _t(input), other
    elif isinstance(other if tensors[0] is input else input, float) and tensors[0].dtype.kind in "biu":
        # an integer tensor beside a Python float: the default float dtype, as PyTorch (not NumPy's float64)
        t = tensors[0].to(_dtype.get_default_dtype())
        input, other = (t, other) if tensors[0] is input else (input, t)
    return Where.apply(cond, input, other)


def sum(input: Tensor, dim=None, keepdim: bool = False, **kw) -> Tensor:  # noqa: A002, A001
    r"""$\sum_i x_i$ over ``dim`` (all dimensions when None), keeping reduced dimensions as size 1 with ``keepdim``;
    ``dtype=`` casts first.
    """
    return input.sum(dim, keepdim, **kw)


def mean(input: Tensor, dim=None, keepdim: bool = False, **kw) -> Tensor:  # noqa: A002
    r"""$\frac{1}{n}\sum_i x_i$ over ``dim`` (all dimensions when None); ``keepdim`` keeps them as size 1."""
    return input.mean(dim, keepdim, **kw)


def var(input: Tensor, dim=None, **kw) -> Tensor:  # noqa: A002
    r"""The variance over ``dim``: $\frac{1}{n - c}\sum_i (x_i - \bar x)^2$ with ``correction`` $c$
    (default 1, Bessel's; ``unbiased=False`` is $c = 0$); ``keepdim`` as in ``sum``.
    """
    return input.var(dim, **kw)


def std(input: Tensor, dim=None, **kw) -> Tensor:  # noqa: A002
    r"""The standard deviation over ``dim``, $\sqrt{\operatorname{var}(x)}$, with the same ``correction`` / ``unbiased``
    / ``keepdim`` as ``var``.
    """
    return input.std(dim, **kw)


def amax(input: Tensor, dim=None, keepdim: bool = False, **kw) -> Tensor:  # noqa: A002
    """The maximum over ``dim`` (all dimensions when None); the gradient is shared equally among tied maxima."""
    return input.amax(dim, keepdim, **kw)


def amin(input: Tensor, dim=None, keepdim: bool = False, **kw) -> Tensor:  # noqa: A002
    """The minimum over ``dim`` (all dimensions when None); the gradient is shared equally among tied minima."""
    return input.amin(dim, keepdim, **kw)


def max(input: Tensor, dim=None, keepdim: bool = False):  # noqa: A002, A001
    """The maximum of all elements, or with ``dim`` the named tuple ``(values, indices)`` along it (``torch.max``)."""
    return input.max(dim, keepdim)


def min(input: Tensor, dim=None, keepdim: bool = False):  # noqa: A002, A001
    """The minimum of all elements, or with ``dim`` the named tuple ``(values, indices)`` along it (``torch.min``)."""
    return input.min(dim, keepdim)


def logsumexp(input: Tensor, dim=None, keepdim: bool = False, **kw) -> Tensor:  # noqa: A002
    r"""$\log \sum_i e^{x_i}$ over ``dim``, computed as $m + \log\sum_i e^{x_i - m}$ with $m = \max_i x_i$ (no
    overflow); its gradient is the softmax.
    """
    return input.logsumexp(dim, keepdim, **kw)


def softmax(input: Tensor, dim: int | None = None, **kw) -> Tensor:  # noqa: A002
    r"""$\operatorname{softmax}(x)_i = e^{x_i} / \sum_j e^{x_j}$ along ``dim``; the Jacobian-vector product is $y \odot
    (\bar y - \langle \bar y, y\rangle)$.
    """
    return input.softmax(dim, **kw)


def log_softmax(input: Tensor, dim: int | None = None, **kw) -> Tensor:  # noqa: A002
    r"""$x_i - \log\sum_j e^{x_j}$ along ``dim`` (stable); the gradient is $\bar y - \operatorname{softmax}(x) \sum_j
    \bar y_j$.
    """
    return input.log_softmax(dim, **kw)


def argmax(input: Tensor, dim=None, keepdim: bool = False, **kw) -> Tensor:  # noqa: A002
    """The index of the maximum over ``dim`` (of the flattened tensor when None), as int64; the first one among ties."""
    return input.argmax(dim, keepdim, **kw)


def argmin(input: Tensor, dim=None, keepdim: bool = False, **kw) -> Tensor:  # noqa: A002
    """The index of the minimum over ``dim`` (of the flattened tensor when None), as int64; the first one among ties."""
    return input.argmin(dim, keepdim, **kw)


def reshape(input: Tensor, shape) -> Tensor:  # noqa: A002
    """The same elements in a new shape (one size may be -1); a view when the layout allows, else a copy."""
    return input.reshape(shape)


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:  # noqa: A002
    """Swaps dimensions ``dim0`` and ``dim1`` (a view)."""
    return input.transpose(dim0, dim1)


def permute(input: Tensor, dims) -> Tensor:  # noqa: A002
    """Reorders the dimensions to ``dims`` (a view); the gradient is permuted back."""
    return input.permute(dims)


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:  # noqa: A002
    """Flattens dimensions ``start_dim`` to ``end_dim`` (by default all) into one."""
    return input.flatten(start_dim, end_dim)


def unsqueeze(input: Tensor, dim: int) -> Tensor:  # noqa: A002
    """Inserts a dimension of size 1 at ``dim``."""
    return input.unsqueeze(dim)


def squeeze(input: Tensor, dim=None) -> Tensor:  # noqa: A002
    """Removes dimensions of size 1 (only ``dim`` when given)."""
    return input.squeeze(dim)


def broadcast_to(input: Tensor, shape) -> Tensor:  # noqa: A002
    """Expands the tensor to ``shape`` by NumPy's broadcasting rules (a view); the gradient is summed back."""
    return input.broadcast_to(shape)


def gather(input: Tensor, dim: int, index: Tensor) -> Tensor:  # noqa: A002
    """``out[i][j] = input[index[i][j]][j]`` for ``dim=0`` (and likewise along any ``dim``); the gradient
    is scattered back with addition.
    """
    return input.gather(dim, index)


def cat(tensors: Sequence[Tensor], dim: int = 0, *, axis: int | None = None) -> Tensor:
    """Join tensors along an existing dimension ``dim`` (all other sizes must agree)."""
    dim = dim if axis is None else axis
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("cat(): expected a non-empty list of Tensors")
    out = tensors[0].dtype
    for t in tensors[1:]:
        out = _dtype.result_type(out, t.dtype)
    # PyTorch's legacy rule: a 1-D tensor without elements is skipped beside the others (the dimension and the
    # sizes come from the first one that is not); if all are such, the result is one of them
    skipped = tuple(i for i, t in enumerate(tensors) if t.ndim == 1 and t._data.size == 0)
    if len(skipped) == len(tensors):
        return Cat.apply(*[t.to(out) for t in tensors], dim=0)
    first = next(i for i in range(len(tensors)) if i not in skipped)
    ndim = tensors[first].ndim
    if ndim == 0:
        raise RuntimeError("cat(): zero-dimensional tensor cannot be concatenated")
    d = normalize_dim(dim, ndim)
    ref = tensors[first].shape
    for i, t in enumerate(tensors):
        if i in skipped:
            continue
        if t.ndim != ndim or any(a != b for k, (a, b) in enumerate(zip(t.shape, ref)) if k != d):
            raise RuntimeError(
                f"cat(): sizes of tensors must match except in dimension {d}; tensor {first} has shape "
                f"{tuple(ref)} and tensor {i} has shape {tuple(t.shape)}"
            )
    return Cat.apply(*[t.to(out) for t in tensors], dim=d, skipped=skipped)


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
    """``chunks`` pieces along ``dim`` of size ``ceil(n / chunks)`` (the last may be smaller, and fewer pieces
    may come back), as views.
    """
    return tensor.chunk(chunks, dim)


def numel(input: Tensor) -> int:  # noqa: A002
    """The number of elements, the product of the sizes."""
    return input.numel()


def is_tensor(obj) -> bool:
    """Whether ``obj`` is a ``mytorch.Tensor``."""
    return isinstance(obj, Tensor)


def allclose(input: Tensor, other: Tensor, rtol: float = 1e-5, atol: float = 1e-8) -> bool:  # noqa: A002
    r"""Whether $|a - b| \le \text{atol} + \text{rtol}\,|b|$ for every element (nan is never close)."""
    return input.allclose(other, rtol, atol)


def equal(input: Tensor, other: Tensor) -> bool:  # noqa: A002
    """Whether the two tensors have the same shape and the same elements."""
    return input.equal(other)


def scatter(input: Tensor, dim: int, index: Tensor, src=None, *, value=None, reduce=None) -> Tensor:  # noqa: A002
    """A copy of ``input`` with ``src`` (or ``value``) written at ``index`` along ``dim``: for ``dim=0``,
    ``out[index[i][j]][j] = src[i][j]``; ``reduce='add'`` or ``'multiply'`` combines instead of writing.
    """
    return input.scatter(dim, index, src, value=value, reduce=reduce)


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:  # noqa: A002
    """A copy of ``input`` with ``src`` added at ``index`` along ``dim``: for ``dim=0``,
    ``out[index[i][j]][j] += src[i][j]``, duplicates accumulating.
    """
    return input.scatter_add(dim, index, src)


def norm(input: Tensor, p="fro", dim=None, keepdim: bool = False, dtype=None) -> Tensor:  # noqa: A002
    """``mytorch.norm(x, p, dim, keepdim)``: the same as ``x.norm(p, dim, keepdim)``."""
    return input.norm(p, dim, keepdim, dtype)


def mm(input: Tensor, mat2: Tensor) -> Tensor:  # noqa: A002
    """The matrix product of two 2-D tensors: ``input.mm(mat2)``."""
    return input.mm(mat2)
