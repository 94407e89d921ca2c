"""``make_grid`` and ``save_image``, as ``torchvision.utils``: a batch of images laid out on one padded canvas."""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np

from .._backend import to_host
from .._creation import from_numpy
from .._tensor import Tensor


def _batch(tensor: Any) -> np.ndarray:
    """The images as an (N, C, H, W) array: a list of (C, H, W) tensors is stacked; grey is made RGB."""
    if isinstance(tensor, (list, tuple)):
        if not tensor or not all(isinstance(t, Tensor) for t in tensor):
            raise TypeError("make_grid: expected a tensor or a non-empty list of tensors")
        shapes = {tuple(t.shape) for t in tensor}
        if len(shapes) != 1:
            raise ValueError(f"make_grid: the images must have one shape, got {sorted(shapes)}")
        arr = np.stack([to_host(t.detach()._data) for t in tensor])
    elif isinstance(tensor, Tensor):
        arr = to_host(tensor.detach()._data)
    else:
        raise TypeError(f"make_grid: tensor should be a mytorch.Tensor or a list of them, got {type(tensor).__name__}")
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim == 3:
        if arr.shape[0] == 1:
            arr = np.concatenate([arr, arr, arr], 0)
        arr = arr[None]
    if arr.ndim != 4:
        raise ValueError(f"make_grid: expected images of shape (N, C, H, W), (C, H, W) or (H, W), got {arr.shape}")
    if arr.shape[1] == 1:
        arr = np.concatenate([arr, arr, arr], 1)
    return arr


def _rescale(img: np.ndarray, low: float, high: float) -> None:
    """In place: clamp to [low, high], then map it to [0, 1] (a constant image becomes 0)."""
    np.clip(img, low, high, out=img)
    img -= low
    img /= max(high - low, 1e-5)


def make_grid(tensor: Any, nrow: int = 8, padding: int = 2, normalize: bool = False,
              value_range: tuple[float, float] | None = None, scale_each: bool = False,
              pad_value: float = 0.0) -> Tensor:
    """Tile a batch of images (N, C, H, W) (or a list of (C, H, W)) into one (C, H', W') image.

    Args:
        tensor: the images; one image is returned as it is (grey made RGB).
        nrow: images per row; the grid has ceil(N / nrow) rows.
        padding: pixels of ``pad_value`` around and between the images.
        normalize: map the values to [0, 1]: clamped to ``value_range`` (default the min and max
            of the batch, or of each image with ``scale_each``), then (x − low) / (high − low).
        pad_value: the value of the border pixels.

    The result is a new tensor of the input's dtype, with no gradient history.
    """
    arr = _batch(tensor)
    if normalize:
        if value_range is not None and not isinstance(value_range, tuple):
            raise TypeError("make_grid: value_range has to be a tuple (min, max) if specified")
        arr = arr.astype(arr.dtype if arr.dtype.kind == "f" else np.float32, copy=True)
        parts = list(arr) if scale_each else [arr]
        for part in parts:
            low, high = value_range if value_range is not None else (float(part.min()), float(part.max()))
            _rescale(part, low, high)
    if arr.shape[0] == 1:
        return from_numpy(np.ascontiguousarray(arr[0]))
    n, c, h, w = arr.shape
    cols = min(int(nrow), n)
    rows = int(math.ceil(n / cols))
    cell_h, cell_w = h + padding, w + padding
    grid = np.full((c, cell_h * rows + padding, cell_w * cols + padding), pad_value, dtype=arr.dtype)
    for k in range(n):
        r, q = divmod(k, cols)
        top, left = r * cell_h + padding, q * cell_w + padding
        grid[:, top : top + h, left : left + w] = arr[k]
    return from_numpy(grid)


def save_image(tensor: Any, fp: str | os.PathLike | Any, format: str | None = None, **kwargs: Any) -> None:
    """Save images as one picture file: ``make_grid(tensor, **kwargs)``, values in [0, 1] → round(255·x).

    ``fp`` is a path or a binary file object; ``format`` (e.g. "PNG") is needed for a file object
    and otherwise follows the file name's extension (Pillow).
    """
    from PIL import Image

    grid = make_grid(tensor, **kwargs).numpy()
    hwc = np.clip(grid * 255 + 0.5, 0, 255).astype(np.uint8).transpose(1, 2, 0)
    Image.fromarray(np.ascontiguousarray(hwc)).save(fp, format=format)
