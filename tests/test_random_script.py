"""A seeded training script run unchanged in PyTorch and in mytorch prints the same losses.

The script seeds, builds an MLP with the default initialisation and Dropout, shuffles with
``DataLoader(shuffle=True)`` and takes SGD steps: every random number (weights, masks, batch
order) is drawn by each library's own generator. The draws must be identical; the losses equal up
to the two BLAS libraries' different summation orders (1e-12 relative in float64, 1e-6 in float32).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import mytorch

X = np.random.default_rng(0).standard_normal((200, 20))
Y = np.random.default_rng(1).integers(0, 3, 200)


def seeded_script(lib, dtype: str, steps: int = 20):
    """The script, written once for both libraries (``lib`` is torch or mytorch)."""
    lib.manual_seed(0)
    dt = getattr(lib, dtype)
    model = lib.nn.Sequential(lib.nn.Linear(20, 32), lib.nn.ReLU(), lib.nn.Dropout(0.25), lib.nn.Linear(32, 3)).to(dt)
    initial = [p.detach().clone() for p in model.parameters()]
    data = lib.utils.data.TensorDataset(lib.tensor(X, dtype=dt), lib.tensor(Y))
    loader = lib.utils.data.DataLoader(data, batch_size=32, shuffle=True)
    opt = lib.optim.SGD(model.parameters(), lr=0.1)
    loss_fn = lib.nn.CrossEntropyLoss()
    losses, orders = [], []
    while len(losses) < steps:
        for xb, yb in loader:
            orders.append(yb.tolist())
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
            losses.append(loss.item())
            if len(losses) == steps:
                break
    return initial, orders, losses, lib.rand(4)


@pytest.mark.parametrize("dtype, rtol", [("float64", 1e-12), ("float32", 1e-6)])
def test_seeded_mlp_script_prints_the_same_losses(dtype, rtol):
    t_init, t_orders, t_losses, t_after = seeded_script(torch, dtype)
    m_init, m_orders, m_losses, m_after = seeded_script(mytorch, dtype)
    for a, b in zip(t_init, m_init):  # the default initialisation, bit for bit
        assert a.numpy().tobytes() == b.numpy().tobytes()
    assert t_orders == m_orders  # the shuffled batches (labels identify the order)
    np.testing.assert_allclose(m_losses, t_losses, rtol=rtol, atol=0)
    assert t_after.numpy().tobytes() == m_after.numpy().tobytes()  # the generators end in the same place


def test_dropout_masks_match_inside_training():
    """The masks themselves, for a model in training mode: the zero pattern of the hidden activations."""
    masks = []
    for lib in (torch, mytorch):
        lib.manual_seed(3)
        drop = lib.nn.Dropout(0.5)
        x = lib.ones(64, 50)
        masks.append([(drop(x) == 0).numpy() for _ in range(3)])
    assert all(np.array_equal(a, b) for a, b in zip(*masks))


def quickstart_losses(lib, images: np.ndarray, labels: np.ndarray, batches: int = 201):
    """PyTorch's quickstart loop (Flatten, 784-512-512-10, SGD lr 1e-3, batch 64) with a shuffled loader."""
    lib.manual_seed(0)
    model = lib.nn.Sequential(lib.nn.Flatten(), lib.nn.Linear(28 * 28, 512), lib.nn.ReLU(),
                              lib.nn.Linear(512, 512), lib.nn.ReLU(), lib.nn.Linear(512, 10))
    data = lib.utils.data.TensorDataset(lib.from_numpy(images), lib.from_numpy(labels))
    loader = lib.utils.data.DataLoader(data, batch_size=64, shuffle=True)
    loss_fn = lib.nn.CrossEntropyLoss()
    opt = lib.optim.SGD(model.parameters(), lr=1e-3)
    printed = []
    for batch, (x, y) in enumerate(loader):
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        opt.zero_grad()
        if batch % 100 == 0:
            printed.append(loss.item())  # the quickstart prints f"loss: {loss:>7f}" here
        if batch + 1 == batches:
            break
    return printed


@pytest.mark.slow  # end to end: the full training set and 101 steps of a 784-512-512-10 MLP in both libraries
def test_quickstart_on_fashion_mnist_prints_the_same_first_losses():
    from mytorch.datasets import FashionMNIST

    train = FashionMNIST(train=True)
    images = (np.asarray(train.data, dtype=np.float32) / np.float32(255.0))[:, None]  # ToTensor's scaling
    labels = np.asarray(train.targets, dtype=np.int64)
    ours = quickstart_losses(mytorch, images, labels, batches=101)
    theirs = quickstart_losses(torch, images, labels, batches=101)
    assert len(ours) == len(theirs) == 2
    np.testing.assert_allclose(ours, theirs, rtol=1e-5)  # float32 through two BLAS libraries
