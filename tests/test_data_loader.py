"""mytorch.utils.data: datasets, samplers, default_collate and DataLoader, checked against torch's rules."""

from __future__ import annotations

import collections

import numpy as np
import pytest
import torch
import torch.utils.data as tud

import mytorch
from mytorch.utils.data import (
    BatchSampler,
    ConcatDataset,
    DataLoader,
    Dataset,
    RandomSampler,
    SequentialSampler,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    default_collate,
    random_split,
)


class ListDataset(Dataset):
    """A plain map-style dataset with no fast path: items are (float32 array, int label)."""

    def __init__(self, n: int) -> None:
        self.x = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
        self.calls = 0

    def __getitem__(self, i: int):
        self.calls += 1
        return self.x[i], int(i % 7)

    def __len__(self) -> int:
        return len(self.x)


def ids(loader) -> list[int]:
    """The sample ids an epoch visits, in order (the first feature divided by 3 is the id)."""
    out = []
    for x, _ in loader:
        out.extend((x.numpy()[:, 0] // 3).astype(int).tolist())
    return out


def tensor_ds(n: int = 10) -> TensorDataset:
    return TensorDataset(mytorch.tensor(np.arange(n * 3, dtype=np.float32).reshape(n, 3)), mytorch.arange(n))


# ------------------------------------------------------------------ datasets
def test_tensor_dataset_items_and_errors():
    ds = tensor_ds(5)
    assert len(ds) == 5
    x, y = ds[2]
    np.testing.assert_array_equal(x.numpy(), [6, 7, 8])
    assert y.item() == 2
    with pytest.raises(ValueError, match="Size mismatch"):
        TensorDataset(mytorch.zeros(3, 2), mytorch.zeros(4))
    with pytest.raises(TypeError, match="expected a Tensor"):
        TensorDataset([1, 2, 3])
    with pytest.raises(ValueError, match="at least one"):
        TensorDataset()


def test_subset_concat_and_add():
    base = tensor_ds(10)
    sub = Subset(base, [7, 2, 5])
    assert len(sub) == 3 and sub[0][1].item() == 7 and sub[-1][1].item() == 5
    cat = ConcatDataset([Subset(base, [0, 1]), sub])
    assert len(cat) == 5
    assert [cat[i][1].item() for i in range(5)] == [0, 1, 7, 2, 5]
    assert cat[-1][1].item() == 5 and cat[-5][1].item() == 0
    with pytest.raises(IndexError):
        cat[5]
    with pytest.raises(ValueError, match="should not exceed"):
        cat[-6]
    both = base + base
    assert isinstance(both, ConcatDataset) and len(both) == 20
    with pytest.raises(ValueError, match="empty"):
        ConcatDataset([])


def test_random_split_counts_fractions_and_seed():
    ds = tensor_ds(10)
    parts = random_split(ds, [3, 7])
    assert [len(p) for p in parts] == [3, 7]
    seen = sorted(i for p in parts for i in p.indices)
    assert seen == list(range(10))
    # Fractions: floors 3/3/3, the remainder 1 goes to the first split (torch's round-robin).
    assert [len(p) for p in random_split(ds, [0.3, 0.3, 0.4])] == [3, 3, 4]
    assert [len(p) for p in random_split(tensor_ds(11), [1 / 3, 1 / 3, 1 / 3])] == [4, 4, 3]
    torch_lengths = [len(p) for p in tud.random_split(range(11), [1 / 3, 1 / 3, 1 / 3])]
    assert torch_lengths == [4, 4, 3]
    with pytest.raises(ValueError, match="does not equal"):
        random_split(ds, [3, 3])
    g1, g2 = mytorch.Generator().manual_seed(5), mytorch.Generator().manual_seed(5)
    assert random_split(ds, [5, 5], generator=g1)[0].indices == random_split(ds, [5, 5], generator=g2)[0].indices
    mytorch.manual_seed(3)
    a = random_split(ds, [5, 5])[0].indices
    mytorch.manual_seed(3)
    assert random_split(ds, [5, 5])[0].indices == a


# ------------------------------------------------------------------ samplers
def test_samplers():
    data = range(7)
    assert list(SequentialSampler(data)) == list(range(7))
    rs = RandomSampler(data)
    first, second = list(rs), list(rs)
    assert sorted(first) == sorted(second) == list(range(7))
    assert first != second  # a new order each epoch (7! orders: equal by chance with p = 1/5040)
    assert len(RandomSampler(data, num_samples=17)) == 17
    chained = list(RandomSampler(data, num_samples=17))
    assert sorted(chained[:7]) == sorted(chained[7:14]) == list(range(7)) and len(chained) == 17
    with_repl = list(RandomSampler(data, replacement=True, num_samples=50))
    assert len(with_repl) == 50 and set(with_repl) <= set(range(7))
    assert sorted(SubsetRandomSampler([3, 9, 4])) == [3, 4, 9]
    with pytest.raises(ValueError, match="num_samples"):
        RandomSampler(data, num_samples=0)


@pytest.mark.parametrize("drop_last", [False, True])
def test_batch_sampler_matches_torch(drop_last):
    for n, bs in [(10, 3), (9, 3), (2, 5), (0, 4)]:
        ours = list(BatchSampler(SequentialSampler(range(n)), bs, drop_last))
        theirs = list(tud.BatchSampler(tud.SequentialSampler(range(n)), bs, drop_last))
        assert ours == theirs
        assert len(BatchSampler(SequentialSampler(range(n)), bs, drop_last)) == len(theirs)
        # A plain iterable of indices (no epoch array) goes through the per-index route.
        assert list(BatchSampler(list(range(n)), bs, drop_last)) == theirs
    with pytest.raises(ValueError, match="positive integer"):
        BatchSampler(range(3), 0, False)


# ------------------------------------------------------------------ collate
def test_default_collate_rules_match_torch():
    batch = [
        (1, 2.5, "a", np.ones(2, np.float32), {"k": np.int32(4)}),
        (3, 4.5, "b", np.zeros(2, np.float32), {"k": np.int32(5)}),
    ]
    ours = default_collate(batch)
    theirs = tud.default_collate(batch)
    assert isinstance(ours, list) and isinstance(theirs, list)  # tuples collate to lists
    for o, t in zip(ours[:2] + [ours[3]], theirs[:2] + [theirs[3]]):
        assert str(o.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
        np.testing.assert_array_equal(o.numpy(), t.numpy())
    assert ours[2] == ["a", "b"]
    assert str(ours[4]["k"].dtype).endswith("int32")
    np.testing.assert_array_equal(ours[4]["k"].numpy(), [4, 5])
    assert default_collate([True, False]).dtype == mytorch.bool
    point = collections.namedtuple("Point", "x y")
    p = default_collate([point(1, 2.0), point(3, 4.0)])
    assert isinstance(p, point) and p.x.tolist() == [1, 3] and p.y.dtype == mytorch.float64
    stacked = default_collate([mytorch.ones(2, 3), mytorch.zeros(2, 3)])
    assert stacked.shape == (2, 2, 3) and stacked.dtype == mytorch.float32


def test_default_collate_errors():
    with pytest.raises(RuntimeError, match=r"equal size, but got \[2\] at entry 0 and \[3\] at entry 1"):
        default_collate([np.zeros(2), np.zeros(3)])
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([(1, 2), (3,)])
    with pytest.raises(TypeError, match="found"):
        default_collate([object(), object()])
    with pytest.raises(TypeError):
        default_collate([np.array(["a"]), np.array(["b"])])


def test_collate_keeps_grad_graph():
    a = mytorch.ones(3, requires_grad=True)
    out = default_collate([a * 2, a * 3])
    out.sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [5, 5, 5])


# ------------------------------------------------------------------ DataLoader
@pytest.mark.parametrize("make", [ListDataset, tensor_ds], ids=["per-item", "array-path"])
@pytest.mark.parametrize("drop_last", [False, True])
@pytest.mark.parametrize("shuffle", [False, True])
def test_every_sample_once_per_epoch_and_lengths(make, drop_last, shuffle):
    n, bs = 23, 5
    loader = DataLoader(make(n), batch_size=bs, shuffle=shuffle, drop_last=drop_last)
    assert len(loader) == (n // bs if drop_last else -(-n // bs))
    assert len(loader) == len(tud.DataLoader(range(n), batch_size=bs, drop_last=drop_last))
    for _ in range(2):
        batches = list(loader)
        assert len(batches) == len(loader)
        sizes = [len(b[1]) for b in batches]
        assert sizes == [bs] * (n // bs) + ([] if drop_last else [n % bs])
        visited = [i for b in batches for i in (b[0].numpy()[:, 0] // 3).astype(int)]
        assert len(set(visited)) == len(visited)  # never twice in an epoch
        if not drop_last:
            assert sorted(visited) == list(range(n))
        if not shuffle:
            assert visited == list(range(len(visited)))


def test_shuffle_new_order_each_epoch_and_reproducible():
    loader = DataLoader(tensor_ds(50), batch_size=8, shuffle=True)
    mytorch.manual_seed(7)
    e1, e2 = ids(loader), ids(loader)
    assert e1 != e2 and sorted(e1) == sorted(e2) == list(range(50))
    mytorch.manual_seed(7)
    assert ids(loader) == e1 and ids(loader) == e2
    # The per-item path draws the same order as the array path.
    mytorch.manual_seed(7)
    assert ids(DataLoader(ListDataset(50), batch_size=8, shuffle=True)) == e1
    # An explicit generator is independent of the default one.
    g = mytorch.Generator().manual_seed(11)
    a = ids(DataLoader(tensor_ds(50), batch_size=8, shuffle=True, generator=g))
    g.manual_seed(11)
    mytorch.manual_seed(999)
    assert ids(DataLoader(tensor_ds(50), batch_size=8, shuffle=True, generator=g)) == a


def test_order_drawn_when_epoch_starts():
    loader = DataLoader(tensor_ds(30), batch_size=4, shuffle=True)
    mytorch.manual_seed(1)
    expected = ids(loader)
    mytorch.manual_seed(1)
    it = iter(loader)  # creating the iterator draws nothing yet ...
    assert len(it) == len(loader)
    got = [i for x, _ in it for i in (x.numpy()[:, 0] // 3).astype(int)]
    assert got == expected


def test_array_path_equals_per_item_path():
    ds = tensor_ds(17)
    fast = list(DataLoader(ds, batch_size=4))
    slow = list(DataLoader(ds, batch_size=4, collate_fn=lambda s: default_collate(s)))
    for (fx, fy), (sx, sy) in zip(fast, slow):
        assert fx.dtype == sx.dtype and fy.dtype == sy.dtype and fx.shape == sx.shape
        np.testing.assert_array_equal(fx.numpy(), sx.numpy())
        np.testing.assert_array_equal(fy.numpy(), sy.numpy())
    # The array path copies: changing a batch leaves the dataset alone.
    fast[0][0].numpy()[:] = -1
    assert ds[0][0].numpy()[0] == 0


def test_array_path_makes_no_per_item_calls():
    class Counting(ListDataset):
        def _fetch_batch(self, indices):
            return [self.x[indices], (indices % 7).astype(np.int64)]

    ds = Counting(20)
    batches = list(DataLoader(ds, batch_size=6, shuffle=True))
    assert ds.calls == 0 and sum(len(y) for _, y in batches) == 20
    # A custom collate_fn always gets the samples themselves.
    list(DataLoader(ds, batch_size=6, collate_fn=lambda s: s))
    assert ds.calls == 20


def test_subset_of_array_dataset_uses_array_path():
    base = tensor_ds(30)
    train, _ = random_split(base, [20, 10])
    x, y = next(iter(DataLoader(train, batch_size=20)))
    np.testing.assert_array_equal(y.numpy(), train.indices)
    np.testing.assert_array_equal(x.numpy()[:, 0], np.asarray(train.indices) * 3)


def test_loader_with_samplers_and_errors():
    ds = ListDataset(10)
    loader = DataLoader(ds, batch_sampler=[[0, 1], [5, 9, 2]])
    assert len(loader) == 2
    assert [b[1].tolist() for b in loader] == [[0, 1], [5, 2, 2]]
    assert ids(DataLoader(ds, batch_size=3, sampler=[9, 8, 7, 6])) == [9, 8, 7, 6]
    with pytest.raises(ValueError, match="mutually exclusive"):
        DataLoader(ds, batch_sampler=[[0]], batch_size=2)
    with pytest.raises(ValueError, match="mutually exclusive with shuffle"):
        DataLoader(ds, sampler=[0, 1], shuffle=True)
    with pytest.raises(ValueError, match="positive integer"):
        DataLoader(ds, batch_size=0)


def test_loader_dict_items_and_getitems_hook():
    class Dicts(Dataset):
        def __getitem__(self, i):
            return {"x": np.full(2, i, np.float32), "y": i}

        def __len__(self):
            return 5

    batch = next(iter(DataLoader(Dicts(), batch_size=5)))
    assert batch["x"].shape == (5, 2) and batch["y"].dtype == mytorch.int64

    class Batched(ListDataset):
        def __getitems__(self, indices):
            self.batched = getattr(self, "batched", 0) + 1
            return [self[i] for i in indices]

    ds = Batched(9)
    assert len(list(DataLoader(ds, batch_size=4))) == 3 and ds.batched == 3


def test_loader_matches_torch_batches():
    x = np.random.default_rng(0).standard_normal((13, 2, 3)).astype(np.float32)
    y = np.arange(13)
    ours = list(DataLoader(TensorDataset(mytorch.tensor(x), mytorch.tensor(y)), batch_size=4))
    theirs = list(tud.DataLoader(tud.TensorDataset(torch.tensor(x), torch.tensor(y)), batch_size=4))
    for (ox, oy), (tx, ty) in zip(ours, theirs):
        np.testing.assert_array_equal(ox.numpy(), tx.numpy())
        np.testing.assert_array_equal(oy.numpy(), ty.numpy())
        assert str(oy.dtype).split(".")[-1] == str(ty.dtype).split(".")[-1]


def test_sampler_subclasses_are_respected():
    class Reversed(SequentialSampler):
        def __iter__(self):
            return iter(range(len(self.data_source) - 1, -1, -1))

    assert ids(DataLoader(tensor_ds(7), batch_size=3, sampler=Reversed(range(7)))) == [6, 5, 4, 3, 2, 1, 0]

    class Pairs(BatchSampler):
        def __iter__(self):
            yield [0, 6]
            yield [3]

    loader = DataLoader(tensor_ds(7), batch_sampler=Pairs(SequentialSampler(range(7)), 2, False))
    assert ids(loader) == [0, 6, 3]


def test_pytorch_worker_options_are_accepted_and_loading_stays_in_process():
    ds = TensorDataset(np.arange(10.0))
    with pytest.warns(UserWarning, match="main process"):
        loader = DataLoader(ds, batch_size=4, num_workers=2, pin_memory=True, persistent_workers=True)
    assert [len(b[0]) for b in loader] == [4, 4, 2]
    DataLoader(ds, num_workers=0)  # no warning needed
    with pytest.raises(ValueError, match="non-negative"):
        DataLoader(ds, num_workers=-1)
