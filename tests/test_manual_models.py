"""mytorch.manual's MLP0, MLP1, MLP4: structure, forward, backward against the autograd core and finite differences."""

from __future__ import annotations

import numpy as np
import pytest

import mytorch as mt
from manual_helpers import numerical_grad
from mytorch.manual import MLP0, MLP1, MLP4, CrossEntropyLoss, MSELoss, ReLU

SIZES = {MLP0: [2, 3], MLP1: [2, 3, 2], MLP4: [2, 4, 8, 8, 4, 2]}


def randomise(model, rng):
    for layer in model.layers:
        layer.W = rng.normal(size=layer.W.shape)
        layer.b = rng.normal(size=layer.b.shape)


def core_forward(model, A0: np.ndarray):
    """The same network in the autograd core: returns the input tensor, the (W, b) tensors and the output."""
    A0_t = mt.tensor(A0, requires_grad=True)
    params = [
        (mt.tensor(layer.W, requires_grad=True), mt.tensor(layer.b, requires_grad=True)) for layer in model.layers
    ]
    A = A0_t
    for W, b in params:
        A = (A @ W.T + b.T).relu()
    return A0_t, params, A


@pytest.mark.parametrize("cls", [MLP0, MLP1, MLP4])
def test_architecture_follows_the_handout_figures(cls):
    model = cls()
    sizes = SIZES[cls]
    assert [layer.W.shape for layer in model.layers] == [(o, i) for i, o in zip(sizes[:-1], sizes[1:])]
    assert [layer.b.shape for layer in model.layers] == [(o, 1) for o in sizes[1:]]
    assert len(model.f) == len(model.layers) and all(isinstance(f, ReLU) for f in model.f)
    # Zero-initialised weights, as in the handout: the output is all zeros until weights are set.
    assert np.array_equal(model.forward(np.ones((3, 2))), np.zeros((3, sizes[-1])))


