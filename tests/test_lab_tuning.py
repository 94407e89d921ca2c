"""Tuning: the [tuning] and search tables, the candidates, successive halving's rungs, and the choices a study
directory's finished trials decide -- from synthetic directories, no training."""

from __future__ import annotations

import csv
import io
import json
import math

import pytest

from mytorch.lab import LabError, parse_study
from mytorch.lab.cli import status_table
from mytorch.lab.report import build_report
from mytorch.lab.tuning import candidates, grid_points, plan, rungs

COLUMNS = ["epoch", "train_loss", "train_acc", "test_loss", "test_acc", "train_seconds", "eval_seconds", "lr"]

STUDY = """
name = "t"
epochs = 9
seeds = [0, 1]
[model]
name = "mlp"
hidden = [8]
[tuning]
method = "halving"
trials = 6
eta = 3
min_epochs = 1
[optimizers.adam]
lr = 1e-3
search = { lr = { log_uniform = [1e-5, 1e-1] } }
[optimizers.sgd]
lr = 0.1
momentum = 0.9
search = { lr = { log_uniform = [1e-3, 1.0] }, momentum = { choice = [0.0, 0.9] } }
[regimes.l2]
weight_decay = 1e-5
[regimes.dropout]
dropout_hidden = 0.5
"""


def study(text=STUDY, **overrides):
    return parse_study(text).with_overrides(**overrides).validate()


