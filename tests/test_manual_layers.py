"""mytorch.manual's Linear, activations and losses: finite differences, the autograd core, the equations."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import mytorch as mt
from manual_helpers import numerical_grad
from mytorch.manual import CrossEntropyLoss, Identity, Linear, MSELoss, ReLU, Sigmoid, Tanh


def random_linear(rng, c_in: int, c_out: int, **kwargs) -> Linear:
    layer = Linear(c_in, c_out, **kwargs)
    layer.W = rng.normal(size=(c_out, c_in))
    layer.b = rng.normal(size=(c_out, 1))
    return layer


# ---------------------------------------------------------------------------------------- Linear


def test_linear_parameters_are_zero_initialised_with_the_handout_shapes():
    layer = Linear(5, 3)
    assert layer.W.shape == (3, 5) and layer.b.shape == (3, 1)
    assert not layer.W.any() and not layer.b.any()
    assert np.array_equal(layer.forward(np.ones((4, 5))), np.zeros((4, 3)))


def test_linear_forward_is_eq_1():
    rng = np.random.default_rng(0)
    layer = random_linear(rng, 4, 3)
    A = rng.normal(size=(6, 4))
    Z = layer.forward(A)
    assert Z.shape == (6, 3)
    np.testing.assert_allclose(Z, A @ layer.W.T + np.ones((6, 1)) @ layer.b.T, rtol=1e-15, atol=1e-15)
    assert layer.N == 6 and layer.A is A


def test_linear_backward_against_finite_differences_with_the_1_over_N_convention():
    rng = np.random.default_rng(1)
    N = 5
    layer = random_linear(rng, 4, 3)
    A = rng.normal(size=(N, 4))
    G = rng.normal(size=(N, 3))  # L = Σ G ⊙ Z, so ∂L/∂Z = G

    def loss():
        return float(np.sum(G * layer.forward(A)))

    num_A = numerical_grad(loss, A)
    num_W = numerical_grad(loss, layer.W)
    num_b = numerical_grad(loss, layer.b)
    layer.forward(A)
    dLdA = layer.backward(G)
    np.testing.assert_allclose(dLdA, num_A, rtol=1e-6, atol=1e-8)  # returned undivided
    np.testing.assert_allclose(layer.dLdW * N, num_W, rtol=1e-6, atol=1e-8)  # stored divided by N
    np.testing.assert_allclose(layer.dLdb * N, num_b, rtol=1e-6, atol=1e-8)
    assert layer.dLdW.shape == (3, 4) and layer.dLdb.shape == (3, 1)


def test_linear_backward_against_the_autograd_core():
    rng = np.random.default_rng(2)
    N = 7
    layer = random_linear(rng, 5, 2)
    A = rng.normal(size=(N, 5))
    G = rng.normal(size=(N, 2))
    A_t = mt.tensor(A, requires_grad=True)
    W_t = mt.tensor(layer.W, requires_grad=True)
    b_t = mt.tensor(layer.b, requires_grad=True)
    Z_t = A_t @ W_t.T + b_t.T
    (Z_t * mt.tensor(G)).sum().backward()

    np.testing.assert_allclose(layer.forward(A), Z_t.detach().numpy(), rtol=1e-13, atol=1e-13)
    dLdA = layer.backward(G)
    np.testing.assert_allclose(dLdA, A_t.grad.numpy(), rtol=1e-13, atol=1e-13)
    # The handout's Linear keeps the batch average of the gradient the core accumulates.
    np.testing.assert_allclose(layer.dLdW, W_t.grad.numpy() / N, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(layer.dLdb, b_t.grad.numpy() / N, rtol=1e-13, atol=1e-13)


def test_linear_debug_keeps_the_eq_2_partials():
    rng = np.random.default_rng(3)
    layer = random_linear(rng, 3, 2, debug=True)
    A = rng.normal(size=(4, 3))
    layer.forward(A)
    dLdA = layer.backward(rng.normal(size=(4, 2)))
    assert np.array_equal(layer.dZdA, layer.W.T)
    assert np.array_equal(layer.dZdW, A)
    assert np.array_equal(layer.dZdb, np.ones((4, 1)))
    assert layer.dLdA is dLdA

    quiet = random_linear(rng, 3, 2)
    quiet.forward(A)
    quiet.backward(rng.normal(size=(4, 2)))
    assert not any(hasattr(quiet, name) for name in ("dZdA", "dZdW", "dZdb", "dLdA"))


# ----------------------------------------------------------------------------------- activations

ACTIVATIONS = [
    (Identity, lambda Z: Z, lambda t: t * 1.0),
    (Sigmoid, lambda Z: 1 / (1 + np.exp(-Z)), lambda t: t.sigmoid()),
    (Tanh, np.tanh, lambda t: t.tanh()),
    (ReLU, lambda Z: np.maximum(Z, 0), lambda t: t.relu()),
]


def away_from_zero(rng, shape):
    """Random values with |Z| ≥ 0.1, so central differences never straddle ReLU's kink."""
    Z = rng.normal(size=shape)
    return np.where(np.abs(Z) < 0.1, 0.5, Z)


