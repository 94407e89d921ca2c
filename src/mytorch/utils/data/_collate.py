"""``default_collate``: turn a list of samples into one batch, with torch's rules.

- Tensors and NumPy arrays are stacked along a new first dimension (dtype kept);
- Python ints become an int64 tensor, Python floats a float64 tensor (torch's choice: collate
  keeps full precision; cast with ``.float()`` where float32 is wanted), bools a bool tensor,
  NumPy scalars a tensor of their dtype;
- strings and bytes are returned as the list they are;
- dicts are collated per key, namedtuples per field; tuples and lists are transposed and collated
  per position, giving a *list* for tuples (as torch does) and the same sequence type otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ... import _functional
from ..._backend import ndarray, to_host
from ..._creation import from_numpy, tensor
from ..._tensor import Tensor

_ERROR = "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"


def _stack(arrays: list[ndarray], what: str) -> ndarray:
    first = arrays[0].shape
    for k, a in enumerate(arrays):
        if a.shape != first:
            raise RuntimeError(
                f"default_collate: stack expects each {what} to be equal size, but got {list(first)} at entry 0 "
                f"and {list(a.shape)} at entry {k}"
            )
    return np.stack(arrays)


def default_collate(batch: Sequence[Any]) -> Any:
    """Collate a non-empty list of samples into a batch (see the module docstring for the rules)."""
    if len(batch) == 0:
        raise ValueError("default_collate: got an empty batch")
    elem = batch[0]
    if isinstance(elem, Tensor):
        if any(t.requires_grad for t in batch):  # keep the graph: stack through autograd
            return _functional.stack(list(batch))
        return from_numpy(_stack([to_host(t._data) for t in batch], "tensor"))
    if isinstance(elem, ndarray):
        if elem.dtype.kind in "OSUV":
            raise TypeError(_ERROR.format(elem.dtype))
        return from_numpy(_stack([np.asarray(a) for a in batch], "array"))
    if isinstance(elem, np.generic):
        if elem.dtype.kind in "OSUV":
            raise TypeError(_ERROR.format(elem.dtype))
        return from_numpy(np.array(batch))
    if isinstance(elem, float):
        return tensor(batch, dtype=np.float64)
    if isinstance(elem, int):  # bools too: tensor() gives them the bool dtype
        return tensor(batch)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, Mapping):
        collated = {key: default_collate([d[key] for d in batch]) for key in elem}
        try:
            return type(elem)(collated)
        except TypeError:  # a Mapping type that can't be built from a dict
            return collated
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(list(field)) for field in zip(*batch)))
    if isinstance(elem, Sequence):
        size = len(elem)
        if any(len(sample) != size for sample in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        columns = [default_collate(list(column)) for column in zip(*batch)]
        if isinstance(elem, tuple):
            return columns
        try:
            return type(elem)(columns)
        except TypeError:
            return columns
    raise TypeError(_ERROR.format(type(elem)))


def default_convert(data: Any) -> Any:
    """One sample as a loader without batching (``batch_size=None``) returns it, as torch's
    ``default_convert``: NumPy arrays and scalars become tensors, containers are converted per
    element, everything else (Python numbers, strings, tensors) is returned as it is."""
    if isinstance(data, ndarray):
        return data if data.dtype.kind in "OSUV" else from_numpy(data)
    if isinstance(data, np.generic):
        return data if data.dtype.kind in "OSUV" else from_numpy(np.asarray(data))
    if isinstance(data, Mapping):
        converted = {key: default_convert(value) for key, value in data.items()}
        try:
            return type(data)(converted)
        except TypeError:
            return converted
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]  # as torch: a tuple becomes a list
    if isinstance(data, Sequence) and not isinstance(data, (str, bytes)):
        try:
            return type(data)([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data


def _as_tensors(batch: Any) -> Any:
    """A fast-path batch (arrays in ``default_collate``'s layout) with each array wrapped as a Tensor."""
    if isinstance(batch, ndarray):
        return from_numpy(batch)
    if isinstance(batch, list):
        return [_as_tensors(b) for b in batch]
    if isinstance(batch, dict):
        return {k: _as_tensors(v) for k, v in batch.items()}
    raise TypeError(f"_fetch_batch returned a {type(batch).__name__}; expected arrays in lists or dicts")
