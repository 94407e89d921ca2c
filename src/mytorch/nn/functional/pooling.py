"""Pooling: ``max_pool1d/2d``, ``avg_pool1d/2d``, ``adaptive_avg_pool1d/2d``, ``adaptive_max_pool1d/2d``.

The kernels are in ``mytorch.ops.pool``; here are PyTorch's argument rules and messages, unbatched
input (C, H, W), and the 1-D forms as 2-D ones of height 1.
"""

from __future__ import annotations

from ..._backend import xp
from ..._dtype import bool_
from ..._tensor import Tensor
from ...ops.pad import AxisMap
from ...ops.pool import AvgPool2d, MaxPool2d, adaptive_avg_matrix, adaptive_max_indices, adaptive_windows, pool_out_size
from ...ops.resample import area_taps
from .conv import _tuple


def _pool_input(input: Tensor, dims: int, name: str = "") -> tuple[Tensor, bool]:  # noqa: A002
    """(input with a batch axis, whether it had one); a batch of 0 is pooled, any other empty axis refused."""
    if input.ndim not in (dims + 1, dims + 2):
        raise RuntimeError(f"non-empty {dims + 1}D or {dims + 2}D (batch mode) tensor expected for input")
    if 0 in input.shape[-dims - 1:]:
        raise RuntimeError(f"{name}Expected {dims + 1}D or {dims + 2}D (batch mode) tensor with optional 0 dim batch "
                           f"size for input, but got:{_shape(input)}")
    return (input, True) if input.ndim == dims + 2 else (input.unsqueeze(0), False)


def _pool_args(kernel_size, stride, padding, dilation, dims: int) -> tuple:
    kernel = _tuple(kernel_size, dims, "kernel_size")
    stride = kernel if stride is None or (not isinstance(stride, int) and len(stride) == 0) else \
        _tuple(stride, dims, "stride")
    padding = _tuple(padding, dims, "padding")
    dilation = _tuple(dilation, dims, "dilation")
    if any(k <= 0 for k in kernel):
        raise RuntimeError(f"kernel size should be greater than zero, but got kernel_size={kernel}")
    if any(s <= 0 for s in stride):
        raise RuntimeError(f"stride should be greater than zero, but got stride={stride}")
    if any(d <= 0 for d in dilation):
        raise RuntimeError(f"dilation should be greater than zero, but got dilation={dilation}")
    for k, p, d in zip(kernel, padding, dilation):
        if p < 0 or p > (d * (k - 1) + 1) // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={p}, "
                               f"kernel_size={k} and dilation={d}")
    return kernel, stride, padding, dilation


def _check_output(x: Tensor, kernel, stride, padding, dilation, ceil_mode) -> None:
    out = [pool_out_size(x.shape[2 + a], kernel[a], stride[a], padding[a], dilation[a], ceil_mode)
           for a in range(len(kernel))]
    if any(n < 1 for n in out):
        size = "x".join(str(s) for s in x.shape[1:])
        calc = "x".join(str(s) for s in [x.shape[1], *out])
        raise RuntimeError(f"Given input size: ({size}). Calculated output size: ({calc}). Output size is too small")


def max_pool2d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,  # noqa: A002
               return_indices: bool = False):
    """The maximum of each (kh, kw) window (stride defaults to the kernel; padding counts as −inf).

    With ``return_indices`` also the flat index h·W + w of each maximum in its input plane (int64).
    """
    x, batched = _pool_input(input, 2)
    kernel, stride, padding, dilation = _pool_args(kernel_size, stride, padding, dilation, 2)
    _check_output(x, kernel, stride, padding, dilation, ceil_mode)
    out = MaxPool2d.apply(x, kernel=kernel, stride=stride, padding=padding, dilation=dilation, ceil_mode=ceil_mode)
    indices = None
    if return_indices:
        ctx = out.grad_fn
        if ctx is None:  # no graph was recorded: run the kernel once more to get its bookkeeping
            ctx = MaxPool2d()
            MaxPool2d.forward(ctx, x._data, kernel=kernel, stride=stride, padding=padding, dilation=dilation,
                              ceil_mode=ceil_mode)
        indices = Tensor._make(ctx.indices(), False, None)
    if not batched:
        out = out.squeeze(0)
        indices = None if indices is None else indices.squeeze(0)
    return (out, indices) if return_indices else out


