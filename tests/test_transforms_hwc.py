"""torchvision's NumPy rule in ToTensor / ToPILImage, and the image datasets handing a transform PIL images.

torchvision is not installable beside torch here, so its rules are written down as facts and the
expected tensors are computed with torch from the same NumPy data:

* ``to_tensor(a)``: ``a`` is (H, W, C) or (H, W); ``torch.from_numpy(a.transpose(2, 0, 1)).contiguous()``,
  then uint8 → ``.to(default float dtype).div(255)``; every other dtype is returned as it is.
* ``to_pil_image``: a tensor is (C, H, W), an array (H, W, C); floats (unless mode "F") become
  ``(x * 255).astype(uint8)`` (``mul(255).byte()`` for tensors); one channel's mode comes from the
  dtype, 2/3/4 channels of uint8 are LA/RGB/RGBA.
* MNIST/FashionMNIST hand ``transform`` ``Image.fromarray(img, mode="L")``, CIFAR10 an RGB image.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch
from PIL import Image

import mytorch
from mytorch import transforms as T
from mytorch.datasets import CIFAR10, MNIST
from mytorch.train.recipe import cifar_augmentation
from mytorch.utils.data import DataLoader
from test_data_cifar import make_cifar
from test_data_mnist import make_idx_dir

RNG = np.random.default_rng(22)
HWC_U8 = RNG.integers(0, 256, (5, 7, 3), dtype=np.uint8)


def torch_to_tensor(a: np.ndarray, default=torch.float32) -> torch.Tensor:
    """torchvision's ndarray branch of to_tensor, written out with torch."""
    hwc = a[:, :, None] if a.ndim == 2 else a
    img = torch.from_numpy(np.ascontiguousarray(hwc).transpose(2, 0, 1)).contiguous()
    return img.to(default).div(255) if img.dtype == torch.uint8 else img


# ------------------------------------------------------------------ ToTensor on arrays
@pytest.mark.parametrize("shape", [(5, 7, 3), (5, 7, 1), (5, 7, 4), (5, 7)])
def test_to_tensor_uint8_is_hwc_divided_by_255(shape):
    a = RNG.integers(0, 256, shape, dtype=np.uint8)
    t = T.ToTensor()(a)
    expected = torch_to_tensor(a)
    assert isinstance(t, mytorch.Tensor) and t.dtype == mytorch.float32 and tuple(t.shape) == tuple(expected.shape)
    np.testing.assert_array_equal(t.numpy(), expected.numpy())
    np.testing.assert_array_equal(T.functional.to_tensor(a).numpy(), expected.numpy())


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16, np.bool_, np.int16, np.int32, np.int8])
@pytest.mark.parametrize("shape", [(4, 6, 3), (4, 6)])
def test_to_tensor_other_dtypes_keep_values_and_dtype(dtype, shape):
    a = (RNG.standard_normal(shape) * 100).astype(dtype)
    t = T.ToTensor()(a)
    expected = torch_to_tensor(a)
    assert str(t.dtype).split(".")[-1] == str(expected.dtype).split(".")[-1]  # float64 stays float64, bool bool, ...
    assert tuple(t.shape) == tuple(expected.shape)
    np.testing.assert_array_equal(t.numpy(), expected.numpy())
    # memory: shared exactly when torch's contiguous() needs no copy (one channel), as torch.from_numpy
    assert np.shares_memory(t.numpy(), a) == np.shares_memory(expected.numpy(), a)


def test_to_tensor_follows_the_default_dtype_and_pil_agrees_with_its_array():
    previous = mytorch.get_default_dtype()
    mytorch.set_default_dtype(mytorch.float64)
    try:
        t = T.ToTensor()(HWC_U8)
    finally:
        mytorch.set_default_dtype(previous)
    assert t.dtype == mytorch.float64
    np.testing.assert_array_equal(t.numpy(), torch_to_tensor(HWC_U8, torch.float64).numpy())
    for img in (Image.fromarray(HWC_U8), Image.fromarray(HWC_U8[:, :, 0]), Image.fromarray(HWC_U8).convert("RGBA")):
        np.testing.assert_array_equal(T.ToTensor()(img).numpy(), torch_to_tensor(np.array(img)).numpy())


def test_to_tensor_refuses_what_torchvision_refuses():
    with pytest.raises(TypeError, match="PIL Image or a NumPy array .*got Tensor"):  # torchvision: TypeError too
        T.ToTensor()(mytorch.zeros(3, 4, 4))
    with pytest.raises(TypeError, match="got list"):
        T.ToTensor()([[1, 2]])
    for shape in [(2, 3, 4, 5), (6,)]:
        with pytest.raises(ValueError, match=re.escape(f"(H, W) or (H, W, C), got shape {shape}")):
            T.ToTensor()(np.zeros(shape, np.uint8))
    with pytest.raises(TypeError, match="uint16 is not supported by mytorch"):
        T.ToTensor()(np.zeros((2, 2), np.uint16))


