"""The handout's dropout (seed 000, §6): a random binary mask, rescaled in training only."""

from __future__ import annotations

import numpy as np
from numpy import ndarray


class Dropout:
    """Zero each entry with probability ``p`` in training and scale the survivors by 1/(1 − p).

    ``p`` is the drop rate, as in the handout's ``Dropout(p)`` and in PyTorch (the handout's
    sentence "the probability of zero-ing out a neuron output is then 1 − p" contradicts that
    usage; see the package docstring). Scaling by 1/(1 − p) keeps E[output] = input, so nothing
    changes at test time, where dropout is the identity.

    The mask is drawn with ``np.random.binomial(1, 1 - p, x.shape)`` from NumPy's global
    generator, as the handout asks, so ``np.random.seed(s)`` reproduces it; it is the only draw
    from that generator in ``mytorch.manual``.
    """

    def __init__(self, p: float = 0.5) -> None:
        if not 0 <= p < 1:
            raise ValueError(f"Dropout: p is the probability of zeroing and must be in [0, 1), got {p}")
        self.p = p

    def __call__(self, *args, **kwargs):
        """``layer(x)`` is ``layer.forward(x)`` (course graders call layers directly)."""
        return self.forward(*args, **kwargs)

    def forward(self, x: ndarray, train: bool = True) -> ndarray:
        """In training, ``x`` times a fresh keep-mask (probability 1 − p) divided by 1 − p; else ``x``."""
        self.train = train
        if not train:
            return x
        # Keep each entry with probability 1 − p. The mask takes x's dtype so a float32 batch stays float32.
        self.mask = np.random.binomial(1, 1 - self.p, x.shape).astype(x.dtype)
        return x * self.mask / (1 - self.p)

    def backward(self, delta: ndarray) -> ndarray:
        """The derivative of forward: mask / (1 − p) elementwise in training, the identity otherwise."""
        if not self.train:
            return delta
        return delta * self.mask / (1 - self.p)
