"""The thread policy for small work (``_threads.matmul``): a product too small to share runs on one BLAS
thread, so at any thread count it gives the one-thread bits; a large one keeps the BLAS's own split. No
timing here: what is pinned is which path runs and that its bits equal the path it replaces."""

from __future__ import annotations

import numpy as np
import pytest
from threadpoolctl import threadpool_info

import mytorch
from mytorch import _threads


def _openblas_threads() -> int:
    return next(p["num_threads"] for p in threadpool_info() if p["internal_api"] == "openblas")


@pytest.fixture
def restore_threads():
    before = mytorch.get_num_threads()
    yield
    mytorch.set_num_threads(before)


def _product(shape_a, shape_b, threads, dtype=np.float32):
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(shape_a).astype(dtype), rng.standard_normal(shape_b).astype(dtype)
    mytorch.set_num_threads(threads)
    return _threads.matmul(a, b), a @ b


@pytest.mark.parametrize("shapes", [((100, 784), (784, 100)), ((128, 1000), (1000, 10)), ((3, 40, 90), (90, 60))])
def test_small_products_give_the_one_thread_bits_at_two_threads(shapes, restore_threads):
    one, plain_one = _product(*shapes, threads=1)
    two, _ = _product(*shapes, threads=2)
    assert np.array_equal(one, two)
    assert np.array_equal(one, plain_one)  # at one thread it is the plain product
    assert _openblas_threads() == 2  # the BLAS count is back where set_num_threads put it


def test_large_products_keep_the_blas_split(restore_threads, monkeypatch):
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((300, 300), dtype=np.float32), rng.standard_normal((300, 300), dtype=np.float32)
    mytorch.set_num_threads(2)
    calls = []
    monkeypatch.setattr(_threads, "_blas_setter", lambda n: calls.append(n))
    assert 2 * _threads.MIN_MACS_PER_THREAD <= 300**3
    assert np.array_equal(_threads.matmul(a, b), a @ b) and calls == []  # shared among threads: untouched
    small = a[:40]  # 40x300x300 = 3.6 M multiply-adds: under two threads' share
    assert np.array_equal(_threads.matmul(small, b), small @ b) and calls == [1, 2]


def test_a_small_model_trains_to_the_same_bits_at_one_and_two_threads(restore_threads):
    """W3's shape (784-100-10, batch 100): every product is under the bound, so the run does not depend on the
    thread count."""
    rng = np.random.default_rng(2)
    x, y = mytorch.tensor(rng.standard_normal((100, 784), dtype=np.float32)), mytorch.tensor(rng.integers(0, 10, 100))
    results = []
    for threads in (1, 2):
        mytorch.set_num_threads(threads)
        mytorch.manual_seed(0)
        model = mytorch.nn.Sequential(mytorch.nn.Linear(784, 100), mytorch.nn.ReLU(), mytorch.nn.Linear(100, 10))
        opt = mytorch.optim.Adam(model.parameters())
        for _ in range(3):
            opt.zero_grad()
            mytorch.nn.functional.cross_entropy(model(x), y).backward()
            opt.step()
        results.append([p._data.copy() for p in model.parameters()])
    assert all(np.array_equal(p, q) for p, q in zip(*results))
