"""Image transforms, as ``torchvision.transforms``, for PIL images, tensors and NumPy arrays.

    >>> from mytorch import transforms as T
    >>> augment = T.Compose([T.RandomCrop(32, padding=4), T.RandomHorizontalFlip(), T.ToTensor(),
    ...                      T.Normalize((0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616))])

Each transform returns the kind of object it was given (PIL in, PIL out; Tensor in, Tensor out;
array in, array out), except the conversions (``ToTensor``, ``PILToTensor``, ``ToPILImage``).
The conversions read a NumPy array as torchvision does, (H, W, C); the other transforms, which
torchvision gives no arrays, take one as (..., C, H, W) like a tensor (a mytorch extension). They
are data preparation, so they never record gradients. Random transforms draw from mytorch's
default generator at call time, with the calls torchvision makes, in its order
(``rand(1) < p``, ``randint(0, n, size=(1,)).item()``, ``empty(1).uniform_(a, b)``, ``randperm(4)``),
so ``mytorch.manual_seed(s)`` reproduces every augmentation.

Seed 002's ``RandomFlipHorizontal(p)`` is ``RandomHorizontalFlip(p)``; its ``RandomCrop(padding)``
(pad, then crop back to the original size at a random place) is ``RandomCrop(size, padding)``
with ``size`` the image's own height and width.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import _creation
from .._functional import exp, log
from .._tensor import Tensor
from . import functional as F
from ._kinds import chw_array, is_pil, rewrap, size_of
from .functional import InterpolationMode, interpolation_mode

__all__ = [
    "CenterCrop", "ColorJitter", "Compose", "Grayscale", "InterpolationMode", "Lambda", "Normalize", "PILToTensor",
    "Pad", "RandomApply", "RandomCrop", "RandomErasing", "RandomGrayscale", "RandomHorizontalFlip", "RandomResizedCrop",
    "RandomVerticalFlip", "Resize", "ToPILImage", "ToTensor",
]


def _coin(p: float) -> bool:
    """True with probability p: torchvision's ``torch.rand(1) < p`` (one draw per call)."""
    return bool((_creation.rand(1) < p).item())


def _randint(n: int) -> int:
    """Uniform in [0, n): torchvision's ``torch.randint(0, n, size=(1,)).item()``."""
    return int(_creation.randint(0, n, size=(1,)).item())


def _uniform(a: float, b: float) -> float:
    """Uniform in [a, b): torchvision's ``torch.empty(1).uniform_(a, b).item()``."""
    return float(_creation.empty(1).uniform_(a, b).item())


def _size_pair(size: Any, who: str) -> tuple[int, int]:
    if isinstance(size, numbers.Number):
        pair = (int(size), int(size))
    elif isinstance(size, Sequence) and len(size) in (1, 2):
        pair = (int(size[0]), int(size[-1]))
    else:
        raise ValueError(f"{who}: size must be an int or a sequence of 1 or 2 ints, got {size!r}")
    if min(pair) <= 0:
        raise ValueError(f"{who}: size must be positive, got {size!r}")
    return pair


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
    """Convert a PIL image or a NumPy array (H, W, C) to a (C, H, W) tensor, as torchvision's ``ToTensor``.

    Both are transposed from (H, W, C) ((H, W) gains one channel) to (C, H, W). uint8 pixels
    become floats in [0, 1] (divided by 255, in the default dtype, float32); other dtypes keep
    their values and dtype (see ``functional.to_tensor``). A mytorch ``Tensor`` raises
    ``TypeError``, as torchvision's does: it is a tensor already.
    """

    def __call__(self, pic: Any) -> Tensor:
        return F.to_tensor(pic)

    def __repr__(self) -> str:
        return "ToTensor()"


class PILToTensor:
    """Convert a PIL image to a (C, H, W) tensor of its own dtype (uint8 for 8-bit images), unscaled."""

    def __call__(self, pic: Any) -> Tensor:
        return F.pil_to_tensor(pic)

    def __repr__(self) -> str:
        return "PILToTensor()"


