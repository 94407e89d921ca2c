"""Tensor indexing forms as torch has them: range, lists, tuples of them, Ellipsis, None, masks;
``x[key]`` and ``x[key] = v`` with their gradients, against torch in float64."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import mytorch

RNG = np.random.default_rng(0)
X = RNG.normal(size=(4, 5, 6))
MASK = RNG.random((4, 5, 6)) > 0.5


def keys(lib):
    """The same index in mytorch's and torch's terms (tensors as each library's)."""
    t = mytorch.tensor if lib is mytorch else torch.tensor
    return {
        "range": range(1, 3),
        "range_step": range(0, 4, 2),
        "empty_range": range(0),
        "list": [0, 2],
        "negative_list": [-1, 0],
        "tuple_of_ranges": (range(2), range(2)),
        "list_slice_list": ([0, 1], slice(None), [2, 3]),
        "ellipsis_list": (Ellipsis, [0, 5]),
        "none_ellipsis_int": (None, Ellipsis, 1),
        "slice_none_list": (slice(1, None), None, [1, 3]),
        "int_range": (0, range(3)),
        "nested_tuple": ((0, 1),),
        "mask_full": t(MASK),
        "mask_list": [True, False, True, False],
        "mask_dim1": (slice(None), t([True, False, True, True, False])),
        "int_tensor": t([[0, 1], [3, 2]]),
        "true": True,
        "scalar_tensor": (t(1), slice(None, 2)),
    }


NAMES = list(keys(mytorch))


def _pair(name):
    return keys(mytorch)[name], keys(torch)[name]


@pytest.mark.parametrize("name", NAMES)
def test_getitem_and_its_gradient_match_torch(name):
    k_ours, k_torch = _pair(name)
    x = mytorch.tensor(X, requires_grad=True)
    xt = torch.tensor(X, requires_grad=True)
    out, want = x[k_ours], xt[k_torch]
    assert tuple(out.shape) == tuple(want.shape), name
    np.testing.assert_array_equal(out.detach().numpy(), want.detach().numpy())
    g = RNG.normal(size=tuple(want.shape))
    (out * mytorch.tensor(g)).sum().backward()
    (want * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-12, atol=0)


def test_nested_list_reads_as_a_tuple_with_a_warning():
    x, xt = mytorch.tensor(X), torch.tensor(X)
    with pytest.warns(UserWarning, match="tuple of indices"):
        ours = x[[[0, 1], [1, 2]]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = xt[[[0, 1], [1, 2]]]
    np.testing.assert_array_equal(ours.numpy(), want.numpy())


SET_KEYS = [k for k in NAMES if k not in ("empty_range",)]


@pytest.mark.parametrize("name", SET_KEYS)
@pytest.mark.parametrize("broadcast", [False, True])
def test_setitem_values_and_gradients_match_torch(name, broadcast):
    k_ours, k_torch = _pair(name)
    x = mytorch.tensor(X, requires_grad=True)
    xt = torch.tensor(X, requires_grad=True)
    slot = tuple(xt.detach()[k_torch].shape)
    vshape = slot[-1:] if broadcast and slot else slot  # a row broadcast into every slot
    v0 = RNG.normal(size=vshape)
    v, vt = mytorch.tensor(v0, requires_grad=True), torch.tensor(v0, requires_grad=True)
    y, yt = x * 2, xt * 2
    y[k_ours] = v * 3
    yt[k_torch] = vt * 3
    np.testing.assert_array_equal(y.detach().numpy(), yt.detach().numpy())
    assert y.grad_fn.name() == yt.grad_fn.name().split("::")[-1], name
    g = RNG.normal(size=X.shape)
    (y * mytorch.tensor(g)).sum().backward()
    (yt * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-12, atol=0)
    np.testing.assert_allclose(v.grad.numpy(), vt.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_setitem_into_a_plain_buffer_and_with_numbers():
    w = mytorch.tensor([2.0, 3.0], requires_grad=True)
    buf = mytorch.zeros(4)
    buf[1:3] = w
    assert buf.requires_grad and not buf.is_leaf and buf.grad_fn.name() == "CopySlices"
    (buf * mytorch.tensor([1.0, 10.0, 100.0, 1000.0])).sum().backward()
    assert w.grad.tolist() == [10.0, 100.0]
    x = mytorch.ones(4, requires_grad=True)
    y = x * 1
    y[y > 0.5] = 2.0  # a number: the overwritten slots get no gradient
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0, 0.0]
    plain = mytorch.zeros(3)
    plain[range(2)] = 7
    assert plain.tolist() == [7.0, 7.0, 0.0] and plain.grad_fn is None


def test_setitem_errors_as_torch():
    leaf = mytorch.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        leaf[0] = 2.0
    with mytorch.no_grad():
        leaf[0] = 2.0  # allowed without grad, as in torch
    assert leaf.tolist() == [2.0, 1.0, 1.0]
    y = mytorch.ones(3, requires_grad=True).exp()
    y[0] = 5.0  # exp saved its output: backward must refuse, naming the in-place write
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()
    with pytest.raises(IndexError):
        mytorch.zeros(3)[range(5)]


@pytest.mark.parametrize("key", [(range(2), slice(None)), ([0, 1],), (0, [1, 2]), (slice(None), [0])])
def test_advanced_setitem_does_not_cast_a_tensor_value(key):
    for lib in (mytorch, torch):
        x = lib.zeros(3, 4)
        with pytest.raises(RuntimeError, match="Index put requires the source and destination dtypes match"):
            x[key] = lib.ones(1, dtype=lib.float64)
        x[key] = 2.0  # a number is cast
        x[0:2] = lib.ones(4, dtype=lib.float64)  # a basic key copies with a cast
        x[x == 0] = lib.ones(1, dtype=lib.float64)  # a lone mask with one value is a masked fill
        assert float(x.sum()) == 12 * 1.0 + float((x == 2).sum())


# ---------------------------------------------------------------- found by the ops fuzzer (issue 26)
@pytest.mark.parametrize("shape, key", [
    ((1, 0), ([5],)), ((2, 0), ([5, -9],)), ((1, 0), (range(2), slice(None))), ((1, 0, 2), ([3], slice(None), [7])),
    ((1, 0, 2), (Ellipsis, [9])), ((2, 0), (None, [0, 7])),
    ((0,), ([5],)), ((0, 3), ([5],)), ((3, 0), (slice(None), [4])), ((1, 0), ([2], [0])),
])
def test_an_index_into_a_tensor_without_elements_is_bounds_checked_only_on_its_empty_dimension(shape, key):
    """torch checks an advanced index while it gathers: with an empty result any value passes (the first six
    keys), while an index into the empty dimension itself is out of bounds (the last four); set as get."""
    def run(lib):
        y = lib.zeros(shape)
        try:
            got = tuple(y[key].shape)
        except IndexError:
            got = "IndexError"
        try:
            y[key] = 1.0
            put = tuple(y.shape)
        except IndexError:
            put = "IndexError"
        return got, put

    assert run(mytorch) == run(torch)


@pytest.mark.parametrize("value_shape", [(1,), (1, 1)])
def test_a_value_with_leading_ones_fits_one_element_and_its_gradient_keeps_its_shape(value_shape):
    """torch's setitem drops a value's leading size-1 dimensions first: ``y[1, 1] = t[:1]`` writes one
    element (NumPy refused a sequence there), and the value's gradient comes back as value_shape."""
    grads = []
    for lib in (mytorch, torch):
        y = lib.zeros(3, 3, dtype=lib.float64)
        v = lib.full(value_shape, 2.5, dtype=lib.float64, requires_grad=True)
        y[1, 1] = v
        y[0] = lib.ones((1, 1, 3), dtype=lib.float64)
        (y * y).sum().backward()
        grads.append((y.detach().numpy().tolist(), v.grad.numpy().tolist()))
    assert grads[0] == grads[1]
