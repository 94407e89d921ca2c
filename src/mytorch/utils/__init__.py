"""Utilities that sit beside the core: ``mytorch.utils.data`` (datasets, samplers, ``DataLoader``)."""

from __future__ import annotations

from . import data