@pytest.mark.parametrize("cls", [MLP0, MLP1, MLP4])
def test_forward_and_cross_entropy_backward_match_the_core(cls):
    rng = np.random.default_rng(10)
    N = 8
    model = cls()
    randomise(model, rng)
    A0 = rng.normal(size=(N, 2))
    C = SIZES[cls][-1]
    Y = np.eye(C)[rng.integers(0, C, N)]

    A0_t, params, out_t = core_forward(model, A0)
    # PyTorch-style mean cross-entropy in core ops.
    (-(mt.tensor(Y) * out_t.log_softmax(1)) / N).sum().backward()

    ce = CrossEntropyLoss()
    out = model.forward(A0)
    np.testing.assert_allclose(out, out_t.detach().numpy(), rtol=1e-13, atol=1e-13)
    ce.forward(out, Y)
    dLdA0 = model.backward(ce.backward())

    for layer, (W_t, b_t) in zip(model.layers, params):
        # eq. 43 omits the mean's 1/N and Linear divides by N: together, the exact mean-loss gradient.
        np.testing.assert_allclose(layer.dLdW, W_t.grad.numpy(), rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(layer.dLdb, b_t.grad.numpy(), rtol=1e-12, atol=1e-14)
    # The gradient passed between layers is not divided: N times the mean-loss gradient.
    np.testing.assert_allclose(dLdA0, N * A0_t.grad.numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("cls", [MLP0, MLP1, MLP4])
def test_mse_backward_gives_the_core_gradient_divided_by_N(cls):
    rng = np.random.default_rng(11)
    N = 6
    model = cls()
    randomise(model, rng)
    A0 = rng.normal(size=(N, 2))
    C = SIZES[cls][-1]
    Y = rng.normal(size=(N, C))

    _, params, out_t = core_forward(model, A0)
    ((out_t - mt.tensor(Y)) ** 2 / (2 * N * C)).sum().backward()  # eq. 34 in core ops

    mse = MSELoss()
    mse.forward(model.forward(A0), Y)
    model.backward(mse.backward())
    for layer, (W_t, b_t) in zip(model.layers, params):
        # eq. 35 is already the exact gradient of eq. 34, so Linear's extra 1/N shows.
        np.testing.assert_allclose(layer.dLdW, W_t.grad.numpy() / N, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(layer.dLdb, b_t.grad.numpy() / N, rtol=1e-12, atol=1e-14)


def test_mlp4_backward_against_finite_differences():
    rng = np.random.default_rng(12)
    N = 10
    model = MLP4()
    randomise(model, rng)
    A0 = rng.normal(size=(N, 2))
    Y = np.eye(2)[rng.integers(0, 2, N)]

    def ce_loss():
        return CrossEntropyLoss().forward(model.forward(A0), Y)

    def mse_loss():
        return MSELoss().forward(model.forward(A0), Y)

    for loss_cls, loss_fn, scale in ((CrossEntropyLoss, ce_loss, 1), (MSELoss, mse_loss, N)):
        numerical = [(numerical_grad(loss_fn, layer.W), numerical_grad(loss_fn, layer.b)) for layer in model.layers]
        loss = loss_cls()
        loss.forward(model.forward(A0), Y)
        model.backward(loss.backward())
        for layer, (num_W, num_b) in zip(model.layers, numerical):
            # CE: dLdW is the gradient of the returned mean loss; MSE: it is that gradient over N.
            np.testing.assert_allclose(layer.dLdW * scale, num_W, rtol=1e-5, atol=1e-8)
            np.testing.assert_allclose(layer.dLdb * scale, num_b, rtol=1e-5, atol=1e-8)


def test_mlp0_and_mlp1_debug_keep_the_handout_names():
    rng = np.random.default_rng(13)
    A0 = rng.normal(size=(4, 2))

    mlp0 = MLP0(debug=True)
    randomise(mlp0, rng)
    A1 = mlp0.forward(A0)
    dLdA1 = rng.normal(size=A1.shape)
    dLdA0 = mlp0.backward(dLdA1)
    layer = mlp0.layers[0]
    np.testing.assert_allclose(mlp0.Z0, A0 @ layer.W.T + layer.b.T, rtol=1e-15)
    assert mlp0.A1 is A1
    assert np.array_equal(mlp0.dA1dZ0, (mlp0.Z0 > 0).astype(float))
    assert np.array_equal(mlp0.dLdZ0, dLdA1 * mlp0.dA1dZ0)
    assert mlp0.dLdA0 is dLdA0 and layer.dLdA is dLdA0
    assert np.array_equal(layer.dZdW, A0)  # debug reaches the layers too

    mlp1 = MLP1(debug=True)
    randomise(mlp1, rng)
    A2 = mlp1.forward(A0)
    dLdA2 = rng.normal(size=A2.shape)
    dLdA0 = mlp1.backward(dLdA2)
    assert mlp1.A2 is A2 and mlp1.dLdA0 is dLdA0
    np.testing.assert_allclose(mlp1.Z1, mlp1.A1 @ mlp1.layers[1].W.T + mlp1.layers[1].b.T, rtol=1e-15)
    assert np.array_equal(mlp1.A1, np.maximum(mlp1.Z0, 0))
    assert np.array_equal(mlp1.dLdZ1, dLdA2 * mlp1.dA2dZ1)
    np.testing.assert_allclose(mlp1.dLdA1, mlp1.dLdZ1 @ mlp1.layers[1].W, rtol=1e-15)
    assert np.array_equal(mlp1.dLdZ0, mlp1.dLdA1 * mlp1.dA1dZ0)

    quiet = MLP1()
    randomise(quiet, rng)
    quiet.backward(np.ones_like(quiet.forward(A0)))
    assert not any(hasattr(quiet, name) for name in ("Z0", "A1", "Z1", "A2", "dA2dZ1", "dLdZ1", "dLdA1", "dLdZ0"))


def test_mlp4_debug_lists_are_indexed_by_layer():
    rng = np.random.default_rng(14)
    model = MLP4(debug=True)
    randomise(model, rng)
    A0 = rng.normal(size=(5, 2))
    out = model.forward(A0)
    dLdA5 = rng.normal(size=out.shape)
    dLdA0 = model.backward(dLdA5)
    assert len(model.Z) == 5 and len(model.dAdZ) == 5 and len(model.dLdZ) == 5
    assert len(model.A) == 6 and len(model.dLdA) == 6
    assert model.A[0] is A0 and model.A[5] is out
    assert model.dLdA[5] is dLdA5 and model.dLdA[0] is dLdA0
    for i, layer in enumerate(model.layers):
        np.testing.assert_allclose(model.Z[i], model.A[i] @ layer.W.T + layer.b.T, rtol=1e-14)  # eq. 27
        assert np.array_equal(model.A[i + 1], np.maximum(model.Z[i], 0))  # eq. 28
        assert np.array_equal(model.dLdZ[i], model.dLdA[i + 1] * model.dAdZ[i])  # eq. 30
        np.testing.assert_allclose(model.dLdA[i], model.dLdZ[i] @ layer.W, rtol=1e-14)  # eq. 31
