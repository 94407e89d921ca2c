"""The handout's stochastic gradient descent, with optional momentum (seed 004, §9, eq. 44–49)."""

from __future__ import annotations

import numpy as np


class SGD:
    """Update ``W`` and ``b`` of every layer in ``model.layers`` from its ``dLdW`` and ``dLdb``.

    Without momentum (μ = 0): W := W − λ·∂L/∂W (eq. 44–45). With momentum, the velocities
    ``v_W``, ``v_b`` (one per layer, starting at zero) accumulate the gradients,
    v := μ·v + ∂L/∂W, and W := W − λ·v (eq. 46–49); this is PyTorch's SGD momentum without
    dampening. The parameters are re-bound to new arrays (as the handout's ``self.l[i].W = ...``
    does) and read from the layers at every step, so a user may replace ``layer.W`` in between.
    ``BatchNorm1d``'s ``BW``/``Bb`` are not in ``model.layers`` and are not updated here.
    """

    def __init__(self, model, lr: float = 0.1, momentum: float = 0) -> None:
        self.l = model.layers
        self.L = len(model.layers)
        self.lr = lr
        self.mu = momentum
        # zeros_like rather than the skeleton's np.zeros(shape): same zeros, but float32 layers stay float32.
        self.v_W = [np.zeros_like(self.l[i].W) for i in range(self.L)]
        self.v_b = [np.zeros_like(self.l[i].b) for i in range(self.L)]

    def step(self) -> None:
        """One step on every layer's ``W`` and ``b``: plain, or with the momentum velocities ``v_W``, ``v_b``."""
        for i in range(self.L):
            if self.mu == 0:
                self.l[i].W = self.l[i].W - self.lr * self.l[i].dLdW  # eq. 44
                self.l[i].b = self.l[i].b - self.lr * self.l[i].dLdb  # eq. 45
            else:
                self.v_W[i] = self.mu * self.v_W[i] + self.l[i].dLdW  # eq. 46
                self.v_b[i] = self.mu * self.v_b[i] + self.l[i].dLdb  # eq. 47
                self.l[i].W = self.l[i].W - self.lr * self.v_W[i]  # eq. 48
                self.l[i].b = self.l[i].b - self.lr * self.v_b[i]  # eq. 49
