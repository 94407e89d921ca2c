"""The handout's activation functions (seed 004, §6, eq. 6–20).

Each ``forward(Z)`` stores its output ``A`` and returns it; ``backward()`` takes no argument and
returns ∂A/∂Z (N × C) written through ``A``, exactly as eq. 11, 16 and 20 ask. The model
multiplies it elementwise with ∂L/∂A (eq. 24, 30).
"""

from __future__ import annotations

import numpy as np
from numpy import ndarray


class Identity:
    """A = Z, ∂A/∂Z = 1: the activation for a linear output layer (not in seed 004's table)."""

    def __call__(self, *args, **kwargs):
        """``layer(x)`` is ``layer.forward(x)`` (course graders call layers directly)."""
        return self.forward(*args, **kwargs)

    def forward(self, Z: ndarray) -> ndarray:
        """A = Z; stores ``A``."""
        self.A = Z
        return self.A

    def backward(self) -> ndarray:
        """∂A/∂Z: ones of ``A``'s shape."""
        dAdZ = np.ones_like(self.A)
        return dAdZ


class Sigmoid:
    """A = ς(Z) = 1 / (1 + e^{−Z}) (eq. 6–8); ∂A/∂Z = A − A⊙A (eq. 9–11)."""

    def __call__(self, *args, **kwargs):
        """``layer(x)`` is ``layer.forward(x)`` (course graders call layers directly)."""
        return self.forward(*args, **kwargs)

    def forward(self, Z: ndarray) -> ndarray:
        # e^{-|Z|} ≤ 1 cannot overflow. For Z < 0, 1/(1 + e^{-Z}) = e^{Z}/(1 + e^{Z}), so both
        # branches below are eq. 8; the naive form would overflow e^{-Z} for Z ≲ -710.
        """A = 1 / (1 + e^{−Z}) (eq. 8), computed without overflow; stores ``A``."""
        e = np.exp(-np.abs(Z))
        self.A = np.where(Z >= 0, 1 / (1 + e), e / (1 + e))  # eq. 8
        return self.A

    def backward(self) -> ndarray:
        """∂A/∂Z = A − A⊙A (eq. 11), from the stored ``A``."""
        dAdZ = self.A - self.A * self.A  # eq. 11: ς(Z) − ς²(Z) written through A
        return dAdZ


class Tanh:
    """A = tanh(Z) (eq. 12–14); ∂A/∂Z = 1 − A⊙A (eq. 15–16, from tanh' = 1 − tanh²)."""

    def __call__(self, *args, **kwargs):
        """``layer(x)`` is ``layer.forward(x)`` (course graders call layers directly)."""
        return self.forward(*args, **kwargs)

    def forward(self, Z: ndarray) -> ndarray:
        """A = tanh(Z) (eq. 13); stores ``A``."""
        self.A = np.tanh(Z)  # eq. 13 (NumPy's tanh is eq. 14 without its overflow at |Z| ≳ 710)
        return self.A

    def backward(self) -> ndarray:
        """∂A/∂Z = 1 − A⊙A (eq. 16), from the stored ``A``."""
        dAdZ = 1 - self.A * self.A  # eq. 16
        return dAdZ


class ReLU:
    """A = max(Z, 0) (eq. 17–18); ∂A/∂Z = 1 where A > 0, else 0 (eq. 19–20)."""

    def __call__(self, *args, **kwargs):
        """``layer(x)`` is ``layer.forward(x)`` (course graders call layers directly)."""
        return self.forward(*args, **kwargs)

    def forward(self, Z: ndarray) -> ndarray:
        """A = max(Z, 0) (eq. 18); stores ``A``."""
        self.A = np.maximum(Z, 0)  # eq. 18
        return self.A

    def backward(self) -> ndarray:
        # eq. 20: 1 for A > 0 and 0 for A ≤ 0 (so the derivative at Z = 0 is taken as 0, as in PyTorch).
        """∂A/∂Z = 1 where A > 0, else 0 (eq. 20; 0 at Z = 0, as in PyTorch)."""
        dAdZ = np.where(self.A > 0, 1, 0).astype(self.A.dtype)
        return dAdZ
