"""Hostile CIFAR-10 batches (issue 13, items 1, 2 and 7's CIFAR part), all built at test time.

Each crafted pickle must be refused with a ValueError naming the file, never read foreign memory,
never allocate more than the file describes; valid batches in every pickle protocol load.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from mytorch.datasets import CIFAR10, safe_load_pickle
from test_data_cifar import make_cifar

_reconstruct = np.empty(0).__reduce__()[0]


class Reduce:
    """Pickles as ``fn(*args)`` followed by BUILD with ``state`` (whatever a hostile writer wants)."""

    def __init__(self, fn, args, state=None):
        self.fn, self.args, self.state = fn, args, state

    def __reduce__(self):
        return (self.fn, self.args) if self.state is None else (self.fn, self.args, self.state)


def structured_dtype(offset: int) -> Reduce:
    """A dtype whose one field lies ``offset`` bytes past the start of a 1-byte item."""
    return Reduce(np.dtype, ("V1", False, True), (3, "|", None, ("f0",), {"f0": (np.dtype("u1"), offset)}, 1, 1, 16))


def array_with(dtype_obj, shape=(4,), data=b"\0" * 4) -> Reduce:
    return Reduce(_reconstruct, (np.ndarray, (0,), b"b"), (1, shape, dtype_obj, False, data))


def batch(data=None, labels=None, protocol=4) -> bytes:
    data = np.zeros((4, 3072), np.uint8) if data is None else data
    labels = [1, 2, 3, 4] if labels is None else labels
    return pickle.dumps({b"data": data, b"labels": labels, b"batch_label": b"x"}, protocol=protocol)


def codecs_call(text: str, codec: str) -> bytes:
    t, c = text.encode(), codec.encode()
    return b"\x80\x02c_codecs\nencode\nX" + len(t).to_bytes(4, "little") + t + b"X" + len(c).to_bytes(4, "little") \
        + c + b"\x86R."


def memo_bomb(copies: int, size: int = 1 << 20) -> bytes:
    """One ``size``-char string in the memo, encoded to bytes ``copies`` times (each call allocates)."""
    out = b"\x80\x02c_codecs\nencode\nq\x00X" + size.to_bytes(4, "little") + b"a" * size
    out += b"q\x01X\x06\x00\x00\x00latin1q\x02"
    out += b"\x86R" + b"0"  # first call, dropped
    out += b"(" + b"h\x00h\x01h\x02\x86R" * copies + b"l."
    return out


def shared_list_dag(levels: int, images: int = 2) -> bytes:
    """labels = [x, x], x = [y, y], ...: ``levels`` levels of two memo references each, 2**levels leaves."""
    labels = [1]
    for _ in range(levels):
        labels = [labels, labels]
    return pickle.dumps({b"data": np.zeros((images, 3072), np.uint8), b"labels": labels}, protocol=4)


def nested_labels(depth: int) -> bytes:
    """labels = [[[...[]...]]] ``depth`` lists deep, spelled with opcodes (pickle.dumps would recurse)."""
    head = pickle.dumps({b"data": np.zeros((1, 3072), np.uint8)}, protocol=4)[:-1]  # drop STOP
    return head + b"C\x06labels" + b"]" * depth + b"a" * (depth - 1) + b"s."


def self_containing_labels() -> bytes:
    """labels = L where L = [L] (pickle spells the cycle with its memo)."""
    cycle: list = []
    cycle.append(cycle)
    return pickle.dumps({b"data": np.zeros((1, 3072), np.uint8), b"labels": cycle}, protocol=4)


HOSTILE = {
    # item 1: structured dtypes put a field outside the item (reads foreign memory, or segfaults)
    "labels: field at 1 MiB": batch(labels=array_with(structured_dtype(1 << 20))),
    "labels: field at 256 MiB": batch(labels=array_with(structured_dtype(256 << 20))),
    "data: structured dtype": batch(data=array_with(structured_dtype(8), shape=(1, 3072), data=b"\0" * 3072)),
    "dtype with sub-array": batch(labels=array_with(Reduce(np.dtype, ("V8", False, True),
                                                           (3, "|", (np.dtype("u1"), (8,)), None, None, 8, 1, 0)))),
    "object dtype": batch(labels=Reduce(_reconstruct, (np.ndarray, (0,), b"b"), (1, (1,), np.dtype("O"), False, [1]))),
    "void dtype": batch(labels=array_with(Reduce(np.dtype, ("V4", False, True)), shape=(1,))),
    "string dtype": batch(labels=np.array(["1", "2", "3", "4"])),
    # item 2: a tiny pickle declaring a huge array
    "np.ndarray((10**6, 3072)) via REDUCE": batch(data=Reduce(np.ndarray, ((1_000_000, 3072), "u1"))),
    "np.ndarray((10**6, 3072)) and 10**6 labels": batch(data=Reduce(np.ndarray, ((1_000_000, 3072), "u1")),
                                                         labels=[0] * 1_000_000),
    "_reconstruct with a 3 GB initial shape": batch(data=Reduce(_reconstruct, (np.ndarray, (1_000_000, 3072), b"b"))),
    "BUILD: shape (10**6, 3072), 4 data bytes": batch(data=array_with(np.dtype("u1"), (1_000_000, 3072), b"\0" * 4)),
    "BUILD: 2**62 elements": batch(data=array_with(np.dtype("u1"), (1 << 31, 1 << 31), b"")),
    "BUILD: negative dim": batch(data=array_with(np.dtype("u1"), (-1, 3072), b"")),
    "BUILD: 100 dims": batch(data=array_with(np.dtype("u1"), (1,) * 100, b"\0")),
    "memo bomb: 1 MiB encoded 600 times": memo_bomb(600),
    "_codecs with another codec": codecs_call("x", "zlib_codec"),
    "_codecs.encode of bytes": b"\x80\x03c_codecs\nencode\nC\x01xX\x06\x00\x00\x00latin1\x86R.",
    "BUILD on a dict": b"\x80\x02}}b.",
    "np.ndarray via NEWOBJ": b"\x80\x02cnumpy\nndarray\n(J\x00\x00\x00\x10tq\x00\x85\x81.",
    # issue 26: values that explode (or recurse) only when a caller walks them
    "labels: DAG of shared lists, 2**30 leaves": shared_list_dag(30),
    "labels: nested 100 000 lists deep": nested_labels(100_000),
    "labels: a list that contains itself": self_containing_labels(),
}


@pytest.mark.parametrize("case, message", [
    ("labels: DAG of shared lists, 2**30 leaves", r"refusing plain data of more than \d+ items \(shared lists"),
    ("labels: nested 100 000 lists deep", "refusing plain data nested more than 100 containers deep"),
    ("labels: a list that contains itself", "refusing a list that contains itself"),
])
def test_exploding_labels_get_one_clear_error(tmp_path, case, message):
    assert len(HOSTILE[case]) < 500_000  # a few kilobytes (the nested one: 2 bytes a level)
    make_cifar(tmp_path)
    (tmp_path / "cifar-10-batches-py" / "test_batch").write_bytes(HOSTILE[case])
    with pytest.raises(ValueError, match="test_batch: unsafe or invalid pickle: " + message):
        CIFAR10(tmp_path, train=False)


def test_shared_labels_within_the_files_size_still_load(tmp_path):
    """Sharing is refused by how far it expands, not for itself: the same int or string repeated is fine."""
    make_cifar(tmp_path)
    name = "img.png"
    blob = pickle.dumps({b"data": np.zeros((3, 3072), np.uint8), b"labels": [7, 7, 7], b"filenames": [name] * 3})
    (tmp_path / "cifar-10-batches-py" / "test_batch").write_bytes(blob)
    np.testing.assert_array_equal(CIFAR10(tmp_path, train=False).targets, [7, 7, 7])


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_batch_is_refused_naming_the_file(tmp_path, case):
    make_cifar(tmp_path)
    path = tmp_path / "cifar-10-batches-py" / "data_batch_2"
    path.write_bytes(HOSTILE[case])
    with pytest.raises(ValueError, match="data_batch_2: (unsafe or invalid pickle|corrupt pickle)"):
        CIFAR10(tmp_path)
    with pytest.raises(ValueError, match="data_batch_2"):
        safe_load_pickle(path)
    assert np.dtype(np.int64).str == "<i8" and np.dtype("i8").byteorder == "="  # no shared dtype was changed


def test_a_byte_order_goes_to_a_private_dtype_never_to_numpys_shared_one(tmp_path):
    """dtype("i8", copy=False) is NumPy's own int64 object: its BUILD must not flip every int64 in the process."""
    flip = Reduce(np.dtype, ("i8", False, False), (3, ">", None, None, None, -1, -1, 0))
    make_cifar(tmp_path)
    labels = array_with(flip, shape=(4,), data=np.array([1, 2, 3, 4], ">i8").tobytes())
    (tmp_path / "cifar-10-batches-py" / "test_batch").write_bytes(batch(labels=labels))
    ds = CIFAR10(tmp_path, train=False)
    np.testing.assert_array_equal(ds.targets, [1, 2, 3, 4])
    assert np.dtype(np.int64).str == "<i8" and np.dtype("i8").byteorder == "="


