"""The study report: figures, tables (Markdown + CSV), answers computed from the data, notes, environment.

Everything in ``DIR/report/`` is derived from ``DIR/study.json``, the cells' ``metrics.csv`` /
``result.json`` and ``DIR/executions.jsonl``; nothing is written by hand, so re-running
``mytorch lab report DIR`` on the same data gives the same text.
"""

from __future__ import annotations

import contextlib
import math
from pathlib import Path

from ..serialization import atomic_write
from .document import csv_bytes, to_html, to_markdown
from .plots import curves_png
from .results import Run, executions, finished_group, load_saved_study, read_run
from .stats import ALPHA, holm, pick_best, summarize, welch_p
from .study import Study

HANDOUT_EPOCHS = 200
# Usual learning rates beyond which a note is written: a factor of 100 from the library's default.
FAR_FACTOR = 100.0
_OPTIMIZER_CLASSES = {"sgd": "SGD", "adam": "Adam", "adamw": "AdamW", "adagrad": "Adagrad", "rmsprop": "RMSprop",
                      "rmsprop-nesterov": "RMSprop", "adadelta": "Adadelta", "nadam": "NAdam", "radam": "RAdam"}


def load_runs(out: Path) -> tuple[Study, list[Run]]:
    """(study, every run the study has decided so far: trials, grid cells, tuned runs)."""
    from .tuning import plan

    study = load_saved_study(out)
    return study, [read_run(out, c) for c in plan(study, out).cells]


def _library_lr(optimizer: str) -> float | None:
    import inspect

    from mytorch import optim

    cls = getattr(optim, _OPTIMIZER_CLASSES.get(optimizer, ""), None)
    if cls is None:
        return None
    default = inspect.signature(cls.__init__).parameters.get("lr")
    return default.default if default is not None and isinstance(default.default, float) else None


def _train_seconds_per_epoch(run: Run) -> list[float]:
    """Per-epoch optimisation time, without the first epoch when there are later ones (warm-up)."""
    vals = [r["train_seconds"] for r in run.rows if "train_seconds" in r]
    return vals[1:] if len(vals) > 2 else vals


def config_notes(study: Study, runs: list[Run], executions: list[dict]) -> list[str]:
    """Warnings about what the numbers mean, each computed from the study and its runs."""
    notes: list[str] = []
    for label, opt in study.optimizers.items():
        name, momentum = opt["optimizer"], opt["momentum"]
        regime_momenta = {r.get("momentum") for r in study.regimes.values()} - {None}
        if name == "rmsprop" and ((momentum or 0) > 0 or any(m > 0 for m in regime_momenta)):
            despite = " despite its name" if "nesterov" in label.lower() else ""
            notes.append(f"`{label}` is `rmsprop` with momentum {momentum}: heavy-ball momentum, **not Nesterov**"
                         f"{despite}. RMSProp with Nesterov momentum (Goodfellow et al., Algorithm 8.6) is the "
                         "optimizer `rmsprop-nesterov`.")
        lr, default = opt["lr"], _library_lr(name)
        if lr is not None and default:
            factor = max(lr / default, default / lr) if lr > 0 else math.inf
            if factor >= FAR_FACTOR:
                notes.append(f"`{label}` runs at lr {lr:g}, {factor:.0f}x {'below' if lr < default else 'above'} "
                             f"`{name}`'s usual {default:g}: its result says more about the learning rate than "
                             "about the method.")
    dropout = {name: r for name, r in study.regimes.items()
               if any(r.get(k, 0) > 0 for k in ("dropout_input", "dropout_hidden", "dropout_output"))}
    if dropout:
        notes.append(f"Dropout regimes ({', '.join(dropout)}) use inverted dropout: kept units are scaled by "
                     "1/(1-p) while training, so evaluation uses the weights as they are -- the same network as "
                     "scaling the weights by the keep probability at test time, as the handout asks.")
        notes.append(f"Training loss under {', '.join(dropout)} is measured with dropout active (train mode), "
                     "so it is not the same quantity as the other regimes' training loss; compare test loss too.")
        if any(r.get("dropout_output", 0) > 0 for r in dropout.values()):
            notes.append("Dropout on the logits (`dropout_output`, as the handout's code has it) perturbs the "
                         "network's output itself: it inflates the training loss far more than dropout on hidden "
                         "units, and regularizes no weight that dropout after the hidden layer does not.")
    if any(e.get("workers", 1) and e.get("workers", 1) > 1 for e in executions):
        notes.append("Runs shared the machine (" + "; ".join(
            f"{e['executor']} x{e['workers']} workers, {e['threads']} thread(s) each, {e['cores']} cores"
            for e in executions) + "): times compare within this study, not with runs alone on a machine.")
    if any(e.get("workers", 0) and e["workers"] * e.get("threads", 1) > e.get("cores", 10**9)
           for e in executions):
        notes.append("Some execution used more threads than cores: its times are inflated.")
    if len({(e.get("host"), e.get("executor")) for e in executions}) > 1:
        notes.append("The runs were executed by more than one invocation, executor or host: timings may mix machines.")
    if study.epochs < HANDOUT_EPOCHS:
        notes.append(f"Reduced budget: {study.epochs} epochs per run (the handout: {HANDOUT_EPOCHS}).")
    if study.data["subset"]:
        notes.append(f"Trained on the first {study.data['subset']} training samples only (--subset).")
    if len(study.seeds) < 2:
        notes.append("One seed per cell: no comparison across seeds is possible, so no answer in this report "
                     "says 'best'.")
    if study.data["dataset"] != "cifar10":
        notes.append(f"Dataset {study.data['dataset']}; the handout used CIFAR-10 (3072 inputs), so absolute "
                     "losses and accuracies are not the handout's.")
    diverged = [r.cell.name for r in runs if r.state == "diverged"]
    if diverged:
        notes.append("Diverged (non-finite loss; counted as infinite loss): " + ", ".join(
            f"{r.cell.name} after epoch {(r.result or {}).get('last_finite_epoch', '?')}"
            for r in runs if r.state == "diverged") + ".")
    unfinished = [r.cell.name for r in runs if not r.finished]
    if unfinished:
        notes.append(f"{len(unfinished)} of {len(runs)} runs are not finished; tables use finished runs only.")
    return notes


