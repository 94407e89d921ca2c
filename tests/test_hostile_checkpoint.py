"""Damaged checkpoints (issue 13, items 4 and 6), built at test time from a real one: every damage
is a ValueError naming the file (and the key), never a traceback from deep inside; non-finite
weights are never written as a checkpoint."""

from __future__ import annotations

import copy
import json
import struct

import numpy as np
import pytest
import safetensors.numpy

import mytorch
from mytorch import nn
from mytorch.train import NonFiniteLossError, fit, load_checkpoint, restore, save_checkpoint
from mytorch.train.checkpoint import NonFiniteError, find_non_finite, training_state_non_finite
from mytorch.utils.data import DataLoader, TensorDataset


def setup(seed=0):
    mytorch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3), nn.ReLU(), nn.Linear(3, 2))
    opt = mytorch.optim.Adam(model.parameters(), lr=1e-2)
    sched = mytorch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    return model, opt, sched


def trained_checkpoint(path):
    model, opt, sched = setup()
    x = mytorch.randn(8, 4)
    loss = model(x).sum()
    loss.backward()
    opt.step()
    sched.step()
    save_checkpoint(path, model, opt, sched, epoch=1, history=[{"epoch": 1, "test_acc": 0.5}],
                    config={"model": "mlp"})
    return path


def read(path):
    arrays = safetensors.numpy.load_file(str(path))
    from safetensors import safe_open

    with safe_open(str(path), framework="numpy") as f:
        meta = json.loads(f.metadata()["mytorch"])
    return arrays, meta


def rewrite(path, arrays, meta, fix_checksums=False, fix_meta_crc=True):
    """Write a crafted checkpoint; by default with a matching metadata CRC, so that what is tested
    is the check of the crafted value itself (the CRC would catch any change on its own)."""
    from mytorch.train.checkpoint import _META_CRC, _crc, _meta_crc

    if fix_checksums:
        meta["checksums"] = {k: _crc(a) for k, a in arrays.items()}
    if fix_meta_crc and isinstance(meta, dict) and _META_CRC in meta:
        meta[_META_CRC] = _meta_crc(meta)
    safetensors.numpy.save_file(arrays, str(path), metadata={"mytorch": json.dumps(meta)})


# Each: a function of the metadata dict that damages it, and the message expected.
def set_key(path_keys, value):
    def damage(meta):
        target = meta
        for k in path_keys[:-1]:
            target = target[k]
        target[path_keys[-1]] = value
    return damage


def delete(key):
    return lambda meta: meta.pop(key)


META_DAMAGE = {
    "epoch -1": (set_key(["epoch"], -1), "'epoch' must be a non-negative integer, got -1"),
    "epoch 1.5": (set_key(["epoch"], 1.5), "'epoch' must be a non-negative integer, got 1.5"),
    "epoch '3'": (set_key(["epoch"], "3"), "'epoch' must be a non-negative integer, got '3'"),
    "epoch true": (set_key(["epoch"], True), "'epoch' must be a non-negative integer, got True"),
    "epoch missing": (delete("epoch"), "'epoch' must be a non-negative integer, got None"),
    "history a string": (set_key(["history"], "x"), "'history' must be a list"),
    "history row a number": (set_key(["history"], [1]), r"'history\[0\]' must be an object of numbers"),
    "history row strings": (set_key(["history"], [{"a": "b"}]), r"'history\[0\]' must be an object of numbers"),
    "config a list": (set_key(["config"], []), "'config' must be an object"),
    "extra a number": (set_key(["extra"], 3), "'extra' must be an object"),
    "scheduler a list": (set_key(["scheduler"], [1]), "'scheduler' must be an object or absent"),
    "rng a string": (set_key(["rng"], "x"), "'rng' must be an object or absent"),
    "rng seed a string": (set_key(["rng", "seed"], "a"), "'rng' must hold an integer 'seed'"),
    "optimizer a list": (set_key(["optimizer"], []), "'optimizer' must be an object with a 'param_groups' list"),
    "param_groups missing": (lambda m: m["optimizer"].pop("param_groups"), "'param_groups' list"),
    "lr -1": (set_key(["optimizer", "param_groups", 0, "lr"], -1), r"param_groups\[0\].lr' must be a finite"),
    "lr 'x'": (set_key(["optimizer", "param_groups", 0, "lr"], "x"), r"param_groups\[0\].lr' must be a finite"),
    "lr inf": (set_key(["optimizer", "param_groups", 0, "lr"], float("inf")), r"lr' must be a finite number"),
    "params strings": (set_key(["optimizer", "param_groups", 0, "params"], ["a"]), "'params' list of integers"),
    "group a number": (set_key(["optimizer", "param_groups", 0], 3), r"param_groups\[0\]' must be an object"),
    "scalars bad index": (set_key(["optimizer", "scalars"], {"x": {}}), "'optimizer.scalars.x' must map"),
    "checksums missing": (delete("checksums"), "'checksums' must be an object"),
    "checksums not strings": (set_key(["checksums"], {"model/0.weight": 1}), "'checksums' must be an object"),
    "checksum list short": (lambda m: m["checksums"].pop("model/0.weight"), "do not match the checksum list"),
    "checksum wrong": (set_key(["checksums", "model/0.weight"], "00000000"), "'model/0.weight' is damaged"),
    "format unknown": (set_key(["format"], "other/9"), "unsupported checkpoint format 'other/9'"),
}