class ToPILImage:
    """Convert a (C, H, W) tensor or a (H, W, C) NumPy array to a PIL image, as torchvision's ``ToPILImage``.

    Floats (in [0, 1]) become uint8 as ``x·255`` truncated, unless ``mode`` is "F". ``mode``
    defaults to L, LA, RGB or RGBA by the number of channels (one channel: by dtype; see
    ``functional.to_pil_image``).
    """

    def __init__(self, mode: str | None = None) -> None:
        self.mode = mode

    def __call__(self, pic: Any) -> Any:
        return F.to_pil_image(pic, self.mode)

    def __repr__(self) -> str:
        return f"ToPILImage(mode={self.mode})" if self.mode is not None else "ToPILImage()"


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
        if is_pil(image):
            raise TypeError("Normalize: expected a float tensor image (C, H, W), got a PIL image "
                            "(convert it first: Compose([ToTensor(), Normalize(...)]))")
        array, is_tensor = chw_array(image, "Normalize")
        if array.dtype.kind != "f":
            raise TypeError(f"Normalize: input should be a float image, got {array.dtype} (convert with ToTensor)")
        if array.ndim < 3:
            raise ValueError(f"Normalize: expected an image of shape (C, H, W), got shape {array.shape}")
        channels = array.shape[-3]
        for name, values in (("mean", self.mean), ("std", self.std)):
            if len(values) not in (1, channels):
                raise ValueError(f"Normalize: {name} has {len(values)} values for an image with {channels} channels")
        mean = np.asarray(self.mean, dtype=array.dtype)[:, None, None]
        std = np.asarray(self.std, dtype=array.dtype)[:, None, None]
        if self.inplace:
            np.subtract(array, mean, out=array)
            np.divide(array, std, out=array)
            return image
        return rewrap((array - mean) / std, is_tensor)

    def __repr__(self) -> str:
        return f"Normalize(mean={list(self.mean)}, std={list(self.std)})"


class _RandomFlip:
    _flip: Callable[[Any], Any]

    def __init__(self, p: float = 0.5) -> None:
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"{type(self).__name__}: p must be in [0, 1], got {p}")
        self.p = p

    def __call__(self, image: Any) -> Any:
        size_of(image, type(self).__name__)  # reject non-images before drawing
        if _coin(self.p):
            return type(self)._flip(image)
        return image

    def __repr__(self) -> str:
        return f"{type(self).__name__}(p={self.p})"


class RandomHorizontalFlip(_RandomFlip):
    """Mirror the image left-right with probability ``p`` (one draw, ``rand(1) < p``, per call)."""

    _flip = staticmethod(F.hflip)


class RandomVerticalFlip(_RandomFlip):
    """Mirror the image top-bottom with probability ``p`` (one draw, ``rand(1) < p``, per call)."""

    _flip = staticmethod(F.vflip)


class Pad:
    """Pad the borders (see ``functional.pad``: int / (lr, tb) / (l, t, r, b); constant, edge, reflect, symmetric)."""

    def __init__(self, padding: int | Sequence[int], fill: Any = 0, padding_mode: str = "constant") -> None:
        F._padding_ltrb(padding)  # validate now
        if padding_mode not in F._NP_PAD:
            raise ValueError(f"Pad: padding_mode must be one of {sorted(F._NP_PAD)}, got {padding_mode!r}")
        self.padding, self.fill, self.padding_mode = padding, fill, padding_mode

    def __call__(self, image: Any) -> Any:
        return F.pad(image, self.padding, self.fill, self.padding_mode)

    def __repr__(self) -> str:
        return f"Pad(padding={self.padding}, fill={self.fill}, padding_mode={self.padding_mode})"


