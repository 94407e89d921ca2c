"""mytorch.manual as a package: its public names, plain NumPy only, and no hidden global random draws."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np

import mytorch.manual as manual

PUBLIC = {
    "Linear", "Identity", "Sigmoid", "Tanh", "ReLU", "MLP0", "MLP1", "MLP4", "MSELoss", "CrossEntropyLoss",
    "SGD", "BatchNorm1d", "Adam", "AdamW", "Dropout",
}  # fmt: skip


def test_public_names():
    assert set(manual.__all__) == PUBLIC
    for name in PUBLIC:
        assert isinstance(getattr(manual, name), type), name


def test_the_package_imports_only_numpy_and_itself():
    """mytorch.manual is the handouts' NumPy code: it must not lean on the autograd core."""
    for path in Path(manual.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                ok = all(alias.name.split(".")[0] == "numpy" for alias in node.names)
                assert ok, f"{path.name}: {ast.unparse(node)}"
            elif isinstance(node, ast.ImportFrom):
                ok = node.level == 1 or node.module in ("numpy", "__future__")
                assert ok, f"{path.name}: {ast.unparse(node)}"


def global_state():
    state = np.random.get_state()
    return state[1].copy(), state[2]


def test_only_dropout_training_draws_from_the_global_generator():
    np.random.seed(99)
    before = global_state()
    rng = np.random.default_rng(50)
    X = rng.normal(size=(8, 2))
    for model in (manual.MLP0(debug=True), manual.MLP1(), manual.MLP4(debug=True)):
        for layer in model.layers:
            layer.W = rng.normal(size=layer.W.shape)
            layer.b = rng.normal(size=layer.b.shape)
        out = model.forward(X)
        for loss in (manual.MSELoss(), manual.CrossEntropyLoss()):
            loss.forward(out, np.eye(out.shape[1])[rng.integers(0, out.shape[1], len(X))])
            model.backward(loss.backward())
        for opt in (manual.SGD(model, momentum=0.9), manual.Adam(model, lr=0.1), manual.AdamW(model, lr=0.1)):
            opt.step()
    for act in (manual.Identity(), manual.Sigmoid(), manual.Tanh(), manual.ReLU()):
        act.forward(X)
        act.backward()
    bn = manual.BatchNorm1d(2)
    bn.forward(X)
    bn.backward(X)
    bn.forward(X, eval=True)
    drop = manual.Dropout(0.5)
    drop.forward(X, train=False)
    drop.backward(X)
    after = global_state()
    assert np.array_equal(before[0], after[0]) and before[1] == after[1]

    drop.forward(X)  # the one sanctioned draw
    assert not np.array_equal(before[0], global_state()[0])
