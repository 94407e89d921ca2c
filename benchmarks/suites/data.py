"""Data loading: one shuffled epoch (batch 100) over Fashion-MNIST train, mytorch vs torch's DataLoader.

torch iterates a ``TensorDataset`` of the same images already as float32 (N, 1, 28, 28) in [0, 1]
and int64 labels, in the main process (``num_workers=0``, like mytorch). The cases:

- ``FashionMNIST`` without transforms: mytorch's array path (one fancy index + one uint8 -> float32
  conversion per batch) against torch's per-item fetch + stack of ready float tensors;
- ``TensorDataset`` of the same float32 arrays on both sides (the same work for both libraries);
- ``FashionMNIST`` with an identity per-item transform: mytorch's general path (a Python call per
  sample, then ``default_collate``), i.e. what a loader with augmentation pays.

The time per epoch is what a training epoch adds for loading; the model's step is not included.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.utils.data as tud

from benchmarks.runner import Result, compare
from mytorch import transforms
from mytorch.datasets import FashionMNIST
from mytorch.utils.data import DataLoader, TensorDataset


def _epoch(loader) -> int:
    n = 0
    for _, y in loader:
        n += len(y)
    return n


def run(rounds: int) -> list[Result]:
    train = FashionMNIST(train=True)
    images = (train.data.astype(np.float32) / np.float32(255))[:, None]
    targets = train.targets.astype(np.int64)
    torch_loader = tud.DataLoader(
        tud.TensorDataset(torch.from_numpy(images), torch.from_numpy(targets)), batch_size=100, shuffle=True
    )
    cases = {
        "data epoch: FashionMNIST array path": DataLoader(train, batch_size=100, shuffle=True),
        "data epoch: TensorDataset float32": DataLoader(TensorDataset(images, targets), batch_size=100, shuffle=True),
        "data epoch: FashionMNIST per-item transform": DataLoader(
            FashionMNIST(train=True, transform=transforms.Lambda(lambda x: x)), batch_size=100, shuffle=True
        ),
    }
    # Every case: one shuffled epoch, batch 100; torch's side is the same TensorDataset loader.
    return [
        compare(name, lambda loader=loader: _epoch(loader), lambda: _epoch(torch_loader), rounds)
        for name, loader in cases.items()
    ]
