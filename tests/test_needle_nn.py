"""needle's init and nn as a student's HW2 run uses them: statistics, draw order, and parity.

Draw order: after ``np.random.seed(s)`` every constructor must give the numbers that the same
NumPy calls, made by hand in the handout's order, give. Modules are checked against torch (and the
core's ``mytorch.nn``) under the needle conventions, in float64.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import mytorch
import mytorch.compat.needle as ndl
from mytorch.compat.needle import init, nn

F64 = dict(rtol=1e-10, atol=1e-12)


def t64(a, requires_grad=True) -> ndl.Tensor:
    return ndl.Tensor(np.asarray(a, dtype=np.float64), dtype="float64", requires_grad=requires_grad)


def tt(a) -> torch.Tensor:
    return torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=True)


# ------------------------------------------------------------------------------------ init
def test_random_inits_are_one_global_draw_each_in_the_handouts_form():
    a = math.sqrt(6 / (7 + 5))
    bound = math.sqrt(2) * math.sqrt(3 / 7)
    cases = [
        (lambda: init.rand(3, 4, low=-2.0, high=5.0), lambda: np.random.rand(3, 4) * 7.0 + -2.0),
        (lambda: init.randn(3, 4, mean=1.0, std=2.0), lambda: np.random.randn(3, 4) * 2.0 + 1.0),
        (lambda: init.randb(3, 4, p=0.3), lambda: np.random.rand(3, 4) <= 0.3),
        (lambda: init.xavier_uniform(7, 5, gain=2.0), lambda: np.random.rand(7, 5) * (4 * a) + -2 * a),
        (lambda: init.xavier_normal(7, 5, gain=0.5), lambda: np.random.randn(7, 5) * (0.5 * math.sqrt(2 / 12))),
        (lambda: init.kaiming_uniform(7, 5), lambda: np.random.rand(7, 5) * (2 * bound) + -bound),
        (lambda: init.kaiming_normal(7, 5), lambda: np.random.randn(7, 5) * (math.sqrt(2) / math.sqrt(7))),
    ]
    for make, by_hand in cases:
        np.random.seed(42)
        got = make()
        after = np.random.get_state()[1].copy(), np.random.get_state()[2]
        np.random.seed(42)
        expected = by_hand()
        assert np.random.get_state()[2] == after[1] and np.array_equal(np.random.get_state()[1], after[0])
        expected = expected.astype(got.dtype)
        np.testing.assert_array_equal(got.numpy(), expected)
        assert not got.requires_grad


def test_init_statistics_and_shapes():
    np.random.seed(0)
    fan_in, fan_out = 400, 300
    w = init.xavier_uniform(fan_in, fan_out, gain=1.5).numpy()
    a = 1.5 * math.sqrt(6 / (fan_in + fan_out))
    assert w.shape == (fan_in, fan_out) and w.dtype == np.float32
    assert -a <= w.min() < -0.99 * a and 0.99 * a < w.max() <= a
    assert abs(w.std() - a / math.sqrt(3)) < 0.01 * a
    w = init.xavier_normal(fan_in, fan_out).numpy()
    assert abs(w.std() / math.sqrt(2 / (fan_in + fan_out)) - 1) < 0.01 and abs(w.mean()) < 1e-3
    w = init.kaiming_uniform(fan_in, fan_out).numpy()
    bound = math.sqrt(6 / fan_in)
    assert w.shape == (fan_in, fan_out) and -bound <= w.min() and w.max() <= bound
    assert abs(w.std() / (bound / math.sqrt(3)) - 1) < 0.01
    w = init.kaiming_normal(fan_in, fan_out).numpy()
    assert abs(w.std() / (math.sqrt(2) / math.sqrt(fan_in)) - 1) < 0.01
    b = init.randb(100_000, p=0.3).numpy()
    assert b.dtype == np.bool_ and abs(b.mean() - 0.3) < 0.01


def test_init_kwargs_pass_through():
    w = init.kaiming_uniform(3, 4, dtype="float64", requires_grad=True)
    assert w.dtype == np.float64 and w.requires_grad
    assert init.xavier_normal(3, 4, device=ndl.cpu()).shape == (3, 4)
    with pytest.raises(ValueError, match="relu"):
        init.kaiming_uniform(3, 4, nonlinearity="tanh")
    c = init.constant(2, 3, c=2.5)
    assert c.dtype == np.float32 and np.all(c.numpy() == 2.5)
    assert np.all(init.ones(2).numpy() == 1) and not init.zeros(2, 2).numpy().any()
    x = ndl.Tensor(np.ones((2, 5)), dtype="float64")
    assert init.zeros_like(x).shape == (2, 5) and init.ones_like(x).dtype == np.float64
    oh = init.one_hot(4, ndl.Tensor(np.array([3, 0, 1], np.uint8)))
    np.testing.assert_array_equal(oh.numpy(), np.eye(4)[[3, 0, 1]])
    with pytest.raises(IndexError, match=r"\[0, 4\)"):
        init.one_hot(4, np.array([4]))


# ------------------------------------------------------------------------------------ Module
def test_parameters_and_train_eval_walk_lists_tuples_and_dicts():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = [nn.Linear(2, 3), (nn.BatchNorm1d(3), {"head": nn.Linear(3, 1, bias=False)})]
            self.scale = nn.Parameter(np.ones(1))
            self.note = "not a module"

    net = Net()
    params = net.parameters()
    lin, (bn, d) = net.blocks
    assert params == [lin.weight, lin.bias, bn.weight, bn.bias, d["head"].weight, net.scale]
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in params)
    assert bn.running_mean not in params and not isinstance(bn.running_mean, nn.Parameter)
    net.eval()
    assert not net.training and not bn.training and not d["head"].training
    net.train()
    assert net.training and bn.training and d["head"].training


def test_linear_shapes_draw_order_and_forward_backward():
    np.random.seed(7)
    lin = nn.Linear(5, 3)
    np.random.seed(7)
    b1 = math.sqrt(2) * math.sqrt(3 / 5)
    W = (np.random.rand(5, 3) * (2 * b1) + -b1).astype(np.float32)  # the weight is drawn first,
    b2 = math.sqrt(2) * math.sqrt(3 / 3)
    b = (np.random.rand(3, 1) * (2 * b2) + -b2).astype(np.float32).reshape(1, 3)  # then the bias (fan_in = out)
    assert lin.weight.shape == (5, 3) and lin.bias.shape == (1, 3)
    np.testing.assert_array_equal(lin.weight.numpy(), W)
    np.testing.assert_array_equal(lin.bias.numpy(), b)
    assert nn.Linear(5, 3, bias=False).bias is None

    lin = nn.Linear(4, 3, dtype="float64")
    assert lin.weight.dtype == lin.bias.dtype == np.float64
    X = np.random.default_rng(0).normal(size=(2, 6, 4))  # any number of leading dims
    x = t64(X)
    y = lin(x)
    xt, Wt, bt = tt(X), tt(lin.weight.numpy()), tt(lin.bias.numpy())
    yt = TF.linear(xt, Wt.T, bt.reshape(-1))  # torch's weight is (out, in): ours transposed
    np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), **F64)
    G = np.random.default_rng(1).normal(size=y.shape)
    y.backward(t64(G, False))
    yt.backward(torch.tensor(G))
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), **F64)
    np.testing.assert_allclose(lin.weight.grad.numpy(), Wt.grad.numpy(), **F64)
    np.testing.assert_allclose(lin.bias.grad.numpy(), bt.grad.numpy(), **F64)
    with pytest.raises(ValueError, match="4"):
        lin(t64(np.ones((2, 5))))


def test_relu_flatten_identity_sequential_residual():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(4, 2, 3))
    np.testing.assert_array_equal(nn.Flatten()(t64(X)).numpy(), X.reshape(4, 6))
    np.testing.assert_array_equal(nn.ReLU()(t64(X)).numpy(), np.maximum(X, 0))
    x = t64(X)
    assert nn.Identity()(x) is x
    mods = (nn.Flatten(), nn.Linear(6, 5, dtype="float64"), nn.ReLU(), nn.Linear(5, 6, dtype="float64"))
    seq = nn.Sequential(*mods)
    assert seq.modules == mods and len(seq.parameters()) == 4
    out = nn.Residual(seq)(nn.Flatten()(x))
    h = X.reshape(4, 6)
    l1, l2 = mods[1], mods[3]
    expected = np.maximum(h @ l1.weight.numpy() + l1.bias.numpy(), 0) @ l2.weight.numpy() + l2.bias.numpy() + h
    np.testing.assert_allclose(out.numpy(), expected, **F64)
    out.sum().backward()
    relu_grad = nn.ReLU()(ndl.Tensor(np.ones(2)))  # a fresh module works on any input
    assert relu_grad.shape == (2,) and x.grad.shape == X.shape


@pytest.mark.parametrize("label_dtype", [np.uint8, np.int32, np.int64])
def test_softmax_loss_matches_torch_cross_entropy(label_dtype):
    rng = np.random.default_rng(3)
    Z = rng.normal(size=(6, 4)) * 3
    y = rng.integers(0, 4, 6).astype(label_dtype)
    z = t64(Z)
    loss = nn.SoftmaxLoss()(z, ndl.Tensor(y))
    zt = tt(Z)
    ref = TF.cross_entropy(zt, torch.tensor(y.astype(np.int64)))
    assert loss.shape == ()
    np.testing.assert_allclose(loss.numpy(), ref.detach().numpy(), **F64)
    # the handout's own formula: mean over the batch of logsumexp(z) − z_y
    course = ndl.summation(ndl.logsumexp(z, axes=(1,)) - ndl.summation(z * init.one_hot(4, y, dtype="float64"),
                                                                        axes=(1,))) / 6
    np.testing.assert_allclose(loss.numpy(), course.numpy(), **F64)
    loss.backward()
    ref.backward()
    np.testing.assert_allclose(z.grad.numpy(), zt.grad.numpy(), **F64)
    with pytest.raises(TypeError, match="integer"):
        nn.SoftmaxLoss()(z, ndl.Tensor(y.astype(np.float32)))


def test_layernorm1d_matches_torch_with_the_variance_over_n():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(5, 7)) * 2 + 1
    ln = nn.LayerNorm1d(7, eps=1e-5, dtype="float64")
    assert np.all(ln.weight.numpy() == 1) and not ln.bias.numpy().any() and ln.weight.shape == (7,)
    ln.weight.data = t64(rng.normal(size=7))
    ln.bias.data = t64(rng.normal(size=7))
    x = t64(X)
    y = ln(x)
    var = X.var(axis=1, keepdims=True)  # divided by N: the handout's "unbiased" as its text defines it
    expected = (X - X.mean(1, keepdims=True)) / np.sqrt(var + 1e-5) * ln.weight.numpy() + ln.bias.numpy()
    np.testing.assert_allclose(y.numpy(), expected, **F64)
    xt, wt, bt = tt(X), tt(ln.weight.numpy()), tt(ln.bias.numpy())
    yt = TF.layer_norm(xt, (7,), wt, bt, eps=1e-5)
    G = rng.normal(size=(5, 7))
    y.backward(t64(G, False))
    yt.backward(torch.tensor(G))
    for a, b in ((x, xt), (ln.weight, wt), (ln.bias, bt)):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), **F64)


def test_batchnorm1d_training_eval_and_biased_running_variance():
    rng = np.random.default_rng(5)
    bn = nn.BatchNorm1d(3, eps=1e-5, momentum=0.1, dtype="float64")
    assert not bn.running_mean.numpy().any() and np.all(bn.running_var.numpy() == 1)
    assert len(bn.parameters()) == 2
    run_m, run_v = np.zeros(3), np.ones(3)
    core = mytorch.nn.BatchNorm1d(3, eps=1e-5, momentum=0.1, dtype=mytorch.float64)  # the main API's BatchNorm
    for _ in range(3):
        X = rng.normal(size=(8, 3)) * 2 + 0.5
        x = t64(X)
        y = bn(x)
        xt = tt(X)
        yt = TF.batch_norm(xt, None, None, torch.ones(3, dtype=torch.float64, requires_grad=True),
                           torch.zeros(3, dtype=torch.float64, requires_grad=True), training=True, eps=1e-5)
        np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), **F64)
        np.testing.assert_allclose(y.numpy(), core(mytorch.tensor(X)).detach().numpy(), **F64)
        G = rng.normal(size=(8, 3))
        y.backward(t64(G, False))
        yt.backward(torch.tensor(G))
        np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), **F64)
        run_m = 0.9 * run_m + 0.1 * X.mean(0)
        run_v = 0.9 * run_v + 0.1 * X.var(0)  # biased, unlike PyTorch's (and mytorch.nn's) running_var
        np.testing.assert_allclose(bn.running_mean.numpy(), run_m, **F64)
        np.testing.assert_allclose(bn.running_var.numpy(), run_v, **F64)
    assert not np.allclose(core.running_var.numpy(), run_v)
    bn.eval()
    X = rng.normal(size=(4, 3))
    x = t64(X)
    y = bn(x)
    np.testing.assert_allclose(y.numpy(), (X - run_m) / np.sqrt(run_v + 1e-5), **F64)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.broadcast_to(1 / np.sqrt(run_v + 1e-5), (4, 3)), **F64)
    np.testing.assert_allclose(bn.running_var.numpy(), run_v, **F64)  # eval leaves the statistics alone


def test_dropout_draws_randb_with_keep_probability_and_scales_in_training_only():
    X = np.random.default_rng(6).normal(size=(5, 8)).astype(np.float32)
    drop = nn.Dropout(p=0.3)
    np.random.seed(11)
    x = ndl.Tensor(X)
    y = drop(x)
    np.random.seed(11)
    mask = np.random.rand(5, 8) <= 0.7
    expected = X * mask.astype(np.float32) / np.float32(0.7)
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-7)
    np.testing.assert_array_equal(y.numpy() == 0, ~mask)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), mask / 0.7, rtol=1e-6)
    drop.eval()
    assert drop(x) is x
    with pytest.raises(ValueError, match="probability"):
        nn.Dropout(1.0)


def test_modules_match_the_cores_own_nn_under_the_needle_conventions():
    """needle Linear/LayerNorm1d/SoftmaxLoss/ReLU against mytorch.nn with the same parameters."""
    rng = np.random.default_rng(8)
    X = rng.normal(size=(6, 4))
    y = rng.integers(0, 3, 6)
    lin, ln = nn.Linear(4, 3, dtype="float64"), nn.LayerNorm1d(3, dtype="float64")
    ln.weight.data, ln.bias.data = t64(rng.normal(size=3)), t64(rng.normal(size=3))
    x = t64(X)
    loss = nn.SoftmaxLoss()(ln(nn.ReLU()(lin(x))), ndl.Tensor(y))
    loss.backward()

    core_lin, core_ln = mytorch.nn.Linear(4, 3, dtype=mytorch.float64), mytorch.nn.LayerNorm(3, dtype=mytorch.float64)
    with mytorch.no_grad():
        core_lin.weight.copy_(mytorch.tensor(lin.weight.numpy().T))  # the main API's weight is (out, in)
        core_lin.bias.copy_(mytorch.tensor(lin.bias.numpy().reshape(3)))
        core_ln.weight.copy_(mytorch.tensor(ln.weight.numpy()))
        core_ln.bias.copy_(mytorch.tensor(ln.bias.numpy()))
    xc = mytorch.tensor(X, requires_grad=True)
    core_loss = mytorch.nn.CrossEntropyLoss()(core_ln(mytorch.nn.ReLU()(core_lin(xc))), mytorch.tensor(y))
    core_loss.backward()
    np.testing.assert_allclose(loss.numpy(), core_loss.item(), **F64)
    np.testing.assert_allclose(x.grad.numpy(), xc.grad.numpy(), **F64)
    np.testing.assert_allclose(lin.weight.grad.numpy(), core_lin.weight.grad.numpy().T, **F64)
    np.testing.assert_allclose(lin.bias.grad.numpy().reshape(3), core_lin.bias.grad.numpy(), **F64)
    np.testing.assert_allclose(ln.weight.grad.numpy(), core_ln.weight.grad.numpy(), **F64)
    np.testing.assert_allclose(ln.bias.grad.numpy(), core_ln.bias.grad.numpy(), **F64)