class RandomCrop:
    """Optionally pad the image, then cut a ``size`` window at a uniformly random position.

    Args:
        size: (height, width) of the crop, or one int for a square.
        padding: added around the image first: an int for every border, a pair
            (left/right, top/bottom), or four values (left, top, right, bottom).
        pad_if_needed: pad an image smaller than ``size`` up to it (after ``padding``).
        fill: the constant for ``padding_mode="constant"`` (one value or one per channel).
        padding_mode: "constant", "edge", "reflect" or "symmetric".

    The window's top row is ``randint(0, H - h + 1)`` and then its left column
    ``randint(0, W - w + 1)``; an image exactly the crop's size draws nothing.
    """

    def __init__(self, size: int | Sequence[int], padding: int | Sequence[int] | None = None,
                 pad_if_needed: bool = False, fill: Any = 0, padding_mode: str = "constant") -> None:
        self.size = _size_pair(size, "RandomCrop")
        if padding is not None:
            try:
                pad = F._padding_ltrb(padding)
            except ValueError:
                raise ValueError(f"RandomCrop: padding must be an int or a sequence of 2 or 4 ints, "
                                 f"got {padding}") from None
            if min(pad) < 0:
                raise ValueError(f"RandomCrop: padding must be non-negative, got {padding}")
        if padding_mode not in F._NP_PAD:
            raise ValueError(f"RandomCrop: padding_mode must be one of {sorted(F._NP_PAD)}, got {padding_mode!r}")
        self.padding = padding
        self.pad_if_needed = pad_if_needed
        self.fill = fill
        self.padding_mode = padding_mode

    @staticmethod
    def get_params(img: Any, output_size: tuple[int, int]) -> tuple[int, int, int, int]:
        """(top, left, h, w) of a random ``output_size`` window of ``img``."""
        _, h, w = size_of(img, "RandomCrop")
        th, tw = output_size
        if h < th or w < tw:
            raise ValueError(f"RandomCrop: crop size {(th, tw)} is larger than the (padded) image size {(h, w)}")
        if (h, w) == (th, tw):
            return 0, 0, h, w
        i = _randint(h - th + 1)
        j = _randint(w - tw + 1)
        return i, j, th, tw

    def __call__(self, image: Any) -> Any:
        if self.padding is not None:
            image = F.pad(image, self.padding, self.fill, self.padding_mode)
        _, h, w = size_of(image, "RandomCrop")
        th, tw = self.size
        if self.pad_if_needed and w < tw:
            image = F.pad(image, [tw - w, 0], self.fill, self.padding_mode)
        if self.pad_if_needed and h < th:
            image = F.pad(image, [0, th - h], self.fill, self.padding_mode)
        i, j, ch, cw = self.get_params(image, self.size)
        return F.crop(image, i, j, ch, cw)

    def __repr__(self) -> str:
        return f"RandomCrop(size={self.size}, padding={self.padding})"


class CenterCrop:
    """Cut the centred ``size`` window (top = round((H − h)/2)); a smaller image is zero-padded first."""

    def __init__(self, size: int | Sequence[int]) -> None:
        self.size = _size_pair(size, "CenterCrop")

    def __call__(self, image: Any) -> Any:
        return F.center_crop(image, self.size)

    def __repr__(self) -> str:
        return f"CenterCrop(size={self.size})"


class Resize:
    """Resize the image's last two axes (H, W), as torchvision's ``Resize``.

    Args:
        size: (h, w) for an exact size; one int to scale the *smaller* edge to it, keeping the
            aspect ratio (the other edge becomes int(size · long / short)).
        interpolation: an ``InterpolationMode`` or its string; BILINEAR by default. PIL images
            use Pillow's filter of that name; tensors and arrays support NEAREST and BILINEAR.
        max_size: with an int ``size``, the longer edge is capped at this (then the shorter is
            scaled down to match).
        antialias: for tensors, when shrinking with BILINEAR, average over the whole footprint of
            each output pixel (torchvision's default, True) instead of sampling two neighbours.
            Pillow always antialiases.

    The tensor weights are PyTorch's ``interpolate(mode=..., align_corners=False, antialias=...)``;
    see ``mytorch._interpolate``. uint8 tensors are resized in float32 and rounded.
    """

    def __init__(self, size: int | Sequence[int], interpolation: InterpolationMode | str = InterpolationMode.BILINEAR,
                 max_size: int | None = None, antialias: bool | None = True) -> None:
        interpolation = interpolation_mode(interpolation, "Resize")
        if isinstance(size, (int, np.integer)):
            size = int(size)
        elif isinstance(size, Sequence) and len(size) in (1, 2):
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
        return F._resize_hw(h, w, self.size, self.max_size)

    def __call__(self, image: Any) -> Any:
        return F.resize(image, self.size, self.interpolation, self.max_size, self.antialias)

    def __repr__(self) -> str:
        return (f"Resize(size={self.size}, interpolation={self.interpolation.value}, max_size={self.max_size}, "
                f"antialias={self.antialias})")


