"""mytorch.transforms against their definitions (and torch's arithmetic where it applies)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import mytorch
from mytorch import transforms as T


def image(c=3, h=5, w=7, seed=0) -> np.ndarray:
    return np.random.default_rng(seed).random((c, h, w), dtype=np.float32)


def test_normalize_matches_definition():
    x = image()
    mean, std = (0.1, 0.2, 0.3), (0.5, 0.25, 2.0)
    out = T.Normalize(mean, std)(x)
    expected = (torch.from_numpy(x) - torch.tensor(mean)[:, None, None]) / torch.tensor(std)[:, None, None]
    assert isinstance(out, np.ndarray) and out.dtype == np.float32
    np.testing.assert_array_equal(out, expected.numpy())
    as_tensor = T.Normalize(mean, std)(mytorch.tensor(x))
    assert isinstance(as_tensor, mytorch.Tensor)
    np.testing.assert_array_equal(as_tensor.numpy(), out)
    np.testing.assert_array_equal(T.Normalize(0.5, 0.5)(x), (x - np.float32(0.5)) / np.float32(0.5))
    y = x.copy()
    assert T.Normalize(mean, std, inplace=True)(y) is y
    np.testing.assert_array_equal(y, out)


def test_normalize_errors():
    with pytest.raises(ValueError, match="division by zero"):
        T.Normalize((0.0,), (0.0,))
    with pytest.raises(TypeError, match="float image, got uint8"):
        T.Normalize((0.5,), (0.5,))(np.zeros((1, 2, 2), np.uint8))
    with pytest.raises(ValueError, match="mean has 2 values for an image with 3 channels"):
        T.Normalize((0.5, 0.5), (0.5,))(image())


def test_horizontal_flip():
    x = image()
    np.testing.assert_array_equal(T.RandomHorizontalFlip(p=1.0)(x), torch.flip(torch.from_numpy(x), [-1]).numpy())
    assert T.RandomHorizontalFlip(p=0.0)(x) is x
    flipped = T.RandomHorizontalFlip(p=1.0)(mytorch.tensor(x))
    assert isinstance(flipped, mytorch.Tensor)
    np.testing.assert_array_equal(flipped.numpy(), x[..., ::-1])
    with pytest.raises(ValueError):
        T.RandomHorizontalFlip(p=1.5)


def test_horizontal_flip_draws_from_mytorch_generator():
    flip = T.RandomHorizontalFlip(p=0.3)
    x = image(1, 2, 3)
    mytorch.manual_seed(5)
    outcomes = [not np.array_equal(flip(x), x) for _ in range(2000)]
    mytorch.manual_seed(5)
    # torchvision's definition: flip when rand(1) < p, one draw per call
    assert outcomes == [bool(mytorch.rand(1).item() < 0.3) for _ in range(2000)]
    assert 0.25 < np.mean(outcomes) < 0.35


def test_random_crop_is_a_window_of_the_zero_padded_image():
    x = image(2, 6, 6)
    crop = T.RandomCrop(6, padding=3)  # seed 002's RandomCrop(padding=3)
    padded = np.pad(x, ((0, 0), (3, 3), (3, 3)))
    mytorch.manual_seed(9)
    outs = [crop(x) for _ in range(400)]
    mytorch.manual_seed(9)
    offsets = set()
    for out in outs:
        # torchvision's draws, in order: randint(0, H - h + 1, size=(1,)) for the top, then the left
        i, j = (mytorch.randint(0, 7, size=(1,)).item() for _ in range(2))
        np.testing.assert_array_equal(out, padded[:, i : i + 6, j : j + 6])
        offsets.add((i, j))
    assert len(offsets) == 49  # every shift in [-3, 3]² occurs


def test_random_crop_sizes_padding_forms_and_errors():
    x = image(1, 8, 10)
    assert T.RandomCrop((4, 5))(x).shape == (1, 4, 5)
    assert T.RandomCrop(8, padding=(1, 2))(x).shape == (1, 8, 8)  # pads 1 left/right, 2 top/bottom
    out = T.RandomCrop((12, 12), padding=(1, 2, 1, 2))(x)  # left, top, right, bottom: exactly the padded image
    np.testing.assert_array_equal(out, np.pad(x, ((0, 0), (2, 2), (1, 1))))
    state = mytorch.get_rng_state()
    T.RandomCrop((8, 10))(x)
    assert mytorch.get_rng_state().equal(state)  # nothing to choose: no draw (torchvision)
    t = T.RandomCrop(4, padding=1)(mytorch.tensor(x))
    assert isinstance(t, mytorch.Tensor) and t.shape == (1, 4, 4)
    with pytest.raises(ValueError, match="larger than the"):
        T.RandomCrop(9)(x)
    with pytest.raises(ValueError, match="padding must be"):
        T.RandomCrop(4, padding=(1, 2, 3))


def test_compose_and_lambda():
    pipeline = T.Compose([T.Lambda(lambda a: a + 1), T.Lambda(lambda a: a * 2)])
    np.testing.assert_array_equal(pipeline(np.zeros((1, 1, 1), np.float32)), [[[2.0]]])
    assert "Lambda()" in repr(pipeline)
    with pytest.raises(TypeError, match="callable"):
        T.Lambda(3)
    mytorch.manual_seed(1)
    aug = T.Compose([T.RandomCrop(5, padding=2), T.RandomHorizontalFlip()])  # (C, H, W) arrays: an extension
    first = aug(image(3, 5, 5))
    mytorch.manual_seed(1)
    np.testing.assert_array_equal(aug(image(3, 5, 5)), first)  # same seed, same augmentation
