"""needle's data pipeline (seed 002, Question 4): transforms, datasets and the DataLoader.

Random draws come from NumPy's global generator in the course's order:

* ``RandomFlipHorizontal(p)``: one ``np.random.rand()`` per image; flips when it is < p.
* ``RandomCrop(padding)``: one ``np.random.randint(-padding, padding + 1, size=2)`` per image
  giving (shift_x, shift_y); the image is zero-padded by ``padding`` on every side of H and W and
  cropped back to H×W starting at (padding + shift_x, padding + shift_y): shift_x moves along H.
* ``DataLoader(shuffle=True)``: one ``np.random.permutation(n)`` at the start of each epoch
  (each ``iter()``).

Batches are ``np.array_split(order, range(batch_size, n, batch_size))`` (the last may be
smaller); each batch is a tuple of Tensors, one per field of the samples, stacked along axis 0.
"""

from __future__ import annotations

import abc
import os
from collections.abc import Iterator
from typing import Any

import numpy as np

from ...datasets.idx import read_idx
from .autograd import Tensor

__all__ = [
    "DataLoader", "Dataset", "MNISTDataset", "NDArrayDataset", "RandomCrop", "RandomFlipHorizontal", "Transform",
]  # fmt: skip


class Transform(abc.ABC):
    """A callable on one H×W×C image (a NumPy array)."""

    @abc.abstractmethod
    def __call__(self, x: np.ndarray) -> np.ndarray:
        """The transformed image."""


class RandomFlipHorizontal(Transform):
    """Mirror the W axis of an H×W×C image with probability p."""

    def __init__(self, p: float = 0.5) -> None:
        self.p = p

    def __call__(self, img: np.ndarray) -> np.ndarray:
        flip_img = np.random.rand() < self.p
        return img[:, ::-1, :] if flip_img else img


class RandomCrop(Transform):
    """Zero-pad H and W by ``padding`` and crop back to the original size at a random offset."""

    def __init__(self, padding: int = 3) -> None:
        self.padding = padding

    def __call__(self, img: np.ndarray) -> np.ndarray:
        shift_x, shift_y = np.random.randint(low=-self.padding, high=self.padding + 1, size=2)
        p = self.padding
        h, w = img.shape[0], img.shape[1]
        padded = np.pad(img, ((p, p), (p, p)) + ((0, 0),) * (img.ndim - 2))
        return padded[p + shift_x : p + shift_x + h, p + shift_y : p + shift_y + w]


class Dataset(abc.ABC):
    """Subclasses define ``__getitem__`` and ``__len__``; ``apply_transforms`` runs the transforms in order."""

    def __init__(self, transforms: list | None = None) -> None:
        self.transforms = transforms

    @abc.abstractmethod
    def __getitem__(self, index: int) -> Any:
        """One sample (a tuple of arrays)."""

    @abc.abstractmethod
    def __len__(self) -> int:
        """The number of samples."""

    def apply_transforms(self, x: np.ndarray) -> np.ndarray:
        """``x`` passed through each of the dataset's transforms in order (unchanged when there are none)."""
        if self.transforms is not None:
            for tform in self.transforms:
                x = tform(x)
        return x


class MNISTDataset(Dataset):
    """MNIST-format (IDX, gzip or raw) images and labels.

    ``images`` is (n, 784) float32 in [0, 1] and ``labels`` (n,) uint8. ``dataset[i]`` is
    ``(image (784,), label)``; the transforms see the image as 28×28×1. An array of indices gives
    a batch, transformed image by image in order.
    """

    def __init__(self, image_filename: str | os.PathLike, label_filename: str | os.PathLike,
                 transforms: list | None = None) -> None:
        super().__init__(transforms)
        images = read_idx(image_filename)
        labels = read_idx(label_filename)
        if images.ndim != 3:
            raise ValueError(f"{image_filename}: expected a 3-dimensional IDX image file, got shape {images.shape}")
        if labels.ndim != 1:
            raise ValueError(f"{label_filename}: expected a 1-dimensional IDX label file, got shape {labels.shape}")
        if len(images) != len(labels):
            raise ValueError(f"{image_filename} has {len(images)} images but {label_filename} has {len(labels)} labels")
        self.image_shape = images.shape[1:] + (1,)
        self.images = (images.reshape(len(images), -1).astype(np.float32) / np.float32(255.0))
        self.labels = labels.astype(np.uint8, copy=False)

    def _transform(self, x: np.ndarray) -> np.ndarray:
        if not self.transforms:
            return x
        return self.apply_transforms(x.reshape(self.image_shape)).reshape(-1)

    def __getitem__(self, index: Any) -> tuple[np.ndarray, Any]:
        x, y = self.images[index], self.labels[index]
        if x.ndim == 2:
            return np.stack([self._transform(row) for row in x]) if self.transforms else x, y
        return self._transform(x), y

    def __len__(self) -> int:
        return len(self.images)


class NDArrayDataset(Dataset):
    """Samples are the rows of several same-length arrays: ``dataset[i] = (a[i], b[i], ...)``."""

    def __init__(self, *arrays: np.ndarray) -> None:
        super().__init__()
        if not arrays or any(len(a) != len(arrays[0]) for a in arrays):
            raise ValueError(f"NDArrayDataset: needs arrays of one length, got lengths {[len(a) for a in arrays]}")
        self.arrays = arrays

    def __len__(self) -> int:
        return len(self.arrays[0])

    def __getitem__(self, i: Any) -> tuple:
        return tuple(a[i] for a in self.arrays)


class DataLoader:
    """Mini-batches of a dataset, in order or reshuffled at every epoch."""

    def __init__(self, dataset: Dataset, batch_size: int | None = 1, shuffle: bool = False) -> None:
        if batch_size is None or int(batch_size) < 1:
            raise ValueError(f"needle DataLoader: batch_size must be a positive integer, got {batch_size!r}")
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.ordering = self._split(np.arange(len(dataset)))

    def _split(self, order: np.ndarray) -> list[np.ndarray]:
        return np.array_split(order, range(self.batch_size, len(order), self.batch_size))

    def __iter__(self) -> Iterator[tuple[Tensor, ...]]:
        if self.shuffle:
            self.ordering = self._split(np.random.permutation(len(self.dataset)))
        self._batch = -1
        return self

    def __next__(self) -> tuple[Tensor, ...]:
        self._batch += 1
        if self._batch >= len(self.ordering):
            raise StopIteration
        samples = [self.dataset[int(i)] for i in self.ordering[self._batch]]
        return tuple(Tensor(np.stack([np.asarray(s[k]) for s in samples])) for k in range(len(samples[0])))

    def __len__(self) -> int:
        return len(self.ordering)


