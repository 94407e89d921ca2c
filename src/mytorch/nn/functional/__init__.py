"""``mytorch.nn.functional``: stateless layers, activations and losses (the modules' twins)."""

from __future__ import annotations

from .activation import gelu, leaky_relu, log_softmax, relu, sigmoid, silu, softmax, softplus, tanh
from .conv import conv1d, conv2d, conv_transpose2d, fold, unfold
from .linear import dropout, dropout2d, linear, one_hot
from .loss import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    l1_loss,
    mse_loss,
    nll_loss,
)
from .normalization import batch_norm, group_norm, layer_norm
from .pooling import (
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    adaptive_max_pool1d,
    adaptive_max_pool2d,
    avg_pool1d,
    avg_pool2d,
    max_pool1d,
    max_pool2d,
)
from .vision import interpolate, pad, upsample, upsample_bilinear, upsample_nearest