class RandomResizedCrop:
    """Crop a random area and aspect ratio of the image, then resize it to ``size``.

    Up to 10 tries: the area fraction is ``uniform_(scale)``, the aspect ratio
    ``exp(uniform_(log ratio))``, w = round(√(A·r)), h = round(√(A/r)); a window that fits is
    placed at ``randint`` (top, then left). If none fits, the centre crop with the ratio clamped
    into ``ratio``. (torchvision's ``get_params``, draw for draw.)
    """

    def __init__(self, size: int | Sequence[int], scale: tuple[float, float] = (0.08, 1.0),
                 ratio: tuple[float, float] = (3.0 / 4.0, 4.0 / 3.0),
                 interpolation: InterpolationMode | str = InterpolationMode.BILINEAR,
                 antialias: bool | None = True) -> None:
        self.size = _size_pair(size, "RandomResizedCrop")
        if not isinstance(scale, Sequence) or len(scale) != 2 or not isinstance(ratio, Sequence) or len(ratio) != 2:
            raise TypeError("RandomResizedCrop: scale and ratio must be pairs (min, max)")
        if scale[0] > scale[1] or ratio[0] > ratio[1]:
            raise ValueError(f"RandomResizedCrop: scale {scale} and ratio {ratio} must be (min, max) pairs")
        self.scale = tuple(scale)
        self.ratio = tuple(ratio)
        self.interpolation = interpolation_mode(interpolation, "RandomResizedCrop")
        self.antialias = antialias

    @staticmethod
    def get_params(img: Any, scale: Sequence[float], ratio: Sequence[float]) -> tuple[int, int, int, int]:
        """(top, left, h, w) of the random crop."""
        _, height, width = size_of(img, "RandomResizedCrop")
        area = height * width
        log_ratio = log(_creation.tensor(list(ratio)))
        lo, hi = float(log_ratio[0].item()), float(log_ratio[1].item())
        for _ in range(10):
            target_area = area * _uniform(scale[0], scale[1])
            aspect = float(exp(_creation.empty(1).uniform_(lo, hi)).item())
            w = int(round(math.sqrt(target_area * aspect)))
            h = int(round(math.sqrt(target_area / aspect)))
            if 0 < w <= width and 0 < h <= height:
                i = _randint(height - h + 1)
                j = _randint(width - w + 1)
                return i, j, h, w
        in_ratio = width / height
        if in_ratio < min(ratio):
            w = width
            h = int(round(w / min(ratio)))
        elif in_ratio > max(ratio):
            h = height
            w = int(round(h * max(ratio)))
        else:
            w, h = width, height
        return (height - h) // 2, (width - w) // 2, h, w

    def __call__(self, image: Any) -> Any:
        i, j, h, w = self.get_params(image, self.scale, self.ratio)
        return F.resized_crop(image, i, j, h, w, self.size, self.interpolation, antialias=self.antialias)

    def __repr__(self) -> str:
        return (f"RandomResizedCrop(size={self.size}, scale={self.scale}, ratio={self.ratio}, "
                f"interpolation={self.interpolation.value}, antialias={self.antialias})")


def _jitter_range(value: Any, name: str, center: float, bound: tuple[float, float],
                  clip_first_on_zero: bool = True) -> tuple[float, float] | None:
    """torchvision's ColorJitter argument: v → [center − v, center + v] (clipped), or a (min, max) pair."""
    if isinstance(value, numbers.Number):
        if value < 0:
            raise ValueError(f"ColorJitter: if {name} is a single number, it must be non negative, got {value}")
        lo_hi = [center - float(value), center + float(value)]
        if clip_first_on_zero:
            lo_hi[0] = max(lo_hi[0], 0.0)
    elif isinstance(value, Sequence) and len(value) == 2:
        lo_hi = [float(value[0]), float(value[1])]
    else:
        raise TypeError(f"ColorJitter: {name} should be a single number or a list/tuple of length 2, got {value!r}")
    if not bound[0] <= lo_hi[0] <= lo_hi[1] <= bound[1]:
        raise ValueError(f"ColorJitter: {name} values should be between {bound}, got {lo_hi}")
    if lo_hi[0] == lo_hi[1] == center:
        return None  # the identity: nothing is drawn for it
    return lo_hi[0], lo_hi[1]


