"""datasets.ImageFolder / DatasetFolder on a class-per-folder tree built in the test (torchvision's rules)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import mytorch
from mytorch import transforms as T
from mytorch.datasets import DatasetFolder, ImageFolder, find_classes, make_dataset
from mytorch.io import ImageDecodeError
from mytorch.utils.data import DataLoader


def _tree(root, layout: dict[str, list[str]], size=(6, 5)) -> None:
    rng = np.random.default_rng(0)
    for cls, files in layout.items():
        for rel in files:
            path = root / cls / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if rel.endswith((".png", ".jpg", ".JPEG", ".bmp")):
                arr = rng.integers(0, 256, size=(size[1], size[0], 3), dtype=np.uint8)
                Image.fromarray(arr).convert("L" if "gray" in rel else "RGB").save(path)
            else:
                path.write_text("not an image")


LAYOUT = {"dog": ["b.png", "a.jpg", "nested/c.png", "notes.txt"], "cat": ["x.JPEG", "gray.png"],
          "bird": ["y.bmp"]}


def test_classes_samples_and_targets(tmp_path):
    _tree(tmp_path, LAYOUT)
    (tmp_path / "stray.png").write_bytes(b"")  # files in the root are not samples
    ds = ImageFolder(tmp_path)
    assert ds.classes == ["bird", "cat", "dog"]
    assert ds.class_to_idx == {"bird": 0, "cat": 1, "dog": 2}
    rel = [(os.path.relpath(p, tmp_path), t) for p, t in ds.samples]
    assert rel == [("bird/y.bmp", 0), ("cat/gray.png", 1), ("cat/x.JPEG", 1), ("dog/a.jpg", 2), ("dog/b.png", 2),
                   (os.path.join("dog", "nested", "c.png"), 2)]
    assert ds.targets == [0, 1, 1, 2, 2, 2] and ds.imgs is ds.samples and len(ds) == 6
    img, target = ds[1]
    assert isinstance(img, Image.Image) and img.mode == "RGB" and img.size == (6, 5) and target == 1
    assert "Number of datapoints: 6" in repr(ds)
    assert find_classes(tmp_path) == (ds.classes, ds.class_to_idx)


def test_transforms_and_loader_batches(tmp_path):
    _tree(tmp_path, LAYOUT)
    aug = T.Compose([T.RandomResizedCrop(4), T.RandomHorizontalFlip(), T.ToTensor()])
    ds = ImageFolder(tmp_path, transform=aug, target_transform=lambda t: t * 10)
    mytorch.manual_seed(0)
    x, y = next(iter(DataLoader(ds, batch_size=4, shuffle=True)))
    assert tuple(x.shape) == (4, 3, 4, 4) and x.dtype == mytorch.float32
    assert y.dtype == mytorch.int64 and set(y.tolist()) <= {0, 10, 20}
    mytorch.manual_seed(0)
    x2, _ = next(iter(DataLoader(ds, batch_size=4, shuffle=True)))
    np.testing.assert_array_equal(x.numpy(), x2.numpy())


def test_extensions_is_valid_file_loader_and_allow_empty(tmp_path):
    _tree(tmp_path, LAYOUT)
    only_png = ImageFolder(tmp_path, is_valid_file=lambda p: p.endswith(".png"), allow_empty=True)
    assert [os.path.basename(p) for p, _ in only_png.samples] == ["gray.png", "b.png", "c.png"]
    with pytest.raises(FileNotFoundError, match="Found no valid file for the classes bird"):
        ImageFolder(tmp_path, is_valid_file=lambda p: p.endswith(".png"))
    texts = DatasetFolder(tmp_path, loader=lambda p: Path(p).read_text(), extensions=(".txt",), allow_empty=True)
    assert texts.samples == [(str(tmp_path / "dog" / "notes.txt"), 2)] and texts[0] == ("not an image", 2)
    with pytest.raises(FileNotFoundError, match="Supported extensions are: .txt"):
        DatasetFolder(tmp_path, loader=open, extensions=".txt")
    with pytest.raises(ValueError, match="cannot be None or not None at the same time"):
        DatasetFolder(tmp_path, loader=open)
    with pytest.raises(ValueError, match="at the same time"):
        make_dataset(tmp_path, extensions=".png", is_valid_file=lambda p: True)
    with pytest.raises(ValueError, match="at least one entry"):
        make_dataset(tmp_path, class_to_idx={}, extensions=".png")
    subset = make_dataset(tmp_path, {"cat": 0}, extensions=".png")
    assert subset == [(str(tmp_path / "cat" / "gray.png"), 0)]


def test_find_classes_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="Couldn't find any class folder"):
        find_classes(tmp_path)
    with pytest.raises(FileNotFoundError, match="no such directory"):
        ImageFolder(tmp_path / "missing")


def test_damaged_image_names_the_file(tmp_path):
    _tree(tmp_path, {"a": ["ok.png"], "b": ["bad.png"]})
    good = (tmp_path / "a" / "ok.png").read_bytes()
    (tmp_path / "b" / "bad.png").write_bytes(good[: len(good) // 2])
    ds = ImageFolder(tmp_path)
    assert ds[0][0].size == (6, 5)
    with pytest.raises(ImageDecodeError, match=r"bad\.png"):
        ds[1]