@pytest.mark.parametrize("cls, formula, core", ACTIVATIONS, ids=lambda v: getattr(v, "__name__", ""))
def test_activation_forward_and_backward(cls, formula, core):
    rng = np.random.default_rng(4)
    Z = away_from_zero(rng, (6, 5))
    act = cls()
    A = act.forward(Z)
    np.testing.assert_allclose(A, formula(Z), rtol=1e-14, atol=1e-15)
    assert act.A is A
    dAdZ = act.backward()
    assert dAdZ.shape == Z.shape

    # Finite differences: the activations act elementwise, so one perturbation of the whole matrix suffices.
    h = 1e-6
    numerical = (cls().forward(Z + h) - cls().forward(Z - h)) / (2 * h)
    np.testing.assert_allclose(dAdZ, numerical, rtol=1e-7, atol=1e-9)

    Z_t = mt.tensor(Z, requires_grad=True)
    core(Z_t).sum().backward()
    np.testing.assert_allclose(dAdZ, Z_t.grad.numpy(), rtol=1e-13, atol=1e-15)


def test_activation_values_at_known_points():
    Z = np.array([[-2.0, 0.0, 3.0]])
    sig, tanh, relu = Sigmoid(), Tanh(), ReLU()
    np.testing.assert_allclose(sig.forward(Z), [[1 / (1 + np.e**2), 0.5, 1 / (1 + np.e**-3)]], rtol=1e-15)
    np.testing.assert_allclose(sig.backward()[0, 1], 0.25)  # ς'(0) = 1/4
    np.testing.assert_allclose(tanh.forward(Z)[0, 1], 0.0)
    np.testing.assert_allclose(tanh.backward()[0, 1], 1.0)  # tanh'(0) = 1
    assert np.array_equal(relu.forward(Z), [[0.0, 0.0, 3.0]])
    assert np.array_equal(relu.backward(), [[0.0, 0.0, 1.0]])  # eq. 20: A ≤ 0 gives 0, also at Z = 0
    assert np.array_equal(Identity().forward(Z), Z)


def test_sigmoid_and_tanh_do_not_overflow_at_extreme_inputs():
    Z = np.array([[-1000.0, -40.0, 40.0, 1000.0]])
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        A = Sigmoid().forward(Z)
        T = Tanh().forward(Z)
    np.testing.assert_allclose(A, [[0.0, 1 / (1 + np.exp(40.0)), 1 / (1 + np.exp(-40.0)), 1.0]], rtol=1e-15)
    assert np.array_equal(T, [[-1.0, -1.0, 1.0, 1.0]])


def test_activations_keep_float32():
    Z = np.linspace(-3, 3, 12, dtype=np.float32).reshape(3, 4)
    for cls in (Identity, Sigmoid, Tanh, ReLU):
        act = cls()
        assert act.forward(Z).dtype == np.float32
        assert act.backward().dtype == np.float32


# ---------------------------------------------------------------------------------------- losses


def one_hot(labels, C):
    return np.eye(C)[labels]


