"""``mytorch lab``: presets, init, run, status, report (registered by ``mytorch.cli`` via ``add_parser``).

    mytorch lab presets
    mytorch lab init seed-003 > study.toml
    mytorch lab run study.toml --out runs/study [--epochs N] [--seeds K] [--subset N] [--dataset NAME
                   --data-dir DIR] [--download] [--executor local|dask] [--workers N] [--scheduler ADDRESS]
    mytorch lab status runs/study
    mytorch lab report runs/study

Bad input prints one line on stderr and exits with status 2.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .._argtypes import positive_int as _positive_int
from .study import LabError


class _OneLineParser(argparse.ArgumentParser):
    """argparse errors as one line (``mytorch lab run: error: ...``), exit status 2."""

    def error(self, message: str):
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        sys.exit(2)


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Add ``lab`` and its subcommands to a parent parser's subparsers."""
    lab = subparsers.add_parser("lab", help="optimizer studies: a grid of runs, resumable, with a report",
                                description="Optimizer studies: optimizers x regimes x seeds, each a training run.")
    lab.error = _OneLineParser.error.__get__(lab)  # the parent's class prints usage; one line here
    sub = lab.add_subparsers(dest="lab_command", required=True, parser_class=_OneLineParser)
    sub.add_parser("presets", help="list the built-in studies")
    init = sub.add_parser("init", help="print a preset's study file (TOML) to edit")
    init.add_argument("preset")
    run = sub.add_parser("run", help="run (or resume) a study; writes DIR/report at the end")
    run.add_argument("study", help="a study file (TOML) or a preset name")
    run.add_argument("--out", required=True, help="the study directory")
    run.add_argument("--epochs", type=_positive_int, default=None, help="override the study's epochs")
    run.add_argument("--seeds", type=_positive_int, default=None, help="K seeds: 0..K-1 instead of the study's")
    run.add_argument("--subset", type=_positive_int, default=None, help="train on the first N training samples")
    run.add_argument("--dataset", default=None, help="override the study's dataset (fashion-mnist mnist cifar10)")
    run.add_argument("--data-dir", default=None, help="directory with the dataset files")
    run.add_argument("--download", action="store_true", help="download the dataset if it is missing")
    run.add_argument("--executor", choices=("local", "dask"), default="local")
    run.add_argument("--workers", type=_positive_int, default=None,
                     help="parallel runs (default: cores // threads per run)")
    run.add_argument("--scheduler", default=None, help="dask: address of a running scheduler (tcp://HOST:PORT)")
    run.add_argument("--no-report", action="store_true", help="do not write the report at the end")
    status = sub.add_parser("status", help="the state of every run in a study directory")
    status.add_argument("dir")
    report = sub.add_parser("report", help="(re)write DIR/report from the runs")
    report.add_argument("dir")
    return lab


def status_table(out: Path) -> str:
    from .cell import cell_state, read_json
    from .runner import load_saved_study

    study = load_saved_study(out)
    rows = [("run", "state", "epochs", "train loss", "test acc")]
    counts: dict[str, int] = {}
    for cell in study.cells():
        d = out / "runs" / cell.name
        state, logged = cell_state(d, study.epochs)
        counts[state] = counts.get(state, 0) + 1
        final = (read_json(d / "result.json") or {}).get("final") or {}
        shown = {"partial": f"partial at epoch {logged}", "running": f"running (epoch {logged})",
                 "diverged": f"diverged after epoch {logged}"}.get(state, state)
        rows.append((cell.name, shown, f"{logged}/{study.epochs}",
                     f"{final['train_loss']:.4f}" if "train_loss" in final else "-",
                     f"{final['test_acc']:.4f}" if "test_acc" in final else "-"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    lines.append(", ".join(f"{v} {k}" for k, v in sorted(counts.items())))
    return "\n".join(lines)


def lab_command(args: argparse.Namespace) -> int:
    """Run one ``mytorch lab`` subcommand; a ``LabError`` becomes one line on stderr and status 2."""
    try:
        return _dispatch(args)
    except LabError as e:
        message = "; ".join(part.strip() for part in str(e).splitlines() if part.strip())  # one line
        print(f"mytorch lab {args.lab_command}: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"mytorch lab {args.lab_command}: interrupted (run it again to resume)", file=sys.stderr)
        return 130


def _dispatch(args: argparse.Namespace) -> int:
    from .presets import PRESETS

    if args.lab_command == "presets":
        for p in PRESETS.values():
            print(f"{p.name:<20} {p.summary}")
        return 0
    if args.lab_command == "init":
        if args.preset not in PRESETS:
            raise LabError(f"unknown preset {args.preset!r} (presets: {', '.join(PRESETS)})")
        sys.stdout.write(PRESETS[args.preset].text)
        return 0
    if args.lab_command == "status":
        print(status_table(Path(args.dir)))
        return 0
    if args.lab_command == "report":
        from .report import write_report
        from .runner import load_saved_study

        load_saved_study(Path(args.dir))
        path = write_report(Path(args.dir))
        print(f"report: {path} (and {path.with_suffix('.md')})")
        return 0
    from .runner import run_study
    from .study import load_study

    study, _ = load_study(args.study)
    study = study.with_overrides(epochs=args.epochs, seeds=args.seeds, subset=args.subset,
                                 dataset=args.dataset).validate(args.study)
    counts = run_study(study, Path(args.out), executor=args.executor, workers=args.workers,
                       scheduler=args.scheduler, data_dir=args.data_dir, download=args.download,
                       report=not args.no_report)
    return 1 if counts["failed"] else 0


def main(argv: list[str] | None = None) -> int:
    """``python -m mytorch.lab ...`` (the same as ``mytorch lab ...``)."""
    parser = _OneLineParser(prog="mytorch")
    add_parser(parser.add_subparsers(dest="command", required=True, parser_class=_OneLineParser))
    return lab_command(parser.parse_args(["lab", *(sys.argv[1:] if argv is None else argv)]))
