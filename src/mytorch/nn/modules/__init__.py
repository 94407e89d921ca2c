"""The layers of ``mytorch.nn``."""

from __future__ import annotations

from .activation import GELU, LeakyReLU, LogSoftmax, ReLU, Sigmoid, SiLU, Softmax, Softplus, Tanh
from .container import Identity, ModuleDict, ModuleList, Residual, Sequential
from .dropout import Dropout
from .linear import Flatten, LazyLinear, Linear
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss
from .module import Module
from .normalization import BatchNorm1d, LayerNorm
