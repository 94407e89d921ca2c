"""MNIST / FashionMNIST: the real Fashion-MNIST from Debian's package, root resolution, bad files."""

from __future__ import annotations

import gzip
import os

import numpy as np
import pytest

import mytorch
from mytorch import transforms as T
from mytorch.datasets import MNIST, FashionMNIST, write_idx
from mytorch.utils.data import DataLoader

DEBIAN = "/usr/share/datasets/fashion-mnist"


def make_idx_dir(root, n_train=6, n_test=4, gz=False, seed=0):
    """Write the four MNIST files (random images, labels 0-9) into ``root``; returns the arrays."""
    rng = np.random.default_rng(seed)
    os.makedirs(root, exist_ok=True)
    arrays = {}
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, n, dtype=np.uint8)
        suffix = ".gz" if gz else ""
        write_idx(os.path.join(root, f"{prefix}-images-idx3-ubyte{suffix}"), images)
        write_idx(os.path.join(root, f"{prefix}-labels-idx1-ubyte{suffix}"), labels)
        arrays[prefix] = (images, labels)
    return arrays


def direct_parse(path: str, offset: int) -> np.ndarray:
    """The bytes after the header, read without mytorch: the reference for the real files."""
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=offset)


# ------------------------------------------------------------------ the real Fashion-MNIST
@pytest.fixture(scope="module")
def fashion():
    return FashionMNIST(root=DEBIAN, train=True), FashionMNIST(root=DEBIAN, train=False)


