"""Fuzzing the file readers: mutated CIFAR batches, IDX (raw and gzip), .pt archives, safetensors files
and training checkpoints, each loaded in a separate process under an address-space limit.

Every valid file here is built at test time (``SEEDS``). Hypothesis mutates one: bit flips, bytes set
to 0x00/0xff/0x7f/0x80, truncations, insertions, deletions, splices from another seed, and 4- or
8-byte fields set to extreme lengths (0, 2**31 - 1, 2**32 - 1, 2**63 - 1, both byte orders). For a
compressed or zipped seed the mutation may also go *inside*: the gzip payload or one zip entry is
mutated and packed again with valid checksums, so the parser behind them sees the damage.

The worker (``fuzz_file_worker.py``) answers for each file; the test asks that the outcome is a
valid load or the loader's documented error (naming the file), never another exception, a crash,
a hang (``TIMEOUT_S``), an attempted allocation past the worker's cap (a MemoryError, even when
the loader turns it into its documented error), or a peak allocation far beyond the file's size
(``PEAK_BYTES + PEAK_PER_FILE_BYTE * size``).
"""

from __future__ import annotations

import gzip
import io
import json
import os
import pickle
import select
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import safetensors.numpy
import torch
from hypothesis import event, given, note
from hypothesis import strategies as st

from fuzz_profiles import fuzz_settings
from test_data_cifar import py2_batch

WORKER = Path(__file__).with_name("fuzz_file_worker.py")
LIMIT_MB = 768  # the worker's address space beyond what it holds after importing the loaders
TIMEOUT_S = 120.0  # one load: a valid one takes milliseconds; the margin is for a loaded machine
PEAK_BYTES = 16 << 20
PEAK_PER_FILE_BYTE = 40
EXTREMES = [0, 1, 2**31 - 1, 2**31, 2**32 - 1, 2**63 - 1, 2**64 - 1]


# ---------------------------------------------------------------------------- valid seeds
def _cifar_seeds() -> list[bytes]:
    rng = np.random.default_rng(0)
    data = rng.integers(0, 256, (3, 3072), dtype=np.uint8)
    labels = [3, 0, 9]
    return [py2_batch(data, labels), pickle.dumps({b"data": data, b"labels": labels, b"batch_label": b"x"}, 4),
            pickle.dumps({"data": data, "labels": np.array(labels, np.int64)}, 2)]


def _idx_seeds() -> list[bytes]:
    from mytorch.datasets.idx import write_idx

    out = []
    for array in (np.arange(2 * 5 * 4, dtype=np.uint8).reshape(2, 5, 4), np.array([1, 2, 3, 7], np.uint8),
                  np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3), np.arange(4, dtype=">i4")):
        buf = io.BytesIO()
        tmp = Path(os.environ.get("TMPDIR", "/tmp")) / f"fuzz-idx-{os.getpid()}"
        write_idx(tmp, array.astype(array.dtype.newbyteorder("=")))
        raw = tmp.read_bytes()
        tmp.unlink()
        out.append(raw)
        buf.write(gzip.compress(raw, mtime=0))
        out.append(buf.getvalue())
    return out


def _pt_seeds() -> list[bytes]:
    import mytorch

    out = []
    buf = io.BytesIO()
    torch.save({"w": torch.arange(6, dtype=torch.float32).reshape(2, 3), "b": torch.zeros(3, dtype=torch.int64),
                "step": 3, "names": ["a", "b"]}, buf)
    out.append(buf.getvalue())
    buf = io.BytesIO()
    w = torch.arange(12, dtype=torch.float64).reshape(3, 4)
    torch.save({"view": w[:, 1:3], "t": w.t(), "h": torch.ones(2, dtype=torch.float16)}, buf)
    out.append(buf.getvalue())
    buf = io.BytesIO()
    mytorch.save({"x": mytorch.ones(2, 2), "n": 1}, buf)
    out.append(buf.getvalue())
    return out


def _safetensors_seeds() -> list[bytes]:
    return [safetensors.numpy.save({"a": np.arange(6, dtype=np.float32).reshape(2, 3), "b": np.zeros(2, np.int64)},
                                   metadata={"k": "v"}),
            safetensors.numpy.save({"x": np.ones((1, 1, 2), np.float64)})]


def _checkpoint_seeds(tmp: Path) -> list[bytes]:
    import mytorch
    from mytorch.train.checkpoint import save_checkpoint

    mytorch.manual_seed(0)
    model = mytorch.nn.Linear(3, 2)
    opt = mytorch.optim.Adam(model.parameters(), lr=0.01)
    model(mytorch.ones(4, 3)).sum().backward()
    opt.step()
    path = tmp / "ckpt.safetensors"
    save_checkpoint(path, model, opt, epoch=1, history=[{"epoch": 1, "loss": 0.5}], config={"model": "x"})
    return [path.read_bytes()]


