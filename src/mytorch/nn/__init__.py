"""Neural-network building blocks: ``Parameter``, ``mytorch.nn.functional`` and the layers."""

from __future__ import annotations

from . import functional
from .parameter import Parameter