@pytest.mark.parametrize("change, message", [
    (("method = \"halving\"", "method = \"bayes\""), "tuning.method must be one of random, grid, halving"),
    (("eta = 3", "eta = 1"), "tuning.eta must be an integer >= 2"),
    (("min_epochs = 1", "validation = 1.5"), "tuning.validation must be a fraction in (0, 1)"),
    (("min_epochs = 1", "budget = 3"), "unknown key 'tuning.budget'"),
    (("log_uniform = [1e-5, 1e-1]", "log_uniform = [0, 1e-1]"), "optimizers.adam.search.lr.log_uniform must be [a, b]"),
    (("log_uniform = [1e-5, 1e-1]", "normal = [0, 1]"), "unknown distribution 'normal'"),
    (("search = { lr", "search = { betas"), "unknown key 'optimizers.adam.search.betas'"),
    (("choice = [0.0, 0.9]", "choice = []"), "search.momentum.choice must be a non-empty list"),
    (("dropout_hidden = 0.5", "lr = 0.5"), "optimizers.adam.search tunes lr, which regimes.dropout sets"),
    (("[optimizers.sgd]\nlr = 0.1\nmomentum = 0.9\nsearch = { lr = { log_uniform = [1e-3, 1.0] }, momentum",
      "[optimizers.sgd]\nlr = 0.1\nmomentum = 0.9\nsearch = { lr = { log_uniform = [1e-3, 1.0] }, eps"),
     "optimizers.sgd.search under regimes.l2: eps applies to"),
])
def test_bad_tuning_tables_name_the_key(change, message):
    text = STUDY.replace(*change)
    assert text != STUDY
    with pytest.raises(LabError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
        study(text)


def test_search_needs_tuning_and_trials_need_a_tuned_study():
    with pytest.raises(LabError, match=r"optimizers.adam.search needs a \[tuning\] table"):
        study(STUDY.replace("[tuning]", "[unused]").replace("method = \"halving\"\ntrials = 6\neta = 3\nmin_epochs = 1",
                                                             "").replace("[unused]", ""))
    plain = "[optimizers.adam]\n[regimes.none]\n"
    with pytest.raises(LabError, match="--trials applies to a study with a \\[tuning\\] table"):
        parse_study(plain).with_overrides(trials=3)


def test_candidates_are_deterministic_in_range_and_a_larger_budget_extends_a_smaller_one():
    s = study()
    adam = candidates(s, "adam")
    assert len(adam) == 6 and adam == candidates(study(), "adam")
    assert all(1e-5 <= c["lr"] <= 1e-1 for c in adam) and len({c["lr"] for c in adam}) == 6
    assert candidates(study(trials=2), "adam") == adam[:2]
    assert candidates(study(trials=9), "adam")[:6] == adam
    sgd = candidates(s, "sgd")
    assert all(c["momentum"] in (0.0, 0.9) and 1e-3 <= c["lr"] <= 1.0 for c in sgd)
    assert candidates(parse_study(STUDY.replace("[tuning]", "[tuning]\nseed = 1")), "adam") != adam


def test_grid_points_and_halving_rungs():
    points = grid_points({"lr": {"log_uniform": [1e-4, 1e-1]}, "momentum": {"choice": [0.0, 0.9]}}, 8)
    assert [p["lr"] for p in points[::2]] == [1e-4, 1e-3, 1e-2, 1e-1]
    assert [p["momentum"] for p in points[:2]] == [0, 0.9]
    assert grid_points({"lr": {"uniform": [0.0, 1.0]}}, 1) == [{"lr": 0.5}]
    with pytest.raises(LabError, match="the choices alone give 3 points, more than trials = 2"):
        grid_points({"momentum": {"choice": [0.0, 0.5, 0.9]}}, 2)
    s = study()
    assert rungs(s, 6) == [(6, 1), (2, 3), (1, 9)]
    assert rungs(study(epochs=4), 6) == [(6, 1), (2, 3)]  # 9 epochs would exceed the study's 4
    assert rungs(study(epochs=1), 2) == [(2, 1)]
    assert rungs(study(STUDY.replace("\"halving\"", "\"random\"")), 6) == [(6, 9)]


def finish(root, cell, val_loss, status="done"):
    """Write a finished cell: metrics rows (test_* of a trial are its validation numbers) and result.json."""
    d = cell.path(root)
    d.mkdir(parents=True, exist_ok=True)
    epochs = cell.config["epochs"] if status == "done" else 1
    rows = [{"epoch": e, "train_loss": val_loss, "train_acc": 0.5, "test_loss": val_loss,
             "test_acc": 1 - val_loss / 4, "train_seconds": 2.0, "eval_seconds": 0.5,
             "lr": cell.config.get("lr", 1e-3)} for e in range(1, epochs + 1)]
    buf = io.StringIO()
    w = csv.DictWriter(buf, COLUMNS, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    (d / "metrics.csv").write_text(buf.getvalue())
    (d / "result.json").write_text(json.dumps({"name": cell.name, "status": status, "epochs": len(rows),
                                               "last_finite_epoch": len(rows), "final": rows[-1], "threads": 1,
                                               "host": "test"}))


def fake_loss(cell):
    """A validation loss that depends on the trial's lr (best near 1e-2) and its epochs."""
    return abs(math.log10(cell.config["lr"]) + 2) + 1.0 / cell.config["epochs"]


def test_halving_promotes_the_best_and_chooses_among_the_longest_trained(tmp_path):
    s = study()
    (tmp_path / "study.json").write_text(json.dumps(s.data))
    p = plan(s, tmp_path)
    assert [len(g.cells) for g in p.groups] == [1] * 4 and p.undecided == 4 * (2 + 1 + 2)
    assert len(p.cells) == 4 * 6 + 8  # rung 0 of every group, then the grid as set (2 x 2 x 2 seeds)
    assert p.total_epochs == 8 * 9 + 4 * (6 * 1 + 2 * 2 + 1 * 6) + 8 * 9
    adam_l2 = p.groups[0]
    assert (adam_l2.label, adam_l2.regime) == ("adam", "l2")
    for g in p.groups:
        for c in g.cells[0]:
            finish(tmp_path, c, fake_loss(c), status="diverged" if c.trial == 0 and g.label == "sgd" else "done")
    p = plan(s, tmp_path)
    g = p.groups[0]
    ranked = sorted(g.cells[0], key=lambda c: (fake_loss(c), c.trial))
    assert [c.trial for c in g.cells[1]] == sorted(c.trial for c in ranked[:2])
    assert all(c.start_from == f"trials/adam-l2-t{c.trial:02d}-e1" and c.start_epochs == 1
               and c.config["epochs"] == 3 for c in g.cells[1])
    sgd = next(g for g in p.groups if g.label == "sgd")
    assert 0 not in [c.trial for c in sgd.cells[1]]  # a diverged trial is not promoted
    for g in p.groups:
        for c in g.cells[1]:
            finish(tmp_path, c, fake_loss(c))
    p = plan(s, tmp_path)
    for g in p.groups:
        for c in g.cells[2]:
            finish(tmp_path, c, fake_loss(c))
    p = plan(s, tmp_path)
    assert p.undecided == 0
    tuned = [c for c in p.cells if c.kind == "tuned"]
    assert len(tuned) == 8 and [c.seed for c in tuned] == [0] * 4 + [1] * 4
    g = p.groups[0]
    assert g.chosen is g.cells[2][0]
    adam_tuned = next(c for c in tuned if c.label == "adam" and c.regime == "l2")
    assert adam_tuned.config["lr"] == candidates(s, "adam")[g.chosen.trial]["lr"]
    assert "validation" not in adam_tuned.config and adam_tuned.config["epochs"] == 9
    assert adam_tuned.folder == "runs/adam-l2-s0-tuned"

    # the report's tuning.csv: a row per trial (its longest rung), exactly one chosen per optimizer x regime
    blocks, figures, tables = build_report(tmp_path)
    rows = list(csv.DictReader(tables["tuning.csv"].decode().splitlines()))
    assert list(rows[0]) == ["optimizer", "regime", "trial", "lr", "momentum", "epochs", "val_loss", "val_acc",
                             "state", "chosen"]
    assert len(rows) == 4 * 6
    for label in ("adam", "sgd"):
        for regime in ("l2", "dropout"):
            group = [r for r in rows if r["optimizer"] == label and r["regime"] == regime]
            chosen = [r for r in group if r["chosen"] == "yes"]
            assert len(chosen) == 1
            longest = [r for r in group if r["epochs"] == "9"]
            assert chosen[0] == min(longest, key=lambda r: (float(r["val_loss"]), int(r["trial"])))
    assert "tuning_lr.png" in figures and "Tuning" in json.dumps(blocks)
    table = status_table(tmp_path)
    assert "trials/adam-l2-t00-e1" in table and "(val)" in table and "adam-l2-s0-tuned" in table
    assert table.splitlines()[-1].startswith("ETA: about ") and "16 pending" in table


def test_status_counts_the_runs_waiting_for_tuning(tmp_path):
    s = study()
    (tmp_path / "study.json").write_text(json.dumps(s.data))
    table = status_table(tmp_path)
    assert "20 waiting for tuning" in table and "ETA: unknown" in table.splitlines()[-1]
