"""`mytorch lab run` with tuning, end to end: seed-003-tuned's trials and choices on both executors, successive
halving's continued trials equal to fresh ones, a killed and re-run tuned study ending bit-identical, and the
TensorBoard event files equal to metrics.csv."""

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

TIMING = ("train_seconds", "eval_seconds", "seconds")

TINY_TUNED = """
name = "tiny-tuned"
epochs = 3
batch_size = 100
seeds = [0, 1]
subset = 800
[model]
name = "mlp"
hidden = [32]
[tuning]
method = "halving"
trials = 4
eta = 2
min_epochs = 1
epochs = 2
validation = 0.25
[optimizers.adam]
lr = 1e-2
search = { lr = { log_uniform = [1e-4, 1e-1] } }
[optimizers.sgd]
lr = 0.1
momentum = 0.9
search = { lr = { log_uniform = [1e-3, 1.0] }, momentum = { choice = [0.0, 0.9] } }
[regimes.l2]
weight_decay = 1e-4
"""


@pytest.fixture(scope="module")
def small_data(tmp_path_factory):
    """The first 1200 training and 300 test images of the real Fashion-MNIST, as IDX files."""
    root = tmp_path_factory.mktemp("fashion-tuning")
    for train, n, prefix in ((True, 1200, "train"), (False, 300, "t10k")):
        ds = FashionMNIST(train=train)
        write_idx(root / f"{prefix}-images-idx3-ubyte", np.asarray(ds.data[:n]))
        write_idx(root / f"{prefix}-labels-idx1-ubyte", np.asarray(ds.targets[:n]).astype(np.uint8))
    return root


def lab_cmd(*args):
    return [sys.executable, "-m", "mytorch", "lab", *map(str, args)]


def lab(*args, cwd):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}  # this checkout's mytorch
    return subprocess.run(lab_cmd(*args), capture_output=True, text=True, cwd=cwd, timeout=900, env=env)


def metrics(path):
    with open(path, newline="") as f:
        return [{k: v for k, v in row.items() if k not in TIMING} for row in csv.DictReader(f)]


def tuning_rows(out):
    return list(csv.DictReader((out / "report" / "tuning.csv").read_text().splitlines()))


def assert_one_chosen_per_group_the_lowest(rows, groups):
    for group in groups:
        mine = [r for r in rows if (r["optimizer"], r["regime"]) == group]
        longest = max(int(r["epochs"]) for r in mine)
        chosen = [r for r in mine if r["chosen"] == "yes"]
        assert len(chosen) == 1, (group, chosen)
        best = min((r for r in mine if int(r["epochs"]) == longest),
                   key=lambda r: (float(r["val_loss"]), int(r["trial"])))
        assert chosen[0] is best, (group, chosen, best)


@pytest.mark.slow
def test_seed_003_tuned_done_when_command_gives_one_tuning_csv_on_both_executors(small_data, tmp_path):
    args = ("run", "seed-003-tuned", "--epochs", "1", "--seeds", "1", "--subset", "3000", "--trials", "2",
            "--data-dir", small_data)
    local = lab(*args, "--out", "local", cwd=tmp_path)
    assert local.returncode == 0, local.stderr
    rows = tuning_rows(tmp_path / "local")
    groups = [(o, g) for o in ("adagrad", "rmsprop", "rmsprop-nesterov", "adadelta", "adam")
              for g in ("l2", "dropout")]
    assert len(rows) == 2 * len(groups) and [(r["optimizer"], r["regime"]) for r in rows[::2]] == groups
    assert_one_chosen_per_group_the_lowest(rows, groups)
    assert all(r["epochs"] == "1" and r["state"] == "done" for r in rows)
    dask = lab(*args, "--out", "dask", "--executor", "dask", cwd=tmp_path)
    assert dask.returncode == 0, dask.stderr
    assert (tmp_path / "dask" / "report" / "tuning.csv").read_bytes() == \
        (tmp_path / "local" / "report" / "tuning.csv").read_bytes()
    for run in sorted(p.name for p in (tmp_path / "local" / "runs").iterdir()):
        assert metrics(tmp_path / "local" / "runs" / run / "metrics.csv") == \
            metrics(tmp_path / "dask" / "runs" / run / "metrics.csv"), run
    report = (tmp_path / "local" / "report" / "report.md").read_text()
    assert "## Tuning" in report and "## As set vs tuned" in report and "## Each method tuned" in report


@pytest.fixture(scope="module")
def tiny_tuned(small_data, tmp_path_factory):
    """The tiny tuned study, uninterrupted, local executor with 2 workers, TensorBoard on."""
    root = tmp_path_factory.mktemp("lab-tuned")
    (root / "tiny.toml").write_text(TINY_TUNED)
    r = lab("run", "tiny.toml", "--out", "study", "--data-dir", small_data, "--workers", "2", "--tensorboard",
            "--quiet", cwd=root)
    assert r.returncode == 0, r.stderr
    return root, r


