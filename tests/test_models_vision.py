"""The CNN models: torchvision's structure (keys, shapes, parameter counts), torch weight files, weights=.

torchvision cannot be installed beside this torch, so its ResNet and VGG are rebuilt here from torch.nn
layers with torchvision's attribute names, and compared with the facts torchvision documents
(parameter counts: resnet18 11,689,512, resnet34 21,797,672, resnet50 25,557,032, vgg16 138,357,544).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn as tnn

import mytorch
from mytorch import models


# ---------------------------------------------------------------- torchvision's structures, in torch
class TorchBasic(tnn.Module):
    expansion = 1

    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = tnn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = tnn.BatchNorm2d(planes)
        self.relu = tnn.ReLU(inplace=True)
        self.conv2 = tnn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = tnn.BatchNorm2d(planes)
        self.downsample = downsample

    def forward(self, x):
        out = self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x)))))
        return self.relu(out + (x if self.downsample is None else self.downsample(x)))


class TorchBottleneck(tnn.Module):
    expansion = 4

    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = tnn.Conv2d(inplanes, planes, 1, bias=False)
        self.bn1 = tnn.BatchNorm2d(planes)
        self.conv2 = tnn.Conv2d(planes, planes, 3, stride, 1, bias=False)
        self.bn2 = tnn.BatchNorm2d(planes)
        self.conv3 = tnn.Conv2d(planes, planes * 4, 1, bias=False)
        self.bn3 = tnn.BatchNorm2d(planes * 4)
        self.relu = tnn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn3(self.conv3(self.relu(self.bn2(self.conv2(out)))))
        return self.relu(out + (x if self.downsample is None else self.downsample(x)))


class TorchResNet(tnn.Module):
    def __init__(self, block, layers, num_classes=1000):
        super().__init__()
        self.inplanes = 64
        self.conv1 = tnn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = tnn.BatchNorm2d(64)
        self.relu = tnn.ReLU(inplace=True)
        self.maxpool = tnn.MaxPool2d(3, 2, 1)
        for i, (planes, n) in enumerate(zip((64, 128, 256, 512), layers)):
            setattr(self, f"layer{i + 1}", self._layer(block, planes, n, 1 if i == 0 else 2))
        self.avgpool = tnn.AdaptiveAvgPool2d((1, 1))
        self.fc = tnn.Linear(512 * block.expansion, num_classes)

    def _layer(self, block, planes, n, stride):
        down = None
        if stride != 1 or self.inplanes != planes * block.expansion:
            down = tnn.Sequential(tnn.Conv2d(self.inplanes, planes * block.expansion, 1, stride, bias=False),
                                  tnn.BatchNorm2d(planes * block.expansion))
        blocks = [block(self.inplanes, planes, stride, down)]
        self.inplanes = planes * block.expansion
        blocks += [block(self.inplanes, planes) for _ in range(1, n)]
        return tnn.Sequential(*blocks)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def torch_vgg_features(cfg, batch_norm):
    layers, c = [], 3
    for v in cfg:
        if v == "M":
            layers.append(tnn.MaxPool2d(2, 2))
            continue
        layers += [tnn.Conv2d(c, v, 3, padding=1)] + ([tnn.BatchNorm2d(v)] if batch_norm else []) + [tnn.ReLU(True)]
        c = v
    return tnn.Sequential(*layers)


def _shapes(state):
    return [(k, tuple(v.shape)) for k, v in state.items()]


def _transfer(t_model, m_model, tmp_path):
    """Save torch's state_dict as a .pth file and load it into the mytorch model with mytorch.load."""
    path = tmp_path / "weights.pth"
    torch.save(t_model.state_dict(), path)
    result = m_model.load_state_dict(mytorch.load(path))
    assert not result.missing_keys and not result.unexpected_keys


def _randomize_bn(t_model):
    """Running statistics and affine values that are not the defaults, so loading them is checked."""
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for m in t_model.modules():
            if isinstance(m, tnn.BatchNorm2d):
                m.running_mean.normal_(0, 0.1, generator=g)
                m.running_var.uniform_(0.5, 1.5, generator=g)
                m.weight.uniform_(0.5, 1.5, generator=g)
                m.bias.normal_(0, 0.1, generator=g)


