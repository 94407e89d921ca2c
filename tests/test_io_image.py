"""mytorch.io: image files <-> uint8 (C, H, W) tensors, and hostile files built here.

torchvision is not installable beside torch 2.13, so the checks are facts of its API: shapes,
dtypes, channel counts per ImageReadMode, exact PNG round trips, Pillow's own decoding of the same
bytes, and one clear error (naming the file) for every damaged input.
"""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

import mytorch
from mytorch.io import (
    ImageDecodeError,
    ImageReadMode,
    decode_image,
    decode_jpeg,
    decode_png,
    encode_jpeg,
    encode_png,
    read_file,
    read_image,
    write_jpeg,
    write_png,
)

RNG = np.random.default_rng(0)


def _png_bytes(array: np.ndarray, **info) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, format="PNG", **info)
    return buf.getvalue()


def _save(path, array: np.ndarray, fmt: str = "PNG", **kw) -> None:
    Image.fromarray(array).save(path, format=fmt, **kw)


@pytest.mark.parametrize("channels", [1, 2, 3, 4])
def test_png_round_trip_is_exact(tmp_path, channels):
    chw = RNG.integers(0, 256, size=(channels, 7, 9), dtype=np.uint8)
    path = tmp_path / "x.png"
    write_png(mytorch.from_numpy(chw), path)
    back = read_image(path)
    assert back.dtype == mytorch.uint8 and tuple(back.shape) == (channels, 7, 9)
    np.testing.assert_array_equal(back.numpy(), chw)
    data = read_file(path)
    assert data.dtype == mytorch.uint8 and data.ndim == 1
    np.testing.assert_array_equal(decode_png(data).numpy(), chw)
    np.testing.assert_array_equal(decode_image(data).numpy(), chw)
    np.testing.assert_array_equal(decode_image(str(path)).numpy(), chw)
    assert bytes(encode_png(mytorch.from_numpy(chw), compression_level=0).numpy()) != bytes(data.numpy())


def test_modes_convert_as_pillow_does(tmp_path):
    rgba = RNG.integers(0, 256, size=(5, 6, 4), dtype=np.uint8)
    path = tmp_path / "a.png"
    _save(path, rgba)
    pil = Image.open(path)
    expected = {
        ImageReadMode.UNCHANGED: rgba.transpose(2, 0, 1),
        ImageReadMode.RGB_ALPHA: rgba.transpose(2, 0, 1),
        ImageReadMode.RGB: np.asarray(pil.convert("RGB")).transpose(2, 0, 1),
        ImageReadMode.GRAY: np.asarray(pil.convert("L"))[None],
        ImageReadMode.GRAY_ALPHA: np.asarray(pil.convert("LA")).transpose(2, 0, 1),
    }
    for mode, want in expected.items():
        got = read_image(path, mode=mode)
        np.testing.assert_array_equal(got.numpy(), want, err_msg=mode.name)
    assert ImageReadMode.RGBA is ImageReadMode.RGB_ALPHA and ImageReadMode.RGB.value == 3
    assert read_image(path, mode="gray").shape == (1, 5, 6)
    with pytest.raises(ValueError, match="ImageReadMode"):
        read_image(path, mode="cmyk")


def test_palette_and_gif(tmp_path):
    pal = Image.fromarray(RNG.integers(0, 256, size=(4, 5, 3), dtype=np.uint8)).quantize(8)
    pal.save(tmp_path / "p.png")
    got = read_image(tmp_path / "p.png")
    np.testing.assert_array_equal(got.numpy(), np.asarray(pal.convert("RGB")).transpose(2, 0, 1))
    frames = [Image.fromarray(np.full((3, 4, 3), v, np.uint8)) for v in (0, 128, 255)]
    frames[0].save(tmp_path / "a.gif", save_all=True, append_images=frames[1:])
    gif = read_image(tmp_path / "a.gif")
    assert tuple(gif.shape) == (3, 3, 3, 4)  # (N, C, H, W) for an animated GIF, RGB
    np.testing.assert_array_equal(gif.numpy()[:, 0, 0, 0], [0, 128, 255])


