"""The training recipe as a library API: RunConfig, the registries, run() and its resume."""

from __future__ import annotations

import json

import numpy as np
import pytest

import mytorch
from mytorch.datasets import FashionMNIST
from mytorch.datasets.idx import write_idx
from mytorch.train import LAST, NonFiniteLossError, read_metrics_csv
from mytorch.train.recipe import (
    DATASETS,
    MODELS,
    OPTIMIZERS,
    SCHEDULERS,
    RecipeError,
    RunConfig,
    build_model,
    build_optimizer,
    run,
)


@pytest.fixture(scope="module")
def small_data(tmp_path_factory):
    """600 training and 200 test images of the real Fashion-MNIST, as IDX files."""
    root = tmp_path_factory.mktemp("fashion-recipe")
    for train, n, prefix in ((True, 600, "train"), (False, 200, "t10k")):
        ds = FashionMNIST(train=train)
        write_idx(root / f"{prefix}-images-idx3-ubyte", np.asarray(ds.data[:n]))
        write_idx(root / f"{prefix}-labels-idx1-ubyte", np.asarray(ds.targets[:n]).astype(np.uint8))
    return root


# Seed 0: with PyTorch's generator it learns past 30 % in two epochs, and SGD at lr=1e8 overflows in epoch 1.
SMALL = RunConfig(model="mlp", hidden=(16,), batch_size=100, epochs=2, optimizer="adam", lr=1e-3, seed=0, threads=1)


def test_json_round_trip_and_defaults():
    config = RunConfig(model="mlp", optimizer="rmsprop-nesterov", weight_decay=1e-5, dropout_input=0.2,
                       dropout_hidden=0.5, threads=2)
    assert config.hidden == (1000, 1000)  # the model's default widths are made explicit
    assert RunConfig.from_json(config.to_json()) == config
    assert json.loads(config.to_json())["hidden"] == [1000, 1000]
    assert RunConfig().hidden == (100,) and RunConfig(model="mlp0").hidden is None


@pytest.mark.parametrize("changes, needle", [
    (dict(model="cnn"), "model must be one of mlp0, mlp1, mlp4, mlp, mlp-resnet"),
    (dict(optimizer="lbfgs"), "optimizer must be one of"),
    (dict(scheduler="warmup"), "scheduler must be one of none, step, cosine, onecycle"),
    (dict(dataset="imagenet"), "dataset must be one of"),
    (dict(epochs=0), "epochs must be a positive integer"),
    (dict(batch_size=-1), "batch_size must be a positive integer"),
    (dict(epochs=1.5), "epochs must be int"),
    (dict(epochs=True), "epochs must be int"),
    (dict(seed=-1), "seed must be an integer in 0.."),
    (dict(model="mlp", hidden=(0,)), "hidden widths must be integers in 1.."),
    (dict(model="mlp", hidden=(16, -4)), "hidden widths"),
    (dict(model="mlp", hidden=(10**9,)), "hidden widths"),
    (dict(model="mlp", hidden=()), "hidden widths"),
    (dict(model="mlp-resnet", hidden=(10, 10)), "one width"),
    (dict(model="mlp0", hidden=(10,)), "hidden does not apply to model mlp0"),
    (dict(lr=-1.0), "lr must be a finite number >= 0"),
    (dict(lr=float("nan")), "lr must be a finite number"),
    (dict(optimizer="adam", momentum=0.9), "momentum applies to sgd, rmsprop, rmsprop-nesterov, not to adam"),
    (dict(model="mlp", dropout_hidden=1.0), "dropout_hidden must be in [0, 1)"),
    (dict(dropout_input=0.2), "apply to model mlp"),
    (dict(threads=0), "threads must be a positive integer"),
    (dict(subset=0), "subset must be a positive integer"),
    (dict(model="mlp", hidden=("16",)), "hidden must be a list of integers"),
])
def test_bad_values_are_refused_naming_the_field(changes, needle):
    with pytest.raises(RecipeError, match=None) as info:
        RunConfig(**changes)
    assert needle in str(info.value)


def test_from_dict_refuses_unknown_keys_and_non_objects():
    with pytest.raises(RecipeError, match="unknown config key.*learning_rate"):
        RunConfig.from_dict({"model": "mlp", "learning_rate": 0.1})
    with pytest.raises(RecipeError, match="JSON object"):
        RunConfig.from_dict([1, 2])
    with pytest.raises(RecipeError, match="not valid JSON"):
        RunConfig.from_json("{")


