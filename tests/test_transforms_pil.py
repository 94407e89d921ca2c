"""Transforms on PIL images and tensors as torchvision defines them: conversions, geometry, colour, random draws.

torchvision cannot be installed here; each check is its documented rule written out (or torch's
own op where one exists: padding modes, the grey formula), applied to the same pixels, and the
random transforms are replayed with the public calls torchvision makes, in its order.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from PIL import Image, ImageEnhance

import mytorch
from mytorch import transforms as T
from mytorch.transforms import functional as F

RNG = np.random.default_rng(0)
HWC = RNG.integers(0, 256, size=(9, 13, 3), dtype=np.uint8)


def pil(arr=HWC):
    return Image.fromarray(arr)


def chw_tensor(arr=HWC):
    return mytorch.from_numpy(np.ascontiguousarray(arr.transpose(2, 0, 1)))


def pixels(img) -> np.ndarray:
    """(C, H, W) pixels of a PIL image or tensor."""
    if isinstance(img, Image.Image):
        a = np.asarray(img)
        return a[None] if a.ndim == 2 else a.transpose(2, 0, 1)
    return img.numpy()


def test_conversions():
    t = T.ToTensor()(pil())
    assert t.dtype == mytorch.float32 and tuple(t.shape) == (3, 9, 13)
    np.testing.assert_array_equal(t.numpy(), torch.from_numpy(HWC).permute(2, 0, 1).float().div(255).numpy())
    gray = T.ToTensor()(pil().convert("L"))
    assert tuple(gray.shape) == (1, 9, 13)
    binary = T.ToTensor()(pil().convert("1"))
    assert set(np.unique(binary.numpy())) <= {0.0, 1.0}
    u8 = T.PILToTensor()(pil())
    assert u8.dtype == mytorch.uint8 and np.array_equal(u8.numpy(), HWC.transpose(2, 0, 1))
    back = T.ToPILImage()(u8)
    assert back.mode == "RGB" and np.array_equal(np.asarray(back), HWC)
    img = T.ToPILImage()(mytorch.tensor([[[0.0, 0.999, 1.0, 0.5]]]))
    assert img.mode == "L" and np.asarray(img).tolist() == [[0, 254, 255, 127]]  # x·255 truncated
    assert T.ToPILImage()(mytorch.zeros(4, 2, 2)).mode == "RGBA"
    assert T.ToPILImage()(mytorch.zeros(2, 2, 2)).mode == "LA"
    with pytest.raises(ValueError, match="mode 'RGB' does not fit a 1-channel"):
        T.ToPILImage("RGB")(mytorch.zeros(1, 2, 2))
    with pytest.raises(TypeError, match="PIL image"):
        T.PILToTensor()(u8)


def test_flips_and_crops_agree_between_pil_and_tensor():
    for f in (F.hflip, F.vflip, lambda x: F.crop(x, 2, 3, 5, 6), lambda x: F.crop(x, -2, 10, 6, 6),
              lambda x: F.center_crop(x, (4, 7)), lambda x: F.center_crop(x, (12, 16)),
              lambda x: F.center_crop(x, 5)):
        out_pil, out_t = f(pil()), f(chw_tensor())
        assert isinstance(out_pil, Image.Image) and isinstance(out_t, mytorch.Tensor)
        np.testing.assert_array_equal(pixels(out_pil), pixels(out_t))
    np.testing.assert_array_equal(pixels(F.hflip(pil())), HWC[:, ::-1].transpose(2, 0, 1))
    # Overhanging crops are zero-filled; centre crop top/left are round((H - h) / 2).
    assert not pixels(F.crop(chw_tensor(), -2, 10, 6, 6))[:, :2].any()
    np.testing.assert_array_equal(pixels(F.center_crop(chw_tensor(), (4, 7))),
                                  HWC.transpose(2, 0, 1)[:, 2:6, 3:10])
    big = pixels(F.center_crop(chw_tensor(), (12, 16)))  # padded (left 1, top 1, right 2, bottom 2)
    np.testing.assert_array_equal(big[:, 1:10, 1:14], HWC.transpose(2, 0, 1))


@pytest.mark.parametrize("mode,torch_mode", [("constant", "constant"), ("edge", "replicate"),
                                             ("reflect", "reflect"), ("symmetric", None)])
def test_pad_modes(mode, torch_mode):
    padding = (1, 2, 3, 4)  # left, top, right, bottom
    out = F.pad(chw_tensor(), padding, padding_mode=mode)
    np.testing.assert_array_equal(pixels(F.pad(pil(), padding, padding_mode=mode)), out.numpy())
    x = torch.from_numpy(HWC.transpose(2, 0, 1).astype(np.float64))
    if torch_mode is not None:
        want = torch.nn.functional.pad(x[None], (1, 3, 2, 4), mode=torch_mode)[0]
    else:  # symmetric: the mirror includes the border pixel
        want = torch.from_numpy(np.pad(x.numpy(), ((0, 0), (2, 4), (1, 3)), mode="symmetric"))
    np.testing.assert_array_equal(out.numpy(), want.numpy().astype(np.uint8))
    assert tuple(F.pad(chw_tensor(), 2).shape) == (3, 13, 17)
    assert tuple(F.pad(chw_tensor(), (2, 1)).shape) == (3, 11, 17)  # (left/right, top/bottom)


def test_pad_fill_per_channel_and_errors():
    out = pixels(T.Pad(1, fill=(10, 20, 30))(pil()))
    assert out[:, 0, 0].tolist() == [10, 20, 30] and np.array_equal(out[:, 1:-1, 1:-1], HWC.transpose(2, 0, 1))
    t = pixels(T.Pad(1, fill=7)(chw_tensor()))
    assert (t[:, 0] == 7).all()
    with pytest.raises(ValueError, match="padding_mode"):
        T.Pad(1, padding_mode="wrap")
    with pytest.raises(ValueError, match="padding must be"):
        T.Pad((1, 2, 3))


def test_random_crop_replays_torchvision_draws():
    crop = T.RandomCrop(8, padding=2, padding_mode="reflect")
    mytorch.manual_seed(3)
    outs = [crop(pil()) for _ in range(20)]
    mytorch.manual_seed(3)
    padded = np.pad(HWC, ((2, 2), (2, 2), (0, 0)), mode="reflect")
    for out in outs:
        i = mytorch.randint(0, 13 - 8 + 1, size=(1,)).item()
        j = mytorch.randint(0, 17 - 8 + 1, size=(1,)).item()
        np.testing.assert_array_equal(np.asarray(out), padded[i : i + 8, j : j + 8])
    grown = T.RandomCrop((12, 20), pad_if_needed=True, fill=255)(pil())  # pads width by 7 and height by 3 each side
    assert grown.size == (20, 12)
    with pytest.raises(ValueError, match="larger than"):
        T.RandomCrop(20)(pil())


def test_random_flips_replay_draws():
    mytorch.manual_seed(0)
    outs = [T.RandomVerticalFlip(0.5)(pil()) for _ in range(50)]
    mytorch.manual_seed(0)
    for out in outs:
        flipped = bool(mytorch.rand(1).item() < 0.5)
        np.testing.assert_array_equal(np.asarray(out), HWC[::-1] if flipped else HWC)


def _replay_rrc(height, width, scale, ratio):
    """torchvision's RandomResizedCrop.get_params written out with the same calls."""
    area = height * width
    log_ratio = mytorch.log(mytorch.tensor(list(ratio)))
    for _ in range(10):
        target = area * mytorch.empty(1).uniform_(scale[0], scale[1]).item()
        ar = mytorch.exp(mytorch.empty(1).uniform_(log_ratio[0].item(), log_ratio[1].item())).item()
        w, h = int(round(math.sqrt(target * ar))), int(round(math.sqrt(target / ar)))
        if 0 < w <= width and 0 < h <= height:
            return mytorch.randint(0, height - h + 1, size=(1,)).item(), mytorch.randint(
                0, width - w + 1, size=(1,)).item(), h, w
    return None


