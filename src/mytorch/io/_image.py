"""Decoding and encoding images with Pillow, behind torchvision.io's functions.

Every decode opens the image lazily (Pillow reads only the header), checks the format and the
declared size against ``MAX_IMAGE_PIXELS``, and only then loads the pixels; anything Pillow
raises on the way (a bad signature, a broken chunk, a truncated stream) becomes one
``ImageDecodeError`` that names the file. So a decompression bomb costs a header read, not a giant
allocation, and a damaged file never escapes as a crash or a half-decoded image.
"""

from __future__ import annotations

import enum
import io
import os
import warnings
from typing import Any

import numpy as np

from .._creation import from_numpy
from .._tensor import Tensor

# The most pixels (height × width) an image file may declare: Pillow's own default limit
# (about 89 million, a 9459 × 9459 image, 268 MB as RGB).
MAX_IMAGE_PIXELS = 89_478_485

# The formats torchvision.io decodes (its decode_image: PNG, JPEG, GIF, WebP).
_DECODABLE = ("PNG", "JPEG", "GIF", "WEBP")


class ImageDecodeError(ValueError, RuntimeError):
    """An image file could not be read: damaged, truncated, unsupported, or too large.

    A ``ValueError`` (bad input, as mytorch's other file readers raise) and a ``RuntimeError``
    (what torchvision.io raises), so either ``except`` catches it.
    """


class ImageReadMode(enum.Enum):
    """The channels ``read_image``/``decode_*`` return (torchvision's values).

    ``UNCHANGED`` keeps the file's own (1 grey, 2 grey + alpha, 3 RGB, 4 RGBA; a palette image
    becomes RGB, or RGBA when it has transparency); the others convert.
    """

    UNCHANGED = 0
    GRAY = 1
    GRAY_ALPHA = 2
    RGB = 3
    RGB_ALPHA = 4
    RGBA = 4  # torchvision's newer alias of RGB_ALPHA


_PIL_MODE = {ImageReadMode.GRAY: "L", ImageReadMode.GRAY_ALPHA: "LA", ImageReadMode.RGB: "RGB",
             ImageReadMode.RGB_ALPHA: "RGBA"}


def _pil():
    try:
        from PIL import Image
    except ImportError as e:  # pragma: no cover - the train extra installs Pillow
        raise ImportError("mytorch.io needs Pillow: pip install Pillow (or mytorch's 'train' extra)") from e
    return Image


def _mode(mode: Any) -> ImageReadMode:
    if isinstance(mode, ImageReadMode):
        return mode
    if isinstance(mode, str):
        try:
            return ImageReadMode[mode.upper()]
        except KeyError:
            pass
    allowed = ", ".join(m.name for m in ImageReadMode)
    raise ValueError(f"mode must be an ImageReadMode ({allowed}), got {mode!r}")


