"""Utilities that sit beside the core: ``mytorch.utils.data`` (datasets, samplers, ``DataLoader``),
``make_grid``/``save_image`` (as ``torchvision.utils``), and ``mytorch.utils.tensorboard``
(imported on request: ``from mytorch.utils.tensorboard import SummaryWriter``).
"""

from __future__ import annotations

from . import data
from ._image_grid import make_grid, save_image

__all__ = ["data", "make_grid", "save_image"]
