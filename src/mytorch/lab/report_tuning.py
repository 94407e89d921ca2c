"""The report's tuning part: the trials and choices (``tuning.csv``), and the values as set against the tuned ones.

``tuning.csv`` has one row per trial (a successive-halving trial: its longest rung): optimizer,
regime, trial, each searched hyper-parameter (the trial's value), the epochs it trained, its
validation loss and accuracy, its state, and ``chosen`` (``yes`` for exactly one trial per
optimizer x regime once its tuning is finished: the best by the study's metric among the trials
trained longest, ties to the lower trial number).
"""

from __future__ import annotations

import math
from pathlib import Path

from .document import csv_bytes
from .results import Run, finished_group, read_run
from .stats import holm, pick_best, summarize, welch_p
from .study import Study
from .tuning import SPACE_KEYS, plan, rungs


def searched_keys(study: Study) -> list[str]:
    """The hyper-parameters some optimizer searches, in ``SPACE_KEYS`` order."""
    spaces = study.data.get("search", {}).values()
    return [k for k in SPACE_KEYS if any(k in space for space in spaces)]


def trial_rows(out: Path, study: Study) -> list[dict]:
    """One dict per trial of every optimizer x regime (the tuning.csv rows, as values)."""
    rows = []
    for g in plan(study, out).groups:
        longest = {}
        for rung in g.cells:
            for c in rung:
                longest[c.trial] = c
        for trial in sorted(longest):
            cell = longest[trial]
            run = read_run(out, cell)
            rows.append({"optimizer": g.label, "regime": g.regime, "trial": trial,
                         **{k: cell.config.get(k) for k in searched_keys(study)},
                         "epochs": len(run.rows) if run.rows else 0,
                         "val_loss": run.final("test_loss") if run.finished else math.nan,
                         "val_acc": run.final("test_acc") if run.finished else math.nan,
                         "state": run.state, "chosen": g.chosen is not None and g.chosen.trial == trial})
    return rows


def tuningcsv_bytes(rows: list[dict], keys: list[str]) -> list[list]:
    """The rows as tuning.csv's cells (floats in full precision, as ``repr``; empty for a value not set)."""
    def cell(v):
        if v is None:
            return ""
        return repr(v) if isinstance(v, float) else v

    return [[r["optimizer"], r["regime"], r["trial"], *(cell(r[k]) for k in keys), r["epochs"], cell(r["val_loss"]),
             cell(r["val_acc"]), r["state"], "yes" if r["chosen"] else "no"] for r in rows]


def _fmt(v) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return "diverged" if math.isinf(v) else "-" if math.isnan(v) else f"{v:.4g}"
    return str(v)


def _budget(study: Study) -> tuple[str, str]:
    t = study.tuning
    method = {"random": "random search", "grid": "grid search", "halving": "successive halving"}[t["method"]]
    n = t["trials"]
    stages = rungs(study, n)
    if t["method"] == "halving":
        shape = ", ".join(f"{k} x {e} epochs" for k, e in stages) + f" (eta {t['eta']})"
    else:
        shape = f"{n} trials x {stages[0][1]} epochs"
    return method, shape


def tuning_blocks(out: Path, study: Study, runs: list[Run], figures: dict[str, bytes],
                  tables: dict[str, bytes]) -> list[tuple]:
    """The Tuning section: how the search ran, the loss-vs-lr figure, the choices, every trial."""
    from .plots import trials_png

    t = study.tuning
    keys = searched_keys(study)
    rows = trial_rows(out, study)
    tables["tuning.csv"] = csv_bytes(["optimizer", "regime", "trial", *keys, "epochs", "val_loss", "val_acc", "state",
                                 "chosen"], tuningcsv_bytes(rows, keys))
    method, shape = _budget(study)
    metric = t["metric"]
    blocks: list[tuple] = [("h", 2, "Tuning"), ("p", (
        f"Every optimizer x regime got the same budget: {method}, {shape}, each trial trained with seed "
        f"{study.seeds[0]} on the training set minus a validation split of {t['validation']:.0%} "
        f"(the same split for every trial) and evaluated on that split. The choice is the lowest "
        f"{'validation loss' if metric == 'val_loss' else 'validation error'} among the trials trained longest "
        "-- the test set plays no part in it. The tuned runs then train the chosen values on the whole "
        f"training set with seeds {', '.join(map(str, study.seeds))} and are tested like the runs as set. "
        "Search spaces: " + "; ".join(
            f"`{label}` " + ", ".join(f"{k} {kind.replace('_', '-')} {vals}" for k, spec in space.items()
                                      for kind, vals in spec.items())
            for label, space in study.data.get("search", {}).items()) + "."))]
    if "lr" in keys and rows:
        figures["tuning_lr.png"] = trials_png(rows, "lr", "val_loss", list(study.regimes))
        blocks.append(("img", "tuning_lr.png", "Validation loss of every trial vs its learning rate (log scale), "
                                               "per regime; the chosen trial of each optimizer circled"))
    chosen_rows = []
    for label in study.optimizers:
        for regime in study.regimes:
            group = [r for r in rows if r["optimizer"] == label and r["regime"] == regime]
            finite = [r["val_loss"] for r in group if math.isfinite(r["val_loss"])]
            pick = next((r for r in group if r["chosen"]), None)
            as_set = study.run_config(label, regime, study.seeds[0])
            chosen_rows.append([
                label, regime, ", ".join(f"{k} {_fmt(as_set.get(k))}" for k in keys),
                ", ".join(f"{k} {_fmt(pick[k])}" for k in keys) if pick else "(tuning not finished)",
                _fmt(pick["val_loss"]) if pick else "-",
                f"{min(finite):.4g} .. {max(finite):.4g}" if finite else "-",
                str(sum(r["state"] == "diverged" for r in group)), str(len(group))])
    blocks += [("h", 3, "Chosen values"),
               ("p", "How much the choice mattered: the spread of validation loss over the trials (the chosen "
                     "trial is the low end), and below, the tuned runs' test results against the runs as set."),
               ("table", ["optimizer", "regime", "as set", "chosen", "val loss", "val loss range", "diverged",
                          "trials"], chosen_rows)]
    notes = _edge_notes(study, rows)
    if notes:
        blocks.append(("ul", notes))
    blocks.append(("h", 3, "Every trial"))
    for label in study.optimizers:
        group = [r for r in rows if r["optimizer"] == label]
        blocks.append(("h", 4, f"`{label}`"))
        blocks.append(("table", ["regime", "trial", *keys, "epochs", "val loss", "val acc", "chosen"],
                       [[r["regime"], r["trial"], *(_fmt(r[k]) for k in keys), r["epochs"], _fmt(r["val_loss"]),
                         _fmt(r["val_acc"]), "**yes**" if r["chosen"] else ""] for r in group]))
    return blocks


