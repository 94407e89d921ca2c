"""mytorch.manual's SGD (eq. 44–49), Adam and AdamW (seed 000) against the equations and torch.optim."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mytorch.manual import MLP1, SGD, Adam, AdamW, CrossEntropyLoss, Linear


class TwoLayers:
    """The minimal model the optimizers need: a ``layers`` list of layers with W, b, dLdW, dLdb."""

    def __init__(self, rng):
        self.layers = [Linear(3, 4), Linear(4, 2)]
        for layer in self.layers:
            layer.W = rng.normal(size=layer.W.shape)
            layer.b = rng.normal(size=layer.b.shape)


def torch_twin(model):
    return [torch.tensor(a, requires_grad=True) for layer in model.layers for a in (layer.W, layer.b)]


def run_both(make_ours, make_theirs, steps=7, seed=40, reassign_at=None):
    """Feed the same random gradients to our optimizer and torch's; return both parameter lists per step."""
    rng = np.random.default_rng(seed)
    model = TwoLayers(rng)
    params = torch_twin(model)
    ours, theirs = make_ours(model), make_theirs(params)
    for t in range(steps):
        if t == reassign_at:  # a user replacing the weights between steps
            new_W = rng.normal(size=model.layers[0].W.shape)
            model.layers[0].W = new_W
            with torch.no_grad():
                params[0].copy_(torch.tensor(new_W))
        for k, layer in enumerate(model.layers):
            layer.dLdW = rng.normal(size=layer.W.shape)
            layer.dLdb = rng.normal(size=layer.b.shape)
            params[2 * k].grad = torch.tensor(layer.dLdW)
            params[2 * k + 1].grad = torch.tensor(layer.dLdb)
        ours.step()
        theirs.step()
        got = [a for layer in model.layers for a in (layer.W, layer.b)]
        for mine, ref in zip(got, params):
            np.testing.assert_allclose(mine, ref.detach().numpy(), rtol=1e-10, atol=1e-12, err_msg=f"step {t + 1}")
    return ours


def test_sgd_without_momentum_is_eq_44_45():
    rng = np.random.default_rng(41)
    model = TwoLayers(rng)
    for layer in model.layers:
        layer.dLdW = rng.normal(size=layer.W.shape)
        layer.dLdb = rng.normal(size=layer.b.shape)
    before = [(layer.W, layer.b) for layer in model.layers]
    SGD(model, lr=0.05).step()
    for layer, (W, b) in zip(model.layers, before):
        np.testing.assert_allclose(layer.W, W - 0.05 * layer.dLdW, rtol=1e-15)
        np.testing.assert_allclose(layer.b, b - 0.05 * layer.dLdb, rtol=1e-15)
    assert SGD(model).lr == 0.1 and SGD(model).mu == 0


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_sgd_matches_torch(momentum):
    opt = run_both(
        lambda m: SGD(m, lr=0.05, momentum=momentum), lambda p: torch.optim.SGD(p, lr=0.05, momentum=momentum)
    )
    assert len(opt.v_W) == 2 and opt.v_W[0].shape == (4, 3) and opt.v_b[1].shape == (2, 1)


def test_sgd_momentum_velocities_are_eq_46_47():
    rng = np.random.default_rng(42)
    model = TwoLayers(rng)
    opt = SGD(model, lr=0.1, momentum=0.5)
    grads = [rng.normal(size=(4, 3)) for _ in range(3)]
    W0 = model.layers[0].W
    for g in grads:
        model.layers[0].dLdW = g
        model.layers[1].dLdW = np.zeros((2, 4))
        model.layers[0].dLdb = np.zeros((4, 1))
        model.layers[1].dLdb = np.zeros((2, 1))
        opt.step()
    v = 0.25 * grads[0] + 0.5 * grads[1] + grads[2]
    np.testing.assert_allclose(opt.v_W[0], v, rtol=1e-15)
    np.testing.assert_allclose(model.layers[0].W, W0 - 0.1 * (grads[0] + (0.5 * grads[0] + grads[1]) + v), rtol=1e-14)


@pytest.mark.parametrize("betas, eps", [((0.9, 0.999), 1e-8), ((0.5, 0.9), 1e-3)])
def test_adam_matches_torch(betas, eps):
    run_both(
        lambda m: Adam(m, lr=0.01, beta1=betas[0], beta2=betas[1], eps=eps),
        lambda p: torch.optim.Adam(p, lr=0.01, betas=betas, eps=eps),
    )


@pytest.mark.parametrize("weight_decay", [0.01, 0.5])
def test_adamw_matches_torch(weight_decay):
    opt = run_both(
        lambda m: AdamW(m, lr=0.01, weight_decay=weight_decay),
        lambda p: torch.optim.AdamW(p, lr=0.01, weight_decay=weight_decay),
    )
    assert opt.t == 7 and opt.weight_decay == weight_decay


