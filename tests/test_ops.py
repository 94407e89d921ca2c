"""Every row of the op table against PyTorch (forward, backward, dtypes) and finite differences."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import mytorch
from conftest import assert_close, same_dtype
from mytorch.autograd import gradcheck
from op_db import OPS


def _run(lib, op, arrays, dtype):
    """Run ``op`` in ``lib`` on copies of ``arrays``; return (inputs, output)."""
    make = mytorch.tensor if lib is mytorch else torch.tensor
    inputs = [make(a.copy(), requires_grad=i not in op.const) for i, a in enumerate(arrays)]
    return inputs, op.fn(lib, *inputs)


def _upcast(arrays):
    return [a.astype(np.float64) if getattr(a, "dtype", None) is not None and a.dtype.kind == "f" else a
            for a in arrays]


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("op", OPS, ids=lambda op: op.name)
def test_matches_torch(op, dtype, rng):
    arrays = op.inputs(rng, dtype)
    mt_in, mt_out = _run(mytorch, op, arrays, dtype)
    th_in, th_out = _run(torch, op, arrays, dtype)
    # float32 is judged against torch in float64 on the same values (see conftest.assert_close)
    ref_in, ref_out = _run(torch, op, _upcast(arrays), np.float64) if dtype == np.float32 else (th_in, th_out)

    assert same_dtype(mt_out.dtype, th_out.dtype), f"output dtype {mt_out.dtype} vs torch {th_out.dtype}"
    assert_close(mt_out, th_out, dtype, f"{op.name} forward", reference=ref_out)

    grad = rng.standard_normal(th_out.shape).astype(dtype)
    mt_out.backward(mytorch.tensor(grad))
    th_out.backward(torch.tensor(grad))
    if ref_out is not th_out:
        ref_out.backward(torch.tensor(grad.astype(np.float64)))
    for i, (a, b, r) in enumerate(zip(mt_in, th_in, ref_in)):
        if i in op.const:
            continue
        if b.grad is None:
            assert a.grad is None, f"{op.name}: input {i} got a gradient, torch's did not"
            continue
        assert a.grad is not None, f"{op.name}: input {i} got no gradient"
        assert same_dtype(a.grad.dtype, b.grad.dtype), f"{op.name}: grad {i} dtype {a.grad.dtype}"
        assert_close(a.grad, b.grad, dtype, f"{op.name} grad of input {i}", reference=r.grad)


@pytest.mark.parametrize("op", [op for op in OPS if op.gradcheck], ids=lambda op: op.name)
def test_gradcheck(op, rng):
    arrays = op.inputs(rng, np.float64)
    inputs = [mytorch.tensor(a, requires_grad=i not in op.const) for i, a in enumerate(arrays)]
    assert gradcheck(lambda *xs: op.fn(mytorch, *xs), inputs)


def test_gradcheck_catches_a_wrong_gradient():
    class BadSquare(mytorch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * x  # should be 2x

    x = mytorch.tensor([0.5, -1.0, 2.0], dtype=mytorch.float64, requires_grad=True)
    with pytest.raises(mytorch.autograd.GradcheckError, match="Jacobian mismatch"):
        gradcheck(BadSquare.apply, [x])
    assert not gradcheck(BadSquare.apply, [x], raise_exception=False)


# ---------------------------------------------------------------- broadcasting, property-based
@st.composite
def broadcast_pair(draw):
    """Two shapes that broadcast together: size-1 dims, missing leading dims and 0-d shapes."""
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=4, min_side=1, max_side=4))
    a = list(shape)
    b = list(shape)
    for dims in (a, b):
        for i in range(len(dims)):
            if draw(st.booleans()):
                dims[i] = 1
    a = a[draw(st.integers(0, len(a))):]
    b = b[draw(st.integers(0, len(b))):]
    return tuple(a), tuple(b)


BINARY = {
    "add": lambda x, y: x + y,
    "sub": lambda x, y: x - y,
    "mul": lambda x, y: x * y,
    "div": lambda x, y: x / y,
    "maximum": lambda x, y: x.maximum(y),
    "where": lambda x, y: x.where(x > y, y),
}


@settings(max_examples=40, deadline=None)
@given(shapes=broadcast_pair(), name=st.sampled_from(sorted(BINARY)), seed=st.integers(0, 2**16))
def test_broadcast_gradients_have_input_shapes(shapes, name, seed):
    rng = np.random.default_rng(seed)
    a_np, b_np = (np.abs(rng.standard_normal(s)) + 0.5 for s in shapes)
    fn = BINARY[name]
    a, b = mytorch.tensor(a_np, requires_grad=True), mytorch.tensor(b_np, requires_grad=True)
    ta, tb = torch.tensor(a_np, requires_grad=True), torch.tensor(b_np, requires_grad=True)
    out, t_out = fn(a, b), fn(ta, tb)
    g = rng.standard_normal(t_out.shape)
    out.backward(mytorch.tensor(g))
    t_out.backward(torch.tensor(g))
    assert a.grad.shape == a_np.shape and b.grad.shape == b_np.shape
    assert_close(out, t_out, np.float64, f"{name}{shapes} forward")
    assert_close(a.grad, ta.grad, np.float64, f"{name}{shapes} grad a")
    assert_close(b.grad, tb.grad, np.float64, f"{name}{shapes} grad b")


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(1, 6),
    idx=st.lists(st.integers(0, 5), min_size=1, max_size=12),
    seed=st.integers(0, 2**16),
)
def test_repeated_index_gradients_accumulate(n, idx, seed):
    idx = [i % n for i in idx]
    x_np = np.random.default_rng(seed).standard_normal((n, 3))
    x, tx = mytorch.tensor(x_np, requires_grad=True), torch.tensor(x_np, requires_grad=True)
    (x[idx] * x[idx]).sum().backward()
    (tx[idx] * tx[idx]).sum().backward()
    assert_close(x.grad, tx.grad, np.float64, f"index {idx}")
    counts = np.bincount(idx, minlength=n)[:, None]
    np.testing.assert_allclose(x.grad.numpy(), 2 * x_np * counts)


# ---------------------------------------------------------------- dtypes
@pytest.mark.parametrize("dtype", [mytorch.float32, mytorch.float64])
def test_python_scalars_never_change_the_dtype(dtype):
    x = mytorch.ones(3, dtype=dtype, requires_grad=True)
    y = ((x * 0.5 + 1) / 3.0 - 2) ** 2.0
    y = 1.5 * y + np.float64(2.0) + np.sqrt(2.0) * y
    assert y.dtype == dtype
    y.sum().backward()
    assert x.grad.dtype == dtype


@pytest.mark.parametrize(
    "left, right, expected",
    [
        (mytorch.int64, mytorch.float32, "float32"),
        (mytorch.float32, mytorch.float64, "float64"),
        (mytorch.int64, mytorch.int32, "int64"),
        (mytorch.bool_, mytorch.int64, "int64"),
        (mytorch.bool_, mytorch.float32, "float32"),
    ],
)
def test_tensor_promotion_matches_torch(left, right, expected):
    a, b = mytorch.ones(2, dtype=left), mytorch.ones(2, dtype=right)
    ta, tb = torch.ones(2, dtype=getattr(torch, left.name)), torch.ones(2, dtype=getattr(torch, right.name))
    for op in (lambda x, y: x + y, lambda x, y: x * y):
        assert op(a, b).dtype.name == expected == str(op(ta, tb).dtype).removeprefix("torch.")
    assert same_dtype((a / b).dtype, (ta / tb).dtype)


def test_integer_tensors_with_float_scalars_become_float32():
    x = mytorch.arange(4)
    assert x.dtype == mytorch.int64
    assert (x * 0.5).dtype == mytorch.float32
    assert (x / 2).dtype == mytorch.float32
    assert (x + 1).dtype == mytorch.int64


def test_mixed_float_dtypes_cast_gradients_back():
    a = mytorch.ones(3, dtype=mytorch.float32, requires_grad=True)
    b = mytorch.ones(3, dtype=mytorch.float64, requires_grad=True)
    (a * b).sum().backward()
    assert a.grad.dtype == mytorch.float32 and b.grad.dtype == mytorch.float64


def test_comparisons_and_argmax_are_not_differentiable(rng):
    x_np = rng.standard_normal((3, 4))
    x, tx = mytorch.tensor(x_np, requires_grad=True), torch.tensor(x_np, requires_grad=True)
    for m, t in [(x > 0, tx > 0), (x == x, tx == tx), (x <= 0.1, tx <= 0.1), (x != 0, tx != 0)]:
        assert m.dtype == mytorch.bool_ and not m.requires_grad
        np.testing.assert_array_equal(m.numpy(), t.numpy())
    for dim in (None, 0, 1, -1):
        np.testing.assert_array_equal(x.argmax(dim).numpy(), tx.argmax(dim).numpy())
        np.testing.assert_array_equal(x.argmin(dim).numpy(), tx.argmin(dim).numpy())
    assert x.argmax(1, keepdim=True).shape == (3, 1)
    assert x.max(1).indices.dtype == mytorch.int64


def test_numpy_axis_and_keepdims_are_accepted_everywhere(rng):
    x = mytorch.tensor(rng.standard_normal((3, 4)))
    np_x = x.numpy()
    np.testing.assert_allclose(x.sum(axis=1, keepdims=True).numpy(), np_x.sum(axis=1, keepdims=True))
    np.testing.assert_allclose(x.mean(axis=0).numpy(), np_x.mean(axis=0))
    np.testing.assert_allclose(x.amax(axis=(0, 1)).numpy(), np_x.max())
    np.testing.assert_array_equal(x.argmax(axis=1).numpy(), np_x.argmax(axis=1))
    np.testing.assert_array_equal(x.argmin(axis=0, keepdims=True).numpy(), np_x.argmin(axis=0, keepdims=True))
    np.testing.assert_allclose(x.softmax(axis=1).numpy(), x.softmax(dim=1).numpy())
    np.testing.assert_allclose(mytorch.log_softmax(x, axis=0).numpy(), x.log_softmax(0).numpy())
    assert mytorch.cat([x, x], axis=1).shape == (3, 8) and mytorch.stack([x, x], axis=2).shape == (3, 4, 2)
    with pytest.raises(TypeError, match="not both"):
        x.sum(dim=0, axis=0)
    with pytest.raises(TypeError, match="needs the dimension"):
        x.softmax()
