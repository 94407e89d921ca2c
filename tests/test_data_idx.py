"""The IDX reader: round trips, every header check, and fuzzing (always a clear ValueError, never a
crash, hang or over-allocation)."""

from __future__ import annotations

import gzip
import struct
import tracemalloc

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mytorch.datasets import read_idx, write_idx


def header(code: int, shape: tuple[int, ...]) -> bytes:
    return bytes([0, 0, code, len(shape)]) + struct.pack(f">{len(shape)}I", *shape)


@pytest.mark.parametrize("dtype", ["uint8", "int8", "int16", "int32", "float32", "float64"])
@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_round_trip(tmp_path, dtype, suffix):
    a = (np.arange(2 * 3 * 5) - 7).astype(dtype).reshape(2, 3, 5)
    path = tmp_path / f"a.idx{suffix}"
    write_idx(path, a)
    b = read_idx(path)
    assert b.dtype == np.dtype(dtype) and b.dtype.isnative and b.shape == a.shape
    np.testing.assert_array_equal(a, b)
    b[0, 0, 0] = 1  # writable


def test_big_endian_on_disk_and_gzip_detected_by_content(tmp_path):
    path = tmp_path / "x"  # no .gz suffix, but gzip content
    path.write_bytes(gzip.compress(header(0x0C, (2,)) + struct.pack(">2i", 1, -2)))
    np.testing.assert_array_equal(read_idx(path), [1, -2])
    raw = tmp_path / "y.gz"  # .gz suffix, raw content
    raw.write_bytes(header(0x0B, (1,)) + struct.pack(">h", 258))
    assert read_idx(raw).tolist() == [258]


def test_empty_dimension_is_valid(tmp_path):
    path = tmp_path / "e"
    path.write_bytes(header(0x08, (0, 28, 28)))
    assert read_idx(path).shape == (0, 28, 28)


CASES = {
    "empty file": (b"", "too short for the 4-byte IDX magic"),
    "bad magic": (b"\x12\x34\x08\x01" + b"\0" * 8, "bad magic number 0x12340801"),
    "bad dtype code": (b"\x00\x00\x07\x01\x00\x00\x00\x01\x05", "unknown IDX data type code 0x07"),
    "zero dims": (b"\x00\x00\x08\x00", "declares 0 dimensions"),
    "truncated dims": (b"\x00\x00\x08\x03\x00\x00\x00\x01", "header truncated: it declares 3 dimensions"),
    "truncated data": (header(0x08, (2, 3)) + b"\x01" * 5, r"truncated"),
    "trailing data": (header(0x08, (2, 3)) + b"\x01" * 7, "1 unexpected trailing bytes"),
    "count too big": (header(0x08, (10**9, 28, 28)) + b"\x00" * 100, "truncated"),
}


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize("case", list(CASES))
def test_malformed_files_raise_clear_value_error(tmp_path, case, compress):
    content, message = CASES[case]
    path = tmp_path / ("bad.gz" if compress else "bad")
    path.write_bytes(gzip.compress(content) if compress else content)
    if compress and case == "trailing data":
        message = "trailing bytes after the data"
    if compress and case == "count too big":
        message = "more than a .*-byte gzip file can expand to"
    with pytest.raises(ValueError, match=message) as info:
        read_idx(path)
    assert str(path) in str(info.value)


def test_corrupt_and_truncated_gzip(tmp_path):
    good = gzip.compress(header(0x08, (1000,)) + bytes(range(256)) * 4)
    for name, content in {"cut": good[: len(good) // 2], "garbled": good[:12] + b"\xff" * 20 + good[32:]}.items():
        path = tmp_path / f"{name}.gz"
        path.write_bytes(content)
        with pytest.raises(ValueError, match="gzip stream|truncated|data bytes") as info:
            read_idx(path)
        assert str(path) in str(info.value)


def test_not_a_regular_file(tmp_path):
    with pytest.raises(ValueError, match="not a regular file"):
        read_idx(tmp_path)
    with pytest.raises(FileNotFoundError):
        read_idx(tmp_path / "missing")


def test_giant_header_does_not_allocate(tmp_path):
    """A header claiming 10**9 images of 28×28 must fail before allocating 784 GB (or anything big)."""
    for compress in (False, True):
        content = header(0x08, (10**9, 28, 28)) + b"\x00" * 784 * 3
        path = tmp_path / ("giant.gz" if compress else "giant")
        path.write_bytes(gzip.compress(content) if compress else content)
        tracemalloc.start()
        try:
            with pytest.raises(ValueError):
                read_idx(path)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert peak < 1 << 20, f"peak allocation {peak} bytes"


def test_gzip_claim_within_ratio_but_short_stream_reads_only_what_is_there(tmp_path):
    # 8 MB of zeros compresses to ~8 kB; the header claims 8 MB + 1, which the ratio bound allows.
    n = 8 << 20
    path = tmp_path / "zeros.gz"
    path.write_bytes(gzip.compress(header(0x08, (n + 1,)) + bytes(n)))
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r"holds 8388608 data bytes \(truncated\)"):
            read_idx(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * n  # proportional to the data actually present, not to any claim


def test_write_idx_rejects_unsupported(tmp_path):
    with pytest.raises(ValueError, match="cannot store dtype"):
        write_idx(tmp_path / "u", np.zeros(3, np.uint16))
    with pytest.raises(ValueError, match="1 to 255 dimensions"):
        write_idx(tmp_path / "s", np.float32(1.0))


# ------------------------------------------------------------------ fuzzing
def _valid_file() -> bytes:
    return header(0x08, (3, 4, 2)) + bytes(range(24))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    code=st.integers(0, 255),
    ndim=st.integers(0, 255),
    dims=st.lists(st.integers(0, 2**32 - 1), max_size=6),
    payload=st.binary(max_size=64),
    compress=st.booleans(),
)
def test_fuzz_headers(tmp_path, code, ndim, dims, payload, compress):
    content = bytes([0, 0, code, ndim]) + b"".join(struct.pack(">I", d) for d in dims) + payload
    path = tmp_path / "fuzz"
    path.write_bytes(gzip.compress(content) if compress else content)
    try:
        a = read_idx(path)
    except ValueError as e:
        assert str(path) in str(e)
        return
    # Accepted only if it really is well-formed: the content is exactly header + data.
    assert code in (0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E) and 1 <= ndim == a.ndim
    assert len(content) == 4 + 4 * ndim + a.nbytes


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(0, 4 + 12 + 24 - 1), compress=st.booleans(), garbage=st.binary(max_size=8))
def test_fuzz_truncations_and_bit_flips(tmp_path, cut, compress, garbage):
    good = _valid_file()
    for content in (good[:cut], good[:cut] + garbage + good[cut + len(garbage) :]):
        data = gzip.compress(content) if compress else content
        path = tmp_path / "fuzz"
        path.write_bytes(data)
        try:
            a = read_idx(path)
        except ValueError as e:
            assert str(path) in str(e)
            continue
        assert len(content) == len(good) and a.nbytes + 4 + 4 * a.ndim == len(content)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(1, 200), flip=st.integers(0, 10_000))
def test_fuzz_damaged_gzip_stream(tmp_path, cut, flip):
    payload = np.random.default_rng(0).integers(0, 256, 1000, dtype=np.uint8).tobytes()
    data = bytearray(gzip.compress(header(0x08, (1000,)) + payload, compresslevel=1))
    data = data[: max(len(data) - cut, 1)]
    data[flip % len(data)] ^= 0xFF
    path = tmp_path / "fuzz.gz"
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError) as info:
        read_idx(path)
    assert str(path) in str(info.value)
