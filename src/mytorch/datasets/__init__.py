"""Datasets as in torchvision: ``MNIST``, ``FashionMNIST``, ``CIFAR10``, ``ImageFolder``/``DatasetFolder``,
plus the IDX reader/writer and verified downloads.

    >>> from mytorch.datasets import FashionMNIST
    >>> train = FashionMNIST(train=True)   # finds Debian's /usr/share/datasets/fashion-mnist
    >>> image, label = train[0]            # float32 (1, 28, 28) in [0, 1], int
"""

from __future__ import annotations

from ._safe_pickle import safe_load_pickle
from .cifar import CIFAR10
from .download import DownloadError, download_url, extract_tar, sha256_of
from .folder import IMG_EXTENSIONS, DatasetFolder, ImageFolder, default_loader, find_classes, make_dataset, pil_loader
from .idx import read_idx, read_idx_header, write_idx
from .mnist import MNIST, FashionMNIST

__all__ = [
    "CIFAR10",
    "IMG_EXTENSIONS",
    "MNIST",
    "DatasetFolder",
    "DownloadError",
    "FashionMNIST",
    "ImageFolder",
    "default_loader",
    "find_classes",
    "make_dataset",
    "pil_loader",
    "download_url",
    "extract_tar",
    "read_idx",
    "read_idx_header",
    "safe_load_pickle",
    "sha256_of",
    "write_idx",
]
