"""The handout's batch normalisation over a batch of feature vectors (seed 004, §10, eq. 50–66).

The handout gives elementwise equations and asks for matrix code without loops: every sum over
i = 1..N below is ``np.sum(..., axis=0, keepdims=True)``, and the (1 × C) row vectors μ, σ², γ, β
broadcast over the N rows, which is the ι_N·(row) of the matrix form.
"""

from __future__ import annotations

import numpy as np
from numpy import ndarray


class BatchNorm1d:
    """Normalise each feature over the batch, then scale by γ (``BW``) and shift by β (``Bb``).

    Table 6 names: ``Z`` input (N × C), ``NZ`` = Ẑ, ``BZ`` = Z̃ output, ``M`` = μ and ``V`` = σ²
    (biased batch variance), ``running_M`` = E[Z], ``running_V`` = Var[Z], all (1 × C).
    ``running_M`` starts at 0 and ``running_V`` at 1, as the handout's code does (its prose says
    the opposite; see the package docstring). ``alpha`` weighs the old running value (eq. 54–55).

    ``backward(dLdBZ)`` returns ∂L/∂Z and stores ``dLdBW`` and ``dLdBb``, which are sums over the
    batch (eq. 58–59), not averages: unlike ``Linear``, they are not divided by N.
    """

    def __init__(self, num_features: int, alpha: float = 0.9) -> None:
        self.alpha = alpha
        self.eps = 1e-8
        self.BW = np.ones((1, num_features))
        self.Bb = np.zeros((1, num_features))
        self.dLdBW = np.zeros((1, num_features))
        self.dLdBb = np.zeros((1, num_features))
        self.running_M = np.zeros((1, num_features))
        self.running_V = np.ones((1, num_features))

    def __call__(self, *args, **kwargs):
        """``layer(x)`` is ``layer.forward(x)`` (course graders call layers directly)."""
        return self.forward(*args, **kwargs)

    def forward(self, Z: ndarray, eval: bool = False) -> ndarray:  # noqa: A002  (the handout's argument name)
        """Training (``eval=False``): eq. 50–55 with batch statistics. Inference: eq. 56–57."""
        self.eval_mode = eval  # backward differentiates whichever forward ran last
        if not eval:
            self.Z = Z
            self.N = Z.shape[0]
            self.M = np.sum(Z, axis=0, keepdims=True) / self.N  # eq. 50
            self.V = np.sum((Z - self.M) ** 2, axis=0, keepdims=True) / self.N  # eq. 51
            self.NZ = (Z - self.M) / np.sqrt(self.V + self.eps)  # eq. 52
            self.BZ = self.BW * self.NZ + self.Bb  # eq. 53
            self.running_M = self.alpha * self.running_M + (1 - self.alpha) * self.M  # eq. 54
            self.running_V = self.alpha * self.running_V + (1 - self.alpha) * self.V  # eq. 55
        else:
            self.NZ = (Z - self.running_M) / np.sqrt(self.running_V + self.eps)  # eq. 56
            self.BZ = self.BW * self.NZ + self.Bb  # eq. 57
        return self.BZ

    def backward(self, dLdBZ: ndarray) -> ndarray:
        """∂L/∂Z through eq. 58–66 (after a training forward), storing ∂L/∂γ and ∂L/∂β."""
        self.dLdBb = np.sum(dLdBZ, axis=0, keepdims=True)  # eq. 58
        self.dLdBW = np.sum(dLdBZ * self.NZ, axis=0, keepdims=True)  # eq. 59
        dLdNZ = dLdBZ * self.BW  # eq. 60
        if self.eval_mode:
            # The handout differentiates only the training forward. In eq. 56 the statistics are
            # constants, so Ẑ is Z scaled per feature and ∂L/∂Z = ∂L/∂Ẑ ⊙ (Var[Z] + ε)^(-1/2).
            return dLdNZ / np.sqrt(self.running_V + self.eps)
        Zc = self.Z - self.M  # Z_i − μ for every row i
        dLdV = -0.5 * np.sum(dLdNZ * Zc * (self.V + self.eps) ** -1.5, axis=0, keepdims=True)  # eq. 61–62
        dNZdM = -((self.V + self.eps) ** -0.5) - 0.5 * Zc * (self.V + self.eps) ** -1.5 * (
            -2 / self.N * np.sum(Zc, axis=0, keepdims=True)
        )  # eq. 63–64
        dLdM = np.sum(dLdNZ * dNZdM, axis=0, keepdims=True)  # eq. 65
        dLdZ = dLdNZ * (self.V + self.eps) ** -0.5 + dLdV * (2 / self.N * Zc) + dLdM / self.N  # eq. 66
        return dLdZ
