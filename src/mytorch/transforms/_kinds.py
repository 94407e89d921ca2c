"""The three kinds of image a transform meets, and how each becomes an array and back.

* a PIL image (what ``ImageFolder``'s default loader returns): (H, W) or (H, W, C) pixels;
* a mytorch ``Tensor`` of shape (..., C, H, W);
* a NumPy array, which the geometric and colour transforms take as (..., C, H, W) like a tensor
  (a mytorch extension: torchvision's accept no arrays; the recipe's augmentation runs on the
  datasets' channel-first float arrays). The conversions ``to_tensor``/``to_pil_image`` do not use
  this module's reading: they take an array as (H, W, C) or (H, W), as torchvision does.

Pillow is never imported here: an object is a PIL image only if ``PIL.Image`` is already loaded
and it is an instance of ``PIL.Image.Image``.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from .._backend import ndarray, to_host
from .._creation import from_numpy
from .._tensor import Tensor


def is_pil(img: Any) -> bool:
    """Whether ``img`` is a PIL image (without importing Pillow)."""
    module = sys.modules.get("PIL.Image")
    return module is not None and isinstance(img, module.Image)


def pil_module():
    """``PIL.Image``, imported on demand, with a clear error when Pillow is missing."""
    try:
        from PIL import Image
    except ImportError as e:  # pragma: no cover - the train extra installs Pillow
        raise ImportError("this transform needs Pillow for PIL images: pip install Pillow") from e
    return Image


def chw_array(img: Any, who: str) -> tuple[np.ndarray, bool]:
    """The (..., C, H, W) array behind a tensor or an array, and whether it was a tensor."""
    if isinstance(img, Tensor):
        array = to_host(img.detach()._data)
        is_tensor = True
    elif isinstance(img, ndarray):
        array, is_tensor = img, False
    else:
        raise TypeError(f"{who}: expected a PIL image, a Tensor or a NumPy array, got {type(img).__name__}")
    if array.ndim < 2:
        raise ValueError(f"{who}: expected an image of shape (C, H, W) or (H, W), got shape {array.shape}")
    return array, is_tensor


def rewrap(array: np.ndarray, is_tensor: bool) -> Any:
    """``array`` as the kind the input was (a contiguous copy for a tensor)."""
    return from_numpy(np.ascontiguousarray(array)) if is_tensor else array


def size_of(img: Any, who: str = "transform") -> tuple[int, int, int]:
    """(channels, height, width), as torchvision's ``get_dimensions``."""
    if is_pil(img):
        w, h = img.size
        return len(img.getbands()), h, w
    array, _ = chw_array(img, who)
    c = array.shape[-3] if array.ndim >= 3 else 1
    return c, array.shape[-2], array.shape[-1]


def pil_array(img: Any) -> np.ndarray:
    """A PIL image's pixels as (H, W) or (H, W, C)."""
    return np.asarray(img)


def pil_from(array: np.ndarray, like: Any):
    """A PIL image of ``array`` with the mode (and palette) of ``like``."""
    Image = pil_module()
    out = Image.fromarray(np.ascontiguousarray(array))
    if like.mode == "P":
        out.putpalette(like.getpalette())  # an L image with a palette becomes a P image
    elif out.mode != like.mode:
        out = out.convert(like.mode)
    return out
