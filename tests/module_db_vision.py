"""Rows of the module table for the vision layers (issue 22): convolutions, pooling, normalisation,
dropout, resampling, sliding blocks and padding layers, plus a small CNN.

Joined to ``module_db.MODULES`` by one line at the end of ``module_db.py`` (the import appends them);
``test_nn_parity.py`` copies each mytorch module's weights into its torch twin and compares forward,
input and parameter gradients and buffers, and runs a float64 gradcheck.
"""

from __future__ import annotations

from module_db import MODULES, MODULES_BY_NAME, ModuleInfo


def _lenet(lib):
    nn = lib.nn
    return nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(2, 3, 3), nn.Tanh(),
                         nn.AvgPool2d(2), nn.Flatten(), nn.Linear(3, 2))


def _res_block(lib):
    nn = lib.nn
    return nn.Sequential(nn.Conv2d(2, 3, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(3), nn.ReLU(),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten())


VISION_MODULES: list[ModuleInfo] = [
    # ---- convolutions
    ModuleInfo("Conv2d", lambda lib: lib.nn.Conv2d(2, 3, 3), ((2, 2, 5, 4),)),
    ModuleInfo("Conv2d_stride_padding_dilation", lambda lib: lib.nn.Conv2d(2, 4, (3, 2), stride=(2, 1),
               padding=(1, 2), dilation=(1, 2)), ((2, 2, 5, 5),)),
    ModuleInfo("Conv2d_groups_no_bias", lambda lib: lib.nn.Conv2d(4, 6, 2, groups=2, bias=False), ((2, 4, 3, 4),)),
    ModuleInfo("Conv2d_depthwise", lambda lib: lib.nn.Conv2d(3, 3, 3, padding=1, groups=3), ((2, 3, 4, 4),)),
    ModuleInfo("Conv2d_same", lambda lib: lib.nn.Conv2d(2, 2, (2, 3), padding="same"), ((1, 2, 4, 5),)),
    ModuleInfo("Conv2d_valid", lambda lib: lib.nn.Conv2d(2, 2, 2, padding="valid"), ((1, 2, 3, 4),)),
    ModuleInfo("Conv2d_reflect", lambda lib: lib.nn.Conv2d(2, 3, 3, padding=1, padding_mode="reflect"),
               ((2, 2, 4, 4),)),
    ModuleInfo("Conv2d_replicate", lambda lib: lib.nn.Conv2d(2, 2, 3, padding=(2, 1), padding_mode="replicate"),
               ((1, 2, 3, 4),)),
    ModuleInfo("Conv2d_circular", lambda lib: lib.nn.Conv2d(1, 2, 3, stride=2, padding=1, padding_mode="circular"),
               ((2, 1, 5, 4),)),
    ModuleInfo("Conv2d_same_reflect", lambda lib: lib.nn.Conv2d(2, 2, 4, padding="same", padding_mode="reflect"),
               ((1, 2, 5, 5),)),
    ModuleInfo("Conv2d_unbatched", lambda lib: lib.nn.Conv2d(2, 3, 2), ((2, 4, 3),)),
    ModuleInfo("Conv1d", lambda lib: lib.nn.Conv1d(3, 4, 3), ((2, 3, 6),)),
    ModuleInfo("Conv1d_stride_groups", lambda lib: lib.nn.Conv1d(4, 2, 3, stride=2, padding=1, groups=2),
               ((2, 4, 7),)),
    ModuleInfo("Conv1d_same_circular", lambda lib: lib.nn.Conv1d(2, 3, 3, padding="same", padding_mode="circular"),
               ((2, 2, 5),)),
    ModuleInfo("Conv1d_unbatched", lambda lib: lib.nn.Conv1d(2, 2, 2, dilation=2), ((2, 6),)),
    ModuleInfo("ConvTranspose2d", lambda lib: lib.nn.ConvTranspose2d(3, 2, 3), ((2, 3, 3, 3),)),
    ModuleInfo("ConvTranspose2d_stride_padding_output_padding", lambda lib: lib.nn.ConvTranspose2d(
        2, 3, 3, stride=2, padding=1, output_padding=1), ((2, 2, 3, 2),)),
    ModuleInfo("ConvTranspose2d_groups_dilation_no_bias", lambda lib: lib.nn.ConvTranspose2d(
        4, 2, (2, 3), stride=(1, 2), groups=2, dilation=(2, 1), bias=False), ((1, 4, 3, 3),)),
    ModuleInfo("ConvTranspose2d_unbatched", lambda lib: lib.nn.ConvTranspose2d(2, 2, 2, stride=2), ((2, 2, 3),)),
    # ---- pooling
    ModuleInfo("MaxPool2d", lambda lib: lib.nn.MaxPool2d(2), ((2, 2, 4, 6),)),
    ModuleInfo("MaxPool2d_stride_padding_ceil", lambda lib: lib.nn.MaxPool2d(3, 2, 1, ceil_mode=True),
               ((1, 2, 6, 5),)),
    ModuleInfo("MaxPool2d_dilation", lambda lib: lib.nn.MaxPool2d(2, 1, dilation=2), ((1, 2, 5, 5),)),
    ModuleInfo("MaxPool1d", lambda lib: lib.nn.MaxPool1d(3, 2, 1), ((2, 3, 7),)),
    ModuleInfo("AvgPool2d", lambda lib: lib.nn.AvgPool2d(2), ((2, 2, 4, 6),)),
    ModuleInfo("AvgPool2d_padding_exclude_ceil", lambda lib: lib.nn.AvgPool2d(3, 2, 1, ceil_mode=True,
               count_include_pad=False), ((1, 2, 6, 5),)),
    ModuleInfo("AvgPool2d_divisor_override", lambda lib: lib.nn.AvgPool2d(2, divisor_override=3), ((1, 2, 4, 4),)),
    ModuleInfo("AvgPool1d", lambda lib: lib.nn.AvgPool1d(2), ((2, 3, 6),)),
    ModuleInfo("AdaptiveAvgPool2d", lambda lib: lib.nn.AdaptiveAvgPool2d((2, 3)), ((2, 2, 5, 7),)),
    ModuleInfo("AdaptiveAvgPool2d_1", lambda lib: lib.nn.AdaptiveAvgPool2d(1), ((2, 3, 3, 3),)),
    ModuleInfo("AdaptiveAvgPool1d", lambda lib: lib.nn.AdaptiveAvgPool1d(3), ((2, 2, 7),)),
    ModuleInfo("AdaptiveMaxPool2d", lambda lib: lib.nn.AdaptiveMaxPool2d((3, 2)), ((2, 2, 5, 5),)),
    ModuleInfo("AdaptiveMaxPool1d", lambda lib: lib.nn.AdaptiveMaxPool1d(2), ((2, 2, 5),)),
    # ---- normalisation and dropout
    ModuleInfo("BatchNorm2d_train", lambda lib: lib.nn.BatchNorm2d(3), ((2, 3, 3, 4),)),
    ModuleInfo("BatchNorm2d_eval", lambda lib: lib.nn.BatchNorm2d(3), ((2, 3, 3, 4),), train=False),
    ModuleInfo("BatchNorm2d_no_affine_momentum_None", lambda lib: lib.nn.BatchNorm2d(2, affine=False, momentum=None),
               ((3, 2, 2, 3),)),
    ModuleInfo("GroupNorm", lambda lib: lib.nn.GroupNorm(2, 4), ((2, 4, 3, 3),)),
    ModuleInfo("GroupNorm_no_affine", lambda lib: lib.nn.GroupNorm(3, 3, affine=False, eps=1e-3), ((2, 3, 5),)),
    ModuleInfo("GroupNorm_instance", lambda lib: lib.nn.GroupNorm(4, 4), ((2, 4, 2, 3),), train=False),
    ModuleInfo("Dropout2d_eval", lambda lib: lib.nn.Dropout2d(0.4), ((2, 3, 2, 2),), train=False),
    ModuleInfo("Dropout2d_p0", lambda lib: lib.nn.Dropout2d(0.0), ((2, 3, 2, 2),)),
    # ---- resampling, sliding blocks, padding
    ModuleInfo("Upsample_nearest", lambda lib: lib.nn.Upsample(scale_factor=2), ((1, 2, 3, 3),)),
    ModuleInfo("Upsample_bilinear", lambda lib: lib.nn.Upsample(size=(5, 4), mode="bilinear"), ((1, 2, 3, 3),)),
    ModuleInfo("Upsample_bilinear_align_corners", lambda lib: lib.nn.Upsample(scale_factor=1.5, mode="bilinear",
               align_corners=True), ((1, 1, 4, 3),)),
    ModuleInfo("Upsample_nearest_exact", lambda lib: lib.nn.Upsample(scale_factor=1.6, mode="nearest-exact"),
               ((1, 2, 3, 3),)),
    ModuleInfo("Upsample_bicubic", lambda lib: lib.nn.Upsample(size=(5, 4), mode="bicubic"), ((1, 2, 3, 3),)),
    ModuleInfo("Upsample_trilinear", lambda lib: lib.nn.Upsample(scale_factor=(1.5, 2, 1), mode="trilinear",
               align_corners=True), ((1, 1, 2, 3, 2),)),
    ModuleInfo("Upsample_nearest_3d", lambda lib: lib.nn.Upsample(size=(3, 2, 4)), ((1, 2, 2, 3, 2),)),
    ModuleInfo("Upsample_area", lambda lib: lib.nn.Upsample(size=(2, 3), mode="area"), ((1, 2, 5, 4),)),
    ModuleInfo("UpsamplingNearest2d", lambda lib: lib.nn.UpsamplingNearest2d(scale_factor=2), ((1, 2, 2, 3),)),
    ModuleInfo("UpsamplingBilinear2d", lambda lib: lib.nn.UpsamplingBilinear2d(size=(4, 5)), ((1, 2, 3, 3),)),
    ModuleInfo("Unfold", lambda lib: lib.nn.Unfold(2, padding=1, stride=2), ((2, 2, 3, 4),)),
    ModuleInfo("Fold", lambda lib: lib.nn.Fold((3, 4), 2), ((2, 8, 6),)),
    ModuleInfo("ZeroPad2d", lambda lib: lib.nn.ZeroPad2d((1, 0, 2, 1)), ((2, 2, 3),)),
    ModuleInfo("ConstantPad2d", lambda lib: lib.nn.ConstantPad2d(1, 0.5), ((1, 2, 2, 3),)),
    ModuleInfo("ReflectionPad2d", lambda lib: lib.nn.ReflectionPad2d(2), ((1, 2, 3, 4),)),
    ModuleInfo("ReplicationPad2d", lambda lib: lib.nn.ReplicationPad2d((1, 2, 0, 1)), ((1, 2, 3, 3),)),
    ModuleInfo("CircularPad2d", lambda lib: lib.nn.CircularPad2d(1), ((1, 1, 3, 3),)),
    # ---- small networks
    ModuleInfo("Sequential_lenet_like", _lenet, ((2, 1, 8, 8),)),
    ModuleInfo("Sequential_conv_bn_pool", _res_block, ((3, 2, 5, 5),)),
]

MODULES.extend(VISION_MODULES)
MODULES_BY_NAME.update({m.name: m for m in VISION_MODULES})
assert len(MODULES_BY_NAME) == len(MODULES), "module names must be unique"
