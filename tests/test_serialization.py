"""``mytorch.save`` / ``mytorch.load`` against real ``torch.save`` / ``torch.load``, both ways."""

from __future__ import annotations

import io
import os
import pickle
import stat
import zipfile
from collections import OrderedDict

import numpy as np
import pytest
import torch

import mytorch
from mytorch import nn


def _np(t):
    return t.detach().numpy()


def _same(a, b) -> None:
    """A mytorch tensor and a torch tensor with the same shape, dtype name and bits."""
    assert tuple(a.shape) == tuple(b.shape)
    assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1]
    np.testing.assert_array_equal(_np(a), _np(b))


# ---------------------------------------------------------------- mytorch writes, torch reads
def test_torch_load_reads_what_mytorch_saves(tmp_path):
    mytorch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    tensors = {
        "f32": mytorch.randn(2, 3),
        "f64": mytorch.randn(3, dtype=mytorch.float64),
        "f16": mytorch.tensor([0.5, -2.0], dtype=mytorch.float16),
        "i64": mytorch.arange(6).reshape(2, 3),
        "i32": mytorch.tensor([1, -2], dtype=mytorch.int32),
        "u8": mytorch.tensor([0, 255], dtype=mytorch.uint8),
        "bool": mytorch.tensor([True, False]),
        "scalar": mytorch.tensor(3.25),
        "empty": mytorch.zeros(0, 3),
        "transposed": mytorch.randn(3, 5).t(),
    }
    obj = {
        "model": model.state_dict(),
        "tensors": tensors,
        "nested": [1, 2.5, "text", None, True, (mytorch.ones(2), {"deep": [mytorch.zeros(1)]})],
        "big": 2**70,
        "negative": -(2**40),
        "size": mytorch.zeros(2, 3).shape,
    }
    path = tmp_path / "mine.pt"
    mytorch.save(obj, path)
    theirs = torch.load(path)  # weights_only=True, torch's default
    assert isinstance(theirs["model"], OrderedDict) and list(theirs["model"]) == list(model.state_dict())
    for k, v in model.state_dict().items():
        _same(v, theirs["model"][k])
    for k, v in tensors.items():
        _same(v, theirs["tensors"][k])
    assert theirs["nested"][:5] == [1, 2.5, "text", None, True]
    _same(obj["nested"][5][0], theirs["nested"][5][0])
    assert isinstance(theirs["nested"][5], tuple)
    assert theirs["big"] == 2**70 and theirs["negative"] == -(2**40)
    assert theirs["size"] == torch.Size([2, 3]) and isinstance(theirs["size"], torch.Size)
    # and torch's memory-mapped reader agrees (our storages are 64-byte aligned as PyTorch's)
    mapped = torch.load(path, mmap=True)
    _same(tensors["f32"], mapped["tensors"]["f32"])


def test_mytorch_reads_back_what_it_saves_numbers_as_numbers(tmp_path):
    obj = {"epoch": 7, "lr": 0.125, "name": "run", "none": None, "t": mytorch.tensor([1.0, 2.0], requires_grad=True)}
    mytorch.save(obj, tmp_path / "x.pt")
    back = mytorch.load(tmp_path / "x.pt")
    assert back["epoch"] == 7 and type(back["epoch"]) is int
    assert back["lr"] == 0.125 and type(back["lr"]) is float
    assert back["name"] == "run" and back["none"] is None
    assert back["t"].requires_grad and back["t"].tolist() == [1.0, 2.0]


def test_file_objects_work_both_ways():
    buf = io.BytesIO()
    mytorch.save({"w": mytorch.ones(2, 2)}, buf)
    buf.seek(0)
    assert torch.load(buf)["w"].tolist() == [[1.0, 1.0], [1.0, 1.0]]
    buf = io.BytesIO()
    torch.save({"w": torch.full((2,), 3.0)}, buf)
    buf.seek(0)
    assert mytorch.load(buf)["w"].tolist() == [3.0, 3.0]


