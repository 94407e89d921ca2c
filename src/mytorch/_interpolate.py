"""Image resizing weights, as PyTorch's ``interpolate`` computes them (``align_corners=False``).

Resizing one axis from ``n_in`` to ``n_out`` samples is a matrix product with an (n_out, n_in)
weight matrix; an image is resized by one such matrix per spatial axis. With the scale
s = n_in / n_out:

* bilinear: output i reads the source position x = s·(i + ½) − ½ (clamped at 0), i.e. the
  samples ⌊x⌋ and ⌊x⌋ + 1 (clamped at n_in − 1) with weights 1 − (x − ⌊x⌋) and x − ⌊x⌋;
* bilinear with antialias: when shrinking (s > 1) the triangle filter is stretched by s, so each
  output averages every input within s of its centre c = s·(i + ½): weights
  max(0, 1 − |j + ½ − c| / s) over those inputs j, normalised to sum 1 (PyTorch's
  ``_upsample_bilinear2d_aa``); when enlarging it is the unstretched triangle;
* nearest: output i copies input min(⌊s·i⌋, n_in − 1) (PyTorch's ``mode="nearest"``).
"""

from __future__ import annotations

import math

import numpy as np


def bilinear_weights(n_in: int, n_out: int, antialias: bool) -> np.ndarray:
    """The (n_out, n_in) float64 matrix that resizes one axis (rows sum to 1)."""
    scale = n_in / n_out
    w = np.zeros((n_out, n_in))
    if antialias:
        support = scale if scale >= 1.0 else 1.0
        invscale = 1.0 / scale if scale >= 1.0 else 1.0
        for i in range(n_out):
            center = scale * (i + 0.5)
            lo = max(math.trunc(center - support + 0.5), 0)
            hi = min(math.trunc(center + support + 0.5), n_in)
            j = np.arange(lo, hi)
            weights = np.maximum(0.0, 1.0 - np.abs((j - center + 0.5) * invscale))
            total = weights.sum()
            w[i, lo:hi] = weights / total if total else weights
        return w
    src = np.maximum(scale * (np.arange(n_out) + 0.5) - 0.5, 0.0)
    i0 = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    i1 = np.minimum(i0 + 1, n_in - 1)
    frac = src - i0
    rows = np.arange(n_out)
    np.add.at(w, (rows, i0), 1.0 - frac)
    np.add.at(w, (rows, i1), frac)
    return w


def nearest_indices(n_in: int, n_out: int) -> np.ndarray:
    """The input index each of the ``n_out`` outputs copies."""
    scale = np.float32(n_in / n_out)  # PyTorch computes the nearest source in float32
    return np.minimum(np.floor(np.arange(n_out, dtype=np.float32) * scale).astype(np.int64), n_in - 1)


def resize(image: np.ndarray, size: tuple[int, int], mode: str, antialias: bool) -> np.ndarray:
    """Resize the last two axes of ``image`` (..., H, W) to ``size`` = (h, w).

    Integer images are resized in float32 and rounded back (clipped to the dtype's range).
    """
    h_in, w_in = image.shape[-2:]
    h, w = size
    if mode == "nearest":
        return image[..., nearest_indices(h_in, h)[:, None], nearest_indices(w_in, w)[None, :]]
    x = image if image.dtype.kind == "f" else image.astype(np.float32)
    wh = bilinear_weights(h_in, h, antialias).astype(x.dtype)
    ww = bilinear_weights(w_in, w, antialias).astype(x.dtype)
    out = np.matmul(np.matmul(wh, x), ww.T)
    if image.dtype.kind != "f":
        info = np.iinfo(image.dtype) if image.dtype.kind in "iu" else None
        out = np.round(out)
        if info is not None:
            out = np.clip(out, info.min, info.max)
        out = out.astype(image.dtype)
    return out
