"""Anomaly mode (PyTorch's wording, the forward stack) and the graph's objects and picture:
``next_functions``, ``AccumulateGrad.variable``, ``Node``, ``make_dot``."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import mytorch
from mytorch.autograd.graph import DotSource, make_dot

LIBS = (mytorch, torch)


def _nan_backward(lib):
    x = lib.tensor([0.0, 1.0], requires_grad=True)
    y = x.sqrt()  # d√x/dx = inf at 0, and 0·inf = nan below
    return (y * 0).sum()


def test_anomaly_mode_names_the_op_as_torch():
    for lib in LIBS:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with lib.autograd.detect_anomaly():
                loss = _nan_backward(lib)
                with pytest.raises(RuntimeError) as err:
                    loss.backward()
        assert str(err.value) == "Function 'SqrtBackward0' returned nan values in its 0th output."
        text = " ".join(str(w.message) for w in caught)
        assert "Anomaly Detection has been enabled" in text
        assert "Error detected in SqrtBackward0" in text and "_nan_backward" in text  # where forward ran
        assert not lib.is_anomaly_enabled()


def test_set_detect_anomaly_and_no_check_outside():
    for lib in LIBS:
        _nan_backward(lib).backward()  # without anomaly mode a nan gradient passes silently
        lib.autograd.set_detect_anomaly(True)
        try:
            assert lib.is_anomaly_enabled()
            with pytest.raises(RuntimeError, match="returned nan values in its 0th output"), \
                    warnings.catch_warnings():
                warnings.simplefilter("ignore")
                _nan_backward(lib).backward()
        finally:
            lib.autograd.set_detect_anomaly(False)


def _mlp(lib):
    lib.manual_seed(0)
    return lib.nn.Sequential(lib.nn.Linear(4, 3), lib.nn.ReLU(), lib.nn.Linear(3, 2))


def _reach(fn, names: set, leaves: list) -> None:
    """Collect node names and the variables of AccumulateGrad nodes below ``fn``."""
    stack = [fn]
    while stack:
        fn = stack.pop()
        if fn is None:
            continue
        names.add(fn.name())
        if hasattr(fn, "variable"):
            leaves.append(fn.variable)
        for parent, index in fn.next_functions:
            assert index == 0
            stack.append(parent)


def test_next_functions_and_accumulate_grad_as_torch():
    found = []
    for lib in LIBS:
        m = _mlp(lib)
        y = m(lib.ones(5, 4)).sum()
        names, leaves = set(), []
        _reach(y.grad_fn, names, leaves)
        assert {id(v) for v in leaves} == {id(p) for p in m.parameters()}  # .variable is the parameter itself
        assert isinstance(y.grad_fn, lib.autograd.graph.Node)
        a, b = y.grad_fn.next_functions[0][0], y.grad_fn.next_functions[0][0]
        assert a is b  # the same node objects each time
        found.append(names)
    # torch adds TBackward0 nodes for the weights' transposes; mytorch's Linear is one fused node
    assert found[0] == {"SumBackward0", "AddmmBackward0", "ReluBackward0", "torch::autograd::AccumulateGrad"}
    assert found[0] <= found[1]


def test_make_dot_draws_ops_parameters_and_shapes():
    m = _mlp(mytorch)
    x = mytorch.ones(5, 4)
    y = m(x)
    dot = make_dot(y, params=dict(m.named_parameters()))
    src = dot.source
    for text in ("AddmmBackward0", "ReluBackward0", "0.weight", "2.bias", "(3, 4)", "(5, 2)", "lightblue",
                 "darkolivegreen1"):
        assert text in src, text
    # Linear is one fused node (x, W, b) here: 3 edges into the last, 1 into ReLU, 2 (W, b) into the
    # first, 1 to the output box
    assert src.count("->") == 7
    import graphviz

    assert isinstance(dot, graphviz.Digraph)
    attrs = make_dot(y, show_attrs=True, show_saved=True).source
    assert "saved" in attrs


def test_make_dot_without_graphviz(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_graphviz(name, *args, **kwargs):
        if name == "graphviz":
            raise ImportError("no graphviz")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_graphviz)
    x = mytorch.tensor([1.0, 2.0], requires_grad=True)
    dot = make_dot((x * x).sum())
    assert isinstance(dot, DotSource)
    assert dot.source.startswith("digraph {") and "MulBackward0" in dot.source and "SumBackward0" in dot.source
    assert str(dot) == dot.source
    np.testing.assert_equal(dot.source.count("->"), 4)
