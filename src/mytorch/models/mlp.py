"""Multi-layer perceptrons: seed 004's MLP0 / MLP1 / MLP4 and seed 003's optimizer-study MLP."""

from __future__ import annotations

from collections.abc import Sequence

from .. import nn
from .._tensor import Tensor


class _FlattenInput(nn.Sequential):
    """A Sequential whose input is flattened to (batch, features) first (images become vectors)."""

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        if input.ndim > 2:
            input = input.reshape(input.shape[0], -1)
        return super().forward(input)


class MLP0(_FlattenInput):
    """Seed 004's MLP0: Linear(2, 3) → ReLU.

    ``in_features`` / ``out_features`` default to the seed's sizes; the CLI sets them to a
    dataset's (the hidden widths of MLP1 and MLP4 always stay the seed's).
    """

    def __init__(self, in_features: int = 2, out_features: int = 3) -> None:
        super().__init__(nn.Linear(in_features, out_features), nn.ReLU())


class MLP1(_FlattenInput):
    """Seed 004's MLP1: Linear(2, 3) → ReLU → Linear(3, 2) → ReLU."""

    def __init__(self, in_features: int = 2, out_features: int = 2) -> None:
        super().__init__(nn.Linear(in_features, 3), nn.ReLU(), nn.Linear(3, out_features), nn.ReLU())


class MLP4(_FlattenInput):
    """Seed 004's MLP4: 2 → 4 → 8 → 8 → 4 → 2, a ReLU after every Linear."""

    def __init__(self, in_features: int = 2, out_features: int = 2) -> None:
        sizes = (in_features, 4, 8, 8, 4, out_features)
        layers: list[nn.Module] = []
        for n_in, n_out in zip(sizes[:-1], sizes[1:]):
            layers += [nn.Linear(n_in, n_out), nn.ReLU()]
        super().__init__(*layers)


class MLP(_FlattenInput):
    """Seed 003's network: Dropout(p_in) → [Linear → ReLU → Dropout(p_hidden)] per hidden layer → Linear.

    With the defaults (no dropout) it is the study's plain MLP (784 → 1000 → 1000 → 10 on
    Fashion-MNIST); ``dropout_input=0.2, dropout_hidden=0.5`` is its dropout variant.
    ``dropout_output`` > 0 appends a Dropout on the logits: what the seed's notebook code ran
    (one hidden layer of 1000, Dropout(0.2) after its ReLU, Dropout(0.5) on the output).
    """

    def __init__(
        self,
        in_features: int,
        hidden: Sequence[int] = (1000, 1000),
        num_classes: int = 10,
        dropout_input: float = 0.0,
        dropout_hidden: float = 0.0,
        dropout_output: float = 0.0,
    ) -> None:
        layers: list[nn.Module] = [nn.Dropout(dropout_input)]
        width = in_features
        for h in hidden:
            layers += [nn.Linear(width, h), nn.ReLU(), nn.Dropout(dropout_hidden)]
            width = h
        layers.append(nn.Linear(width, num_classes))
        if dropout_output:
            layers.append(nn.Dropout(dropout_output))
        super().__init__(*layers)