def build_report(out: Path) -> tuple[list[tuple], dict[str, bytes], dict[str, bytes]]:
    """(blocks, figures, csv tables) of the study in ``out``.

    A study that tunes answers its questions twice: with the values as set (the grid, when
    ``as_set``) and with each method's values chosen by tuning (the tuned runs), after a Tuning section.
    """
    study, runs = load_runs(out)
    execs = executions(out)
    labels, regimes = list(study.optimizers), list(study.regimes)
    title = study.data["name"] or out.name
    grid = [r for r in runs if r.cell.kind == "grid"]
    tuned = [r for r in runs if r.cell.kind == "tuned"]
    blocks: list[tuple] = [("h", 1, f"Study {title}")]
    if study.data["description"]:
        blocks.append(("p", study.data["description"]))
    states = {s: sum(r.state == s for r in runs) for s in ("done", "diverged", "partial", "running", "pending")}
    blocks.append(("p", f"{len(runs)} runs ({', '.join(f'{v} {k}' for k, v in states.items() if v)}): "
                        f"{len(labels)} optimizers x {len(regimes)} regimes x {len(study.seeds)} seeds, "
                        f"{study.epochs} epochs, batch {study.data['batch_size']}, model {study.data['model']['name']} "
                        f"{study.data['model']['hidden']}, dataset {study.data['dataset']}. Values are means over "
                        "seeds ± the 95% confidence half-width (Student's t)."))
    figures: dict[str, bytes] = {}
    tables: dict[str, bytes] = {}
    if not study.tuning:
        blocks += _results(study, grid, "", "", figures, tables)
    else:
        from .report_tuning import comparison_blocks, tuning_blocks

        blocks += tuning_blocks(out, study, runs, figures, tables)
        if study.tuning["as_set"]:
            blocks += [("h", 2, "As the study set them")]
            blocks += _results(study, grid, "", "as set: ", figures, tables, level=3)
        blocks += [("h", 2, "Each method tuned with the same budget")]
        blocks += _results(study, tuned, "_tuned", "tuned: ", figures, tables, level=3)
        if study.tuning["as_set"]:
            blocks += comparison_blocks(study, grid, tuned, tables)
    notes = config_notes(study, runs, execs)
    if notes:
        blocks += [("h", 2, "Configuration notes"), ("ul", notes)]
    blocks += [("h", 2, "Environment"), ("ul", environment(runs, execs))]
    blocks.append(("p", f"Significance: Welch's t-test across seeds, Holm-corrected, α = {ALPHA}; "
                        "'best' only where significant, 'tied' otherwise. CSV tables: "
                        + ", ".join(f"`{n}`" for n in tables) + "."))
    return blocks, figures, tables


