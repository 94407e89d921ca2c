"""Rows of the op table for the vision ops: convolutions, pooling, padding, resampling, sliding blocks.

Joined to ``op_db.OPS`` by one line at the end of ``op_db.py`` (the import appends them); the parity,
gradcheck and dtype tests of ``test_ops.py`` run over them. Shapes are small: the gradcheck builds full Jacobians.
"""

from __future__ import annotations

import numpy as np

from op_db import OPS, OPS_BY_NAME, OpInfo


def F(lib):
    return lib.nn.functional


def _fold_input(rng, dtype):
    # (N, C·kh·kw, L) columns for a 2x2 kernel over a 4x5 output with stride 1: L = 3·4
    return [rng.standard_normal((2, 3 * 4, 12)).astype(dtype)]


def _distinct(shape):
    """Distinct values (no ties): max pooling's gradient is then well defined for finite differences."""
    def make(rng, dtype):
        n = int(np.prod(shape))
        return [(rng.permutation(n).reshape(shape) / n + rng.standard_normal(shape) * 1e-3).astype(dtype)]
    return make


VISION_OPS: list[OpInfo] = [
    # ---- conv2d: x (N, C, H, W), weight (O, C/groups, kh, kw), bias (O,)
    OpInfo("F.conv2d", lambda m, x, w, b: F(m).conv2d(x, w, b), ((2, 3, 5, 5), (4, 3, 3, 3), (4,))),
    OpInfo("F.conv2d_stride_padding", lambda m, x, w, b: F(m).conv2d(x, w, b, stride=2, padding=1),
           ((2, 3, 6, 5), (4, 3, 3, 3), (4,))),
    OpInfo("F.conv2d_tuple_dilation", lambda m, x, w: F(m).conv2d(x, w, None, (1, 2), (1, 2), (2, 1)),
           ((1, 2, 6, 7), (3, 2, 3, 2))),
    OpInfo("F.conv2d_groups", lambda m, x, w, b: F(m).conv2d(x, w, b, groups=2), ((2, 4, 4, 5), (6, 2, 2, 3), (6,))),
    OpInfo("F.conv2d_depthwise", lambda m, x, w: F(m).conv2d(x, w, padding=1, groups=3), ((2, 3, 4, 4), (6, 1, 3, 3))),
    OpInfo("F.conv2d_same_even_kernel", lambda m, x, w: F(m).conv2d(x, w, padding="same", dilation=(1, 3)),
           ((1, 2, 5, 7), (2, 2, 4, 2))),
    OpInfo("F.conv2d_valid", lambda m, x, w: F(m).conv2d(x, w, padding="valid"), ((2, 2, 4, 4), (3, 2, 2, 2))),
    OpInfo("F.conv2d_unbatched", lambda m, x, w, b: F(m).conv2d(x, w, b, stride=(2, 1)),
           ((2, 5, 4), (3, 2, 2, 2), (3,))),
    OpInfo("F.conv2d_1x1", lambda m, x, w: F(m).conv2d(x, w), ((3, 4, 2, 3), (5, 4, 1, 1))),
    # ---- conv1d
    OpInfo("F.conv1d", lambda m, x, w, b: F(m).conv1d(x, w, b), ((2, 3, 7), (4, 3, 3), (4,))),
    OpInfo("F.conv1d_stride_padding_dilation", lambda m, x, w: F(m).conv1d(x, w, stride=2, padding=2, dilation=2),
           ((2, 2, 9), (3, 2, 3))),
    OpInfo("F.conv1d_groups_same", lambda m, x, w: F(m).conv1d(x, w, padding="same", groups=2),
           ((2, 4, 6), (4, 2, 4))),
    OpInfo("F.conv1d_unbatched", lambda m, x, w: F(m).conv1d(x, w), ((3, 6), (2, 3, 2))),
    # ---- conv_transpose2d: weight (C_in, O/groups, kh, kw)
    OpInfo("F.conv_transpose2d", lambda m, x, w, b: F(m).conv_transpose2d(x, w, b), ((2, 3, 3, 4), (3, 2, 3, 3), (2,))),
    OpInfo("F.conv_transpose2d_stride_output_padding",
           lambda m, x, w, b: F(m).conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1),
           ((2, 2, 3, 3), (2, 3, 3, 3), (3,))),
    OpInfo("F.conv_transpose2d_groups_dilation",
           lambda m, x, w: F(m).conv_transpose2d(x, w, stride=(2, 1), padding=(0, 1), groups=2, dilation=(1, 2)),
           ((1, 4, 3, 3), (4, 1, 2, 3))),
    OpInfo("F.conv_transpose2d_output_padding_dilation",
           lambda m, x, w: F(m).conv_transpose2d(x, w, stride=2, output_padding=(1, 2), dilation=3),
           ((1, 2, 2, 3), (2, 2, 2, 2))),
    OpInfo("F.conv_transpose2d_unbatched", lambda m, x, w: F(m).conv_transpose2d(x, w, stride=2),
           ((2, 3, 3), (2, 3, 2, 2))),
    # ---- max pooling (distinct values: no ties between the taps of a window)
    OpInfo("F.max_pool2d", lambda m, x: F(m).max_pool2d(x, 2), make=_distinct((2, 3, 4, 6))),
    OpInfo("F.max_pool2d_stride_padding", lambda m, x: F(m).max_pool2d(x, 3, 2, 1), make=_distinct((2, 2, 5, 6))),
    OpInfo("F.max_pool2d_dilation_ceil", lambda m, x: F(m).max_pool2d(x, (2, 3), (2, 1), (1, 0), 2, ceil_mode=True),
           make=_distinct((1, 2, 7, 6))),
    OpInfo("F.max_pool2d_ceil_mode", lambda m, x: F(m).max_pool2d(x, 2, ceil_mode=True), make=_distinct((2, 2, 5, 5))),
    OpInfo("F.max_pool2d_unbatched", lambda m, x: F(m).max_pool2d(x, (2, 1)), make=_distinct((3, 4, 3))),
    OpInfo("F.max_pool2d_indices", lambda m, x: F(m).max_pool2d(x, 3, 1, 1, return_indices=True)[0],
           make=_distinct((1, 2, 4, 4))),
    OpInfo("F.max_pool2d_ties", lambda m, x: F(m).max_pool2d(x, 3, 1, 1), ((2, 2, 4, 4),), domain="ties",
           gradcheck=False),
    OpInfo("F.max_pool1d", lambda m, x: F(m).max_pool1d(x, 3, 2, 1), make=_distinct((2, 3, 8))),
    OpInfo("F.max_pool1d_ceil", lambda m, x: F(m).max_pool1d(x, 2, ceil_mode=True), make=_distinct((2, 3, 7))),
    # ---- average pooling
    OpInfo("F.avg_pool2d", lambda m, x: F(m).avg_pool2d(x, 2), ((2, 3, 4, 6),)),
    OpInfo("F.avg_pool2d_padding_exclude", lambda m, x: F(m).avg_pool2d(x, 3, 2, 1, count_include_pad=False),
           ((2, 2, 5, 6),)),
    OpInfo("F.avg_pool2d_padding_include", lambda m, x: F(m).avg_pool2d(x, (3, 2), (2, 1), (1, 1)), ((1, 2, 5, 4),)),
    OpInfo("F.avg_pool2d_ceil_mode", lambda m, x: F(m).avg_pool2d(x, 3, 2, 1, ceil_mode=True), ((2, 2, 6, 6),)),
    OpInfo("F.avg_pool2d_ceil_exclude", lambda m, x: F(m).avg_pool2d(x, 2, ceil_mode=True, count_include_pad=False),
           ((1, 2, 5, 5),)),
    OpInfo("F.avg_pool2d_divisor_override", lambda m, x: F(m).avg_pool2d(x, 2, 1, 1, divisor_override=3),
           ((1, 2, 4, 3),)),
    OpInfo("F.avg_pool2d_unbatched", lambda m, x: F(m).avg_pool2d(x, 2), ((3, 4, 4),)),
    OpInfo("F.avg_pool1d", lambda m, x: F(m).avg_pool1d(x, 3, 2, 1), ((2, 3, 8),)),
    # ---- adaptive pooling
    OpInfo("F.adaptive_avg_pool2d", lambda m, x: F(m).adaptive_avg_pool2d(x, (3, 4)), ((2, 2, 5, 7),)),
    OpInfo("F.adaptive_avg_pool2d_1", lambda m, x: F(m).adaptive_avg_pool2d(x, 1), ((2, 3, 4, 4),)),
    OpInfo("F.adaptive_avg_pool2d_none", lambda m, x: F(m).adaptive_avg_pool2d(x, (None, 2)), ((3, 4, 5),)),
    OpInfo("F.adaptive_avg_pool1d", lambda m, x: F(m).adaptive_avg_pool1d(x, 4), ((2, 3, 7),)),
    OpInfo("F.adaptive_max_pool2d", lambda m, x: F(m).adaptive_max_pool2d(x, (3, 4)), make=_distinct((2, 2, 5, 7))),
    OpInfo("F.adaptive_max_pool2d_indices", lambda m, x: F(m).adaptive_max_pool2d(x, 2, return_indices=True)[0],
           make=_distinct((1, 3, 4, 5))),
    OpInfo("F.adaptive_max_pool1d", lambda m, x: F(m).adaptive_max_pool1d(x, 3), make=_distinct((2, 2, 8))),
    # ---- padding (pad lists the last axis first)
    OpInfo("F.pad_constant", lambda m, x: F(m).pad(x, (1, 2, 0, 1), value=0.5), ((2, 3, 4),)),
    OpInfo("F.pad_constant_negative", lambda m, x: F(m).pad(x, (-1, 2, 1, -2)), ((2, 4, 5),)),
    OpInfo("F.pad_constant_3_axes", lambda m, x: F(m).pad(x, (1, 0, 0, 1, 2, 1)), ((2, 3, 2),)),
    OpInfo("F.pad_reflect", lambda m, x: F(m).pad(x, (2, 1, 1, 3), mode="reflect"), ((2, 2, 4, 5),)),
    OpInfo("F.pad_reflect_1d", lambda m, x: F(m).pad(x, (3, 2), mode="reflect"), ((2, 3, 5),)),
    OpInfo("F.pad_replicate", lambda m, x: F(m).pad(x, (2, 1, 3, 0), mode="replicate"), ((1, 2, 3, 3),)),
    OpInfo("F.pad_circular", lambda m, x: F(m).pad(x, (1, 3, 2, 1), mode="circular"), ((2, 1, 3, 4),)),
    OpInfo("F.pad_circular_unbatched", lambda m, x: F(m).pad(x, (2, 2), mode="circular"), ((3, 4),)),
    # ---- interpolate
    OpInfo("F.interpolate_nearest_size", lambda m, x: F(m).interpolate(x, size=(5, 7)), ((2, 2, 3, 4),)),
    OpInfo("F.interpolate_nearest_scale", lambda m, x: F(m).interpolate(x, scale_factor=2), ((1, 2, 3, 3),)),
    OpInfo("F.interpolate_nearest_fractional", lambda m, x: F(m).interpolate(x, scale_factor=2.3), ((1, 2, 3, 4),)),
    OpInfo("F.interpolate_nearest_down", lambda m, x: F(m).interpolate(x, size=(2, 3)), ((1, 2, 5, 7),)),
    OpInfo("F.interpolate_nearest_1d", lambda m, x: F(m).interpolate(x, size=7), ((2, 2, 3),)),
    OpInfo("F.interpolate_bilinear", lambda m, x: F(m).interpolate(x, scale_factor=2, mode="bilinear"),
           ((1, 2, 3, 4),)),
    OpInfo("F.interpolate_bilinear_fractional",
           lambda m, x: F(m).interpolate(x, scale_factor=(1.7, 2.5), mode="bilinear"), ((1, 2, 3, 4),)),
    OpInfo("F.interpolate_bilinear_align_corners",
           lambda m, x: F(m).interpolate(x, size=(5, 3), mode="bilinear", align_corners=True), ((2, 1, 3, 4),)),
    OpInfo("F.interpolate_bilinear_down", lambda m, x: F(m).interpolate(x, size=(2, 3), mode="bilinear"),
           ((1, 2, 5, 7),)),
    OpInfo("F.interpolate_linear", lambda m, x: F(m).interpolate(x, size=6, mode="linear", align_corners=False),
           ((2, 2, 4),)),
    OpInfo("F.interpolate_nearest_exact", lambda m, x: F(m).interpolate(x, size=(5, 3), mode="nearest-exact"),
           ((1, 2, 3, 4),)),
    OpInfo("F.interpolate_nearest_exact_1d", lambda m, x: F(m).interpolate(x, scale_factor=1.7, mode="nearest-exact"),
           ((2, 1, 4),)),
    OpInfo("F.interpolate_nearest_exact_3d", lambda m, x: F(m).interpolate(x, size=(3, 2, 4), mode="nearest-exact"),
           ((1, 1, 2, 3, 3),)),
    OpInfo("F.interpolate_nearest_3d", lambda m, x: F(m).interpolate(x, scale_factor=(2, 1.5, 1)), ((1, 1, 2, 3, 2),)),
    OpInfo("F.interpolate_trilinear", lambda m, x: F(m).interpolate(x, size=(3, 4, 3), mode="trilinear"),
           ((1, 1, 2, 3, 2),)),
    OpInfo("F.interpolate_trilinear_align_corners",
           lambda m, x: F(m).interpolate(x, scale_factor=1.5, mode="trilinear", align_corners=True),
           ((1, 1, 2, 2, 3),)),
    OpInfo("F.interpolate_bicubic", lambda m, x: F(m).interpolate(x, scale_factor=2, mode="bicubic"),
           ((1, 2, 3, 4),)),
    OpInfo("F.interpolate_bicubic_align_corners",
           lambda m, x: F(m).interpolate(x, size=(5, 3), mode="bicubic", align_corners=True), ((2, 1, 3, 4),)),
    OpInfo("F.interpolate_bicubic_down", lambda m, x: F(m).interpolate(x, size=(2, 3), mode="bicubic"),
           ((1, 1, 5, 7),)),
    OpInfo("F.interpolate_area", lambda m, x: F(m).interpolate(x, size=(2, 3), mode="area"), ((1, 2, 5, 7),)),
    OpInfo("F.interpolate_area_1d", lambda m, x: F(m).interpolate(x, size=3, mode="area"), ((2, 2, 7),)),
    OpInfo("F.interpolate_area_3d", lambda m, x: F(m).interpolate(x, size=(1, 2, 2), mode="area"), ((1, 1, 3, 3, 4),)),
    OpInfo("F.interpolate_area_scale", lambda m, x: F(m).interpolate(x, scale_factor=0.5, mode="area"),
           ((1, 1, 4, 6),)),
    OpInfo("F.interpolate_bilinear_antialias",
           lambda m, x: F(m).interpolate(x, size=(2, 3), mode="bilinear", antialias=True), ((1, 2, 5, 7),)),
    # sizes, not factors: PyTorch 2.13's antialiased kernel gives every row the first row's value when the output is
    # one column wide (its vertical pass reads a one-column image wrongly), which a fuzzed factor would reach
    OpInfo("F.interpolate_bilinear_antialias_up",
           lambda m, x: F(m).interpolate(x, size=(5, 3), mode="bilinear", antialias=True), ((1, 1, 3, 5),)),
    OpInfo("F.interpolate_lanczos",
           lambda m, x: F(m).interpolate(x, size=(3, 4), mode="lanczos", antialias=True), ((1, 2, 9, 7),)),
    OpInfo("F.interpolate_lanczos_up",
           lambda m, x: F(m).interpolate(x, size=(6, 5), mode="lanczos", antialias=True), ((1, 1, 4, 3),)),
    OpInfo("F.interpolate_bicubic_antialias",
           lambda m, x: F(m).interpolate(x, size=(3, 2), mode="bicubic", antialias=True), ((1, 1, 7, 6),)),
    OpInfo("F.interpolate_bicubic_antialias_align_corners",
           lambda m, x: F(m).interpolate(x, size=(2, 4), mode="bicubic", align_corners=True, antialias=True),
           ((1, 1, 6, 5),)),
    # ---- sliding blocks
    OpInfo("F.unfold", lambda m, x: F(m).unfold(x, 2), ((2, 3, 4, 5),)),
    OpInfo("F.unfold_geometry", lambda m, x: F(m).unfold(x, (2, 3), dilation=(2, 1), padding=1, stride=(1, 2)),
           ((1, 2, 5, 6),)),
    OpInfo("F.unfold_unbatched", lambda m, x: F(m).unfold(x, 3, padding=1), ((2, 3, 3),)),
    OpInfo("F.fold", lambda m, c: F(m).fold(c, (4, 5), 2), make=_fold_input),
    OpInfo("F.fold_geometry", lambda m, c: F(m).fold(c, (5, 6), (2, 3), dilation=(2, 1), padding=1, stride=(1, 2)),
           ((1, 12, 15),)),
    OpInfo("F.fold_unbatched", lambda m, c: F(m).fold(c, (3, 3), 3, padding=1), ((18, 9),)),
    # ---- normalisation in functional form
    OpInfo("F.batch_norm_4d", lambda m, x, w, b: F(m).batch_norm(x, None, None, w, b, training=True),
           ((3, 2, 3, 4), (2,), (2,))),
    OpInfo("F.group_norm", lambda m, x, w, b: F(m).group_norm(x, 2, w, b), ((2, 4, 3, 3), (4,), (4,))),
    OpInfo("F.group_norm_no_affine", lambda m, x: F(m).group_norm(x, 3, eps=1e-3), ((2, 3, 5),)),
    # ---- a small CNN end to end
    OpInfo("cnn_chain", lambda m, x, w1, w2: F(m).max_pool2d(F(m).relu(F(m).conv2d(
        F(m).max_pool2d(F(m).conv2d(x, w1, padding=1).tanh(), 2), w2)), 2).flatten(1).sum(1),
        ((2, 1, 8, 8), (3, 1, 3, 3), (4, 3, 3, 3))),
]

OPS.extend(VISION_OPS)
OPS_BY_NAME.update({op.name: op for op in VISION_OPS})
assert len(OPS_BY_NAME) == len(OPS), "op names must be unique"