# ---------------------------------------------------------------- torch writes, mytorch reads
def test_mytorch_loads_what_torch_saves(tmp_path):
    base = torch.arange(20, dtype=torch.float64)
    obj = {
        "sd": torch.nn.Linear(3, 2).state_dict(),
        "view": base[2:14:3],  # a strided view with a storage offset: torch stores the whole storage
        "same_storage": base,
        "t": torch.randn(3, 4).t(),
        "param": torch.nn.Parameter(torch.ones(2)),
        "size": torch.Size([4, 5]),
        "ints": torch.tensor([[1, 2], [3, 4]], dtype=torch.int32),
        "half": torch.tensor([1.5, -0.25], dtype=torch.float16),
        "n": 3,
        "f": 0.5,
        "lst": [torch.zeros(()), "s", None],
    }
    torch.save(obj, tmp_path / "theirs.pt")
    ours = mytorch.load(tmp_path / "theirs.pt")
    for k, v in obj["sd"].items():
        _same(ours["sd"][k], v)
    for key in ("view", "same_storage", "t", "ints", "half"):
        _same(ours[key], obj[key])
    assert ours["param"].requires_grad and ours["param"].tolist() == [1.0, 1.0]
    assert ours["size"] == (4, 5) and isinstance(ours["size"], mytorch.Size)
    assert ours["n"] == 3 and ours["f"] == 0.5
    _same(ours["lst"][0], obj["lst"][0])
    assert ours["lst"][1:] == ["s", None]


def test_map_location(tmp_path):
    torch.save({"w": torch.ones(1)}, tmp_path / "w.pt")
    for loc in (None, "cpu", mytorch.device("cpu"), {"cuda:0": "cpu"}, lambda storage, loc: storage):
        assert mytorch.load(tmp_path / "w.pt", map_location=loc)["w"].tolist() == [1.0]
    with pytest.raises(RuntimeError, match="no CUDA backend"):
        mytorch.load(tmp_path / "w.pt", map_location="cuda")
    with pytest.raises(TypeError, match="map_location must be"):
        mytorch.load(tmp_path / "w.pt", map_location=3.5)


# ---------------------------------------------------------------- training resumes on the other side
def _mytorch_mlp():
    return nn.Sequential(nn.Linear(6, 8), nn.Tanh(), nn.Linear(8, 3)).double()


def _torch_mlp():
    return torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3)).double()


_OPTIMIZERS = {
    "adam": (lambda p: mytorch.optim.Adam(p, lr=0.01, weight_decay=0.01),
             lambda p: torch.optim.Adam(p, lr=0.01, weight_decay=0.01)),
    "sgd_momentum": (lambda p: mytorch.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True),
                     lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True)),
}


def _batches(seed: int, n: int):
    rng = np.random.default_rng(seed)
    return [(rng.standard_normal((16, 6)), rng.integers(0, 3, 16)) for _ in range(n)]


def _mytorch_step(model, opt, batch) -> None:
    x, y = batch
    opt.zero_grad()
    nn.functional.cross_entropy(model(mytorch.tensor(x)), mytorch.tensor(y)).backward()
    opt.step()


def _torch_step(model, opt, batch) -> None:
    x, y = batch
    opt.zero_grad()
    torch.nn.functional.cross_entropy(model(torch.tensor(x)), torch.tensor(y)).backward()
    opt.step()


@pytest.mark.parametrize("name", sorted(_OPTIMIZERS))
def test_checkpoint_from_mytorch_resumes_in_torch(tmp_path, name):
    make_ours, make_theirs = _OPTIMIZERS[name]
    mytorch.manual_seed(1)
    ours = _mytorch_mlp()
    opt = make_ours(ours.parameters())
    batches = _batches(0, 5)
    for b in batches[:4]:
        _mytorch_step(ours, opt, b)
    mytorch.save({"model": ours.state_dict(), "optimizer": opt.state_dict(), "epoch": 4}, tmp_path / "ckpt.pt")

    ck = torch.load(tmp_path / "ckpt.pt")
    assert ck["epoch"] == 4
    theirs = _torch_mlp()
    theirs.load_state_dict(ck["model"])
    topt = make_theirs(theirs.parameters())
    topt.load_state_dict(ck["optimizer"])
    _torch_step(theirs, topt, batches[4])
    _mytorch_step(ours, opt, batches[4])
    for a, b in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_allclose(_np(a), _np(b), rtol=0, atol=1e-12)


