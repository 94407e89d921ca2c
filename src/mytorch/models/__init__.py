"""Model zoo: the seeds' MLPs and the MLP ResNet; LeNet-5 and the CIFAR ResNets; torchvision's VGG and ResNet."""

from __future__ import annotations

from .cifar import CifarBasicBlock, CifarResNet, LeNet5, resnet20, resnet32, resnet56
from .mlp import MLP, MLP0, MLP1, MLP4
from .resnet import MLPResNet, ResidualBlock
from .torchvision_resnet import (
    BasicBlock,
    Bottleneck,
    ResNet,
    ResNet18_Weights,
    ResNet34_Weights,
    ResNet50_Weights,
    resnet18,
    resnet34,
    resnet50,
)
from .vgg import (
    VGG,
    VGG11_BN_Weights,
    VGG11_Weights,
    VGG13_BN_Weights,
    VGG13_Weights,
    VGG16_BN_Weights,
    VGG16_Weights,
    VGG19_BN_Weights,
    VGG19_Weights,
    vgg11,
    vgg11_bn,
    vgg13,
    vgg13_bn,
    vgg16,
    vgg16_bn,
    vgg19,
    vgg19_bn,
)
