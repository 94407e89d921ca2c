"""``pad`` and ``interpolate``: padding modes and resampling, as per-axis maps (``ops.pad``).

Padding ``pad = (left, right, top, bottom, …)`` lists the last axis first, as in PyTorch.
'constant' fills with ``value`` (negative amounts crop); 'reflect' mirrors about the edge
element (x[1] comes before x[0]), 'replicate' repeats the edge, 'circular' wraps around.

``interpolate`` resamples each spatial axis with PyTorch's source coordinates. For output index
i and scale r (``1/scale_factor`` when a scale factor is given, else n_in/n_out):

* nearest:  src = min(⌊i·r⌋, n_in − 1) (computed in float32, as PyTorch does; see ``nearest_index``);
* (bi)linear, align_corners=False: x = max(r·(i + ½) − ½, 0), the two neighbours ⌊x⌋ and
  min(⌊x⌋ + 1, n_in − 1) weighted 1 − (x − ⌊x⌋) and x − ⌊x⌋;
* align_corners=True: x = i·(n_in − 1)/(n_out − 1) (0 for a single output): the corner pixels'
  centres coincide.
"""

from __future__ import annotations

import math

from ..._backend import ndarray, xp
from ..._tensor import Tensor
from ...ops.pad import AxisMap, ConstantPad, pad_index, selection


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
    maps = []
    for j, (lo, hi) in enumerate(pairs):
        axis = input.ndim - 1 - j
        n = input.shape[axis]
        if mode == "reflect" and (lo >= n or hi >= n):
            raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding input dimension, but "
                               f"got: padding ({lo}, {hi}) at dimension {axis} of input {list(input.shape)}")
        if mode == "circular" and (lo > n or hi > n):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if mode == "replicate" and n == 0 and (lo or hi):
            raise RuntimeError(f"padding: input dimension {axis} is empty, nothing to replicate")
        if lo < 0 or hi < 0:
            raise RuntimeError(f"padding: negative padding ({lo}, {hi}) is only supported in 'constant' mode")
        index = pad_index(n, lo, hi, mode)
        maps.append((axis - input.ndim, selection(index, n), index))
    return AxisMap.apply(input, maps=tuple(maps))


# ---------------------------------------------------------------------- interpolate
def nearest_index(n_in: int, n_out: int, scale: float | None, shortcuts: bool = False) -> ndarray:
    """The input index each output copies (PyTorch's 'nearest', in float32).

    PyTorch's 2-D kernel (``shortcuts``) copies the identity when n_out = n_in and takes i // 2 when
    n_out = 2·n_in, whatever the scale factor; its 1-D kernel always uses ⌊i·r⌋.
    """
    if shortcuts and n_out == n_in:
        return xp.arange(n_out)
    if shortcuts and n_out == 2 * n_in:
        return xp.arange(n_out) // 2
    r = xp.float32(1.0 / scale if scale else n_in / n_out)
    return xp.minimum(xp.floor(xp.arange(n_out, dtype=xp.float32) * r).astype(xp.int64), n_in - 1)


def linear_matrix(n_in: int, n_out: int, scale: float | None, align_corners: bool) -> ndarray:
    """The (n_out, n_in) linear-interpolation matrix of one axis (rows sum to 1)."""
    i = xp.arange(n_out, dtype=xp.float64)
    if align_corners:
        src = i * ((n_in - 1) / (n_out - 1)) if n_out > 1 else xp.zeros(n_out)
    else:
        r = 1.0 / scale if scale else n_in / n_out
        src = xp.maximum(r * (i + 0.5) - 0.5, 0.0)
    lo = xp.minimum(xp.floor(src).astype(xp.int64), n_in - 1)
    hi = xp.minimum(lo + 1, n_in - 1)
    frac = xp.clip(src - lo, 0.0, 1.0)
    m = xp.zeros((n_out, n_in))
    rows = xp.arange(n_out)
    xp.add.at(m, (rows, lo), 1.0 - frac)
    xp.add.at(m, (rows, hi), frac)
    return m


