"""Fused Functions against their composed versions, Dropout statistics, loss edge cases and errors,
gradient clipping and parameter vectors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import mytorch
import mytorch.nn as nn
import mytorch.nn.functional as F
from conftest import assert_close
from mytorch.nn.utils import clip_grad_norm_, clip_grad_value_, parameters_to_vector, vector_to_parameters


def _grads(fn, *arrays):
    ts = [mytorch.tensor(a, requires_grad=True) for a in arrays]
    out = fn(*ts)
    out.sum().backward() if out.ndim else out.backward()
    return out.detach().numpy(), [t.grad.numpy() for t in ts]


def _assert_same(a, b):
    out_a, grads_a = a
    out_b, grads_b = b
    np.testing.assert_allclose(out_a, out_b, rtol=1e-12, atol=1e-12)
    for ga, gb in zip(grads_a, grads_b):
        np.testing.assert_allclose(ga, gb, rtol=1e-10, atol=1e-12)


# ---------------------------------------------------------------- fused vs composed
def test_fused_linear_equals_composed(rng):
    x, w, b = rng.standard_normal((2, 4, 5)), rng.standard_normal((3, 5)), rng.standard_normal(3)
    _assert_same(_grads(F.linear, x, w, b), _grads(lambda x, w, b: x @ w.T + b, x, w, b))


@pytest.mark.parametrize("shape", [(8, 5), (4, 3, 6)])
def test_fused_batch_norm_equals_composed(shape, rng):
    x = rng.standard_normal(shape) * 3 + 1
    w, b = rng.standard_normal(shape[1]), rng.standard_normal(shape[1])
    axes = (0,) if len(shape) == 2 else (0, 2)
    bshape = (shape[1],) if len(shape) == 2 else (shape[1], 1)

    def composed(x, w, b):
        mean = x.mean(axes, keepdim=True)
        var = ((x - mean) ** 2).mean(axes, keepdim=True)
        return (x - mean) / (var + 1e-5).sqrt() * w.reshape(bshape) + b.reshape(bshape)

    def fused(x, w, b):
        return F.batch_norm(x, None, None, w, b, training=True)

    _assert_same(_grads(fused, x, w, b), _grads(composed, x, w, b))


def test_fused_batch_norm_eval_equals_composed(rng):
    x, w, b = rng.standard_normal((6, 4)), rng.standard_normal(4), rng.standard_normal(4)
    rm, rv = mytorch.tensor(rng.standard_normal(4)), mytorch.tensor(rng.random(4) + 0.5)

    def composed(x, w, b):
        return (x - rm) / (rv + 1e-5).sqrt() * w + b

    _assert_same(_grads(lambda x, w, b: F.batch_norm(x, rm, rv, w, b, training=False), x, w, b),
                 _grads(composed, x, w, b))


def test_fused_layer_norm_equals_composed(rng):
    x, w, b = rng.standard_normal((3, 4, 5)), rng.standard_normal((4, 5)), rng.standard_normal((4, 5))

    def composed(x, w, b):
        mean = x.mean((1, 2), keepdim=True)
        var = x.var((1, 2), keepdim=True, correction=0)
        return (x - mean) / (var + 1e-5).sqrt() * w + b

    _assert_same(_grads(lambda x, w, b: F.layer_norm(x, (4, 5), w, b), x, w, b), _grads(composed, x, w, b))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("smoothing", [0.0, 0.25])
def test_fused_cross_entropy_equals_composed(reduction, smoothing, rng):
    x = rng.standard_normal((9, 4)) * 4
    target = rng.integers(0, 4, 9)
    target[::4] = -100
    weight = rng.random(4) + 0.2
    t, w = mytorch.tensor(target), mytorch.tensor(weight)

    def composed(x):
        logp = x.log_softmax(1)
        nll = F.nll_loss(logp, t, w, reduction="none")
        valid = mytorch.tensor((target != -100).astype(np.float64))
        smooth = -(logp * w).sum(1) * valid
        per = (1 - smoothing) * nll + smoothing / 4 * smooth
        if reduction == "none":
            return per
        if reduction == "sum":
            return per.sum()
        return per.sum() / float((weight[np.where(target != -100, target, 0)] * (target != -100)).sum())

    fused = _grads(lambda x: F.cross_entropy(x, t, w, reduction=reduction, label_smoothing=smoothing), x)
    _assert_same(fused, _grads(composed, x))


def test_cross_entropy_is_stable_for_huge_logits():
    x = mytorch.tensor([[1000.0, 0.0, -1000.0]], requires_grad=True)
    loss = F.cross_entropy(x, mytorch.tensor([2]))
    loss.backward()
    assert loss.item() == pytest.approx(2000.0)
    np.testing.assert_allclose(x.grad.numpy(), [[1.0, 0.0, -1.0]], atol=1e-6)
    z = F.binary_cross_entropy_with_logits(mytorch.tensor([1000.0, -1000.0]), mytorch.tensor([0.0, 1.0]))
    assert z.item() == pytest.approx(1000.0)


def test_all_ignored_targets_give_nan_loss_and_zero_gradients_like_torch():
    x_np = np.random.default_rng(0).standard_normal((3, 4))
    x, tx = mytorch.tensor(x_np, requires_grad=True), torch.tensor(x_np, requires_grad=True)
    target = [-100, -100, -100]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = F.cross_entropy(x, mytorch.tensor(target))
        loss.backward()
    t_loss = torch.nn.functional.cross_entropy(tx, torch.tensor(target))
    t_loss.backward()
    assert np.isnan(loss.item()) and np.isnan(t_loss.item())
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())
    assert np.isnan(F.nll_loss(x.log_softmax(1), mytorch.tensor(target)).item())


def test_out_of_range_targets_name_the_value_and_class_count():
    x = mytorch.zeros(3, 10)
    with pytest.raises(IndexError, match="target value 12 is out of range for 10 classes"):
        F.cross_entropy(x, mytorch.tensor([1, 12, 3]))
    with pytest.raises(IndexError, match="target value -1 is out of range for 10 classes"):
        nn.NLLLoss()(x, mytorch.tensor([-1, 0, 0]))
    with pytest.raises(RuntimeError, match=r"targets of shape \(3,\).*got \(2,\)"):
        F.cross_entropy(x, mytorch.tensor([1, 2]))
    with pytest.raises(RuntimeError, match="integer"):
        F.nll_loss(x, mytorch.tensor([1.0, 2.0, 3.0]).reshape(3, 1).squeeze(1))


def test_loss_argument_errors():
    with pytest.raises(ValueError, match="'avg' is not a valid value for reduction"):
        nn.MSELoss(reduction="avg")
    with pytest.raises(ValueError, match="label_smoothing"):
        F.cross_entropy(mytorch.zeros(2, 3), mytorch.tensor([0, 1]), label_smoothing=1.5)
    with pytest.raises(RuntimeError, match="between 0 and 1"):
        F.binary_cross_entropy(mytorch.tensor([1.5]), mytorch.tensor([1.0]))
    with pytest.raises(ValueError, match="same as input size"):
        F.binary_cross_entropy_with_logits(mytorch.zeros(3), mytorch.zeros(2))
    with pytest.warns(UserWarning, match="target size"):
        F.mse_loss(mytorch.zeros(3, 1), mytorch.zeros(3))


def test_bce_clamps_log_at_minus_100_like_torch():
    x, y = [0.0, 1.0, 0.5], [1.0, 0.0, 1.0]
    ours = F.binary_cross_entropy(mytorch.tensor(x), mytorch.tensor(y), reduction="none")
    theirs = torch.nn.functional.binary_cross_entropy(torch.tensor(x), torch.tensor(y), reduction="none")
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


# ---------------------------------------------------------------- dropout
def test_dropout_statistics_and_modes():
    x = mytorch.ones(200_000)
    for p in (0.25, 0.5, 0.9):
        y = F.dropout(x, p).numpy()
        kept = y != 0
        assert kept.mean() == pytest.approx(1 - p, abs=0.005)
        assert np.all(y[kept] == np.float32(1) * np.float32(1 / (1 - p)))
    d = nn.Dropout(0.5).eval()
    assert d(x) is x
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x
    assert F.dropout(x, 1.0).abs().sum().item() == 0
    with pytest.raises(ValueError, match="between 0 and 1, but got 1.5"):
        nn.Dropout(1.5)


def test_dropout_gradient_is_the_mask_times_scale():
    x = mytorch.ones(1000, requires_grad=True)
    y = F.dropout(x, 0.3)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), y.detach().numpy())


def test_dropout_is_reproducible_with_manual_seed():
    mytorch.manual_seed(3)
    a = F.dropout(mytorch.ones(50), 0.5).numpy()
    mytorch.manual_seed(3)
    np.testing.assert_array_equal(a, F.dropout(mytorch.ones(50), 0.5).numpy())


# ---------------------------------------------------------------- utils
def _params_with_grads(lib, rng_seed=0):
    rng = np.random.default_rng(rng_seed)
    ps = [lib.tensor(rng.standard_normal(s), requires_grad=True) for s in [(3, 4), (4,), (2, 2)]]
    for p, g in zip(ps, [rng.standard_normal(p.shape) * 3 for p in ps]):
        p.grad = lib.tensor(g)
    return ps


@pytest.mark.parametrize("norm_type", [2.0, 1.0, float("inf")])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    ours, theirs = _params_with_grads(mytorch), _params_with_grads(torch)
    total = clip_grad_norm_(ours, max_norm, norm_type)
    t_total = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    assert total.item() == pytest.approx(t_total.item(), rel=1e-12)
    for a, b in zip(ours, theirs):
        assert_close(a.grad, b.grad, np.float64, "clipped grad")


def test_clip_grad_value_and_vectors_match_torch():
    ours, theirs = _params_with_grads(mytorch), _params_with_grads(torch)
    clip_grad_value_(ours, 1.0)
    torch.nn.utils.clip_grad_value_(theirs, 1.0)
    for a, b in zip(ours, theirs):
        assert_close(a.grad, b.grad, np.float64, "clipped grad")
    v = parameters_to_vector(ours)
    assert_close(v, torch.nn.utils.parameters_to_vector(theirs), np.float64, "vector")
    vector_to_parameters(v * 2, ours)
    np.testing.assert_allclose(parameters_to_vector(ours).detach().numpy(), 2 * v.detach().numpy())
    with pytest.raises(RuntimeError, match=r"need \(20,\)"):
        vector_to_parameters(mytorch.zeros(5), ours)
    with pytest.raises(RuntimeError, match="non-finite"):
        ours[0].grad = mytorch.full((3, 4), float("inf"), dtype=mytorch.float64)
        clip_grad_norm_(ours, 1.0, error_if_nonfinite=True)


def test_one_hot():
    np.testing.assert_array_equal(F.one_hot(mytorch.tensor([0, 2, 1]), 4).numpy(),
                                  torch.nn.functional.one_hot(torch.tensor([0, 2, 1]), 4).numpy())
