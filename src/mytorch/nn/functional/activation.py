"""Activation functions (their Functions live in ``mytorch.ops.activation``)."""

from __future__ import annotations

from ..._tensor import Tensor
from ...ops.activation import Gelu, LeakyRelu, Silu, Softplus
from ...ops.elementwise import Relu, Sigmoid, Tanh


def relu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """max(x, 0) elementwise (``inplace`` is accepted for PyTorch compatibility; the result is new)."""
    return Relu.apply(input)


def sigmoid(input: Tensor) -> Tensor:  # noqa: A002
    """σ(x) = 1 / (1 + e⁻ˣ)."""
    return Sigmoid.apply(input)


def tanh(input: Tensor) -> Tensor:  # noqa: A002
    r"""$\tanh x$ elementwise; derivative $1 - \tanh^2 x$."""
    return Tanh.apply(input)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:  # noqa: A002
    """x·Φ(x) exactly (``'none'``), or with the tanh approximation (``'tanh'``)."""
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return Gelu.apply(input, approximate=approximate)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:  # noqa: A002
    """x if x > 0 else negative_slope·x."""
    return LeakyRelu.apply(input, negative_slope=negative_slope)


def silu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """x·σ(x) (also called swish)."""
    return Silu.apply(input)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:  # noqa: A002
    """log(1 + exp(βx))/β, linear where βx > threshold."""
    return Softplus.apply(input, beta=beta, threshold=threshold)


def softmax(input: Tensor, dim: int) -> Tensor:  # noqa: A002
    """exp(x) / Σ exp(x) along ``dim`` (computed after subtracting the max)."""
    return input.softmax(dim)


def log_softmax(input: Tensor, dim: int) -> Tensor:  # noqa: A002
    """x − logsumexp(x) along ``dim``, stable for large logits."""
    return input.log_softmax(dim)
