"""The CLI against hostile files and careless flags (issue 13, items 3, 6 and 9): every case is one
line on stderr, exit status 2 (1 for training that diverges), no traceback, and not one byte of the
output directory changed. Everything is built at test time on a tiny random MNIST-format dataset."""

from __future__ import annotations

import json
import os
import pickle
import stat
import struct
import subprocess
import sys

import numpy as np
import pytest
import safetensors.numpy

from mytorch.cli import main
from mytorch.datasets.idx import write_idx
from mytorch.train.checkpoint import _META_CRC, _crc, _meta_crc

LAST = "checkpoint-last.safetensors"


def write_mnist(root, n_train=120, n_test=60, size=(28, 28), test_size=None, seed=0):
    rng = np.random.default_rng(seed)
    root.mkdir(parents=True, exist_ok=True)
    for prefix, n, shape in (("train", n_train, size), ("t10k", n_test, test_size or size)):
        write_idx(root / f"{prefix}-images-idx3-ubyte", rng.integers(0, 256, (n, *shape), dtype=np.uint8))
        write_idx(root / f"{prefix}-labels-idx1-ubyte", rng.integers(0, 10, n).astype(np.uint8))
    return root


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return write_mnist(tmp_path_factory.mktemp("mnist-tiny"))


TRAIN = ("--dataset", "mnist", "--model", "mlp", "--hidden", "8", "--batch-size", "40", "--quiet")


def snapshot(path):
    """Every file's bytes and mode, every link's target, every directory: what 'nothing touched' compares."""
    if not os.path.exists(path):
        return None
    out = {}
    for dirpath, _, filenames in os.walk(path):
        out[os.path.relpath(dirpath, path) + "/"] = None
        for name in filenames:
            p = os.path.join(dirpath, name)
            if os.path.islink(p):  # a link is compared by where it points (it may lead nowhere)
                out[os.path.relpath(p, path)] = ("link", os.readlink(p))
                continue
            with open(p, "rb") as f:
                out[os.path.relpath(p, path)] = (f.read(), os.stat(p).st_mode)
    return out


def refused(capsys, argv, out_dir, status=2):
    """Run the CLI in this process; assert the exit status, one error line, and an untouched out_dir."""
    before = snapshot(out_dir)
    code = main([str(a) for a in argv])
    err = capsys.readouterr().err.strip()
    assert code == status, err
    assert "Traceback" not in err and err.startswith("mytorch "), err
    assert len(err.splitlines()) == 1 or "missing" in err, err
    assert snapshot(out_dir) == before, f"{out_dir} changed"
    return err


@pytest.fixture(scope="module")
def good_run(data, tmp_path_factory):
    out = tmp_path_factory.mktemp("good") / "run"
    assert main(["train", "--data-dir", str(data), "--out", str(out), "--epochs", "1", *TRAIN]) == 0
    return out


def copy_run(good_run, tmp_path):
    out = tmp_path / "run"
    out.mkdir(parents=True)
    for name in os.listdir(good_run):
        (out / name).write_bytes((good_run / name).read_bytes())
    return out


# ------------------------------------------------------------------ flags
BAD_FLAGS = {
    "--seed -1": ["--seed", "-1"],
    "--seed 2**64": ["--seed", str(2**64)],
    "--hidden 0": ["--hidden", "0"],
    "--hidden 16,-4": ["--hidden", "16,-4"],
    "--hidden 0,16": ["--hidden", "0,16"],
    "--hidden ,": ["--hidden", ","],
    "--hidden abc": ["--hidden", "abc"],
    "--hidden 1e3": ["--hidden", "1e3"],
    "--hidden 100000": ["--hidden", "100000"],
    "--hidden 60000,60000": ["--hidden", "60000,60000"],
    "--hidden huge": ["--hidden", "9" * 40],
    "--lr -1": ["--lr", "-1"],
    "--lr nan": ["--lr", "nan"],
    "--lr inf": ["--lr", "inf"],
    "--weight-decay -1": ["--weight-decay", "-1"],
    "--momentum with adam": ["--momentum", "0.9"],
    "--dropout-input 1.5": ["--dropout-input", "1.5"],
    "--dropout-hidden -0.1": ["--dropout-hidden", "-0.1"],
    "mlp-resnet --hidden 1": ["--model", "mlp-resnet", "--hidden", "1"],
    "mlp-resnet --hidden 16,16": ["--model", "mlp-resnet", "--hidden", "16,16"],
    "mlp0 --hidden 8": ["--model", "mlp0", "--hidden", "8"],
}


