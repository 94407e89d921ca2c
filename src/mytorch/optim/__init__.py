"""Optimizers with PyTorch's API and numbers, and ``mytorch.optim.lr_scheduler``.

Each algorithm's class docstring states its update rule and cites its paper; the rules and the
checkpoint format are PyTorch's (REFERENCE-SEMANTICS §0-§3), plus ``RMSprop(nesterov=True)``
(§8), which torch lacks.
"""

from __future__ import annotations

from . import lr_scheduler
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .nadam import NAdam
from .optimizer import Optimizer
from .radam import RAdam
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["SGD", "Adadelta", "Adagrad", "Adam", "AdamW", "NAdam", "Optimizer", "RAdam", "RMSprop", "lr_scheduler"]
