"""Hostile MNIST / IDX files (issue 13, item 7), built at test time: headers are checked first, a
gzip bomb is refused before it is decompressed, degenerate shapes get an error naming the file."""

from __future__ import annotations

import gzip
import struct
import subprocess
import sys
import textwrap
import time
import zlib

import numpy as np
import pytest

from mytorch.datasets import MNIST, read_idx, read_idx_header
from mytorch.datasets.idx import write_idx


def header(code: int, shape: tuple[int, ...]) -> bytes:
    return bytes([0, 0, code, len(shape)]) + struct.pack(f">{len(shape)}I", *shape)


def gzip_of_zeros(head: bytes, zero_mib: int) -> bytes:
    """A gzip file of ``head`` + ``zero_mib`` MiB of zeros, assembled from one compressed MiB
    (full-flushed deflate blocks of zeros only refer back to zeros, so they can be repeated)."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    mib = bytes(1 << 20)
    first = c.compress(head + mib) + c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(mib) + c.flush(zlib.Z_FULL_FLUSH)
    last = c.flush()
    crc, size = 0, len(head) + zero_mib * (1 << 20)
    crc = zlib.crc32(head + mib)
    for _ in range(zero_mib - 1):
        crc = zlib.crc32(mib, crc)
    trailer = struct.pack("<II", crc & 0xFFFFFFFF, size & 0xFFFFFFFF)
    return b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" + first + block * (zero_mib - 1) + last + trailer


def write_split(root, images_bytes: bytes, labels_bytes: bytes, prefix: str = "train") -> None:
    (root / f"{prefix}-images-idx3-ubyte.gz").write_bytes(images_bytes)
    (root / f"{prefix}-labels-idx1-ubyte.gz").write_bytes(labels_bytes)


MEASURE = textwrap.dedent(
    """
    import resource, sys, time
    from mytorch.datasets import MNIST
    t = time.perf_counter()
    try:
        MNIST(sys.argv[1])
    except ValueError as e:
        print("ValueError", e)
    print("seconds", time.perf_counter() - t)
    print("maxrss_kb", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    """
)


def test_gzip_bomb_is_refused_from_the_headers(tmp_path):
    """A 0.8 MB gzip file expanding to 822 MB of images beside 60 000 labels: refused in bounded memory."""
    images = gzip_of_zeros(header(0x08, (1_048_576, 28, 28)), 784)  # exactly 1 048 576 × 784 bytes = 784 MiB
    assert len(images) < 2_000_000
    write_split(tmp_path, images, gzip.compress(header(0x08, (60_000,)) + bytes(60_000)))
    launcher = "import subprocess, sys; sys.exit(subprocess.run(sys.argv[1:]).returncode)"
    done = subprocess.run([sys.executable, "-c", launcher, sys.executable, "-c", MEASURE, str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "count mismatch" in done.stdout and "train-images-idx3-ubyte.gz holds 1048576 images" in done.stdout
    rss_mb = int(done.stdout.split("maxrss_kb")[1]) / 1024
    seconds = float(done.stdout.split("seconds")[1].split()[0])
    assert rss_mb < 500 and seconds < 5, (rss_mb, seconds)


def test_the_bomb_is_a_valid_gzip_file(tmp_path):
    """The assembled stream really decompresses (checked on a small one), so the test above is live."""
    data = gzip_of_zeros(header(0x08, (3, 4)), 2)
    out = gzip.decompress(data)
    assert out[:12] == header(0x08, (3, 4)) and len(out) == 12 + 2 * (1 << 20)


CASES = {
    "empty split": ((0, 28, 28), (0,), "train-images-idx3-ubyte.gz: the split holds no images"),
    "0x0 images": ((5, 0, 0), (5,), "images of 0×0 pixels hold nothing"),
    "28x0 images": ((5, 28, 0), (5,), "images of 28×0 pixels hold nothing"),
    "labels 2-D": ((2, 28, 28), (2, 1), r"train-labels-idx1-ubyte.gz: expected uint8 labels of shape \(N,\)"),
    "images 2-D": ((2, 784), (2,), r"train-images-idx3-ubyte.gz: expected uint8 images of shape \(N, rows, cols\)"),
    "count mismatch": ((3, 28, 28), (2,), "count mismatch: .*holds 3 images but .*holds 2 labels"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_degenerate_splits_are_refused_naming_the_file(tmp_path, case):
    image_shape, label_shape, message = CASES[case]
    images = np.zeros(image_shape, np.uint8)
    labels = np.zeros(label_shape, np.uint8)
    write_idx(tmp_path / "train-images-idx3-ubyte.gz", images)
    write_idx(tmp_path / "train-labels-idx1-ubyte.gz", labels)
    with pytest.raises(ValueError, match=message):
        MNIST(tmp_path)


@pytest.mark.parametrize(
    "shape, message",
    [
        ((1,) * 65, "declares 65 dimensions; at most 64"),
        ((1,) * 255, "declares 255 dimensions; at most 64"),
        ((0, 2**32 - 1, 2**32 - 1, 2**32 - 1), "too large for an array even with a zero dimension"),
        ((2**32 - 1, 0, 2**32 - 1, 2**32 - 1), "too large for an array even with a zero dimension"),
    ],
)
@pytest.mark.parametrize("compress", [False, True])
def test_idx_headers_numpy_cannot_hold_name_the_file(tmp_path, shape, message, compress):
    content = header(0x08, shape)
    path = tmp_path / "weird-idx"
    path.write_bytes(gzip.compress(content) if compress else content)
    for reader in (read_idx, read_idx_header):
        with pytest.raises(ValueError, match=f"weird-idx: .*{message}"):
            reader(path)


def test_header_is_read_without_the_data(tmp_path):
    path = tmp_path / "big.gz"
    path.write_bytes(gzip_of_zeros(header(0x08, (10_000, 28, 28)), 8))
    t = time.perf_counter()
    assert read_idx_header(path) == (np.dtype(np.uint8), (10_000, 28, 28))
    assert time.perf_counter() - t < 0.5
    raw = tmp_path / "raw"
    raw.write_bytes(header(0x08, (2, 3)) + bytes(5))
    with pytest.raises(ValueError, match="raw: .*truncated"):  # a raw file's length is checked with the header
        read_idx_header(raw)
