"""Image files as uint8 (C, H, W) tensors, as ``torchvision.io``: ``read_image``, ``decode_*``, ``encode_*``.

    >>> from mytorch.io import read_image, ImageReadMode
    >>> img = read_image("cat.png", mode=ImageReadMode.RGB)   # uint8 tensor (3, H, W)

Decoding and encoding go through Pillow, imported on first use (``import mytorch`` does not load
it). A file that is not a well-formed image of a supported format -- damaged, truncated, or whose
header declares more pixels than ``MAX_IMAGE_PIXELS`` -- raises one ``ImageDecodeError`` naming
the file and the problem, before any pixel buffer is allocated.
"""

from __future__ import annotations

from ._image import (
    MAX_IMAGE_PIXELS,
    ImageDecodeError,
    ImageReadMode,
    decode_image,
    decode_jpeg,
    decode_png,
    encode_jpeg,
    encode_png,
    open_pil_image,
    read_file,
    read_image,
    write_file,
    write_jpeg,
    write_png,
)

__all__ = [
    "MAX_IMAGE_PIXELS",
    "ImageDecodeError",
    "ImageReadMode",
    "decode_image",
    "decode_jpeg",
    "decode_png",
    "encode_jpeg",
    "encode_png",
    "open_pil_image",
    "read_file",
    "read_image",
    "write_file",
    "write_jpeg",
    "write_png",
]
