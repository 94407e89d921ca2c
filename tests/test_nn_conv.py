"""Vision layers beyond the tables: indices, PyTorch's error messages, initialisation, Dropout2d's masks."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch

import mytorch
import mytorch.nn.functional as F
from mytorch import nn


def _pair(rng, shape):
    x = rng.permutation(int(np.prod(shape))).reshape(shape).astype(np.float64)
    return mytorch.tensor(x), torch.tensor(x)


@pytest.mark.parametrize("call", [
    lambda f, x: f.max_pool2d(x, 3, 2, 1, return_indices=True),
    lambda f, x: f.max_pool2d(x, (2, 3), 1, (1, 0), dilation=2, ceil_mode=True, return_indices=True),
    lambda f, x: f.max_pool2d(x[0], 2, return_indices=True),
    lambda f, x: f.max_pool1d(x[:, :, 0], 3, 2, 1, return_indices=True),
    lambda f, x: f.adaptive_max_pool2d(x, (3, 2), return_indices=True),
    lambda f, x: f.adaptive_max_pool1d(x[:, :, 1], 4, return_indices=True),
], ids=["max_pool2d", "max_pool2d_dilation_ceil", "unbatched", "max_pool1d", "adaptive2d", "adaptive1d"])
def test_pooling_indices_match_torch(call, rng):
    x, tx = _pair(rng, (2, 3, 7, 6))
    out, idx = call(F, x)
    t_out, t_idx = call(torch.nn.functional, tx)
    np.testing.assert_array_equal(out.numpy(), t_out.numpy())
    np.testing.assert_array_equal(idx.numpy(), t_idx.numpy())
    assert idx.dtype == mytorch.int64


def test_max_pool_indices_without_a_graph_equal_those_with_one(rng):
    x = mytorch.tensor(rng.standard_normal((2, 2, 5, 5)), requires_grad=True)
    with mytorch.no_grad():
        _, a = F.max_pool2d(x, 2, return_indices=True)
    _, b = F.max_pool2d(x, 2, return_indices=True)
    np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_max_pool_ties_and_nan_follow_torch():
    values = np.array([[[[1.0, 1.0, 0.0], [1.0, np.nan, 2.0], [3.0, 3.0, np.nan]]]])
    x, tx = mytorch.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)
    out, idx = F.max_pool2d(x, 2, 1, return_indices=True)
    t_out, t_idx = torch.nn.functional.max_pool2d(tx, 2, 1, return_indices=True)
    np.testing.assert_array_equal(idx.numpy(), t_idx.numpy())
    np.testing.assert_array_equal(out.detach().numpy(), t_out.detach().numpy())


BAD_CALLS = [
    ("conv2d channels", lambda m: m.nn.functional.conv2d(m.zeros(2, 3, 8, 8), m.zeros(6, 1, 5, 5))),
    ("conv2d 2-D input", lambda m: m.nn.functional.conv2d(m.zeros(8, 8), m.zeros(6, 1, 5, 5))),
    ("conv2d kernel too large", lambda m: m.nn.functional.conv2d(m.zeros(2, 1, 3, 3), m.zeros(6, 1, 5, 5))),
    ("conv2d same strided", lambda m: m.nn.functional.conv2d(m.zeros(1, 3, 8, 8), m.zeros(6, 3, 3, 3), stride=2,
                                                             padding="same")),
    ("conv2d bad padding string", lambda m: m.nn.functional.conv2d(m.zeros(1, 3, 8, 8), m.zeros(6, 3, 3, 3),
                                                                   padding="foo")),
    ("conv2d groups", lambda m: m.nn.functional.conv2d(m.zeros(2, 3, 8, 8), m.zeros(6, 3, 3, 3), groups=2)),
    ("conv2d bias", lambda m: m.nn.functional.conv2d(m.zeros(2, 4, 5, 5), m.zeros(5, 4, 3, 3), m.zeros(4))),
    ("conv2d stride 0", lambda m: m.nn.functional.conv2d(m.zeros(2, 4, 5, 5), m.zeros(5, 4, 3, 3), stride=0)),
    ("conv2d negative padding", lambda m: m.nn.functional.conv2d(m.zeros(2, 4, 5, 5), m.zeros(5, 4, 3, 3),
                                                                 padding=-1)),
    ("conv1d channels", lambda m: m.nn.functional.conv1d(m.zeros(2, 3), m.zeros(6, 3, 3))),
    ("conv_transpose2d channels", lambda m: m.nn.functional.conv_transpose2d(m.zeros(2, 4, 5, 5),
                                                                             m.zeros(3, 4, 3, 3))),
    ("conv_transpose2d output_padding", lambda m: m.nn.functional.conv_transpose2d(
        m.zeros(2, 3, 5, 5), m.zeros(3, 2, 3, 3), stride=2, output_padding=2)),
    ("Conv2d in_channels groups", lambda m: m.nn.Conv2d(3, 6, 3, groups=2)),
    ("Conv2d out_channels groups", lambda m: m.nn.Conv2d(4, 6, 3, groups=4)),
    ("Conv2d padding_mode", lambda m: m.nn.Conv2d(3, 6, 3, padding_mode="foo")),
    ("Conv2d same strided", lambda m: m.nn.Conv2d(3, 6, 3, stride=2, padding="same")),
    ("max_pool2d padding", lambda m: m.nn.functional.max_pool2d(m.zeros(2, 3, 8, 8), 3, padding=2)),
    ("max_pool2d too small", lambda m: m.nn.functional.max_pool2d(m.zeros(2, 3, 2, 2), 3)),
    ("max_pool2d 1-D", lambda m: m.nn.functional.max_pool2d(m.zeros(8), 3)),
    ("avg_pool2d padding", lambda m: m.nn.functional.avg_pool2d(m.zeros(2, 3, 8, 8), 3, padding=2)),
    ("avg_pool2d too small", lambda m: m.nn.functional.avg_pool2d(m.zeros(2, 3, 2, 2), 3)),
    ("pad reflect size", lambda m: m.nn.functional.pad(m.zeros(2, 3, 3, 3), (3, 3), mode="reflect")),
    ("pad reflect too wide", lambda m: m.nn.functional.pad(m.zeros(2, 3, 3), (3, 3), mode="reflect")),
    ("pad odd length", lambda m: m.nn.functional.pad(m.zeros(3, 3), (1,))),
    ("pad mode", lambda m: m.nn.functional.pad(m.zeros(3, 3), (1, 1), mode="foo")),
    ("BatchNorm2d 2-D", lambda m: m.nn.BatchNorm2d(3)(m.zeros(3, 4))),
    ("GroupNorm divisible", lambda m: m.nn.GroupNorm(4, 6)),
    ("GroupNorm weight", lambda m: m.nn.GroupNorm(2, 6)(m.zeros(2, 4, 5))),
    ("interpolate both", lambda m: m.nn.functional.interpolate(m.zeros(1, 1, 4, 4), size=(4, 4), scale_factor=2)),
    ("interpolate neither", lambda m: m.nn.functional.interpolate(m.zeros(1, 1, 4, 4))),
    ("interpolate align_corners nearest", lambda m: m.nn.functional.interpolate(
        m.zeros(1, 1, 4, 4), scale_factor=2, align_corners=True)),
    ("interpolate bilinear 3-D", lambda m: m.nn.functional.interpolate(m.zeros(2, 3, 4), scale_factor=2,
                                                                       mode="bilinear")),
    ("interpolate size and recompute", lambda m: m.nn.functional.interpolate(
        m.zeros(1, 1, 4, 4), size=3, recompute_scale_factor=True)),
    ("interpolate bicubic 5-D", lambda m: m.nn.functional.interpolate(m.zeros(1, 1, 2, 2, 2), size=3, mode="bicubic")),
    ("interpolate antialias nearest", lambda m: m.nn.functional.interpolate(m.zeros(1, 1, 4, 4), size=2,
                                                                            antialias=True)),
    ("interpolate no channels", lambda m: m.nn.functional.interpolate(m.zeros(1, 0, 4, 4), size=2, mode="bicubic")),
    ("interpolate empty axis", lambda m: m.nn.functional.interpolate(m.zeros(1, 1, 0, 4, 4), size=2,
                                                                     mode="trilinear")),
    ("interpolate area empty axis", lambda m: m.nn.functional.interpolate(m.zeros(1, 1, 4, 0), size=2, mode="area")),
    ("interpolate area negative", lambda m: m.nn.functional.interpolate(m.zeros(1, 1, 4), scale_factor=-1.0,
                                                                        mode="area")),
    ("fold blocks", lambda m: m.nn.functional.fold(m.zeros(2, 12, 8), (4, 4), 2)),
    ("unfold kernel too large", lambda m: m.nn.functional.unfold(m.zeros(2, 3, 4, 4), 5)),
]


@pytest.mark.parametrize("name, call", BAD_CALLS, ids=[b[0] for b in BAD_CALLS])
def test_errors_are_torchs(name, call):
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(type(theirs.value)) as ours:
        call(mytorch)
    expected = str(theirs.value).replace("torch.", "").split(" (")[0].split("{")[0]  # a set's order varies
    assert str(ours.value).startswith(expected[:60]), f"{name}: {ours.value!s} vs torch's {theirs.value!s}"


@pytest.mark.parametrize("make, fan_in", [
    (lambda: nn.Conv2d(6, 16, 5), 150),
    (lambda: nn.Conv2d(4, 8, (3, 2), groups=2), 12),
    (lambda: nn.Conv1d(3, 5, 4), 12),
    (lambda: nn.ConvTranspose2d(4, 6, 3), 54),  # weight (4, 6, 3, 3): fan_in = 6·9
])
def test_default_init_is_kaiming_uniform_then_bias_uniform(make, fan_in):
    mytorch.manual_seed(7)
    m = make()
    bound = 1 / math.sqrt(fan_in)  # kaiming_uniform_(a=√5): gain √(2/6), bound gain·√(3/fan_in)
    mytorch.manual_seed(7)
    w = mytorch.empty(*m.weight.shape).uniform_(-bound, bound)
    b = mytorch.empty(*m.bias.shape).uniform_(-bound, bound)
    np.testing.assert_array_equal(m.weight.detach().numpy(), w.numpy())
    np.testing.assert_array_equal(m.bias.detach().numpy(), b.numpy())
    t = {"Conv2d": torch.nn.Conv2d, "Conv1d": torch.nn.Conv1d, "ConvTranspose2d": torch.nn.ConvTranspose2d}
    twin = t[type(m).__name__](m.in_channels, m.out_channels, m.kernel_size, groups=m.groups)
    assert tuple(twin.weight.shape) == tuple(m.weight.shape)
    assert abs(float(twin.weight.abs().max()) - bound) < 0.1 * bound


def test_conv_state_dict_and_repr_are_torchs():
    m, t = nn.Conv2d(3, 8, 3, stride=2, padding=1, bias=False), torch.nn.Conv2d(3, 8, 3, stride=2, padding=1,
                                                                               bias=False)
    assert list(m.state_dict()) == list(t.state_dict()) == ["weight"]
    assert repr(m) == repr(t)
    for make in (lambda lib: lib.nn.MaxPool2d(2), lambda lib: lib.nn.BatchNorm2d(4),
                 lambda lib: lib.nn.ConvTranspose2d(2, 3, 3, stride=2, output_padding=1),
                 lambda lib: lib.nn.Conv1d(2, 4, 3, padding="same", padding_mode="reflect")):
        assert repr(make(mytorch)) == repr(make(torch))


def test_dropout2d_zeroes_whole_channels_with_the_generators_draws():
    x = mytorch.ones(4, 6, 3, 5)
    mytorch.manual_seed(3)
    y = nn.Dropout2d(0.4)(x).numpy()
    planes = y.reshape(4, 6, -1)
    assert np.all(planes == planes[:, :, :1])  # one value per (n, c)
    assert set(np.unique(planes)) <= {0.0, np.float32(1 / 0.6)}
    torch.manual_seed(3)  # the same seed draws torch's channel mask, bit for bit
    assert y.tobytes() == torch.nn.Dropout2d(0.4)(torch.ones(4, 6, 3, 5)).numpy().tobytes()
    assert np.array_equal(nn.Dropout2d(0.4).eval()(x).numpy(), x.numpy())


def test_dropout2d_gradient_and_3d_warning():
    x = mytorch.randn(2, 3, 4, requires_grad=True)
    with pytest.warns(UserWarning, match="3D input to dropout2d"):
        y = F.dropout2d(x, 0.5)
    y.sum().backward()
    mask = (y.detach().numpy() != 0) * 2.0
    np.testing.assert_allclose(x.grad.numpy(), mask)


def test_conv_transpose_output_size_picks_output_padding(rng):
    m = nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1)
    t = torch.nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1)
    t.load_state_dict({k: torch.tensor(v.numpy()) for k, v in m.state_dict().items()})
    x = rng.standard_normal((1, 2, 4, 4)).astype(np.float32)
    out = m(mytorch.tensor(x), output_size=(8, 8))
    assert out.shape == (1, 3, 8, 8)
    np.testing.assert_allclose(out.detach().numpy(), t(torch.tensor(x), output_size=(8, 8)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="requested an output size"):
        m(mytorch.tensor(x), output_size=(10, 10))


def test_reflect_padding_keeps_inf_and_nan():
    values = np.array([[[1.0, np.inf, np.nan, 2.0]]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours = F.pad(mytorch.tensor(values), (2, 2), mode="reflect").numpy()
    theirs = torch.nn.functional.pad(torch.tensor(values), (2, 2), mode="reflect").numpy()
    np.testing.assert_array_equal(ours, theirs)


def test_conv_on_float32_keeps_float32_and_refuses_mixed_dtypes():
    x = mytorch.randn(1, 2, 4, 4)
    m = nn.Conv2d(2, 2, 3)
    assert m(x).dtype == mytorch.float32
    with pytest.raises(RuntimeError, match="expected scalar type"):
        m(x.double())


def _vision_nodes(out):
    """The graph nodes of ``out`` whose op lives in ops.conv / ops.pad / ops.pool."""
    seen, stack, found = set(), [out.grad_fn], []
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen or isinstance(node, mytorch.Tensor):
            continue
        seen.add(id(node))
        if type(node).__module__.split(".")[-1] in ("conv", "pad", "pool"):
            found.append(node)
        stack.extend(f[0] if isinstance(f, tuple) else f for f in node.next_functions)  # (node, index) pairs
    return found


# (an adaptive average to 1 x 1 is a mean(), as in PyTorch: no op of ops.pool)
@pytest.mark.parametrize("name", [op.name for op in __import__("op_db").OPS if op.name.startswith(("F.conv", "F.max",
                                  "F.avg", "F.pad", "F.interp", "F.unfold", "F.fold", "F.adaptive_avg", "cnn"))
                                  and op.name != "F.adaptive_avg_pool2d_1"])
def test_backward_graph_computes_what_backward_computes(name, rng):
    """Each op's Tensor-level ``backward_graph`` (double-backward contract) against its array ``backward``."""
    from op_db import OPS_BY_NAME

    op = OPS_BY_NAME[name]
    inputs = [mytorch.tensor(a, requires_grad=i not in op.const) for i, a in enumerate(op.inputs(rng, np.float64))]
    nodes = _vision_nodes(op.fn(mytorch, *inputs))
    assert nodes
    for node in nodes:
        grad = rng.standard_normal(node._shape)
        expected = type(node).backward(node, grad)
        expected = expected if isinstance(expected, tuple) else (expected,)
        saved = node.saved_tensors
        node.saved_tensors = tuple(mytorch.tensor(a) if isinstance(a, np.ndarray) else a for a in saved)
        try:
            got = type(node).backward_graph(node, mytorch.tensor(grad))
        finally:
            node.saved_tensors = saved
        got = got if isinstance(got, tuple) else (got,)
        for e, g in zip(expected, got):
            if e is None:
                continue
            np.testing.assert_allclose(g.detach().numpy(), e, rtol=1e-10, atol=1e-12, err_msg=type(node).__name__)