def _edge_notes(study: Study, rows: list[dict]) -> list[str]:
    """A choice at the edge of its range: the best value may lie outside the search space."""
    notes = []
    for label, space in study.data.get("search", {}).items():
        for key, spec in space.items():
            (kind, vals), = spec.items()
            if kind == "choice":
                continue
            lo, hi = vals
            for r in rows:
                if r["optimizer"] != label or not r["chosen"] or r[key] is None:
                    continue
                v = r[key]
                if kind == "log_uniform":
                    near = math.log(v / lo) < 0.05 * math.log(hi / lo) or math.log(hi / v) < 0.05 * math.log(hi / lo)
                else:
                    near = (v - lo) < 0.05 * (hi - lo) or (hi - v) < 0.05 * (hi - lo)
                if near:
                    notes.append(f"`{label}` under `{r['regime']}` chose {key} {v:.4g}, at the edge of its range "
                                 f"[{lo:g}, {hi:g}]: the best value may lie outside it.")
    return notes


def comparison_blocks(study: Study, grid: list[Run], tuned: list[Run], tables: dict[str, bytes]) -> list[tuple]:
    """As set vs tuned, per optimizer x regime: test accuracy and final training loss, Welch + Holm."""
    labels, regimes = list(study.optimizers), list(study.regimes)
    answers, rows = [], []
    for key, name, lower in (("test_acc", "test accuracy", False), ("train_loss", "final training loss", True)):
        pairs = [(lb, g, [r.final(key) for r in finished_group(grid, lb, g)],
                  [r.final(key) for r in finished_group(tuned, lb, g)]) for lb in labels for g in regimes]
        ps = [welch_p(a, b) for *_, a, b in pairs]
        rejected = holm(ps)
        changed = []
        for (lb, g, a, b), p, rej in zip(pairs, ps, rejected):
            if not a or not b:
                continue
            sa, sb = summarize(a), summarize(b)
            better = (sb.mean < sa.mean) if lower else (sb.mean > sa.mean)
            rows.append([lb, g, name, sa.text(), sb.text(), f"{sb.mean - sa.mean:+.4f}",
                         f"{p:.2g}" if math.isfinite(p) else "-", "yes" if rej else "no"])
            if rej:
                changed.append(f"{lb}/{g} {'better' if better else 'worse'} tuned (p = {p:.2g})")
        if not any(math.isfinite(p) for p in ps):
            answers.append(f"Whether tuning changed the {name}: untested (one seed per run: no test across seeds).")
            continue
        answers.append(f"Tuning changed the {name} significantly (Welch per optimizer x regime, Holm over all): "
                       + ("; ".join(changed) if changed else "nowhere") + ".")
    for g in regimes:
        for key, lower, name in (("train_loss", True, "lowest training loss"), ("test_acc", False, "test accuracy")):
            before = pick_best({lb: [r.final(key) for r in finished_group(grid, lb, g)] for lb in labels}, lower)
            after = pick_best({lb: [r.final(key) for r in finished_group(tuned, lb, g)] for lb in labels}, lower)
            same = "the same leader" if before.leader == after.leader else "a different leader"
            answers.append(f"Under `{g}`, {name}: as set {before.text()}; tuned {after.text()} ({same}).")
    headers = ["optimizer", "regime", "metric", "as set", "tuned", "tuned - as set", "Welch p", "significant"]
    tables["as_set_vs_tuned.csv"] = csv_bytes(headers, rows)
    return [("h", 2, "As set vs tuned"), ("ul", answers), ("table", headers, rows)]
