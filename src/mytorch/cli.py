"""The ``mytorch`` command: ``mytorch train`` and ``mytorch evaluate`` (also ``python -m mytorch``).

    mytorch train --model mlp-resnet --hidden 256 --optimizer adamw --lr 3e-3 --scheduler onecycle \\
                  --epochs 10 --out runs/demo
    mytorch train --out runs/demo --resume --epochs 12        # continue where it stopped
    mytorch evaluate --checkpoint runs/demo/checkpoint-best.safetensors

Bad input -- an unknown choice, a missing dataset, a resume into a directory whose config
differs, an output directory that cannot be written -- gives one clear message and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

MODELS = ("mlp0", "mlp1", "mlp4", "mlp", "mlp-resnet")
DATASETS = ("fashion-mnist", "mnist", "cifar10")
OPTIMIZERS = ("sgd", "adam", "adamw", "adagrad", "rmsprop", "rmsprop-nesterov", "adadelta", "nadam", "radam")
SCHEDULERS = ("none", "step", "cosine", "onecycle")
# Changing these between a run and its --resume would silently train something else.
RESUME_KEYS = ("model", "hidden", "dataset", "batch_size", "optimizer", "lr", "momentum", "weight_decay",
               "scheduler", "dropout_input", "dropout_hidden", "seed")


class UsageError(Exception):
    """Bad input from the user: reported in one line, exit status 2."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mytorch", description="Train and evaluate mytorch models.")
    sub = parser.add_subparsers(dest="command", required=True)

    train = sub.add_parser("train", help="train a model and write metrics, curves and checkpoints")
    train.add_argument("--model", choices=MODELS, default="mlp-resnet")
    train.add_argument("--hidden", default=None,
                       help="mlp: comma-separated widths (default 1000,1000); mlp-resnet: hidden_dim (default 100)")
    train.add_argument("--dataset", choices=DATASETS, default="fashion-mnist")
    train.add_argument("--data-dir", default=None, help="directory with the dataset files")
    train.add_argument("--download", action="store_true", help="download the dataset if it is missing")
    train.add_argument("--epochs", type=_positive_int, default=10)
    train.add_argument("--batch-size", type=_positive_int, default=128)
    train.add_argument("--optimizer", choices=OPTIMIZERS, default="adam")
    train.add_argument("--lr", type=float, default=None, help="learning rate (default: the optimizer's own)")
    train.add_argument("--momentum", type=float, default=None, help="sgd / rmsprop momentum")
    train.add_argument("--weight-decay", type=float, default=None)
    train.add_argument("--scheduler", choices=SCHEDULERS, default="none")
    train.add_argument("--dropout-input", type=float, default=0.0, help="mlp: dropout on the input")
    train.add_argument("--dropout-hidden", type=float, default=None,
                       help="mlp: dropout after hidden layers; mlp-resnet: the blocks' drop_prob (default 0.1)")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--out", default="runs/latest", help="output directory (default runs/latest)")
    train.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint-last.safetensors")
    train.add_argument("--quiet", action="store_true", help="no progress bar and no per-epoch lines")

    ev = sub.add_parser("evaluate", help="report the test loss and accuracy of a checkpoint")
    ev.add_argument("--checkpoint", required=True)
    ev.add_argument("--data-dir", default=None)
    ev.add_argument("--batch-size", type=_positive_int, default=1000)
    return parser


