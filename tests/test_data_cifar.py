"""CIFAR-10 from fixture batches, and the restricted unpickler: malicious pickles never run."""

from __future__ import annotations

import copyreg
import os
import pickle
import struct

import numpy as np
import pytest

import mytorch
from mytorch.datasets import CIFAR10, safe_load_pickle
from mytorch.utils.data import DataLoader

# ------------------------------------------------------------------ Python 2 style pickles
# The real batches were written by Python 2's cPickle (protocol 2): keys and the array buffer are
# py2 ``str`` (BINSTRING opcodes) and the array rebuilds through numpy.core.multiarray._reconstruct.
# Python 3 cannot write that, so these helpers assemble the same opcodes by hand.


def _str(b: bytes) -> bytes:
    return b"U" + bytes([len(b)]) + b if len(b) < 256 else b"T" + struct.pack("<i", len(b)) + b


def _int(v: int) -> bytes:
    return b"K" + bytes([v]) if 0 <= v < 256 else b"J" + struct.pack("<i", v)


def _uint8_array(a: np.ndarray) -> bytes:
    shape = b"(" + b"".join(_int(d) for d in a.shape) + b"t"
    dtype = b"cnumpy\ndtype\n" + _str(b"u1") + _int(0) + _int(1) + b"\x87R"
    dtype += b"(" + _int(3) + _str(b"|") + b"NNN" + _int(-1) + _int(-1) + _int(0) + b"tb"
    head = b"cnumpy.core.multiarray\n_reconstruct\n" + b"cnumpy\nndarray\n" + _int(0) + b"\x85" + _str(b"b") + b"\x87R"
    return head + b"(" + _int(1) + shape + dtype + b"\x89" + _str(a.tobytes()) + b"tb"


def py2_batch(data: np.ndarray, labels: list[int], name: bytes = b"training batch 1 of 5") -> bytes:
    out = b"\x80\x02}(" + _str(b"batch_label") + _str(name)
    out += _str(b"labels") + b"](" + b"".join(_int(v) for v in labels) + b"e"
    out += _str(b"data") + _uint8_array(data)
    out += _str(b"filenames") + b"](" + b"".join(_str(b"img_%d.png" % k) for k in range(len(labels))) + b"e"
    return out + b"u."


def py2_meta(names: list[bytes]) -> bytes:
    return b"\x80\x02}(" + _str(b"label_names") + b"](" + b"".join(_str(n) for n in names) + b"e" + b"u."


CLASSES = [b"airplane", b"automobile", b"bird", b"cat", b"deer", b"dog", b"frog", b"horse", b"ship", b"truck"]


def make_cifar(root, per_batch=4, seed=0, style="py2"):
    """Write cifar-10-batches-py/ with five training batches, a test batch and the meta file."""
    rng = np.random.default_rng(seed)
    folder = os.path.join(root, "cifar-10-batches-py")
    os.makedirs(folder, exist_ok=True)
    written = {}
    for name in ["data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5", "test_batch"]:
        data = rng.integers(0, 256, (per_batch, 3072), dtype=np.uint8)
        labels = rng.integers(0, 10, per_batch).tolist()
        if style == "py2":
            content = py2_batch(data, labels)
        else:  # what Python 3 writes (protocol 4, bytes keys as when read with encoding="bytes")
            content = pickle.dumps({b"data": data, b"labels": labels, b"batch_label": b"x"}, protocol=4)
        with open(os.path.join(folder, name), "wb") as f:
            f.write(content)
        written[name] = (data, labels)
    with open(os.path.join(folder, "batches.meta"), "wb") as f:
        f.write(py2_meta(CLASSES))
    return written


@pytest.mark.parametrize("style", ["py2", "py3"])
def test_cifar10_loads_fixture_batches(tmp_path, style):
    written = make_cifar(tmp_path, style=style)
    train = CIFAR10(tmp_path, train=True)
    test = CIFAR10(tmp_path, train=False)
    assert len(train) == 20 and len(test) == 4
    rows = np.concatenate([written[f"data_batch_{k}"][0] for k in range(1, 6)])
    labels = sum((written[f"data_batch_{k}"][1] for k in range(1, 6)), [])
    assert train.targets == labels and all(type(t) is int for t in train.targets)  # torchvision: a list of int
    # torchvision's .data layout: (N, 32, 32, 3), from rows of red, green, blue planes.
    assert train.data.shape == (20, 32, 32, 3) and train.data.dtype == np.uint8
    np.testing.assert_array_equal(train.data, rows.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))
    image, label = train[5]
    assert image.shape == (3, 32, 32) and image.dtype == np.float32 and isinstance(label, int)
    np.testing.assert_array_equal(image, rows[5].reshape(3, 32, 32) / np.float32(255))
    assert label == labels[5]
    assert train.classes == [c.decode() for c in CLASSES] and train.class_to_idx["truck"] == 9


def test_cifar10_loader_array_path_equals_items(tmp_path):
    make_cifar(tmp_path)
    ds = CIFAR10(tmp_path)
    x, y = next(iter(DataLoader(ds, batch_size=7)))
    assert x.shape == (7, 3, 32, 32) and x.dtype == mytorch.float32 and y.dtype == mytorch.int64
    np.testing.assert_array_equal(x.numpy(), np.stack([ds[i][0] for i in range(7)]))
    np.testing.assert_array_equal(y.numpy(), [ds[i][1] for i in range(7)])
    flipped = CIFAR10(tmp_path, transform=lambda img: np.asarray(img)[:, ::-1])  # an RGB PIL image, as torchvision's
    assert flipped._fetch_batch(np.arange(2)) is None
    np.testing.assert_array_equal(flipped[0][0], ds.data[0][:, ::-1])


