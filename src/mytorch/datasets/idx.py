"""The IDX file format (MNIST, Fashion-MNIST), raw or gzip-compressed, read defensively.

Layout (all integers big-endian)::

    bytes 0-1   zero
    byte  2     data type code: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64
    byte  3     number of dimensions d (at least 1)
    4 * d       the size of each dimension, unsigned 32-bit
    ...         the values, row-major, prod(sizes) * itemsize bytes, and nothing after them

``read_idx`` checks every header field, and that the data is exactly as long as the header says,
*before* it allocates the array: a header claiming 10**9 images costs nothing. A raw file's length
is known from the file system. A gzip stream's is not (its trailer stores the size mod 2**32), so
the claim is first bounded by what a gzip file of that size can possibly expand to (deflate's
ratio is at most 1032:1), and the stream is then read in bounded chunks, stopping one byte past the
claimed length. Every malformed file raises ``ValueError`` naming the file and the problem.
``read_idx_header`` reads only the header, so a caller can check two files against each other
(MNIST: as many labels as images) before reading a byte of data.
"""

from __future__ import annotations

import gzip
import math
import os
import stat
import struct
import zlib

import numpy as np

# IDX type code -> big-endian NumPy dtype.
_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_CODES = {dt.newbyteorder("="): code for code, dt in _DTYPES.items()}
# Deflate emits at least 1 bit per 258 repeated bytes, so no gzip member expands beyond ~1032:1.
_GZIP_MAX_RATIO = 1032
_CHUNK = 1 << 22
_MAX_DIMS = 64  # NumPy's limit on the number of dimensions
_MAX_ITEMS = (1 << 63) - 1  # NumPy's limit on the product of the dimensions (even beside a zero one)


def _fail(path: str, problem: str) -> ValueError:
    return ValueError(f"{path}: {problem}")


