"""Samplers: which dataset indices an epoch visits, and in what order (``torch.utils.data.sampler``).

Random samplers draw from mytorch's generator (the default one unless a ``Generator`` is given) at
the moment an epoch starts, so ``mytorch.manual_seed(s)`` before training reproduces every epoch's
order, and each new ``iter()`` gives a new order.

``SequentialSampler``, ``RandomSampler`` and ``SubsetRandomSampler`` can also hand over a whole
epoch as one index array (``_epoch_indices``); ``BatchSampler`` then slices that array instead of
collecting Python ints one by one. Both routes draw the same numbers, so the order is the same.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence, Sized

import numpy as np

from ..._backend import ndarray
from ...random import Generator, _numpy_generator


class Sampler:
    """Base class of samplers: a subclass defines ``__iter__``, yielding dataset indices (or lists of
    them, for batch samplers), and usually ``__len__``."""


class SequentialSampler(Sampler):
    """``0, 1, ..., len(data_source) - 1``."""

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def _epoch_indices(self) -> ndarray:
        return np.arange(len(self.data_source), dtype=np.int64)

    def __iter__(self) -> Iterator[int]:
        return iter(self._epoch_indices().tolist())

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """A random order of the indices, new every epoch.

    Without replacement each epoch is a permutation (``num_samples`` larger than the dataset
    chains several permutations, as torch does); with replacement, ``num_samples`` uniform draws.
    """

    def __init__(
        self,
        data_source: Sized,
        replacement: bool = False,
        num_samples: int | None = None,
        generator: Generator | None = None,
    ) -> None:
        if not isinstance(replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got replacement={replacement}")
        if num_samples is not None and (not isinstance(num_samples, int) or num_samples <= 0):
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={num_samples}")
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if self.num_samples <= 0:  # an empty dataset: torch refuses it here, not with a division by zero later
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={self.num_samples}")

    @property
    def num_samples(self) -> int:
        """How many indices one epoch draws: ``len(data_source)`` unless ``num_samples`` was given."""
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def _epoch_indices(self) -> ndarray:
        n = len(self.data_source)
        # Looked up now, not in __init__: manual_seed replaces the NumPy generator behind it.
        rng = _numpy_generator(self.generator)
        if self.replacement:
            return rng.integers(0, n, size=self.num_samples, dtype=np.int64)
        full, rest = divmod(self.num_samples, n)
        parts = [rng.permutation(n) for _ in range(full)]
        if rest:
            parts.append(rng.permutation(n)[:rest])
        return np.concatenate(parts).astype(np.int64, copy=False) if parts else np.empty(0, np.int64)

    def __iter__(self) -> Iterator[int]:
        # A generator, so the draw happens when the epoch starts, not when iter() is called.
        yield from self._epoch_indices().tolist()

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices in a new random order every epoch."""

    def __init__(self, indices: Sequence[int], generator: Generator | None = None) -> None:
        self.indices = indices
        self.generator = generator

    def _epoch_indices(self) -> ndarray:
        order = _numpy_generator(self.generator).permutation(len(self.indices))
        return np.asarray(self.indices, dtype=np.int64)[order]

    def __iter__(self) -> Iterator[int]:
        yield from self._epoch_indices().tolist()

    def __len__(self) -> int:
        return len(self.indices)


class BatchSampler(Sampler):
    """Groups another sampler's indices into lists of ``batch_size`` (the last one shorter unless dropped)."""

    def __init__(self, sampler: Sampler | Iterable[int], batch_size: int, drop_last: bool) -> None:
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def _epoch_fn(self):
        """The sampler's whole-epoch index function, unless a subclass changed how it iterates."""
        if type(self.sampler).__iter__ in _ARRAY_ITERS:
            return self.sampler._epoch_indices
        return None

    def _iter_arrays(self) -> Iterator[ndarray]:
        """The batches as int64 arrays: sliced from one epoch array when the sampler can give one."""
        epoch = self._epoch_fn()
        if epoch is None:
            for batch in self:
                yield np.asarray(batch, dtype=np.int64)
            return
        indices = epoch()
        stop = len(indices) - len(indices) % self.batch_size if self.drop_last else len(indices)
        for start in range(0, stop, self.batch_size):
            yield indices[start : start + self.batch_size]

    def __iter__(self) -> Iterator[list[int]]:
        if self._epoch_fn() is not None:
            for batch in self._iter_arrays():
                yield batch.tolist()
            return
        batch = []
        for idx in self.sampler:
            batch.append(idx)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else (n + self.batch_size - 1) // self.batch_size


# Samplers whose __iter__ is exactly "the epoch array, in order": BatchSampler may slice that array.
_ARRAY_ITERS = (SequentialSampler.__iter__, RandomSampler.__iter__, SubsetRandomSampler.__iter__)