def test_mse_loss_is_sse_over_2NC_and_backward_is_its_exact_derivative():
    rng = np.random.default_rng(5)
    N, C = 4, 3
    A = rng.normal(size=(N, C))
    Y = rng.normal(size=(N, C))
    mse = MSELoss()
    L = mse.forward(A, Y)
    np.testing.assert_allclose(L, np.sum((A - Y) ** 2) / (2 * N * C), rtol=1e-15)
    # eq. 34 is half of PyTorch's default mean squared error.
    np.testing.assert_allclose(L, 0.5 * torch.nn.functional.mse_loss(torch.tensor(A), torch.tensor(Y)).item())
    dLdA = mse.backward()
    np.testing.assert_allclose(dLdA, (A - Y) / (N * C), rtol=1e-15)
    np.testing.assert_allclose(dLdA, numerical_grad(lambda: MSELoss().forward(A, Y), A), rtol=1e-6, atol=1e-9)

    A_t = mt.tensor(A, requires_grad=True)
    ((A_t - mt.tensor(Y)) ** 2 / (2 * N * C)).sum().backward()
    np.testing.assert_allclose(dLdA, A_t.grad.numpy(), rtol=1e-13, atol=1e-15)


def test_mse_loss_worked_value():
    # SE = [[1, 4], [0, 9]]: SSE = 14, N·C = 4, so L = 14 / 8.
    A = np.array([[1.0, 2.0], [3.0, 4.0]])
    Y = np.array([[0.0, 0.0], [3.0, 1.0]])
    mse = MSELoss()
    assert mse.forward(A, Y) == 14 / 8
    assert np.array_equal(mse.backward(), (A - Y) / 4)


def test_cross_entropy_value_and_backward_is_N_times_the_mean_loss_gradient():
    rng = np.random.default_rng(6)
    N, C = 5, 4
    A = rng.normal(size=(N, C)) * 3
    Y = one_hot(rng.integers(0, C, N), C)
    ce = CrossEntropyLoss()
    L = ce.forward(A, Y)
    softmax = np.exp(A) / np.exp(A).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(L, -np.sum(Y * np.log(softmax)) / N, rtol=1e-14)
    np.testing.assert_allclose(
        L, torch.nn.functional.cross_entropy(torch.tensor(A), torch.tensor(Y.argmax(1))).item(), rtol=1e-14
    )
    dLdA = ce.backward()
    np.testing.assert_allclose(dLdA, softmax - Y, rtol=1e-13, atol=1e-15)  # eq. 43
    # eq. 43 is the gradient of the summed loss: N times the gradient of the mean that forward returns.
    numerical = numerical_grad(lambda: CrossEntropyLoss().forward(A, Y), A)
    np.testing.assert_allclose(dLdA, N * numerical, rtol=1e-6, atol=1e-8)

    A_t = mt.tensor(A, requires_grad=True)
    (-(mt.tensor(Y) * A_t.log_softmax(1)) / N).sum().backward()
    np.testing.assert_allclose(dLdA, N * A_t.grad.numpy(), rtol=1e-12, atol=1e-14)


def test_cross_entropy_worked_values():
    ce = CrossEntropyLoss()
    # Equal logits: softmax is uniform, so every sample costs log C.
    assert ce.forward(np.zeros((3, 4)), one_hot([0, 1, 3], 4)) == pytest.approx(np.log(4), rel=1e-15)
    np.testing.assert_allclose(ce.backward(), 0.25 - one_hot([0, 1, 3], 4), rtol=1e-15)
    # Two classes with logits (log 3, 0): softmax (3/4, 1/4).
    A = np.array([[np.log(3.0), 0.0]])
    assert ce.forward(A, np.array([[1.0, 0.0]])) == pytest.approx(-np.log(0.75), rel=1e-14)
    np.testing.assert_allclose(ce.backward(), [[-0.25, 0.25]], rtol=1e-14)


def test_cross_entropy_is_stable_for_huge_logits():
    A = np.array([[1000.0, 0.0, -1000.0], [-1000.0, 1000.0, 999.0]])
    Y = one_hot([1, 2], 3)
    ce = CrossEntropyLoss()
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        L = ce.forward(A, Y)
        dLdA = ce.backward()
    # Sample 0 costs 1000 (its true class is 1000 below the winner); sample 1 costs log(1 + e^{-1}) + 1.
    np.testing.assert_allclose(L, (1000.0 + 1.0 + np.log1p(np.exp(-1.0))) / 2, rtol=1e-14)
    np.testing.assert_allclose(dLdA[0], [1.0, -1.0, 0.0], atol=1e-15)
    assert np.isfinite(dLdA).all()
    # Softmax ignores a constant added to a row.
    assert CrossEntropyLoss().forward(A + 500.0, Y) == pytest.approx(L, rel=1e-15)
