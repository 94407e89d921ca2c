"""Shared test helpers. torch is a test dependency (the parity reference): imported, never skipped."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import mytorch

torch.set_num_threads(1)

# Float64 parity is tight; float32 allows for different summation orders and FMA.
TOL = {
    np.float64: dict(rtol=1e-10, atol=1e-12),
    np.float32: dict(rtol=1e-5, atol=1e-6),
}


def to_numpy(t) -> np.ndarray:
    """The values of a mytorch or torch tensor as a NumPy array."""
    if isinstance(t, torch.Tensor):
        return t.detach().numpy()
    return np.asarray(t.detach()._data)


def assert_close(actual, expected, dtype=np.float64, what: str = "") -> None:
    """Compare a mytorch result with a torch one: same shape, values within the dtype's tolerance."""
    a, e = to_numpy(actual), to_numpy(expected)
    assert a.shape == e.shape, f"{what}: shape {a.shape} != torch's {e.shape}"
    np.testing.assert_allclose(a, e, err_msg=what, equal_nan=True, **TOL[np.dtype(dtype).type])


def same_dtype(mt_dtype, torch_dtype) -> bool:
    return f"torch.{mt_dtype}" == str(torch_dtype)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)


@pytest.fixture(autouse=True)
def _seed() -> None:
    mytorch.manual_seed(0)
