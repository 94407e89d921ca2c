"""Helpers shared by the mytorch.manual tests."""

from __future__ import annotations

import numpy as np


def numerical_grad(f, X: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Central differences of the scalar ``f()`` with respect to every entry of ``X`` (perturbed in place)."""
    G = np.zeros_like(X)
    for idx in np.ndindex(X.shape):
        orig = X[idx]
        X[idx] = orig + h
        plus = f()
        X[idx] = orig - h
        minus = f()
        X[idx] = orig
        G[idx] = (plus - minus) / (2 * h)
    return G