@pytest.mark.parametrize("case", list(META_DAMAGE))
def test_damaged_metadata_is_refused_naming_file_and_key(tmp_path, case):
    path = trained_checkpoint(tmp_path / "c.safetensors")
    arrays, meta = read(path)
    damage, message = META_DAMAGE[case]
    damage(meta)
    rewrite(path, arrays, meta)
    with pytest.raises(ValueError, match=r"c\.safetensors: .*" + message):
        load_checkpoint(path)


def test_any_change_to_a_stored_value_is_caught_by_the_metadata_crc(tmp_path):
    path = trained_checkpoint(tmp_path / "c.safetensors")
    edits = [("epoch", 2), ("history", [{"epoch": 1, "test_acc": 0.75}]), ("rng", None), ("config", {"model": "mlp4"})]
    for key, value in edits:
        arrays, meta = read(path)
        meta[key] = value
        rewrite(path, arrays, meta, fix_meta_crc=False)
        with pytest.raises(ValueError, match=r"c\.safetensors: the checkpoint metadata is damaged"):
            load_checkpoint(path)
    arrays, meta = read(path)
    meta["optimizer"]["param_groups"][0]["lr"] = 0.02
    rewrite(path, arrays, meta, fix_meta_crc=False)
    with pytest.raises(ValueError, match="metadata is damaged"):
        load_checkpoint(path)


def test_metadata_that_is_not_an_object(tmp_path):
    path = trained_checkpoint(tmp_path / "c.safetensors")
    arrays, _ = read(path)
    for text, message in [("[1, 2]", "must be a JSON object, got list"), ("{not json", "not valid JSON")]:
        safetensors.numpy.save_file(arrays, str(path), metadata={"mytorch": text})
        with pytest.raises(ValueError, match=f"c.safetensors: .*{message}"):
            load_checkpoint(path)


def test_unexpected_tensor_names(tmp_path):
    path = trained_checkpoint(tmp_path / "c.safetensors")
    for key in ["evil/x", "optimizer/x/y", "optimizer/1"]:
        arrays, meta = read(path)
        arrays[key] = np.zeros(1, np.float32)
        rewrite(path, arrays, meta, fix_checksums=True)
        with pytest.raises(ValueError, match=f"unexpected tensor '{key}'"):
            load_checkpoint(path)
        trained_checkpoint(path)


def test_every_flipped_byte_in_the_weights_is_caught(tmp_path):
    path = trained_checkpoint(tmp_path / "c.safetensors")
    good = path.read_bytes()
    header_len = struct.unpack("<Q", good[:8])[0]
    data_start = 8 + header_len
    caught = 0
    for offset in range(data_start, len(good), 7):
        damaged = bytearray(good)
        damaged[offset] ^= 0x10
        path.write_bytes(bytes(damaged))
        with pytest.raises(ValueError, match=r"c\.safetensors: tensor '.*' is damaged"):
            load_checkpoint(path)
        caught += 1
    assert caught > 20


