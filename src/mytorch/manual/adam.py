"""The handout's Adam and AdamW (seed 000, §4 and §5).

Seed 000 does not number its equations; the comments quote the left-hand side of each one.
"""

from __future__ import annotations

import numpy as np
from numpy import ndarray


class Adam:
    """Adam over the ``W`` and ``b`` of every layer in ``model.layers`` (seed 000, §4).

    With g_t the layer's current ``dLdW`` (or ``dLdb``) and t the number of steps taken::

        m_t = β1·m_{t−1} + (1 − β1)·g_t          v_t = β2·v_{t−1} + (1 − β2)·g_t²
        m̂_t = m_t / (1 − β1^t)                    v̂_t = v_t / (1 − β2^t)
        θ_t = θ_{t−1} − α·m̂_t / (√v̂_t + ε)

    The moments ``m_W, v_W, m_b, v_b`` are kept per layer and start at zero, as does ``t``. The
    parameters and gradients are read from the layers at every ``step()``, so a user may replace
    ``layer.W`` between steps. Same result as PyTorch's ``Adam`` (to rounding).
    """

    def __init__(self, model, lr: float, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8) -> None:
        if lr < 0:
            raise ValueError(f"Adam: invalid learning rate {lr}")
        if not (0 <= beta1 < 1 and 0 <= beta2 < 1):
            raise ValueError(f"Adam: beta1 and beta2 must be in [0, 1), got {beta1}, {beta2}")
        if eps < 0:
            raise ValueError(f"Adam: invalid eps {eps}")
        self.l = model.layers
        self.lr = lr
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.t = 0
        self.m_W = [np.zeros_like(layer.W) for layer in self.l]
        self.v_W = [np.zeros_like(layer.W) for layer in self.l]
        self.m_b = [np.zeros_like(layer.b) for layer in self.l]
        self.v_b = [np.zeros_like(layer.b) for layer in self.l]

    def step(self) -> None:
        """One Adam step on every layer's ``W`` and ``b`` from its ``dLdW`` and ``dLdb`` (t counts the steps)."""
        self.t += 1
        for i, layer in enumerate(self.l):
            layer.W = self._update(layer.W, layer.dLdW, self.m_W, self.v_W, i)
            layer.b = self._update(layer.b, layer.dLdb, self.m_b, self.v_b, i)

    def _update(self, theta: ndarray, g: ndarray, m: list, v: list, i: int) -> ndarray:
        """One Adam step for one parameter; updates the moment lists ``m``, ``v`` at index ``i``."""
        m[i] = self.beta1 * m[i] + (1 - self.beta1) * g  # m_t
        v[i] = self.beta2 * v[i] + (1 - self.beta2) * g * g  # v_t
        m_hat = m[i] / (1 - self.beta1**self.t)  # m̂_t: m_t starts at 0, so it is biased towards 0
        v_hat = v[i] / (1 - self.beta2**self.t)  # v̂_t
        return theta - self.lr * m_hat / (np.sqrt(v_hat) + self.eps)  # θ_t


class AdamW(Adam):
    """Adam with decoupled weight decay λ (``weight_decay``) on ``W`` and ``b`` (seed 000, §5).

    The handout gives two orders that are the same update; this is its second one: first decay
    from the previous value, W_t = W_{t−1} − W_{t−1}·α·λ (likewise b), then add the Adam update
    of ``Adam``, which depends only on the gradients. So
    θ_t = θ_{t−1} − α·λ·θ_{t−1} − α·m̂_t / (√v̂_t + ε), the same as PyTorch's ``AdamW``.
    """

    def __init__(
        self,
        model,
        lr: float,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
        weight_decay: float = 0.01,
    ) -> None:
        super().__init__(model, lr, beta1, beta2, eps)
        if weight_decay < 0:
            raise ValueError(f"AdamW: invalid weight_decay {weight_decay}")
        self.weight_decay = weight_decay

    def step(self) -> None:
        """One AdamW step: decay ``W`` and ``b`` by α·λ from their previous values, then the Adam update."""
        for layer in self.l:
            layer.W = layer.W - layer.W * self.lr * self.weight_decay  # W_t = W_{t−1} − W_{t−1}·α·λ
            layer.b = layer.b - layer.b * self.lr * self.weight_decay  # b_t = b_{t−1} − b_{t−1}·α·λ
        super().step()
