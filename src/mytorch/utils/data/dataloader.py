"""``DataLoader``: iterate over a dataset in (shuffled) mini-batches, as ``torch.utils.data.DataLoader``.

Loading runs in the calling process (no worker processes). Two ways to build a batch:

- the general path, as torch: ``collate_fn([dataset[i] for i in batch_indices])`` (or the
  dataset's ``__getitems__(indices)`` when it has one);
- the array path, for datasets that define ``_fetch_batch`` (``TensorDataset``, ``Subset`` of one,
  ``MNIST``/``FashionMNIST``/``CIFAR10`` without transforms) when the collate function is the
  default: one fancy index per field for the whole batch, then a zero-copy wrap as Tensors. It
  gives the same values, dtypes and shapes as the general path, without ``batch_size`` Python calls.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

from ... import _rng_draws
from ...random import Generator, _generator
from ._collate import _as_tensors, default_collate, default_convert
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler


class DataLoader:
    """Combines a dataset with a sampler and iterates over batches.

    Args:
        dataset: a map-style dataset (``__getitem__`` and ``__len__``).
        batch_size: samples per batch; None turns batching off (as torch): each item is one sample
            from the sampler, passed through ``collate_fn`` (``default_convert`` when None).
        shuffle: a new random order every epoch (each ``iter()``), drawn from ``generator``.
        sampler: the order of indices (mutually exclusive with ``shuffle``).
        batch_sampler: yields lists of indices, one list per batch (mutually exclusive with
            ``batch_size``, ``shuffle``, ``sampler`` and ``drop_last``).
        drop_last: drop the last, incomplete batch.
        collate_fn: builds a batch from a list of samples (``default_collate`` when None).
        generator: the ``mytorch.Generator`` for shuffling (the default generator when None, so
            ``mytorch.manual_seed(s)`` fixes the order of every epoch).

    ``num_workers``, ``pin_memory``, ``persistent_workers``, ``prefetch_factor``, ``timeout`` and
    ``worker_init_fn`` are accepted so that PyTorch code runs unchanged; loading always happens in
    this process (``num_workers > 0`` warns once per loader).
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int | None = 1,
        shuffle: bool | None = False,
        sampler: Sampler | Iterable[int] | None = None,
        batch_sampler: Sampler | Iterable[list[int]] | None = None,
        drop_last: bool = False,
        collate_fn: Callable[[list], Any] | None = None,
        generator: Generator | None = None,
        *,
        num_workers: int = 0,
        pin_memory: bool = False,
        persistent_workers: bool = False,
        prefetch_factor: int | None = None,
        timeout: float = 0,
        worker_init_fn: Callable[[int], None] | None = None,
    ) -> None:
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable multiprocessing.")
        if num_workers > 0:
            # PyTorch code often passes workers; mytorch always loads in this process (see module docstring).
            warnings.warn(
                f"DataLoader(num_workers={num_workers}): mytorch loads batches in the main process; "
                "the worker options are accepted for PyTorch compatibility and ignored",
                stacklevel=2,
            )
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(
                    "batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and drop_last"
                )
            batch_size = None
            drop_last = False
        elif sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with drop_last")
        if sampler is None:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        auto_collation = batch_sampler is not None or batch_size is not None
        if batch_sampler is None and batch_size is not None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        self._auto_collation = auto_collation
        if collate_fn is None:
            collate_fn = default_collate if auto_collation else default_convert
        self.collate_fn = collate_fn

    def __len__(self) -> int:
        return len(self.batch_sampler) if self._auto_collation else len(self.sampler)

    def __iter__(self) -> Iterator[Any]:
        return _DataLoaderIter(self)


class _DataLoaderIter:
    """One epoch over a DataLoader; the sampler draws its order when the first batch is requested."""

    def __init__(self, loader: DataLoader) -> None:
        self._loader = loader
        self._dataset = loader.dataset
        # PyTorch draws a base seed for worker processes at every iter(), from the loader's generator:
        # drawn here too, so the default generator advances as torch's does (two words per epoch).
        gen = _generator(loader.generator)
        self._base_seed = int(_rng_draws.random_default(gen, 1, np.dtype(np.int64))[0])
        self._collate_fn = loader.collate_fn
        fetch = getattr(loader.dataset, "_fetch_batch", None)
        self._fetch_batch = fetch if loader.collate_fn is default_collate else None
        self._single = not loader._auto_collation
        if self._single:  # batch_size=None: one sample per item, straight from the sampler
            self._batches = iter(loader.sampler)
        elif type(loader.batch_sampler) is BatchSampler:  # a subclass may iterate its own way
            self._batches = loader.batch_sampler._iter_arrays()
        else:
            self._batches = iter(loader.batch_sampler)
        self._getitems = getattr(loader.dataset, "__getitems__", None)

    def __iter__(self) -> _DataLoaderIter:
        return self

    def __len__(self) -> int:
        return len(self._loader)

    def __next__(self) -> Any:
        indices = next(self._batches)
        if self._single:
            return self._collate_fn(self._dataset[indices])
        if self._fetch_batch is not None:
            batch = self._fetch_batch(np.asarray(indices, dtype=np.int64))
            if batch is not None:
                return _as_tensors(batch)
        indices = indices.tolist() if hasattr(indices, "tolist") else list(indices)
        if callable(self._getitems):
            samples = self._getitems(indices)
        else:
            samples = [self._dataset[i] for i in indices]
        return self._collate_fn(samples)