def _positive_int(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


# ---------------------------------------------------------------------- building blocks
def _config(args: argparse.Namespace) -> dict[str, Any]:
    if args.hidden is not None and args.model in ("mlp0", "mlp1", "mlp4"):
        raise UsageError(f"--hidden does not apply to --model {args.model} (seed 004's fixed hidden widths)")
    if args.model == "mlp":
        hidden = args.hidden or "1000,1000"
        try:
            widths = [int(h) for h in hidden.split(",")]
        except ValueError:
            raise UsageError(f"--hidden for mlp must be comma-separated integers, got {hidden!r}") from None
        hidden = ",".join(str(w) for w in widths)
    elif args.model == "mlp-resnet":
        hidden = args.hidden or "100"
        if not hidden.isdigit():
            raise UsageError(f"--hidden for mlp-resnet is one integer (hidden_dim), got {hidden!r}")
    else:
        hidden = None
    for name in ("dropout_input", "dropout_hidden"):
        p = getattr(args, name)
        if p is not None and not 0.0 <= p < 1.0:
            raise UsageError(f"--{name.replace('_', '-')} must be in [0, 1), got {p}")
    return {
        "model": args.model, "hidden": hidden, "dataset": args.dataset, "epochs": args.epochs,
        "batch_size": args.batch_size, "optimizer": args.optimizer, "lr": args.lr, "momentum": args.momentum,
        "weight_decay": args.weight_decay, "scheduler": args.scheduler, "dropout_input": args.dropout_input,
        "dropout_hidden": args.dropout_hidden, "seed": args.seed,
    }


def _datasets(config: dict, data_dir: str | None, download: bool, train: bool = True):
    from . import datasets

    name = config["dataset"]
    cls = {"fashion-mnist": datasets.FashionMNIST, "mnist": datasets.MNIST, "cifar10": datasets.CIFAR10}[name]
    try:
        test = cls(root=data_dir, train=False, download=download)
        train_set = cls(root=data_dir, train=True, download=download) if train else None
    except FileNotFoundError as e:
        raise UsageError(f"dataset {name} is missing.\n{e}") from None
    return train_set, test


def build_model(config: dict, in_features: int, num_classes: int):
    """The model a config names, sized for the dataset."""
    from . import models

    name = config["model"]
    if name == "mlp0":
        return models.MLP0(in_features, num_classes)
    if name == "mlp1":
        return models.MLP1(in_features, num_classes)
    if name == "mlp4":
        return models.MLP4(in_features, num_classes)
    drop = config.get("dropout_hidden")
    if name == "mlp":
        widths = [int(h) for h in config["hidden"].split(",")]
        return models.MLP(in_features, widths, num_classes, config.get("dropout_input") or 0.0, drop or 0.0)
    return models.MLPResNet(in_features, int(config["hidden"]), num_classes=num_classes,
                            drop_prob=0.1 if drop is None else drop)


def build_optimizer(config: dict, params):
    from . import optim

    name = config["optimizer"]
    kwargs: dict[str, Any] = {}
    if config["lr"] is not None:
        kwargs["lr"] = config["lr"]
    if config["weight_decay"] is not None:
        kwargs["weight_decay"] = config["weight_decay"]
    momentum = config["momentum"]
    if name in ("sgd", "rmsprop", "rmsprop-nesterov"):
        if name == "rmsprop-nesterov":
            kwargs["momentum"] = 0.9 if momentum is None else momentum
            kwargs["nesterov"] = True
        elif momentum is not None:
            kwargs["momentum"] = momentum
    elif momentum is not None:
        raise UsageError(f"--momentum applies to sgd, rmsprop and rmsprop-nesterov, not to {name}")
    cls = {"sgd": optim.SGD, "adam": optim.Adam, "adamw": optim.AdamW, "adagrad": optim.Adagrad,
           "rmsprop": optim.RMSprop, "rmsprop-nesterov": optim.RMSprop, "adadelta": optim.Adadelta,
           "nadam": optim.NAdam, "radam": optim.RAdam}[name]
    if name == "sgd" and "lr" not in kwargs:
        kwargs["lr"] = 0.01  # torch's SGD default (1e-3) barely moves an MLP in 10 epochs
    try:
        return cls(params, **kwargs)
    except ValueError as e:
        raise UsageError(f"--optimizer {name}: {e}") from None


def build_scheduler(config: dict, optimizer, steps_per_epoch: int):
    """(scheduler, interval) for the config's --scheduler."""
    from .optim import lr_scheduler

    name, epochs = config["scheduler"], config["epochs"]
    if name == "none":
        return None, "epoch"
    if name == "step":
        return lr_scheduler.StepLR(optimizer, step_size=max(1, epochs // 3), gamma=0.1), "epoch"
    if name == "cosine":
        return lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs * steps_per_epoch), "step"
    max_lr = optimizer.param_groups[0]["lr"]
    return lr_scheduler.OneCycleLR(optimizer, max_lr=max_lr, total_steps=epochs * steps_per_epoch), "step"


def _check_writable(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / f".write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as e:
        raise UsageError(f"cannot write to --out {out}: {e.strerror or e}") from None


def _resume_config(out: Path, config: dict) -> None:
    saved_path = out / "config.json"
    if not saved_path.is_file():
        raise UsageError(f"--resume: {saved_path} does not exist (nothing to resume in {out})")
    saved = json.loads(saved_path.read_text())
    differing = [k for k in RESUME_KEYS if saved.get(k) != config.get(k)]
    if config["epochs"] != saved.get("epochs") and config["scheduler"] in ("step", "cosine", "onecycle"):
        differing.append(f"epochs (the {config['scheduler']} schedule depends on it)")
    if differing:
        details = "; ".join(
            f"{k}: saved {saved.get(k)!r}, now {config.get(k)!r}" if k in saved or k in config else k
            for k in differing
        )
        raise UsageError(f"--resume: the config in {saved_path} differs from this command ({details})")


# ---------------------------------------------------------------------- commands
def train_command(args: argparse.Namespace) -> int:
    import mytorch
    from mytorch import nn
    from mytorch.train import LAST, NonFiniteLossError, fit, load_checkpoint, restore
    from mytorch.utils.data import DataLoader

    config = _config(args)
    out = Path(args.out)
    _check_writable(out)
    if args.resume:
        _resume_config(out, config)
    elif (out / LAST).exists():
        raise UsageError(f"{out} already holds a run ({LAST}); pass --resume to continue it or choose another --out")

    mytorch.manual_seed(config["seed"])
    train_set, test_set = _datasets(config, args.data_dir, args.download)
    sample = test_set[0][0]
    in_features = int(sample.numel() if hasattr(sample, "numel") else sample.size)
    num_classes = len(getattr(test_set, "classes", range(10)))
    model = build_model(config, in_features, num_classes)
    optimizer = build_optimizer(config, model.parameters())
    train_loader = DataLoader(train_set, batch_size=config["batch_size"], shuffle=True)
    test_loader = DataLoader(test_set, batch_size=1000)
    scheduler, interval = build_scheduler(config, optimizer, len(train_loader))

    start_epoch, history = 0, []
    if args.resume:
        checkpoint = load_checkpoint(out / LAST)
        restore(checkpoint, model, optimizer, scheduler)
        start_epoch, history = checkpoint.epoch, checkpoint.history
        if start_epoch >= config["epochs"]:
            print(f"{out}: already trained for {start_epoch} epochs (--epochs {config['epochs']}); nothing to do")
            return 0
    (out / "config.json").write_text(json.dumps(config, indent=2) + "\n")

    log = (lambda line: None) if args.quiet else print
    log(f"training {config['model']} ({model.num_parameters():,} parameters) on {config['dataset']} "
        f"with {config['optimizer']}, {config['epochs']} epochs, batch {config['batch_size']}")
    started = time.perf_counter()
    try:
        history = fit(model, train_loader, test_loader, nn.CrossEntropyLoss(), optimizer, config["epochs"],
                      scheduler=scheduler, scheduler_interval=interval, out_dir=out,
                      config={**config, "title": f"{config['model']} on {config['dataset']}"},
                      history=history, start_epoch=start_epoch, quiet=args.quiet, log=log)
    except NonFiniteLossError as e:
        last = out / LAST
        kept = f"the last good checkpoint is {last}" if last.exists() else "no checkpoint was written"
        print(f"mytorch train: training stopped: {e}; {kept}", file=sys.stderr)
        return 1
    final = history[-1]
    print(f"final test accuracy {final['test_acc']:.4f} (test loss {final['test_loss']:.4f}) after "
          f"{final['epoch']} epochs in {time.perf_counter() - started:.1f}s")
    print(f"curves: {out / 'curves.png'}  metrics: {out / 'metrics.csv'}  checkpoint: {out / LAST}")
    return 0


def evaluate_command(args: argparse.Namespace) -> int:
    from mytorch import nn
    from mytorch.train import evaluate, load_checkpoint
    from mytorch.utils.data import DataLoader

    try:
        checkpoint = load_checkpoint(args.checkpoint)
    except (FileNotFoundError, ValueError) as e:
        raise UsageError(f"--checkpoint: {e}") from None
    config = checkpoint.config
    if "model" not in config or "dataset" not in config:
        raise UsageError(f"{args.checkpoint} was not written by `mytorch train` (its config names no model/dataset)")
    _, test_set = _datasets(config, args.data_dir, False, train=False)
    sample = test_set[0][0]
    in_features = int(sample.numel() if hasattr(sample, "numel") else sample.size)
    model = build_model(config, in_features, len(getattr(test_set, "classes", range(10))))
    model.load_state_dict(checkpoint.model)
    loss, acc = evaluate(model, DataLoader(test_set, batch_size=args.batch_size), nn.CrossEntropyLoss())
    print(f"{args.checkpoint} (epoch {checkpoint.epoch}, {config['model']} on {config['dataset']}): "
          f"test loss {loss:.4f}, accuracy {acc:.4f}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "train":
            return train_command(args)
        return evaluate_command(args)
    except UsageError as e:
        print(f"mytorch {args.command}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"mytorch {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