# ---------------------------------------------------------------- torchvision ResNet
def test_resnet18_is_torchvisions_and_loads_a_torch_weight_file(tmp_path):
    torch.manual_seed(0)
    twin = TorchResNet(TorchBasic, [2, 2, 2, 2]).eval()
    _randomize_bn(twin)
    model = models.resnet18().eval()
    assert _shapes(model.state_dict()) == _shapes(twin.state_dict())
    assert model.num_parameters() == sum(p.numel() for p in twin.parameters()) == 11_689_512
    _transfer(twin, model, tmp_path)
    x = np.random.default_rng(0).standard_normal((2, 3, 64, 64)).astype(np.float32)
    with torch.no_grad():
        expected = twin(torch.tensor(x)).numpy()
    with mytorch.no_grad():
        got = model(mytorch.tensor(x)).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)


@pytest.mark.slow
@pytest.mark.parametrize("name, block, layers, count", [
    ("resnet34", TorchBasic, [3, 4, 6, 3], 21_797_672),
    ("resnet50", TorchBottleneck, [3, 4, 6, 3], 25_557_032),
])
def test_resnet34_50_are_torchvisions(name, block, layers, count, tmp_path):
    twin = TorchResNet(block, layers).eval()
    _randomize_bn(twin)
    model = getattr(models, name)().eval()
    assert _shapes(model.state_dict()) == _shapes(twin.state_dict())
    assert model.num_parameters() == count
    _transfer(twin, model, tmp_path)
    x = np.random.default_rng(1).standard_normal((1, 3, 64, 64)).astype(np.float32)
    with torch.no_grad():
        expected = twin(torch.tensor(x)).numpy()
    with mytorch.no_grad():
        np.testing.assert_allclose(model(mytorch.tensor(x)).numpy(), expected, rtol=1e-4, atol=1e-4)


# ---------------------------------------------------------------- VGG
@pytest.mark.parametrize("cfg, batch_norm", [("A", False), ("B", True), ("D", False), ("E", True)])
def test_vgg_features_are_torchvisions(cfg, batch_norm):
    from mytorch.models.vgg import CONFIGS, make_layers

    ours = make_layers(CONFIGS[cfg], batch_norm)
    assert _shapes(ours.state_dict()) == _shapes(torch_vgg_features(CONFIGS[cfg], batch_norm).state_dict())
    assert repr(ours) == repr(torch_vgg_features(CONFIGS[cfg], batch_norm))


@pytest.mark.slow
def test_vgg16_is_torchvisions_and_loads_a_torch_weight_file(tmp_path):
    from mytorch.models.vgg import CONFIGS

    twin = tnn.Sequential()
    twin.features = torch_vgg_features(CONFIGS["D"], True)
    twin.avgpool = tnn.AdaptiveAvgPool2d((7, 7))
    twin.classifier = tnn.Sequential(tnn.Linear(25088, 4096), tnn.ReLU(True), tnn.Dropout(), tnn.Linear(4096, 4096),
                                     tnn.ReLU(True), tnn.Dropout(), tnn.Linear(4096, 1000))
    twin.eval()
    _randomize_bn(twin)
    model = models.vgg16_bn().eval()
    assert _shapes(model.state_dict()) == _shapes(twin.state_dict())
    assert model.num_parameters() == 138_357_544 + 8_448
    assert models.vgg16().num_parameters() == 138_357_544
    _transfer(twin, model, tmp_path)
    x = np.random.default_rng(2).standard_normal((1, 3, 32, 32)).astype(np.float32)
    with torch.no_grad():
        feats = twin.avgpool(twin.features(torch.tensor(x)))
        expected = twin.classifier(torch.flatten(feats, 1)).numpy()
    with mytorch.no_grad():
        np.testing.assert_allclose(model(mytorch.tensor(x)).numpy(), expected, rtol=1e-4, atol=1e-5)


# ---------------------------------------------------------------- weights=
@pytest.mark.parametrize("build, weights", [
    (models.resnet18, "DEFAULT"), (models.resnet18, "IMAGENET1K_V1"),
    (models.resnet18, models.ResNet18_Weights.DEFAULT), (models.resnet50, "IMAGENET1K_V2"),
    (models.vgg16, "IMAGENET1K_V1"), (models.vgg11_bn, "VGG11_BN_Weights.DEFAULT"),
])
def test_pretrained_weights_name_the_download_and_the_local_route(build, weights):
    with pytest.raises(RuntimeError, match=r"downloaded.*mytorch\.load\(.*load_state_dict|load_state_dict.*mytorch"):
        build(weights=weights)


