"""`mytorch lab` command-line errors: one line on stderr, exit status 2, never a traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest

from mytorch.lab.presets import PRESETS


def lab(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "mytorch", "lab", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=120)


def test_presets_and_init():
    r = lab("presets")
    assert r.returncode == 0 and [line.split()[0] for line in r.stdout.splitlines()] == list(PRESETS)
    r = lab("init", "seed-003-notebook")
    assert r.returncode == 0 and r.stdout == PRESETS["seed-003-notebook"].text


@pytest.mark.parametrize("args, message", [
    (("init", "seed-004"), "unknown preset 'seed-004'"),
    (("run", "nope.toml", "--out", "x"), "nope.toml: no such study file, and not a preset"),
    (("run", "bad.toml", "--out", "x"), "bad.toml: unknown key 'epoch'"),
    (("run", "seed-003", "--out", "x", "--epochs", "0"), "--epochs: must be a positive integer"),
    (("run", "seed-003", "--out", "x", "--executor", "ray"), "invalid choice: 'ray'"),
    (("run", "seed-003", "--out", "x", "--workers", "999"), "--workers 999 x threads 1 per run exceeds"),
    (("run", "seed-003", "--out", "x", "--dataset", "imagenet"), "optimizers.adagrad under regimes.l2"),
    (("run", "seed-003", "--out", "notastudy"), "exists and is not a study directory"),
    (("status", "missing"), "missing is not a study directory (no study.json"),
    (("report", "missing"), "missing is not a study directory"),
    (("frobnicate",), "invalid choice: 'frobnicate'"),
])
def test_bad_input_is_one_line_and_status_2(tmp_path, args, message):
    (tmp_path / "bad.toml").write_text('epoch = 3\n[optimizers.adam]\n[regimes.none]\n')
    (tmp_path / "notastudy").mkdir()
    (tmp_path / "notastudy" / "file").write_text("x")
    r = lab(*args, cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    assert r.stderr.count("\n") == 1 and message in r.stderr, r.stderr
    assert "Traceback" not in r.stderr and not (tmp_path / "x").exists()


def test_a_missing_dataset_stops_the_study_in_one_line(tmp_path):
    (tmp_path / "empty").mkdir()
    r = lab("run", "seed-003", "--out", "study", "--dataset", "mnist", "--data-dir", "empty", "--epochs", "1",
            "--seeds", "1", "--no-report", cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    assert r.stderr.count("\n") == 1 and "dataset mnist is missing" in r.stderr and "Traceback" not in r.stderr