class ColorJitter:
    """Randomly change brightness, contrast, saturation and hue, in a random order.

    Each of ``brightness``, ``contrast``, ``saturation`` is a number v (factor drawn from
    [max(0, 1 − v), 1 + v]) or a (min, max) pair; ``hue`` is h in [0, 0.5] (shift drawn from
    [−h, h]) or a pair within [−0.5, 0.5]. Per call: ``randperm(4)`` for the order, then one
    ``uniform_`` per enabled adjustment in the order brightness, contrast, saturation, hue.
    """

    def __init__(self, brightness: Any = 0, contrast: Any = 0, saturation: Any = 0, hue: Any = 0) -> None:
        inf = float("inf")
        self.brightness = _jitter_range(brightness, "brightness", 1.0, (0, inf))
        self.contrast = _jitter_range(contrast, "contrast", 1.0, (0, inf))
        self.saturation = _jitter_range(saturation, "saturation", 1.0, (0, inf))
        self.hue = _jitter_range(hue, "hue", 0.0, (-0.5, 0.5), clip_first_on_zero=False)

    @staticmethod
    def get_params(brightness: Any, contrast: Any, saturation: Any, hue: Any) -> tuple:
        """(order, b, c, s, h): the permutation of the four adjustments and each factor (None when off)."""
        order = _creation.randperm(4)
        b = None if brightness is None else _uniform(brightness[0], brightness[1])
        c = None if contrast is None else _uniform(contrast[0], contrast[1])
        s = None if saturation is None else _uniform(saturation[0], saturation[1])
        h = None if hue is None else _uniform(hue[0], hue[1])
        return order, b, c, s, h

    def __call__(self, image: Any) -> Any:
        order, b, c, s, h = self.get_params(self.brightness, self.contrast, self.saturation, self.hue)
        for k in order.tolist():
            if k == 0 and b is not None:
                image = F.adjust_brightness(image, b)
            elif k == 1 and c is not None:
                image = F.adjust_contrast(image, c)
            elif k == 2 and s is not None:
                image = F.adjust_saturation(image, s)
            elif k == 3 and h is not None:
                image = F.adjust_hue(image, h)
        return image

    def __repr__(self) -> str:
        return (f"ColorJitter(brightness={self.brightness}, contrast={self.contrast}, "
                f"saturation={self.saturation}, hue={self.hue})")


class Grayscale:
    """Convert to grey (luma 0.2989 R + 0.587 G + 0.114 B; Pillow's "L" for PIL images), 1 or 3 channels."""

    def __init__(self, num_output_channels: int = 1) -> None:
        if num_output_channels not in (1, 3):
            raise ValueError(f"Grayscale: num_output_channels must be 1 or 3, got {num_output_channels}")
        self.num_output_channels = num_output_channels

    def __call__(self, image: Any) -> Any:
        return F.rgb_to_grayscale(image, self.num_output_channels)

    def __repr__(self) -> str:
        return f"Grayscale(num_output_channels={self.num_output_channels})"


class RandomGrayscale:
    """Convert to grey with probability ``p`` (``rand(1) < p``), keeping the number of channels."""

    def __init__(self, p: float = 0.1) -> None:
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"RandomGrayscale: p must be in [0, 1], got {p}")
        self.p = p

    def __call__(self, image: Any) -> Any:
        c = size_of(image, "RandomGrayscale")[0]
        if _coin(self.p):
            return F.rgb_to_grayscale(image, c)
        return image

    def __repr__(self) -> str:
        return f"RandomGrayscale(p={self.p})"


class RandomApply:
    """Apply the list of ``transforms`` with probability ``p`` (one ``rand(1)`` draw; torchvision compares p < u)."""

    def __init__(self, transforms: Sequence[Callable[[Any], Any]], p: float = 0.5) -> None:
        self.transforms = list(transforms)
        self.p = p

    def __call__(self, image: Any) -> Any:
        if self.p < _creation.rand(1).item():
            return image
        for t in self.transforms:
            image = t(image)
        return image

    def __repr__(self) -> str:
        inner = "".join(f"\n    {t!r}" for t in self.transforms)
        return f"RandomApply(\n    p={self.p}{inner}\n)"


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