# ------------------------------------------------------------------ ToPILImage
def test_to_pil_image_reads_arrays_hwc_and_tensors_chw():
    for a, mode in [(HWC_U8, "RGB"), (HWC_U8[:, :, 0], "L"), (HWC_U8[:, :, :1], "L"), (HWC_U8[:, :, :2], "LA"),
                    (np.dstack([HWC_U8, HWC_U8[:, :, :1]]), "RGBA")]:
        img = T.ToPILImage()(a)
        assert img.mode == mode and img.size == (7, 5)
        np.testing.assert_array_equal(np.asarray(img), a[:, :, 0] if a.ndim == 3 and a.shape[2] == 1 else a)
        chw = mytorch.from_numpy(np.ascontiguousarray(np.atleast_3d(a).transpose(2, 0, 1)))
        assert T.functional.to_pil_image(chw).tobytes() == img.tobytes()
    assert T.ToPILImage()(mytorch.from_numpy(HWC_U8[:, :, 0].copy())).mode == "L"  # a (H, W) tensor


def test_to_pil_image_floats_are_mul_255_truncated():
    x = np.array([[0.0, 0.999, 1.0, 0.5], [0.25, 0.1, 0.75, 1 / 255]], np.float32)
    chw = np.stack([x, x[::-1], 1 - x])  # (3, 2, 4)
    expected = torch.from_numpy(chw).mul(255).byte().permute(1, 2, 0).numpy()  # torchvision's tensor rule
    np.testing.assert_array_equal(np.asarray(T.ToPILImage()(mytorch.from_numpy(chw))), expected)
    hwc64 = chw.transpose(1, 2, 0).astype(np.float64)
    np.testing.assert_array_equal(np.asarray(T.ToPILImage()(hwc64)), torch.from_numpy(hwc64).mul(255).byte().numpy())
    gray = T.ToPILImage()(x)
    assert gray.mode == "L" and np.asarray(gray).tolist() == [[0, 254, 255, 127], [63, 25, 191, 1]]
    as_f = T.ToPILImage("F")(x)  # mode "F" keeps float32 values
    assert as_f.mode == "F" and np.array_equal(np.asarray(as_f), x)


def test_to_pil_image_one_channel_mode_comes_from_the_dtype():
    small = RNG.integers(0, 3000, (3, 4))
    for dtype, mode in [(np.uint8, "L"), (np.int16, "I;16"), (np.int32, "I")]:
        a = small.astype(dtype) if dtype != np.uint8 else (small % 256).astype(np.uint8)
        img = T.ToPILImage()(a)
        assert img.mode == mode
        np.testing.assert_array_equal(np.asarray(img).astype(np.int64), a)
        assert T.ToPILImage(mode)(a).mode == mode
    with pytest.raises(ValueError, match="mode 'RGB' does not fit a 1-channel uint8 image; it should be 'L'"):
        T.ToPILImage("RGB")(HWC_U8[:, :, 0])
    with pytest.raises(ValueError, match="mode 'F' does not fit a 1-channel float64"):
        T.ToPILImage("F")(np.zeros((2, 2)))  # torchvision: F needs float32
    with pytest.raises(TypeError, match="1-channel image of dtype bool is not supported"):
        T.ToPILImage()(np.zeros((2, 2), bool))


def test_to_pil_image_modes_for_several_channels_label_the_same_bytes():
    for mode in ("YCbCr", "HSV"):
        img = T.ToPILImage(mode)(HWC_U8)
        assert img.mode == mode and np.array_equal(np.asarray(img), HWC_U8)  # no colour conversion
    four = np.dstack([HWC_U8, HWC_U8[:, :, :1]])
    for mode in ("RGBA", "CMYK", "RGBX"):
        assert T.ToPILImage(mode)(four).mode == mode and np.array_equal(np.asarray(T.ToPILImage(mode)(four)), four)
    with pytest.raises(ValueError, match=r"mode 'LAB' does not fit a 3-channel image; use one of \('RGB', 'YCbCr'"):
        T.ToPILImage("LAB")(HWC_U8)
    with pytest.raises(TypeError, match="3-channel image of dtype int32 is not supported"):
        T.ToPILImage()(HWC_U8.astype(np.int32))
    with pytest.raises(ValueError, match=r"1 to 4 channels, got 7 \(shape \(3, 5, 7\)"):
        T.ToPILImage()(np.zeros((3, 5, 7), np.uint8))  # a (C, H, W) array is read as (H, W, C)
    with pytest.raises(ValueError, match=r"2/3 dimensional, got shape \(1, 2, 3, 4\)"):
        T.ToPILImage()(np.zeros((1, 2, 3, 4), np.uint8))
    with pytest.raises(TypeError, match="got Image"):
        T.ToPILImage()(Image.fromarray(HWC_U8))