def test_registries_build_what_they_name():
    assert set(MODELS) == {"mlp0", "mlp1", "mlp4", "mlp", "mlp-resnet", "lenet5", "resnet20", "resnet32", "resnet56"}
    assert set(DATASETS) == {"fashion-mnist", "mnist", "cifar10"}
    assert set(SCHEDULERS) == {"none", "step", "cosine", "onecycle"}
    for name in OPTIMIZERS:
        model = build_model(RunConfig(model="mlp", hidden=(4,), optimizer=name), 6, 3)
        opt = build_optimizer(RunConfig(optimizer=name), model.parameters())
        assert opt.param_groups[0]["lr"] > 0
    nesterov = build_optimizer(RunConfig(optimizer="rmsprop-nesterov"), build_model(SMALL, 6, 3).parameters())
    assert nesterov.param_groups[0]["nesterov"] is True and nesterov.param_groups[0]["momentum"] == 0.9
    sgd = build_optimizer(RunConfig(optimizer="sgd", momentum=0.5), build_model(SMALL, 6, 3).parameters())
    assert sgd.param_groups[0]["lr"] == 0.01 and sgd.param_groups[0]["momentum"] == 0.5


def test_notebook_model_puts_dropout_on_the_logits():
    model = build_model(RunConfig(model="mlp", hidden=(1000,), dropout_hidden=0.2, dropout_output=0.5), 3072, 10)
    kinds = [type(m).__name__ for m in model]
    assert kinds == ["Dropout", "Linear", "ReLU", "Dropout", "Linear", "Dropout"]
    assert [m.p for m in model if type(m).__name__ == "Dropout"] == [0.0, 0.2, 0.5]


def test_run_writes_everything_and_returns_the_rows(small_data, tmp_path):
    seen = []
    rows = run(SMALL, tmp_path / "r", data_dir=small_data, on_epoch_end=seen.append)
    assert [r["epoch"] for r in rows] == [1, 2] and seen == rows
    for name in ("config.json", "metrics.csv", "curves.png", LAST, "checkpoint-best.safetensors"):
        assert (tmp_path / "r" / name).is_file(), name
    saved = RunConfig.from_json((tmp_path / "r" / "config.json").read_text())
    assert saved == SMALL and saved.threads == 1
    csv_rows = read_metrics_csv(tmp_path / "r" / "metrics.csv")
    assert list(csv_rows[0]) == ["epoch", "train_loss", "train_acc", "test_loss", "test_acc", "train_seconds",
                                 "eval_seconds", "lr"]
    assert all(r["train_seconds"] > 0 and r["eval_seconds"] > 0 for r in csv_rows)
    assert rows[-1]["test_acc"] > 0.3


def _strip(rows):
    return [{k: v for k, v in r.items() if not k.endswith("_seconds")} for r in rows]


def test_resume_through_the_function_is_bit_identical(small_data, tmp_path):
    config = SMALL.replace(epochs=3, optimizer="rmsprop-nesterov", dropout_input=0.2, dropout_hidden=0.5,
                           scheduler="cosine")
    straight = run(config, tmp_path / "a", data_dir=small_data)
    assert len(straight) == 3
    run(config.replace(epochs=1), tmp_path / "b0", data_dir=small_data)
    with pytest.raises(RecipeError, match="differs.*epochs"):  # a schedule depends on the epoch count
        run(config, tmp_path / "b0", data_dir=small_data, resume=True)
    plain = config.replace(scheduler="none")
    run(plain, tmp_path / "straight", data_dir=small_data)
    run(plain.replace(epochs=1), tmp_path / "b", data_dir=small_data)
    resumed = run(plain, tmp_path / "b", data_dir=small_data, resume=True)
    assert _strip(resumed) == _strip(read_metrics_csv(tmp_path / "straight" / "metrics.csv"))
    a, b = mytorch.load(tmp_path / "straight" / LAST), mytorch.load(tmp_path / "b" / LAST)
    for key in a:
        np.testing.assert_array_equal(a[key].numpy(), b[key].numpy(), err_msg=key)
    # Already finished: returns the history without training.
    assert _strip(run(plain, tmp_path / "b", data_dir=small_data, resume=True)) == _strip(resumed)