def test_adam_first_step_is_lr_times_the_gradient_sign():
    # With zero initial moments, m̂_1 = g and v̂_1 = g², so the first update is lr·g/(|g| + ε).
    rng = np.random.default_rng(43)
    model = TwoLayers(rng)
    for layer in model.layers:
        layer.dLdW = rng.normal(size=layer.W.shape)
        layer.dLdb = rng.normal(size=layer.b.shape)
    before = [layer.W for layer in model.layers]
    Adam(model, lr=0.1, eps=0.0).step()
    for layer, W in zip(model.layers, before):
        np.testing.assert_allclose(layer.W, W - 0.1 * np.sign(layer.dLdW), rtol=1e-14)


def test_adamw_decays_parameters_even_without_gradient():
    rng = np.random.default_rng(44)
    model = TwoLayers(rng)
    for layer in model.layers:
        layer.dLdW = np.zeros_like(layer.W)
        layer.dLdb = np.zeros_like(layer.b)
    before = [(layer.W, layer.b) for layer in model.layers]
    AdamW(model, lr=0.1, weight_decay=0.2).step()
    for layer, (W, b) in zip(model.layers, before):
        np.testing.assert_allclose(layer.W, W * (1 - 0.1 * 0.2), rtol=1e-15)  # W_t = W_{t−1} − W_{t−1}·α·λ
        np.testing.assert_allclose(layer.b, b * (1 - 0.1 * 0.2), rtol=1e-15)


def test_adamw_without_decay_is_adam():
    rng = np.random.default_rng(45)
    a, b = TwoLayers(rng), TwoLayers(np.random.default_rng(45))
    opt_a, opt_b = Adam(a, lr=0.01), AdamW(b, lr=0.01, weight_decay=0.0)
    for _ in range(3):
        for la, lb in zip(a.layers, b.layers):
            la.dLdW = lb.dLdW = rng.normal(size=la.W.shape)
            la.dLdb = lb.dLdb = rng.normal(size=la.b.shape)
        opt_a.step()
        opt_b.step()
    for la, lb in zip(a.layers, b.layers):
        assert np.array_equal(la.W, lb.W) and np.array_equal(la.b, lb.b)


@pytest.mark.parametrize(
    "make_ours, make_theirs",
    [
        (lambda m: SGD(m, lr=0.05, momentum=0.9), lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9)),
        (lambda m: Adam(m, lr=0.01), lambda p: torch.optim.Adam(p, lr=0.01)),
        (lambda m: AdamW(m, lr=0.01), lambda p: torch.optim.AdamW(p, lr=0.01)),
    ],
    ids=["SGD", "Adam", "AdamW"],
)
def test_optimizers_read_reassigned_weights(make_ours, make_theirs):
    run_both(make_ours, make_theirs, steps=5, reassign_at=2)


def test_steps_rebind_parameters_instead_of_mutating_them():
    rng = np.random.default_rng(46)
    for make in (lambda m: SGD(m), lambda m: SGD(m, momentum=0.9), lambda m: Adam(m, lr=0.1), lambda m: AdamW(m, 0.1)):
        model = TwoLayers(rng)
        for layer in model.layers:
            layer.dLdW = np.ones_like(layer.W)
            layer.dLdb = np.ones_like(layer.b)
        old_W = model.layers[0].W
        snapshot = old_W.copy()
        make(model).step()
        assert np.array_equal(old_W, snapshot) and model.layers[0].W is not old_W


def test_invalid_hyperparameters_are_rejected():
    model = TwoLayers(np.random.default_rng(47))
    with pytest.raises(ValueError, match="learning rate"):
        Adam(model, lr=-1.0)
    with pytest.raises(ValueError, match="beta"):
        Adam(model, lr=0.1, beta1=1.0)
    with pytest.raises(ValueError, match="eps"):
        Adam(model, lr=0.1, eps=-1e-8)
    with pytest.raises(ValueError, match="weight_decay"):
        AdamW(model, lr=0.1, weight_decay=-0.1)


@pytest.mark.parametrize(
    "make", [lambda m: SGD(m, lr=0.5, momentum=0.9), lambda m: Adam(m, lr=0.05)], ids=["SGD", "Adam"]
)
def test_training_mlp1_reduces_the_loss(make):
    rng = np.random.default_rng(48)
    model = MLP1()
    for layer in model.layers:
        layer.W = rng.normal(scale=0.5, size=layer.W.shape)
        layer.b = np.full(layer.b.shape, 0.1)
    X = rng.normal(size=(64, 2))
    Y = np.eye(2)[(X[:, 0] * X[:, 1] > 0).astype(int)]  # XOR-like quadrants
    ce = CrossEntropyLoss()
    opt = make(model)
    first = ce.forward(model.forward(X), Y)
    for _ in range(200):
        ce.forward(model.forward(X), Y)
        model.backward(ce.backward())
        opt.step()
    assert ce.forward(model.forward(X), Y) < 0.7 * first
