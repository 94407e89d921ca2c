"""Per-axis resampling weights for ``interpolate``: which inputs each output reads, and how much of each.

Resizing one axis from ``n_in`` to ``n_out`` samples reads, for output o, K inputs ``index[o, k]``
with weights ``weight[o, k]`` (a ``Taps``); ``AxisMap`` applies them as Σ_k weight[o, k]·x[index[o, k]],
k in order, so a zero weight on an infinite input gives NaN exactly where PyTorch's kernels do (they
read the same taps). The scale of an axis is r = 1/scale_factor when a factor is given, else n_in/n_out;
with ``align_corners`` it is (n_in − 1)/(n_out − 1) (0 for one output) and output i sits at r·i.
Without, output i sits at x = r·(i + ½) − ½ (PyTorch's ``area_pixel_compute_source_index``):

* linear: the taps ⌊x⌋ and ⌊x⌋ + 1 (x clamped at 0; the upper tap clamped at n_in − 1) with weights
  1 − t and t, t = x − ⌊x⌋. An axis that keeps its size is copied (weights 1 and 0 on tap i).
* cubic: taps ⌊x⌋ − 1 … ⌊x⌋ + 2, clamped into [0, n_in − 1] (border replication), with Keys' cubic
  convolution weights for A = −0.75: W(d) = (A + 2)|d|³ − (A + 3)|d|² + 1 for |d| ≤ 1,
  A|d|³ − 5A|d|² + 8A|d| − 4A for 1 < |d| < 2; x is not clamped at 0.
* area: output i averages the adaptive window [⌊i·n_in/n_out⌋, ⌈(i + 1)·n_in/n_out⌉).
* antialias (linear, cubic or lanczos, shrinking or not): the filter is stretched by s = max(r, 1) so
  it spans s input samples per unit: output i centred at c = r·(i + ½) reads inputs j in
  [trunc(c − S + ½), trunc(c + S + ½)) with S = s·(support of the filter: 1 linear, 2 cubic, 3 lanczos) and
  weights f((j − c + ½)/s) normalised to sum 1; f is the triangle max(0, 1 − |d|) or the cubic
  kernel with A = −0.5 (PyTorch's ``_upsample_bilinear2d_aa`` / ``_upsample_bicubic2d_aa``).

Floors of source positions are taken in float32, as PyTorch's ``floorf`` does (it decides which
taps are read at positions within rounding of an integer).
"""

from __future__ import annotations

import math
from typing import NamedTuple

from .._backend import ndarray, xp


class Taps(NamedTuple):
    """Output o reads inputs ``index[o, :count[o]]`` with ``weight[o, :count[o]]`` (weight None: all 1;
    count None: all K taps)."""

    index: ndarray  # (n_out, K) int64
    weight: ndarray | None  # (n_out, K) float64
    count: ndarray | None  # (n_out,) int64

    def matrix(self, n_in: int) -> ndarray:
        """The dense (n_out, n_in) matrix of the same linear map (for the adjoint)."""
        n_out, k = self.index.shape
        w = xp.ones((n_out, k)) if self.weight is None else self.weight
        if self.count is not None:
            w = xp.where(xp.arange(k)[None, :] < self.count[:, None], w, 0.0)
        m = xp.zeros((n_out, n_in))
        rows = xp.broadcast_to(xp.arange(n_out)[:, None], (n_out, k))
        xp.add.at(m, (rows, self.index), w)
        return m


def axis_scale(n_in: int, n_out: int, scale_factor: float | None, align_corners: bool, dtype=xp.float64):
    """PyTorch's ``area_pixel_compute_scale``: the input distance between neighbouring outputs (in ``dtype``)."""
    f = xp.dtype(dtype).type
    if align_corners:
        return f(n_in - 1) / f(n_out - 1) if n_out > 1 else f(0.0)
    return f(1.0 / scale_factor) if scale_factor is not None and scale_factor > 0 else f(n_in) / f(n_out)


def _source(n_in: int, n_out: int, scale_factor: float | None, align_corners: bool, cubic: bool,
            dtype) -> ndarray:
    f = xp.dtype(dtype).type
    r = axis_scale(n_in, n_out, scale_factor, align_corners, dtype)
    i = xp.arange(n_out).astype(dtype)
    if align_corners:
        return r * i
    x = _fma(xp.full(n_out, r, dtype), i + f(0.5), -0.5)
    return x if cubic else xp.maximum(x, f(0.0))


