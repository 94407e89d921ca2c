"""The training recipe as a library API: one ``RunConfig``, the name registries, and ``run``.

``mytorch train`` is a thin argparse layer over this module, and ``mytorch lab`` calls ``run`` once
per cell of a study grid. From Python or a notebook::

    from mytorch.train.recipe import RunConfig, run

    config = RunConfig(model="mlp-resnet", hidden=(256,), optimizer="adamw", lr=3e-3,
                       weight_decay=0.05, scheduler="onecycle", epochs=10)
    rows = run(config, "runs/demo")            # config.json, metrics.csv, curves.png, checkpoints
    rows = run(config, "runs/demo", resume=True)   # continues bit-identically after an interruption

Every name a config can hold (model, dataset, optimizer, scheduler) is a key of one registry
(``MODELS``, ``DATASETS``, ``OPTIMIZERS``, ``SCHEDULERS``): the CLI's choices are those keys.
Bad values raise ``RecipeError`` naming the field and what is allowed.

Runs are bit-identical at the same thread count (``RunConfig.threads``; the count used is written
to ``config.json``): BLAS rounds a matmul differently on 1 and on 2 threads.
"""

from __future__ import annotations

import dataclasses
import errno
import functools
import json
import math
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .. import models, nn, optim
from .._threads import get_num_threads, set_num_threads
from ..optim import lr_scheduler
from ..random import manual_seed
from ..serialization import atomic_write
from .checkpoint import describe_keys, find_non_finite, load_checkpoint, restore
from .fit import BEST, LAST, fit


class RecipeError(ValueError):
    """A config, a resume or a dataset the recipe cannot use; the message says what and why."""


# ---------------------------------------------------------------------- registries
def _mlp(config: RunConfig, in_features: int, num_classes: int) -> nn.Module:
    return models.MLP(in_features, config.hidden, num_classes, config.dropout_input, config.dropout_hidden or 0.0,
                      dropout_output=config.dropout_output)


def _mlp_resnet(config: RunConfig, in_features: int, num_classes: int) -> nn.Module:
    drop = 0.1 if config.dropout_hidden is None else config.dropout_hidden
    return models.MLPResNet(in_features, config.hidden[0], num_classes=num_classes, drop_prob=drop)


def _lenet5(config: RunConfig, in_features: int, num_classes: int, image: tuple[int, int, int]) -> nn.Module:
    return models.LeNet5(image[0], num_classes, image_size=image[1])