class RandomErasing:
    """Erase a random rectangle of a tensor image with probability ``p`` (Zhong et al., 2017).

    torchvision's draws, in its order: ``rand(1) < p``; then up to 10 tries of an area fraction
    ``uniform_(scale)`` and an aspect ratio ``exp(uniform_(log ratio))``, h = round(√(A·r)),
    w = round(√(A/r)); for the first rectangle smaller than the image, the fill (``value="random"``:
    ``empty(C, h, w).normal_()`` in float32) and its top/left ``randint``. If no try fits, the
    image is returned as it is.

    Args:
        p: the probability of erasing.
        scale: (min, max) of the erased area as a fraction of the image.
        ratio: (min, max) of the erased rectangle's aspect ratio.
        value: the fill: a number, one number per channel, or ``"random"`` for N(0, 1) noise.
        inplace: erase in the input tensor instead of a copy.
    """

    def __init__(self, p: float = 0.5, scale: Sequence[float] = (0.02, 0.33), ratio: Sequence[float] = (0.3, 3.3),
                 value: float | Sequence[float] | str = 0, inplace: bool = False) -> None:
        if not isinstance(value, (numbers.Number, str, tuple, list)):
            raise TypeError("Argument value should be either a number or str or a sequence")
        if isinstance(value, str) and value != "random":
            raise ValueError("If value is str, it should be 'random'")
        if not isinstance(scale, Sequence) or not isinstance(ratio, Sequence):
            raise TypeError("Scale and ratio should be a sequence")
        if scale[0] > scale[1] or ratio[0] > ratio[1]:
            import warnings

            warnings.warn("Scale and ratio should be of kind (min, max)", stacklevel=2)
        if scale[0] < 0 or scale[1] > 1:
            raise ValueError("Scale should be between 0 and 1")
        if p < 0 or p > 1:
            raise ValueError("Random erasing probability should be between 0 and 1")
        self.p, self.scale, self.ratio, self.value, self.inplace = p, tuple(scale), tuple(ratio), value, inplace

    @staticmethod
    def get_params(img: Tensor, scale: Sequence[float], ratio: Sequence[float],
                   value: list[float] | None = None) -> tuple[int, int, int, int, Tensor]:
        """(top, left, h, w, fill) of the rectangle to erase; the whole image and itself when none fits."""
        img_c, img_h, img_w = img.shape[-3], img.shape[-2], img.shape[-1]
        area = img_h * img_w
        log_ratio = log(_creation.tensor(list(ratio)))
        lo, hi = float(log_ratio[0].item()), float(log_ratio[1].item())
        for _ in range(10):
            erase_area = area * _uniform(scale[0], scale[1])
            aspect = float(exp(_creation.empty(1).uniform_(lo, hi)).item())
            h = int(round(math.sqrt(erase_area * aspect)))
            w = int(round(math.sqrt(erase_area / aspect)))
            if not (h < img_h and w < img_w):
                continue
            if value is None:
                fill = _creation.empty(img_c, h, w, dtype=np.float32).normal_()
            else:
                fill = _creation.tensor(value)[:, None, None]
            i = _randint(img_h - h + 1)
            j = _randint(img_w - w + 1)
            return i, j, h, w, fill
        return 0, 0, img_h, img_w, img

    def __call__(self, img: Tensor) -> Tensor:
        if not isinstance(img, Tensor):
            raise TypeError(f"RandomErasing: img should be a Tensor (C, H, W), got {type(img).__name__}")
        if not _coin(self.p):
            return img
        if isinstance(self.value, numbers.Number):
            value: list[float] | None = [float(self.value)]
        elif isinstance(self.value, str):
            value = None
        else:
            value = [float(v) for v in self.value]
        if value is not None and len(value) not in (1, img.shape[-3]):
            raise ValueError("If value is a sequence, it should have either a single value or "
                             f"{img.shape[-3]} (number of input channels)")
        i, j, h, w, fill = self.get_params(img, self.scale, self.ratio, value)
        out = img if self.inplace else img.clone()
        out[..., i : i + h, j : j + w] = fill  # F.erase: an in-place write of the fill, broadcast
        return out

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(p={self.p}, scale={self.scale}, ratio={self.ratio}, "
                f"value={self.value}, inplace={self.inplace})")