@pytest.mark.slow
def test_halving_trials_continue_bit_identically_and_the_choice_is_on_validation(tiny_tuned, small_data, tmp_path):
    from mytorch.train.recipe import RunConfig, run

    root, r = tiny_tuned
    out = root / "study"
    assert "done     " not in r.stdout and "20 done, 0 diverged, 0 failed" in r.stdout  # --quiet: no line per run
    execution = json.loads((out / "executions.jsonl").read_text().splitlines()[-1])
    assert execution["wall_seconds"] > 0 and "wall time" in (out / "report" / "report.md").read_text()
    rows = tuning_rows(out)
    assert len(rows) == 8 and sorted({r["epochs"] for r in rows}) == ["1", "2"]
    assert_one_chosen_per_group_the_lowest(rows, [("adam", "l2"), ("sgd", "l2")])
    promoted = sorted(p.name for p in (out / "trials").iterdir() if p.name.endswith("-e2"))
    assert len(promoted) == 4
    for name in promoted:
        d = out / "trials" / name
        config = json.loads((d / "config.json").read_text())
        assert config["validation"] == 0.25 and config["epochs"] == 2
        assert json.loads((d / "result.json").read_text())["resumed"]  # continued from its 1-epoch rung
        fresh = tmp_path / name
        run(RunConfig.from_dict(config), fresh, data_dir=small_data)
        assert metrics(d / "metrics.csv") == metrics(fresh / "metrics.csv"), name
    chosen = next(r for r in rows if r["optimizer"] == "adam" and r["chosen"] == "yes")
    for seed in (0, 1):
        config = json.loads((out / "runs" / f"adam-l2-s{seed}-tuned" / "config.json").read_text())
        assert repr(config["lr"]) == chosen["lr"] and config["validation"] is None and config["epochs"] == 3


@pytest.mark.slow
def test_tensorboard_event_files_equal_metrics_csv(tiny_tuned):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    from mytorch.lab.tracking import tags

    out = tiny_tuned[0] / "study"
    runs = [p for p in (out / "runs").iterdir()] + [p for p in (out / "trials").iterdir()]
    assert len(runs) == 20
    for d in runs:
        trial = d.parent.name == "trials"
        log_dir = out / "tensorboard" / ("trials/" if trial else "") / d.name
        acc = EventAccumulator(str(log_dir), size_guidance={"scalars": 0})
        acc.Reload()
        with open(d / "metrics.csv", newline="") as f:
            rows = list(csv.DictReader(f))
        for column, tag in tags(trial).items():
            events = acc.Scalars(tag)
            assert [e.step for e in events] == [int(r["epoch"]) for r in rows], (d.name, tag)
            assert [e.value for e in events] == [float(np.float32(float(r[column]))) for r in rows], (d.name, tag)
        assert "hparam/test_acc" in acc.Tags()["scalars"]


@pytest.mark.slow
def test_a_killed_tuned_study_reruns_to_the_same_trials_choices_and_numbers(tiny_tuned, small_data, tmp_path):
    (tmp_path / "tiny.toml").write_text(TINY_TUNED)
    out = tmp_path / "study"
    rng = np.random.default_rng(1)
    kills = 0
    for _ in range(4):
        proc = subprocess.Popen(lab_cmd("run", "tiny.toml", "--out", "study", "--data-dir", small_data, "--workers",
                                        "2", "--no-report", "--tensorboard"), cwd=tmp_path, start_new_session=True,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                env={**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)})
        # The first kill waits for the first finished run (so it lands mid-study on a fast machine too); later
        # ones come at random moments, possibly before any progress.
        deadline = time.time() + (120.0 if kills == 0 else rng.uniform(1.0, 4.0))
        while time.time() < deadline and proc.poll() is None:
            if kills == 0 and any(out.rglob("result.json")):
                time.sleep(rng.uniform(0.0, 0.5))
                break
            time.sleep(0.05)
        if proc.poll() is not None:
            break
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        kills += 1
    assert kills >= 1
    final = lab("run", "tiny.toml", "--out", "study", "--data-dir", small_data, "--workers", "2", "--tensorboard",
                cwd=tmp_path)
    assert final.returncode == 0, final.stderr
    reference = tiny_tuned[0] / "study"
    assert (out / "report" / "tuning.csv").read_bytes() == (reference / "report" / "tuning.csv").read_bytes()
    for folder in ("runs", "trials"):
        names = sorted(p.name for p in (reference / folder).iterdir())
        assert sorted(p.name for p in (out / folder).iterdir()) == names
        for name in names:
            assert metrics(out / folder / name / "metrics.csv") == metrics(reference / folder / name / "metrics.csv")
