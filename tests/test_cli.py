"""`mytorch train` / `mytorch evaluate` end to end, in subprocesses, on a small Fashion-MNIST subset."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import mytorch
from mytorch.datasets import FashionMNIST
from mytorch.datasets.idx import write_idx


@pytest.fixture(scope="module")
def small_data(tmp_path_factory):
    """The first 1200 training and 400 test images of the real Fashion-MNIST, as IDX files."""
    root = tmp_path_factory.mktemp("fashion-small")
    for train, n, prefix in ((True, 1200, "train"), (False, 400, "t10k")):
        ds = FashionMNIST(train=train)
        write_idx(root / f"{prefix}-images-idx3-ubyte", np.asarray(ds.data[:n]))
        write_idx(root / f"{prefix}-labels-idx1-ubyte", np.asarray(ds.targets[:n]).astype(np.uint8))
    return root


def mytorch_cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "mytorch", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=600)


def _train(small_data, out, *extra):
    return mytorch_cli("train", "--data-dir", small_data, "--out", out, "--hidden", "32", "--batch-size", "100",
                       "--quiet", *extra)


def _metrics(out):
    with open(out / "metrics.csv") as f:
        return list(csv.DictReader(f))


@pytest.mark.slow
def test_train_writes_config_metrics_checkpoints_and_curves(small_data, tmp_path):
    out = tmp_path / "run"
    r = _train(small_data, out, "--epochs", "2", "--optimizer", "adamw", "--lr", "3e-3", "--scheduler", "onecycle")
    assert r.returncode == 0, r.stderr
    assert "final test accuracy" in r.stdout
    for name in ("config.json", "metrics.csv", "curves.png", "checkpoint-last.safetensors",
                 "checkpoint-best.safetensors"):
        assert (out / name).is_file(), name
    header = (out / "metrics.csv").read_text().splitlines()[0]
    assert header == "epoch,train_loss,train_acc,test_loss,test_acc,train_seconds,eval_seconds,lr"
    rows = _metrics(out)
    assert [r["epoch"] for r in rows] == ["1", "2"] and float(rows[-1]["test_acc"]) > 0.3  # 24 steps of one-cycle
    assert json.loads((out / "config.json").read_text())["optimizer"] == "adamw"
    assert (out / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    ev = mytorch_cli("evaluate", "--checkpoint", out / "checkpoint-last.safetensors", "--data-dir", small_data)
    assert ev.returncode == 0, ev.stderr
    assert f"accuracy {float(rows[-1]['test_acc']):.4f}" in ev.stdout


@pytest.mark.slow
def test_resume_continues_bit_identically(small_data, tmp_path):
    straight, split = tmp_path / "straight", tmp_path / "split"
    common = ("--optimizer", "rmsprop-nesterov", "--lr", "1e-3", "--seed", "5")
    assert _train(small_data, straight, "--epochs", "2", *common).returncode == 0
    assert _train(small_data, split, "--epochs", "1", *common).returncode == 0
    r = _train(small_data, split, "--epochs", "2", "--resume", *common)
    assert r.returncode == 0, r.stderr
    drop = ("train_seconds", "eval_seconds")
    assert [{k: v for k, v in row.items() if k not in drop} for row in _metrics(straight)] == \
           [{k: v for k, v in row.items() if k not in drop} for row in _metrics(split)]
    a = mytorch.load(straight / "checkpoint-last.safetensors")
    b = mytorch.load(split / "checkpoint-last.safetensors")
    assert a.keys() == b.keys()
    for key in a:
        np.testing.assert_array_equal(a[key].numpy(), b[key].numpy(), err_msg=key)


def _assert_usage_error(result, *needles):
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in result.stderr, (needle, result.stderr)


def test_unknown_choices_list_the_valid_ones(tmp_path):
    _assert_usage_error(mytorch_cli("train", "--optimizer", "lbfgs", "--out", tmp_path),
                        "invalid choice: 'lbfgs'", "rmsprop-nesterov")
    _assert_usage_error(mytorch_cli("train", "--model", "cnn", "--out", tmp_path), "mlp-resnet")
    _assert_usage_error(mytorch_cli("train", "--scheduler", "warmup", "--out", tmp_path), "onecycle")


def test_missing_dataset_says_how_to_get_it(tmp_path):
    env = {**os.environ, "MYTORCH_DATA": str(tmp_path / "nothing")}
    r = subprocess.run([sys.executable, "-m", "mytorch", "train", "--dataset", "mnist", "--out", str(tmp_path / "o")],
                       capture_output=True, text=True, env=env, timeout=300)
    _assert_usage_error(r, "mnist", "download")
    assert r.stderr.count("\n") == 1, r.stderr  # one line, whatever the dataset's own message holds (fuzzer)


def test_resume_with_a_different_config_names_the_keys(small_data, tmp_path):
    out = tmp_path / "run"
    assert _train(small_data, out, "--epochs", "1").returncode == 0
    r = _train(small_data, out, "--epochs", "2", "--resume", "--optimizer", "sgd", "--batch-size", "50")
    _assert_usage_error(r, "optimizer", "batch_size", "saved 'adam', now 'sgd'")
    _assert_usage_error(_train(small_data, out, "--epochs", "2"), "--resume")
    _assert_usage_error(_train(small_data, tmp_path / "empty", "--resume"), "nothing to resume")


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere, so permissions cannot be tested")
def test_unwritable_out_is_refused(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    _assert_usage_error(mytorch_cli("train", "--out", locked / "run"), "cannot write to --out")


def test_out_that_is_a_file_is_refused(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    _assert_usage_error(mytorch_cli("train", "--out", blocker / "run"), "cannot write to", "file is not a directory")


def test_bad_numbers_and_options(small_data, tmp_path):
    _assert_usage_error(mytorch_cli("train", "--epochs", "0", "--out", tmp_path), "positive integer")
    _assert_usage_error(_train(small_data, tmp_path / "a", "--dropout-hidden", "1.5"),
                        "dropout_hidden must be in [0, 1)")
    _assert_usage_error(_train(small_data, tmp_path / "b", "--model", "mlp0"), "hidden does not apply to model mlp0")
    _assert_usage_error(_train(small_data, tmp_path / "c", "--optimizer", "adam", "--momentum", "0.9"),
                        "momentum applies to")
    _assert_usage_error(mytorch_cli("evaluate", "--checkpoint", tmp_path / "none.safetensors"), "no such file")


def _scalars(logdir):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    ea = EventAccumulator(str(logdir))
    ea.Reload()
    return ea


@pytest.mark.slow
def test_train_tensorboard_logs_each_epoch_in_its_run_dir(small_data, tmp_path):
    out = tmp_path / "run"
    r = _train(small_data, out, "--epochs", "1", "--tensorboard", "--seed", "3")
    assert r.returncode == 0, r.stderr
    assert f"tensorboard --logdir {out / 'tensorboard'}" in r.stdout
    r = _train(small_data, out, "--epochs", "2", "--tensorboard", "--seed", "3", "--resume")
    assert r.returncode == 0, r.stderr
    ea = _scalars(out / "tensorboard")
    rows = _metrics(out)
    for tag, key in (("loss/train", "train_loss"), ("accuracy/test", "test_acc"), ("lr", "lr")):
        assert [(s.step, round(s.value, 4)) for s in ea.Scalars(tag)] == \
               [(int(row["epoch"]), round(float(row[key]), 4)) for row in rows], tag
    assert "config/text_summary" in ea.Tags()["tensors"]
    other = tmp_path / "tb-elsewhere"
    r = _train(small_data, tmp_path / "run2", "--epochs", "1", "--tensorboard", other)
    assert r.returncode == 0 and _scalars(other).Scalars("loss/test")[0].step == 1
    (tmp_path / "file").write_text("x")
    r = _train(small_data, tmp_path / "run3", "--epochs", "1", "--tensorboard", tmp_path / "file")
    assert r.returncode == 2 and "is not a directory" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_epoch_logger_writes_rows_as_scalars(tmp_path):
    from mytorch.train.tensorboard import EpochLogger

    logger = EpochLogger(tmp_path / "tb", config_text='{"model": "mlp"}')
    for epoch in (1, 2):
        logger({"epoch": epoch, "train_loss": 1.0 / epoch, "train_acc": 0.5, "test_loss": 2.0 / epoch,
                "test_acc": 0.25 * epoch, "train_seconds": 1.5, "eval_seconds": 0.5, "lr": 0.1})
    logger.close()
    ea = _scalars(tmp_path / "tb")
    assert [(s.step, s.value) for s in ea.Scalars("accuracy/test")] == [(1, 0.25), (2, 0.5)]
    assert sorted(ea.Tags()["scalars"]) == ["accuracy/test", "accuracy/train", "loss/test", "loss/train", "lr",
                                           "seconds/eval", "seconds/train"]
    resumed = EpochLogger(tmp_path / "tb")
    resumed({"epoch": 2, "train_loss": 9.0})  # a resumed run hides what a crashed attempt logged from epoch 2
    resumed.close()
    assert [(s.step, s.value) for s in _scalars(tmp_path / "tb").Scalars("loss/train")] == [(1, 1.0), (2, 9.0)]