def test_cifar10_missing_and_malformed(tmp_path):
    with pytest.raises(FileNotFoundError, match="(?s)data_batch_1.*missing.*download=True"):
        CIFAR10(tmp_path)
    make_cifar(tmp_path)
    folder = tmp_path / "cifar-10-batches-py"
    (folder / "test_batch").write_bytes(py2_batch(np.zeros((3, 3072), np.uint8), [1, 2]))
    with pytest.raises(ValueError, match="count mismatch in .*test_batch: 3 images"):
        CIFAR10(tmp_path, train=False)
    (folder / "test_batch").write_bytes(py2_batch(np.zeros((2, 100), np.uint8), [1, 2]))
    with pytest.raises(ValueError, match=r"'data' should be a uint8 array of shape \(N, 3072\)"):
        CIFAR10(tmp_path, train=False)
    (folder / "test_batch").write_bytes(py2_batch(np.zeros((2, 3072), np.uint8), [1, 12]))
    with pytest.raises(ValueError, match=r"test_batch: label 12 \(item 1\) is out of range"):
        CIFAR10(tmp_path, train=False)
    (folder / "test_batch").write_bytes(pickle.dumps([1, 2, 3]))
    with pytest.raises(ValueError, match="expected a pickled dict"):
        CIFAR10(tmp_path, train=False)
    (folder / "test_batch").write_bytes(py2_batch(np.zeros((2, 3072), np.uint8), [1, 2])[:-40])
    with pytest.raises(ValueError, match="test_batch: corrupt pickle"):
        CIFAR10(tmp_path, train=False)


# ------------------------------------------------------------------ malicious pickles
class _Exploit:
    """Pickles to a call of ``fn(*args)``, the classic pickle exploit."""

    def __init__(self, fn, *args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return self.fn, self.args


def _payloads(marker: str) -> dict[str, bytes]:
    command = f"touch {marker}"
    code = f"open({marker!r}, 'w').close()"
    ext_code = 0xF1  # a private extension code, registered only while pickling the payload
    copyreg.add_extension("os", "system", ext_code)
    try:
        via_ext = pickle.dumps(_Exploit(os.system, command), protocol=2)
    finally:
        copyreg.remove_extension("os", "system", ext_code)
    return {
        "os.system protocol 0": b"cos\nsystem\n(S'" + command.encode() + b"'\ntR.",
        "os.system pickled by python": pickle.dumps(_Exploit(os.system, command)),
        "builtins.exec": pickle.dumps(_Exploit(exec, code)),
        "builtins.eval protocol 2": pickle.dumps(_Exploit(eval, code), protocol=2),
        "extension registry": via_ext,
        "nested inside the batch dict": pickle.dumps(
            {"data": np.zeros((1, 3072), np.uint8), "labels": [_Exploit(os.system, command)]}
        ),
        "object-dtype array": pickle.dumps(np.array([1, "x"], dtype=object)),
        "persistent id": b"\x80\x02P0\n.",
        "_codecs.encode with a decompressing codec": (
            b"\x80\x02c_codecs\nencode\nX\x01\x00\x00\x00xX\x0a\x00\x00\x00zlib_codec\x86R."
        ),
    }


@pytest.mark.parametrize("case", list(_payloads("x")))
def test_malicious_pickle_is_refused_and_never_runs(tmp_path, case):
    marker = tmp_path / "pwned"
    payload = _payloads(str(marker))[case]
    assert not marker.exists()
    make_cifar(tmp_path)
    (tmp_path / "cifar-10-batches-py" / "data_batch_3").write_bytes(payload)
    with pytest.raises(ValueError, match="data_batch_3: unsafe or invalid pickle: refusing"):
        CIFAR10(tmp_path)
    assert not marker.exists()
    with pytest.raises(ValueError, match="refusing"):
        safe_load_pickle(tmp_path / "cifar-10-batches-py" / "data_batch_3")
    assert not marker.exists()


def test_payloads_would_really_run(tmp_path):
    """The exploit is live: plain pickle.loads does create the file (so the test above can fail)."""
    marker = tmp_path / "pwned"
    pickle.loads(_payloads(str(marker))["builtins.exec"])
    assert marker.exists()


def test_safe_load_pickle_accepts_plain_data(tmp_path):
    value = {
        "a": [1, 2.5, None, True, "s", b"b", (1, 2)],
        "arr": np.arange(6, dtype=np.float32).reshape(2, 3),
        b"k": {"nested": np.zeros(2, np.int64)},
    }
    for protocol in (3, 4, 5):
        path = tmp_path / f"p{protocol}"
        path.write_bytes(pickle.dumps(value, protocol=protocol))
        loaded = safe_load_pickle(path)
        assert loaded["a"] == value["a"]
        np.testing.assert_array_equal(loaded["arr"], value["arr"])
        assert loaded["arr"].dtype == np.float32
        np.testing.assert_array_equal(loaded[b"k"]["nested"], [0, 0])


def test_cifar10_root_from_mytorch_data(tmp_path, monkeypatch):
    monkeypatch.delenv("MYTORCH_DATA", raising=False)
    with pytest.raises(FileNotFoundError, match="CIFAR10 needs a directory"):
        CIFAR10()
    make_cifar(tmp_path / "cifar-10")
    monkeypatch.setenv("MYTORCH_DATA", str(tmp_path))
    ds = CIFAR10(train=False)
    assert ds.root == str(tmp_path / "cifar-10") and len(ds) == 4
