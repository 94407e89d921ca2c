"""The report and status from synthetic study directories (no training): figures embedded, answers computed."""

from __future__ import annotations

import base64
import csv
import json
import re

import numpy as np

from mytorch.lab import parse_study
from mytorch.lab.cli import status_table
from mytorch.lab.presets import SEED_003_NOTEBOOK
from mytorch.lab.report import build_report, write_report

COLUMNS = ["epoch", "train_loss", "train_acc", "test_loss", "test_acc", "train_seconds", "eval_seconds", "lr"]


def make_study_dir(root, text, loss_of, epochs=None, seeds=None, skip=(), diverge=(), partial=()):
    """A study directory whose cells have synthetic metrics: loss_of(label, regime, seed, epoch)."""
    study = parse_study(text).with_overrides(epochs=epochs, seeds=seeds)
    (root / "runs").mkdir(parents=True)
    (root / "study.json").write_text(json.dumps(study.data))
    (root / "executions.jsonl").write_text(json.dumps(
        {"executor": "local", "workers": 2, "threads": 1, "cores": 2, "host": "test", "started": "now",
         "cells": 3}) + "\n")
    rng = np.random.default_rng(1)
    for cell in study.cells():
        if cell.name in skip:
            continue
        d = root / "runs" / cell.name
        d.mkdir()
        n = study.epochs if cell.name not in diverge + partial else 1
        rows = []
        for e in range(1, n + 1):
            loss = loss_of(cell.label, cell.regime, cell.seed, e)
            slow = 1.5 if cell.regime == "dropout" else 1.0
            rows.append({"epoch": e, "train_loss": loss, "train_acc": 1 - loss / 3, "test_loss": loss * 1.1,
                         "test_acc": 1 - loss / 2.5, "train_seconds": slow * (2.0 + 0.01 * rng.standard_normal()),
                         "eval_seconds": 0.3, "lr": 1e-3})
        with open(d / "metrics.csv", "w", newline="") as f:
            w = csv.DictWriter(f, COLUMNS, lineterminator="\n")
            w.writeheader()
            w.writerows(rows)
        if cell.name in partial:
            continue
        status = "diverged" if cell.name in diverge else "done"
        (d / "result.json").write_text(json.dumps({"name": cell.name, "status": status, "epochs": len(rows),
                                                   "last_finite_epoch": len(rows), "final": rows[-1],
                                                   "threads": 1, "host": "test"}))
    return study


def _loss(label, regime, seed, epoch):
    base = {"adagrad": 1.0, "rmsprop": 0.6, "rmsprop-nesterov": 0.61, "adadelta": 1.4, "adam": 0.3}[label]
    base += 0.2 if regime == "dropout" else 0.0
    return base / epoch + 0.01 * ((seed * 7 + epoch) % 3)


def test_report_html_is_self_contained_with_every_figure(tmp_path):
    make_study_dir(tmp_path, SEED_003_NOTEBOOK, _loss, epochs=4)
    html_path = write_report(tmp_path)
    folder = tmp_path / "report"
    html = html_path.read_text()
    pngs = sorted(p.name for p in folder.glob("*.png"))
    assert pngs == ["test_acc.png", "train_loss.png", "train_loss_clipped.png"]
    srcs = re.findall(r'<img [^>]*src="([^"]+)"', html)
    assert len(srcs) == len(pngs)
    embedded = {base64.b64decode(s.split(",", 1)[1]) for s in srcs if s.startswith("data:image/png;base64,")}
    assert embedded == {(folder / p).read_bytes() for p in pngs}  # every figure, embedded byte for byte
    assert not re.search(r'(src|href)="(?!data:)', html) and "<link" not in html and "<script" not in html
    md = (folder / "report.md").read_text()
    for p in pngs:
        assert f"]({p})" in md
    for name in ("final_train_loss.csv", "test.csv", "timing.csv", "time_ratio.csv"):
        assert (folder / name).read_text().count("\n") > 1, name