def _fma(a: ndarray, b: ndarray, c) -> ndarray:
    """a·b + c rounded once, as PyTorch's compiled kernels contract r·(i + ½) − ½ and the cubic's Horner
    steps into fused multiply-adds (which decides whether a weight is exactly 0 or a tiny number, and so
    whether an infinite input gives NaN there)."""
    if a.dtype == xp.float32:  # the product of two float32s is exact in float64
        return (a.astype(xp.float64) * b.astype(xp.float64) + xp.float64(c)).astype(xp.float32)
    p = a * b  # float64: Dekker's exact product p + e, then p + c + e with the rounding error of p + c
    split = 134217729.0  # 2**27 + 1
    ah = a * split
    ah = ah - (ah - a)
    bh = b * split
    bh = bh - (bh - b)
    al, bl = a - ah, b - bh
    e = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    s = p + c
    bb = s - p
    err = (p - (s - bb)) + (c - bb)
    return s + (err + e)


def _floor_and_fraction(x: ndarray, n_in: int) -> tuple[ndarray, ndarray]:
    """PyTorch's ``guard_index_and_lambda``: ⌊x⌋ (in float32, at most n_in − 1) and t = x − ⌊x⌋ in [0, 1]."""
    lo = xp.minimum(xp.floor(x.astype(xp.float32)).astype(xp.int64), n_in - 1)
    return lo, xp.clip(x - lo.astype(x.dtype), 0.0, 1.0).astype(x.dtype)


def compute_dtype(dtype) -> type:
    """The float type PyTorch computes an input's weights in: float32 for float32 (and narrower), else float64."""
    return xp.float32 if xp.dtype(dtype).kind == "f" and xp.dtype(dtype).itemsize <= 4 else xp.float64


def nearest_index(n_in: int, n_out: int, scale_factor: float | None, exact: bool = False,
                  shortcuts: bool = False) -> ndarray:
    """The input index each output copies: min(⌊r·i⌋, n_in − 1) ('nearest') or min(⌊r·(i + ½)⌋, n_in − 1)
    ('nearest-exact'), r in float32 as PyTorch computes it.

    ``shortcuts``: PyTorch's vectorised nearest kernel (small outputs) copies the identity when
    n_out = n_in and takes i // 2 when n_out = 2·n_in, whatever the scale factor.
    """
    if shortcuts and not exact and n_out == n_in:
        return xp.arange(n_out)
    if shortcuts and not exact and n_out == 2 * n_in:
        return xp.arange(n_out) // 2
    r = xp.float32(1.0 / scale_factor if scale_factor else n_in / n_out)
    if exact:
        pos = ((xp.arange(n_out, dtype=xp.float64) + 0.5) * xp.float64(r)).astype(xp.float32)
    else:
        pos = xp.arange(n_out, dtype=xp.float32) * r
    return xp.minimum(xp.floor(pos).astype(xp.int64), n_in - 1)


def linear_taps(n_in: int, n_out: int, scale_factor: float | None, align_corners: bool,
                dtype=xp.float64) -> Taps:
    """Two taps per output (see the module docstring); an axis that keeps its size is copied.

    The positions and weights are computed in ``dtype`` (PyTorch computes a float32 input's in float32,
    which decides whether a weight is exactly 0)."""
    if n_out == n_in:
        i = xp.arange(n_out)
        return Taps(xp.stack([i, i], 1), xp.stack([xp.ones(n_out), xp.zeros(n_out)], 1), None)
    lo, t = _floor_and_fraction(_source(n_in, n_out, scale_factor, align_corners, False, dtype), n_in)
    hi = xp.where(lo < n_in - 1, lo + 1, lo)
    return Taps(xp.stack([lo, hi], 1), xp.stack([1 - t, t], 1).astype(xp.float64), None)


def _cubic_near(d: ndarray, a) -> ndarray:  # |d| <= 1, as PyTorch's compiled Horner scheme (fused multiply-adds)
    f = d.dtype.type
    return _fma(_fma(xp.full_like(d, a + f(2)), d, -(a + f(3))) * d, d, f(1))


def _cubic_far(d: ndarray, a) -> ndarray:  # 1 < |d| < 2
    f = d.dtype.type
    return _fma(_fma(_fma(xp.full_like(d, a), d, -f(5) * a), d, f(8) * a), d, -f(4) * a)