@pytest.mark.parametrize("case", list(BAD_FLAGS))
def test_bad_flags_are_one_line_and_touch_nothing(capsys, data, tmp_path, case):
    argv = ["train", "--data-dir", data, "--out", tmp_path / "run", "--epochs", "1", *TRAIN, *BAD_FLAGS[case]]
    refused(capsys, argv, tmp_path / "run")
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("argv", [["--epochs", "0"], ["--batch-size", "-3"], ["--threads", "0"], ["--subset", "x"]])
def test_argparse_refusals_exit_2(capsys, data, tmp_path, argv):
    with pytest.raises(SystemExit) as info:
        main(["train", "--data-dir", str(data), "--out", str(tmp_path / "run"), *argv])
    assert info.value.code == 2 and "Traceback" not in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


# ------------------------------------------------------------------ data files
DATA_DAMAGE = {
    "garbage images": lambda r: (r / "train-images-idx3-ubyte").write_bytes(b"garbage" * 10),
    "truncated images": lambda r: (r / "train-images-idx3-ubyte").write_bytes(
        (r / "train-images-idx3-ubyte").read_bytes()[:1000]),
    "count mismatch": lambda r: write_idx(r / "train-labels-idx1-ubyte", np.zeros(7, np.uint8)),
    "label 200": lambda r: write_idx(r / "train-labels-idx1-ubyte", np.full(120, 200, np.uint8)),
    "empty split": lambda r: [write_idx(r / "t10k-images-idx3-ubyte", np.zeros((0, 28, 28), np.uint8)),
                              write_idx(r / "t10k-labels-idx1-ubyte", np.zeros(0, np.uint8))],
    "0x0 images": lambda r: write_idx(r / "train-images-idx3-ubyte", np.zeros((120, 0, 0), np.uint8)),
    "splits of different sizes": lambda r: write_mnist(r, test_size=(20, 20)),
    "float labels": lambda r: write_idx(r / "train-labels-idx1-ubyte", np.zeros(120, np.float32)),
    "a directory for a file": lambda r: [os.unlink(r / "t10k-images-idx3-ubyte"),
                                         os.mkdir(r / "t10k-images-idx3-ubyte")],
    "gzip garbage": lambda r: [os.unlink(r / "train-images-idx3-ubyte"),
                               (r / "train-images-idx3-ubyte.gz").write_bytes(b"\x1f\x8b\x08\x00" + b"\x00" * 40)],
}


@pytest.mark.parametrize("case", list(DATA_DAMAGE))
def test_bad_data_files_are_one_line(capsys, tmp_path, case):
    root = write_mnist(tmp_path / "data", seed=hash(case) % 1000)
    DATA_DAMAGE[case](root)
    err = refused(capsys, ["train", "--data-dir", root, "--out", tmp_path / "run", "--epochs", "1", *TRAIN],
                  tmp_path / "run")
    assert "dataset mnist" in err
    assert not (tmp_path / "run").exists()


# ------------------------------------------------------------------ damaged checkpoints
def _meta_edit(edit):
    def damage(path):
        arrays = safetensors.numpy.load_file(str(path))
        from safetensors import safe_open

        with safe_open(str(path), framework="numpy") as f:
            meta = json.loads(f.metadata()["mytorch"])
        edit(meta, arrays)
        if isinstance(meta, dict) and _META_CRC in meta:  # a consistent file: the crafted value itself is tested
            meta[_META_CRC] = _meta_crc(meta)
        safetensors.numpy.save_file(arrays, str(path), metadata={"mytorch": json.dumps(meta)})
    return damage


