"""mytorch.manual.BatchNorm1d: eq. 50–66 against finite differences, the autograd core and torch."""

from __future__ import annotations

import ast
import inspect

import numpy as np
import torch

import mytorch as mt
import mytorch.manual.batchnorm as batchnorm_module
from manual_helpers import numerical_grad
from mytorch.manual import BatchNorm1d, CrossEntropyLoss, Linear, ReLU


def random_bn(rng, C: int) -> BatchNorm1d:
    bn = BatchNorm1d(C)
    bn.BW = rng.normal(size=(1, C))
    bn.Bb = rng.normal(size=(1, C))
    return bn


def test_initial_state_follows_the_handout_code():
    bn = BatchNorm1d(4)
    assert bn.alpha == 0.9 and bn.eps == 1e-8
    assert np.array_equal(bn.BW, np.ones((1, 4))) and np.array_equal(bn.Bb, np.zeros((1, 4)))
    # The handout's code (not its prose): running mean 0, running variance 1.
    assert np.array_equal(bn.running_M, np.zeros((1, 4))) and np.array_equal(bn.running_V, np.ones((1, 4)))
    assert BatchNorm1d(4, alpha=0.5).alpha == 0.5


def test_training_forward_and_running_statistics():
    rng = np.random.default_rng(20)
    bn = random_bn(rng, 3)
    Z = rng.normal(loc=2.0, scale=3.0, size=(16, 3))
    BZ = bn.forward(Z)
    M = Z.mean(axis=0, keepdims=True)
    V = Z.var(axis=0, keepdims=True)  # biased (ddof=0), eq. 51
    np.testing.assert_allclose(bn.M, M, rtol=1e-14)
    np.testing.assert_allclose(bn.V, V, rtol=1e-13)
    np.testing.assert_allclose(bn.NZ, (Z - M) / np.sqrt(V + 1e-8), rtol=1e-12)
    np.testing.assert_allclose(BZ, bn.BW * bn.NZ + bn.Bb, rtol=1e-14)
    np.testing.assert_allclose(bn.NZ.mean(axis=0), 0, atol=1e-14)
    np.testing.assert_allclose(bn.NZ.var(axis=0), 1, rtol=1e-7)
    # eq. 54–55: α weighs the old value.
    np.testing.assert_allclose(bn.running_M, 0.1 * M, rtol=1e-14)
    np.testing.assert_allclose(bn.running_V, 0.9 + 0.1 * V, rtol=1e-14)
    Z2 = rng.normal(size=(16, 3))
    bn.forward(Z2)
    np.testing.assert_allclose(bn.running_M, 0.9 * 0.1 * M + 0.1 * Z2.mean(axis=0, keepdims=True), rtol=1e-13)
    np.testing.assert_allclose(bn.running_V, 0.9 * (0.9 + 0.1 * V) + 0.1 * Z2.var(axis=0, keepdims=True), rtol=1e-13)


def test_inference_forward_uses_running_statistics_and_leaves_them_alone():
    rng = np.random.default_rng(21)
    bn = random_bn(rng, 3)
    for _ in range(3):
        bn.forward(rng.normal(size=(8, 3)))
    running_M, running_V = bn.running_M.copy(), bn.running_V.copy()
    Z = rng.normal(size=(5, 3))
    BZ = bn.forward(Z, eval=True)
    np.testing.assert_allclose(BZ, bn.BW * (Z - running_M) / np.sqrt(running_V + 1e-8) + bn.Bb, rtol=1e-14)
    assert np.array_equal(bn.running_M, running_M) and np.array_equal(bn.running_V, running_V)