def cubic_taps(n_in: int, n_out: int, scale_factor: float | None, align_corners: bool,
               dtype=xp.float64) -> Taps:
    """Four taps per output with Keys' weights for A = −0.75, indices clamped into [0, n_in − 1]
    (computed in ``dtype``, as ``linear_taps``)."""
    f = xp.dtype(dtype).type
    a, one, two = f(-0.75), f(1.0), f(2.0)
    lo, t = _floor_and_fraction(_source(n_in, n_out, scale_factor, align_corners, True, dtype), n_in)
    index = xp.clip(lo[:, None] + xp.arange(-1, 3)[None, :], 0, n_in - 1)
    weight = xp.stack([_cubic_far(t + one, a), _cubic_near(t, a), _cubic_near(one - t, a), _cubic_far(two - t, a)], 1)
    return Taps(index, weight.astype(xp.float64), None)


def area_taps(n_in: int, n_out: int) -> tuple[Taps, ndarray]:
    """The adaptive windows as taps of weight 1, and each window's length (the divisor of its sum)."""
    i = xp.arange(n_out)
    start, end = (i * n_in) // n_out, -(-((i + 1) * n_in) // n_out)
    count = end - start
    k = int(count.max()) if n_out else 0
    index = xp.minimum(start[:, None] + xp.arange(k)[None, :], n_in - 1)
    return Taps(index, None, count), count


def _triangle(d: ndarray) -> ndarray:
    return xp.maximum(d.dtype.type(1) - xp.abs(d), d.dtype.type(0))


def _cubic_aa(d: ndarray) -> ndarray:
    d = xp.abs(d)
    a = d.dtype.type(-0.5)
    return xp.where(d < 1, _cubic_near(d, a), xp.where(d < 2, _cubic_far(d, a), d.dtype.type(0)))


def _lanczos(d: ndarray) -> ndarray:
    """Lanczos-3: sinc(d)·sinc(d/3) = 3 sin(πd) sin(πd/3) / (πd)² for |d| < 3 (1 at 0), else 0."""
    t = d.dtype.type
    pd = t(math.pi) * d
    safe = xp.where(d == 0, t(1), pd)
    value = xp.where(d == 0, t(1), t(3) * xp.sin(pd) * xp.sin(pd / t(3)) / (safe * safe))
    return xp.where(xp.abs(d) < t(3), value, t(0))


# the antialiased filters: (function, support in input samples at scale 1)
_AA_FILTERS = {"linear": (_triangle, 1.0), "cubic": (_cubic_aa, 2.0), "lanczos": (_lanczos, 3.0)}


def antialias_taps(n_in: int, n_out: int, scale_factor: float | None, align_corners: bool, kind: str,
                   dtype=xp.float64) -> Taps:
    """The stretched, normalised filter of PyTorch's antialiased resize (see the module docstring),
    computed in ``dtype`` and normalised by a running sum over the taps, as PyTorch does. ``kind``:
    "linear" (triangle), "cubic" (A = −0.5) or "lanczos" (Lanczos-3)."""
    f = xp.dtype(dtype).type
    r = axis_scale(n_in, n_out, scale_factor, align_corners, dtype)
    kernel, half = _AA_FILTERS[kind]
    half = f(half)
    support = half * r if r >= 1 else half
    inv = f(1) / r if r >= 1 else f(1)
    k = int(math.ceil(support)) * 2 + 1
    center = r * (xp.arange(n_out).astype(dtype) + f(0.5))
    lo = xp.maximum(xp.trunc(center - support + f(0.5)).astype(xp.int64), 0)
    count = xp.clip(xp.minimum(xp.trunc(center + support + f(0.5)).astype(xp.int64), n_in) - lo, 0, k)
    j = xp.arange(k)[None, :]
    w = kernel((((j + lo[:, None]).astype(dtype) - center[:, None]) + f(0.5)) * inv)
    w = xp.where(j < count[:, None], w, f(0))
    total = xp.zeros(n_out, dtype)
    for c in range(k):
        total = total + w[:, c]
    total = total[:, None]
    w = xp.where(total != 0, w / xp.where(total != 0, total, f(1)), w)
    index = xp.minimum(lo[:, None] + j, n_in - 1)
    return Taps(index, w.astype(xp.float64), count)
