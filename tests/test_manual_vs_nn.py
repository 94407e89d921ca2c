"""mytorch.manual against the same network built from mytorch.nn modules, the 1/N conventions made explicit."""

from __future__ import annotations

import numpy as np

import mytorch as mt
from mytorch import nn
from mytorch.manual import BatchNorm1d, CrossEntropyLoss, Linear, MSELoss, ReLU


def build(rng):
    """The manual layers with random weights and their mytorch.nn twins (float64) holding the same values."""
    fc1, bn, act, fc2 = Linear(3, 4), BatchNorm1d(4), ReLU(), Linear(4, 2)
    for layer in (fc1, fc2):
        layer.W = rng.normal(size=layer.W.shape)
        layer.b = rng.normal(size=layer.b.shape)
    bn.BW = rng.normal(size=(1, 4))
    bn.Bb = rng.normal(size=(1, 4))
    twin = nn.Sequential(
        nn.Linear(3, 4, dtype=mt.float64),
        nn.BatchNorm1d(4, eps=bn.eps, momentum=1 - bn.alpha, dtype=mt.float64),
        nn.ReLU(),
        nn.Linear(4, 2, dtype=mt.float64),
    )
    twin[0].weight.data = mt.tensor(fc1.W)
    twin[0].bias.data = mt.tensor(fc1.b[:, 0])
    twin[1].weight.data = mt.tensor(bn.BW[0])
    twin[1].bias.data = mt.tensor(bn.Bb[0])
    twin[3].weight.data = mt.tensor(fc2.W)
    twin[3].bias.data = mt.tensor(fc2.b[:, 0])
    return (fc1, bn, act, fc2), twin


def manual_step(layers, X, loss, Y):
    fc1, bn, act, fc2 = layers
    value = loss.forward(fc2.forward(act.forward(bn.forward(fc1.forward(X)))), Y)
    fc1.backward(bn.backward(fc2.backward(loss.backward()) * act.backward()))
    return value


def test_cross_entropy_network_matches_mytorch_nn():
    rng = np.random.default_rng(60)
    N = 10
    layers, twin = build(rng)
    fc1, bn, _, fc2 = layers
    X = rng.normal(size=(N, 3))
    labels = rng.integers(0, 2, N)

    value = manual_step(layers, X, CrossEntropyLoss(), np.eye(2)[labels])
    loss_t = nn.CrossEntropyLoss()(twin(mt.tensor(X)), mt.tensor(labels))
    loss_t.backward()

    np.testing.assert_allclose(value, loss_t.item(), rtol=1e-13)
    # Linear: eq. 43 drops the mean's 1/N and the layer divides by N, so dLdW is the module's weight.grad.
    np.testing.assert_allclose(fc1.dLdW, twin[0].weight.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(fc1.dLdb[:, 0], twin[0].bias.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(fc2.dLdW, twin[3].weight.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(fc2.dLdb[:, 0], twin[3].bias.grad.numpy(), rtol=1e-10, atol=1e-12)
    # BatchNorm1d: eq. 58–59 sum over the batch without dividing, so dLdBW is N times weight.grad.
    np.testing.assert_allclose(bn.dLdBW[0], N * twin[1].weight.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(bn.dLdBb[0], N * twin[1].bias.grad.numpy(), rtol=1e-10, atol=1e-12)
    # Running statistics: α = 1 − momentum gives the same mean; the handout keeps the biased batch
    # variance (eq. 55) where PyTorch's running_var keeps the unbiased one, a factor N/(N−1).
    np.testing.assert_allclose(bn.running_M[0], twin[1].running_mean.numpy(), rtol=1e-12, atol=1e-14)
    V = bn.V[0]
    np.testing.assert_allclose(bn.running_V[0], 0.9 * 1 + 0.1 * V, rtol=1e-14)
    np.testing.assert_allclose(twin[1].running_var.numpy(), 0.9 * 1 + 0.1 * V * N / (N - 1), rtol=1e-12)


def test_mse_network_matches_half_of_mytorch_nn_mse_divided_by_N():
    rng = np.random.default_rng(61)
    N = 8
    layers, twin = build(rng)
    fc1, _, _, fc2 = layers
    X = rng.normal(size=(N, 3))
    Y = rng.normal(size=(N, 2))

    value = manual_step(layers, X, MSELoss(), Y)
    loss_t = nn.MSELoss()(twin(mt.tensor(X)), mt.tensor(Y))
    (loss_t * 0.5).backward()

    # eq. 34 is half of the mean squared error, and eq. 35 is its exact gradient,
    # so Linear's extra 1/N makes dLdW the module's gradient of that half-MSE divided by N.
    np.testing.assert_allclose(value, 0.5 * loss_t.item(), rtol=1e-13)
    for manual, module in ((fc1, twin[0]), (fc2, twin[3])):
        np.testing.assert_allclose(manual.dLdW, module.weight.grad.numpy() / N, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(manual.dLdb[:, 0], module.bias.grad.numpy() / N, rtol=1e-10, atol=1e-12)
