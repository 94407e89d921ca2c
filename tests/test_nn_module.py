"""Module semantics that users rely on (REFERENCE-SEMANTICS §4), each checked against torch."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

import mytorch
import mytorch.nn as nn


def _registration_order(lib):
    class Child(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.weight = lib.nn.Parameter(lib.ones(2))
            self.bias = lib.nn.Parameter(lib.zeros(2))

    class Net(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("buf_a", lib.zeros(1))
            self.b = lib.nn.Parameter(lib.ones(1))
            self.child = Child()
            self.a = lib.nn.Parameter(lib.ones(1))
            self.register_buffer("tmp", lib.zeros(1), persistent=False)

    return Net()


def test_orderings_match_torch():
    m, t = _registration_order(mytorch), _registration_order(torch)
    assert [n for n, _ in m.named_parameters()] == [n for n, _ in t.named_parameters()] == [
        "b", "a", "child.weight", "child.bias"]
    assert list(m.state_dict()) == list(t.state_dict()) == ["b", "a", "buf_a", "child.weight", "child.bias"]
    assert [n for n, _ in m.named_buffers()] == [n for n, _ in t.named_buffers()] == ["buf_a", "tmp"]
    assert [n for n, _ in m.named_modules()] == [n for n, _ in t.named_modules()] == ["", "child"]
    assert [type(c).__name__ for c in m.children()] == ["Child"]


def test_shared_parameters_once_and_state_dict_not_deduplicated():
    for lib in (mytorch, torch):
        lin = lib.nn.Linear(2, 2)
        net = lib.nn.Sequential(lin, lib.nn.ReLU(), lin)
        assert len(list(net.parameters())) == 2
        assert [n for n, _ in net.named_parameters()] == ["0.weight", "0.bias"]
        assert list(net.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    m = mytorch.nn.Module()
    m.first = nn.Linear(1, 1)
    m.tied = m.first
    assert list(m.state_dict()) == ["first.weight", "first.bias", "tied.weight", "tied.bias"]


def test_state_dict_keys_equal_torch_for_a_batchnorm_mlp():
    for m_lib, t_lib in [(mytorch, torch)]:
        def make(lib):
            return lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.BatchNorm1d(4), lib.nn.Linear(4, 2))
        m, t = make(m_lib), make(t_lib)
        assert list(m.state_dict()) == list(t.state_dict()) == [
            "0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var",
            "1.num_batches_tracked", "2.weight", "2.bias"]
        assert m.state_dict()["1.num_batches_tracked"].dtype == mytorch.int64


def test_state_dict_shares_memory_and_load_copies_in_place():
    m = nn.Linear(3, 2)
    sd = m.state_dict()
    assert np.shares_memory(sd["weight"]._data, m.weight._data) and not sd["weight"].requires_grad
    weight_before = m.weight
    m.load_state_dict({"weight": np.ones((2, 3)), "bias": mytorch.zeros(2)})
    assert m.weight is weight_before
    np.testing.assert_array_equal(m.weight.detach().numpy(), 1.0)


def test_load_state_dict_reports_missing_and_unexpected_keys():
    m = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1))
    sd = dict(m.state_dict())
    del sd["2.bias"]
    sd["extra.weight"] = mytorch.zeros(1)
    with pytest.raises(RuntimeError, match=r'Missing key\(s\) in state_dict: "2.bias"') as e:
        m.load_state_dict(sd)
    assert 'Unexpected key(s) in state_dict: "extra.weight"' in str(e.value)
    result = m.load_state_dict(sd, strict=False)
    assert result.missing_keys == ["2.bias"] and result.unexpected_keys == ["extra.weight"]


def test_shape_mismatch_errors_even_without_strict():
    m = nn.Linear(3, 2)
    with pytest.raises(RuntimeError, match=r"size mismatch for weight: .*\(4, 3\).*\(2, 3\)"):
        m.load_state_dict({"weight": mytorch.zeros(4, 3), "bias": mytorch.zeros(2)}, strict=False)


def test_assigning_a_plain_tensor_to_a_parameter_name_raises():
    m = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="cannot assign 'Tensor' as parameter 'weight'"):
        m.weight = mytorch.zeros(2, 2)
    m.bias = None
    assert "bias" not in dict(m.named_parameters()) and m.bias is None


def test_register_parameter_none_reserves_the_name():
    for lib in (mytorch, torch):
        m = lib.nn.Module()
        m.register_parameter("w", None)
        assert m.w is None and list(m.parameters()) == [] and list(m.state_dict()) == []


def test_register_buffer_validation():
    m = nn.Module()
    with pytest.raises(KeyError, match='contain "."'):
        m.register_buffer("a.b", mytorch.zeros(1))
    m.x = 3
    with pytest.raises(KeyError, match="already exists"):
        m.register_buffer("x", mytorch.zeros(1))
    with pytest.raises(TypeError, match="Tensor or None"):
        m.register_buffer("y", np.zeros(1))


def test_train_eval_are_recursive_and_return_self():
    m = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Dropout(0.5), nn.BatchNorm1d(2)))
    assert m.eval() is m
    assert all(not sub.training for sub in m.modules())
    assert m.train() is m and all(sub.training for sub in m.modules())
    m[1].eval()
    assert m.training and not m[1][0].training
    with pytest.raises(ValueError, match="boolean"):
        m.train("yes")


def test_eval_does_not_disable_grad():
    m = nn.Linear(2, 1).eval()
    assert m(mytorch.ones(1, 2)).requires_grad


def test_zero_grad_and_apply():
    m = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 1))
    m(mytorch.ones(3, 2)).sum().backward()
    m.zero_grad(set_to_none=False)
    assert all(p.grad is not None and p.grad.abs().sum().item() == 0 for p in m.parameters())
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())
    seen = []
    m.apply(lambda mod: seen.append(type(mod).__name__))
    assert seen == ["Linear", "Linear", "Sequential"]


def test_sequential_containers():
    a, b, c = nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)
    s = nn.Sequential(a, b, c)
    assert len(s) == 3 and s[0] is a and s[-1] is c and list(s) == [a, b, c]
    sub = s[1:]
    assert isinstance(sub, nn.Sequential) and list(sub) == [b, c]
    s.append(nn.Sigmoid())
    assert len(s) == 4 and "3" in dict(s.named_children())
    x = mytorch.ones(5, 2)
    assert s(x).shape == (5, 1)
    ml = nn.ModuleList([nn.Linear(1, 1) for _ in range(3)])
    ml.append(nn.ReLU())
    assert len(ml) == 4 and len(list(ml.parameters())) == 6
    md = nn.ModuleDict({"enc": nn.Linear(2, 2), "act": nn.Tanh()})
    assert list(md) == ["enc", "act"] and "enc" in md and len(list(md.parameters())) == 2
    assert [n for n, _ in md.named_parameters()] == ["enc.weight", "enc.bias"]


def test_residual():
    lin = nn.Linear(3, 3)
    r = nn.Residual(lin)
    x = mytorch.randn(2, 3)
    np.testing.assert_allclose(r(x).detach().numpy(), (lin(x) + x).detach().numpy())
    assert list(r.state_dict()) == ["fn.weight", "fn.bias"]


def test_repr_tree_matches_torch():
    def make(lib):
        return lib.nn.Sequential(lib.nn.Linear(784, 100), lib.nn.ReLU(),
                                 lib.nn.Sequential(lib.nn.Dropout(0.1), lib.nn.BatchNorm1d(100)),
                                 lib.nn.LayerNorm(100), lib.nn.GELU(approximate="tanh"), lib.nn.Softmax(dim=1),
                                 lib.nn.BatchNorm1d(3, affine=False), lib.nn.LayerNorm(4, bias=False),
                                 lib.nn.LeakyReLU(), lib.nn.Softplus(), lib.nn.Flatten(),
                                 lib.nn.Linear(2, 3, bias=False),
                                 lib.nn.CrossEntropyLoss(), lib.nn.ReLU(inplace=True), lib.nn.Identity())
    assert repr(make(mytorch)) == repr(make(torch))


def test_double_and_deepcopy():
    m = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
    m.double()
    assert all(p.dtype == mytorch.float64 for p in m.parameters())
    assert m[1].running_mean.dtype == mytorch.float64 and m[1].num_batches_tracked.dtype == mytorch.int64
    c = copy.deepcopy(m)
    assert c[0].weight is not m[0].weight
    np.testing.assert_array_equal(c[0].weight.detach().numpy(), m[0].weight.detach().numpy())
    assert isinstance(c[0].weight, nn.Parameter)


def test_wrong_in_features_names_expected_and_got():
    with pytest.raises(RuntimeError, match=r"last dimension 784 \(in_features\), got shape \(32, 100\)"):
        nn.Linear(784, 10)(mytorch.zeros(32, 100))
    with pytest.raises(RuntimeError, match=r"expected 8 channels \(num_features\).*\(4, 6\)"):
        nn.BatchNorm1d(8)(mytorch.zeros(4, 6))
    with pytest.raises(RuntimeError, match=r"trailing dimensions are \(5,\)"):
        nn.LayerNorm(5)(mytorch.zeros(2, 4))


def test_batchnorm_with_one_value_per_channel_raises_like_torch():
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        nn.BatchNorm1d(3)(mytorch.zeros(1, 3))
    nn.BatchNorm1d(3).eval()(mytorch.zeros(1, 3))  # fine in eval mode
    with pytest.raises(ValueError, match="expected 2D or 3D input"):
        nn.BatchNorm1d(3)(mytorch.zeros(2, 3, 4, 5))


def test_num_parameters_matches_torch():
    def make(lib):
        return lib.nn.Sequential(lib.nn.Linear(784, 100), lib.nn.BatchNorm1d(100), lib.nn.Linear(100, 10))
    assert make(mytorch).num_parameters() == sum(p.numel() for p in make(torch).parameters())
