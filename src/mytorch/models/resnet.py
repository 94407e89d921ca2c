"""Seed 002's MLP ResNet (10-714 HW2, Question 5), with exactly its structure."""

from __future__ import annotations

from collections.abc import Callable

from .. import nn
from .mlp import _FlattenInput


class ResidualBlock(nn.Sequential):
    """Residual(Linear(dim, hidden) → norm → ReLU → Dropout → Linear(hidden, dim) → norm) → ReLU."""

    def __init__(
        self,
        dim: int,
        hidden_dim: int,
        norm: Callable[[int], nn.Module] = nn.BatchNorm1d,
        drop_prob: float = 0.1,
    ) -> None:
        super().__init__(
            nn.Residual(
                nn.Sequential(
                    nn.Linear(dim, hidden_dim),
                    norm(hidden_dim),
                    nn.ReLU(),
                    nn.Dropout(drop_prob),
                    nn.Linear(hidden_dim, dim),
                    norm(dim),
                )
            ),
            nn.ReLU(),
        )


class MLPResNet(_FlattenInput):
    """Linear(dim, hidden) → ReLU → num_blocks × ResidualBlock(hidden, hidden // 2) → Linear(hidden, classes).

    Input images are flattened to (batch, dim) first.
    """

    def __init__(
        self,
        dim: int,
        hidden_dim: int = 100,
        num_blocks: int = 3,
        num_classes: int = 10,
        norm: Callable[[int], nn.Module] = nn.BatchNorm1d,
        drop_prob: float = 0.1,
    ) -> None:
        super().__init__(
            nn.Linear(dim, hidden_dim),
            nn.ReLU(),
            *[ResidualBlock(hidden_dim, hidden_dim // 2, norm, drop_prob) for _ in range(num_blocks)],
            nn.Linear(hidden_dim, num_classes),
        )