def test_jpeg(tmp_path):
    x = np.linspace(0, 255, 16 * 16 * 3).reshape(16, 16, 3).astype(np.uint8)
    chw = mytorch.from_numpy(np.ascontiguousarray(x.transpose(2, 0, 1)))
    path = tmp_path / "x.jpg"
    write_jpeg(chw, path, quality=95)
    back = read_image(path)
    assert tuple(back.shape) == (3, 16, 16)
    np.testing.assert_array_equal(back.numpy(), np.asarray(Image.open(path)).transpose(2, 0, 1))
    assert np.abs(back.numpy().astype(int) - chw.numpy()).mean() < 3
    small, big = encode_jpeg(chw, quality=10), encode_jpeg(chw, quality=100)
    assert small.numel() < big.numel()
    assert tuple(decode_jpeg(small, mode=ImageReadMode.GRAY).shape) == (1, 16, 16)
    assert len(decode_jpeg([small, big])) == 2
    with pytest.raises(ImageDecodeError, match="not a recognised"):
        decode_jpeg(encode_png(chw))  # PNG bytes are not JPEG


def test_encode_rejects_bad_images():
    with pytest.raises(ValueError, match="uint8"):
        encode_png(mytorch.zeros(3, 4, 4))
    with pytest.raises(ValueError, match=r"C in \(1, 3\)"):
        encode_jpeg(mytorch.zeros(4, 4, 4, dtype=mytorch.uint8))
    with pytest.raises(ValueError, match="quality"):
        encode_jpeg(mytorch.zeros(3, 4, 4, dtype=mytorch.uint8), quality=0)
    with pytest.raises(ValueError, match="compression_level"):
        encode_png(mytorch.zeros(3, 4, 4, dtype=mytorch.uint8), compression_level=10)
    with pytest.raises(ValueError, match="1-D uint8"):
        decode_image(mytorch.zeros(3, 4))


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _bomb_png(width: int, height: int) -> bytes:
    """A valid PNG header declaring width x height, with one tiny compressed row of data."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    body = _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", zlib.compress(b"\0" * 64)) + _chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body


def _hostile(tmp_path) -> dict:
    good = _png_bytes(RNG.integers(0, 256, size=(32, 32, 3), dtype=np.uint8))
    buf = io.BytesIO()
    Image.fromarray(RNG.integers(0, 256, size=(32, 32, 3), dtype=np.uint8)).save(buf, format="JPEG")
    jpeg = buf.getvalue()
    flipped = bytearray(good)
    flipped[60:80] = bytes(20)  # inside the compressed data: a CRC and inflate error
    cases = {
        "empty": b"",
        "text": b"hello, not an image\n" * 10,
        "png_truncated": good[: len(good) // 2],
        "png_header_only": good[:33],
        "png_damaged": bytes(flipped),
        "jpeg_truncated": jpeg[: len(jpeg) // 3],
        "bomb": _bomb_png(100_000, 100_000),
        "zero_size": _bomb_png(0, 5),
        "bmp": b"BM" + bytes(60),
    }
    paths = {}
    for name, data in cases.items():
        p = tmp_path / f"{name}.img"
        p.write_bytes(data)
        paths[name] = p
    return paths


def test_hostile_files_give_one_clear_error(tmp_path):
    for name, path in _hostile(tmp_path).items():
        with pytest.raises(ImageDecodeError) as err:
            read_image(path)
        msg = str(err.value)
        assert str(path) in msg, (name, msg)
        assert "\n" not in msg, (name, msg)
        with pytest.raises(ImageDecodeError):
            decode_image(read_file(path))
    bomb = str(_hostile(tmp_path)["bomb"])
    with pytest.raises(ImageDecodeError, match="decompression bomb"):
        read_image(bomb)
    with pytest.raises(ImageDecodeError, match="is a directory"):
        read_image(tmp_path)
    with pytest.raises(FileNotFoundError):
        read_image(tmp_path / "missing.png")
    assert isinstance(ImageDecodeError("x"), RuntimeError)  # torchvision raises RuntimeError

