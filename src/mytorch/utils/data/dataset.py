"""Map-style datasets: ``Dataset``, ``TensorDataset``, ``Subset``, ``ConcatDataset`` and ``random_split``.

A dataset is anything with ``__getitem__(i)`` and ``__len__()``. Array-backed datasets may also
define ``_fetch_batch(indices)``: given an int64 index array it returns the whole batch, already in
the form ``default_collate`` would build but holding NumPy arrays instead of Tensors (a list of
arrays for tuple items, one array for array items), or None when per-item work (a transform) makes
that impossible. ``DataLoader`` uses it so that a batch costs one fancy index per field instead of
``batch_size`` Python calls; the result must equal what the per-item path would give.
"""

from __future__ import annotations

import bisect
import math
import warnings
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from ... import _rng_draws
from ..._backend import ndarray, to_host
from ..._tensor import Tensor
from ...random import Generator, _generator


class Dataset:
    """Base class of map-style datasets (``torch.utils.data.Dataset``).

    Subclasses define ``__getitem__(index)`` and ``__len__()``; ``a + b`` concatenates two datasets.
    """

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


class TensorDataset(Dataset):
    """Samples are tuples ``(t[i] for t in tensors)``; every tensor must have the same first dimension.

    NumPy arrays are accepted too and wrapped without a copy.
    """

    def __init__(self, *tensors: Tensor | ndarray) -> None:
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        wrapped = []
        for k, t in enumerate(tensors):
            if isinstance(t, ndarray):
                t = Tensor._make(t, False, None)
            elif not isinstance(t, Tensor):
                raise TypeError(f"TensorDataset: argument {k} is a {type(t).__name__}, expected a Tensor or ndarray")
            if t.ndim == 0:
                raise ValueError(f"TensorDataset: argument {k} is 0-dimensional; it needs a first (sample) dimension")
            wrapped.append(t)
        sizes = [t.shape[0] for t in wrapped]
        if any(s != sizes[0] for s in sizes):
            raise ValueError(f"Size mismatch between tensors: first dimensions are {sizes}")
        self.tensors = tuple(wrapped)

    def __getitem__(self, index: int) -> tuple[Tensor, ...]:
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]

    def _fetch_batch(self, indices: ndarray) -> list[ndarray] | None:
        # A tensor that requires grad must go through Tensor indexing so the graph is kept.
        if any(t.requires_grad for t in self.tensors):
            return None
        return [to_host(t._data)[indices] for t in self.tensors]


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order (``indices`` is not copied; don't mutate it)."""

    def __init__(self, dataset: Any, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices
        self._index_array: ndarray | None = None

    def __getitem__(self, idx: int | list[int]) -> Any:
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices: list[int]) -> list:
        # torch's batched-fetch hook: defer to the parent's own hook when it has one.
        if callable(getattr(self.dataset, "__getitems__", None)):
            return self.dataset.__getitems__([self.indices[i] for i in indices])
        return [self.dataset[self.indices[i]] for i in indices]

    def __len__(self) -> int:
        return len(self.indices)

    def _fetch_batch(self, indices: ndarray) -> Any:
        fetch = getattr(self.dataset, "_fetch_batch", None)
        if fetch is None:
            return None
        if self._index_array is None:  # converted once, not once per batch
            self._index_array = np.asarray(self.indices, dtype=np.int64)
        return fetch(self._index_array[indices])


class ConcatDataset(Dataset):
    """The samples of several datasets, one after the other."""

    def __init__(self, datasets: Iterable[Any]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("datasets should not be an empty iterable")
        self.cumulative_sizes = []
        total = 0
        for d in self.datasets:
            total += len(d)
            self.cumulative_sizes.append(total)

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx: int) -> Any:
        n = len(self)
        if idx < 0:
            if -idx > n:
                raise ValueError(f"absolute value of index {idx} should not exceed dataset length {n}")
            idx += n
        if idx >= n:
            raise IndexError(f"index {idx} is out of range for a ConcatDataset of length {n}")
        d = bisect.bisect_right(self.cumulative_sizes, idx)
        local = idx if d == 0 else idx - self.cumulative_sizes[d - 1]
        return self.datasets[d][local]


def random_split(
    dataset: Any, lengths: Sequence[int | float], generator: Generator | None = None
) -> list[Subset]:
    """Split ``dataset`` into non-overlapping random ``Subset``s of the given lengths.

    ``lengths`` are counts summing to ``len(dataset)``, or fractions summing to 1; fractions are
    floored and the remainder is dealt one by one, round-robin, from the first split (torch's rule).
    The permutation is ``randperm(n, generator=generator)`` (the default generator when None), as in torch.
    """
    n = len(dataset)
    lengths = list(lengths)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        counts = []
        for i, frac in enumerate(lengths):
            if frac < 0 or frac > 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
            counts.append(int(math.floor(n * frac)))
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        for i, c in enumerate(counts):
            if c == 0:
                warnings.warn(
                    f"Length of split at index {i} is 0. This might result in an empty dataset.",
                    stacklevel=2,
                )
        lengths = counts
    if any(not float(length).is_integer() or length < 0 for length in lengths):
        raise ValueError(f"lengths must be non-negative integers or fractions summing to 1, got {lengths}")
    lengths = [int(length) for length in lengths]
    if sum(lengths) != n:
        raise ValueError(
            f"Sum of input lengths ({sum(lengths)}) does not equal the length of the input dataset ({n})!"
        )
    indices = _rng_draws.randperm(_generator(generator), n).tolist()
    splits, offset = [], 0
    for length in lengths:
        splits.append(Subset(dataset, indices[offset : offset + length]))
        offset += length
    return splits
