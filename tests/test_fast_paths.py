"""The speed paths of the core against the plain NumPy they replace, bit for bit.

Each fast path computes exactly what a slower, obvious expression computes; these tests hold it to
that (``np.array_equal`` on the bits, not a tolerance): the branch-free select of ReLU/clamp
backward against ``np.where``, BatchNorm/LayerNorm statistics against ``x.mean``/``x.var``, the
dropout mask from raw generator words against comparing uniform floats (and the generator left in
the same state), and the one-node dropout against the product it replaces.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import mytorch
import mytorch.nn.functional as F
from mytorch.nn.functional.normalization import Normalize, _moments
from mytorch.ops._util import masked

FLOATS = [np.float16, np.float32, np.float64]


def _same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


# ---------------------------------------------------------------- masked == where(mask, g, 0)
@settings(max_examples=200, deadline=None)
@given(data=st.data(), dtype=st.sampled_from(FLOATS))
def test_masked_is_where_bit_for_bit(data, dtype):
    shape = data.draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=6))
    grad = data.draw(hnp.arrays(dtype, shape, elements=st.floats(allow_nan=True, allow_infinity=True, width=16)))
    mask = data.draw(hnp.arrays(np.bool_, shape))
    expected = np.where(mask, grad, np.zeros((), dtype))
    got = masked(grad, mask)
    assert _same_bits(np.asarray(got), expected)
    assert not np.shares_memory(got, grad)


def test_masked_keeps_nan_inf_and_signed_zero_where_selected_and_zeroes_the_rest():
    g = np.array([np.nan, np.inf, -np.inf, -0.0, 3.0, np.nan, np.inf, -2.0], np.float32)
    m = np.array([1, 1, 1, 1, 1, 0, 0, 0], bool)
    got = masked(g, m)
    assert _same_bits(got, np.where(m, g, np.float32(0)))
    assert np.signbit(got[3]) and not np.signbit(got[7])  # -0 kept where selected, +0 where not


def test_masked_falls_back_for_broadcast_masks_and_non_contiguous_gradients():
    g = np.arange(12.0).reshape(3, 4)[:, ::2]  # a strided view
    m = np.array([True, False])
    assert _same_bits(masked(g, np.broadcast_to(m, g.shape).copy()), np.where(m, g, 0.0))
    assert _same_bits(masked(g, m), np.where(m, g, 0.0))  # broadcast mask: np.where itself


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_and_clamp_backward_are_the_masked_gradient(dtype, rng):
    x = rng.standard_normal((64, 33)).astype(dtype)
    x[0, :4] = 0.0  # the subgradient at 0 is 0, as torch
    g = rng.standard_normal((64, 33)).astype(dtype)
    g[1, :3] = [np.nan, np.inf, -np.inf]
    t = mytorch.tensor(x, requires_grad=True)
    t.relu().backward(mytorch.tensor(g))
    assert _same_bits(t.grad.numpy(), np.where(x > 0, g, dtype(0)))
    t.grad = None
    t.clamp(-0.5, 0.7).backward(mytorch.tensor(g))
    assert _same_bits(t.grad.numpy(), np.where((x >= -0.5) & (x <= 0.7), g, dtype(0)))


# ---------------------------------------------------------------- normalisation statistics
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape, axes", [((100, 50), (0,)), ((7, 5, 9), (0, 2)), ((4, 6, 3), (1, 2)),
                                         ((3, 1), (0,)), ((1, 8), (1,))])
def test_moments_are_numpys_mean_and_var(shape, axes, dtype, rng):
    x = (rng.standard_normal(shape) * 3 + 1).astype(dtype)
    mean, var, centered = _moments(x, axes)
    assert _same_bits(mean, x.mean(axis=axes, keepdims=True))
    assert _same_bits(var, x.var(axis=axes, keepdims=True))
    assert _same_bits(centered, x - x.mean(axis=axes, keepdims=True))


def test_moments_of_float16_and_empty_inputs_are_numpys_own(rng):
    x = rng.standard_normal((6, 4)).astype(np.float16)
    mean, var, centered = _moments(x, (0,))
    assert centered is None and _same_bits(mean, x.mean(axis=(0,), keepdims=True))
    assert _same_bits(var, x.var(axis=(0,), keepdims=True))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(32, 6), (8, 6, 5)])
def test_batch_norm_forward_and_backward_are_pytorchs_formulas_bit_for_bit(shape, dtype, rng):
    """The training-mode forward and backward against PyTorch's CPU arithmetic written in NumPy (its fast kernel:
    float64 sums, x·α + β with β one multiply-add), and close to PyTorch itself."""
    x = rng.standard_normal(shape).astype(dtype)
    w, b = rng.standard_normal(6).astype(dtype), rng.standard_normal(6).astype(dtype)
    g = rng.standard_normal(shape).astype(dtype)
    axes = (0,) if len(shape) == 2 else (0, 2)
    aff = (6,) if len(shape) == 2 else (6, 1)
    tx, tw, tb = (mytorch.tensor(a, requires_grad=True) for a in (x, w, b))
    out = F.batch_norm(tx, None, None, tw, tb, training=True, eps=1e-5)
    out.backward(mytorch.tensor(g))

    n = x.size // 6
    wide = np.float64 if dtype == np.float32 else np.longdouble
    mean = (x.sum(axis=axes, keepdims=True, dtype=np.float64) / n).astype(dtype)
    c = x - mean
    var_sum = (c * c).sum(axis=axes, keepdims=True, dtype=np.float64).astype(dtype)
    r = (1.0 / np.sqrt(var_sum.astype(np.float64) / n + 1e-5)).astype(dtype)
    alpha = r * w.reshape(aff)
    beta = ((-mean).astype(wide) * alpha + b.reshape(aff)).astype(dtype)
    assert _same_bits(out.detach().numpy(), x * alpha + beta)
    if len(shape) == 2:
        total, dotp = g.sum(axis=0, keepdims=True, dtype=np.float64), (c * g).sum(axis=0, keepdims=True,
                                                                                     dtype=np.float64)
    else:
        total = g.sum(axis=2, keepdims=True).sum(axis=0, keepdims=True, dtype=np.float64)
        dotp = (c * g).sum(axis=2, keepdims=True).sum(axis=0, keepdims=True, dtype=np.float64)
    k = dotp.astype(dtype) * r * r / dtype(n)
    gx = ((g - (total / n).astype(dtype) - c * k) * r) * w.reshape(aff)
    assert _same_bits(tx.grad.numpy(), gx)
    assert _same_bits(tw.grad.numpy(), (dotp * r).astype(dtype).reshape(6))
    assert _same_bits(tb.grad.numpy(), total.astype(dtype).reshape(6))
    assert isinstance(out.grad_fn, Normalize)
    px, pw, pb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    torch.nn.functional.batch_norm(px, None, None, pw, pb, training=True, eps=1e-5).backward(torch.tensor(g))
    tol = 1e-5 if dtype == np.float32 else 1e-12
    for mine, theirs in ((tx, px), (tw, pw), (tb, pb)):
        np.testing.assert_allclose(mine.grad.numpy(), theirs.grad.numpy(), rtol=tol, atol=tol)


# ---------------------------------------------------------------- dropout
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("p", [0.2, 0.5, 0.9])
def test_dropout_is_the_product_with_the_scaled_mask(p, dtype, rng):
    x = rng.standard_normal((16, 9)).astype(dtype)
    g = rng.standard_normal((16, 9)).astype(dtype)
    mytorch.manual_seed(5)
    t = mytorch.tensor(x, requires_grad=True)
    out = F.dropout(t, p)
    out.backward(mytorch.tensor(g))
    torch.manual_seed(5)  # PyTorch's CPU dropout mask: noise.bernoulli_(1 - p).div_(1 - p)
    mask = torch.empty(x.shape, dtype=torch.from_numpy(x).dtype).bernoulli_(1 - p).div_(1 - p).numpy()
    assert _same_bits(out.detach().numpy(), x * mask)
    assert _same_bits(t.grad.numpy(), g * mask)
    assert out.grad_fn.name() == "MulBackward0"  # torch's name on the CPU


def test_dropout_of_an_integer_tensor_promotes_like_a_product():
    mytorch.manual_seed(0)
    out = F.dropout(mytorch.ones(4, 4, dtype=mytorch.int64), 0.5)
    assert out.dtype == mytorch.float32 and set(np.unique(out.numpy())) <= {0.0, 2.0}


# ---------------------------------------------------------------- cross-entropy's plain case == its general path
@settings(max_examples=150, deadline=None)
@given(data=st.data(), dtype=st.sampled_from([np.float32, np.float64]),
       reduction=st.sampled_from(["mean", "sum", "none"]), grad_dtype=st.sampled_from([None, np.float64]))
def test_cross_entropy_plain_case_is_the_general_path_bit_for_bit(data, dtype, reduction, grad_dtype):
    """No weight, no smoothing, no ignored target: the short path (every w_t = 1) gives the general path's bits,
    forward, backward (an upstream gradient of another dtype included) and backward_graph."""
    from mytorch.nn.functional.loss import CrossEntropyFunction

    n, classes = data.draw(st.integers(1, 7)), data.draw(st.integers(1, 6))
    values = st.floats(-1e4, 1e4, width=32) | st.sampled_from([0.0, -0.0, np.inf, -np.inf, np.nan, 3e38, 1e-45])
    x = data.draw(hnp.arrays(dtype, (n, classes), elements=values))
    target = data.draw(hnp.arrays(np.int64, n, elements=st.integers(0, classes - 1)))
    upstream = data.draw(hnp.arrays(grad_dtype or dtype, () if reduction != "none" else n,
                                    elements=st.floats(-10, 10, width=32) | st.just(np.nan)))
    def same(a, b):  # bit for bit, except that a nan's sign and payload are free (they depend on operand order)
        return _same_bits(np.where(np.isnan(a), np.nan, a), np.where(np.isnan(b), np.nan, b))

    outs, grads, graph_grads = [], [], []
    for plain in (False, True):
        leaf = mytorch.tensor(x, requires_grad=True)
        with np.errstate(all="ignore"):
            out = CrossEntropyFunction.apply(leaf, target=target, weight=None, ignore_index=-100, reduction=reduction,
                                             label_smoothing=0.0, plain=plain)
            (g,) = mytorch.autograd.grad(out, leaf, mytorch.tensor(upstream), retain_graph=True)
            (gg,) = mytorch.autograd.grad(out, leaf, mytorch.tensor(upstream), create_graph=True)
        outs.append(out.detach().numpy())
        grads.append(g.numpy())
        graph_grads.append(gg.detach().numpy())
    assert same(*outs) and same(*grads) and same(*graph_grads)


def test_cross_entropy_takes_the_plain_case_only_when_it_applies():
    from mytorch.nn.functional import loss as loss_module

    seen = []
    real = loss_module.CrossEntropyFunction.apply
    logits, target = mytorch.randn(4, 3), mytorch.tensor([0, 2, 1, 2])
    try:
        loss_module.CrossEntropyFunction.apply = lambda *a, **k: seen.append(k["plain"]) or real(*a, **k)
        F.cross_entropy(logits, target)
        F.cross_entropy(logits, target, weight=mytorch.ones(3))
        F.cross_entropy(logits, target, label_smoothing=0.1)
        F.cross_entropy(logits, target, ignore_index=2)
        F.cross_entropy(logits, mytorch.tensor([0, -100, 1, 2]))
        F.cross_entropy(logits, target, ignore_index=7)
    finally:
        loss_module.CrossEntropyFunction.apply = real
    assert seen == [True, False, False, False, False, True]