def test_training_backward_against_finite_differences():
    rng = np.random.default_rng(22)
    bn = random_bn(rng, 4)
    Z = rng.normal(size=(6, 4)) * 2
    G = rng.normal(size=(6, 4))  # L = Σ G ⊙ BZ

    def loss():
        return float(np.sum(G * bn.forward(Z)))

    num_Z = numerical_grad(loss, Z)
    num_BW = numerical_grad(loss, bn.BW)
    num_Bb = numerical_grad(loss, bn.Bb)
    bn.forward(Z)
    dLdZ = bn.backward(G)
    np.testing.assert_allclose(dLdZ, num_Z, rtol=1e-5, atol=1e-8)
    # dLdBW, dLdBb are sums over the batch (eq. 58–59), the exact gradients of L, with no 1/N.
    np.testing.assert_allclose(bn.dLdBW, num_BW, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(bn.dLdBb, num_Bb, rtol=1e-6, atol=1e-8)
    assert bn.dLdBW.shape == (1, 4) and bn.dLdBb.shape == (1, 4)


def test_inference_backward_is_the_derivative_of_eq_56_57():
    rng = np.random.default_rng(23)
    bn = random_bn(rng, 3)
    bn.forward(rng.normal(size=(10, 3)))
    Z = rng.normal(size=(4, 3))
    G = rng.normal(size=(4, 3))
    num_Z = numerical_grad(lambda: float(np.sum(G * bn.forward(Z, eval=True))), Z)
    num_BW = numerical_grad(lambda: float(np.sum(G * bn.forward(Z, eval=True))), bn.BW)
    bn.forward(Z, eval=True)
    np.testing.assert_allclose(bn.backward(G), num_Z, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(bn.dLdBW, num_BW, rtol=1e-6, atol=1e-8)


def test_backward_against_the_core_and_torch():
    rng = np.random.default_rng(24)
    N, C = 9, 5
    bn = random_bn(rng, C)
    Z = rng.normal(size=(N, C)) * 3 + 1
    G = rng.normal(size=(N, C))

    Z_t = mt.tensor(Z, requires_grad=True)
    BW_t = mt.tensor(bn.BW, requires_grad=True)
    Bb_t = mt.tensor(bn.Bb, requires_grad=True)
    mu = Z_t.mean(0, keepdim=True)
    var = ((Z_t - mu) ** 2).mean(0, keepdim=True)
    BZ_t = BW_t * (Z_t - mu) / (var + 1e-8).sqrt() + Bb_t
    (BZ_t * mt.tensor(G)).sum().backward()

    BZ = bn.forward(Z)
    dLdZ = bn.backward(G)
    np.testing.assert_allclose(BZ, BZ_t.detach().numpy(), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(dLdZ, Z_t.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(bn.dLdBW, BW_t.grad.numpy(), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(bn.dLdBb, Bb_t.grad.numpy(), rtol=1e-12, atol=1e-13)

    # torch's training-mode batch norm normalises with the same biased batch variance.
    Zt = torch.tensor(Z, requires_grad=True)
    out = torch.nn.functional.batch_norm(
        Zt, None, None, torch.tensor(bn.BW[0]), torch.tensor(bn.Bb[0]), training=True, eps=1e-8
    )
    (out * torch.tensor(G)).sum().backward()
    np.testing.assert_allclose(BZ, out.detach().numpy(), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(dLdZ, Zt.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_in_a_network_bn_gradients_are_N_times_the_mean_loss_gradient():
    """Linear → BatchNorm1d → ReLU → Linear → cross-entropy, against the same network in core ops."""
    rng = np.random.default_rng(25)
    N = 12
    fc1, bn, act, fc2 = Linear(3, 4), random_bn(rng, 4), ReLU(), Linear(4, 2)
    for layer in (fc1, fc2):
        layer.W = rng.normal(size=layer.W.shape)
        layer.b = rng.normal(size=layer.b.shape)
    X = rng.normal(size=(N, 3))
    Y = np.eye(2)[rng.integers(0, 2, N)]

    ce = CrossEntropyLoss()
    ce.forward(fc2.forward(act.forward(bn.forward(fc1.forward(X)))), Y)
    fc1.backward(bn.backward(fc2.backward(ce.backward()) * act.backward()))

    W1, b1, W2, b2 = (mt.tensor(a, requires_grad=True) for a in (fc1.W, fc1.b, fc2.W, fc2.b))
    BW, Bb = mt.tensor(bn.BW, requires_grad=True), mt.tensor(bn.Bb, requires_grad=True)
    Z = mt.tensor(X) @ W1.T + b1.T
    mu = Z.mean(0, keepdim=True)
    var = ((Z - mu) ** 2).mean(0, keepdim=True)
    H = (BW * (Z - mu) / (var + 1e-8).sqrt() + Bb).relu()
    (-(mt.tensor(Y) * (H @ W2.T + b2.T).log_softmax(1)) / N).sum().backward()

    for layer, (W, b) in ((fc1, (W1, b1)), (fc2, (W2, b2))):
        np.testing.assert_allclose(layer.dLdW, W.grad.numpy(), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(layer.dLdb, b.grad.numpy(), rtol=1e-10, atol=1e-12)
    # eq. 58–59 sum over the batch and eq. 43 is the summed loss's gradient: N times the mean-loss gradient.
    np.testing.assert_allclose(bn.dLdBW, N * BW.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(bn.dLdBb, N * Bb.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_batchnorm_is_vectorised_without_python_loops():
    tree = ast.parse(inspect.getsource(batchnorm_module))
    loop_types = (ast.For, ast.While, ast.comprehension)
    loops = [type(node).__name__ for node in ast.walk(tree) if isinstance(node, loop_types)]
    assert loops == []


def test_float32_batches_stay_float32_through_forward_and_backward():
    rng = np.random.default_rng(26)
    bn = BatchNorm1d(3)
    bn.BW = bn.BW.astype(np.float32)
    bn.Bb = bn.Bb.astype(np.float32)
    bn.running_M = bn.running_M.astype(np.float32)
    bn.running_V = bn.running_V.astype(np.float32)
    Z = rng.normal(size=(8, 3)).astype(np.float32)
    assert bn.forward(Z).dtype == np.float32
    assert bn.backward(np.ones_like(Z)).dtype == np.float32