def _bytes_of(data: Any, who: str) -> bytes:
    """The encoded bytes: a 1-D uint8 tensor or array (torchvision's input), or bytes."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    if isinstance(data, Tensor):
        data = data.detach().numpy()
    if isinstance(data, np.ndarray):
        if data.dtype != np.uint8 or data.ndim != 1:
            raise ValueError(f"{who}: expected a 1-D uint8 tensor of encoded bytes, got {data.dtype} of shape "
                             f"{data.shape}")
        return data.tobytes()
    raise TypeError(f"{who}: expected a 1-D uint8 tensor of encoded bytes (or a path), got {type(data).__name__}")


def open_pil_image(source: str | os.PathLike | bytes, formats: tuple[str, ...] | None = None,
                   name: str | None = None, max_pixels: int | None = None):
    """Open and fully load an image with Pillow, or raise ``ImageDecodeError`` naming the file.

    ``source`` is a path or the encoded bytes (``name`` is then what errors call it). The declared
    size is checked against ``max_pixels`` (default ``MAX_IMAGE_PIXELS``) before any pixel is
    decoded. Returns the loaded ``PIL.Image.Image``.
    """
    Image = _pil()
    label = name or (os.fspath(source) if not isinstance(source, (bytes, bytearray)) else "<image bytes>")
    limit = MAX_IMAGE_PIXELS if max_pixels is None else max_pixels
    stream = io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else None
    try:
        with warnings.catch_warnings():
            # Our own limit is checked below; Pillow's warning (and its bomb error at twice its
            # limit) must not decide first or leak as a warning.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            im = Image.open(stream if stream is not None else os.fspath(source), formats=formats)
            w, h = im.size
            if w <= 0 or h <= 0:
                raise ImageDecodeError(f"{label}: the image declares an empty size {w}x{h}")
            if w * h > limit:
                raise ImageDecodeError(f"{label}: the image declares {w}x{h} = {w * h} pixels, more than the "
                                       f"limit of {limit} (a decompression bomb?); nothing was decoded")
            im.load()
    except ImageDecodeError:
        raise
    except FileNotFoundError:
        raise
    except IsADirectoryError:
        raise ImageDecodeError(f"{label}: is a directory, not an image file") from None
    except Image.UnidentifiedImageError:
        allowed = "any format Pillow reads" if formats is None else ", ".join(formats)
        raise ImageDecodeError(f"{label}: not a recognised image file (expected {allowed})") from None
    except Image.DecompressionBombError as e:
        raise ImageDecodeError(f"{label}: {e}") from None
    except (OSError, SyntaxError, ValueError, EOFError, MemoryError, IndexError, TypeError, KeyError) as e:
        # Pillow signals damaged data with many types; "image file is truncated" is an OSError.
        raise ImageDecodeError(f"{label}: damaged or truncated image ({type(e).__name__}: {e})") from None
    return im


def _to_chw(im: Any, mode: ImageReadMode, label: str) -> Tensor:
    """A loaded Pillow image as a uint8 (C, H, W) tensor with the channels ``mode`` asks for."""
    if im.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        # 16-bit (or wider) grey: mytorch has no uint16, so keep the high byte, as an 8-bit reader would.
        arr = np.asarray(im, dtype=np.float64)
        scale = 256.0 if im.mode.startswith("I;16") or arr.max(initial=0) > 255 else 1.0
        im = _pil().fromarray(np.clip(arr / scale, 0, 255).astype(np.uint8))
    if mode is ImageReadMode.UNCHANGED:
        if im.mode == "P" or im.mode == "PA":
            im = im.convert("RGBA" if "transparency" in im.info or im.mode == "PA" else "RGB")
        elif im.mode == "1":
            im = im.convert("L")
        elif im.mode not in ("L", "LA", "RGB", "RGBA"):
            im = im.convert("RGBA" if "A" in im.mode else "RGB")
    else:
        target = _PIL_MODE[mode]
        if im.mode == "P" and "transparency" in im.info:
            im = im.convert("RGBA")
        if im.mode != target:
            im = im.convert(target)
    arr = np.asarray(im, dtype=np.uint8)
    if arr.ndim == 2:
        arr = arr[None]
    else:
        arr = arr.transpose(2, 0, 1)
    return from_numpy(np.ascontiguousarray(arr))


def _frames(im: Any, mode: ImageReadMode, label: str, apply_exif_orientation: bool) -> Tensor:
    """(C, H, W), or (N, C, H, W) for an animated GIF (every frame), as torchvision decodes GIFs."""
    if apply_exif_orientation:
        from PIL import ImageOps

        im = ImageOps.exif_transpose(im)
    n = getattr(im, "n_frames", 1) if im.format == "GIF" else 1
    if im.format == "GIF" and mode is ImageReadMode.UNCHANGED:
        mode = ImageReadMode.RGB  # torchvision's GIF decoder always gives RGB (and Pillow's frames vary: P, RGBA)
    if n == 1:
        return _to_chw(im, mode, label)
    w, h = im.size
    if n * w * h > MAX_IMAGE_PIXELS:
        raise ImageDecodeError(f"{label}: {n} frames of {w}x{h} are more than the limit of {MAX_IMAGE_PIXELS} "
                               "pixels; nothing was decoded")
    frames = []
    try:
        for k in range(n):
            im.seek(k)
            frames.append(_to_chw(im, mode, label).numpy())
    except (OSError, EOFError, ValueError, SyntaxError) as e:
        raise ImageDecodeError(f"{label}: damaged GIF frame {len(frames)} ({type(e).__name__}: {e})") from None
    return from_numpy(np.stack(frames))


def _decode(data: bytes, mode: Any, formats: tuple[str, ...], label: str, apply_exif_orientation: bool) -> Tensor:
    mode = _mode(mode)
    return _frames(open_pil_image(data, formats=formats, name=label), mode, label, apply_exif_orientation)


def read_file(path: str | os.PathLike) -> Tensor:
    """The bytes of the file at ``path`` as a 1-D uint8 tensor."""
    with open(os.fspath(path), "rb") as f:
        data = f.read()
    return from_numpy(np.frombuffer(data, dtype=np.uint8).copy())


def write_file(filename: str | os.PathLike, data: Any) -> None:
    """Write a 1-D uint8 tensor's bytes to ``filename``."""
    raw = _bytes_of(data, "write_file")
    with open(os.fspath(filename), "wb") as f:
        f.write(raw)


def decode_image(input: Any, mode: ImageReadMode | str = ImageReadMode.UNCHANGED,
                 apply_exif_orientation: bool = False) -> Tensor:
    """Decode a PNG, JPEG, GIF (every frame: (N, C, H, W) when animated) or WebP image to a uint8 (C, H, W) tensor.

    ``input`` is a 1-D uint8 tensor of the encoded bytes, or a path (as torchvision accepts).
    """
    if isinstance(input, (str, os.PathLike)):
        return read_image(input, mode, apply_exif_orientation)
    return _decode(_bytes_of(input, "decode_image"), mode, _DECODABLE, "<image bytes>", apply_exif_orientation)


