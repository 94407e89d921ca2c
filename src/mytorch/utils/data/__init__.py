"""Data loading, as in ``torch.utils.data``: datasets, samplers, ``DataLoader`` and ``default_collate``.

    >>> import mytorch
    >>> from mytorch.utils.data import DataLoader, TensorDataset
    >>> ds = TensorDataset(mytorch.arange(10.0), mytorch.arange(10))
    >>> [len(x) for x, y in DataLoader(ds, batch_size=4)]
    [4, 4, 2]
"""

from __future__ import annotations

from ._collate import default_collate, default_convert
from .dataloader import DataLoader
from .dataset import ConcatDataset, Dataset, Subset, TensorDataset, random_split
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler, SubsetRandomSampler

__all__ = [
    "BatchSampler",
    "ConcatDataset",
    "DataLoader",
    "Dataset",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "Subset",
    "SubsetRandomSampler",
    "TensorDataset",
    "default_collate",
    "default_convert",
    "random_split",
]