def _set(keys, value):
    def edit(meta, arrays):
        target = meta
        for k in keys[:-1]:
            target = target[k]
        target[keys[-1]] = value
    return _meta_edit(edit)


def _nan_weight(meta, arrays):
    key = next(k for k in arrays if k.startswith("model/") and arrays[k].dtype.kind == "f")
    arrays[key] = arrays[key].copy()
    arrays[key].flat[0] = np.nan
    meta["checksums"][key] = _crc(arrays[key])


def _other_architecture(meta, arrays):
    meta["config"]["hidden"] = [9]
    for k in list(arrays):
        if k.startswith("model/"):
            arrays[k] = np.zeros((3,) + arrays[k].shape[1:], arrays[k].dtype)
            meta["checksums"][k] = _crc(arrays[k])


def _cut(fraction):
    def damage(path):
        data = path.read_bytes()
        path.write_bytes(data[: int(len(data) * fraction)])
    return damage


def _flip(where):
    def damage(path):
        data = bytearray(path.read_bytes())
        header = struct.unpack("<Q", bytes(data[:8]))[0]
        offset = {"size": 3, "header": 8 + header // 3, "header end": 8 + header - 2, "weights": 8 + header + 5,
                  "last byte": len(data) - 1}[where]
        data[offset] ^= 0x55
        path.write_bytes(bytes(data))
    return damage


CHECKPOINT_DAMAGE = {
    **{f"truncated to {f:.0%}": _cut(f) for f in (0, 0.001, 0.01, 0.3, 0.6, 0.99)},
    **{f"flipped byte in {w}": _flip(w) for w in ("size", "header", "header end", "weights", "last byte")},
    "not safetensors": lambda p: p.write_bytes(b"PK\x03\x04 a zip file"),
    "epoch -1": _set(["epoch"], -1),
    "epoch 1.5": _set(["epoch"], 1.5),
    "epoch '1'": _set(["epoch"], "1"),
    "epoch beyond history": _set(["epoch"], 7),
    "history rows wrong": _set(["history"], [{"epoch": 3}]),
    "history a dict": _set(["history"], {"a": 1}),
    "lr -1 in the config": _set(["config", "lr"], -1),
    "unknown model": _set(["config", "model"], "resnet9000"),
    "hidden 0": _set(["config", "hidden"], [0]),
    "unknown config key": _set(["config", "evil"], 1),
    "seed a string": _set(["config", "seed"], "x"),
    "config a list": _set(["config"], [1]),
    "lr -1 in the optimizer": _set(["optimizer", "param_groups", 0, "lr"], -1),
    "lr a string": _set(["optimizer", "param_groups", 0, "lr"], "fast"),
    "betas wrong": _set(["optimizer", "param_groups", 0, "betas"], "x"),
    "param ids wrong": _set(["optimizer", "param_groups", 0, "params"], [0]),
    "scalars garbage": _set(["optimizer", "scalars"], {"x": 1}),
    "rng garbage": _set(["rng"], {"seed": 1, "bit_generator": {"x": 1}}),
    "checksums removed": _meta_edit(lambda m, a: m.pop("checksums")),
    "format unknown": _set(["format"], "mytorch-checkpoint/99"),
    "NaN weights": _meta_edit(_nan_weight),
    "other architecture": _meta_edit(_other_architecture),
}
# Damage the evaluate command does not look at (it reads only the weights and the config).
TRAIN_ONLY = {"epoch beyond history", "history rows wrong", "lr -1 in the optimizer", "lr a string", "betas wrong",
              "param ids wrong", "scalars garbage", "rng garbage", "NaN weights"}


@pytest.mark.parametrize("case", list(CHECKPOINT_DAMAGE))
def test_resume_from_a_damaged_checkpoint(capsys, data, good_run, tmp_path, case):
    out = copy_run(good_run, tmp_path)
    CHECKPOINT_DAMAGE[case](out / LAST)
    err = refused(capsys, ["train", "--data-dir", data, "--out", out, "--epochs", "2", "--resume", *TRAIN], out)
    assert "resume" in err or LAST in err


