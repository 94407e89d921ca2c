"""`mytorch lab run` end to end on a tiny study: runs, skip/resume, SIGKILL then re-run, Dask vs local."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from mytorch.datasets import FashionMNIST
from mytorch.datasets.idx import write_idx
from mytorch.serialization import load_arrays

TIMING = ("train_seconds", "eval_seconds", "seconds")

TINY = """
name = "tiny"
epochs = 3
batch_size = 100
seeds = [0]
subset = 800
[model]
name = "mlp"
hidden = [32]
[optimizers.adam]
lr = 1e-2
[optimizers.sgd]
lr = 0.1
momentum = 0.9
[regimes.l2]
weight_decay = 1e-4
[regimes.dropout]
dropout_input = 0.2
dropout_hidden = 0.5
"""
CELLS = ["adam-l2-s0", "sgd-l2-s0", "adam-dropout-s0", "sgd-dropout-s0"]


@pytest.fixture(scope="module")
def small_data(tmp_path_factory):
    """The first 1200 training and 300 test images of the real Fashion-MNIST, as IDX files."""
    root = tmp_path_factory.mktemp("fashion-lab")
    for train, n, prefix in ((True, 1200, "train"), (False, 300, "t10k")):
        ds = FashionMNIST(train=train)
        write_idx(root / f"{prefix}-images-idx3-ubyte", np.asarray(ds.data[:n]))
        write_idx(root / f"{prefix}-labels-idx1-ubyte", np.asarray(ds.targets[:n]).astype(np.uint8))
    return root


def lab_cmd(*args):
    return [sys.executable, "-m", "mytorch", "lab", *map(str, args)]


def lab(*args, cwd):
    return subprocess.run(lab_cmd(*args), capture_output=True, text=True, cwd=cwd, timeout=600)


@pytest.fixture(scope="module")
def local_study(small_data, tmp_path_factory):
    """The tiny study run uninterrupted by the local executor with 2 workers."""
    root = tmp_path_factory.mktemp("lab-local")
    (root / "tiny.toml").write_text(TINY)
    r = lab("run", "tiny.toml", "--out", "study", "--data-dir", small_data, "--workers", "2", cwd=root)
    assert r.returncode == 0, r.stderr
    return root, r


def _metrics(path, drop_timing=True):
    with open(path, newline="") as f:
        return [{k: v for k, v in row.items() if not (drop_timing and k in TIMING)} for row in csv.DictReader(f)]


def _checkpoint(path):
    """Every tensor's bytes, and the metadata without the timing columns of its history (nor the metadata's own
    CRC-32, which covers those timings)."""
    arrays, meta = load_arrays(path)
    info = json.loads(meta["mytorch"])
    info["history"] = [{k: v for k, v in row.items() if k not in TIMING} for row in info["history"]]
    info.pop("metadata_crc32", None)
    return {k: (a.dtype.str, a.shape, a.tobytes()) for k, a in arrays.items()}, info


def assert_same_results(dir_a, dir_b):
    for name in CELLS:
        a, b = dir_a / "runs" / name, dir_b / "runs" / name
        assert _metrics(a / "metrics.csv") == _metrics(b / "metrics.csv"), name
        for ckpt in ("checkpoint-last.safetensors", "checkpoint-best.safetensors"):
            assert _checkpoint(a / ckpt) == _checkpoint(b / ckpt), (name, ckpt)
        ra, rb = (json.loads((d / "result.json").read_text()) for d in (a, b))
        assert ra["status"] == rb["status"] == "done"
        assert {k: v for k, v in ra["final"].items() if k not in TIMING} == \
            {k: v for k, v in rb["final"].items() if k not in TIMING}


@pytest.mark.slow
def test_run_writes_runs_and_report_then_skips_and_refuses_a_changed_study(local_study, small_data):
    root, r = local_study
    out = root / "study"
    assert sorted(p.name for p in (out / "runs").iterdir()) == sorted(CELLS)
    assert r.stdout.count("done     ") == 4 and "report: " in r.stdout
    for name in CELLS:
        rows = _metrics(out / "runs" / name / "metrics.csv", drop_timing=False)
        assert [row["epoch"] for row in rows] == ["1", "2", "3"]
        assert float(rows[0]["train_seconds"]) > 0 and float(rows[0]["eval_seconds"]) > 0
        config = json.loads((out / "runs" / name / "config.json").read_text())
        assert config["threads"] == 1 and config["subset"] == 800
        result = json.loads((out / "runs" / name / "result.json").read_text())
        assert result["executor"] == {"executor": "local", "workers": 2} and result["threads"] == 1
    assert json.loads((out / "runs" / "sgd-dropout-s0" / "config.json").read_text())["dropout_hidden"] == 0.5
    assert (out / "report" / "report.html").is_file() and (out / "report" / "report.md").is_file()
    before = {n: (out / "runs" / n / "result.json").read_bytes() for n in CELLS}
    again = lab("run", "tiny.toml", "--out", "study", "--data-dir", small_data, cwd=root)
    assert again.returncode == 0 and "(4 finished)" in again.stdout and "done     " not in again.stdout
    assert before == {n: (out / "runs" / n / "result.json").read_bytes() for n in CELLS}
    status = lab("status", "study", cwd=root)
    assert status.returncode == 0 and status.stdout.strip().endswith("4 done")
    changed = lab("run", "tiny.toml", "--out", "study", "--data-dir", small_data, "--epochs", "4", cwd=root)
    assert changed.returncode == 2 and "epochs: saved 3, now 4" in changed.stderr
    (root / "tiny2.toml").write_text(TINY.replace("lr = 0.1", "lr = 0.2"))
    changed = lab("run", "tiny2.toml", "--out", "study", "--data-dir", small_data, cwd=root)
    assert changed.returncode == 2 and "optimizers.sgd.lr: saved 0.1, now 0.2" in changed.stderr


@pytest.mark.slow
def test_sigkill_at_any_moment_then_rerun_is_bit_identical(local_study, small_data, tmp_path):
    (tmp_path / "tiny.toml").write_text(TINY)
    out = tmp_path / "study"
    rng = np.random.default_rng(0)
    kills = 0
    for attempt in range(6):
        # First kill: as soon as a checkpoint exists (mid-study); later ones: at random moments.
        proc = subprocess.Popen(lab_cmd("run", "tiny.toml", "--out", "study", "--data-dir", small_data, "--workers",
                                        "1", "--no-report"), cwd=tmp_path, start_new_session=True,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + (60 if attempt == 0 else rng.uniform(1.0, 6.0))
        while time.time() < deadline and proc.poll() is None:
            if attempt == 0 and any((out / "runs" / n / "checkpoint-last.safetensors").exists() for n in CELLS):
                break
            time.sleep(0.02)
        if proc.poll() is not None:
            break
        os.killpg(proc.pid, signal.SIGKILL)  # the study and its pool workers, mid-flight
        proc.wait()
        kills += 1
    assert kills >= 1
    final = lab("run", "tiny.toml", "--out", "study", "--data-dir", small_data, "--workers", "1", cwd=tmp_path)
    assert final.returncode == 0, final.stderr
    resumed = [json.loads((out / "runs" / n / "result.json").read_text())["resumed"] for n in CELLS]
    assert any(resumed)  # at least one run continued from a checkpoint written before a kill
    assert_same_results(local_study[0] / "study", out)


@pytest.mark.slow
def test_dask_local_cluster_gives_the_local_executors_numbers(local_study, small_data, tmp_path):
    (tmp_path / "tiny.toml").write_text(TINY)
    r = lab("run", "tiny.toml", "--out", "study", "--data-dir", small_data, "--executor", "dask", "--workers", "2",
            cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert_same_results(local_study[0] / "study", tmp_path / "study")
    result = json.loads((tmp_path / "study" / "runs" / "adam-l2-s0" / "result.json").read_text())
    assert result["executor"] == {"executor": "dask", "workers": 2}


@pytest.mark.slow
def test_a_diverging_run_is_recorded_and_the_study_goes_on(small_data, tmp_path):
    text = TINY.replace("[optimizers.sgd]\nlr = 0.1", "[optimizers.sgd]\nlr = 1e12").replace("epochs = 3", "epochs = 2")
    (tmp_path / "boom.toml").write_text(text)
    r = lab("run", "boom.toml", "--out", "study", "--data-dir", small_data, "--workers", "2", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "diverged sgd-l2-s0" in r.stdout and r.stdout.count("done     ") == 2
    result = json.loads((tmp_path / "study" / "runs" / "sgd-l2-s0" / "result.json").read_text())
    assert result["status"] == "diverged" and result["last_finite_epoch"] in (0, 1)
    assert "diverged" in lab("status", "study", cwd=tmp_path).stdout
    assert "Diverged (non-finite loss" in (tmp_path / "study" / "report" / "report.md").read_text()
