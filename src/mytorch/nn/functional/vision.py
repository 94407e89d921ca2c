"""``pad`` and ``interpolate``: padding modes and resampling, as per-axis maps (``ops.pad``).

Padding ``pad = (left, right, top, bottom, …)`` lists the last axis first, as in PyTorch.
'constant' fills with ``value`` (negative amounts crop); 'reflect' mirrors about the edge
element (x[1] comes before x[0]), 'replicate' repeats the edge, 'circular' wraps around.

``interpolate`` resamples each spatial axis in turn (the last first) with PyTorch's source
coordinates and weights, which ``ops.resample`` computes (its docstring states them): for output
index i and scale r (``1/scale_factor`` when a scale factor is given, else n_in/n_out),

* nearest: src = min(⌊i·r⌋, n_in − 1); nearest-exact: min(⌊(i + ½)·r⌋, n_in − 1) (r in float32);
* linear / bilinear / trilinear: x = max(r·(i + ½) − ½, 0) (or i·(n_in − 1)/(n_out − 1) with
  ``align_corners``), the neighbours ⌊x⌋ and min(⌊x⌋ + 1, n_in − 1) weighted 1 − t and t = x − ⌊x⌋;
* bicubic: the four neighbours ⌊x⌋ − 1 … ⌊x⌋ + 2 (clamped at the border), cubic convolution with
  A = −0.75; with ``antialias`` a triangle / cubic (A = −0.5) filter stretched by max(r, 1);
* area: the mean of the adaptive window [⌊i·n_in/n_out⌋, ⌈(i + 1)·n_in/n_out⌉).
"""

from __future__ import annotations

import math

from ..._backend import xp
from ..._tensor import Tensor
from ...ops.pad import AxisMap, ConstantPad, pad_index, selection
from ...ops.resample import antialias_taps, area_taps, compute_dtype, cubic_taps, linear_taps, nearest_index


