"""Model zoo: the seeds' MLPs and the MLP ResNet."""

from __future__ import annotations

from .mlp import MLP, MLP0, MLP1, MLP4
from .resnet import MLPResNet, ResidualBlock
