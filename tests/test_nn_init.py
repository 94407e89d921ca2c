"""Initialisers by their distributions (bounds, means, standard deviations) and PyTorch's fan/gain rules."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import mytorch
import mytorch.nn as nn
from mytorch.nn import init


@pytest.mark.parametrize(
    "nonlinearity, param",
    [("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None), ("relu", None), ("selu", None),
     ("leaky_relu", None), ("leaky_relu", 0.2), ("leaky_relu", math.sqrt(5))],
)
def test_calculate_gain_matches_torch(nonlinearity, param):
    assert init.calculate_gain(nonlinearity, param) == pytest.approx(torch.nn.init.calculate_gain(nonlinearity, param))


def test_calculate_gain_rejects_unknown():
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        init.calculate_gain("swish")


@pytest.mark.parametrize("shape", [(30, 20), (8, 4, 3, 3), (5, 7, 2)])
def test_fans_match_torch(shape):
    assert init._calculate_fan_in_and_fan_out(mytorch.empty(shape)) == \
        torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init._calculate_fan_in_and_fan_out(mytorch.empty(5))


def _uniform_ok(t, bound):
    x = t.detach().numpy().astype(np.float64)
    assert x.min() >= -bound and x.max() <= bound
    assert x.min() < -0.98 * bound and x.max() > 0.98 * bound  # the bound is reached, not just respected
    assert abs(x.mean()) < 0.02 * bound
    assert x.std() == pytest.approx(bound / math.sqrt(3), rel=0.02)


def _normal_ok(t, std):
    x = t.detach().numpy().astype(np.float64)
    assert abs(x.mean()) < 0.02 * std
    assert x.std() == pytest.approx(std, rel=0.02)


def test_xavier_and_kaiming_statistics():
    w = mytorch.empty(400, 600)
    fan_in, fan_out = 600, 400
    _uniform_ok(init.xavier_uniform_(w, gain=2.0), 2.0 * math.sqrt(6 / (fan_in + fan_out)))
    _normal_ok(init.xavier_normal_(w), math.sqrt(2 / (fan_in + fan_out)))
    _uniform_ok(init.kaiming_uniform_(w, nonlinearity="relu"), math.sqrt(2) * math.sqrt(3 / fan_in))
    _uniform_ok(init.kaiming_uniform_(w, mode="fan_out"), init.calculate_gain("leaky_relu", 0) * math.sqrt(3 / fan_out))
    _normal_ok(init.kaiming_normal_(w, a=0.2, nonlinearity="leaky_relu"),
               math.sqrt(2 / (1 + 0.04)) / math.sqrt(fan_in))
    _uniform_ok(init.uniform_(w, -3, 3), 3)
    x = init.normal_(w, 2.0, 0.5).detach().numpy()
    assert x.mean() == pytest.approx(2.0, abs=0.01) and x.std() == pytest.approx(0.5, rel=0.02)
    assert (init.constant_(w, 0.3).detach().numpy() == np.float32(0.3)).all()
    assert init.zeros_(w).abs().sum().item() == 0 and init.ones_(w).sum().item() == w.numel()
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_normal_(w, mode="fan_avg")


def test_linear_default_init_is_uniform_one_over_sqrt_fan_in():
    lin = nn.Linear(400, 300)
    _uniform_ok(lin.weight, 1 / math.sqrt(400))
    b = lin.bias.detach().numpy()
    assert b.min() >= -0.05 and b.max() <= 0.05 and b.max() > 0.045


def test_init_draws_from_the_seeded_generator_and_works_on_parameters():
    mytorch.manual_seed(7)
    a = nn.Linear(5, 5).weight.detach().numpy().copy()
    mytorch.manual_seed(7)
    b = nn.Linear(5, 5).weight.detach().numpy()
    np.testing.assert_array_equal(a, b)
    p = nn.Parameter(mytorch.empty(3, 3))
    init.xavier_uniform_(p)  # works on a leaf that requires grad (no_grad inside)
    assert p.requires_grad and p.grad_fn is None


def test_norm_layer_initial_values():
    bn = nn.BatchNorm1d(4)
    assert bn.weight.sum().item() == 4 and bn.bias.abs().sum().item() == 0
    assert bn.running_mean.abs().sum().item() == 0 and bn.running_var.sum().item() == 4
    ln = nn.LayerNorm(4)
    assert ln.weight.sum().item() == 4 and ln.bias.abs().sum().item() == 0