def test_structured_dtype_payload_is_live():
    """Plain pickle really builds the out-of-bounds field (so the refusal above is not vacuous)."""
    dt = pickle.loads(pickle.dumps(structured_dtype(1 << 20)))
    assert dt.fields["f0"][1] == 1 << 20 and dt.itemsize == 1


MEASURE = textwrap.dedent(
    """
    import resource, sys
    from mytorch.datasets import CIFAR10
    try:
        CIFAR10(sys.argv[1])
    except ValueError as e:
        print("ValueError", e)
    print("maxrss_kb", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    """
)


@pytest.mark.parametrize("case", ["np.ndarray((10**6, 3072)) via REDUCE", "np.ndarray((10**6, 3072)) and 10**6 labels",
                                  "_reconstruct with a 3 GB initial shape",
                                  "BUILD: shape (10**6, 3072), 4 data bytes", "memo bomb: 1 MiB encoded 600 times"])
def test_pickle_bombs_stay_under_500_mb(tmp_path, case):
    make_cifar(tmp_path)
    (tmp_path / "cifar-10-batches-py" / "data_batch_1").write_bytes(HOSTILE[case])
    # Through a small launcher: a child forked straight from pytest would inherit pytest's peak RSS
    # in ru_maxrss (Linux carries the high-water mark across fork + exec).
    launcher = "import subprocess, sys; sys.exit(subprocess.run(sys.argv[1:]).returncode)"
    done = subprocess.run([sys.executable, "-c", launcher, sys.executable, "-c", MEASURE, str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "ValueError" in done.stdout and "data_batch_1" in done.stdout
    rss_mb = int(done.stdout.split("maxrss_kb")[1]) / 1024
    assert rss_mb < 500, f"{case}: peak RSS {rss_mb:.0f} MB"


# ------------------------------------------------------------------ valid batches in every protocol
@pytest.mark.parametrize("protocol", [0, 1, 2, 3, 4, 5])
@pytest.mark.parametrize("labels_as", ["int", "numpy scalars", "int64 array", "uint8 array"])
def test_valid_batches_in_every_protocol_load(tmp_path, protocol, labels_as):
    make_cifar(tmp_path)
    rng = np.random.default_rng(protocol)
    data = rng.integers(0, 256, (5, 3072), dtype=np.uint8)
    labels = [0, 9, 3, 3, 7]
    stored = {
        "int": labels, "numpy scalars": [np.int64(v) for v in labels],
        "int64 array": np.array(labels, np.int64), "uint8 array": np.array(labels, np.uint8),
    }[labels_as]
    (tmp_path / "cifar-10-batches-py" / "test_batch").write_bytes(batch(data, stored, protocol=protocol))
    ds = CIFAR10(tmp_path, train=False)
    np.testing.assert_array_equal(ds._chw.reshape(5, 3072), data)
    np.testing.assert_array_equal(ds.targets, labels)
    assert all(type(t) is int for t in ds.targets)  # torchvision: a list of int


@pytest.mark.parametrize(
    "labels, message",
    [
        ([1.7, 2, 3, 4], r"label 0 is 1.7 \(float\)"),
        ([1, "3", 3, 4], r"label 1 is '3' \(str\)"),
        ([1, 2, True, 4], r"label 2 is True \(bool\)"),
        ([1, 2, 3, None], r"label 3 is None"),
        ([1, 2, 3, -1], r"label -1 \(item 3\) is out of range"),
        ([10, 2, 3, 4], r"label 10 \(item 0\) is out of range"),
        ([2**70, 2, 3, 4], r"label 1180591620717411303424 \(item 0\) is out of range"),
        ([np.float64(1), 2, 3, 4], r"label 0 is .*float64"),
        ([list(range(10_000)), 2, 3, 4], r"label 0 is \[0, 1, 2, 3, \.\.\.\] \(list\)"),  # cut short
        (np.array([1.0, 2, 3, 4]), r"'labels' must be integers 0-9, got a float64 array"),
        (np.array([True, False, True, True]), r"'labels' must be integers 0-9, got a bool array"),
        (np.array([[1], [2], [3], [4]]), r"'labels' must be integers 0-9, got a int64 array of shape \(4, 1\)"),
        (np.array([1, 2, 3, 200], np.uint8), r"label 200 \(item 3\) is out of range"),
        ("1234", "count mismatch"),
    ],
)
def test_bad_labels_are_refused(tmp_path, labels, message):
    make_cifar(tmp_path)
    (tmp_path / "cifar-10-batches-py" / "test_batch").write_bytes(batch(labels=labels))
    with pytest.raises(ValueError, match="test_batch: " + message if message != "count mismatch" else message):
        CIFAR10(tmp_path, train=False)


def test_empty_or_oversized_batches_are_refused(tmp_path):
    make_cifar(tmp_path)
    path = tmp_path / "cifar-10-batches-py" / "test_batch"
    path.write_bytes(batch(np.zeros((0, 3072), np.uint8), []))
    with pytest.raises(ValueError, match="test_batch: 'data' holds 0 images"):
        CIFAR10(tmp_path, train=False)
    path.write_bytes(batch(np.zeros((10001, 3072), np.uint8), [0] * 10001, protocol=4))
    with pytest.raises(ValueError, match="test_batch: 'data' holds 10001 images; a CIFAR-10 batch holds 1 to 10000"):
        CIFAR10(tmp_path, train=False)
    with open(path, "wb") as f:  # a sparse 300 MiB file: refused by its size, never read
        f.truncate(300 << 20)
    with pytest.raises(ValueError, match=r"test_batch: 314572800 bytes, more than the 268435456 expected"):
        CIFAR10(tmp_path, train=False)
    (tmp_path / "cifar-10-batches-py" / "batches.meta").write_bytes(pickle.dumps({"label_names": ["a", "b"]}))
    path.write_bytes(batch())
    with pytest.raises(ValueError, match="batches.meta: expected a dict with a 'label_names' list of 10 strings"):
        CIFAR10(tmp_path, train=False)
    assert os.path.getsize(path) > 0


def test_bytearray8_with_a_huge_length_is_refused_before_allocating(tmp_path):
    """Found by the file fuzzer: one flipped bit made a BYTEARRAY8 length 2**56; pickle allocates it first."""
    blob = b"\x80\x05\x96" + (2**56).to_bytes(8, "little") + b"abc."
    path = tmp_path / "test_batch"
    path.write_bytes(blob)
    with pytest.raises(ValueError, match="a bytearray would allocate more memory"):
        safe_load_pickle(path)
