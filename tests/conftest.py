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
# float32 against a float64 reference: on top of the base tolerance, a few times torch's own float32 error.
F32_SLACK = 4.0


def to_numpy(t) -> np.ndarray:
    """The values of a mytorch or torch tensor as a NumPy array."""
    if isinstance(t, torch.Tensor):
        return t.detach().numpy()
    return np.asarray(t.detach()._data)


def assert_close(actual, expected, dtype=np.float64, what: str = "", reference=None) -> None:
    """Compare a mytorch result with a torch one: same shape, values within the dtype's tolerance.

    For float32 pass ``reference``, torch's result of the same computation in float64 on the same (upcast)
    inputs. mytorch is then held to the float64 truth: the base tolerance plus a few times torch's own float32
    error. Two float32 kernels round differently on Intel and AMD CPUs (and an op such as a variance can amplify
    that); measured against float64, the test asks what the library computes and holds on any x86-64 CPU.
    """
    a, e = to_numpy(actual), to_numpy(expected)
    assert a.shape == e.shape, f"{what}: shape {a.shape} != torch's {e.shape}"
    tol = TOL[np.dtype(dtype).type]
    if reference is None or np.dtype(dtype) != np.float32 or a.dtype.kind != "f":
        np.testing.assert_allclose(a, e, err_msg=what, equal_nan=True, **tol)
        return
    r = to_numpy(reference).astype(np.float64)
    assert r.shape == a.shape, f"{what}: reference shape {r.shape} != {a.shape}"
    finite = np.isfinite(r)
    np.testing.assert_array_equal(np.isfinite(a), finite, err_msg=f"{what}: non-finite entries differ")
    torch_error = np.abs(e.astype(np.float64) - r)[finite].max(initial=0.0)
    allowed = tol["atol"] + tol["rtol"] * np.abs(r) + F32_SLACK * torch_error
    error = np.abs(a.astype(np.float64) - r)
    bad = finite & (error > allowed)
    assert not bad.any(), (f"{what}: {int(bad.sum())} float32 element(s) off the float64 reference by up to "
                           f"{error[bad].max():.3g} (allowed {allowed[bad].min():.3g}; torch's float32 error "
                           f"{torch_error:.3g})")


def same_dtype(mt_dtype, torch_dtype) -> bool:
    return str(mt_dtype).removeprefix("mytorch.") == str(torch_dtype).removeprefix("torch.")


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)


@pytest.fixture(autouse=True)
def _seed() -> None:
    mytorch.manual_seed(0)
