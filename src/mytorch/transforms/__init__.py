"""Image transforms, as ``torchvision.transforms``: ``mytorch.transforms.RandomCrop`` and the others.

The classes are in ``transforms.py``; the operations they apply, usable on their own, are in
``mytorch.transforms.functional`` (``hflip``, ``crop``, ``pad``, ``resize``, ``adjust_hue``, ...).
"""

from __future__ import annotations

from . import functional
from .transforms import (
    CenterCrop,
    ColorJitter,
    Compose,
    Grayscale,
    InterpolationMode,
    Lambda,
    Normalize,
    Pad,
    PILToTensor,
    RandomApply,
    RandomCrop,
    RandomErasing,
    RandomGrayscale,
    RandomHorizontalFlip,
    RandomResizedCrop,
    RandomVerticalFlip,
    Resize,
    ToPILImage,
    ToTensor,
)

__all__ = [
    "CenterCrop", "ColorJitter", "Compose", "Grayscale", "InterpolationMode", "Lambda", "Normalize", "PILToTensor",
    "Pad", "RandomApply", "RandomCrop", "RandomGrayscale", "RandomHorizontalFlip", "RandomResizedCrop",
    "RandomVerticalFlip", "Resize", "ToPILImage", "ToTensor", "functional",
]
