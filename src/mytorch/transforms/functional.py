"""The operations behind the transforms (torchvision.transforms.functional), on PIL images, tensors and arrays.

Each function returns the kind it was given. On PIL images the resampling and colour operations
are Pillow's own (``Image.resize``, ``ImageEnhance``), as torchvision's PIL path uses them; on
tensors and arrays they are NumPy versions of torchvision's tensor formulas (``_blend``, the
0.2989/0.587/0.114 luma, the HSV round trip), so uint8 results truncate as torch's ``.to(uint8)``.
"""

from __future__ import annotations

import enum
import numbers
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import _dtype
from .._backend import to_host
from .._creation import from_numpy
from .._interpolate import resize as _resize_array
from .._tensor import Tensor
from ._kinds import chw_array, is_pil, pil_array, pil_from, pil_module, rewrap, size_of

__all__ = [
    "InterpolationMode", "adjust_brightness", "adjust_contrast", "adjust_hue", "adjust_saturation", "center_crop",
    "crop", "get_dimensions", "hflip", "pad", "pil_to_tensor", "resize", "resized_crop", "rgb_to_grayscale",
    "to_grayscale", "to_pil_image", "to_tensor", "vflip",
]


class InterpolationMode(enum.Enum):
    """How resizing computes new pixels (torchvision's names and values).

    PIL images support every mode but ``NEAREST_EXACT`` (Pillow's filters); tensors and arrays
    support ``NEAREST`` and ``BILINEAR`` (PyTorch's ``interpolate`` weights).
    """

    NEAREST = "nearest"
    NEAREST_EXACT = "nearest-exact"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"
    BOX = "box"
    HAMMING = "hamming"
    LANCZOS = "lanczos"


def interpolation_mode(value: Any, who: str) -> InterpolationMode:
    """An ``InterpolationMode`` from itself or its string value."""
    if isinstance(value, InterpolationMode):
        return value
    if isinstance(value, str):
        try:
            return InterpolationMode(value.lower())
        except ValueError:
            pass
    allowed = ", ".join(repr(m.value) for m in InterpolationMode)
    raise ValueError(f"{who}: interpolation must be an InterpolationMode or one of {allowed}, got {value!r}")


def get_dimensions(img: Any) -> list[int]:
    """[channels, height, width] of an image."""
    return list(size_of(img, "get_dimensions"))


# ------------------------------------------------------------------ conversions
# The NumPy type torchvision reads a PIL image's pixels as: 32-bit ints, 16-bit ints, floats; else bytes.
_PIL_DTYPES = {"I": np.dtype(np.int32), "I;16": np.dtype(np.int16), "F": np.dtype(np.float32)}


def _tensor_of(chw: np.ndarray, who: str) -> Tensor:
    """``chw`` as a tensor: uint8 becomes the default float dtype divided by 255, the rest keep dtype and values."""
    if chw.dtype == np.uint8:
        dt = _dtype._default_float  # the NumPy dtype behind get_default_dtype() (a mytorch dtype slows the ufunc)
        return from_numpy(np.divide(chw, dt.type(255), dtype=dt))
    try:
        return from_numpy(chw)
    except TypeError as e:  # a dtype mytorch has no tensors of (uint16, uint32, complex, object, ...)
        raise TypeError(f"{who}: {e}; convert the array first (e.g. a.astype(np.int32))") from None


