"""Neural-network building blocks: ``mytorch.nn.functional`` (and, in ``modules``, the layers)."""

from __future__ import annotations

from . import functional