def test_resume_refusals(small_data, tmp_path):
    run(SMALL.replace(epochs=1), tmp_path / "r", data_dir=small_data)
    with pytest.raises(RecipeError, match="already holds a run"):
        run(SMALL, tmp_path / "r", data_dir=small_data)
    with pytest.raises(RecipeError, match=r"batch_size: saved 100, now 50; optimizer: saved 'adam', now 'sgd'"):
        run(SMALL.replace(optimizer="sgd", batch_size=50), tmp_path / "r", data_dir=small_data, resume=True)
    with pytest.raises(RecipeError, match="nothing to resume"):
        run(SMALL, tmp_path / "empty", data_dir=small_data, resume=True)


def test_resume_before_the_first_checkpoint_starts_over(small_data, tmp_path):
    out = tmp_path / "r"
    out.mkdir()
    (out / "config.json").write_text(SMALL.to_json())  # killed during epoch 1
    rows = run(SMALL, out, data_dir=small_data, resume=True)
    assert _strip(rows) == _strip(run(SMALL, tmp_path / "fresh", data_dir=small_data))


def test_subset_trains_on_the_first_samples(small_data, tmp_path):
    rows = run(SMALL.replace(subset=100, epochs=1, batch_size=50), tmp_path / "r", data_dir=small_data)
    assert len(rows) == 1


@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning", "ignore:invalid value:RuntimeWarning")
def test_divergence_raises_with_the_finished_epochs(small_data, tmp_path):
    with pytest.raises(NonFiniteLossError) as info:
        run(SMALL.replace(optimizer="sgd", lr=1e8, epochs=3), tmp_path / "r", data_dir=small_data)
    assert info.value.history == [] and "epoch 1" in str(info.value)
    assert not (tmp_path / "r" / LAST).exists()


def test_missing_dataset_is_a_recipe_error(tmp_path, monkeypatch):
    monkeypatch.setenv("MYTORCH_DATA", str(tmp_path / "nothing"))
    with pytest.raises(RecipeError, match="dataset mnist is missing"):
        run(RunConfig(dataset="mnist"), tmp_path / "r")


class _Killed(BaseException):
    """Stands for a SIGKILL between two of an epoch's file writes (no handler in the recipe catches it)."""


def _killing(write, writes: list, kill_at: int):
    """``write``, then a kill if it was the ``kill_at``-th write (``writes[0]`` counts them)."""
    def killing_write(*args, **kwargs):
        write(*args, **kwargs)
        writes[0] += 1
        if writes[0] == kill_at:
            raise _Killed(write.__name__)
    return killing_write


def test_a_kill_between_any_two_file_writes_then_resume_leaves_the_uninterrupted_files(small_data, tmp_path,
                                                                                        monkeypatch):
    import importlib

    fit_module = importlib.import_module("mytorch.train.fit")
    config = SMALL  # 2 epochs, each better than the one before: each writes all four files
    run(config, tmp_path / "straight", data_dir=small_data)
    writers = ("write_metrics_csv", "save_checkpoint", "plot_curves")
    real = {name: getattr(fit_module, name) for name in writers}

    def files(out):
        rows = _strip(read_metrics_csv(out / "metrics.csv"))
        ckpts = {}
        for name in (LAST, "checkpoint-best.safetensors"):
            state = mytorch.load(out / name)
            ckpts[name] = {k: v.numpy().tobytes() for k, v in state.items()}
        return rows, ckpts

    expected = files(tmp_path / "straight")
    kill_at = 1
    while True:
        out = tmp_path / f"killed-{kill_at}"
        writes = [0]
        for name in writers:
            monkeypatch.setattr(fit_module, name, _killing(real[name], writes, kill_at))
        try:
            run(config, out, data_dir=small_data)
            finished = True
        except _Killed:
            finished = False
        for name in writers:
            monkeypatch.setattr(fit_module, name, real[name])
        if finished:
            break
        run(config, out, data_dir=small_data, resume=True)  # from the last checkpoint, or afresh before one
        assert files(out) == expected, f"killed after write {kill_at}"
        kill_at += 1
    assert kill_at == 9  # 2 epochs x (metrics, best checkpoint, curves, last checkpoint), then no kill
