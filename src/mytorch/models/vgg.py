"""VGG (Simonyan & Zisserman, 2015) with torchvision's exact module structure and initialisation.

``features`` is a Sequential of 3x3 convolutions (padding 1), each followed by a ReLU (and a
BatchNorm2d before it in the ``_bn`` variants), with a 2x2 max pooling after each block;
``avgpool`` is AdaptiveAvgPool2d((7, 7)); ``classifier`` is Linear(512·7·7, 4096) → ReLU → Dropout →
Linear(4096, 4096) → ReLU → Dropout → Linear(4096, num_classes). So the ``state_dict`` keys
(``features.0.weight`` ... ``classifier.6.bias``) and shapes are torchvision's, and its weight files load.
Parameters: vgg11 132,863,336; vgg13 133,047,848; vgg16 138,357,544; vgg19 143,667,240 (+ 5,504 /
5,888 / 8,448 / 11,008 for the BatchNorm weights and biases of the ``_bn`` variants).
"""

from __future__ import annotations

from .. import nn
from .._tensor import Tensor
from ._weights import Weights, refuse_download

# the configurations of the paper's Table 1 (A, B, D, E): channel counts, "M" for a max pooling
CONFIGS: dict[str, list] = {
    "A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "B": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    "E": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"],
}


class VGG(nn.Module):
    """features → avgpool (7x7) → flatten → classifier, initialised as torchvision does when
    ``init_weights``: convolutions kaiming_normal_(fan_out, relu) with zero bias, BatchNorm weight 1
    and bias 0, Linear weights N(0, 0.01²) with zero bias."""

    def __init__(self, features: nn.Module, num_classes: int = 1000, init_weights: bool = True,
                 dropout: float = 0.5) -> None:
        super().__init__()
        self.features = features
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(
            nn.Linear(512 * 7 * 7, 4096), nn.ReLU(True), nn.Dropout(p=dropout),
            nn.Linear(4096, 4096), nn.ReLU(True), nn.Dropout(p=dropout),
            nn.Linear(4096, num_classes),
        )
        if init_weights:
            for m in self.modules():
                if isinstance(m, nn.Conv2d):
                    nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                    if m.bias is not None:
                        nn.init.constant_(m.bias, 0)
                elif isinstance(m, nn.BatchNorm2d):
                    nn.init.constant_(m.weight, 1)
                    nn.init.constant_(m.bias, 0)
                elif isinstance(m, nn.Linear):
                    nn.init.normal_(m.weight, 0, 0.01)
                    nn.init.constant_(m.bias, 0)

    def forward(self, x: Tensor) -> Tensor:
        x = self.avgpool(self.features(x))
        return self.classifier(x.flatten(1))


def make_layers(cfg: list, batch_norm: bool = False, in_channels: int = 3) -> nn.Sequential:
    """The ``features`` Sequential of a configuration."""
    layers: list[nn.Module] = []
    for v in cfg:
        if v == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
            continue
        layers.append(nn.Conv2d(in_channels, v, kernel_size=3, padding=1))
        if batch_norm:
            layers.append(nn.BatchNorm2d(v))
        layers.append(nn.ReLU(inplace=True))
        in_channels = v
    return nn.Sequential(*layers)


def _weights_enum(name: str) -> type[Weights]:
    members = {"IMAGENET1K_V1": "IMAGENET1K_V1", "DEFAULT": "IMAGENET1K_V1"}
    if name == "VGG16_Weights":
        members["IMAGENET1K_FEATURES"] = "IMAGENET1K_FEATURES"
    cls = Weights(name, members)
    cls.__doc__ = f"The weight names torchvision has for this VGG (``{name}.IMAGENET1K_V1``, ``DEFAULT``)."
    cls.__module__ = __name__
    return cls


VGG11_Weights = _weights_enum("VGG11_Weights")
VGG13_Weights = _weights_enum("VGG13_Weights")
VGG16_Weights = _weights_enum("VGG16_Weights")
VGG19_Weights = _weights_enum("VGG19_Weights")
VGG11_BN_Weights = _weights_enum("VGG11_BN_Weights")
VGG13_BN_Weights = _weights_enum("VGG13_BN_Weights")
VGG16_BN_Weights = _weights_enum("VGG16_BN_Weights")
VGG19_BN_Weights = _weights_enum("VGG19_BN_Weights")


def _vgg(arch: str, cfg: str, batch_norm: bool, enum_cls: type[Weights], weights, progress: bool,
         **kwargs) -> VGG:
    weights = enum_cls.verify(weights)
    refuse_download(arch, weights)
    return VGG(make_layers(CONFIGS[cfg], batch_norm), **kwargs)


def vgg11(*, weights=None, progress: bool = True, **kwargs) -> VGG:
    """VGG-11 (configuration A): 8 convolutions; kwargs go to ``VGG`` (num_classes, dropout, init_weights)."""
    return _vgg("vgg11", "A", False, VGG11_Weights, weights, progress, **kwargs)


def vgg11_bn(*, weights=None, progress: bool = True, **kwargs) -> VGG:
    """VGG-11 with a BatchNorm2d after each convolution."""
    return _vgg("vgg11_bn", "A", True, VGG11_BN_Weights, weights, progress, **kwargs)


def vgg13(*, weights=None, progress: bool = True, **kwargs) -> VGG:
    """VGG-13 (configuration B): 10 convolutions."""
    return _vgg("vgg13", "B", False, VGG13_Weights, weights, progress, **kwargs)


def vgg13_bn(*, weights=None, progress: bool = True, **kwargs) -> VGG:
    """VGG-13 with a BatchNorm2d after each convolution."""
    return _vgg("vgg13_bn", "B", True, VGG13_BN_Weights, weights, progress, **kwargs)


def vgg16(*, weights=None, progress: bool = True, **kwargs) -> VGG:
    """VGG-16 (configuration D): 13 convolutions, 138,357,544 parameters."""
    return _vgg("vgg16", "D", False, VGG16_Weights, weights, progress, **kwargs)


def vgg16_bn(*, weights=None, progress: bool = True, **kwargs) -> VGG:
    """VGG-16 with a BatchNorm2d after each convolution."""
    return _vgg("vgg16_bn", "D", True, VGG16_BN_Weights, weights, progress, **kwargs)


def vgg19(*, weights=None, progress: bool = True, **kwargs) -> VGG:
    """VGG-19 (configuration E): 16 convolutions."""
    return _vgg("vgg19", "E", False, VGG19_Weights, weights, progress, **kwargs)


def vgg19_bn(*, weights=None, progress: bool = True, **kwargs) -> VGG:
    """VGG-19 with a BatchNorm2d after each convolution."""
    return _vgg("vgg19_bn", "E", True, VGG19_BN_Weights, weights, progress, **kwargs)