def _read_up_to(stream, n: int) -> bytearray:
    """Up to ``n`` bytes (fewer only at end of stream), in chunks: memory grows with the data
    actually read, never with what a header claims."""
    buf = bytearray()
    while len(buf) < n:
        chunk = stream.read(min(_CHUNK, n - len(buf)))
        if not chunk:
            break
        buf += chunk
    return buf


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file (raw, or gzip-compressed: detected by its magic bytes, not the file name).

    Returns a writable array in native byte order with the dtype and shape the header declares.
    Raises ``ValueError`` naming ``path`` for any malformed content, and ``OSError`` (e.g.
    ``FileNotFoundError``) when the file cannot be opened.
    """
    return _read(path, header_only=False)


def read_idx_header(path: str | os.PathLike) -> tuple[np.dtype, tuple[int, ...]]:
    """The (native dtype, shape) an IDX file's header declares, checked as ``read_idx`` checks it,
    without reading the data (for a gzip file only the first bytes are decompressed)."""
    return _read(path, header_only=True)


def _read(path: str | os.PathLike, header_only: bool):
    path = os.fspath(path)
    st = os.stat(path)
    if not stat.S_ISREG(st.st_mode):  # a FIFO or device could block or never end
        raise _fail(path, "not a regular file")
    with open(path, "rb") as raw:
        compressed = raw.read(2) == b"\x1f\x8b"
        raw.seek(0)
        if not compressed:
            return _parse(path, raw, st.st_size, "file", header_only=header_only)
        try:
            with gzip.GzipFile(fileobj=raw) as stream:
                return _parse(path, stream, None, "decompressed data", gzip_size=st.st_size, header_only=header_only)
        except (OSError, EOFError, zlib.error) as e:  # BadGzipFile is an OSError
            raise _fail(path, f"corrupt or truncated gzip stream ({type(e).__name__}: {e})") from None


def _parse(path: str, stream, length: int | None, what: str, gzip_size: int = 0, header_only: bool = False):
    """Validate the header read from ``stream``, then read exactly the data it declares."""
    magic = _read_up_to(stream, 4)
    if len(magic) < 4:
        raise _fail(path, f"{what} is {len(magic)} bytes long, too short for the 4-byte IDX magic number")
    if magic[0] != 0 or magic[1] != 0:
        raise _fail(
            path,
            f"bad magic number 0x{magic.hex()}: an IDX file starts with two zero bytes (is this an IDX file?)",
        )
    code, ndim = magic[2], magic[3]
    if code not in _DTYPES:
        known = ", ".join(f"0x{c:02X} ({dt.name})" for c, dt in _DTYPES.items())
        raise _fail(path, f"unknown IDX data type code 0x{code:02X}; expected one of {known}")
    if ndim == 0:
        raise _fail(path, "the header declares 0 dimensions; an IDX array has at least 1")
    if ndim > _MAX_DIMS:
        raise _fail(path, f"the header declares {ndim} dimensions; at most {_MAX_DIMS} are supported")
    dims_bytes = _read_up_to(stream, 4 * ndim)
    if len(dims_bytes) < 4 * ndim:
        raise _fail(
            path,
            f"header truncated: it declares {ndim} dimensions ({4 * ndim} bytes of sizes) "
            f"but only {len(dims_bytes)} bytes follow",
        )
    shape = struct.unpack(f">{ndim}I", dims_bytes)
    dtype = _DTYPES[code]
    if math.prod(d for d in shape if d) * dtype.itemsize > _MAX_ITEMS:  # NumPy refuses such shapes even when empty
        raise _fail(path, f"the header declares shape {shape}, too large for an array even with a zero dimension")
    header = 4 + 4 * ndim
    need = math.prod(shape) * dtype.itemsize  # a Python int: no overflow for any header
    declared = f"the header declares shape {shape} of {dtype.newbyteorder('=').name}, i.e. {need} data bytes"

    if length is not None:  # raw file: its length is known before reading anything
        if length != header + need:
            have = length - header
            kind = "truncated" if have < need else f"{have - need} unexpected trailing bytes"
            raise _fail(path, f"{what} is {length} bytes: {declared} after a {header}-byte header, has {have} ({kind})")
        if header_only:
            return dtype.newbyteorder("="), shape
        buf = bytearray(need)
        view, got = memoryview(buf), 0
        while got < need:
            n = stream.readinto(view[got:])
            if not n:
                raise _fail(path, f"file shrank while being read: got {got} of {need} data bytes")
            got += n
    else:
        limit = _GZIP_MAX_RATIO * gzip_size + 1024
        if header + need > limit:
            raise _fail(
                path,
                f"{declared}, more than a {gzip_size}-byte gzip file can expand to (at most ~{limit} bytes)",
            )
        if header_only:
            return dtype.newbyteorder("="), shape
        buf = _read_up_to(stream, need + 1)  # one byte more, to detect trailing data
        if len(buf) != need:
            kind = "truncated" if len(buf) < need else "trailing bytes after the data"
            shown = len(buf) if len(buf) <= need else f"more than {need}"
            raise _fail(path, f"{declared}, but the {what} holds {shown} data bytes ({kind})")

    array = np.frombuffer(buf, dtype=dtype).reshape(shape)
    if dtype.itemsize > 1:
        array = array.astype(dtype.newbyteorder("="))
    return array


def write_idx(path: str | os.PathLike, array: np.ndarray) -> None:
    """Write ``array`` as an IDX file, gzip-compressed when ``path`` ends in ``.gz``.

    Supported dtypes: uint8, int8, int16, int32, float32, float64, with 1 to 255 dimensions.
    """
    array = np.asarray(array)
    native = array.dtype.newbyteorder("=")
    if native not in _CODES:
        raise ValueError(f"IDX cannot store dtype {array.dtype}; supported: {sorted(d.name for d in _CODES)}")
    if not 1 <= array.ndim <= 255:
        raise ValueError(f"IDX stores 1 to 255 dimensions, got an array with {array.ndim}")
    code = _CODES[native]
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    payload = np.ascontiguousarray(array, dtype=_DTYPES[code]).tobytes()
    path = os.fspath(path)
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "wb") as f:
        f.write(header)
        f.write(payload)
