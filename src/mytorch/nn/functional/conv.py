"""Convolutions and sliding blocks: ``conv1d``, ``conv2d``, ``conv_transpose2d``, ``unfold``, ``fold``.

The arithmetic is in ``mytorch.ops.conv`` (im2col + one matrix product per group); this module
checks arguments the way PyTorch does (same messages), handles unbatched input and the string
paddings, and reduces the 1-D forms to 2-D ones with a height of 1.
"""

from __future__ import annotations

from ..._tensor import Tensor
from ...ops.conv import Conv2d as _Conv2d
from ...ops.conv import ConvTranspose2d, Fold, Unfold, out_size


def _tuple(value, n: int, name: str, dims: int | None = None) -> tuple:
    """An int or a sequence of n ints as a tuple of n (PyTorch's message for a wrong length)."""
    if isinstance(value, bool):
        raise TypeError(f"{name} must be an int or a tuple of ints, got {value!r}")
    if isinstance(value, int):
        return (value,) * n
    out = tuple(int(v) for v in value)
    if len(out) == 1 and n > 1:
        return out * n
    if len(out) != n:
        raise RuntimeError(f"expected {name} to be a single integer value or a list of {dims or n} values to match "
                           f"the convolution dimensions, but got {name}={list(out)}")
    return out


def _check_dtypes(input: Tensor, weight: Tensor, bias) -> None:  # noqa: A002
    for t in (weight, bias):
        if t is not None and t.dtype != input.dtype:
            raise RuntimeError(f"expected scalar type {_scalar(t.dtype)} but found {_scalar(input.dtype)} "
                               f"(input is {input.dtype}, the weight or bias is {t.dtype}; convert one of them, "
                               "e.g. model.double() or x.float())")


def _scalar(dtype) -> str:
    return {"float32": "Float", "float64": "Double", "float16": "Half"}.get(str(dtype).removeprefix("mytorch."),
                                                                          str(dtype))


def _size(shape) -> str:
    return "[" + ", ".join(str(s) for s in shape) + "]"


def _batched(input: Tensor, dims: int, name: str) -> tuple[Tensor, bool]:  # noqa: A002
    """(input with a batch axis, whether it had one): (C, *spatial) becomes (1, C, *spatial)."""
    if input.ndim == dims + 2:
        return input, True
    if input.ndim == dims + 1:
        return input.unsqueeze(0), False
    raise RuntimeError(f"Expected {dims + 1}D (unbatched) or {dims + 2}D (batched) input to {name}, but got input of "
                       f"size: {_size(input.shape)}")


def _check_weight_groups(weight: Tensor, groups: int) -> None:
    if weight.shape[0] < groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be at least {groups} at dimension 0, but got "
                           f"weight of size {_size(weight.shape)} instead")


def _check_empty(x: Tensor, kernel: tuple, bias) -> None:
    """PyTorch's rules for a 4-D input ``x`` without elements or a kernel of size 0 (checked only then).

    An input without elements is computed (an empty result) only when its batch or its channels are
    empty; a kernel with a zero size only when the input has no channels. The weight's dtype may then
    differ from the input's (nothing is multiplied), the bias's may not.
    """
    n, c = x.shape[:2]
    if x.numel() == 0 and n and c:
        raise RuntimeError(f"Only zero batch or zero channel inputs are supported, but got input shape: "
                           f"{_size(x.shape)}")
    if c and 0 in kernel:
        raise RuntimeError(f"kernel size should be greater than zero, but got kernel_height: {kernel[0]} "
                           f"kernel_width: {kernel[1]}")
    if bias is not None and bias.dtype != x.dtype:
        raise RuntimeError(f"Input type ({x.dtype}) and bias type ({bias.dtype}) should be the same")


