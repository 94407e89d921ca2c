"""DataLoader misuse (issue 13, item 9), side by side with torch: an empty dataset with shuffle is a
clear ValueError, batch_size=None turns batching off."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.utils.data as tud

import mytorch
from mytorch.utils.data import DataLoader, RandomSampler, TensorDataset, default_convert

LIBS = [(mytorch, DataLoader, TensorDataset), (torch, tud.DataLoader, tud.TensorDataset)]


def as_plain(x):
    if isinstance(x, (mytorch.Tensor, torch.Tensor)):
        return ("tensor", str(x.dtype).split(".")[-1], x.numpy().tolist())
    if isinstance(x, (list, tuple)):
        return type(x).__name__, [as_plain(v) for v in x]
    if isinstance(x, dict):
        return {k: as_plain(v) for k, v in x.items()}
    return x


@pytest.mark.parametrize("make", [lambda lib, TD: TD(lib.zeros(0, 2)), lambda lib, TD: []], ids=["tensors", "list"])
def test_empty_dataset_with_shuffle_is_a_value_error(make):
    messages = []
    for lib, DL, TD in LIBS:
        with pytest.raises(ValueError) as info:
            DL(make(lib, TD), batch_size=4, shuffle=True)
        messages.append(str(info.value))
    assert messages[0] == messages[1] == "num_samples should be a positive integer value, but got num_samples=0"
    with pytest.raises(ValueError, match="num_samples=0"):
        RandomSampler([])
    assert list(DataLoader([], batch_size=4)) == []  # without shuffle an empty epoch is fine, as in torch


SAMPLES = [np.float32(1.5), np.array([1, 2], np.int32), (np.int64(3), "a"), 5, 2.5, {"x": np.zeros(2)}, "s"]


def test_batch_size_none_gives_samples_as_torch():
    got = []
    for lib, DL, TD in LIBS:
        ds = TD(lib.arange(6.0).reshape(3, 2), lib.arange(3))
        loader = DL(ds, batch_size=None)
        samples = [as_plain(item) for item in DL(SAMPLES, batch_size=None)]
        got.append((len(loader), [as_plain(item) for item in loader], samples))
    assert got[0] == got[1]
    shuffled = DataLoader(list(range(5)), batch_size=None, shuffle=True)
    assert sorted(shuffled) == list(range(5))
    assert list(DataLoader([1, 2], batch_size=None, collate_fn=lambda s: s * 10)) == [10, 20]
    assert as_plain(default_convert((np.ones(2), 1))) == as_plain(tud.default_convert((np.ones(2), 1)))


def test_batch_size_none_with_drop_last_is_refused_as_in_torch():
    for _, DL, _ in LIBS:
        with pytest.raises(ValueError, match="batch_size=None option disables auto-batching and is mutually exclusive"):
            DL([1, 2], batch_size=None, drop_last=True)
