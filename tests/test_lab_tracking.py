"""The lab's trackers: TensorBoard event files equal to metrics.csv (also across a resumed run), W&B offline runs."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest

from mytorch.lab.tracking import open_loggers, tags
from mytorch.train.recipe import RunConfig

COLUMNS = ["epoch", "train_loss", "train_acc", "test_loss", "test_acc", "train_seconds", "eval_seconds", "lr"]


def rows(n):
    return [{"epoch": e, "train_loss": 1.0 / e + 1e-9, "train_acc": 0.5 + e / 100, "test_loss": 1.1 / e,
             "test_acc": 0.4 + e / 50, "train_seconds": 2.0 + e / 7, "eval_seconds": 0.3, "lr": 1e-3 / e}
            for e in range(1, n + 1)]


def write_metrics(d, history):
    buf = io.StringIO()
    w = csv.DictWriter(buf, COLUMNS, lineterminator="\n")
    w.writeheader()
    w.writerows({k: repr(v) if isinstance(v, float) else v for k, v in r.items()} for r in history)
    (d / "metrics.csv").write_text(buf.getvalue())


def spec(tmp_path, **extra):
    return {"label": "adam", "regime": "l2", "kind": "grid", "trial": None,
            "tensorboard": str(tmp_path / "tensorboard" / "adam-l2-s0"), **extra}


def read_scalars(log_dir):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(str(log_dir), size_guidance={"scalars": 0})
    acc.Reload()
    return acc


def test_tensorboard_scalars_equal_metrics_csv_even_after_a_resume(tmp_path):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    history = rows(5)
    config = RunConfig(model="mlp", optimizer="adam", lr=1e-3)
    # first process: epochs 1-3, killed after epoch 3's metrics but before its events were flushed
    with open_loggers(spec(tmp_path), run_dir, config) as track:
        for r in history[:3]:
            write_metrics(run_dir, history[: r["epoch"]])
            if r["epoch"] < 3:
                track.epoch(r)
    # second process: resumes from the checkpoint of epoch 2 (metrics.csv then holds 1-3 again), trains 3-5
    with open_loggers(spec(tmp_path), run_dir, config) as track:
        for r in history[2:]:
            write_metrics(run_dir, history[: r["epoch"]])
            track.epoch(r)
        track.finish(history, "done")
    acc = read_scalars(tmp_path / "tensorboard" / "adam-l2-s0")
    for column, tag in tags(False).items():
        events = acc.Scalars(tag)
        assert [e.step for e in events] == [1, 2, 3, 4, 5], tag
        assert [e.value for e in events] == [float(np.float32(r[column])) for r in history], tag
    assert acc.Scalars("hparam/test_acc")[0].value == pytest.approx(history[-1]["test_acc"])


def test_a_finished_run_rerun_logs_its_history_once(tmp_path):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    history = rows(3)
    write_metrics(run_dir, history)
    config = RunConfig(model="mlp", optimizer="adam", validation=0.1)
    for _ in range(2):
        with open_loggers(spec(tmp_path, kind="trial", trial=4), run_dir, config) as track:
            track.finish(history, "done")  # nothing trained in this process
    acc = read_scalars(tmp_path / "tensorboard" / "adam-l2-s0")
    assert [e.step for e in acc.Scalars("loss/validation")] == [1, 2, 3]
    assert "loss/test" not in acc.Tags()["scalars"]


@pytest.mark.slow
def test_wandb_offline_run_per_cell(tmp_path):
    pytest.importorskip("wandb")
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    history = rows(2)
    s = {"label": "adam", "regime": "l2", "kind": "grid", "trial": None,
         "wandb": {"dir": str(tmp_path), "project": "p", "name": "adam_fashion-mnist", "group": "l2",
                   "job_type": "grid", "id": "p-adam-l2-s0"}}
    with open_loggers(s, run_dir, RunConfig(model="mlp")) as track:
        track.finish(history, "done")
    runs = list((tmp_path / "wandb").glob("offline-run-*-p-adam-l2-s0"))
    assert len(runs) == 1 and list(runs[0].glob("*.wandb"))