def _conv_padding(padding, kernel: tuple, dilation: tuple, stride: tuple, dims: int) -> tuple:
    """((before, after) per spatial axis) for an int/tuple padding or 'valid'/'same'."""
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * dims
        if padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            pads = []
            for k, d in zip(kernel, dilation):
                total = d * (k - 1)  # the extra element of an odd total goes after, as in PyTorch
                pads.append((total // 2, total - total // 2))
            return tuple(pads)
        raise RuntimeError(f"Invalid padding string: {padding!r}")
    pads = _tuple(padding, dims, "padding")
    if any(p < 0 for p in pads):
        raise RuntimeError("negative padding is not supported")
    return tuple((p, p) for p in pads)


def _convolution(input, weight, bias, stride, padding, dilation, groups, dims: int, name: str) -> Tensor:  # noqa: A002
    x, batched = _batched(input, dims, name)
    if weight.ndim != dims + 2:
        raise RuntimeError(f"Expected {dims + 2}-dimensional weight for {dims + 2}-dimensional input "
                           f"{_size(x.shape)}, but got {weight.ndim}-dimensional weight of size {_size(weight.shape)} "
                           "instead")
    kernel = tuple(weight.shape[2:])
    stride = _tuple(stride, dims, "stride")
    dilation = _tuple(dilation, dims, "dilation")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError("dilation should be greater than zero")
    if not isinstance(groups, int) or groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    pads = _conv_padding(padding, kernel, dilation, stride, dims)
    out_channels, c_per_group = weight.shape[:2]
    _check_weight_groups(weight, groups)
    if out_channels % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but "
                           f"got weight of size [{_size(weight.shape)}] instead")
    if x.shape[1] != c_per_group * groups:
        raise RuntimeError(f"Given groups={groups}, weight of size {_size(weight.shape)}, expected input"
                           f"{_size(x.shape)} to have {c_per_group * groups} channels, but got {x.shape[1]} channels "
                           "instead")
    if bias is not None and tuple(bias.shape) != (out_channels,):
        raise RuntimeError(f"Given weight of size {_size(weight.shape)}, expected bias to be 1-dimensional with "
                           f"{out_channels} elements, but got bias of size {_size(bias.shape)} instead")
    spatial = x.shape[2:]
    padded = tuple(s + lo + hi for s, (lo, hi) in zip(spatial, pads))
    effective = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    if any(p < k for p, k in zip(padded, effective)):
        raise RuntimeError(f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). Kernel size: "
                           f"({' x '.join(map(str, effective))}). Kernel size can't be greater than actual input size")
    if x.numel() == 0 or 0 in kernel:
        _check_empty(x if dims == 2 else x.unsqueeze(2), (1,) * (2 - dims) + kernel, bias)
    else:
        _check_dtypes(x, weight, bias)
    if dims == 1:  # a length-L signal is a 1 x L image
        out = _Conv2d.apply(x.unsqueeze(2), weight.unsqueeze(2), bias, stride=(1,) + stride,
                            padding=((0, 0),) + pads, dilation=(1,) + dilation, groups=groups).squeeze(2)
    else:
        out = _Conv2d.apply(x, weight, bias, stride=stride, padding=pads, dilation=dilation, groups=groups)
    return out if batched else out.squeeze(0)


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0, dilation=1,  # noqa: A002
           groups: int = 1) -> Tensor:
    """2-D cross-correlation: out[n, o] = b[o] + Σ_{c, i, j} W[o, c, i, j]·x[n, g·C/G + c, oh·s + i·d − p, …].

    ``input`` is (N, C, H, W) or unbatched (C, H, W); ``weight`` (O, C/groups, kh, kw); ``padding``
    an int, a pair, ``'valid'`` (none) or ``'same'`` (output as large as the input, stride 1 only).
    """
    return _convolution(input, weight, bias, stride, padding, dilation, groups, 2, "conv2d")


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0, dilation=1,  # noqa: A002
           groups: int = 1) -> Tensor:
    """1-D cross-correlation of (N, C, L) or (C, L) input with a weight (O, C/groups, k); as ``conv2d``."""
    return _convolution(input, weight, bias, stride, padding, dilation, groups, 1, "conv1d")


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,  # noqa: A002
                     output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """The transposed 2-D convolution (the gradient of ``conv2d`` in its input), weight (C, O/groups, kh, kw).

    Output size per axis: (H − 1)·s − 2p + d·(k − 1) + output_padding + 1.
    """
    x, batched = _batched(input, 2, "conv_transpose2d")
    if weight.ndim != 4:
        raise RuntimeError(f"Expected 4-dimensional weight for 4-dimensional input {_size(x.shape)}, but got "
                           f"{weight.ndim}-dimensional weight of size {_size(weight.shape)} instead")
    stride = _tuple(stride, 2, "stride")
    padding = _tuple(padding, 2, "padding")
    output_padding = _tuple(output_padding, 2, "output_padding")
    dilation = _tuple(dilation, 2, "dilation")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(p < 0 for p in padding):
        raise RuntimeError("negative padding is not supported")
    if any(op >= s and op >= d for op, s, d in zip(output_padding, stride, dilation)):
        raise RuntimeError(
            f"output padding must be smaller than either stride or dilation, but got output_padding_height: "
            f"{output_padding[0]} output_padding_width: {output_padding[1]} stride_height: {stride[0]} stride_width: "
            f"{stride[1]} dilation_height: {dilation[0]} dilation_width: {dilation[1]}")
    _check_weight_groups(weight, groups)
    if x.shape[1] != weight.shape[0] or weight.shape[0] % groups:
        raise RuntimeError(f"Given transposed=1, weight of size {_size(weight.shape)}, expected input{_size(x.shape)} "
                           f"to have {weight.shape[0]} channels, but got {x.shape[1]} channels instead")
    out_channels = weight.shape[1] * groups
    if bias is not None and tuple(bias.shape) != (out_channels,):
        raise RuntimeError(f"Given transposed=1, weight of size {_size(weight.shape)}, expected bias to be "
                           f"1-dimensional with {out_channels} elements, but got bias of size {_size(bias.shape)} "
                           "instead")
    size = [(n - 1) * s - 2 * p + d * (k - 1) + op + 1 for n, s, p, d, k, op in
            zip(x.shape[2:], stride, padding, dilation, weight.shape[2:], output_padding)]
    if any(n <= 0 for n in size):
        raise RuntimeError(f"Given input size per channel: ({' x '.join(map(str, x.shape[2:]))}). Calculated output "
                           f"size per channel: ({' x '.join(map(str, size))}). Output size is too small")
    if x.numel() == 0 and x.shape[0] and x.shape[1]:
        raise RuntimeError(f"Only zero batch or zero channel inputs are supported, but got input shape: "
                           f"{_size(x.shape)}")
    if x.numel() and 0 in weight.shape[2:]:
        raise RuntimeError(f"kernel size should be greater than zero, but got kernel_height: {weight.shape[2]} "
                           f"kernel_width: {weight.shape[3]}")
    if x.numel() and weight.shape[1] == 0:
        raise RuntimeError(f"non-empty 2D or 4D weight tensor expected, but got: {_size(weight.shape)}")
    _check_dtypes(x, weight, bias)
    out = ConvTranspose2d.apply(x, weight, bias, stride=stride, padding=padding, output_padding=output_padding,
                                dilation=dilation, groups=groups)
    return out if batched else out.squeeze(0)