_MODES = ("nearest", "linear", "bilinear", "bicubic", "trilinear", "area", "nearest-exact")


def interpolate(input: Tensor, size=None, scale_factor=None, mode: str = "nearest",  # noqa: A002
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Tensor:
    """Resample the spatial axes of (N, C, L) or (N, C, H, W) input to ``size`` or by ``scale_factor``.

    Modes: 'nearest' (3-D and 4-D), 'linear' (3-D), 'bilinear' (4-D), with ``align_corners``
    for the linear ones. With ``scale_factor`` the output size is ⌊n·scale_factor⌋ and the
    coordinates use the given factor unless ``recompute_scale_factor``.
    """
    dims = input.ndim - 2
    if mode not in _MODES or dims not in (1, 2, 3):
        raise NotImplementedError(
            f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.ndim}D) for the modes: nearest | "
            f"linear | bilinear | bicubic | trilinear | area | nearest-exact (got {mode})")
    if mode not in ("nearest", "linear", "bilinear") or dims == 3:
        raise NotImplementedError(f"interpolate: mode {mode!r} on {input.ndim}D input is not implemented in mytorch "
                                  "(it has 'nearest' for 3D/4D input, 'linear' for 3D and 'bilinear' for 4D)")
    if mode == "nearest" and align_corners is not None:
        raise ValueError("align_corners option can only be set with the interpolating modes: linear | bilinear | "
                         "bicubic | trilinear")
    if (mode == "linear" and dims != 1) or (mode == "bilinear" and dims != 2):
        needs = {"linear": 3, "bilinear": 4}[mode]
        raise NotImplementedError(f"Got {input.ndim}D input, but {mode} mode needs {needs}D input")
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not implemented in mytorch")
    if (size is None) == (scale_factor is None):
        raise ValueError("only one of size or scale_factor should be defined" if size is not None
                         else "either size or scale_factor should be defined")
    spatial = input.shape[2:]
    if size is not None:
        sizes = (size,) * dims if isinstance(size, int) else tuple(int(s) for s in size)
        if len(sizes) != dims:
            raise ValueError(f"Input and output must have the same number of spatial dimensions, but got input with "
                             f"spatial dimensions of {list(spatial)} and output size of {list(sizes)}. Please provide "
                             f"input tensor in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) "
                             "format.")
        scales = (None,) * dims
    else:
        factors = (scale_factor,) * dims if isinstance(scale_factor, (int, float)) else tuple(scale_factor)
        if len(factors) != dims:
            raise ValueError(f"Input and scale_factor must have the same number of spatial dimensions, but got input "
                             f"with spatial dimensions of {list(spatial)} and scale_factor of shape {list(factors)}.")
        sizes = tuple(math.floor(float(n) * float(f)) for n, f in zip(spatial, factors))
        scales = (None,) * dims if recompute_scale_factor else tuple(float(f) for f in factors)
    if any(s <= 0 for s in sizes):
        raise RuntimeError(f"interpolate: output size must be positive, got {list(sizes)} for input "
                           f"{list(input.shape)}")
    maps = []
    for a, (n_in, n_out, scale) in enumerate(zip(spatial, sizes, scales)):
        axis = a - dims
        if mode == "nearest":
            index = nearest_index(n_in, n_out, scale, shortcuts=dims == 2)
            maps.append((axis, selection(index, n_in), index))
        else:
            maps.append((axis, linear_matrix(n_in, n_out, scale, bool(align_corners)), None))
    return AxisMap.apply(input, maps=tuple(maps))


def upsample(input: Tensor, size=None, scale_factor=None, mode: str = "nearest",  # noqa: A002
             align_corners: bool | None = None) -> Tensor:
    """``interpolate`` (PyTorch's older name)."""
    return interpolate(input, size, scale_factor, mode, align_corners)
