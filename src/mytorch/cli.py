"""The ``mytorch`` command: ``mytorch train`` and ``mytorch evaluate`` (also ``python -m mytorch``).

    mytorch train --model mlp-resnet --hidden 256 --optimizer adamw --lr 3e-3 --scheduler onecycle \\
                  --epochs 10 --out runs/demo
    mytorch train --out runs/demo --resume --epochs 12        # continue where it stopped
    mytorch evaluate --checkpoint runs/demo/checkpoint-best.safetensors

Bad input -- an unknown choice or a bad value, a missing, damaged or unreadable dataset or
checkpoint, a resume into a directory whose config differs, an output directory that cannot be
written -- gives one clear message and exit status 2, and leaves the output directory as it was.
Training that diverges (a non-finite loss or non-finite weights) stops with exit status 1,
keeping the last good checkpoint.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from ._argtypes import OneLineParser
from ._argtypes import positive_int as _positive_int


class UsageError(Exception):
    """Bad input from the user: reported in one line, exit status 2."""


def _parser() -> argparse.ArgumentParser:
    from .train.recipe import DATASETS, MODELS, OPTIMIZERS, SCHEDULERS, RunConfig

    defaults = RunConfig()
    parser = OneLineParser(prog="mytorch", description="Train and evaluate mytorch models.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)

    train = sub.add_parser("train", help="train a model and write metrics, curves and checkpoints")
    train.add_argument("--model", choices=list(MODELS), default=defaults.model,
                       help="an MLP, or a CNN (lenet5, resnet20/32/56) on the images as (N, C, H, W)")
    train.add_argument("--hidden", default=None,
                       help="mlp: comma-separated widths (default 1000,1000); mlp-resnet: hidden_dim (default 100)")
    train.add_argument("--dataset", choices=list(DATASETS), default=defaults.dataset)
    train.add_argument("--data-dir", default=None, help="directory with the dataset files")
    train.add_argument("--download", action="store_true", help="download the dataset if it is missing")
    train.add_argument("--epochs", type=_positive_int, default=defaults.epochs)
    train.add_argument("--batch-size", type=_positive_int, default=defaults.batch_size)
    train.add_argument("--optimizer", choices=list(OPTIMIZERS), default=defaults.optimizer)
    train.add_argument("--lr", type=float, default=None, help="learning rate (default: the optimizer's own)")
    train.add_argument("--momentum", type=float, default=None, help="sgd / rmsprop momentum")
    train.add_argument("--weight-decay", type=float, default=None)
    train.add_argument("--scheduler", choices=list(SCHEDULERS), default=defaults.scheduler)
    train.add_argument("--dropout-input", type=float, default=defaults.dropout_input,
                       help="mlp: dropout on the input")
    train.add_argument("--dropout-hidden", type=float, default=None,
                       help="mlp: dropout after hidden layers; mlp-resnet: the blocks' drop_prob (default 0.1)")
    train.add_argument("--dropout-output", type=float, default=defaults.dropout_output,
                       help="mlp: dropout on the logits")
    train.add_argument("--augment", action="store_true",
                       help="random crop (padding 4) + horizontal flip of the training images (CIFAR's standard)")
    train.add_argument("--seed", type=int, default=defaults.seed)
    train.add_argument("--threads", type=_positive_int, default=None,
                       help="BLAS and optimizer threads (default: this machine's CPUs, at most 8)")
    train.add_argument("--subset", type=_positive_int, default=None, help="train on the first N training samples")
    train.add_argument("--out", default="runs/latest", help="output directory (default runs/latest)")
    train.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint-last.safetensors")
    train.add_argument("--quiet", action="store_true", help="no progress bar and no per-epoch lines")
    train.add_argument("--tensorboard", nargs="?", const="", default=None, metavar="DIR",
                       help="log each epoch's metrics for TensorBoard into DIR (default OUT/tensorboard)")

    ev = sub.add_parser("evaluate", help="report the test loss and accuracy of a checkpoint")
    ev.add_argument("--checkpoint", required=True)
    ev.add_argument("--data-dir", default=None)
    ev.add_argument("--batch-size", type=_positive_int, default=1000)
    from .lab.cli import add_parser as add_lab_parser

    add_lab_parser(sub)  # `mytorch lab ...`: optimizer studies (mytorch/lab/cli.py)
    return parser


def _config(args: argparse.Namespace):
    """The RunConfig the train flags describe (its validation names the bad field)."""
    from .train.recipe import RunConfig

    hidden = None
    if args.hidden is not None:
        try:
            hidden = tuple(int(h) for h in args.hidden.split(","))
        except ValueError:
            raise UsageError(f"--hidden must be comma-separated integers, got {args.hidden!r}") from None
    return RunConfig(
        model=args.model, hidden=hidden, dataset=args.dataset, batch_size=args.batch_size, epochs=args.epochs,
        optimizer=args.optimizer, lr=args.lr, momentum=args.momentum, weight_decay=args.weight_decay,
        scheduler=args.scheduler, dropout_input=args.dropout_input, dropout_hidden=args.dropout_hidden,
        dropout_output=args.dropout_output, seed=args.seed, threads=args.threads, subset=args.subset,
        augment=args.augment,
    )


# ---------------------------------------------------------------------- commands
def train_command(args: argparse.Namespace) -> int:
    from .train import LAST, NonFiniteLossError
    from .train.recipe import run

    config = _config(args)
    out = Path(args.out)  # run() checks that it can write there before it writes anything
    log = None if args.quiet else print
    tb = None
    if args.tensorboard is not None:
        from .train.tensorboard import EpochLogger

        tb_dir = Path(args.tensorboard) if args.tensorboard else out / "tensorboard"
        if tb_dir.exists() and not tb_dir.is_dir():
            raise UsageError(f"--tensorboard: {tb_dir} exists and is not a directory")
        tb = EpochLogger(tb_dir, config.to_json())
    started = time.perf_counter()
    try:
        history = run(config, out, resume=args.resume, data_dir=args.data_dir, download=args.download,
                      quiet=args.quiet, log=log, on_epoch_end=tb)
    except NonFiniteLossError as e:
        last = out / LAST
        kept = f"the last good checkpoint is {last}" if last.exists() else "no checkpoint was written"
        print(f"mytorch train: training stopped: {e}; {kept}", file=sys.stderr)
        return 1
    finally:
        if tb is not None:
            tb.close()
    final = history[-1]
    print(f"final test accuracy {final['test_acc']:.4f} (test loss {final['test_loss']:.4f}) after "
          f"{final['epoch']} epochs in {time.perf_counter() - started:.1f}s")
    print(f"curves: {out / 'curves.png'}  metrics: {out / 'metrics.csv'}  checkpoint: {out / LAST}")
    if tb is not None:
        print(f"tensorboard: tensorboard --logdir {tb.log_dir}")
    return 0


def evaluate_command(args: argparse.Namespace) -> int:
    from . import nn
    from .train import evaluate, load_checkpoint
    from .train.checkpoint import describe_keys, find_non_finite
    from .train.recipe import RecipeError, RunConfig, build_model, input_size, load_datasets
    from .utils.data import DataLoader

    try:
        checkpoint = load_checkpoint(args.checkpoint)
    except (OSError, ValueError) as e:
        raise UsageError(f"--checkpoint: {e}") from None
    saved = {k: v for k, v in checkpoint.config.items() if k != "title"}
    if "model" not in saved or "dataset" not in saved:
        raise UsageError(f"{args.checkpoint} was not written by `mytorch train` (its config names no model/dataset)")
    try:
        config = RunConfig.from_dict(saved)
    except RecipeError as e:
        raise UsageError(f"{args.checkpoint}: the checkpoint's config is invalid: {e}") from None
    bad = find_non_finite(checkpoint.model)
    if bad:
        raise UsageError(f"{args.checkpoint} holds non-finite weights (nan/inf) in {describe_keys(bad)}; "
                         "it cannot be evaluated")
    _, test_set = load_datasets(config, args.data_dir, train=False)
    model = build_model(config, *input_size(test_set))
    try:
        model.load_state_dict(checkpoint.model)
    except (KeyError, RuntimeError, ValueError, TypeError) as e:
        detail = " ".join(str(e).split())  # load_state_dict lists every mismatch on its own line
        raise UsageError(f"{args.checkpoint}: the weights do not fit {config.model} on {config.dataset}: {detail}"
                         ) from None
    loss, acc = evaluate(model, DataLoader(test_set, batch_size=args.batch_size), nn.CrossEntropyLoss())
    print(f"{args.checkpoint} (epoch {checkpoint.epoch}, {config.model} on {config.dataset}): "
          f"test loss {loss:.4f}, accuracy {acc:.4f}")
    return 0


def _one_line(e: BaseException) -> str:
    """An error's message on one line: a library message written for a reader of Python (a missing dataset's
    list of places looked in, say) is joined with "; " so the command's error stays one line."""
    lines = [line.strip() for line in str(e).splitlines() if line.strip()]
    return "".join(line + ("" if k == len(lines) - 1 else " " if line.endswith(":") else "; ")
                   for k, line in enumerate(lines))


def main(argv: list[str] | None = None) -> int:
    from .train.recipe import RecipeError

    args = _parser().parse_args(argv)
    if args.command == "lab":
        from .lab.cli import lab_command

        return lab_command(args)
    try:
        if args.command == "train":
            return train_command(args)
        return evaluate_command(args)
    except (UsageError, RecipeError) as e:
        print(f"mytorch {args.command}: error: {_one_line(e)}", file=sys.stderr)
        return 2
    except OSError as e:  # the disk or the file system failed under a running command
        print(f"mytorch {args.command}: error: {_one_line(e)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"mytorch {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