def test_answers_and_notes_are_computed_from_the_data(tmp_path):
    make_study_dir(tmp_path, SEED_003_NOTEBOOK, _loss, epochs=4)
    blocks, _, tables = build_report(tmp_path)
    text = json.dumps(blocks)
    # Adam is far below the others with 3 seeds: significant; rmsprop vs rmsprop-nesterov differ by 0.01/4.
    assert "Lowest training loss under `l2`: **adam** (significant" in text
    assert "Best test accuracy over every trained model: **adam/l2**" in text
    assert "adam: lower under l2" in text
    assert "Training time per epoch, `dropout` / `l2`" in text and re.search(r"adam 1\.[45]\dx \(significant\)", text)
    assert "`rmsprop-nesterov` is `rmsprop` with momentum 0.9: heavy-ball momentum, **not Nesterov** despite its name" \
        in text
    assert "`adadelta` runs at lr 0.001, 1000x below `adadelta`'s usual 1" in text
    assert "Dropout on the logits" in text and "inverted dropout" in text
    assert "Runs shared the machine" in text and "Reduced budget: 4 epochs" in text
    rows = list(csv.DictReader(tables["final_train_loss.csv"].decode().splitlines()))
    adam = next(r for r in rows if r["optimizer"] == "adam" and r["regime"] == "l2")
    assert int(adam["n"]) == 3 and abs(float(adam["mean"]) - np.mean([_loss("adam", "l2", s, 4) for s in range(3)])) \
        < 1e-12


def test_ties_with_one_seed_and_diverged_runs(tmp_path):
    make_study_dir(tmp_path, SEED_003_NOTEBOOK, _loss, epochs=3, seeds=1, diverge=("adadelta-l2-s0",))
    blocks, _, _ = build_report(tmp_path)
    text = json.dumps(blocks)
    assert "Lowest training loss under `l2`: tied: adam, " in text and "one seed" in text
    assert "diverged (1/1)" in text and "adadelta-l2-s0 after epoch 1" in text
    assert "One seed per cell" in text


def test_status_table_states(tmp_path):
    make_study_dir(tmp_path, SEED_003_NOTEBOOK, _loss, epochs=3, seeds=1, skip=("adam-dropout-s0",),
                   diverge=("adadelta-l2-s0",), partial=("adam-l2-s0",))
    table = status_table(tmp_path)
    lines = {line.split()[0]: line for line in table.splitlines()[1:-1]}
    assert "done" in lines["adagrad-l2-s0"] and "3/3" in lines["adagrad-l2-s0"]
    assert "partial at epoch 1" in lines["adam-l2-s0"]
    assert "diverged after epoch 1" in lines["adadelta-l2-s0"]
    assert "pending" in lines["adam-dropout-s0"] and "0/3" in lines["adam-dropout-s0"]
    assert table.splitlines()[-2] == "1 diverged, 7 done, 1 partial, 1 pending"
    # 9 + 2 epochs left (1 partial at epoch 1, 1 pending, each of 3); each measured epoch took 2.3 s, 2 workers
    eta = table.splitlines()[-1]
    assert eta.startswith("ETA: about ") and "5 epochs left" in eta and "2 worker(s)" in eta, eta


def test_the_report_reads_runs_through_the_results_interface_and_the_lab_has_no_import_cycle():
    """report.py and what it uses never import runner.py (which imports the report to write it), and no module of
    the lab imports one that imports it back, at module level or inside a function."""
    import ast
    from pathlib import Path

    import mytorch.lab

    folder = Path(mytorch.lab.__file__).parent
    graph = {}
    for f in folder.glob("*.py"):
        graph[f.stem] = {node.module.split(".")[0] for node in ast.walk(ast.parse(f.read_text()))
                         if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module} - {"__init__"}

    def reach(start):
        seen, todo = set(), [start]
        while todo:
            for dep in graph.get(todo.pop(), ()):
                if dep not in seen:
                    seen.add(dep)
                    todo.append(dep)
        return seen

    assert {"results", "report_tuning"} <= reach("report") and "runner" not in reach("report")
    assert [m for m in graph if m in reach(m)] == []