@pytest.mark.parametrize("case", [c for c in CHECKPOINT_DAMAGE if c not in TRAIN_ONLY or c == "NaN weights"])
def test_evaluate_a_damaged_checkpoint(capsys, data, good_run, tmp_path, case):
    out = copy_run(good_run, tmp_path)
    CHECKPOINT_DAMAGE[case](out / LAST)
    err = refused(capsys, ["evaluate", "--checkpoint", out / LAST, "--data-dir", data], out)
    assert LAST in err
    if case == "NaN weights":
        assert "non-finite weights" in err


# ------------------------------------------------------------------ resume / output directory misuse
def test_resume_misuse(capsys, data, good_run, tmp_path):
    args = ["--data-dir", data, "--epochs", "2", *TRAIN]
    empty = tmp_path / "killed-before-config"
    empty.mkdir()
    assert "does not exist (nothing to resume" in refused(capsys, ["train", "--out", empty, "--resume", *args], empty)
    for content, message in [(b"", "cannot read"), (b"{garbled", "cannot read"), (b"[1, 2]", "does not hold a run"),
                             (b"\xff\xfe", "cannot read")]:
        out = copy_run(good_run, tmp_path / f"c{len(content)}{content[:1].hex()}")
        (out / "config.json").write_bytes(content)
        assert message in refused(capsys, ["train", "--out", out, "--resume", *args], out)
    out = copy_run(good_run, tmp_path / "other-config")
    assert "differs" in refused(capsys, ["train", "--out", out, "--resume", *args, "--seed", "3"], out)
    assert "already holds a run" in refused(capsys, ["train", "--out", out, *args], out)


def test_read_only_checkpoint_is_not_replaced(capsys, data, good_run, tmp_path):
    out = copy_run(good_run, tmp_path)
    os.chmod(out / LAST, stat.S_IRUSR | stat.S_IRGRP)
    err = refused(capsys, ["train", "--data-dir", data, "--out", out, "--epochs", "2", "--resume", *TRAIN], out)
    assert "read-only" in err and LAST in err
    plain_file = tmp_path / "a-file"
    plain_file.write_bytes(b"x")
    err = refused(capsys, ["train", "--data-dir", data, "--out", plain_file / "run", "--epochs", "1", *TRAIN],
                  plain_file)
    assert "is not a directory" in err


def test_resume_into_a_run_killed_before_its_first_checkpoint_starts_over(capsys, data, good_run, tmp_path):
    out = copy_run(good_run, tmp_path)
    for name in os.listdir(out):
        if name != "config.json":
            os.unlink(out / name)
    assert main(["train", "--data-dir", str(data), "--out", str(out), "--epochs", "1", "--resume", *TRAIN]) == 0
    assert (out / LAST).is_file()


@pytest.mark.parametrize("kind", ["dangling", "loop"])
@pytest.mark.parametrize("resume", [True, False])
def test_a_checkpoint_link_that_leads_nowhere_is_refused_and_kept(capsys, data, good_run, tmp_path, kind, resume):
    """checkpoint-last as a link to an unmounted share (dangling) or a link loop: one line naming it, nothing
    changed (before: --resume started over silently and replaced the link)."""
    out = copy_run(good_run, tmp_path)
    os.unlink(out / LAST)
    if kind == "dangling":
        os.symlink(tmp_path / "unmounted-share" / LAST, out / LAST)
    else:
        os.symlink(out / "loop-b", out / LAST)
        os.symlink(out / LAST, out / "loop-b")
    argv = ["train", "--data-dir", data, "--out", out, "--epochs", "2", *TRAIN] + (["--resume"] if resume else [])
    err = refused(capsys, argv, out)
    assert str(out / LAST) in err
    assert ("symbolic link loop" if kind == "loop" else "dangling symbolic link") in err


