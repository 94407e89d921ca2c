"""mytorch.utils.make_grid / save_image (torchvision.utils' rules) and the datasets' .data / .targets types."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from PIL import Image

import mytorch
from mytorch.datasets import CIFAR10, FashionMNIST
from mytorch.utils import make_grid, save_image
from mytorch.utils.data import DataLoader
from test_data_cifar import make_cifar

DEBIAN = "/usr/share/datasets/fashion-mnist"


def torch_grid(t, nrow=8, padding=2, normalize=False, value_range=None, scale_each=False, pad_value=0.0):
    """torchvision.utils.make_grid's documented algorithm, written with torch ops."""
    if t.dim() == 3:
        t = t.unsqueeze(0)
    if t.size(1) == 1:
        t = torch.cat((t, t, t), 1)
    if normalize:
        t = t.clone()
        imgs = list(t) if scale_each else [t]
        for img in imgs:
            low, high = value_range if value_range is not None else (float(img.min()), float(img.max()))
            img.clamp_(min=low, max=high).sub_(low).div_(max(high - low, 1e-5))
    if t.size(0) == 1:
        return t.squeeze(0)
    n = t.size(0)
    cols = min(nrow, n)
    rows = int(math.ceil(n / cols))
    h, w = t.size(2) + padding, t.size(3) + padding
    grid = t.new_full((t.size(1), h * rows + padding, w * cols + padding), pad_value)
    k = 0
    for y in range(rows):
        for x in range(cols):
            if k >= n:
                break
            grid.narrow(1, y * h + padding, h - padding).narrow(2, x * w + padding, w - padding).copy_(t[k])
            k += 1
    return grid


@pytest.mark.parametrize("kwargs", [{}, {"nrow": 3}, {"padding": 0}, {"nrow": 5, "padding": 1, "pad_value": 0.5},
                                    {"normalize": True}, {"normalize": True, "scale_each": True},
                                    {"normalize": True, "value_range": (-1.0, 1.0)}])
def test_make_grid_matches_torchvision_rules(kwargs):
    x = np.random.default_rng(0).normal(size=(7, 3, 4, 5)).astype(np.float32)
    ours = make_grid(mytorch.from_numpy(x), **kwargs)
    theirs = torch_grid(torch.from_numpy(x), **kwargs)
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6, atol=1e-7)


def test_make_grid_inputs():
    gray = mytorch.rand(5, 1, 6, 6)
    assert tuple(make_grid(gray, nrow=5).shape) == (3, 10, 42)  # grey becomes RGB
    assert tuple(make_grid([mytorch.rand(3, 4, 4)] * 3).shape) == (3, 8, 20)
    single = mytorch.rand(1, 4, 4)
    assert tuple(make_grid(single).shape) == (3, 4, 4)  # one image: no padding
    u8 = make_grid(mytorch.ones(2, 3, 2, 2, dtype=mytorch.uint8), pad_value=7)
    assert u8.dtype == mytorch.uint8 and u8.numpy()[0, 0, 0] == 7
    w = mytorch.rand(2, 3, 2, 2, requires_grad=True)
    assert not make_grid(w).requires_grad
    with pytest.raises(TypeError, match="value_range has to be a tuple"):
        make_grid(gray, normalize=True, value_range=[0, 1])
    with pytest.raises(ValueError, match="one shape"):
        make_grid([mytorch.rand(3, 4, 4), mytorch.rand(3, 5, 4)])


def test_save_image_rounds_as_torchvision(tmp_path):
    x = mytorch.rand(4, 3, 5, 5)
    save_image(x, tmp_path / "g.png", nrow=2)
    got = np.asarray(Image.open(tmp_path / "g.png"))
    grid = torch_grid(torch.from_numpy(x.numpy()), nrow=2)
    want = grid.mul(255).add_(0.5).clamp_(0, 255).permute(1, 2, 0).to(torch.uint8).numpy()
    np.testing.assert_array_equal(got, want)
    with open(tmp_path / "g.jpg", "wb") as f:
        save_image(x[0], f, format="JPEG")
    assert Image.open(tmp_path / "g.jpg").size == (5, 5)


def test_mnist_data_and_targets_are_tensors_as_torchvision():
    ds = FashionMNIST(DEBIAN, train=False)
    assert ds.data.dtype == mytorch.uint8 and tuple(ds.data.shape) == (10_000, 28, 28)
    assert ds.targets.dtype == mytorch.int64 and tuple(ds.targets.shape) == (10_000,)
    flat = ds.data.view(-1, 28 * 28).float() / 255  # the tutorials' forms
    assert tuple(flat.shape) == (10_000, 784) and tuple(ds.data.unsqueeze(1).shape) == (10_000, 1, 28, 28)
    image, label = ds[3]
    np.testing.assert_array_equal(image[0], ds.data[3].numpy() / np.float32(255))
    assert label == ds.targets[3].item()
    # A subset or a relabelling by assignment is what items and batches serve, as in torchvision.
    keep = ds.targets < 2
    ds.data, ds.targets = ds.data[keep], ds.targets[keep]
    assert len(ds) == 2000 and set(ds.targets.tolist()) == {0, 1}
    x, y = next(iter(DataLoader(ds, batch_size=64)))
    assert tuple(x.shape) == (64, 1, 28, 28) and set(y.tolist()) <= {0, 1}
    ds.targets[:] = 1  # in place, through the tensor
    assert ds[0][1] == 1
    with pytest.raises(ValueError, match="uint8 images"):
        ds.data = np.zeros((3, 28, 28), np.float32)


def test_cifar_data_is_an_array_and_targets_a_list(tmp_path):
    make_cifar(tmp_path)
    ds = CIFAR10(tmp_path, train=True)
    assert isinstance(ds.data, np.ndarray) and ds.data.shape == (20, 32, 32, 3) and ds.data.dtype == np.uint8
    assert isinstance(ds.targets, list) and all(type(t) is int for t in ds.targets)
    ds.targets[0] = 9  # edited in place, as torchvision users do
    assert ds[0][1] == 9
    _, y = next(iter(DataLoader(ds, batch_size=4)))
    assert y.tolist()[0] == 9
    ds.data, ds.targets = ds.data[:6], ds.targets[:6]
    assert len(ds) == 6