def test_fashion_mnist_matches_a_direct_parse(fashion):
    for ds, prefix, n in zip(fashion, ("train", "t10k"), (60_000, 10_000)):
        assert len(ds) == n
        # torchvision's types: a uint8 tensor of images, an int64 tensor of labels
        assert isinstance(ds.data, mytorch.Tensor) and isinstance(ds.targets, mytorch.Tensor)
        assert ds.data.shape == (n, 28, 28) and ds.data.dtype == mytorch.uint8
        assert ds.targets.shape == (n,) and ds.targets.dtype == mytorch.int64
        pixels = direct_parse(f"{DEBIAN}/{prefix}-images-idx3-ubyte.gz", 16)
        labels = direct_parse(f"{DEBIAN}/{prefix}-labels-idx1-ubyte.gz", 8)
        np.testing.assert_array_equal(ds.data.reshape(-1), pixels)
        np.testing.assert_array_equal(ds.targets, labels)
        # Fashion-MNIST is balanced: n / 10 of each class.
        np.testing.assert_array_equal(np.bincount(ds.targets), [n // 10] * 10)


def test_fashion_mnist_items(fashion):
    train, _ = fashion
    image, label = train[123]
    assert image.shape == (1, 28, 28) and image.dtype == np.float32
    assert image.min() >= 0.0 and image.max() <= 1.0
    assert isinstance(label, int) and label == train.targets[123]
    np.testing.assert_array_equal(image[0], train.data[123].numpy().astype(np.float32) / np.float32(255))
    assert train.classes[0] == "T-shirt/top" and train.class_to_idx["Ankle boot"] == 9
    assert "Number of datapoints: 60000" in repr(train)


def test_fashion_mnist_loader_batches(fashion):
    _, test = fashion
    mytorch.manual_seed(0)
    loader = DataLoader(test, batch_size=100, shuffle=True)
    assert len(loader) == 100
    x, y = next(iter(loader))
    assert x.shape == (100, 1, 28, 28) and x.dtype == mytorch.float32 and y.dtype == mytorch.int64
    # The one-fancy-index batch equals the per-item samples.
    mytorch.manual_seed(0)
    mytorch.empty((), dtype=mytorch.int64).random_()  # as torch, each iter() of a DataLoader draws a base seed first
    order = mytorch.utils.data.RandomSampler(test)._epoch_indices()[:100]
    np.testing.assert_array_equal(x.numpy(), np.stack([test[i][0] for i in order]))
    np.testing.assert_array_equal(y.numpy(), [test[i][1] for i in order])


def test_default_root_finds_the_debian_package(monkeypatch):
    monkeypatch.delenv("MYTORCH_DATA", raising=False)
    ds = FashionMNIST(train=False)
    assert ds.root == DEBIAN and len(ds) == 10_000


# ------------------------------------------------------------------ roots and fixtures
@pytest.mark.parametrize("gz", [False, True])
def test_root_with_fixture_files(tmp_path, gz):
    arrays = make_idx_dir(tmp_path, gz=gz)
    for train, prefix in ((True, "train"), (False, "t10k")):
        ds = MNIST(root=tmp_path, train=train)
        images, labels = arrays[prefix]
        np.testing.assert_array_equal(ds.data, images)
        np.testing.assert_array_equal(ds.targets, labels)
        assert len(ds) == len(labels) and ds.root == str(tmp_path)


def test_torchvision_layout_and_env_root(tmp_path, monkeypatch):
    make_idx_dir(tmp_path / "FashionMNIST" / "raw", n_train=3)
    assert len(FashionMNIST(root=tmp_path)) == 3
    make_idx_dir(tmp_path / "env" / "fashion-mnist", n_train=5)
    monkeypatch.setenv("MYTORCH_DATA", str(tmp_path / "env"))
    ds = FashionMNIST()  # $MYTORCH_DATA/<name> comes before the system package
    assert len(ds) == 5 and ds.root == str(tmp_path / "env" / "fashion-mnist")


def test_missing_dataset_says_where_it_looked_and_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setenv("MYTORCH_DATA", str(tmp_path / "nothing"))
    monkeypatch.setattr(FashionMNIST, "system_dirs", (str(tmp_path / "not-installed"),))
    with pytest.raises(FileNotFoundError) as info:
        FashionMNIST()
    msg = str(info.value)
    assert str(tmp_path / "nothing" / "fashion-mnist") in msg and str(tmp_path / "not-installed") in msg
    assert "train-images-idx3-ubyte[.gz]" in msg
    assert "apt-get install dataset-fashion-mnist" in msg and "root=" in msg and "download=True" in msg
    with pytest.raises(FileNotFoundError, match="MNIST .test split. not found"):
        MNIST(root=tmp_path, train=False)


def test_download_without_destination_is_refused(monkeypatch):
    monkeypatch.delenv("MYTORCH_DATA", raising=False)
    with pytest.raises(ValueError, match="needs somewhere to write"):
        MNIST(download=True)


def test_count_mismatch_and_wrong_shapes(tmp_path):
    make_idx_dir(tmp_path)
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.zeros(5, np.uint8))
    with pytest.raises(ValueError, match="holds 6 images but .*train-labels-idx1-ubyte holds 5 labels"):
        MNIST(root=tmp_path)
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.zeros((6, 1), np.uint8))
    with pytest.raises(ValueError, match="expected uint8 labels of shape"):
        MNIST(root=tmp_path)
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.full(6, 10, np.uint8))
    with pytest.raises(ValueError, match="label 10 is out of range for 10 classes"):
        MNIST(root=tmp_path)
    write_idx(tmp_path / "train-images-idx3-ubyte", np.zeros((6, 784), np.uint8))
    with pytest.raises(ValueError, match="expected uint8 images of shape"):
        MNIST(root=tmp_path)


def test_corrupt_file_is_a_value_error_naming_it(tmp_path):
    make_idx_dir(tmp_path)
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:-1])
    with pytest.raises(ValueError, match="train-images-idx3-ubyte.*truncated"):
        MNIST(root=tmp_path)


def test_transforms_and_loader_per_item_path(tmp_path):
    make_idx_dir(tmp_path, n_train=10)
    plain = MNIST(root=tmp_path)
    ds = MNIST(root=tmp_path, transform=T.Compose([T.ToTensor(), T.Normalize((0.5,), (0.25,))]),
               target_transform=lambda y: y + 100)
    image, label = ds[3]
    np.testing.assert_allclose(image.numpy(), (plain[3][0] - 0.5) / 0.25, rtol=1e-6)
    assert label == plain[3][1] + 100
    assert ds._fetch_batch(np.arange(3)) is None  # transforms need the per-item path
    x, y = next(iter(DataLoader(ds, batch_size=10)))
    assert x.shape == (10, 1, 28, 28) and (y.numpy() >= 100).all()
    with_tensor = MNIST(root=tmp_path, transform=T.ToTensor())
    assert isinstance(with_tensor[0][0], mytorch.Tensor)
    assert next(iter(DataLoader(with_tensor, batch_size=4)))[0].shape == (4, 1, 28, 28)
