"""``mytorch lab``: presets, init, run, status, report (registered by ``mytorch.cli`` via ``add_parser``).

    mytorch lab presets
    mytorch lab init seed-003 > study.toml
    mytorch lab run study.toml --out runs/study [--epochs N] [--seeds K] [--subset N] [--trials N]
                   [--dataset NAME --data-dir DIR] [--download] [--executor local|dask] [--workers N]
                   [--scheduler ADDRESS | --cluster slurm|pbs|sge|lsf [--queue Q --account A --cores N
                   --memory M --walltime T --processes N --jobs N --local-directory DIR]]
                   [--tensorboard] [--wandb] [--quiet]
    mytorch lab status runs/study
    mytorch lab report runs/study
    mytorch lab cluster-script study.toml --cluster slurm [the job flags]

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
    run.add_argument("--trials", type=_positive_int, default=None,
                     help="tuning trials per optimizer and regime (overrides [tuning] trials)")
    run.add_argument("--tensorboard", action="store_true", default=None,
                     help="log every run to DIR/tensorboard/<run>/ (also: tensorboard = true in the study)")
    run.add_argument("--wandb", action="store_true", default=None,
                     help="log every run to Weights & Biases in offline mode, under DIR/wandb/ (needs wandb)")
    run.add_argument("--quiet", action="store_true", help="no progress bar and no line per run")
    run.add_argument("--no-report", action="store_true", help="do not write the report at the end")
    _cluster_flags(run)
    status = sub.add_parser("status", help="the state of every run in a study directory")
    status.add_argument("dir")
    report = sub.add_parser("report", help="(re)write DIR/report from the runs")
    report.add_argument("dir")
    script = sub.add_parser("cluster-script", help="print the batch job script `lab run --cluster` would submit")
    script.add_argument("study", help="a study file (TOML) or a preset name")
    _cluster_flags(script, required=True)
    return lab


_JOB_FLAGS = {"queue": str, "account": str, "cores": _positive_int, "memory": str, "walltime": str,
              "processes": _positive_int, "jobs": _positive_int, "local_directory": str}


def _cluster_flags(parser: argparse.ArgumentParser, required: bool = False) -> None:
    parser.add_argument("--cluster", choices=("slurm", "pbs", "sge", "lsf"), required=required, default=None,
                        help="start the Dask workers as batch jobs (dask-jobqueue; options: [cluster] or flags)")
    for name, kind in _JOB_FLAGS.items():
        parser.add_argument(f"--{name.replace('_', '-')}", dest=f"job_{name}", type=kind, default=None,
                            help=f"cluster job: {name.replace('_', ' ')} (overrides [cluster] {name})")


def _cluster(args: argparse.Namespace, study) -> tuple[str, dict] | None:
    """(kind, job options) from the study's [cluster] table and the flags; None without --cluster."""
    from .cluster import cluster_options

    flags = {name: getattr(args, f"job_{name}") for name in _JOB_FLAGS}
    if args.cluster is None:
        given = [f"--{k.replace('_', '-')}" for k, v in flags.items() if v is not None]
        if given:
            raise LabError(f"{', '.join(given)} apply to --cluster only")
        return None
    return args.cluster, cluster_options(study.data.get("cluster"), flags, study.data["threads"])


def status_table(out: Path) -> str:
    """Every run's state (a trial's accuracy is on its validation split), the counts, and the ETA."""
    from .cell import cell_state, read_json, read_rows
    from .results import executions, load_saved_study
    from .runner import trained_epochs
    from .tuning import plan

    study = load_saved_study(out)
    current = plan(study, out)
    rows = [("run", "state", "epochs", "train loss", "test acc")]
    counts: dict[str, int] = {}
    seconds: list[float] = []
    for cell in current.cells:
        d = cell.path(out)
        epochs = cell.config["epochs"]
        state, logged = cell_state(d, epochs)
        counts[state] = counts.get(state, 0) + 1
        final = (read_json(d / "result.json") or {}).get("final") or {}
        in_progress = min(logged + 1, epochs)  # a run past its last epoch is writing its result
        shown = {"partial": f"partial at epoch {logged}", "running": f"running (epoch {in_progress}/{epochs})",
                 "diverged": f"diverged after epoch {logged}"}.get(state, state)
        seconds += [r.get("train_seconds", 0.0) + r.get("eval_seconds", 0.0)
                    for r in read_rows(d)[cell.start_epochs:]]
        rows.append((cell.folder.removeprefix("runs/"), shown, f"{logged}/{epochs}",
                     f"{final['train_loss']:.4f}" if "train_loss" in final else "-",
                     (f"{final['test_acc']:.4f}" if "test_acc" in final else "-")
                     + (" (val)" if cell.kind == "trial" and "test_acc" in final else "")))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    if current.undecided:
        counts["waiting for tuning"] = current.undecided
    lines.append(", ".join(f"{v} {k}" for k, v in sorted(counts.items())))
    left = current.total_epochs - sum(trained_epochs(out, c) for c in current.cells)
    if left > 0:
        lines.append(_eta(left, seconds, executions(out)))
    return "\n".join(lines)


def _eta(left: int, seconds: list[float], runs: list[dict]) -> str:
    """The time left: epochs left x the mean measured epoch (train + eval) / the last execution's workers."""
    if not seconds:
        return f"ETA: unknown ({left} epochs left, none measured yet)"
    workers = max(1, int((runs[-1].get("workers") if runs else None) or 1))
    per = sum(seconds) / len(seconds)
    eta = left * per / workers
    shown = f"{eta / 3600:.1f} h" if eta >= 5400 else f"{eta / 60:.0f} min" if eta >= 90 else f"{eta:.0f} s"
    return (f"ETA: about {shown} ({left} epochs left at {per:.1f} s per epoch measured over {len(seconds)}, "
            f"{workers} worker(s))")


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
    if args.lab_command == "cluster-script":
        from .cluster import job_script
        from .study import load_study

        study, _ = load_study(args.study)
        sys.stdout.write(job_script(*_cluster(args, study)))
        return 0
    if args.lab_command == "report":
        from .report import write_report
        from .results import load_saved_study

        load_saved_study(Path(args.dir))
        path = write_report(Path(args.dir))
        print(f"report: {path} (and {path.with_suffix('.md')})")
        return 0
    from .runner import run_study
    from .study import load_study

    study, _ = load_study(args.study)
    study = study.with_overrides(epochs=args.epochs, seeds=args.seeds, subset=args.subset,
                                 dataset=args.dataset, trials=args.trials).validate(args.study)
    counts = run_study(study, Path(args.out), executor=args.executor, workers=args.workers,
                       scheduler=args.scheduler, cluster=_cluster(args, study), data_dir=args.data_dir,
                       download=args.download, report=not args.no_report, tensorboard=args.tensorboard,
                       wandb=args.wandb, quiet=args.quiet)
    return 1 if counts["failed"] else 0


def main(argv: list[str] | None = None) -> int:
    """``python -m mytorch.lab ...`` (the same as ``mytorch lab ...``)."""
    parser = _OneLineParser(prog="mytorch")
    add_parser(parser.add_subparsers(dest="command", required=True, parser_class=_OneLineParser))
    return lab_command(parser.parse_args(["lab", *(sys.argv[1:] if argv is None else argv)]))