_CONV_ROWS = [op for op in __import__("op_db").OPS if op.name.startswith(("F.conv2d", "F.conv1d", "cnn"))]


@pytest.mark.parametrize("layout", ["windows", "flat", "flat-blocked"])
@pytest.mark.parametrize("op", _CONV_ROWS, ids=lambda op: op.name)
def test_every_column_layout_matches_torch(op, layout, rng, monkeypatch):
    """The windows layout (any stride), the flat layout (stride 1) and its blocked form (one thread, one
    group), each forced on every conv row."""
    from mytorch.ops import conv
    from test_ops import test_gradcheck, test_matches_torch

    monkeypatch.setattr(conv._Plan, "FLAT_WASTE", 0.0 if layout == "windows" else 1e9)
    monkeypatch.setattr(conv, "BLOCKED", layout == "flat-blocked")
    monkeypatch.setattr(conv, "_BLOCK_BYTES", 256)  # several blocks even for the tables' small shapes
    test_matches_torch(op, np.float64, rng)
    test_gradcheck(op, rng)


@pytest.mark.parametrize("layout", ["flat", "flat-blocked"])
def test_a_nan_input_in_the_flat_layouts_dropped_columns_stays_out_of_the_weight_gradient(layout, monkeypatch):
    """The flat layout reads the next row's first inputs into columns past each row's end; their gradient is 0,
    but nan·0 is nan: dW[o, c, 0] = Σ_t g[o, t]·x[c, t] must not see x[c, L] (found by the extreme fills)."""
    from mytorch.ops import conv

    monkeypatch.setattr(conv._Plan, "FLAT_WASTE", 1e9)
    monkeypatch.setattr(conv, "BLOCKED", layout == "flat-blocked")
    x = np.array([[[1.0, 2.0, -1.0, 0.5, np.nan], [0.5, -2.0, 3.0, 1.0, np.inf]]] * 2)
    w = np.arange(12.0).reshape(2, 2, 3) / 7
    ours = [mytorch.tensor(a, requires_grad=True) for a in (x, w)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w)]
    F.conv1d(*ours).sum().backward()
    torch.nn.functional.conv1d(*theirs).sum().backward()
    np.testing.assert_array_equal(ours[1].grad.numpy(), theirs[1].grad.numpy())