def test_unknown_weights_are_refused_with_the_allowed_names():
    with pytest.raises(ValueError, match="IMAGENET1K_V1"):
        models.resnet18(weights="IMAGENET1K_V9")
    with pytest.raises(ValueError, match="another model"):
        models.resnet18(weights=models.ResNet50_Weights.IMAGENET1K_V2)
    assert models.ResNet50_Weights.DEFAULT is models.ResNet50_Weights.IMAGENET1K_V2


# ---------------------------------------------------------------- LeNet-5 and the CIFAR ResNets
class TorchCifarBlock(tnn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = tnn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = tnn.BatchNorm2d(cout)
        self.conv2 = tnn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = tnn.BatchNorm2d(cout)
        self.stride, self.extra = stride, cout - cin

    def forward(self, x):
        out = self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x)))))
        short = x
        if self.stride != 1 or self.extra:
            short = tnn.functional.pad(x[:, :, ::self.stride, ::self.stride],
                                       (0, 0, 0, 0, self.extra // 2, self.extra - self.extra // 2))
        return torch.relu(out + short)


class TorchCifarResNet(tnn.Module):
    def __init__(self, n):
        super().__init__()
        self.conv1 = tnn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn1 = tnn.BatchNorm2d(16)
        self.layer1 = tnn.Sequential(*[TorchCifarBlock(16, 16, 1) for _ in range(n)])
        self.layer2 = tnn.Sequential(TorchCifarBlock(16, 32, 2), *[TorchCifarBlock(32, 32, 1) for _ in range(n - 1)])
        self.layer3 = tnn.Sequential(TorchCifarBlock(32, 64, 2), *[TorchCifarBlock(64, 64, 1) for _ in range(n - 1)])
        self.avgpool = tnn.AdaptiveAvgPool2d(1)
        self.fc = tnn.Linear(64, 10)

    def forward(self, x):
        x = torch.relu(self.bn1(self.conv1(x)))
        return self.fc(torch.flatten(self.avgpool(self.layer3(self.layer2(self.layer1(x)))), 1))


def test_resnet20_trains_as_its_torch_twin(tmp_path):
    """A training-mode forward and backward of the whole CIFAR ResNet-20 against torch (same weights)."""
    model, twin = models.resnet20(), TorchCifarResNet(3)
    assert _shapes(model.state_dict()) == _shapes(twin.state_dict())
    assert model.num_parameters() == 269_722
    twin.load_state_dict({k: torch.tensor(v.numpy()) for k, v in model.state_dict().items()})
    x = np.random.default_rng(3).standard_normal((4, 3, 32, 32)).astype(np.float32)
    y = np.array([1, 0, 7, 3])
    loss = mytorch.nn.functional.cross_entropy(model(mytorch.tensor(x)), mytorch.tensor(y))
    t_loss = tnn.functional.cross_entropy(twin(torch.tensor(x)), torch.tensor(y))
    loss.backward()
    t_loss.backward()
    np.testing.assert_allclose(loss.item(), t_loss.item(), rtol=1e-5)
    t_params = dict(twin.named_parameters())
    for name, p in model.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), t_params[name].grad.numpy(), rtol=2e-3, atol=2e-5, err_msg=name)
    t_state = twin.state_dict()
    for name, v in model.state_dict().items():
        np.testing.assert_allclose(v.numpy(), t_state[name].numpy(), rtol=1e-5, atol=1e-6, err_msg=name)


def test_cifar_resnet_depths_and_lenet_sizes():
    assert [m.num_parameters() for m in (models.resnet32(), models.resnet56())] == [464_154, 853_018]
    assert models.resnet20(in_channels=1)(mytorch.zeros(2, 1, 28, 28)).shape == (2, 10)
    lenet = models.LeNet5()
    assert lenet.num_parameters() == 61_706  # 156 + 2,416 + 48,120 + 10,164 + 850
    assert lenet(mytorch.zeros(3, 1, 28, 28)).shape == (3, 10)
    assert models.LeNet5(3, 10, image_size=32)(mytorch.zeros(2, 3, 32, 32)).shape == (2, 10)
    assert models.LeNet5(3, 10, image_size=32).num_parameters() == 62_006