def test_truncated_and_garbled_files(tmp_path):
    path = trained_checkpoint(tmp_path / "c.safetensors")
    good = path.read_bytes()
    header_len = struct.unpack("<Q", good[:8])[0]
    cuts = [0, 3, 8, 20, 8 + header_len // 2, 8 + header_len, len(good) - 1]
    for cut in cuts:
        path.write_bytes(good[:cut])
        with pytest.raises(ValueError, match=r"c\.safetensors"):
            load_checkpoint(path)
    for offset in range(8, 8 + header_len, max(1, header_len // 40)):  # bytes of the JSON header
        damaged = bytearray(good)
        damaged[offset] = ord("}") if damaged[offset] != ord("}") else ord("{")
        path.write_bytes(bytes(damaged))
        with pytest.raises(ValueError, match=r"c\.safetensors"):  # by load, or (a renamed key) by restore
            restore(load_checkpoint(path), *setup())
    path.write_bytes(struct.pack("<Q", 2**62) + b"{}")
    with pytest.raises(ValueError, match=r"c\.safetensors"):
        load_checkpoint(path)


@pytest.mark.parametrize(
    "damage, message",
    [
        (set_key(["optimizer", "param_groups", 0, "betas"], "xy"), "hyper-parameter 'betas' is 'xy'"),
        (set_key(["optimizer", "param_groups", 0, "betas"], [0.9]), r"hyper-parameter 'betas' is \(0.9,\)"),
        (set_key(["optimizer", "param_groups", 0, "amsgrad"], 1), "hyper-parameter 'amsgrad' is 1"),
        (set_key(["optimizer", "param_groups", 0, "eps"], None), "hyper-parameter 'eps' is None"),
        (set_key(["scheduler", "step_size"], "x"), "scheduler state 'step_size' is 'x'"),
        (set_key(["scheduler", "base_lrs"], [1, 2]), r"scheduler state 'base_lrs' is \[1, 2\]"),
        (set_key(["scheduler", "evil"], 1), "unexpected scheduler state key 'evil'"),
        (set_key(["rng", "state"], "00ff"), "RuntimeError: Expected a CPUGeneratorImplState of size 5056"),
        (set_key(["rng", "state"], "zz"), "rng state is not hexadecimal"),
        (lambda m: m["optimizer"]["param_groups"].append(copy.deepcopy(m["optimizer"]["param_groups"][0])),
         "different number of parameter groups"),
    ],
)
def test_state_that_does_not_fit_is_refused_on_restore(tmp_path, damage, message):
    path = trained_checkpoint(tmp_path / "c.safetensors")
    arrays, meta = read(path)
    damage(meta)
    rewrite(path, arrays, meta)
    checkpoint = load_checkpoint(path)
    model, opt, sched = setup()
    with pytest.raises(ValueError, match=r"c\.safetensors does not fit this model/optimizer: .*" + message):
        restore(checkpoint, model, opt, sched)


def test_optimizer_state_of_the_wrong_shape(tmp_path):
    path = trained_checkpoint(tmp_path / "c.safetensors")
    arrays, meta = read(path)
    arrays["optimizer/0/exp_avg"] = np.zeros((2, 2), np.float32)
    rewrite(path, arrays, meta, fix_checksums=True)
    model, opt, sched = setup()
    with pytest.raises(ValueError, match=r"optimizer state 'exp_avg' of parameter 0 has shape \(2, 2\)"):
        restore(load_checkpoint(path), model, opt, sched)


def test_a_good_checkpoint_round_trips_and_old_format_loads(tmp_path):
    path = trained_checkpoint(tmp_path / "c.safetensors")
    checkpoint = load_checkpoint(path)
    model, opt, sched = setup(seed=1)
    restore(checkpoint, model, opt, sched)
    assert checkpoint.epoch == 1 and checkpoint.path == str(path)
    arrays, meta = read(path)
    meta["format"] = "mytorch-checkpoint/1"
    del meta["checksums"]
    rewrite(path, arrays, meta)
    assert load_checkpoint(path).epoch == 1


def test_non_finite_weights_are_never_written(tmp_path):
    path = trained_checkpoint(tmp_path / "c.safetensors")
    good = path.read_bytes()
    model, opt, sched = setup()
    assert find_non_finite(model) == [] and training_state_non_finite(model, opt) == []
    model[1].running_var._data[1] = np.inf
    model[0].weight._data[0, 0] = np.nan
    assert find_non_finite(model) == ["0.weight", "1.running_var"]
    with pytest.raises(NonFiniteError, match=r"refusing to write .*c\.safetensors: non-finite .* in 0\.weight, "
                                             r"1\.running_var"):
        save_checkpoint(path, model, opt, sched, epoch=2)
    assert path.read_bytes() == good
    assert find_non_finite({"a": np.array([1.0, np.inf]), "b": np.arange(3)}) == ["a"]
    with pytest.raises(ValueError, match="epoch must be a non-negative integer"):
        save_checkpoint(path, setup()[0], epoch=-1)


class _Exploding(nn.Module):
    """A finite output whose running statistic overflows to inf in training (what lr 1e10 does to BatchNorm)."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(4, 2)
        self.register_buffer("running", mytorch.ones(2))

    def forward(self, x):
        if self.training:
            self.running._data *= 1e15  # float32: 1e30 after epoch 1, inf during epoch 2
        return self.linear(x)


@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning")  # the test drives the statistics to inf on purpose
def test_fit_stops_before_writing_non_finite_weights(tmp_path):
    mytorch.manual_seed(0)
    model = _Exploding()
    opt = mytorch.optim.SGD(model.parameters(), lr=0.1)
    data = TensorDataset(mytorch.randn(8, 4), mytorch.tensor([0, 1] * 4))
    loader = DataLoader(data, batch_size=4)
    with pytest.raises(NonFiniteLossError, match="non-finite weights after epoch 2: running") as info:
        fit(model, loader, loader, nn.CrossEntropyLoss(), opt, 3, out_dir=tmp_path, quiet=True, log=None, plot=False)
    assert [r["epoch"] for r in info.value.history] == [1]
    assert load_checkpoint(tmp_path / "checkpoint-last.safetensors").epoch == 1
    assert "2," not in (tmp_path / "metrics.csv").read_text().split("\n", 2)[-1]