def _block_geometry(kernel_size, dilation, padding, stride) -> tuple:
    return (_tuple(kernel_size, 2, "kernel_size"), _tuple(dilation, 2, "dilation"), _tuple(padding, 2, "padding"),
            _tuple(stride, 2, "stride"))


def unfold(input: Tensor, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:  # noqa: A002
    """The sliding (kh, kw) blocks of (N, C, H, W) input as columns: (N, C·kh·kw, L), L = number of blocks.

    Column l holds block l's values in (c, i, j) order; unbatched (C, H, W) input gives (C·kh·kw, L).
    """
    kernel, dilation, padding, stride = _block_geometry(kernel_size, dilation, padding, stride)
    if input.ndim not in (3, 4):
        raise RuntimeError(f"Input Error: Only 3D or 4D input Tensors are supported (got {input.ndim}D)")
    x = input if input.ndim == 4 else input.unsqueeze(0)
    if 0 in x.shape[1:]:
        raise RuntimeError(f"Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other non-zero "
                           f"dimensions for input, but got: {_size(input.shape)}")
    blocks = tuple(out_size(x.shape[2 + a], kernel[a], stride[a], padding[a], padding[a], dilation[a])
                   for a in range(2))
    if any(b < 1 for b in blocks):
        raise RuntimeError(f"Given input with spatial size {tuple(x.shape[2:])}, kernel_size={kernel}, dilation="
                           f"{dilation}, padding={padding}, calculated shape of the array of sliding blocks as "
                           f"{blocks}, but its components must be at least one.")
    out = Unfold.apply(x, kernel=kernel, stride=stride, padding=padding, dilation=dilation)
    return out if input.ndim == 4 else out.squeeze(0)


def fold(input: Tensor, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:  # noqa: A002
    """The inverse arrangement of ``unfold``: columns (N, C·kh·kw, L) summed into (N, C, H, W) (overlaps add)."""
    size = _tuple(output_size, 2, "output_size")
    kernel, dilation, padding, stride = _block_geometry(kernel_size, dilation, padding, stride)
    if input.ndim not in (2, 3):
        raise RuntimeError(f"Input Error: Only unbatched (2D) or batched (3D) input Tensors are supported "
                           f"(got {input.ndim}D)")
    cols = input if input.ndim == 3 else input.unsqueeze(0)
    if 0 in cols.shape[1:]:
        raise RuntimeError(f"Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and non-zero "
                           f"dimensions for input, but got: {_size(input.shape)}")
    taps = kernel[0] * kernel[1]
    if cols.shape[1] % taps:
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the product of kernel_size, but "
                           f"got input.size(1)={cols.shape[1]} and kernel_size={kernel}")
    blocks = [out_size(size[a], kernel[a], stride[a], padding[a], padding[a], dilation[a]) for a in range(2)]
    if cols.shape[2] != blocks[0] * blocks[1] or min(blocks) < 1:
        raise RuntimeError(f"Given output_size={size}, kernel_size={kernel}, dilation={dilation}, padding={padding}, "
                           f"stride={stride}, expected size of input's dimension 2 to match the calculated number of "
                           f"sliding blocks {blocks[0]} * {blocks[1]} = {blocks[0] * blocks[1]}, but got "
                           f"input.size(2)={cols.shape[2]}.")
    out = Fold.apply(cols, size=size, kernel=kernel, stride=stride, padding=padding, dilation=dilation)
    return out if input.ndim == 3 else out.squeeze(0)