def test_round_trips():
    img = Image.fromarray(HWC_U8)
    assert T.ToPILImage()(T.ToTensor()(img)).tobytes() == img.tobytes()
    for a in (HWC_U8, HWC_U8[:, :, 0]):
        back = T.ToPILImage()(T.ToTensor()(a))  # k/255 in float32, times 255, truncated, is k again
        np.testing.assert_array_equal(np.asarray(back), a)
        np.testing.assert_array_equal(T.ToTensor()(back).numpy(), torch_to_tensor(a).numpy())


# ------------------------------------------------------------------ the datasets hand transforms PIL images
def test_mnist_hands_transform_an_L_image_and_pil_only_lambdas_work(tmp_path):
    images, _ = make_idx_dir(tmp_path, n_train=6)["train"]
    seen = []

    def rotate(img):
        seen.append((img.mode, img.size))
        return img.rotate(90)  # a PIL-only method: torchvision's datasets hand over PIL images

    ds = MNIST(tmp_path, transform=T.Compose([rotate, T.ToTensor()]))
    x, _ = ds[2]
    assert seen == [("L", (28, 28))]
    np.testing.assert_array_equal(x.numpy(), torch_to_tensor(np.rot90(images[2]).copy()).numpy())
    plain = MNIST(tmp_path)  # no transform: the float32 (1, 28, 28) array in [0, 1], and the batch fast path
    np.testing.assert_array_equal(plain[2][0], torch_to_tensor(images[2]).numpy())
    batch = next(iter(DataLoader(MNIST(tmp_path, transform=T.ToTensor()), batch_size=6)))[0]
    np.testing.assert_array_equal(batch.numpy(), next(iter(DataLoader(plain, batch_size=6)))[0].numpy())
    mean, std = (0.1307,), (0.3081,)
    normed = MNIST(tmp_path, transform=T.Compose([T.ToTensor(), T.Normalize(mean, std)]))[4][0]
    expected = torch_to_tensor(images[4]).sub_(torch.tensor(mean)[:, None, None]).div_(torch.tensor(std)[:, None, None])
    np.testing.assert_array_equal(normed.numpy(), expected.numpy())
    with pytest.raises(TypeError, match=r"got a PIL image \(convert it first: Compose\(\[ToTensor\(\)"):
        MNIST(tmp_path, transform=T.Normalize(mean, std))[0]  # torchvision's Normalize refuses PIL images too


def expected_crop_flip(hwc: np.ndarray, size: int, seed: int) -> np.ndarray:
    """RandomCrop(size, padding=4) then RandomHorizontalFlip() then ToTensor, from torchvision's draws."""
    mytorch.manual_seed(seed)
    padded = np.pad(hwc, [(4, 4), (4, 4), (0, 0)])
    top = int(mytorch.randint(0, padded.shape[0] - size + 1, size=(1,)).item())
    left = int(mytorch.randint(0, padded.shape[1] - size + 1, size=(1,)).item())
    out = padded[top : top + size, left : left + size]
    if bool((mytorch.rand(1) < 0.5).item()):
        out = out[:, ::-1]
    return torch_to_tensor(out.copy()).numpy()


def test_augmentation_on_the_datasets_gives_torchvisions_pixels_and_the_recipes(tmp_path):
    make_idx_dir(tmp_path / "mnist", n_train=4)
    make_cifar(tmp_path / "cifar", per_batch=2)
    for ds_cls, root, size in ((MNIST, tmp_path / "mnist", 28), (CIFAR10, tmp_path / "cifar", 32)):
        aug = ds_cls(root, transform=T.Compose([T.RandomCrop(size, padding=4), T.RandomHorizontalFlip(),
                                                T.ToTensor()]))
        plain = ds_cls(root)
        recipe = cifar_augmentation(plain[0][0].shape)  # the train recipe's: on the (C, H, W) float arrays
        hwc = plain.data.numpy() if ds_cls is MNIST else plain.data
        for i, seed in ((0, 3), (1, 4), (1, 11)):
            expected = expected_crop_flip(np.atleast_3d(hwc[i]), size, seed)
            mytorch.manual_seed(seed)
            np.testing.assert_array_equal(aug[i][0].numpy(), expected)
            mytorch.manual_seed(seed)
            np.testing.assert_array_equal(recipe(plain[i][0]), expected)


def test_cifar_hands_transform_an_rgb_image(tmp_path):
    make_cifar(tmp_path, per_batch=2)
    ds = CIFAR10(tmp_path, transform=lambda img: img)
    img = ds[1][0]
    assert isinstance(img, Image.Image) and img.mode == "RGB" and img.size == (32, 32)
    np.testing.assert_array_equal(np.asarray(img), ds.data[1])
    ds.transform = lambda img: T.ToTensor()(img.transpose(Image.Transpose.FLIP_LEFT_RIGHT))
    np.testing.assert_array_equal(ds[1][0].numpy(), torch_to_tensor(ds.data[1][:, ::-1].copy()).numpy())
