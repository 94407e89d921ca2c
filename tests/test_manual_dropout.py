"""mytorch.manual.Dropout: the seeded mask, p as the drop rate, scaling, and the exact backward."""

from __future__ import annotations

import numpy as np
import pytest

from manual_helpers import numerical_grad
from mytorch.manual import Dropout


def test_mask_is_the_seeded_binomial_draw_and_survivors_are_scaled():
    x = np.random.default_rng(30).normal(size=(6, 7))
    drop = Dropout(p=0.3)
    np.random.seed(123)
    out = drop.forward(x)
    np.random.seed(123)
    expected_mask = np.random.binomial(1, 0.7, x.shape)
    assert np.array_equal(drop.mask, expected_mask)
    np.testing.assert_allclose(out, x * expected_mask / 0.7, rtol=1e-15)
    assert Dropout().p == 0.5


def test_p_is_the_probability_of_zeroing():
    x = np.ones((400, 500))
    np.random.seed(0)
    out = Dropout(p=0.8).forward(x)
    assert abs(np.mean(out == 0) - 0.8) < 0.005
    # Survivors are scaled by 1/(1 − p), so the expected output equals the input.
    assert np.all((out == 0) | np.isclose(out, 5.0))
    assert abs(out.mean() - 1.0) < 0.02


def test_backward_is_the_exact_derivative_of_the_training_forward():
    rng = np.random.default_rng(31)
    x = rng.normal(size=(4, 5))
    G = rng.normal(size=(4, 5))
    drop = Dropout(p=0.4)

    def loss():
        np.random.seed(7)  # the same mask at every evaluation, so forward is a fixed function of x
        return float(np.sum(G * drop.forward(x)))

    numerical = numerical_grad(loss, x)
    loss()
    delta = drop.backward(G)
    np.testing.assert_allclose(delta, numerical, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(delta, G * drop.mask / 0.6, rtol=1e-15)


def test_inference_is_the_identity_and_draws_nothing():
    x = np.random.default_rng(32).normal(size=(3, 4))
    drop = Dropout(p=0.5)
    state = np.random.get_state()
    assert drop.forward(x, train=False) is x
    G = np.ones_like(x)
    assert drop.backward(G) is G
    after = np.random.get_state()
    assert state[2] == after[2] and np.array_equal(state[1], after[1])


def test_p_zero_keeps_everything_and_bad_p_is_rejected():
    x = np.arange(6.0).reshape(2, 3)
    assert np.array_equal(Dropout(p=0.0).forward(x), x)
    for p in (-0.1, 1.0, 1.5):
        with pytest.raises(ValueError, match="probability of zeroing"):
            Dropout(p=p)


def test_float32_stays_float32():
    x = np.ones((3, 3), dtype=np.float32)
    drop = Dropout(p=0.5)
    assert drop.forward(x).dtype == np.float32
    assert drop.backward(x).dtype == np.float32