@pytest.mark.parametrize("shape, kwargs", [
    ((1, 2, 2), dict(scale_factor=2.3)),  # nearest: the forward reads ⌊i/2.3⌋, the backward kernel i // 2
    ((1, 1, 4, 6), dict(scale_factor=(1.1, 0.5), mode="bilinear", antialias=True)),  # the forward copies H
    ((1, 1, 4, 6), dict(scale_factor=(1.1, 1.1), mode="bicubic", antialias=True)),
], ids=["nearest_2n_by_2.3", "antialias_kept_axis", "antialias_bicubic_kept_axes"])
def test_interpolate_gradients_follow_torchs_backward_kernels(shape, kwargs, rng):
    """Where PyTorch's backward kernel is not the transpose of its forward, the gradient is its backward's."""
    x = rng.standard_normal(shape)
    ours, theirs = mytorch.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, yt = F.interpolate(ours, **kwargs), torch.nn.functional.interpolate(theirs, **kwargs)
    g = rng.standard_normal(tuple(yt.shape))
    y.backward(mytorch.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_lanczos_errors_are_torchs():
    x = np.random.default_rng(0).standard_normal((1, 1, 6, 6))
    for kwargs in ({"align_corners": True, "antialias": True}, {}):
        errors = []
        for lib in (mytorch, torch):
            with pytest.raises(ValueError) as e:
                lib.nn.functional.interpolate(lib.tensor(x), size=(3, 3), mode="lanczos", **kwargs)
            errors.append(str(e.value))
        assert errors[0] == errors[1]
