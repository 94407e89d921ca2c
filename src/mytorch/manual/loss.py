"""The handout's loss functions (seed 004, §8, eq. 32–43).

``forward(A, Y)`` (or ``loss(A, Y)``) stores the model output ``A`` (N × C) and the target ``Y``
(same shape; one-hot rows for cross-entropy) and returns the scalar loss as a NumPy scalar of A's
dtype (so a grader's ``.round(4)`` works); ``backward()`` returns ∂L/∂A as the handout defines it.
ι_N and ι_C are columns of ones, used literally so the code reads like eq. 33 and 39–40.
"""

from __future__ import annotations

import numpy as np
from numpy import ndarray


class MSELoss:
    """L = SSE / (2·N·C) (eq. 32–34); backward (A − Y) / (N·C) (eq. 35), its exact derivative.

    The factor 1/2 makes this half of PyTorch's ``MSELoss()`` (mean of squared errors).
    """

    def __call__(self, *args, **kwargs):
        """``layer(x)`` is ``layer.forward(x)`` (course graders call layers directly)."""
        return self.forward(*args, **kwargs)

    def forward(self, A: ndarray, Y: ndarray) -> np.floating:
        """L = SSE / (2·N·C) (eq. 34) of the (N, C) predictions ``A`` against ``Y``; stores both."""
        self.A = A
        self.Y = Y
        N = A.shape[0]
        C = A.shape[1]
        iota_N = np.ones((N, 1), dtype=A.dtype)
        iota_C = np.ones((C, 1), dtype=A.dtype)
        SE = (A - Y) * (A - Y)  # eq. 32
        SSE = iota_N.T @ SE @ iota_C  # eq. 33 (a 1 × 1 matrix)
        L = SSE[0, 0] / (2 * N * C)  # eq. 34
        return L

    def backward(self) -> ndarray:
        """∂L/∂A = (A − Y) / (N·C) (eq. 35)."""
        N, C = self.A.shape
        dLdA = (self.A - self.Y) / (N * C)  # eq. 35
        return dLdA


class CrossEntropyLoss:
    """Mean cross-entropy of softmax(A) against one-hot Y (eq. 36–42); backward σ(A) − Y (eq. 43).

    eq. 43 omits the 1/N of the mean (eq. 42): it is the gradient of the summed loss SCE (eq. 41),
    N times the gradient of the returned mean. ``Linear`` divides its dLdW, dLdb by N, which turns
    them back into the exact gradients of the mean loss (see the package docstring).

    The softmax is computed from A minus its row maximum. Softmax is unchanged by subtracting a
    constant from a row, so this is eq. 37, but ``exp`` can no longer overflow, and log σ(A) comes
    out as a finite log-softmax instead of log(0) = −inf when a probability underflows.
    """

    def __call__(self, *args, **kwargs):
        """``layer(x)`` is ``layer.forward(x)`` (course graders call layers directly)."""
        return self.forward(*args, **kwargs)

    def forward(self, A: ndarray, Y: ndarray) -> np.floating:
        """The mean over the batch of −Σ_c Y·log softmax(A) (eq. 36–42); stores softmax(A) and ``Y``."""
        self.A = A
        self.Y = Y
        N = A.shape[0]
        C = A.shape[1]
        iota_N = np.ones((N, 1), dtype=A.dtype)
        iota_C = np.ones((C, 1), dtype=A.dtype)
        shifted = A - A.max(axis=1, keepdims=True)  # each row's largest entry becomes 0
        exps = np.exp(shifted)
        log_softmax = shifted - np.log(exps @ iota_C)  # log of eq. 37, with the row sum Σ_j exp(A_ij)
        self.softmax = np.exp(log_softmax)  # eq. 36–37: σ(A)
        H = (-Y * log_softmax) @ iota_C  # eq. 38–39: one cross-entropy per sample (N × 1)
        SCE = iota_N.T @ H  # eq. 40–41 (a 1 × 1 matrix)
        L = SCE[0, 0] / N  # eq. 42
        return L

    def backward(self) -> ndarray:
        """softmax(A) − Y (eq. 43): the gradient of the summed loss (N times that of the mean)."""
        dLdA = self.softmax - self.Y  # eq. 43
        return dLdA