def test_random_resized_crop():
    rrc = T.RandomResizedCrop(6)
    mytorch.manual_seed(11)
    outs = [rrc(pil()) for _ in range(10)]
    params = []
    mytorch.manual_seed(11)
    for out in outs:
        i, j, h, w = _replay_rrc(9, 13, (0.08, 1.0), (3 / 4, 4 / 3))
        params.append((i, j, h, w))
        expected = pil().crop((j, i, j + w, i + h)).resize((6, 6), Image.BILINEAR)
        np.testing.assert_array_equal(np.asarray(out), np.asarray(expected))
    assert len(set(params)) > 5
    t = T.RandomResizedCrop((5, 7), scale=(0.5, 0.5))(chw_tensor())
    assert isinstance(t, mytorch.Tensor) and tuple(t.shape) == (3, 5, 7)
    # No window fits a 10:1 ratio in a 9x13 image: the fallback is the centred crop at the clamped ratio.
    i, j, h, w = T.RandomResizedCrop.get_params(pil(), (0.9, 1.0), (10.0, 12.0))
    assert (i, j, h, w) == ((9 - 1) // 2, 0, 1, 13)  # w = 13, h = round(13 / 10)
    with pytest.raises(ValueError, match="min, max"):
        T.RandomResizedCrop(4, scale=(1.0, 0.5))


def test_resize_pil_and_tensor():
    out = T.Resize(6)(pil())  # shorter edge (9) to 6: 13 -> int(6 * 13 / 9) = 8
    assert out.size == (8, 6)
    np.testing.assert_array_equal(np.asarray(out), np.asarray(pil().resize((8, 6), Image.BILINEAR)))
    np.testing.assert_array_equal(np.asarray(T.Resize((5, 5), interpolation="bicubic")(pil())),
                                  np.asarray(pil().resize((5, 5), Image.BICUBIC)))
    t = T.Resize((4, 6))(chw_tensor().float())
    want = torch.nn.functional.interpolate(torch.from_numpy(HWC.transpose(2, 0, 1)).float()[None], size=(4, 6),
                                           mode="bilinear", align_corners=False, antialias=True)[0]
    np.testing.assert_allclose(t.numpy(), want.numpy(), rtol=1e-5, atol=1e-4)
    with pytest.raises(ValueError, match="tensors support NEAREST and BILINEAR"):
        T.Resize(4, interpolation="lanczos")(chw_tensor())
    with pytest.raises(ValueError, match="interpolation must be"):
        T.Resize(4, interpolation="cubic-spline")


def _blend_torch(img, other, ratio):
    x = torch.from_numpy(img).float()
    return (ratio * x + (1 - ratio) * other).clamp(0, 255).to(torch.uint8).numpy()


def test_colour_ops_on_tensors_follow_torchvision_formulas():
    x = HWC.transpose(2, 0, 1).copy()
    xt = torch.from_numpy(x).float()
    gray = (0.2989 * xt[0] + 0.587 * xt[1] + 0.114 * xt[2]).to(torch.uint8)
    np.testing.assert_array_equal(F.rgb_to_grayscale(mytorch.from_numpy(x)).numpy()[0], gray.numpy())
    np.testing.assert_array_equal(F.adjust_brightness(mytorch.from_numpy(x), 1.7).numpy(), _blend_torch(x, 0.0, 1.7))
    mean = gray.float().mean()
    np.testing.assert_array_equal(F.adjust_contrast(mytorch.from_numpy(x), 0.4).numpy(), _blend_torch(x, mean, 0.4))
    np.testing.assert_array_equal(F.adjust_saturation(mytorch.from_numpy(x), 1.3).numpy(),
                                  _blend_torch(x, gray.float(), 1.3))
    f = mytorch.from_numpy(x.astype(np.float32) / 255)
    np.testing.assert_allclose(F.adjust_hue(f, 0.0).numpy(), f.numpy(), atol=1e-6)  # HSV round trip
    red = mytorch.tensor([[[1.0]], [[0.0]], [[0.0]]])
    np.testing.assert_allclose(F.adjust_hue(red, 1 / 3).numpy().ravel(), [0, 1, 0], atol=1e-6)
    np.testing.assert_allclose(F.adjust_hue(red, -1 / 3).numpy().ravel(), [0, 0, 1], atol=1e-6)
    assert F.adjust_hue(mytorch.from_numpy(x), 0.2).dtype == mytorch.uint8
    with pytest.raises(ValueError, match="hue_factor"):
        F.adjust_hue(red, 0.7)


def test_colour_ops_on_pil_are_pillows():
    for f, enhancer in ((F.adjust_brightness, ImageEnhance.Brightness), (F.adjust_contrast, ImageEnhance.Contrast),
                        (F.adjust_saturation, ImageEnhance.Color)):
        np.testing.assert_array_equal(np.asarray(f(pil(), 0.6)), np.asarray(enhancer(pil()).enhance(0.6)))
        # The PIL and tensor paths round differently (Pillow rounds, torch truncates): at most 1 apart.
        diff = pixels(f(pil(), 0.6)).astype(int) - pixels(f(chw_tensor(), 0.6)).astype(int)
        assert np.abs(diff).max() <= 1
    shifted = F.adjust_hue(pil(np.array([[[255, 0, 0]]], np.uint8)), 1 / 3)
    r, g, b = np.asarray(shifted)[0, 0]
    assert g > 200 and r < 30 and b < 30  # red turned a third of the way round: green
    assert F.adjust_hue(pil().convert("L"), 0.3).mode == "L"
    assert T.Grayscale(3)(pil()).mode == "RGB" and T.Grayscale()(pil()).mode == "L"


def test_color_jitter_replays_torchvision_draws():
    jitter = T.ColorJitter(brightness=0.4, contrast=(0.5, 1.5), saturation=0.2, hue=0.1)
    assert jitter.brightness == (0.6, 1.4) and jitter.hue == (-0.1, 0.1)
    mytorch.manual_seed(21)
    outs = [jitter(chw_tensor()) for _ in range(5)]
    mytorch.manual_seed(21)
    for out in outs:
        order = mytorch.randperm(4).tolist()
        b = mytorch.empty(1).uniform_(0.6, 1.4).item()
        c = mytorch.empty(1).uniform_(0.5, 1.5).item()
        s = mytorch.empty(1).uniform_(0.8, 1.2).item()
        h = mytorch.empty(1).uniform_(-0.1, 0.1).item()
        img = chw_tensor()
        for k in order:
            img = [F.adjust_brightness, F.adjust_contrast, F.adjust_saturation, F.adjust_hue][k](img, [b, c, s, h][k])
        np.testing.assert_array_equal(out.numpy(), img.numpy())
    assert T.ColorJitter().brightness is None  # the identity: nothing to draw
    assert isinstance(jitter(pil()), Image.Image)
    with pytest.raises(ValueError, match="hue values should be between"):
        T.ColorJitter(hue=0.6)


def test_augmentation_pipeline_on_pil_is_reproducible():
    aug = T.Compose([T.RandomResizedCrop(8, scale=(0.5, 1.0)), T.RandomHorizontalFlip(), T.ColorJitter(0.2, 0.2),
                     T.RandomGrayscale(0.3), T.ToTensor(), T.Normalize((0.5, 0.5, 0.5), (0.25, 0.25, 0.25))])
    mytorch.manual_seed(4)
    a = [aug(pil()).numpy() for _ in range(3)]
    mytorch.manual_seed(4)
    b = [aug(pil()).numpy() for _ in range(3)]
    assert all(np.array_equal(x, y) for x, y in zip(a, b)) and a[0].shape == (3, 8, 8)