def to_tensor(pic: Any) -> Tensor:
    r"""A (C, H, W) tensor of a PIL image or a NumPy array, as torchvision's ``to_tensor``.

    * A NumPy array is (H, W, C), or (H, W) for one channel, and is transposed to (C, H, W)
      (contiguous; like ``torch.from_numpy(a.transpose(2, 0, 1)).contiguous()``, a non-uint8
      result shares memory with ``a`` when that transpose is contiguous already, e.g. one channel).
    * uint8 pixels (arrays, and PIL images of the 8-bit modes, "1" as 0/255) become the default
      float dtype (float32) divided by 255: $x / 255 \in [0, 1]$.
    * Every other dtype keeps its values and dtype (a float64 array stays float64, bool stays
      bool, int16 stays int16), as do the PIL modes "I" (int32), "I;16" (int16) and "F" (float32).

    Anything else is refused as torchvision does: a mytorch ``Tensor`` (it is already a tensor;
    ``t.float() / 255`` scales a uint8 one) raises ``TypeError``, an array that is not 2- or
    3-dimensional ``ValueError``.
    """
    if is_pil(pic):
        mode = pic.mode
        if mode in _PIL_DTYPES:
            arr = np.array(pic, dtype=_PIL_DTYPES[mode], copy=True)
        elif mode == "1":
            arr = np.asarray(pic).astype(np.uint8) * np.uint8(255)
        else:  # 8-bit pixels: a fresh array of the image's bytes, divided into a new one below
            arr = np.asarray(pic, dtype=np.uint8)
        arr = arr[:, :, None] if arr.ndim == 2 else arr
        return _tensor_of(np.ascontiguousarray(arr.transpose(2, 0, 1)), "ToTensor")
    if not isinstance(pic, np.ndarray):
        hint = " (it is a tensor already: t.float() / 255 scales a uint8 image)" if isinstance(pic, Tensor) else ""
        raise TypeError(f"ToTensor: pic should be a PIL Image or a NumPy array (H, W, C), "
                        f"got {type(pic).__name__}{hint}")
    if pic.ndim not in (2, 3):
        raise ValueError(f"ToTensor: a NumPy image should be (H, W) or (H, W, C), got shape {pic.shape} "
                         f"({pic.ndim} dimensions)")
    hwc = pic[:, :, None] if pic.ndim == 2 else pic
    return _tensor_of(np.ascontiguousarray(hwc.transpose(2, 0, 1)), "ToTensor")


def pil_to_tensor(pic: Any) -> Tensor:
    """A PIL image's pixels as a (C, H, W) tensor of their own dtype (uint8 for 8-bit modes), unscaled."""
    if not is_pil(pic):
        raise TypeError(f"PILToTensor: expected a PIL image, got {type(pic).__name__}")
    arr = np.array(pic, copy=True)
    if arr.dtype == np.bool_:
        arr = arr.astype(np.uint8)
    arr = arr[:, :, None] if arr.ndim == 2 else arr
    return from_numpy(np.ascontiguousarray(arr.transpose(2, 0, 1)))


# The modes torchvision lets ``mode`` name for 2, 3 and 4 channels, and the default for uint8 pixels.
_MODES = {2: ("LA",), 3: ("RGB", "YCbCr", "HSV"), 4: ("RGBA", "CMYK", "RGBX")}
_ONE_CHANNEL = {np.dtype(np.uint8): "L", np.dtype(np.int16): "I;16" if sys.byteorder == "little" else "I;16B",
                np.dtype(np.int32): "I", np.dtype(np.float32): "F"}


def to_pil_image(pic: Any, mode: str | None = None):
    r"""A PIL image of a (C, H, W) tensor or a (H, W, C) NumPy array ((H, W) for one channel), as torchvision's.

    Floats (unless ``mode`` is "F") become uint8 as $255 x$ truncated (``(x * 255).astype(uint8)``,
    no clipping: take them in [0, 1]). The mode is then inferred as torchvision does: one channel
    by dtype (uint8 → "L", int16 → "I;16", int32 → "I", float32 → "F"; a ``mode`` given must be
    that one); 2, 3, 4 channels of uint8 → "LA", "RGB", "RGBA", and ``mode`` may instead name
    "YCbCr"/"HSV" (3) or "CMYK"/"RGBX" (4), which label the same bytes (no colour conversion).
    Other dtypes raise ``TypeError``, more than 4 channels ``ValueError``, and a PIL image
    ``TypeError`` (as torchvision: it is not converted again).
    """
    Image = pil_module()
    if isinstance(pic, Tensor):
        arr = to_host(pic.detach()._data)
        if arr.ndim == 3:
            arr = arr.transpose(1, 2, 0)
    elif isinstance(pic, np.ndarray):
        arr = pic
    else:
        raise TypeError(f"ToPILImage: pic should be a Tensor (C, H, W) or a NumPy array (H, W, C), "
                        f"got {type(pic).__name__}")
    if arr.ndim == 2:
        arr = arr[:, :, None]
    if arr.ndim != 3:
        raise ValueError(f"ToPILImage: pic should be 2/3 dimensional, got shape {tuple(pic.shape)}")
    c = arr.shape[-1]
    if not 1 <= c <= 4:
        raise ValueError(f"ToPILImage: an image has 1 to 4 channels, got {c} (shape {tuple(pic.shape)}; "
                         "a tensor is (C, H, W), an array (H, W, C))")
    if arr.dtype.kind == "f" and mode != "F":
        arr = (arr * 255).astype(np.uint8)  # torchvision's rule: truncation, no clipping
    if c == 1:
        arr = arr[:, :, 0]
        expected = _ONE_CHANNEL.get(arr.dtype)
        if mode is not None and mode != expected:
            raise ValueError(f"ToPILImage: mode {mode!r} does not fit a 1-channel {arr.dtype} image; "
                             f"it should be {expected!r}")
        mode = expected
    else:
        if mode is not None and mode not in _MODES[c]:
            raise ValueError(f"ToPILImage: mode {mode!r} does not fit a {c}-channel image; use one of {_MODES[c]}")
        if arr.dtype != np.uint8:
            mode = None  # whatever mode was asked for: these modes hold bytes only
        elif mode is None:
            mode = _MODES[c][0]
    if mode is None:
        raise TypeError(f"ToPILImage: a {c}-channel image of dtype {arr.dtype} is not supported "
                        "(use uint8, floats in [0, 1], or one channel of int16/int32/float32)")
    # The bytes are read as ``mode`` (what ``Image.fromarray(arr, mode)`` did before Pillow deprecated its mode).
    h, w = arr.shape[:2]
    return Image.frombuffer(mode, (w, h), np.ascontiguousarray(arr).tobytes(), "raw", mode, 0, 1)