def decode_png(input: Any, mode: ImageReadMode | str = ImageReadMode.UNCHANGED,
               apply_exif_orientation: bool = False) -> Tensor:
    """Decode PNG bytes (a 1-D uint8 tensor) to a uint8 (C, H, W) tensor."""
    return _decode(_bytes_of(input, "decode_png"), mode, ("PNG",), "<PNG bytes>", apply_exif_orientation)


def decode_jpeg(input: Any, mode: ImageReadMode | str = ImageReadMode.UNCHANGED, device: Any = "cpu",
                apply_exif_orientation: bool = False) -> Tensor:
    """Decode JPEG bytes (a 1-D uint8 tensor, or a list of them) to uint8 (C, H, W) tensor(s); CPU only."""
    from .._device import check_device

    check_device(device)
    if isinstance(input, list):
        return [decode_jpeg(x, mode, device, apply_exif_orientation) for x in input]
    return _decode(_bytes_of(input, "decode_jpeg"), mode, ("JPEG",), "<JPEG bytes>", apply_exif_orientation)


def read_image(path: str | os.PathLike, mode: ImageReadMode | str = ImageReadMode.UNCHANGED,
               apply_exif_orientation: bool = False) -> Tensor:
    """Read a PNG, JPEG, GIF or WebP file into a uint8 (C, H, W) tensor (channels as ``mode`` says)."""
    label = os.fspath(path)
    mode = _mode(mode)
    return _frames(open_pil_image(label, formats=_DECODABLE), mode, label, apply_exif_orientation)


def _hwc_of(input: Any, who: str, channels: tuple[int, ...]) -> np.ndarray:
    """A uint8 (C, H, W) tensor as an (H, W, C) array (or (H, W) for one channel) for Pillow."""
    arr = input.detach().numpy() if isinstance(input, Tensor) else input
    if not isinstance(arr, np.ndarray):
        raise TypeError(f"{who}: expected a uint8 tensor of shape (C, H, W), got {type(input).__name__}")
    if arr.dtype != np.uint8:
        raise ValueError(f"{who}: the image must be uint8, got {arr.dtype} (scale a float image with "
                         "(img * 255).to(mytorch.uint8) first)")
    if arr.ndim != 3 or arr.shape[0] not in channels or min(arr.shape[1:]) == 0:
        raise ValueError(f"{who}: expected a (C, H, W) image with C in {channels} and H, W > 0, got shape "
                         f"{tuple(arr.shape)}")
    return arr[0] if arr.shape[0] == 1 else np.ascontiguousarray(arr.transpose(1, 2, 0))


def encode_png(input: Any, compression_level: int = 6) -> Tensor:
    """PNG bytes (a 1-D uint8 tensor) of a uint8 (C, H, W) image, C = 1, 2, 3 or 4; level 0 (none) to 9."""
    if not 0 <= int(compression_level) <= 9:
        raise ValueError(f"encode_png: compression_level must be between 0 and 9, got {compression_level}")
    hwc = _hwc_of(input, "encode_png", (1, 2, 3, 4))
    buf = io.BytesIO()  # Pillow infers L / LA / RGB / RGBA from the array's shape
    _pil().fromarray(hwc).save(buf, format="PNG", compress_level=int(compression_level))
    return from_numpy(np.frombuffer(buf.getvalue(), dtype=np.uint8).copy())


def encode_jpeg(input: Any, quality: int = 75) -> Tensor:
    """JPEG bytes (a 1-D uint8 tensor) of a uint8 (C, H, W) image, C = 1 or 3; ``quality`` 1 to 100."""
    if isinstance(input, list):
        return [encode_jpeg(x, quality) for x in input]
    if not 1 <= int(quality) <= 100:
        raise ValueError(f"encode_jpeg: quality must be between 1 and 100, got {quality}")
    hwc = _hwc_of(input, "encode_jpeg", (1, 3))
    buf = io.BytesIO()
    _pil().fromarray(hwc).save(buf, format="JPEG", quality=int(quality))
    return from_numpy(np.frombuffer(buf.getvalue(), dtype=np.uint8).copy())


def write_png(input: Any, filename: str | os.PathLike, compression_level: int = 6) -> None:
    """Encode a uint8 (C, H, W) image as PNG and write it to ``filename``."""
    write_file(filename, encode_png(input, compression_level))


def write_jpeg(input: Any, filename: str | os.PathLike, quality: int = 75) -> None:
    """Encode a uint8 (C, H, W) image as JPEG and write it to ``filename``."""
    write_file(filename, encode_jpeg(input, quality))
