"""Turning what a user logs (tensors, arrays, numbers, figures) into NumPy arrays laid out as TensorBoard wants."""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def to_numpy(x: Any) -> np.ndarray:
    """A NumPy array holding ``x``: a mytorch tensor (detached), an array, a Python/NumPy scalar or a list.

    A scalar becomes a one-element array, as PyTorch's writer does, so ``squeeze()`` gives 0-d.
    """
    from ..._tensor import Tensor

    if isinstance(x, np.ndarray):
        return x
    if isinstance(x, Tensor):
        return np.asarray(x.detach().numpy())
    if np.isscalar(x):
        return np.array([x])
    if isinstance(x, (list, tuple)):
        return np.asarray(x)
    raise TypeError(f"expected a mytorch.Tensor, a numpy.ndarray or a number, got {type(x).__name__}")


def tile_images(images: np.ndarray, ncols: int = 8) -> np.ndarray:
    """Lay out an (N, C, H, W) batch (C = 1 or 3) on one (3, rows*H, ncols*W) canvas, row by row, no gaps.

    This is the writer's own tiling (TensorBoard's image panel shows one image per event), not
    ``mytorch.utils.make_grid``, which pads between cells.
    """
    if images.ndim != 4:
        raise ValueError(f"expected a batch of images of shape (N, C, H, W), got shape {images.shape}")
    if images.shape[1] == 1:
        images = np.concatenate([images, images, images], 1)
    if images.shape[1] != 3:
        raise ValueError(f"a batch of images needs 1 or 3 channels, got {images.shape[1]} (shape {images.shape})")
    n, _, h, w = images.shape
    ncols = max(1, min(n, ncols))
    nrows = math.ceil(n / ncols)
    canvas = np.zeros((3, h * nrows, w * ncols), dtype=images.dtype)
    for i in range(n):
        r, c = divmod(i, ncols)
        canvas[:, r * h : (r + 1) * h, c * w : (c + 1) * w] = images[i]
    return canvas


def to_hwc(array: np.ndarray, dataformats: str) -> np.ndarray:
    """Reorder an image (or a batch, tiled) given in ``dataformats`` (e.g. ``"CHW"``, ``"NHWC"``, ``"HW"``) to HWC.

    One channel is repeated to three (grey shown as RGB), as PyTorch's writer does.
    """
    fmt = dataformats.upper()
    if len(set(fmt)) != len(fmt) or not set(fmt) <= set("NCHW"):
        raise ValueError(f"dataformats must be letters of 'NCHW', each at most once; got {dataformats!r}")
    if array.ndim != len(fmt):
        raise ValueError(
            f"the image has {array.ndim} dimensions (shape {array.shape}) but dataformats {dataformats!r} "
            f"names {len(fmt)}"
        )
    if len(fmt) == 4:
        nchw = array.transpose([fmt.index(c) for c in "NCHW"])
        return tile_images(nchw).transpose(1, 2, 0)
    if len(fmt) == 3:
        if set(fmt) != set("CHW"):
            raise ValueError(f"a 3-dimensional image needs dataformats made of C, H and W; got {dataformats!r}")
        hwc = array.transpose([fmt.index(c) for c in "HWC"])
        if hwc.shape[2] == 1:
            hwc = np.concatenate([hwc, hwc, hwc], 2)
        return hwc
    if len(fmt) == 2:
        if set(fmt) != set("HW"):
            raise ValueError(f"a 2-dimensional image needs dataformats 'HW' or 'WH'; got {dataformats!r}")
        hw = array.transpose([fmt.index(c) for c in "HW"])
        return np.stack([hw, hw, hw], 2)
    raise ValueError(f"dataformats must have 2, 3 or 4 letters; got {dataformats!r}")


def figure_to_chw(figure: Any, close: bool = True) -> np.ndarray:
    """Render a matplotlib figure with the Agg backend to a uint8 (3, H, W) array (alpha dropped)."""
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    rgba = np.asarray(canvas.buffer_rgba(), dtype=np.uint8)
    chw = np.ascontiguousarray(rgba[:, :, :3].transpose(2, 0, 1))
    if close:
        plt.close(figure)
    return chw