@pytest.fixture(scope="module")
def seeds(tmp_path_factory) -> dict[str, list[bytes]]:
    tmp = tmp_path_factory.mktemp("fuzz-seeds")
    return {"cifar": _cifar_seeds(), "idx": _idx_seeds(), "pt": _pt_seeds(), "safetensors": _safetensors_seeds(),
            "checkpoint": _checkpoint_seeds(tmp)}


# ---------------------------------------------------------------------------- the worker
class Worker:
    """One loader process; restarted after a crash or a hang."""

    def __init__(self) -> None:
        self.proc = None

    def start(self) -> None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        self.proc = subprocess.Popen([sys.executable, str(WORKER), str(LIMIT_MB)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
        ready = self._read(120.0)
        assert ready and json.loads(ready).get("ready"), "the fuzz worker did not start"

    def _read(self, timeout: float) -> str | None:
        r, _, _ = select.select([self.proc.stdout], [], [], timeout)
        return self.proc.stdout.readline() if r else None

    def load(self, kind: str, path: Path) -> dict:
        if self.proc is None or self.proc.poll() is not None:
            self.start()
        self.proc.stdin.write(json.dumps({"kind": kind, "path": str(path)}) + "\n")
        self.proc.stdin.flush()
        line = self._read(TIMEOUT_S)
        if not line:
            hung = self.proc.poll() is None
            self.stop()
            return {"outcome": "hang" if hung else "crash", "error": "" if hung else f"exit {self.proc.returncode}"}
        return json.loads(line)

    def stop(self) -> None:
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.wait()
            self.proc.stdin.close()
            self.proc.stdout.close()


@pytest.fixture(scope="module")
def worker():
    w = Worker()
    yield w
    w.stop()


# ---------------------------------------------------------------------------- mutations
@dataclass
class Mutation:
    """One edit of a byte string; positions are taken modulo the length (so they shrink well)."""

    how: str
    pos: int = 0
    value: int = 0
    width: int = 0
    other: bytes = b""

    def apply(self, data: bytes) -> bytes:
        n = len(data)
        p = self.pos % (n + 1)
        if self.how == "flip" and n:
            p %= n
            return data[:p] + bytes([data[p] ^ (1 << (self.value % 8))]) + data[p + 1:]
        if self.how == "set" and n:
            p %= n
            return data[:p] + bytes([self.value & 0xFF]) + data[p + 1:]
        if self.how == "truncate":
            return data[:p]
        if self.how == "insert":
            return data[:p] + self.other + data[p:]
        if self.how == "delete":
            return data[:p] + data[p + max(1, self.width):]
        if self.how == "splice":  # replace bytes with a piece of another file
            return data[:p] + self.other + data[p + len(self.other):]
        if self.how == "field" and n >= self.width:
            p %= n - self.width + 1
            order = "little" if self.value >= 0 else "big"
            v = EXTREMES[abs(self.value) % len(EXTREMES)] % (1 << (8 * self.width))
            return data[:p] + v.to_bytes(self.width, order) + data[p + self.width:]
        return data


def mutations(pieces: list[bytes]):
    pos = st.integers(0, 1 << 20)
    return st.one_of(
        st.builds(Mutation, st.just("flip"), pos, st.integers(0, 7)),
        st.builds(Mutation, st.just("set"), pos, st.sampled_from([0, 0xFF, 0x7F, 0x80, 0x01, 0x20])),
        st.builds(Mutation, st.just("truncate"), pos),
        st.builds(Mutation, st.just("insert"), pos, other=st.binary(min_size=1, max_size=16)),
        st.builds(Mutation, st.just("delete"), pos, width=st.integers(1, 64)),
        st.builds(Mutation, st.just("splice"), pos,
                  other=st.sampled_from(pieces).flatmap(lambda b: st.integers(0, max(0, len(b) - 1)).map(
                      lambda i: b[i:i + 32]))),
        st.builds(Mutation, st.just("field"), pos, st.integers(-len(EXTREMES) + 1, len(EXTREMES) - 1),
                  width=st.sampled_from([1, 2, 4, 8])),
    )


def _inside_gzip(data: bytes, edits) -> bytes | None:
    try:
        inner = gzip.decompress(data)
    except (OSError, EOFError):
        return None
    for m in edits:
        inner = m.apply(inner)
    return gzip.compress(inner, mtime=0)


def _inside_zip(data: bytes, edits, which: int) -> bytes | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            entries = [(i, zf.read(i)) for i in zf.infolist()]
    except zipfile.BadZipFile:
        return None
    if not entries:
        return None
    k = which % len(entries)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zf:
        for j, (info, content) in enumerate(entries):
            if j == k:
                for m in edits:
                    content = m.apply(content)
            zf.writestr(info, content)
    return out.getvalue()


@st.composite
def mutated(draw, files: list[bytes], pieces: list[bytes]) -> tuple[bytes, str]:
    """A seed file with 1-4 mutations (on its bytes, or inside its gzip payload or one zip entry)."""
    index = draw(st.integers(0, len(files) - 1))
    data = files[index]
    edits = draw(st.lists(mutations(pieces), min_size=1, max_size=4))
    if data[:2] == b"\x1f\x8b" and draw(st.booleans()):
        inner = _inside_gzip(data, edits)
        if inner is not None:
            return inner, f"seed {index}, inside the gzip payload: {edits}"
    if data[:2] == b"PK" and draw(st.booleans()):
        inner = _inside_zip(data, edits, draw(st.integers(0, 16)))
        if inner is not None:
            return inner, f"seed {index}, inside one zip entry: {edits}"
    for m in edits:
        data = m.apply(data)
    return data, f"seed {index}, bytes: {edits}"


# ---------------------------------------------------------------------------- the checks
def judge(kind: str, path: Path, answer: dict) -> str | None:
    """None if ``answer`` is a valid load or the documented error; otherwise what went wrong."""
    size = path.stat().st_size
    outcome = answer["outcome"]
    if outcome in ("hang", "crash"):
        what = f"hung (over {TIMEOUT_S:g}s)" if outcome == "hang" else "crashed"
        return f"the loader {what} {answer['error']}"
    if outcome == "other":
        return f"an undocumented exception: {answer['error']}"
    if "MemoryError" in answer.get("error", ""):
        return f"an allocation past the {LIMIT_MB} MB cap (turned into: {answer['error']})"
    if outcome == "refused" and str(path) not in answer["error"]:
        return f"the error does not name the file: {answer['error']}"
    if answer["peak"] > PEAK_BYTES + PEAK_PER_FILE_BYTE * size:
        return f"peak allocation {answer['peak']} bytes for a file of {size} bytes"
    return None


def fuzz_kind(kind: str, seeds, worker, tmp_path_factory):
    files = seeds[kind]
    pieces = [b for group in seeds.values() for b in group]
    tmp = tmp_path_factory.mktemp(f"fuzz-{kind}")

    @fuzz_settings(ci_examples=60, long_examples=5000)
    @given(case=mutated(files, pieces))
    def fuzz(case):
        data, how = case
        path = tmp / f"{kind}.bin"
        path.write_bytes(data)
        answer = worker.load(kind, path)
        problem = judge(kind, path, answer)
        event(f"{kind}: {answer['outcome']}")
        note(f"{kind} file of {len(data)} bytes ({how}): {answer['outcome']} {answer.get('error', '')[:300]}")
        assert problem is None, f"{kind}: {problem}\nfile bytes: {data!r}"

    fuzz()


@pytest.mark.parametrize("kind", ["cifar", "idx", "pt", "safetensors", "checkpoint"])
def test_mutated_files_load_or_are_refused(kind, seeds, worker, tmp_path_factory):
    fuzz_kind(kind, seeds, worker, tmp_path_factory)


@pytest.mark.parametrize("kind", ["cifar", "idx", "pt", "safetensors", "checkpoint"])
def test_the_seeds_load(kind, seeds, worker, tmp_path):
    for i, data in enumerate(seeds[kind]):
        path = tmp_path / f"{kind}-{i}"
        path.write_bytes(data)
        answer = worker.load(kind, path)
        assert answer["outcome"] == "loaded", f"{kind} seed {i}: {answer}"


def test_the_judge_catches_what_it_should(worker, tmp_path):
    """A hang, a crash, an undocumented exception, a hidden MemoryError and an anonymous error all fail."""
    path = tmp_path / "f"
    path.write_bytes(b"x")
    assert "hung" in judge("idx", path, {"outcome": "hang", "error": ""})
    assert "crashed" in judge("idx", path, {"outcome": "crash", "error": "exit -11"})
    assert "undocumented" in judge("idx", path, {"outcome": "other", "error": "KeyError: 1"})
    assert "cap" in judge("idx", path, {"outcome": "refused", "error": f"{path}: MemoryError", "peak": 0})
    assert "name the file" in judge("idx", path, {"outcome": "refused", "error": "bad", "peak": 0})
    assert "peak" in judge("idx", path, {"outcome": "loaded", "peak": 1 << 30})
    assert judge("idx", path, {"outcome": "refused", "error": f"{path}: bad magic", "peak": 100}) is None
    # and the worker really reports an undocumented exception (a directory is not a file it can read)
    answer = worker.load("cifar", tmp_path)
    assert answer["outcome"] in ("other", "refused")


# ---------------------------------------------------------------------------- what the fuzzer found
def _central_entry(data: bytes, name: bytes) -> int:
    """The offset of ``name``'s entry in the zip's central directory (signature PK\\x01\\x02)."""
    at = data.rindex(name)
    return data.rindex(b"PK\x01\x02", 0, at)


def test_pt_entry_whose_size_field_exceeds_the_file_is_refused_before_reading(seeds, worker, tmp_path):
    """A 2 KB .pt whose central directory gives data.pkl a compressed size of 2**32 - 1: zipfile read that
    many bytes in one call, so the file object allocated 4 GB before finding the end (found as a 33 MB peak
    from one flipped bit). Refused now from the size field."""
    data = bytearray(seeds["pt"][0])
    entry = _central_entry(bytes(data), b"archive/data.pkl")
    data[entry + 20:entry + 24] = (2**32 - 1).to_bytes(4, "little")  # compressed size
    path = tmp_path / "big-entry.pt"
    path.write_bytes(bytes(data))
    answer = worker.load("pt", path)
    assert answer["outcome"] == "refused" and "beyond the end of the" in answer["error"], answer
    assert answer["peak"] < 1 << 20


def test_pt_entry_name_that_is_not_utf8_is_a_format_error(seeds, tmp_path):
    """zipfile decodes names flagged UTF-8 and raised a bare UnicodeDecodeError (not naming the file)."""
    import mytorch
    from mytorch._torch_format import FormatError

    data = bytearray(seeds["pt"][0])
    entry = _central_entry(bytes(data), b"archive/data.pkl")
    data[entry + 46 + len("archive/")] = 0x85  # a continuation byte where a name character should be
    path = tmp_path / "bad-name.pt"
    path.write_bytes(bytes(data))
    with pytest.raises(FormatError, match="bad-name.pt is not a valid PyTorch zip archive"):
        mytorch.load(path)


def _with_data_pkl(pt: bytes, pickled: bytes) -> bytes:
    """The archive ``pt`` with its data.pkl entry replaced by ``pickled`` (every other entry as it was)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(pt)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, pickled if info.filename.endswith("/data.pkl") else src.read(info))
    return out.getvalue()


@pytest.mark.parametrize("name, pickled", [
    # BINBYTES declaring 2**31 bytes: C's unpickler allocated the declared length before reading (a flipped byte in
    # a 1323-byte archive asked for 671 MB, found by the long profile)
    ("counted-bytes", b"\x80\x02B" + (2**31).to_bytes(4, "little") + b"xx."),
    ("counted-unicode", b"\x80\x02X" + (2**31).to_bytes(4, "little") + b"xx."),
    # LONG_BINPUT with index 2**32 - 1: the memo table grows to twice the index
    ("memo-index", b"\x80\x02]r" + (2**32 - 1).to_bytes(4, "little") + b"."),
], ids=["counted-bytes", "counted-unicode", "memo-index"])
def test_pt_pickle_with_a_length_or_memo_index_past_its_size_is_refused_before_allocating(
        seeds, worker, tmp_path, name, pickled):
    path = tmp_path / f"{name}.pt"
    path.write_bytes(_with_data_pkl(seeds["pt"][0], pickled))
    answer = worker.load("pt", path)
    assert answer["outcome"] == "refused" and str(path) in answer["error"], answer
    assert answer["peak"] < 1 << 20, answer


def test_the_pickle_scan_admits_what_save_writes(tmp_path):
    """The pre-scan passes every opcode mytorch.save and torch.save write (memo indices, frames, tensors)."""
    import torch

    import mytorch

    obj = {"w": mytorch.randn(3, 4), "names": ["a", "b"] * 300, "nested": {"k": (1, 2.5, None, True)}}
    mytorch.save(obj, tmp_path / "ours.pt")
    back = mytorch.load(tmp_path / "ours.pt")
    assert back["names"] == obj["names"] and np.array_equal(back["w"].numpy(), obj["w"].numpy())
    torch.save({"t": torch.arange(6.0).reshape(2, 3), "memo": [torch.ones(2)] * 3}, tmp_path / "theirs.pt")
    assert mytorch.load(tmp_path / "theirs.pt")["t"].tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
