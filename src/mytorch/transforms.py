"""Image transforms, as in ``torchvision.transforms``, for (C, H, W) NumPy arrays or Tensors.

    >>> from mytorch import transforms as T
    >>> augment = T.Compose([T.RandomCrop(28, padding=4), T.RandomHorizontalFlip(), T.Normalize((0.2860,), (0.3530,))])

Each transform returns the kind of object it was given (array in, array out; Tensor in, Tensor
out), except ``ToTensor``, which always returns a Tensor. They are data preparation, so they never
record gradients. Random transforms draw from mytorch's default generator at call time, so
``mytorch.manual_seed(s)`` reproduces every augmentation.

Seed 002's ``RandomFlipHorizontal(p)`` is ``RandomHorizontalFlip(p)``; its ``RandomCrop(padding)``
(pad, then crop back to the original size at a random place) is ``RandomCrop(size, padding)``
with ``size`` the image's own height and width.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ._backend import ndarray, to_host
from ._creation import from_numpy
from ._interpolate import resize
from ._tensor import Tensor
from .random import _numpy_generator

__all__ = [
    "Compose", "InterpolationMode", "Lambda", "Normalize", "RandomCrop", "RandomHorizontalFlip", "Resize", "ToTensor",
]


def _unwrap(image: Any, who: str) -> tuple[ndarray, bool]:
    """The array behind ``image`` and whether it was a Tensor; images need (C, H, W)."""
    is_tensor = isinstance(image, Tensor)
    if is_tensor:
        array = to_host(image.detach()._data)
    elif isinstance(image, ndarray):
        array = image
    else:
        raise TypeError(f"{who}: expected a NumPy array or Tensor image, got {type(image).__name__}")
    if array.ndim < 2:
        raise ValueError(f"{who}: expected an image of shape (C, H, W) or (H, W), got shape {array.shape}")
    return array, is_tensor


def _wrap(array: ndarray, is_tensor: bool) -> Any:
    return from_numpy(array) if is_tensor else array


class Compose:
    """Apply ``transforms`` one after the other."""

    def __init__(self, transforms: Sequence[Callable[[Any], Any]]) -> None:
        self.transforms = list(transforms)

    def __call__(self, image: Any) -> Any:
        for t in self.transforms:
            image = t(image)
        return image

    def __repr__(self) -> str:
        inner = "".join(f"\n    {t!r}" for t in self.transforms)
        return f"{type(self).__name__}({inner}\n)"


class ToTensor:
    """Convert a (C, H, W) or (H, W) array/Tensor to a float32 Tensor of shape (C, H, W).

    uint8 input is scaled by 1/255 into [0, 1] (torchvision's rule); any other dtype is converted
    to float32 unchanged. Unlike torchvision, which expects (H, W, C) PIL/NumPy images and
    transposes them, the input here is already channel-first, so nothing is transposed.
    """

    def __call__(self, image: Any) -> Tensor:
        array, _ = _unwrap(image, "ToTensor")
        if array.ndim == 2:
            array = array[None]
        if array.dtype == np.uint8:
            out = np.divide(array, np.float32(255), dtype=np.float32)
        else:
            out = np.array(array, dtype=np.float32)  # a copy: the Tensor must not alias the dataset
        return from_numpy(out)

    def __repr__(self) -> str:
        return "ToTensor()"


class Normalize:
    """``(image - mean[c]) / std[c]`` for each channel ``c`` of a float (C, H, W) image.

    ``mean`` and ``std`` have one value per channel, or one value for all. Computed in the
    image's dtype, as torchvision does.
    """

    def __init__(self, mean: Sequence[float] | float, std: Sequence[float] | float, inplace: bool = False) -> None:
        self.mean = tuple(np.atleast_1d(np.asarray(mean, dtype=np.float64)).tolist())
        self.std = tuple(np.atleast_1d(np.asarray(std, dtype=np.float64)).tolist())
        if len(self.mean) != len(self.std) and 1 not in (len(self.mean), len(self.std)):
            raise ValueError(f"Normalize: mean has {len(self.mean)} values but std has {len(self.std)}")
        if any(s == 0 for s in self.std):
            raise ValueError(f"Normalize: std {self.std} contains a zero, leading to division by zero")
        self.inplace = inplace

    def __call__(self, image: Any) -> Any:
        array, is_tensor = _unwrap(image, "Normalize")
        if array.dtype.kind != "f":
            raise TypeError(f"Normalize: input should be a float image, got {array.dtype} (convert with ToTensor)")
        if array.ndim != 3:
            raise ValueError(f"Normalize: expected an image of shape (C, H, W), got shape {array.shape}")
        channels = array.shape[0]
        for name, values in (("mean", self.mean), ("std", self.std)):
            if len(values) not in (1, channels):
                raise ValueError(f"Normalize: {name} has {len(values)} values for an image with {channels} channels")
        mean = np.asarray(self.mean, dtype=array.dtype)[:, None, None]
        std = np.asarray(self.std, dtype=array.dtype)[:, None, None]
        if self.inplace:
            np.subtract(array, mean, out=array)
            np.divide(array, std, out=array)
            return image
        return _wrap((array - mean) / std, is_tensor)

    def __repr__(self) -> str:
        return f"Normalize(mean={list(self.mean)}, std={list(self.std)})"


class RandomHorizontalFlip:
    """Mirror the image left-right (reverse the last axis) with probability ``p``."""

    def __init__(self, p: float = 0.5) -> None:
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"RandomHorizontalFlip: p must be in [0, 1], got {p}")
        self.p = p

    def __call__(self, image: Any) -> Any:
        array, is_tensor = _unwrap(image, "RandomHorizontalFlip")
        if _numpy_generator(None).random() < self.p:  # one draw per call, flipped or not
            return _wrap(np.ascontiguousarray(array[..., ::-1]), is_tensor)
        return image

    def __repr__(self) -> str:
        return f"RandomHorizontalFlip(p={self.p})"


def _pair(value: int | Sequence[int], name: str) -> tuple[int, int]:
    if isinstance(value, (int, np.integer)):
        return int(value), int(value)
    if len(value) == 1:
        return int(value[0]), int(value[0])
    if len(value) == 2:
        return int(value[0]), int(value[1])
    raise ValueError(f"RandomCrop: {name} must be an int or a sequence of 1 or 2 ints, got {value}")


class RandomCrop:
    """Zero-pad the image, then cut a ``size`` window at a uniformly random position.

    Args:
        size: (height, width) of the crop, or one int for a square.
        padding: zeros added around the image first: an int for every border, a pair
            (left/right, top/bottom), or four values (left, top, right, bottom).
    """

    def __init__(self, size: int | Sequence[int], padding: int | Sequence[int] | None = None) -> None:
        self.size = _pair(size, "size")
        if padding is None:
            pad = (0, 0, 0, 0)
        elif isinstance(padding, (int, np.integer)):
            pad = (int(padding),) * 4
        elif len(padding) == 2:
            pad = (int(padding[0]), int(padding[1])) * 2
        elif len(padding) == 4:
            pad = tuple(int(p) for p in padding)
        else:
            raise ValueError(f"RandomCrop: padding must be an int or a sequence of 2 or 4 ints, got {padding}")
        if min(pad) < 0 or min(self.size) <= 0:
            raise ValueError(f"RandomCrop: size must be positive and padding non-negative, got {size}, {padding}")
        self.padding = padding
        self._pad = pad  # left, top, right, bottom

    def __call__(self, image: Any) -> Any:
        array, is_tensor = _unwrap(image, "RandomCrop")
        left, top, right, bottom = self._pad
        if any(self._pad):
            widths = [(0, 0)] * (array.ndim - 2) + [(top, bottom), (left, right)]
            array = np.pad(array, widths)
        h, w = array.shape[-2:]
        th, tw = self.size
        if th > h or tw > w:
            raise ValueError(f"RandomCrop: crop size {(th, tw)} is larger than the (padded) image size {(h, w)}")
        if (h, w) == (th, tw):  # as torchvision: nothing to choose, nothing drawn
            i = j = 0
        else:
            rng = _numpy_generator(None)
            i = int(rng.integers(0, h - th + 1))
            j = int(rng.integers(0, w - tw + 1))
        return _wrap(np.ascontiguousarray(array[..., i : i + th, j : j + tw]), is_tensor)

    def __repr__(self) -> str:
        return f"RandomCrop(size={self.size}, padding={self.padding})"


class Lambda:
    """Apply a user function as a transform."""

    def __init__(self, lambd: Callable[[Any], Any]) -> None:
        if not callable(lambd):
            raise TypeError(f"Lambda: argument should be callable, got {type(lambd).__name__}")
        self.lambd = lambd

    def __call__(self, image: Any) -> Any:
        return self.lambd(image)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class InterpolationMode(enum.Enum):
    """How ``Resize`` computes new pixels (torchvision's names; BILINEAR and NEAREST are implemented)."""

    NEAREST = "nearest"
    BILINEAR = "bilinear"


class Resize:
    """Resize the image's last two axes (H, W), as torchvision's ``Resize`` on tensors.

    Args:
        size: (h, w) for an exact size; one int to scale the *smaller* edge to it, keeping the
            aspect ratio (the other edge becomes int(size · long / short)).
        interpolation: ``InterpolationMode.BILINEAR`` (default) or ``NEAREST`` (or their strings).
        max_size: with an int ``size``, the longer edge is capped at this (then the shorter is
            scaled down to match).
        antialias: when shrinking with BILINEAR, average over the whole footprint of each output
            pixel (torchvision's default, True) instead of sampling two neighbours.

    The weights are PyTorch's ``interpolate(mode=..., align_corners=False, antialias=...)``;
    see ``mytorch._interpolate`` for the formulas. uint8 images are resized in float32 and rounded.
    """

    def __init__(self, size: int | Sequence[int], interpolation: InterpolationMode | str = InterpolationMode.BILINEAR,
                 max_size: int | None = None, antialias: bool = True) -> None:
        if isinstance(interpolation, str):
            try:
                interpolation = InterpolationMode(interpolation.lower())
            except ValueError:
                raise ValueError(
                    f"Resize: interpolation must be 'bilinear' or 'nearest', got {interpolation!r}"
                ) from None
        if not isinstance(interpolation, InterpolationMode):
            raise TypeError(f"Resize: interpolation must be an InterpolationMode, got {interpolation!r}")
        if isinstance(size, (int, np.integer)):
            size = int(size)
        elif len(size) in (1, 2):
            size = tuple(int(v) for v in size)
        else:
            raise ValueError(f"Resize: size must be an int or a sequence of 1 or 2 ints, got {size}")
        sizes = (size,) if isinstance(size, int) else size
        if min(sizes) <= 0:
            raise ValueError(f"Resize: size must be positive, got {size}")
        if max_size is not None and not (isinstance(size, int) or len(size) == 1):
            raise ValueError("Resize: max_size is only for an int size (the smaller edge)")
        self.size = size
        self.interpolation = interpolation
        self.max_size = max_size
        self.antialias = antialias

    def _output_size(self, h: int, w: int) -> tuple[int, int]:
        if isinstance(self.size, tuple) and len(self.size) == 2:
            return self.size
        requested = self.size if isinstance(self.size, int) else self.size[0]
        short, long = (h, w) if h <= w else (w, h)
        new_short, new_long = requested, int(requested * long / short)
        if self.max_size is not None:
            if self.max_size <= requested:
                raise ValueError(f"Resize: max_size = {self.max_size} must be larger than size = {requested}")
            if new_long > self.max_size:
                new_short, new_long = int(self.max_size * new_short / new_long), self.max_size
        return (new_short, new_long) if h <= w else (new_long, new_short)

    def __call__(self, image: Any) -> Any:
        array, is_tensor = _unwrap(image, "Resize")
        size = self._output_size(*array.shape[-2:])
        if size == tuple(array.shape[-2:]):
            return image
        mode = self.interpolation.value
        out = resize(array, size, mode, self.antialias and mode == "bilinear")
        return _wrap(np.ascontiguousarray(out), is_tensor)

    def __repr__(self) -> str:
        return (f"Resize(size={self.size}, interpolation={self.interpolation.value}, max_size={self.max_size}, "
                f"antialias={self.antialias})")