def test_a_lab_cell_does_not_clear_a_run_whose_checkpoint_link_dangles(data, good_run, tmp_path):
    """The lab resumes a cell when checkpoint-last is there -- as a dangling link too -- so run() refuses it
    before the cell removes its stale files."""
    from mytorch.lab.cell import run_cell
    from mytorch.train.recipe import RecipeError

    out = copy_run(good_run, tmp_path)
    os.unlink(out / LAST)
    os.symlink(tmp_path / "gone" / LAST, out / LAST)
    before = snapshot(out)
    config = json.loads((out / "config.json").read_text())
    config = {k: v for k, v in config.items() if k != "title"}
    with pytest.raises(RecipeError, match="dangling symbolic link"):
        run_cell("cell", config, str(out), data_dir=str(data), download=False, executor={})
    after = snapshot(out)
    after.pop(".lock", None)  # the cell's lock file (empty), the one thing a cell always creates
    assert after == before


def test_config_json_is_written_atomically(data, tmp_path, monkeypatch):
    """config.json goes through atomic_write: a crash while writing it leaves no empty file behind."""
    import mytorch.serialization as serialization

    calls = []
    real = serialization.atomic_write
    monkeypatch.setattr("mytorch.train.recipe.atomic_write", lambda p, d: calls.append(p) or real(p, d))
    assert main(["train", "--data-dir", str(data), "--out", str(tmp_path / "run"), "--epochs", "1", *TRAIN]) == 0
    assert tmp_path / "run" / "config.json" in calls
    assert json.loads((tmp_path / "run" / "config.json").read_text())["model"] == "mlp"


# ------------------------------------------------------------------ in a real subprocess
def cli(*args):
    return subprocess.run([sys.executable, "-m", "mytorch", *map(str, args)], capture_output=True, text=True,
                          timeout=300)


def _cifar_batch_with_far_field(offset: int) -> bytes:
    """The issue's segfault: labels whose dtype puts a field 256 MiB outside each 1-byte item."""
    recon = np.empty(0).__reduce__()[0]

    class R:
        def __init__(self, fn, args, state):
            self.fn, self.args, self.state = fn, args, state

        def __reduce__(self):
            return self.fn, self.args, self.state

    dtype = R(np.dtype, ("V1", False, True), (3, "|", None, ("f0",), {"f0": (np.dtype("u1"), offset)}, 1, 1, 16))
    labels = R(recon, (np.ndarray, (0,), b"b"), (1, (10,), dtype, False, b"\0" * 10))
    return pickle.dumps({b"data": np.zeros((10, 3072), np.uint8), b"labels": labels}, protocol=4)


def test_subprocess_no_traceback_for_hostile_cifar_and_damaged_checkpoint(data, good_run, tmp_path):
    folder = tmp_path / "cifar" / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    for name in ["data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5", "test_batch"]:
        (folder / name).write_bytes(_cifar_batch_with_far_field(256 << 20))
    r = cli("train", "--dataset", "cifar10", "--data-dir", tmp_path / "cifar", "--out", tmp_path / "run", "--quiet")
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    assert "refusing NumPy dtype" in r.stderr and not (tmp_path / "run").exists()
    out = copy_run(good_run, tmp_path / "c")
    _cut(0.5)(out / LAST)
    before = snapshot(out)
    r = cli("train", "--data-dir", data, "--out", out, "--epochs", "2", "--resume", *TRAIN)
    assert r.returncode == 2 and "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    r = cli("evaluate", "--checkpoint", out / LAST, "--data-dir", data)
    assert r.returncode == 2 and "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert snapshot(out) == before


def test_huge_learning_rate_never_leaves_a_non_finite_checkpoint(data, tmp_path):
    from mytorch.train import load_checkpoint
    from mytorch.train.checkpoint import find_non_finite

    out = tmp_path / "run"
    r = cli("train", "--data-dir", data, "--out", out, "--epochs", "2", "--dataset", "mnist", "--model",
            "mlp-resnet", "--hidden", "16", "--lr", "1e10", "--optimizer", "sgd", "--quiet")
    assert r.returncode == 1 and "training stopped" in r.stderr and "Traceback" not in r.stderr, r.stderr
    if (out / LAST).exists():
        assert find_non_finite(load_checkpoint(out / LAST).model) == []
