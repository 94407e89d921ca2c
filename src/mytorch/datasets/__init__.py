"""Datasets as in torchvision: ``MNIST``, ``FashionMNIST``, ``CIFAR10``, plus the IDX reader/writer
and verified downloads.

    >>> from mytorch.datasets import FashionMNIST
    >>> train = FashionMNIST(train=True)   # finds Debian's /usr/share/datasets/fashion-mnist
    >>> image, label = train[0]            # float32 (1, 28, 28) in [0, 1], int
"""

from __future__ import annotations

from ._safe_pickle import safe_load_pickle
from .cifar import CIFAR10
from .download import DownloadError, download_url, extract_tar, sha256_of
from .idx import read_idx, read_idx_header, write_idx
from .mnist import MNIST, FashionMNIST

__all__ = [
    "CIFAR10",
    "MNIST",
    "DownloadError",
    "FashionMNIST",
    "download_url",
    "extract_tar",
    "read_idx",
    "read_idx_header",
    "safe_load_pickle",
    "sha256_of",
    "write_idx",
]