def _results(study: Study, runs: list[Run], tag: str, prefix: str, figures: dict[str, bytes],
             tables: dict[str, bytes], level: int = 2) -> list[tuple]:
    """Curves, tables and the answers of one set of runs (the grid, or the tuned runs: ``tag`` names
    their files, ``prefix`` their figure titles)."""
    labels, regimes = list(study.optimizers), list(study.regimes)
    h2, h3 = level, level + 1
    blocks: list[tuple] = []
    # ---- figures
    curves = {g: {label: [r.rows for r in runs if r.cell.label == label and r.cell.regime == g and r.rows]
                  for label in labels} for g in regimes}
    names = {k: f"{k}{tag}.png" for k in ("train_loss", "train_loss_clipped", "test_acc")}
    figures[names["train_loss"]] = curves_png(curves, "train_loss", "training loss", title=f"{prefix}training loss")
    figures[names["train_loss_clipped"]] = curves_png(
        curves, "train_loss", "training loss", ylim=(0, 5),
        title=f"{prefix}training loss, y clipped to [0, 5] (the handout's view)")
    figures[names["test_acc"]] = curves_png(curves, "test_acc", "test accuracy", title=f"{prefix}test accuracy")
    blocks += [("h", h2, "Curves"),
               ("img", names["train_loss"], "Training loss vs epoch per regime (mean over seeds; band: min-max)"),
               ("img", names["train_loss_clipped"], "Training loss, y clipped to [0, 5]"),
               ("img", names["test_acc"], "Test accuracy vs epoch per regime")]

    # ---- tables
    def finals(key: str) -> dict[tuple[str, str], list[float]]:
        return {(lb, g): [r.final(key) for r in finished_group(runs, lb, g)] for lb in labels for g in regimes}

    final_loss, test_loss, test_acc = finals("train_loss"), finals("test_loss"), finals("test_acc")

    def shown(values: list[float]) -> str:
        if any(math.isinf(v) for v in values):
            return f"diverged ({sum(math.isinf(v) for v in values)}/{len(values)})"
        return summarize(values).text()

    blocks += [("h", h2, "Tables"), ("h", h3, "Final training loss"),
               ("table", ["optimizer", *regimes],
                [[lb, *(shown(final_loss[lb, g]) for g in regimes)] for lb in labels])]
    tables[f"final_train_loss{tag}.csv"] = csv_bytes(
        ["optimizer", "regime", "n", "mean", "ci95", "values"],
        [[lb, g, len(v), summarize(v).mean, summarize(v).ci, " ".join(repr(x) for x in v)]
         for (lb, g), v in final_loss.items()])
    blocks += [("h", h3, "Test loss and accuracy (final epoch)"),
               ("table", ["optimizer", *(f"{g} {m}" for g in regimes for m in ("test loss", "test acc"))],
                [[lb, *(c for g in regimes for c in (shown(test_loss[lb, g]), summarize(test_acc[lb, g]).text()))]
                 for lb in labels])]
    tables[f"test{tag}.csv"] = csv_bytes(
        ["optimizer", "regime", "n", "test_loss_mean", "test_loss_ci95", "test_acc_mean", "test_acc_ci95"],
        [[lb, g, len(test_acc[lb, g]), summarize(test_loss[lb, g]).mean, summarize(test_loss[lb, g]).ci,
          summarize(test_acc[lb, g]).mean, summarize(test_acc[lb, g]).ci] for lb in labels for g in regimes])
    time_rows = []
    for r in runs:
        train_s = sum(row.get("train_seconds", 0.0) for row in r.rows)
        eval_s = sum(row.get("eval_seconds", 0.0) for row in r.rows)
        per = _train_seconds_per_epoch(r)
        time_rows.append([r.cell.name, r.state, len(r.rows), f"{train_s:.1f}", f"{eval_s:.1f}",
                          f"{sum(per) / len(per):.2f}" if per else "-"])
    blocks += [("h", h3, "Training time per run"),
               ("p", "Train seconds: the optimisation loop only; eval seconds: the test-set evaluations; "
                     "s/epoch leaves out the first (warm-up) epoch when a run has more than two."),
               ("table", ["run", "state", "epochs", "train s", "eval s", "train s/epoch"], time_rows)]
    tables[f"timing{tag}.csv"] = csv_bytes(
        ["run", "state", "epochs", "train_seconds", "eval_seconds", "train_seconds_per_epoch"], time_rows)

    # ---- answers
    blocks += [("h", h2, "Answers computed from the data")]
    answers: list[str] = []
    for g in regimes:
        v = pick_best({lb: final_loss[lb, g] for lb in labels}, lower_is_better=True)
        answers.append(f"Lowest training loss under `{g}`: {v.text()}; lowest mean: {v.leader}.")
    if len(regimes) > 1:
        base = regimes[0]
        for g in regimes[1:]:
            pairs = [(lb, final_loss[lb, base], final_loss[lb, g]) for lb in labels]
            ps = [welch_p(a, b) for _, a, b in pairs]
            rejected = holm(ps)
            parts = []
            for (lb, a, b), p, rej in zip(pairs, ps, rejected):
                if not a or not b:
                    continue
                ma, mb = summarize(a).mean, summarize(b).mean
                lower = base if ma < mb else g
                verdict = (f"significant, p = {p:.2g}" if rej else "not significant" if math.isfinite(p)
                           else "one seed: untested")
                parts.append(f"{lb}: lower under {lower} ({ma:.4f} vs {mb:.4f}; {verdict})")
            answers.append(f"Training loss, `{g}` vs `{base}` (Welch per optimizer, Holm over optimizers): "
                           + "; ".join(parts) + ".")
    acc_samples = {f"{lb}/{g}": test_acc[lb, g] for lb in labels for g in regimes}
    answers.append(f"Best test accuracy over every trained model: {pick_best(acc_samples, False).text()}.")
    ratio_rows = []
    if len(regimes) > 1:
        base = regimes[0]
        for g in regimes[1:]:
            samples = []
            for lb in labels:
                a = [x for r in finished_group(runs, lb, base) for x in _train_seconds_per_epoch(r)]
                b = [x for r in finished_group(runs, lb, g) for x in _train_seconds_per_epoch(r)]
                if a and b:
                    samples.append((lb, a, b))
            ps = [welch_p(a, b) for _, a, b in samples]
            rejected = holm(ps)
            parts = []
            for (lb, a, b), p, rej in zip(samples, ps, rejected):
                ma, mb = sum(a) / len(a), sum(b) / len(b)
                ratio_rows.append([lb, f"{g}/{base}", f"{ma:.3f}", f"{mb:.3f}", f"{mb / ma:.3f}",
                                   f"{p:.2g}" if math.isfinite(p) else "-", "yes" if rej else "no"])
                parts.append(f"{lb} {mb / ma:.2f}x" + (" (significant)" if rej else " (not significant)"))
            if parts:
                answers.append(f"Training time per epoch, `{g}` / `{base}` (Welch on per-epoch times, Holm): "
                               + "; ".join(parts) + ". The handout reports its dropout runs ~3x slower "
                               "(8 min vs 24 min), which per-step arithmetic does not explain.")
    blocks.append(("ul", answers))
    if ratio_rows:
        headers = ["optimizer", "ratio of", "base s/epoch", "other s/epoch", "ratio", "Welch p", "significant"]
        blocks += [("h", h3, "Time ratio per optimizer"), ("table", headers, ratio_rows)]
        tables[f"time_ratio{tag}.csv"] = csv_bytes(headers, ratio_rows)
    return blocks


