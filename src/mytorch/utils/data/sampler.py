"""Samplers: which dataset indices an epoch visits, and in what order (``torch.utils.data.sampler``).

Random samplers draw at the moment an epoch starts, as PyTorch's do and with PyTorch's numbers:
``RandomSampler`` without a generator takes one int64 ``random_()`` from the default generator,
seeds a fresh ``Generator`` with it and draws the epoch's ``randperm`` (or ``randint``) from that;
``SubsetRandomSampler`` draws ``randperm`` from its generator (the default one when None). So
``mytorch.manual_seed(s)`` before training reproduces every epoch's order -- PyTorch's order.

``SequentialSampler``, ``RandomSampler`` and ``SubsetRandomSampler`` can also hand over a whole
epoch as one index array (``_epoch_indices``); ``BatchSampler`` then slices that array instead of
collecting Python ints one by one. Both routes draw the same numbers, so the order is the same.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence, Sized

import numpy as np

from ... import _rng_draws
from ..._backend import ndarray
from ...random import Generator, _generator, default_generator


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
        gen = self.generator
        if gen is None:  # PyTorch's rule: a fresh generator seeded by one int64 draw of the default one
            seed = int(_rng_draws.random_default(default_generator, 1, np.dtype(np.int64))[0])
            gen = Generator().manual_seed(seed)
        if self.replacement:  # torch draws randint in chunks of 32: the same words as one call
            return _rng_draws.random_from_to(gen, self.num_samples, np.dtype(np.int64), 0, n)
        full, rest = divmod(self.num_samples, n)
        # The last randperm is drawn even when rest == 0, as torch's sampler does.
        parts = [_rng_draws.randperm(gen, n) for _ in range(full)] + [_rng_draws.randperm(gen, n)[:rest]]
        return np.concatenate(parts).astype(np.int64, copy=False)

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
        order = _rng_draws.randperm(_generator(self.generator), len(self.indices))
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