@pytest.mark.parametrize("name", sorted(_OPTIMIZERS))
def test_checkpoint_from_torch_resumes_in_mytorch(tmp_path, name):
    make_ours, make_theirs = _OPTIMIZERS[name]
    torch.manual_seed(2)
    theirs = _torch_mlp()
    topt = make_theirs(theirs.parameters())
    batches = _batches(1, 5)
    for b in batches[:4]:
        _torch_step(theirs, topt, b)
    torch.save({"model": theirs.state_dict(), "optimizer": topt.state_dict()}, tmp_path / "ckpt.pt")

    ck = mytorch.load(tmp_path / "ckpt.pt")
    ours = _mytorch_mlp()
    ours.load_state_dict(ck["model"])
    opt = make_ours(ours.parameters())
    opt.load_state_dict(ck["optimizer"])
    _mytorch_step(ours, opt, batches[4])
    _torch_step(theirs, topt, batches[4])
    for a, b in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_allclose(_np(a), _np(b), rtol=0, atol=1e-12)


# ---------------------------------------------------------------- whole objects and safety
def test_a_whole_module_round_trips_with_weights_only_false(tmp_path):
    mytorch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 2), nn.ReLU())
    mytorch.save(model, tmp_path / "model.pt")
    with pytest.raises(pickle.UnpicklingError, match="weights_only=False"):
        mytorch.load(tmp_path / "model.pt")
    back = mytorch.load(tmp_path / "model.pt", weights_only=False)
    assert isinstance(back, nn.Sequential) and isinstance(back[0].weight, nn.Parameter)
    assert back[0].weight.requires_grad
    x = mytorch.randn(4, 3)
    np.testing.assert_array_equal(back(x).detach().numpy(), model(x).detach().numpy())


class _Evil:
    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def _zip_with_pickle(path, payload: bytes) -> None:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("archive/data.pkl", payload)
        zf.writestr("archive/byteorder", b"little")
        zf.writestr("archive/version", b"3\n")


def test_a_malicious_pt_file_does_not_run_code(tmp_path):
    marker = tmp_path / "pwned"
    _zip_with_pickle(tmp_path / "evil.pt", pickle.dumps({"w": _Evil(str(marker))}, protocol=2))
    with pytest.raises(pickle.UnpicklingError, match=r"refused the global (posix|os)\.system"):
        mytorch.load(tmp_path / "evil.pt")
    assert not marker.exists()
    # a bare pickle (not an archive) is not even unpickled
    (tmp_path / "evil.pkl").write_bytes(pickle.dumps(_Evil(str(marker))))
    with pytest.raises(ValueError, match="neither a PyTorch .pt archive nor a safetensors file"):
        mytorch.load(tmp_path / "evil.pkl")
    assert not marker.exists()


def test_a_pt_file_cannot_modify_what_it_may_name(tmp_path):
    """BUILD sets attributes on the object before it: it must not reach the shared admitted objects."""
    targets = [b"ctorch\nfloat32\n", b"ctorch\nFloatStorage\n", b"ctorch._utils\n_rebuild_tensor_v2\n",
               b"ctorch\ndevice\n", b"ccollections\nOrderedDict\n"]
    for i, target in enumerate(targets):
        # target, then BUILD with (None, {"_np": 1}): setattr(target, "_np", 1) if it were allowed
        payload = b"\x80\x02" + target + b"N}X\x03\x00\x00\x00_npK\x01s\x86b."
        _zip_with_pickle(tmp_path / f"tamper{i}.pt", payload)
        with pytest.raises((pickle.UnpicklingError, TypeError), match="modif|attribute|immutable"):
            mytorch.load(tmp_path / f"tamper{i}.pt")
    assert str(mytorch.float32) == "mytorch.float32" and mytorch.zeros(1).dtype == mytorch.float32
    torch.save({"w": torch.ones(2)}, tmp_path / "ok.pt")
    assert mytorch.load(tmp_path / "ok.pt")["w"].tolist() == [1.0, 1.0]