def environment(runs: list[Run], executions: list[dict]) -> list[str]:
    import platform

    import numpy

    import mytorch

    from .executors import cores

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = [f"python {platform.python_version()}", f"numpy {numpy.__version__}",
                f"mytorch {getattr(mytorch, '__version__', '?')}"]
    for mod in ("scipy", "dask", "distributed", "matplotlib"):
        with contextlib.suppress(ImportError):
            versions.append(f"{mod} {__import__(mod).__version__}")
    try:
        from threadpoolctl import threadpool_info

        blas = sorted({f"{i.get('internal_api')} {i.get('version')}" for i in threadpool_info()})
        versions.append("BLAS " + ", ".join(blas))
    except ImportError:
        pass
    threads = sorted({(r.result or {}).get("threads") for r in runs if r.result} - {None})
    hosts = sorted({(r.result or {}).get("host") for r in runs if r.result} - {None})
    lines = [f"Report written on: {platform.node()}, {cpu}, {cores()} cores",
             f"Threads per run: {', '.join(map(str, threads)) or '-'}; runs executed on: {', '.join(hosts) or '-'}",
             "Executions: " + ("; ".join(f"{e.get('started')} {e.get('executor')} x{e.get('workers')} workers, "
                                         f"{e.get('threads')} thread(s)/run, {e.get('cores')} cores on {e.get('host')}"
                                         f" ({e.get('cells')} runs to do"
                                         + (f", wall time {_duration(e['wall_seconds'])}" if "wall_seconds" in e
                                            else "") + ")" for e in executions) or "-"),
             "Versions: " + ", ".join(versions)]
    return lines


def _duration(seconds: float) -> str:
    return f"{seconds / 3600:.2f} h" if seconds >= 3600 else f"{seconds / 60:.1f} min" if seconds >= 60 \
        else f"{seconds:.0f} s"


def write_report(out: str | Path) -> Path:
    """Write ``out/report/`` (report.md, report.html, figures, CSV tables); return the HTML path."""
    out = Path(out)
    blocks, figures, tables = build_report(out)
    folder = out / "report"
    folder.mkdir(exist_ok=True)
    for name, data in {**figures, **tables}.items():
        atomic_write(folder / name, data)
    atomic_write(folder / "report.md", to_markdown(blocks).encode())
    title = next(b[2] for b in blocks if b[0] == "h")
    atomic_write(folder / "report.html", to_html(blocks, title, figures).encode())
    return folder / "report.html"