# ------------------------------------------------------------------ geometry
def hflip(img: Any) -> Any:
    """Mirror left-right."""
    if is_pil(img):
        return img.transpose(pil_module().Transpose.FLIP_LEFT_RIGHT)
    arr, t = chw_array(img, "hflip")
    return rewrap(np.ascontiguousarray(arr[..., ::-1]), t)


def vflip(img: Any) -> Any:
    """Mirror top-bottom."""
    if is_pil(img):
        return img.transpose(pil_module().Transpose.FLIP_TOP_BOTTOM)
    arr, t = chw_array(img, "vflip")
    return rewrap(np.ascontiguousarray(arr[..., ::-1, :]), t)


def crop(img: Any, top: int, left: int, height: int, width: int) -> Any:
    """The window of ``height``×``width`` pixels at (top, left); parts outside the image are zeros."""
    if is_pil(img):
        return img.crop((left, top, left + width, top + height))
    arr, t = chw_array(img, "crop")
    h, w = arr.shape[-2:]
    if top < 0 or left < 0 or top + height > h or left + width > w:  # as torchvision: pad the overhang with 0
        pads = [max(-top, 0), max(-left, 0), max(top + height - h, 0), max(left + width - w, 0)]
        arr = np.pad(arr, [(0, 0)] * (arr.ndim - 2) + [(pads[0], pads[2]), (pads[1], pads[3])])
        top, left = top + pads[0], left + pads[1]
    return rewrap(arr[..., top : top + height, left : left + width], t)


def _pair(size: Any, who: str) -> tuple[int, int]:
    if isinstance(size, numbers.Number):
        return int(size), int(size)
    if isinstance(size, Sequence) and len(size) == 1:
        return int(size[0]), int(size[0])
    if isinstance(size, Sequence) and len(size) == 2:
        return int(size[0]), int(size[1])
    raise ValueError(f"{who}: size must be an int or a sequence of 1 or 2 ints, got {size!r}")