def test_damaged_files_give_clear_errors(tmp_path):
    mytorch.save({"w": mytorch.ones(1000)}, tmp_path / "good.pt")
    data = (tmp_path / "good.pt").read_bytes()
    (tmp_path / "cut.pt").write_bytes(data[: len(data) // 2])
    with pytest.raises((ValueError, pickle.UnpicklingError), match="cut.pt"):
        mytorch.load(tmp_path / "cut.pt")
    # a storage shorter than its tensor
    with zipfile.ZipFile(tmp_path / "short.pt", "w") as zf, zipfile.ZipFile(tmp_path / "good.pt") as good:
        for info in good.infolist():
            body = good.read(info.filename)
            zf.writestr(info.filename, body[:8] if info.filename.endswith("data/0") else body)
    with pytest.raises(pickle.UnpicklingError, match="holds 8 bytes, but 1000 elements"):
        mytorch.load(tmp_path / "short.pt")
    with pytest.raises(FileNotFoundError, match="no such file"):
        mytorch.load(tmp_path / "missing.pt")
    with zipfile.ZipFile(tmp_path / "bomb.pt", "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("archive/data.pkl", bytes(10_000_000))  # 10 MB of zeros deflate to ~10 kB
    with pytest.raises(ValueError, match="inflates 10000000 bytes from .*refused"):
        mytorch.load(tmp_path / "bomb.pt")


def test_format_is_told_by_content_not_suffix(tmp_path):
    mytorch.save({"w": mytorch.ones(2)}, tmp_path / "a.safetensors")  # safetensors by its suffix
    os.rename(tmp_path / "a.safetensors", tmp_path / "a.pt")
    assert mytorch.load(tmp_path / "a.pt")["w"].tolist() == [1.0, 1.0]
    mytorch.save({"w": mytorch.zeros(2)}, tmp_path / "b.pt")
    os.rename(tmp_path / "b.pt", tmp_path / "b.bin")
    assert mytorch.load(tmp_path / "b.bin")["w"].tolist() == [0.0, 0.0]
    mytorch.save({"w": mytorch.zeros(2)}, tmp_path / "c.pt", metadata={"a": "b"})  # metadata: safetensors
    assert mytorch.serialization.load_arrays(tmp_path / "c.pt")[1] == {"a": "b"}
    with pytest.raises(TypeError, match="metadata= is stored only in safetensors"):
        mytorch.save({"w": mytorch.zeros(2)}, io.BytesIO(), metadata={"a": "b"})


def test_files_get_the_umask_mode_and_writes_are_atomic(tmp_path):
    old = os.umask(0o027)
    try:
        mytorch.save({"w": mytorch.ones(2)}, tmp_path / "m.pt")
        mytorch.save({"w": mytorch.ones(2)}, tmp_path / "m.safetensors")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "m.pt").st_mode) == 0o640
    assert stat.S_IMODE(os.stat(tmp_path / "m.safetensors").st_mode) == 0o640
    os.chmod(tmp_path / "m.pt", 0o600)  # an existing file keeps its mode when overwritten
    mytorch.save({"w": mytorch.zeros(2)}, tmp_path / "m.pt")
    assert stat.S_IMODE(os.stat(tmp_path / "m.pt").st_mode) == 0o600
    with pytest.raises(TypeError, match="cannot be stored"):  # a failed save leaves the old file intact
        _save_unstorable(tmp_path / "m.pt")
    assert mytorch.load(tmp_path / "m.pt")["w"].tolist() == [0.0, 0.0]
    assert sorted(os.listdir(tmp_path)) == ["m.pt", "m.safetensors"]


def _save_unstorable(path) -> None:
    class NotPicklable:
        def __reduce__(self):
            raise TypeError("this object cannot be stored")

    mytorch.save({"w": mytorch.ones(3), "x": NotPicklable()}, path)


def test_overlapping_strides_cannot_turn_a_tiny_file_into_a_giant_tensor(tmp_path):
    """torch.save keeps an expanded tensor's stride 0: 4 stored bytes can declare 2**30 elements. Small expansions
    load (as copies); one that would allocate gigabytes is refused before anything is allocated."""
    small = torch.zeros(1).expand(1000)
    torch.save(small, tmp_path / "small.pt")
    assert mytorch.load(tmp_path / "small.pt").shape == (1000,)
    torch.save(torch.zeros(1).expand(2**30), tmp_path / "bomb.pt")
    assert (tmp_path / "bomb.pt").stat().st_size < 10_000
    with pytest.raises(pickle.UnpicklingError, match="bomb.pt: .*would expand 1 stored elements to 1073741824"):
        mytorch.load(tmp_path / "bomb.pt")
