"""Backpropagation by hand: the course handouts' layer-by-layer API in plain NumPy.

This package is the code a learner writes for seed 004 (AI702 HW1, §5–10: ``Linear``, the
activations, ``MLP0/1/4``, ``MSELoss``, ``CrossEntropyLoss``, ``SGD``, ``BatchNorm1d``) and seed
000 (11-785 HW1 bonus: ``Adam``, ``AdamW``, ``Dropout``). Every equation of the handouts is one
line of code with its number in a comment, so the two can be read side by side. Each layer has
``forward`` and a hand-written ``backward``; nothing here uses the autograd core (the tests check
every derivative against finite differences and against the core).

    >>> import numpy as np
    >>> from mytorch.manual import Linear, ReLU, CrossEntropyLoss, SGD
    >>> layer, act, loss = Linear(2, 3), ReLU(), CrossEntropyLoss()
    >>> A = act.forward(layer.forward(np.ones((4, 2))))
    >>> L = loss.forward(A, np.eye(3)[[0, 1, 2, 0]])
    >>> dLdA0 = layer.backward(loss.backward() * act.backward())

Conventions (DESIGN.md: ``mytorch.manual`` keeps seed 004/000's column, not PyTorch's). Where a
handout's prose and its equations or code disagree, the equations and class skeletons win:

* **Gradient scale (the 1/N conventions).** ``Linear.backward`` stores ``dLdW = (∂L/∂Z)ᵀ·A / N``
  and ``dLdb = (∂L/∂Z)ᵀ·ι_N / N`` as the class skeleton does, and returns ∂L/∂A undivided.
  ``CrossEntropyLoss.backward`` is σ(A) − Y (eq. 43): the gradient of the *summed* loss (eq. 41),
  N times that of the mean it returns (eq. 42). Hence, with cross-entropy, ``Linear.dLdW`` and
  ``dLdb`` are exactly the gradients of the mean loss (what PyTorch's ``W.grad`` would be), while
  the ∂L/∂A passed between layers and ``BatchNorm1d``'s ``dLdBW``/``dLdBb`` (sums over the batch,
  eq. 58–59) are N times the mean-loss gradients. ``MSELoss.backward`` is (A − Y)/(N·C)
  (eq. 35), the exact gradient of its own value, so with MSE ``Linear.dLdW`` is that gradient
  divided by N.
* **MSE** is SSE/(2·N·C) (eq. 34): half of PyTorch's mean squared error.
* **Numerical stability.** Cross-entropy takes the softmax of A minus its row maximum (equal to
  eq. 37, no overflow) and log σ(A) as a log-softmax (no log 0); Sigmoid evaluates eq. 8 in a
  form that cannot overflow. The values are those of the equations.
* **ReLU'(0) = 0**: eq. 20 gives 1 for A > 0 and 0 for A ≤ 0.
* **Linear weight layout.** W is (C_out × C_in) and Z = A·Wᵀ + ι_N·bᵀ (eq. 1, Table 1); eq. 27's
  shorthand A_i·W_i + ι·b_i is read as eq. 1. Weights start at zero, as §5.1 asks.
* **BatchNorm1d running statistics** start at E[Z] = 0 and Var[Z] = 1, as the handout's code
  does (its prose says mean 1 and variance 0, which would divide by √ε at first inference), and
  follow E = α·E + (1 − α)·μ with the biased batch variance (eq. 54–55), α = 0.9, ε = 1e-8. The
  handout differentiates only the training forward; after ``forward(Z, eval=True)``,
  ``backward`` returns the exact derivative of eq. 56–57 instead.
* **Dropout's p is the drop rate**: seed 000's sentence "the probability of zero-ing out a neuron
  output is then 1 − p" contradicts its own ``Dropout(p)`` usage and PyTorch. The mask is
  ``np.random.binomial(1, 1 - p, x.shape)`` and survivors are scaled by 1/(1 − p) in training only.
* **Randomness.** Dropout's mask is the only draw from NumPy's global generator in this package
  (learners seed it and compare masks); nothing else draws at all.
* **Adam** uses m̂/(√v̂ + ε) with one step counter t shared by all layers; **AdamW** applies
  seed 000's second (equivalent) order: decay W and b from their previous values, then add the
  Adam update, which is PyTorch's AdamW.
* **Optimizers** read ``W``, ``b``, ``dLdW``, ``dLdb`` from ``model.layers`` at every step and
  re-bind ``layer.W``/``layer.b`` to new arrays. They do not see ``BatchNorm1d``'s ``BW``/``Bb``
  (the handout's SGD has only W and b); update those yourself (``examples/manual_mlp.py`` does).
* **Course graders run unchanged**: every layer, loss and model is callable (``layer(x)`` is
  ``layer.forward(x)``), ``Linear.dLdW``/``dLdb`` exist as zeros from construction, and the losses
  return a NumPy scalar (so ``loss(A, Y).round(4)`` works), not a Python float.
* **Models' backward returns ∂L/∂A_0** (the skeleton returns nothing; the value is also left in
  the first layer's ``dLdA`` under ``debug=True``).
"""

from __future__ import annotations

from .activation import Identity, ReLU, Sigmoid, Tanh
from .adam import Adam, AdamW
from .batchnorm import BatchNorm1d
from .dropout import Dropout
from .linear import Linear
from .loss import CrossEntropyLoss, MSELoss
from .models import MLP0, MLP1, MLP4
from .sgd import SGD

__all__ = [
    "MLP0",
    "MLP1",
    "MLP4",
    "SGD",
    "Adam",
    "AdamW",
    "BatchNorm1d",
    "CrossEntropyLoss",
    "Dropout",
    "Identity",
    "Linear",
    "MSELoss",
    "ReLU",
    "Sigmoid",
    "Tanh",
]
