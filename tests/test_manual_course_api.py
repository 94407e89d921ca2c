"""mytorch.manual under the course's graders: callable layers, dLdW/dLdb from the start, NumPy-scalar losses."""

from __future__ import annotations

import numpy as np
import pytest

from mytorch.manual import (
    MLP0,
    MLP1,
    MLP4,
    BatchNorm1d,
    CrossEntropyLoss,
    Dropout,
    Identity,
    Linear,
    MSELoss,
    ReLU,
    Sigmoid,
    Tanh,
)


def random_linear(rng, c_in, c_out):
    layer = Linear(c_in, c_out)
    layer.W = rng.normal(size=(c_out, c_in))
    layer.b = rng.normal(size=(c_out, 1))
    return layer


@pytest.mark.parametrize("make", [Identity, Sigmoid, Tanh, ReLU, lambda: BatchNorm1d(3)],
                         ids=["Identity", "Sigmoid", "Tanh", "ReLU", "BatchNorm1d"])
def test_layers_are_callable_as_forward(make):
    Z = np.random.default_rng(0).normal(size=(4, 3))
    a, b = make(), make()
    np.testing.assert_array_equal(a(Z), b.forward(Z))
    if isinstance(a, BatchNorm1d):  # the same state afterwards: the call *is* forward
        np.testing.assert_array_equal(a.running_M, b.running_M)
        np.testing.assert_array_equal(a.backward(np.ones((4, 3))), b.backward(np.ones((4, 3))))
    else:
        np.testing.assert_array_equal(a.backward(), b.backward())


def test_linear_is_callable_and_has_zero_gradients_from_construction():
    layer = Linear(5, 3)
    assert layer.dLdW.shape == (3, 5) and layer.dLdb.shape == (3, 1)
    assert not layer.dLdW.any() and not layer.dLdb.any()
    rng = np.random.default_rng(1)
    lin = random_linear(rng, 5, 3)
    A = rng.normal(size=(4, 5))
    np.testing.assert_array_equal(lin(A), A @ lin.W.T + np.ones((4, 1)) @ lin.b.T)
    lin.backward(np.ones((4, 3)))
    assert lin.dLdW.shape == (3, 5) and lin.dLdW.any()


def test_dropout_call_draws_the_same_mask_as_forward():
    x = np.random.default_rng(2).normal(size=(6, 5))
    np.random.seed(3)
    called = Dropout(0.4)(x)
    np.random.seed(3)
    forwarded = Dropout(0.4).forward(x)
    np.testing.assert_array_equal(called, forwarded)
    assert np.array_equal(Dropout(0.4)(x, train=False), x)


@pytest.mark.parametrize("make", [MLP0, MLP1, MLP4])
def test_models_are_callable(make):
    rng = np.random.default_rng(4)
    model = make()
    for layer in model.layers:
        layer.W = rng.normal(size=layer.W.shape)
        layer.b = rng.normal(size=layer.b.shape)
    A0 = rng.normal(size=(3, 2))
    np.testing.assert_array_equal(model(A0), model.forward(A0))


@pytest.mark.parametrize("loss_cls", [MSELoss, CrossEntropyLoss])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_losses_return_numpy_scalars(loss_cls, dtype):
    rng = np.random.default_rng(5)
    A = rng.normal(size=(4, 3)).astype(dtype)
    Y = np.eye(3, dtype=dtype)[[0, 2, 1, 1]]
    L = loss_cls()(A, Y)
    assert isinstance(L, np.generic) and type(L) is not float
    assert L.dtype == dtype and L.shape == ()
    assert L.round(4) == np.round(L, 4)  # a grader's `.round(4)` works
    assert loss_cls().forward(A, Y) == L
