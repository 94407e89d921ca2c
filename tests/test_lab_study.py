"""Study files: parsing, refusal of unknown keys and bad values (key named), presets, the grid, overrides."""

from __future__ import annotations

import pytest

from mytorch.lab import PRESETS, LabError, Study, load_study, parse_study

SMALL = """
name = "small"
epochs = 2
seeds = [0, 1]
[model]
name = "mlp"
hidden = [16]
[optimizers.adam]
lr = 1e-3
[optimizers.sgd-momentum]
optimizer = "sgd"
lr = 0.1
momentum = 0.9
[regimes.l2]
weight_decay = 1e-4
[regimes.dropout]
dropout_input = 0.2
dropout_hidden = 0.5
"""


def test_small_study_grid_and_configs():
    study = parse_study(SMALL)
    names = [c.name for c in study.cells()]
    assert names == ["adam-l2-s0", "adam-dropout-s0", "sgd-momentum-l2-s0", "sgd-momentum-dropout-s0",
                     "adam-l2-s1", "adam-dropout-s1", "sgd-momentum-l2-s1", "sgd-momentum-dropout-s1"]
    cfg = {c.name: c.config for c in study.cells()}
    assert cfg["adam-l2-s0"] == {"model": "mlp", "hidden": (16,), "dataset": "fashion-mnist", "batch_size": 128,
                                 "epochs": 2, "scheduler": "none", "seed": 0, "threads": 1, "subset": None,
                                 "optimizer": "adam", "lr": 1e-3, "weight_decay": 1e-4}
    d = cfg["sgd-momentum-dropout-s1"]
    assert (d["optimizer"], d["momentum"], d["seed"], d["dropout_input"], d["dropout_hidden"]) == (
        "sgd", 0.9, 1, 0.2, 0.5)
    assert "weight_decay" not in d  # the dropout regime has no L2


def test_regime_overrides_the_optimizer_entry():
    text = SMALL.replace("[regimes.l2]\nweight_decay = 1e-4", "[regimes.l2]\nweight_decay = 1e-4\nlr = 0.5")
    cfg = parse_study(text).run_config("adam", "l2", 0)
    assert cfg["lr"] == 0.5


@pytest.mark.parametrize("old, new, key", [
    ("epochs = 2", "epoch = 2", "epoch"),
    ('hidden = [16]', 'hidden = [16]\nwidth = 3', "model.width"),
    ("lr = 1e-3", "lr = 1e-3\nbeta = 0.9", "optimizers.adam.beta"),
    ("weight_decay = 1e-4", "weight_decay = 1e-4\ndropout = 0.5", "regimes.l2.dropout"),
])
def test_unknown_keys_are_refused_with_the_key_named(old, new, key):
    with pytest.raises(LabError, match=f"my.toml: unknown key '{key}'"):
        parse_study(SMALL.replace(old, new), "my.toml")


@pytest.mark.parametrize("old, new, message", [
    ("epochs = 2", "epochs = 0", "epochs must be an integer >= 1"),
    ("epochs = 2", 'epochs = "2"', "epochs must be an integer >= 1"),
    ("seeds = [0, 1]", "seeds = [0, 0]", "seeds must not repeat"),
    ("seeds = [0, 1]", "seeds = []", "seeds must be a non-empty list"),
    ("hidden = [16]", "hidden = [16, -1]", "model.hidden must be a non-empty list of positive integers"),
    ("lr = 1e-3", 'lr = "fast"', "optimizers.adam.lr must be a finite number"),
    ("lr = 1e-3", "lr = -1.0", "optimizers.adam.lr must be a finite number >= 0"),
    ("dropout_hidden = 0.5", "dropout_hidden = 1.0", r"regimes.dropout.dropout_hidden must be in \[0, 1\)"),
    ("[regimes.l2]", "[regimes.'l 2']", "names are letters"),
])
def test_bad_values_are_refused_with_the_key_named(old, new, message):
    with pytest.raises(LabError, match=message):
        parse_study(SMALL.replace(old, new), "my.toml")