def max_pool1d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,  # noqa: A002
               return_indices: bool = False):
    """``max_pool2d`` along the last axis of (N, C, L) or (C, L) input."""
    if input.ndim not in (2, 3) or 0 in input.shape[-2:]:
        raise RuntimeError(f"max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for "
                           f"input, but got:{_shape(input)}")
    kernel, stride, padding, dilation = _pool_args(kernel_size, stride, padding, dilation, 1)
    out = max_pool2d(input.unsqueeze(-2), (1,) + kernel, (1,) + stride, (0,) + padding, (1,) + dilation, ceil_mode,
                     return_indices)
    if return_indices:
        return out[0].squeeze(-2), out[1].squeeze(-2)
    return out.squeeze(-2)


def avg_pool2d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,  # noqa: A002
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """The mean of each (kh, kw) window: Σ window / divisor (zero padding).

    The divisor is ``divisor_override`` if given, else the window's size clipped to the padded input
    (``count_include_pad=True``) or to the input itself. Integer input stays integer, as in PyTorch:
    the sum in int64 arithmetic (wrapping) divided with truncation towards zero.
    """
    x, batched = _pool_input(input, 2)
    if x.dtype == bool_:
        raise NotImplementedError("\"avg_pool2d\" not implemented for 'Bool'")
    kernel, stride, padding, _ = _pool_args(kernel_size, stride, padding, 1, 2)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    _check_output(x, kernel, stride, padding, (1, 1), ceil_mode)
    out = AvgPool2d.apply(x, kernel=kernel, stride=stride, padding=padding, ceil_mode=ceil_mode,
                          count_include_pad=count_include_pad, divisor_override=divisor_override)
    return out if batched else out.squeeze(0)


def avg_pool1d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,  # noqa: A002
               count_include_pad: bool = True) -> Tensor:
    """``avg_pool2d`` along the last axis of (N, C, L) or (C, L) input."""
    kernel, stride, padding, _ = _pool_args(kernel_size, stride, padding, 1, 1)
    return avg_pool2d(input.unsqueeze(-2), (1,) + kernel, (1,) + stride, (0,) + padding, ceil_mode,
                      count_include_pad).squeeze(-2)


def _adaptive_size(output_size, x: Tensor, dims: int) -> tuple:
    if isinstance(output_size, int) or output_size is None:
        output_size = (output_size,) * dims
    sizes = tuple(x.shape[-dims + a] if s is None else int(s) for a, s in enumerate(output_size))
    if len(sizes) != dims:
        raise ValueError(f"adaptive pooling: output_size must be an int or {dims} ints, got {output_size}")
    if any(s < 0 for s in sizes):
        raise RuntimeError(f"adaptive pooling: elements of output_size must be greater than or equal to 0 but got "
                           f"{sizes}")
    return sizes


def _adaptive_input(input: Tensor, dims: int, name: str, sizes: tuple = (), maximum: bool = False) -> None:  # noqa: A002
    """PyTorch's checks of an adaptive pooling's input; a 2-D average to (1, 1) is its mean() of the last two axes.

    The batch and the channels may be empty, except that the maximum's check starts at axis 1 (a batched input's
    channels, an unbatched one's first spatial axis)."""
    if dims == 2 and input.ndim >= 2 and sizes and all(s == 1 for s in sizes):
        return
    if input.ndim not in (dims + 1, dims + 2):
        raise RuntimeError(f"{name}(): Expected {dims + 1}D or {dims + 2}D tensor, but got input of size "
                           f"{_shape(input)}")
    for axis in range(1 if maximum else input.ndim - dims, input.ndim):
        if input.shape[axis] == 0:
            raise RuntimeError(f"{name}(): Expected input to have non-zero size for non-batch dimensions, but input "
                               f"has sizes {_shape(input)} with dimension {axis} being empty")


# PyTorch's names of the integer dtypes in its messages
_TORCH_NAMES = {"bool": "Bool", "uint8": "Byte", "int8": "Char", "int16": "Short", "int32": "Int", "int64": "Long"}