def center_crop(img: Any, output_size: Any) -> Any:
    """The centred window of ``output_size`` (h, w); an image smaller than it is zero-padded first."""
    th, tw = _pair(output_size, "CenterCrop")
    _, h, w = size_of(img, "CenterCrop")
    if tw > w or th > h:
        ltrb = [(tw - w) // 2 if tw > w else 0, (th - h) // 2 if th > h else 0,
                (tw - w + 1) // 2 if tw > w else 0, (th - h + 1) // 2 if th > h else 0]
        img = pad(img, ltrb, fill=0)
        _, h, w = size_of(img, "CenterCrop")
        if (h, w) == (th, tw):
            return img
    top = int(round((h - th) / 2.0))
    left = int(round((w - tw) / 2.0))
    return crop(img, top, left, th, tw)


def _padding_ltrb(padding: Any) -> list[int]:
    """torchvision's padding forms: int (all sides), (lr, tb), or (left, top, right, bottom)."""
    if isinstance(padding, numbers.Number):
        vals = [int(padding)] * 4
    elif isinstance(padding, Sequence) and len(padding) == 1:
        vals = [int(padding[0])] * 4
    elif isinstance(padding, Sequence) and len(padding) == 2:
        vals = [int(padding[0]), int(padding[1])] * 2
    elif isinstance(padding, Sequence) and len(padding) == 4:
        vals = [int(p) for p in padding]
    else:
        raise ValueError(f"padding must be an int or a sequence of 1, 2 or 4 ints, got {padding!r}")
    return vals


_NP_PAD = {"constant": "constant", "edge": "edge", "reflect": "reflect", "symmetric": "symmetric"}


def pad(img: Any, padding: Any, fill: Any = 0, padding_mode: str = "constant") -> Any:
    """Pad the borders: ``padding`` as int / (left-right, top-bottom) / (left, top, right, bottom).

    ``padding_mode``: "constant" (with ``fill``, one value or one per channel), "edge" (repeat the
    border pixel), "reflect" (mirror without the border pixel), "symmetric" (mirror with it).
    Negative padding crops.
    """
    if padding_mode not in _NP_PAD:
        raise ValueError(f"Pad: padding_mode must be one of {sorted(_NP_PAD)}, got {padding_mode!r}")
    left, top, right, bottom = _padding_ltrb(padding)
    if is_pil(img):
        arr = pil_array(img)
        chan_axis = arr.ndim == 3
    else:
        arr, t = chw_array(img, "Pad")
        chan_axis = arr.ndim >= 3
    # Negative padding removes pixels (torchvision crops first, then pads what is positive).
    hw_axes = (0, 1) if is_pil(img) else (arr.ndim - 2, arr.ndim - 1)
    sl = [slice(None)] * arr.ndim
    sl[hw_axes[0]] = slice(max(-top, 0), arr.shape[hw_axes[0]] - max(-bottom, 0))
    sl[hw_axes[1]] = slice(max(-left, 0), arr.shape[hw_axes[1]] - max(-right, 0))
    arr = arr[tuple(sl)]
    widths = [(0, 0)] * arr.ndim
    widths[hw_axes[0]] = (max(top, 0), max(bottom, 0))
    widths[hw_axes[1]] = (max(left, 0), max(right, 0))
    if padding_mode != "constant":
        out = np.pad(arr, widths, mode=_NP_PAD[padding_mode])
    else:
        fills = np.atleast_1d(np.asarray(fill if fill is not None else 0, dtype=np.float64))
        out = np.pad(arr, widths)
        if fills.any():
            mask = np.ones(arr.shape, dtype=bool)
            mask = ~np.pad(mask, widths)
            if chan_axis and fills.size > 1:
                caxis = 2 if is_pil(img) else arr.ndim - 3
                shape = [1] * arr.ndim
                shape[caxis] = fills.size
                fv = np.broadcast_to(fills.reshape(shape), out.shape)
                out[mask] = fv[mask].astype(out.dtype)
            else:
                out[mask] = np.asarray(fills[0]).astype(out.dtype)
    if is_pil(img):
        return pil_from(out, img)
    return rewrap(out, t)


_PIL_FILTERS = {"nearest": 0, "lanczos": 1, "bilinear": 2, "bicubic": 3, "box": 4, "hamming": 5}


def _resize_hw(h: int, w: int, size: Any, max_size: int | None) -> tuple[int, int]:
    """The output (h, w): ``size`` (h, w), or an int for the shorter edge (the longer keeps the aspect ratio)."""
    if isinstance(size, Sequence) and len(size) == 2:
        return int(size[0]), int(size[1])
    requested = int(size if isinstance(size, numbers.Number) else size[0])
    short, long = (h, w) if h <= w else (w, h)
    new_short, new_long = requested, int(requested * long / short)
    if max_size is not None:
        if max_size <= requested:
            raise ValueError(f"Resize: max_size = {max_size} must be larger than size = {requested}")
        if new_long > max_size:
            new_short, new_long = int(max_size * new_short / new_long), max_size
    return (new_short, new_long) if h <= w else (new_long, new_short)


def resize(img: Any, size: Any, interpolation: Any = InterpolationMode.BILINEAR, max_size: int | None = None,
           antialias: bool | None = True) -> Any:
    """Resize to ``size``: (h, w), or an int for the shorter edge (see ``Resize``).

    PIL images use Pillow's filter of that name; tensors and arrays PyTorch's ``interpolate`` weights.
    """
    mode = interpolation_mode(interpolation, "Resize")
    _, h, w = size_of(img, "Resize")
    oh, ow = _resize_hw(h, w, size, max_size)
    if (oh, ow) == (h, w):
        return img
    if is_pil(img):
        if mode is InterpolationMode.NEAREST_EXACT:
            raise ValueError("Resize: PIL images do not support InterpolationMode.NEAREST_EXACT; use NEAREST")
        return img.resize((ow, oh), _PIL_FILTERS[mode.value])
    if mode not in (InterpolationMode.NEAREST, InterpolationMode.BILINEAR):
        raise ValueError(f"Resize: tensors support NEAREST and BILINEAR interpolation, got {mode.value!r} "
                         "(resize a PIL image for the other filters)")
    arr, t = chw_array(img, "Resize")
    out = _resize_array(arr, (oh, ow), mode.value, bool(antialias) and mode is InterpolationMode.BILINEAR)
    return rewrap(np.ascontiguousarray(out), t)


def resized_crop(img: Any, top: int, left: int, height: int, width: int, size: Any,
                 interpolation: Any = InterpolationMode.BILINEAR, antialias: bool | None = True) -> Any:
    """``crop`` then ``resize`` to ``size``."""
    return resize(crop(img, top, left, height, width), size, interpolation, antialias=antialias)


# ------------------------------------------------------------------ colour (tensors/arrays: torchvision's formulas)
def _bound(arr: np.ndarray) -> float:
    return 1.0 if arr.dtype.kind == "f" else 255.0


def _blend(img1: np.ndarray, img2: Any, ratio: float) -> np.ndarray:
    """clamp(r·img1 + (1 − r)·img2, 0, max) in img1's dtype (float32 arithmetic for uint8, truncated back)."""
    work = img1.dtype if img1.dtype.kind == "f" else np.float32
    out = (np.asarray(ratio, work) * img1.astype(work) + np.asarray(1.0 - ratio, work) * np.asarray(img2, work))
    return np.clip(out, 0, _bound(img1)).astype(img1.dtype)


def _gray(arr: np.ndarray) -> np.ndarray:
    """0.2989 R + 0.587 G + 0.114 B of (..., 3, H, W), kept as (..., 1, H, W) in the image's dtype."""
    work = arr.dtype if arr.dtype.kind == "f" else np.float32
    r, g, b = (arr[..., i, :, :].astype(work) for i in range(3))
    lum = np.asarray(0.2989, work) * r + np.asarray(0.587, work) * g + np.asarray(0.114, work) * b
    return lum.astype(arr.dtype)[..., None, :, :]


def _channels(arr: np.ndarray, who: str) -> int:
    c = arr.shape[-3] if arr.ndim >= 3 else 1
    if c not in (1, 3):
        raise ValueError(f"{who}: expected an image with 1 or 3 channels, got {c} (shape {arr.shape})")
    return c


def _factor(value: float, who: str) -> float:
    if value < 0:
        raise ValueError(f"{who}: the factor must be non-negative, got {value}")
    return float(value)


def adjust_brightness(img: Any, brightness_factor: float) -> Any:
    """Blend with black: 0 gives black, 1 the image, 2 twice as bright (clipped)."""
    f = _factor(brightness_factor, "adjust_brightness")
    if is_pil(img):
        from PIL import ImageEnhance

        return ImageEnhance.Brightness(img).enhance(f)
    arr, t = chw_array(img, "adjust_brightness")
    _channels(arr, "adjust_brightness")
    return rewrap(_blend(arr, 0.0, f), t)


def adjust_contrast(img: Any, contrast_factor: float) -> Any:
    """Blend with the mean grey level: 0 gives a uniform grey image, 1 the image."""
    f = _factor(contrast_factor, "adjust_contrast")
    if is_pil(img):
        from PIL import ImageEnhance

        return ImageEnhance.Contrast(img).enhance(f)
    arr, t = chw_array(img, "adjust_contrast")
    c = _channels(arr, "adjust_contrast")
    work = arr.dtype if arr.dtype.kind == "f" else np.float32
    base = _gray(arr) if c == 3 else arr
    mean = base.astype(work).mean(axis=(-3, -2, -1), keepdims=True, dtype=work)
    return rewrap(_blend(arr, mean, f), t)


def adjust_saturation(img: Any, saturation_factor: float) -> Any:
    """Blend with the grey version: 0 gives grey, 1 the image, 2 doubled saturation."""
    f = _factor(saturation_factor, "adjust_saturation")
    if is_pil(img):
        from PIL import ImageEnhance

        return ImageEnhance.Color(img).enhance(f)
    arr, t = chw_array(img, "adjust_saturation")
    if _channels(arr, "adjust_saturation") == 1:
        return img
    return rewrap(_blend(arr, _gray(arr), f), t)


def _rgb_to_hsv(rgb: np.ndarray) -> np.ndarray:
    r, g, b = rgb[..., 0, :, :], rgb[..., 1, :, :], rgb[..., 2, :, :]
    maxc = rgb.max(axis=-3)
    minc = rgb.min(axis=-3)
    flat = maxc == minc
    chroma = maxc - minc
    one = np.ones_like(maxc)
    s = chroma / np.where(flat, one, maxc)
    div = np.where(flat, one, chroma)
    rc, gc, bc = (maxc - r) / div, (maxc - g) / div, (maxc - b) / div
    hr = (maxc == r) * (bc - gc)
    hg = ((maxc == g) & (maxc != r)) * (2.0 + rc - bc)
    hb = ((maxc != g) & (maxc != r)) * (4.0 + gc - rc)
    h = np.fmod((hr + hg + hb) / 6.0 + 1.0, 1.0)
    return np.stack((h, s, maxc), axis=-3).astype(rgb.dtype)


def _hsv_to_rgb(hsv: np.ndarray) -> np.ndarray:
    h, s, v = hsv[..., 0, :, :], hsv[..., 1, :, :], hsv[..., 2, :, :]
    sector = np.floor(h * 6.0)
    frac = h * 6.0 - sector
    sector = sector.astype(np.int32) % 6
    p = np.clip(v * (1.0 - s), 0.0, 1.0)
    q = np.clip(v * (1.0 - s * frac), 0.0, 1.0)
    t = np.clip(v * (1.0 - s * (1.0 - frac)), 0.0, 1.0)
    # (R, G, B) for each of the six hue sectors.
    table = [(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)]
    out = np.empty_like(hsv)
    for ch in range(3):
        out[..., ch, :, :] = np.select([sector == k for k in range(6)], [table[k][ch] for k in range(6)])
    return out


def adjust_hue(img: Any, hue_factor: float) -> Any:
    """Rotate the hue by ``hue_factor`` turns (in [-0.5, 0.5]) in HSV space."""
    if not -0.5 <= hue_factor <= 0.5:
        raise ValueError(f"adjust_hue: hue_factor must be in [-0.5, 0.5], got {hue_factor}")
    if is_pil(img):
        Image = pil_module()
        if img.mode in ("L", "1", "I", "F"):
            return img
        h, s, v = img.convert("HSV").split()
        shift = np.uint8(int(hue_factor * 255) % 256)  # Pillow's hue is a uint8 turn: wraps around
        hh = (np.asarray(h, dtype=np.uint8) + shift).astype(np.uint8)
        return Image.merge("HSV", (Image.fromarray(hh), s, v)).convert(img.mode)
    arr, t = chw_array(img, "adjust_hue")
    if _channels(arr, "adjust_hue") == 1:
        return img
    x = arr.astype(np.float32) / np.float32(255) if arr.dtype == np.uint8 else arr
    hsv = _rgb_to_hsv(x)
    hsv[..., 0, :, :] = np.mod(hsv[..., 0, :, :] + np.asarray(hue_factor, hsv.dtype), 1.0)
    rgb = _hsv_to_rgb(hsv)
    if arr.dtype == np.uint8:  # torchvision's convert_image_dtype: x·(255 + 1 − 1e-3), truncated
        rgb = (rgb * np.float32(256 - 1e-3)).astype(np.uint8)
    return rewrap(rgb.astype(arr.dtype, copy=False), t)


def rgb_to_grayscale(img: Any, num_output_channels: int = 1) -> Any:
    """Grey (luma 0.2989 R + 0.587 G + 0.114 B), as 1 or 3 identical channels."""
    if num_output_channels not in (1, 3):
        raise ValueError(f"Grayscale: num_output_channels must be 1 or 3, got {num_output_channels}")
    if is_pil(img):
        gray = img.convert("L")
        if num_output_channels == 3:
            a = np.asarray(gray)
            return pil_module().fromarray(np.dstack([a, a, a]))
        return gray
    arr, t = chw_array(img, "Grayscale")
    c = _channels(arr, "Grayscale")
    g = _gray(arr) if c == 3 else arr
    if num_output_channels == 3:
        g = np.concatenate([g, g, g], axis=-3)
    return rewrap(np.ascontiguousarray(g), t)


to_grayscale = rgb_to_grayscale


def normalize(tensor: Any, mean: Sequence[float], std: Sequence[float], inplace: bool = False) -> Any:
    """``(x − mean[c]) / std[c]`` per channel (see ``Normalize``)."""
    from .transforms import Normalize

    return Normalize(mean, std, inplace)(tensor)
