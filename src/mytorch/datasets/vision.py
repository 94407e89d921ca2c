"""What the image datasets share: uint8 images, served as torchvision's datasets serve them to a transform.

With a ``transform``, an item's image is handed to it as a PIL image, as torchvision's datasets
do (one channel: mode "L" from the (H, W) bytes; three: "RGB" from (H, W, 3)), so a torchvision
pipeline (``Compose([RandomCrop(28, padding=4), ToTensor(), Normalize(...)])``, a lambda on
PIL images) works unchanged. Without one, the image is the float32 (C, H, W) array in [0, 1] that
``ToTensor`` would make of it (the same float32 division), and ``DataLoader`` reads whole batches
by one fancy index instead of item by item.

A subclass loads its files and sets ``_chw`` (uint8, (N, C, H, W)), its labels (``_label`` and
``_labels`` read them), ``classes``, ``root``, ``train``, ``transform`` and ``target_transform``;
indexing, the batch fast path of ``DataLoader`` and the repr come from here.
"""

from __future__ import annotations

import abc
import sys
from typing import Any

import numpy as np

from ..utils.data.dataset import Dataset

_SCALE = np.float32(255)


def to_pil(chw: np.ndarray):
    """One uint8 (C, H, W) image as a PIL image: "L" for one channel, "RGB" for three (Pillow's modes for them)."""
    Image = sys.modules.get("PIL.Image")  # once imported, skip the import machinery (a few µs an item)
    if Image is None:
        try:
            from PIL import Image
        except ImportError as e:  # pragma: no cover - the train extra installs Pillow
            raise ImportError("a dataset with a transform hands it PIL images, as torchvision's do: "
                              "pip install Pillow") from e
    hwc = np.ascontiguousarray(chw[0] if chw.shape[0] == 1 else chw.transpose(1, 2, 0))
    mode = "L" if hwc.ndim == 2 else "RGB"
    # What Image.fromarray does for these arrays, minus its checks (an item is read many times an epoch).
    return Image.frombuffer(mode, (hwc.shape[1], hwc.shape[0]), hwc, "raw", mode, 0, 1)


def to_float(images: np.ndarray) -> np.ndarray:
    """uint8 → float32 / 255 in one pass: the same float32 division as torchvision's ToTensor."""
    return np.divide(images, _SCALE, dtype=np.float32)


class VisionDataset(Dataset, abc.ABC):
    """Base of MNIST, FashionMNIST and CIFAR10: items are (image, int label).

    The image is a PIL image when ``transform`` is set (what the transform receives), else a
    float32 (C, H, W) array in [0, 1].
    """

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
        target = self._label(index)
        if self.transform is not None:
            image = self.transform(to_pil(self._chw[index]))
        else:
            image = to_float(self._chw[index])
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
