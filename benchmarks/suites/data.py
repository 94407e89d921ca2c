"""Data loading: one shuffled epoch (batch 100) over Fashion-MNIST train, mytorch vs torch's DataLoader.

torch iterates a ``TensorDataset`` of the same images already as float32 (N, 1, 28, 28) in [0, 1] and
int64 labels, in the main process (``num_workers=0``, like mytorch). The mytorch sides:
- ``FashionMNIST`` without transforms: the array path (one fancy index + one uint8 -> float32
  conversion per batch);
- ``TensorDataset`` of the same float32 arrays (the same work as torch's side);
- ``FashionMNIST`` with ``ToTensor()`` as its transform: the general path (each sample handed to the
  transform as a PIL image, as torchvision's datasets do, made a tensor, then ``default_collate``),
  i.e. what a loader with augmentation pays.
"""

from __future__ import annotations

import numpy as np

THREADS = [1]
MAX_PAIRS = 5


def _arrays():
    from mytorch.datasets import FashionMNIST

    train = FashionMNIST(train=True)
    images, targets = train.data.numpy(), train.targets.numpy()  # uint8 and int64 tensors, as torchvision's
    return (images.astype(np.float32) / np.float32(255))[:, None], targets.astype(np.int64)


def _epoch(loader):
    def epoch():
        n = 0
        for _, y in loader:
            n += len(y)
        return n

    return epoch


def _torch():
    import torch
    import torch.utils.data as tud

    images, targets = _arrays()
    dataset = tud.TensorDataset(torch.from_numpy(images), torch.from_numpy(targets))
    return _epoch(tud.DataLoader(dataset, batch_size=100, shuffle=True))


def _mytorch(kind: str):
    from mytorch import transforms
    from mytorch.datasets import FashionMNIST
    from mytorch.utils.data import DataLoader, TensorDataset

    if kind == "array":
        dataset = FashionMNIST(train=True)
    elif kind == "tensors":
        dataset = TensorDataset(*_arrays())
    else:
        dataset = FashionMNIST(train=True, transform=transforms.ToTensor())
    return _epoch(DataLoader(dataset, batch_size=100, shuffle=True))


CASES = {
    "data epoch: FashionMNIST array path": {"mytorch": lambda: _mytorch("array"), "torch": _torch},
    "data epoch: TensorDataset float32": {"mytorch": lambda: _mytorch("tensors"), "torch": _torch},
    "data epoch: FashionMNIST per-item transform": {"mytorch": lambda: _mytorch("transform"), "torch": _torch},
}
