"""What the image datasets share: uint8 images served as float32 (C, H, W) arrays in [0, 1].

A subclass loads its files and sets ``_chw`` (uint8, (N, C, H, W)), its labels (``_label`` and
``_labels`` read them), ``classes``, ``root``, ``train``, ``transform`` and ``target_transform``;
indexing, the batch fast path of ``DataLoader`` and the repr come from here.
"""

from __future__ import annotations

import abc
from typing import Any

import numpy as np

from ..utils.data.dataset import Dataset

_SCALE = np.float32(255)


def to_float(images: np.ndarray) -> np.ndarray:
    """uint8 → float32 / 255 in one pass: the same float32 division as torchvision's ToTensor."""
    return np.divide(images, _SCALE, dtype=np.float32)


class VisionDataset(Dataset, abc.ABC):
    """Base of MNIST, FashionMNIST and CIFAR10: items are (float32 (C, H, W) image, int label)."""

    _chw: np.ndarray
    classes: list[str]

    @abc.abstractmethod
    def _label(self, index: int) -> int:
        """The label of one sample (subclasses keep ``targets`` in torchvision's type)."""

    @abc.abstractmethod
    def _labels(self, indices: np.ndarray) -> np.ndarray:
        """The labels of a batch, int64."""

    @property
    def class_to_idx(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.classes)}

    def __len__(self) -> int:
        return len(self._chw)

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        image = to_float(self._chw[index])
        target = self._label(index)
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return image, target

    def _fetch_batch(self, indices: np.ndarray) -> list[np.ndarray] | None:
        """A whole batch in one fancy index: [float32 (B, C, H, W), int64 (B,)]; None with transforms."""
        if self.transform is not None or self.target_transform is not None:
            return None
        return [to_float(self._chw[indices]), self._labels(indices)]

    def __repr__(self) -> str:
        lines = [
            f"Dataset {type(self).__name__}",
            f"    Number of datapoints: {len(self)}",
            f"    Root location: {self.root}",
            f"    Split: {'Train' if self.train else 'Test'}",
        ]
        if self.transform is not None:
            lines.append(f"    Transform: {self.transform!r}")
        if self.target_transform is not None:
            lines.append(f"    Target transform: {self.target_transform!r}")
        return "\n".join(lines)
