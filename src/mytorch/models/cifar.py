"""Small CNNs for 28x28 and 32x32 images: LeNet-5 and the CIFAR ResNets (20, 32, 56 layers).

``LeNet5`` (LeCun et al., 1998, with ReLU and max pooling as is usual today): conv 5x5 (6) → ReLU →
max-pool 2 → conv 5x5 (16) → ReLU → max-pool 2 → 120 → 84 → classes. A 28x28 input is padded by 2
in the first convolution so that both sizes reach the 16·5·5 features of the original 32x32 design.

``CifarResNet`` (He et al., 2016, section 4.2): conv 3x3 (16) → BN → ReLU, three stages of n
BasicBlocks with 16, 32 and 64 channels (stride 2 at the start of the second and third), global
average pooling and a Linear layer: 6n + 2 layers (n = 3, 5, 9 for ResNet-20, 32, 56). The
shortcut of a block that halves the size and doubles the channels is the paper's option A: the
input subsampled by 2 with zero channels added (no parameters), so ResNet-20 has 269,722
parameters for 10 classes (0.27M in the paper's Table 6).
"""

from __future__ import annotations

from .. import nn
from .._tensor import Tensor
from ..nn import functional as F


class LeNet5(nn.Module):
    """features (two conv → ReLU → max-pool) → classifier (flatten → 120 → ReLU → 84 → ReLU → classes)."""

    def __init__(self, in_channels: int = 1, num_classes: int = 10, image_size: int = 28) -> None:
        super().__init__()
        if image_size < 28:
            raise ValueError(f"LeNet5: images must be at least 28x28 (got {image_size})")
        pad = 2 if image_size == 28 else 0
        side = ((image_size + 2 * pad - 4) // 2 - 4) // 2
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 6, 5, padding=pad), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(16 * side * side, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
            nn.Linear(84, num_classes),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.classifier(self.features(x))


class CifarBasicBlock(nn.Module):
    """relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)) with the option-A shortcut when the shape changes."""

    def __init__(self, in_planes: int, planes: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.stride = stride
        self.extra_channels = planes - in_planes

    def shortcut(self, x: Tensor) -> Tensor:
        """The identity, or x[:, :, ::2, ::2] with the new channels zero (half before, half after)."""
        if self.stride == 1 and self.extra_channels == 0:
            return x
        x = x[:, :, ::self.stride, ::self.stride]
        half = self.extra_channels // 2
        return F.pad(x, (0, 0, 0, 0, half, self.extra_channels - half))

    def forward(self, x: Tensor) -> Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class CifarResNet(nn.Module):
    """conv1 → bn1 → ReLU → layer1..3 (n blocks each) → global average pool → fc; 6n + 2 layers.

    Initialised as is usual for it: convolutions and fc kaiming_normal_ (fan_in), fc bias and
    BatchNorm biases 0, BatchNorm weights 1.
    """

    def __init__(self, num_blocks: int, num_classes: int = 10, in_channels: int = 3) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, 16, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.layer1 = self._stage(16, 16, num_blocks, 1)
        self.layer2 = self._stage(16, 32, num_blocks, 2)
        self.layer3 = self._stage(32, 64, num_blocks, 2)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(64, num_classes)
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.kaiming_normal_(m.weight)
            if isinstance(m, nn.Linear):
                nn.init.constant_(m.bias, 0)

    @staticmethod
    def _stage(in_planes: int, planes: int, n: int, stride: int) -> nn.Sequential:
        blocks = [CifarBasicBlock(in_planes, planes, stride)]
        blocks += [CifarBasicBlock(planes, planes) for _ in range(n - 1)]
        return nn.Sequential(*blocks)

    def forward(self, x: Tensor) -> Tensor:
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(self.avgpool(x).flatten(1))


def resnet20(num_classes: int = 10, in_channels: int = 3) -> CifarResNet:
    """The CIFAR ResNet-20 (3 blocks per stage, 269,722 parameters for 10 classes)."""
    return CifarResNet(3, num_classes, in_channels)


def resnet32(num_classes: int = 10, in_channels: int = 3) -> CifarResNet:
    """The CIFAR ResNet-32 (5 blocks per stage)."""
    return CifarResNet(5, num_classes, in_channels)


def resnet56(num_classes: int = 10, in_channels: int = 3) -> CifarResNet:
    """The CIFAR ResNet-56 (9 blocks per stage)."""
    return CifarResNet(9, num_classes, in_channels)