def _adaptive_avg(input: Tensor, sizes: tuple) -> Tensor:  # noqa: A002
    """Adaptive average pooling of the last ``len(sizes)`` axes (PyTorch's dtype rules first).

    PyTorch has no integer kernel: an output of all ones is its mean() (which refuses integers with
    its own message), any other its adaptive kernel, which adds each window's elements one by one in
    row-major order, in the input's dtype, and divides the sum. The fast path is one averaging matrix
    per axis; it gives the same values wherever no partial sum can overflow (every value finite and
    the largest magnitude times the largest window within the dtype's range). Other inputs take
    PyTorch's order of additions, so that a sum overflows to ±inf (or meets inf − inf) where it does in
    PyTorch, and an inf is not multiplied by a matrix's zeros into every output along its axis.
    """
    dims = len(sizes)
    ones = all(s == 1 for s in sizes)
    if not input.dtype.is_floating_point:
        name = _TORCH_NAMES.get(str(input.dtype).removeprefix("mytorch."), str(input.dtype))
        if ones:
            raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be either a floating point or "
                               f"complex dtype. Got: {name}")
        if input.numel():  # (an empty input gives an empty integer result: PyTorch runs no kernel)
            raise NotImplementedError(f"\"adaptive_avg_pool2d\" not implemented for '{name}'")
    if ones and (dims == 2 or input.ndim == 3):  # PyTorch's mean(): no windows; a mean over an empty plane is nan
        return input.mean(tuple(range(input.ndim - dims, input.ndim)), keepdim=True)
    if 0 in sizes or not input.numel() or _no_overflow(input._data, sizes):
        maps = tuple((a - dims, adaptive_avg_matrix(input.shape[a - dims], n), None) for a, n in enumerate(sizes))
        return AxisMap.apply(input, maps=maps)
    maps, divisor = [], None
    for a, n in enumerate(sizes):
        axis = a - dims
        taps, count = area_taps(input.shape[axis], n)
        shape = [1] * input.ndim
        shape[axis] = n
        divisor = count.reshape(shape) if divisor is None else divisor * count.reshape(shape)
        maps.append((axis, taps.matrix(input.shape[axis]), taps))
    out = AxisMap.apply(input, maps=tuple(maps), joint=True)
    return out / Tensor._make(divisor.astype(out._data.dtype), False, None)


def _no_overflow(x, sizes: tuple) -> bool:
    """True when no sum of an adaptive window of ``x`` can overflow, in any order: every value finite and the
    largest magnitude times the largest window's length within the dtype's range."""
    longest = 1
    for a, n in enumerate(sizes):
        size = x.shape[x.ndim - len(sizes) + a]
        start, end = adaptive_windows(size, n)
        longest *= int((end - start).max())
    with xp.errstate(all="ignore"):
        return bool(float(xp.abs(x).max()) * longest <= float(xp.finfo(x.dtype).max))


def _shape(x: Tensor) -> str:
    return "[" + ", ".join(map(str, x.shape)) + "]"


def adaptive_avg_pool2d(input: Tensor, output_size) -> Tensor:  # noqa: A002
    """Average over PyTorch's adaptive windows: output i covers [⌊i·H/OH⌋, ⌈(i + 1)·H/OH⌉) (and so along W).

    A window's average is separable, so this is one (OH, H) and one (OW, W) averaging matrix.
    """
    sizes = _adaptive_size(output_size, input, 2)
    _adaptive_input(input, 2, "adaptive_avg_pool2d", sizes)
    return _adaptive_avg(input, sizes)


def adaptive_avg_pool1d(input: Tensor, output_size) -> Tensor:  # noqa: A002
    """``adaptive_avg_pool2d`` along the last axis of (N, C, L) or (C, L) input."""
    sizes = _adaptive_size(output_size, input, 1)
    _adaptive_input(input, 1, "adaptive_avg_pool1d", sizes)
    return _adaptive_avg(input, sizes)


def adaptive_max_pool2d(input: Tensor, output_size, return_indices: bool = False):  # noqa: A002
    """The maximum of each adaptive window (as ``adaptive_avg_pool2d``'s); ``return_indices`` gives h·W + w."""
    _adaptive_input(input, 2, "adaptive_max_pool2d", maximum=True)
    oh, ow = _adaptive_size(output_size, input, 2)
    x = input if input.ndim == 4 else input.unsqueeze(0)
    n, c, h, w = x.shape
    flat = adaptive_max_indices(x._data, (oh, ow))  # (N, C, OH, OW)
    index = Tensor._make(flat.reshape(n, c, oh * ow), False, None)
    out = x.reshape(n, c, h * w).gather(2, index).reshape(n, c, oh, ow)
    indices = Tensor._make(flat, False, None)
    if input.ndim == 3:
        out, indices = out.squeeze(0), indices.squeeze(0)
    return (out, indices) if return_indices else out


def adaptive_max_pool1d(input: Tensor, output_size, return_indices: bool = False):  # noqa: A002
    """``adaptive_max_pool2d`` along the last axis of (N, C, L) or (C, L) input."""
    _adaptive_input(input, 1, "adaptive_max_pool1d", maximum=True)
    (n,) = _adaptive_size(output_size, input, 1)
    out = adaptive_max_pool2d(input.unsqueeze(-2), (1, n), return_indices)
    if return_indices:
        return out[0].squeeze(-2), out[1].squeeze(-2)
    return out.squeeze(-2)