def _cifar_resnet(depth: int) -> Callable[..., nn.Module]:
    def build(config: RunConfig, in_features: int, num_classes: int, image: tuple[int, int, int]) -> nn.Module:
        return models.CifarResNet((depth - 2) // 6, num_classes, in_channels=image[0])
    return build


# name -> (factory(config, in_features, num_classes), default hidden widths; None: fixed topology)
MODELS: dict[str, tuple[Callable[..., nn.Module], tuple[int, ...] | None]] = {
    "mlp0": (lambda c, i, n: models.MLP0(i, n), None),
    "mlp1": (lambda c, i, n: models.MLP1(i, n), None),
    "mlp4": (lambda c, i, n: models.MLP4(i, n), None),
    "mlp": (_mlp, (1000, 1000)),
    "mlp-resnet": (_mlp_resnet, (100,)),
    "lenet5": (_lenet5, None),
    "resnet20": (_cifar_resnet(20), None),
    "resnet32": (_cifar_resnet(32), None),
    "resnet56": (_cifar_resnet(56), None),
}
# The convolutional models: their factories also take the image shape (C, H, W), and their batches
# stay (N, C, H, W) (the MLPs flatten theirs).
CNN_MODELS = ("lenet5", "resnet20", "resnet32", "resnet56")


# name -> the dataset class's name in mytorch.datasets (imported when a run loads it)
DATASETS: dict[str, str] = {"fashion-mnist": "FashionMNIST", "mnist": "MNIST", "cifar10": "CIFAR10"}

# name -> (optimizer class, takes momentum, keyword defaults that the config's lr/momentum/weight_decay override)
OPTIMIZERS: dict[str, tuple[type[optim.Optimizer], bool, dict[str, Any]]] = {
    "sgd": (optim.SGD, True, {"lr": 0.01}),  # torch's default 1e-3 barely moves an MLP in 10 epochs
    "adam": (optim.Adam, False, {}),
    "adamw": (optim.AdamW, False, {}),
    "adagrad": (optim.Adagrad, False, {}),
    "rmsprop": (optim.RMSprop, True, {}),
    "rmsprop-nesterov": (optim.RMSprop, True, {"momentum": 0.9, "nesterov": True}),  # Goodfellow Alg. 8.6
    "adadelta": (optim.Adadelta, False, {}),
    "nadam": (optim.NAdam, False, {}),
    "radam": (optim.RAdam, False, {}),
}


def _step_lr(optimizer: optim.Optimizer, epochs: int, steps_per_epoch: int):
    return lr_scheduler.StepLR(optimizer, step_size=max(1, epochs // 3), gamma=0.1), "epoch"


def _cosine(optimizer: optim.Optimizer, epochs: int, steps_per_epoch: int):
    return lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs * steps_per_epoch), "step"


def _onecycle(optimizer: optim.Optimizer, epochs: int, steps_per_epoch: int):
    max_lr = optimizer.param_groups[0]["lr"]
    return lr_scheduler.OneCycleLR(optimizer, max_lr=max_lr, total_steps=epochs * steps_per_epoch), "step"


# name -> factory(optimizer, epochs, steps_per_epoch) -> (scheduler, "epoch" | "step"); None: no schedule
SCHEDULERS: dict[str, Callable[..., tuple[Any, str]] | None] = {
    "none": None, "step": _step_lr, "cosine": _cosine, "onecycle": _onecycle,
}


# ---------------------------------------------------------------------- the config
@dataclasses.dataclass(frozen=True)
class RunConfig:
    """Everything that decides what one training run computes.

    ``hidden`` is the hidden widths of ``mlp`` (default (1000, 1000)) or ``(hidden_dim,)`` of
    ``mlp-resnet`` (default (100,)); the seed-004 MLPs have fixed widths and take none. Dropout:
    ``dropout_input`` on the flattened input and ``dropout_output`` on the logits (mlp only),
    ``dropout_hidden`` after every hidden ReLU (mlp) or in the residual blocks (mlp-resnet,
    default 0.1). ``lr``/``momentum``/``weight_decay`` None mean the optimizer's own defaults.
    ``threads`` None keeps the process's thread count; ``subset`` N trains on the first N
    training samples. ``eps`` None is the optimizer's own (SGD takes none). ``validation`` f holds
    out a fraction f of the (subset) training set -- a random split drawn from a generator seeded
    with 0, the same for every run -- and evaluates on it instead of the test set, which such a run
    never loads: what hyper-parameter tuning selects on.
    The convolutional models (``lenet5``, ``resnet20/32/56``) take the images as (N, C, H, W);
    ``augment`` applies the standard CIFAR augmentation to the training images (a random crop of the
    image padded by 4 zeros on every side, then a horizontal flip with p = ½).
    """

    model: str = "mlp-resnet"
    hidden: tuple[int, ...] | None = None
    dataset: str = "fashion-mnist"
    batch_size: int = 128
    epochs: int = 10
    optimizer: str = "adam"
    lr: float | None = None
    momentum: float | None = None
    weight_decay: float | None = None
    scheduler: str = "none"
    dropout_input: float = 0.0
    dropout_hidden: float | None = None
    dropout_output: float = 0.0
    seed: int = 0
    threads: int | None = None
    subset: int | None = None
    eps: float | None = None
    validation: float | None = None
    augment: bool = False

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            _check_type(f.name, getattr(self, f.name))
        for name, registry in (("model", MODELS), ("dataset", DATASETS), ("optimizer", OPTIMIZERS),
                               ("scheduler", SCHEDULERS)):
            if getattr(self, name) not in registry:
                raise RecipeError(f"{name} must be one of {', '.join(registry)}; got {getattr(self, name)!r}")
        default_hidden = MODELS[self.model][1]
        hidden = self.hidden
        if default_hidden is None:
            if hidden is not None:
                raise RecipeError(f"hidden does not apply to model {self.model} (seed 004's fixed hidden widths)")
        else:
            hidden = default_hidden if hidden is None else tuple(hidden)
            if not hidden or any(w < 1 or w > _MAX_WIDTH for w in hidden):
                raise RecipeError(f"hidden widths must be integers in 1..{_MAX_WIDTH}; got {list(hidden)}")
            if self.model == "mlp-resnet" and len(hidden) != 1:
                raise RecipeError(f"hidden for mlp-resnet is one width (hidden_dim); got {list(hidden)}")
            if self.model == "mlp-resnet" and hidden[0] < 2:  # its blocks are hidden_dim // 2 wide
                raise RecipeError(f"hidden for mlp-resnet must be at least 2 (its blocks are half as wide); "
                                  f"got {hidden[0]}")
        object.__setattr__(self, "hidden", hidden)
        for name in ("batch_size", "epochs"):
            if getattr(self, name) < 1:
                raise RecipeError(f"{name} must be a positive integer; got {getattr(self, name)}")
        for name in ("threads", "subset"):
            if getattr(self, name) is not None and getattr(self, name) < 1:
                raise RecipeError(f"{name} must be a positive integer (or None); got {getattr(self, name)}")
        if not 0 <= self.seed < 2**63:
            raise RecipeError(f"seed must be an integer in 0..2**63-1; got {self.seed}")
        for name in ("lr", "momentum", "weight_decay", "eps"):
            value = getattr(self, name)
            if value is not None and not (math.isfinite(value) and value >= 0):
                raise RecipeError(f"{name} must be a finite number >= 0; got {value}")
        if self.eps is not None and not _takes(self.optimizer, "eps"):
            takes = ", ".join(n for n in OPTIMIZERS if _takes(n, "eps"))
            raise RecipeError(f"eps applies to {takes}, not to {self.optimizer}")
        if self.validation is not None and not 0.0 < self.validation < 1.0:
            raise RecipeError(f"validation must be a fraction in (0, 1); got {self.validation}")
        if self.momentum is not None and not OPTIMIZERS[self.optimizer][1]:
            takes = ", ".join(n for n, spec in OPTIMIZERS.items() if spec[1])
            raise RecipeError(f"momentum applies to {takes}, not to {self.optimizer}")
        for name in ("dropout_input", "dropout_hidden", "dropout_output"):
            p = getattr(self, name)
            if p is not None and not 0.0 <= p < 1.0:
                raise RecipeError(f"{name} must be in [0, 1); got {p}")
        if self.model != "mlp" and (self.dropout_input or self.dropout_output):
            raise RecipeError(f"dropout_input and dropout_output apply to model mlp, not to {self.model}")
        if default_hidden is None and self.dropout_hidden:
            raise RecipeError(f"dropout_hidden does not apply to model {self.model}")

    def to_dict(self) -> dict[str, Any]:
        """The fields as JSON-ready values (``hidden`` a list)."""
        d = dataclasses.asdict(self)
        if d["hidden"] is not None:
            d["hidden"] = list(d["hidden"])
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RunConfig:
        """The inverse of ``to_dict``; unknown keys are refused with their names."""
        if not isinstance(d, dict):
            raise RecipeError(f"a run config is a JSON object, got {type(d).__name__}")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise RecipeError(f"unknown config key(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        values = dict(d)
        if isinstance(values.get("hidden"), list):
            values["hidden"] = tuple(values["hidden"])
        return cls(**values)

    def to_json(self) -> str:
        """The config as indented JSON text (what ``config.json`` holds)."""
        return json.dumps(self.to_dict(), indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> RunConfig:
        """The config that ``to_json`` wrote; bad JSON or bad values raise ``RecipeError``."""
        try:
            return cls.from_dict(json.loads(text))
        except json.JSONDecodeError as e:
            raise RecipeError(f"the run config is not valid JSON ({e})") from None

    def replace(self, **changes: Any) -> RunConfig:
        """A copy with some fields changed (validated like a new config)."""
        return dataclasses.replace(self, **changes)


_MAX_WIDTH = 1 << 16  # a wider layer would need gigabytes for its weights alone
_MAX_PARAMETERS = 1 << 27  # 512 MiB of float32 weights (and twice that of Adam state): refuse larger models

# Field -> accepted types (bool is an int in Python, and never a valid count here).
_TYPES: dict[str, tuple[type, ...]] = {
    "model": (str,), "dataset": (str,), "optimizer": (str,), "scheduler": (str,),
    "batch_size": (int,), "epochs": (int,), "seed": (int,),
    "threads": (int, type(None)), "subset": (int, type(None)),
    "lr": (int, float, type(None)), "momentum": (int, float, type(None)), "weight_decay": (int, float, type(None)),
    "dropout_input": (int, float), "dropout_hidden": (int, float, type(None)), "dropout_output": (int, float),
    "hidden": (tuple, list, type(None)), "augment": (bool,),
    "eps": (int, float, type(None)), "validation": (int, float, type(None)),
}


def _takes(optimizer: str, keyword: str) -> bool:
    """Whether the optimizer's class takes ``keyword`` (eps: every adaptive method, not SGD)."""
    import inspect

    return keyword in inspect.signature(OPTIMIZERS[optimizer][0].__init__).parameters


def _check_type(name: str, value: Any) -> None:
    allowed = _TYPES[name]
    if (isinstance(value, bool) and bool not in allowed) or not isinstance(value, allowed):
        names = " or ".join("None" if t is type(None) else t.__name__ for t in allowed)
        raise RecipeError(f"{name} must be {names}; got {value!r}")
    if name == "hidden" and value is not None and not all(isinstance(w, int) and not isinstance(w, bool)
                                                          for w in value):
        raise RecipeError(f"hidden must be a list of integers; got {list(value)!r}")


# Fields that change what is computed: a resume must not change them.
RESUME_KEYS = tuple(f.name for f in dataclasses.fields(RunConfig) if f.name not in ("epochs", "threads"))


# ---------------------------------------------------------------------- building blocks
def parameter_count(config: RunConfig, in_features: int, num_classes: int) -> int:
    """How many parameters ``build_model`` would create, computed without building it."""
    if config.model == "mlp":
        widths = [in_features, *config.hidden, num_classes]
        return sum(a * b + b for a, b in zip(widths[:-1], widths[1:]))
    if config.model == "mlp-resnet":
        h, half = config.hidden[0], config.hidden[0] // 2
        block = (h * half + half) + 2 * half + (half * h + h) + 2 * h  # two Linear, two BatchNorm1d
        return in_features * h + h + 3 * block + h * num_classes + num_classes
    return 0  # the seed-004 MLPs: fixed and small


def build_model(config: RunConfig, in_features: int, num_classes: int,
                image_shape: tuple[int, ...] | None = None) -> nn.Module:
    """The model a config names, sized for the dataset (refusing one too large to hold in memory).

    A convolutional model needs the images' shape (C, H, W); without ``image_shape`` it is read
    from ``in_features`` for square images of 1 or 3 channels (784 → (1, 28, 28), 3072 → (3, 32, 32)).
    """
    n = parameter_count(config, in_features, num_classes)
    if n > _MAX_PARAMETERS:
        raise RecipeError(f"model {config.model} with hidden {list(config.hidden)} on {in_features} inputs would have "
                          f"{n:,} parameters, more than the {_MAX_PARAMETERS:,} allowed")
    factory = MODELS[config.model][0]
    if config.model not in CNN_MODELS:
        return factory(config, in_features, num_classes)
    image = _image_shape(config.model, in_features, image_shape)
    return factory(config, in_features, num_classes, image)


def _image_shape(model: str, in_features: int, image_shape: tuple[int, ...] | None) -> tuple[int, int, int]:
    if image_shape is None:
        for c in (1, 3):
            side = math.isqrt(in_features // c)
            if c * side * side == in_features:
                image_shape = (c, side, side)
                break
    if image_shape is None or len(image_shape) != 3:
        raise RecipeError(f"model {model} is a CNN: it needs images of shape (C, H, W), got "
                          f"{image_shape or f'{in_features} features'}")
    c, h, w = (int(v) for v in image_shape)
    if model == "lenet5" and (h != w or h < 28):
        raise RecipeError(f"model lenet5 needs square images of at least 28x28, got {h}x{w}")
    if h < 8 or w < 8:
        raise RecipeError(f"model {model} needs images of at least 8x8, got {h}x{w}")
    return c, h, w


class _Augmented:
    """A dataset whose images pass through ``transform`` (the cached dataset itself stays unchanged)."""

    def __init__(self, dataset: Any, transform: Callable) -> None:
        self.dataset = dataset
        self.transform = transform

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, index: int) -> tuple:
        image, target = self.dataset[index]
        return self.transform(image), target


def cifar_augmentation(image_shape: tuple[int, ...]) -> Callable:
    """RandomCrop(H×W, padding=4) then RandomHorizontalFlip(): the standard CIFAR training augmentation."""
    from .. import transforms as T

    return T.Compose([T.RandomCrop(tuple(image_shape[-2:]), padding=4), T.RandomHorizontalFlip()])


def build_optimizer(config: RunConfig, params) -> optim.Optimizer:
    """The optimizer the config names, over ``params``, with its lr, momentum and weight decay where given."""
    cls, _, fixed = OPTIMIZERS[config.optimizer]
    kwargs = dict(fixed)
    for name in ("lr", "momentum", "weight_decay", "eps"):
        if getattr(config, name) is not None:
            kwargs[name] = getattr(config, name)
    try:
        return cls(params, **kwargs)
    except ValueError as e:
        raise RecipeError(f"optimizer {config.optimizer}: {e}") from None


def build_scheduler(config: RunConfig, optimizer: optim.Optimizer, steps_per_epoch: int) -> tuple[Any, str]:
    """(scheduler or None, "epoch" | "step": when it is stepped)."""
    factory = SCHEDULERS[config.scheduler]
    if factory is None:
        return None, "epoch"
    return factory(optimizer, config.epochs, steps_per_epoch)


@functools.lru_cache(maxsize=4)
def _load(name: str, root: str | None, download: bool, train: bool):
    """One split of a dataset; cached, so a worker process that runs many cells reads the files once."""
    from .. import datasets

    cls = getattr(datasets, DATASETS[name])
    try:
        return cls(root=root, train=train, download=download)
    except FileNotFoundError as e:
        raise RecipeError(f"dataset {name} is missing: {e}") from None
    except (ValueError, OSError, datasets.DownloadError) as e:  # a damaged, unreadable or undownloadable file
        raise RecipeError(f"dataset {name} ({'train' if train else 'test'} split) cannot be used: {e}") from None


def load_datasets(config: RunConfig, data_dir: str | os.PathLike | None = None, download: bool = False,
                  train: bool = True) -> tuple[Any, Any]:
    """(training set or None, test set) for the config's dataset; ``subset`` cuts the training set."""
    from ..utils.data import Subset

    root = None if data_dir is None else os.fspath(data_dir)
    if config.validation is not None and train:
        return _validation_split(config, root, download)
    test = _load(config.dataset, root, download, False)
    if not train:
        return None, test
    train_set = _load(config.dataset, root, download, True)
    train_shape, test_shape = _sample_shape(train_set), _sample_shape(test)
    if train_shape != test_shape:
        raise RecipeError(f"dataset {config.dataset}: the training images have shape {train_shape} but the test "
                          f"images {test_shape} (files from different datasets?)")
    if config.subset is not None and config.subset < len(train_set):
        train_set = Subset(train_set, range(config.subset))
    if config.augment:
        train_set = _Augmented(train_set, cifar_augmentation(train_shape))
    return train_set, test


def _validation_split(config: RunConfig, root: str | None, download: bool) -> tuple[Any, Any]:
    """(training part, validation part) of the (subset) training set; the test set is not loaded.

    ``random_split`` with a generator seeded with 0: the same split for every run of every optimizer.
    """
    from ..random import Generator
    from ..utils.data import Subset, random_split

    train_set = _load(config.dataset, root, download, True)
    if config.subset is not None and config.subset < len(train_set):
        train_set = Subset(train_set, range(config.subset))
    n = len(train_set)
    held = int(round(config.validation * n))
    if held < 1 or held >= n:
        raise RecipeError(f"validation {config.validation} of {n} training samples leaves "
                          f"{n - held} to train on and {held} to validate on; both must be at least 1")
    train_part, held_out = random_split(train_set, [n - held, held], generator=Generator().manual_seed(0))
    if config.augment:  # the held-out images are evaluated as they are, like a test set
        train_part = _Augmented(train_part, cifar_augmentation(_sample_shape(train_set)))
    return train_part, held_out


def _sample_shape(dataset: Any) -> tuple[int, ...]:
    data = getattr(dataset, "_chw", None)  # the image datasets: no need to convert a sample
    if data is not None:
        return tuple(data.shape[1:])
    return tuple(dataset[0][0].shape)


def input_size(dataset: Any) -> tuple[int, int]:
    """(features per sample, number of classes) of a dataset."""
    sample = dataset[0][0]
    in_features = int(sample.numel() if hasattr(sample, "numel") else sample.size)
    while not hasattr(dataset, "classes") and hasattr(dataset, "dataset"):  # a Subset (a validation split)
        dataset = dataset.dataset
    return in_features, len(getattr(dataset, "classes", range(10)))


def _read_saved_config(path: Path) -> dict:
    try:
        saved = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise RecipeError(f"resume: cannot read {path}: {e}") from None
    if not isinstance(saved, dict):
        raise RecipeError(f"resume: {path} does not hold a run config (a JSON object)")
    return saved


def _differing(saved: dict, config: RunConfig) -> list[str]:
    now = config.to_dict()
    differing = [k for k in RESUME_KEYS if saved.get(k) != now[k]]
    if config.epochs != saved.get("epochs") and config.scheduler != "none":
        differing.append("epochs")
    return differing


def _check_resume(out: Path, config: RunConfig) -> None:
    saved_path = out / "config.json"
    if not saved_path.is_file():
        raise RecipeError(f"resume: {saved_path} does not exist (nothing to resume in {out})")
    saved = _read_saved_config(saved_path)
    now = config.to_dict()
    differing = _differing(saved, config)
    if differing:
        details = "; ".join(f"{k}: saved {saved.get(k)!r}, now {now[k]!r}" for k in differing)
        raise RecipeError(f"resume: the config in {saved_path} differs ({details})")


_METRIC_KEYS = ("epoch", "train_loss", "train_acc", "test_loss", "test_acc", "lr")


def _load_resume_checkpoint(path: Path, config: RunConfig) -> Any:
    """The checkpoint to resume from, checked as the CLI checks its flags: its config must be a valid
    RunConfig equal to this one in every key that changes the computation, and its history one row
    per epoch."""
    try:
        checkpoint = load_checkpoint(path)
    except (ValueError, OSError) as e:
        raise RecipeError(f"resume: {e}") from None
    saved = {k: v for k, v in checkpoint.config.items() if k != "title"}
    try:
        RunConfig.from_dict(saved)
    except RecipeError as e:
        raise RecipeError(f"resume: {path}: the checkpoint's config is invalid: {e}") from None
    differing = _differing(saved, config)
    if differing:
        raise RecipeError(f"resume: {path} was written by a different config ({', '.join(differing)} differ)")
    bad = find_non_finite(checkpoint.model)
    if checkpoint.optimizer is not None:
        bad += [f"optimizer/{i}/{k}" for i, st in checkpoint.optimizer["state"].items() for k in find_non_finite(st)]
    if bad:
        raise RecipeError(f"resume: {path} holds non-finite values (nan/inf) in {describe_keys(bad)}")
    history = checkpoint.history
    if len(history) != checkpoint.epoch or any(
        not all(k in row for k in _METRIC_KEYS) or row["epoch"] != i + 1 for i, row in enumerate(history)
    ):
        raise RecipeError(f"resume: {path}: its metrics history does not hold one row per epoch 1..{checkpoint.epoch}")
    return checkpoint


def _check_links(out: Path, resume: bool) -> None:
    """Refuse a run file that is a symbolic link leading nowhere (dangling, or a loop).

    A checkpoint kept on a share that is not mounted looks like no checkpoint at all: resuming
    would start over and replace the link, losing the run's progress without a word. Nothing is
    read or written before this check.
    """
    for name in (LAST, "config.json", BEST, "metrics.csv", "curves.png"):
        f = out / name
        if not f.is_symlink():
            continue
        try:
            os.stat(f)
            continue
        except OSError as e:
            loop = e.errno == errno.ELOOP
        try:
            target = os.readlink(f)
        except OSError:
            target = "?"
        what = "a symbolic link loop" if loop else f"a dangling symbolic link (to {target}, which does not exist)"
        raise RecipeError(f"{'resume: ' if resume else ''}{f} is {what}; refusing to start over or replace it "
                          "(mount or restore its target, or remove the link)")


def _check_can_write(out: Path) -> None:
    """Refuse, before anything is written, an output directory or file that cannot be replaced."""
    existing = out
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if existing.exists() and not existing.is_dir():
        raise RecipeError(f"cannot write to {out}: {existing} is not a directory")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise RecipeError(f"cannot write to {out}: {existing} is not writable")
    for name in ("config.json", "metrics.csv", "curves.png", LAST, BEST):
        f = out / name
        if f.exists() and (not f.is_file() or not f.stat().st_mode & stat.S_IWUSR):
            raise RecipeError(f"cannot write to {out}: {f} is read-only (or not a file); not replacing it")


# ---------------------------------------------------------------------- the run
def run(
    config: RunConfig,
    out_dir: str | os.PathLike,
    *,
    resume: bool = False,
    data_dir: str | os.PathLike | None = None,
    download: bool = False,
    quiet: bool = True,
    log: Callable[[str], None] | None = None,
    on_epoch_end: Callable[[dict], None] | None = None,
) -> list[dict]:
    """Train ``config`` into ``out_dir``; return the metrics rows (one dict per epoch).

    Writes ``config.json`` (the config, with the thread count used), ``metrics.csv``,
    ``curves.png``, ``checkpoint-last.safetensors`` and ``checkpoint-best.safetensors``.
    ``resume=True`` continues from ``checkpoint-last`` bit-identically (at the same thread count)
    and refuses a config that differs in a key that changes the computation; a run whose
    checkpoint already holds ``config.epochs`` epochs returns its history, and a run interrupted
    before its first checkpoint starts again from the beginning. With ``config.validation`` the
    evaluation columns (``test_loss``, ``test_acc``) are measured on the held-out validation split,
    and the test set is never loaded. A non-finite loss raises
    ``NonFiniteLossError`` (its ``history``: the finished epochs), leaving the last good checkpoint.
    """
    out = Path(out_dir)
    # Applied (also when None: the process's count, made explicit) and recorded: results depend on it.
    config = config.replace(threads=config.threads or get_num_threads())
    set_num_threads(config.threads)
    _check_links(out, resume)
    if resume:
        _check_resume(out, config)
    elif (out / LAST).exists():
        raise RecipeError(f"{out} already holds a run ({LAST}); resume it (--resume, or resume=True) "
                          "or choose another output directory")

    manual_seed(config.seed)
    train_set, test_set = load_datasets(config, data_dir, download)
    from ..utils.data import DataLoader

    model = build_model(config, *input_size(test_set), image_shape=_sample_shape(test_set))
    optimizer = build_optimizer(config, model.parameters())
    train_loader = DataLoader(train_set, batch_size=config.batch_size, shuffle=True)
    test_loader = DataLoader(test_set, batch_size=1000)
    scheduler, interval = build_scheduler(config, optimizer, len(train_loader))

    start_epoch, history = 0, []
    if resume and (out / LAST).exists():
        checkpoint = _load_resume_checkpoint(out / LAST, config)
        try:
            restore(checkpoint, model, optimizer, scheduler)
        except ValueError as e:
            raise RecipeError(f"resume: {e}") from None
        start_epoch, history = checkpoint.epoch, checkpoint.history
        if start_epoch >= config.epochs:
            if log is not None:
                log(f"{out}: already trained for {start_epoch} epochs (epochs {config.epochs}); nothing to do")
            return history
    _check_can_write(out)  # everything above only read: a refused run leaves the directory as it was
    try:
        out.mkdir(parents=True, exist_ok=True)
        atomic_write(out / "config.json", config.to_json().encode())
    except OSError as e:
        raise RecipeError(f"cannot write to {out}: {e.strerror or e}") from None

    if log is not None:
        log(f"training {config.model} ({model.num_parameters():,} parameters) on {config.dataset} with "
            f"{config.optimizer}, {config.epochs} epochs, batch {config.batch_size}, {config.threads} thread(s)")
    return fit(model, train_loader, test_loader, nn.CrossEntropyLoss(), optimizer, config.epochs,
               scheduler=scheduler, scheduler_interval=interval, out_dir=out,
               config={**config.to_dict(), "title": f"{config.model} on {config.dataset}"},
               history=history, start_epoch=start_epoch, quiet=quiet, log=log, on_epoch_end=on_epoch_end)