def _pairs(pad, ndim: int) -> list[tuple[int, int]]:
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > ndim:
        raise RuntimeError(f"Padding length should be less than or equal to two times the input dimension but got "
                           f"padding length {len(pad)} and input of dimension {ndim}")
    pairs = [(int(pad[2 * k]), int(pad[2 * k + 1])) for k in range(len(pad) // 2)]
    return pairs  # pairs[k] pads axis −1 − k


def pad(input: Tensor, pad, mode: str = "constant", value: float | None = None) -> Tensor:  # noqa: A002
    """Pad the last len(pad)/2 axes of ``input``; ``pad`` = (before, after) of the last axis, then the one before…"""
    pad = tuple(pad)
    if mode not in ("constant", "reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    pairs = _pairs(pad, input.ndim)
    if mode == "constant":
        for j, (lo, hi) in enumerate(pairs):  # PyTorch crops by the negative amounts first, then pads
            n = input.shape[input.ndim - 1 - j]
            if n + min(lo, 0) + min(hi, 0) < 0:
                raise RuntimeError(f"narrow(): length must be non-negative. (the negative padding ({lo}, {hi}) crops "
                                   f"more than the {n} elements of dimension {input.ndim - 1 - j} of input "
                                   f"{list(input.shape)})")
        pads = [(0, 0)] * (input.ndim - len(pairs)) + pairs[::-1]
        return ConstantPad.apply(input, pads=tuple(pads), value=0.0 if value is None else value)
    if value is not None and value != 0:
        raise RuntimeError(f"Padding mode \"{mode}\" doesn't take in value argument")
    k = len(pairs)
    if k not in (1, 2, 3) or input.ndim not in (k + 1, k + 2):
        raise NotImplementedError(
            f"Padding size {len(pad)} is not supported for {input.ndim}D input tensor.\n"
            "Supported combinations for non-constant padding:\n"
            "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
            "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
            "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")
    if mode != "circular" and 0 in input.shape[-k - 1:]:
        raise RuntimeError(f"Expected {k + 1}D or {k + 2}D (batch mode) tensor with possibly 0 batch size and other "
                           f"non-zero dimensions for input, but got: {list(input.shape)}")
    maps = []
    for j, (lo, hi) in enumerate(pairs):
        axis = input.ndim - 1 - j
        n = input.shape[axis]
        if mode == "reflect" and (lo >= n or hi >= n):
            raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding input dimension, but "
                               f"got: padding ({lo}, {hi}) at dimension {axis} of input {list(input.shape)}")
        if mode == "circular" and (lo > n or hi > n):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if lo < 0 or hi < 0:
            raise RuntimeError(f"padding: negative padding ({lo}, {hi}) is only supported in 'constant' mode")
        index = pad_index(n, lo, hi, mode)
        maps.append((axis - input.ndim, selection(index, n), index))
    return AxisMap.apply(input, maps=tuple(maps))


# ---------------------------------------------------------------------- interpolate
_MODES = "nearest | linear | bilinear | bicubic | trilinear | lanczos | area | nearest-exact"
# spatial dimensions of each mode
_NEEDS = {"linear": 1, "bilinear": 2, "trilinear": 3, "bicubic": 2, "lanczos": 2}
_AXES = ("D", "H", "W")


def _is_int(v) -> bool:
    return isinstance(v, int) or (hasattr(v, "__index__") and not isinstance(v, float))


def _output_sizes(input: Tensor, dims: int, size, scale_factor, mode: str,  # noqa: A002
                  recompute_scale_factor: bool | None) -> tuple[tuple, tuple]:
    """(output size, scale factor or None) of each spatial axis, with PyTorch's argument rules."""
    spatial = list(input.shape[2:])
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        if isinstance(size, (list, tuple)):
            if len(size) != dims:
                raise ValueError(f"Input and output must have the same number of spatial dimensions, but got input "
                                 f"with spatial dimensions of {spatial} and output size of {size}. Please provide "
                                 "input tensor in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) "
                                 "format.")
            sizes = tuple(size)
        else:
            sizes = (size,) * dims
        if not all(_is_int(s) for s in sizes):
            raise TypeError("expected size to be one of int or Tuple[int] or Tuple[int, int] or Tuple[int, int, int], "
                            f"but got size with types {[type(s) for s in sizes]}")
        if recompute_scale_factor:
            raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
        return tuple(int(s) for s in sizes), (None,) * dims
    if scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    if isinstance(scale_factor, (list, tuple)):
        if len(scale_factor) != dims:
            raise ValueError(f"Input and scale_factor must have the same number of spatial dimensions, but got input "
                             f"with spatial dimensions of {spatial} and scale_factor of shape {scale_factor}. Please "
                             "provide input tensor in (N, C, d1, d2, ...,dK) format and scale_factor in (s1, s2, "
                             "...,sK) format.")
        factors = tuple(float(f) for f in scale_factor)
    else:
        factors = (float(scale_factor),) * dims
    sizes = tuple(int(n * f) for n, f in zip(spatial, factors))  # truncated, as PyTorch's int()
    keep = not (recompute_scale_factor or mode == "area")
    return sizes, factors if keep else (None,) * dims


def _check_upsample(input: Tensor, sizes: tuple) -> None:  # noqa: A002
    """PyTorch's checks of its upsample kernels: positive sizes, and no empty channel axis."""
    spatial = input.shape[2:]
    if any(n <= 0 for n in spatial) or any(s <= 0 for s in sizes):
        names = _AXES[3 - len(sizes):]
        shown_in = ", ".join(f"{a}: {n}" for a, n in zip(names, spatial))
        shown_out = ", ".join(f"{a}: {n}" for a, n in zip(names, sizes))
        joint = " and output" if len(sizes) == 1 else " output"
        raise RuntimeError(f"Input and output sizes should be greater than 0, but got input ({shown_in}){joint} "
                           f"({shown_out})")
    if input.numel() == 0 and input.shape[1] == 0:
        raise RuntimeError(f"Non-empty {input.ndim}D data tensor expected but got a tensor with sizes "
                           f"{list(input.shape)}")


def _check_area(input: Tensor, sizes: tuple) -> None:  # noqa: A002
    """The checks of PyTorch's adaptive_avg_pool{2,3}d, which 'area' calls (1-D input as (N, C, 1, L))."""
    shape, shown = list(input.shape), list(sizes)
    if len(sizes) == 1:
        shape, shown = shape[:2] + [1] + shape[2:], [1] + shown
    name = f"adaptive_avg_pool{len(shown)}d"
    first = 1 if len(shown) == 3 else len(shape) - 2  # 3-D pooling checks the channel axis too, 2-D does not
    for d in range(first, len(shape)):
        if shape[d] == 0:
            raise RuntimeError(f"{name}(): Expected input to have non-zero size for non-batch dimensions, but input "
                               f"has sizes {shape} with dimension {d} being empty")
    if any(s < 0 for s in sizes):
        inner = ", ".join(map(str, shown)) if len(shown) == 2 else f"{shown[0]}, {shown[1]},{shown[2]}"
        raise RuntimeError(f"{name}: elements of output_size must be greater than or equal to 0 but received "
                           f"{{{inner}}}")


_TORCH_TYPE_NAMES = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def _area_of_integers(input: Tensor, sizes: tuple) -> Tensor:  # noqa: A002
    """PyTorch's adaptive average of an integer tensor: refused (a global average as mean()'s dtype error),
    except an empty 1-D/2-D input, which gives the empty result in the input's dtype."""
    name = _TORCH_TYPE_NAMES.get(str(input._data.dtype), str(input._data.dtype))
    if all(s == 1 for s in sizes):
        raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a floating point or "
                           f"complex dtype. Got: {name}")
    if len(sizes) == 3 or math.prod(input.shape[:2] + tuple(sizes)):
        raise NotImplementedError(f"\"adaptive_avg_pool{max(len(sizes), 2)}d\" not implemented for '{name}'")
    return Tensor._make(xp.zeros(input.shape[:2] + tuple(sizes), input._data.dtype), False, None)


def interpolate(input: Tensor, size=None, scale_factor=None, mode: str = "nearest",  # noqa: A002
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Tensor:
    """Resample the spatial axes of (N, C, L), (N, C, H, W) or (N, C, D, H, W) input to ``size`` or by
    ``scale_factor``, one axis at a time (PyTorch's ``F.interpolate``).

    Modes: 'nearest' and 'nearest-exact' (any of the three), 'linear' (3-D), 'bilinear' and 'bicubic'
    (4-D), 'trilinear' (5-D), 'area' (adaptive average pooling). Each axis is a fixed linear map,
    out[o] = Σ_k w[o, k]·x[index[o, k]]; the weights (``ops.resample``) are PyTorch's:

    * nearest: index ⌊r·o⌋; nearest-exact: ⌊r·(o + ½)⌋ (both at most n_in − 1, r in float32), where
      r = 1/scale_factor when a factor is given (and not ``recompute_scale_factor``), else n_in/n_out;
    * (bi/tri)linear: source x = max(r·(o + ½) − ½, 0), or x = o·(n_in − 1)/(n_out − 1) with
      ``align_corners``; weights 1 − t, t on ⌊x⌋ and ⌊x⌋ + 1 (t = x − ⌊x⌋);
    * bicubic: the same x (unclamped), taps ⌊x⌋ − 1 … ⌊x⌋ + 2 clamped at the borders, Keys' cubic
      convolution weights with A = −0.75;
    * area: output o averages input [⌊o·n_in/n_out⌋, ⌈(o + 1)·n_in/n_out⌉);
    * ``antialias`` (bilinear, bicubic; 4-D): when shrinking by r > 1 the triangle (or the cubic with
      A = −0.5) is stretched by r and renormalised, so every input within its support contributes;
    * lanczos (4-D, ``antialias=True`` required): the same with the Lanczos-3 filter
      sinc(d)·sinc(d/3), |d| < 3.

    With ``scale_factor`` the output size is ⌊n·scale_factor⌋. The gradient applies the transposed
    weights (``AxisMap``), and so does its own gradient (double backward).
    """
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: linear | bilinear | "
                             "bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    dims = input.ndim - 2
    sizes, factors = _output_sizes(input, dims, size, scale_factor, mode, recompute_scale_factor)
    if antialias and not (mode in ("bilinear", "bicubic", "lanczos") and input.ndim == 4):
        raise ValueError("Anti-alias option is restricted to bilinear, bicubic, and lanczos modes and requires a 4-D "
                         "tensor as input")
    if mode == "lanczos" and align_corners:
        raise ValueError("Lanczos mode does not support align_corners=True")
    if mode == "lanczos" and input.ndim == 4 and not antialias:
        raise ValueError("Lanczos mode requires antialias=True")
    known = mode in ("nearest", "nearest-exact", "area") or mode in _NEEDS
    if not known or dims not in (1, 2, 3) or (mode == "bicubic" and dims != 2):
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.ndim}D) for "
                                  f"the modes: {_MODES} (got {mode})")
    if mode in _NEEDS and _NEEDS[mode] != dims:
        raise NotImplementedError(f"Got {input.ndim}D input, but {mode} mode needs {_NEEDS[mode] + 2}D input")
    if mode == "area":
        _check_area(input, sizes)
        if not input.dtype.is_floating_point:
            return _area_of_integers(input, sizes)
    elif not input.dtype.is_floating_point and mode != "nearest" and mode != "nearest-exact":
        raise NotImplementedError(f"interpolate: mode {mode!r} needs a floating-point input, got {input.dtype} "
                                  "(only 'nearest' and 'nearest-exact' copy integer values)")
    else:
        _check_upsample(input, sizes)
    spatial = input.shape[2:]
    # PyTorch's vectorised 2-D nearest kernel (taken when H_out + W_out <= 128) has the n -> n and n -> 2n shortcuts
    shortcuts = dims == 2 and sum(sizes) <= 128
    maps, divisor = [], None
    dtype = compute_dtype(input._data.dtype)
    for a in reversed(range(dims)):  # the last axis first, as PyTorch's separable kernels
        n_in, n_out, factor = spatial[a], sizes[a], factors[a]
        axis = a - dims
        if mode in ("nearest", "nearest-exact"):
            exact = mode == "nearest-exact"
            index = nearest_index(n_in, n_out, factor, exact=exact, shortcuts=shortcuts)
            # PyTorch's nearest backward kernels always take the shortcuts (its forward only in the 2-D vectorised
            # kernel), so where they differ (n -> 2n or n -> n with a factor that says otherwise) the gradient
            # follows PyTorch's backward, not the transposed forward
            back = nearest_index(n_in, n_out, factor, exact=exact, shortcuts=True)
            maps.append((axis, selection(back, n_in), index))
            continue
        if mode == "area":
            taps, count = area_taps(n_in, n_out)
            shape = [1] * input.ndim
            shape[axis] = n_out
            divisor = count.reshape(shape) if divisor is None else divisor * count.reshape(shape)
        elif antialias:
            kind = {"bilinear": "linear", "bicubic": "cubic"}.get(mode, mode)
            taps = antialias_taps(n_in, n_out, factor, bool(align_corners), kind, dtype)
            if n_out == n_in:  # PyTorch's antialiased forward copies an axis that keeps its size, but its backward
                # applies the filter's weights (not the identity when a scale factor says r != 1): both followed
                maps.append((axis, taps.matrix(n_in), xp.arange(n_in)))
                continue
        elif mode == "bicubic":
            taps = cubic_taps(n_in, n_out, factor, bool(align_corners), dtype)
        else:
            taps = linear_taps(n_in, n_out, factor, bool(align_corners), dtype)
        maps.append((axis, taps.matrix(n_in), taps))
    out = AxisMap.apply(input, maps=tuple(maps), joint=mode == "area")
    if divisor is not None:  # the window sums divided once, as PyTorch's adaptive average
        out = out / Tensor._make(divisor.astype(out._data.dtype), False, None)
    return out


def upsample(input: Tensor, size=None, scale_factor=None, mode: str = "nearest",  # noqa: A002
             align_corners: bool | None = None) -> Tensor:
    """``interpolate`` (PyTorch's older name)."""
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Tensor, size=None, scale_factor=None) -> Tensor:  # noqa: A002
    """``interpolate(mode='nearest')`` (PyTorch's deprecated name)."""
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Tensor, size=None, scale_factor=None) -> Tensor:  # noqa: A002
    """``interpolate(mode='bilinear', align_corners=True)`` (PyTorch's deprecated name)."""
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)