def test_bad_toml_and_missing_sections():
    with pytest.raises(LabError, match="my.toml: not valid TOML"):
        parse_study("epochs = = 2", "my.toml")
    with pytest.raises(LabError, match=r"\[optimizers\] must name at least one entry"):
        parse_study('epochs = 2\n[regimes.a]\nweight_decay = 0.0\n', "my.toml")
    with pytest.raises(LabError, match=r"\[regimes\] must name at least one entry"):
        parse_study('epochs = 2\n[optimizers.adam]\n', "my.toml")


def test_values_are_checked_by_the_recipe_with_the_cell_named():
    text = SMALL.replace('[optimizers.adam]\nlr = 1e-3', '[optimizers.adam]\noptimizer = "adamx"')
    study = parse_study(text, "my.toml")
    with pytest.raises(LabError, match=r"my.toml: optimizers.adam under regimes.l2: .*adamx"):
        study.validate("my.toml")
    parse_study(SMALL).validate()


def test_overrides_and_differences():
    study = parse_study(SMALL)
    other = study.with_overrides(epochs=5, seeds=3, subset=100, dataset="mnist")
    assert other.epochs == 5 and other.seeds == [0, 1, 2] and other.data["subset"] == 100
    assert study.data["epochs"] == 2  # the original is untouched
    diffs = study.differences(other)
    assert [d.split(":")[0] for d in diffs] == ["dataset", "epochs", "seeds", "subset"]
    assert "epochs: saved 2, now 5" in diffs
    renamed = parse_study(SMALL.replace('name = "small"', 'name = "other"\ndescription = "x"'))
    assert study.differences(renamed) == []  # name and description do not change what is trained
    lr = parse_study(SMALL.replace("lr = 0.1", "lr = 0.2"))
    assert study.differences(lr) == ["optimizers.sgd-momentum.lr: saved 0.1, now 0.2"]
    assert Study(study.data).differences(study) == []


def test_preset_seed_003_is_the_handout_text():
    study, text = load_study("seed-003")
    assert text == PRESETS["seed-003"].text
    assert study.data["model"] == {"name": "mlp", "hidden": [1000, 1000]}
    assert study.seeds == [0, 1, 2] and study.epochs == 200 and study.data["batch_size"] == 128
    assert list(study.optimizers) == ["adagrad", "rmsprop", "rmsprop-nesterov", "adadelta", "adam"]
    assert study.optimizers["rmsprop-nesterov"]["optimizer"] == "rmsprop-nesterov"
    assert study.regimes == {"l2": {"weight_decay": 1e-5}, "dropout": {"dropout_input": 0.2, "dropout_hidden": 0.5}}
    assert len(study.cells()) == 30


def test_preset_seed_003_notebook_is_what_the_code_ran():
    study, _ = load_study("seed-003-notebook")
    assert study.data["model"]["hidden"] == [1000]
    assert {k: (v["optimizer"], v["lr"], v["momentum"]) for k, v in study.optimizers.items()} == {
        "adagrad": ("adagrad", 1e-3, None), "rmsprop": ("rmsprop", 1e-3, None),
        "rmsprop-nesterov": ("rmsprop", 1e-3, 0.9), "adadelta": ("adadelta", 1e-3, None), "adam": ("adam", 1e-3, None)}
    assert study.regimes == {"l2": {"weight_decay": 1e-5}, "dropout": {"dropout_hidden": 0.2, "dropout_output": 0.5}}
    for cell in study.cells():
        if cell.regime == "dropout":
            assert "weight_decay" not in cell.config and "dropout_input" not in cell.config


def test_init_text_round_trips_and_unknown_names_are_refused(tmp_path):
    for name, preset in PRESETS.items():
        path = tmp_path / f"{name}.toml"
        path.write_text(preset.text)
        assert load_study(str(path))[0] == load_study(name)[0]
    with pytest.raises(LabError, match="no such study file, and not a preset"):
        load_study(str(tmp_path / "missing.toml"))


def test_import_mytorch_does_not_import_the_lab():
    import subprocess
    import sys

    code = "import sys, mytorch; print(any(m.startswith(('mytorch.lab', 'dask', 'scipy')) for m in sys.modules))"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"
