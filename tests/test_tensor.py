"""Tensor creation, dtype inference, attributes, conversion, repr, RNG and error messages."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import mytorch


@pytest.mark.parametrize(
    "data",
    [1.5, 3, True, [1.0, 2.0], [1, 2], [[True, False]], [1, 2.5], np.array([1.0, 2.0]), np.float64(2.0),
     np.array([1, 2], dtype=np.int32), np.array([1.0], dtype=np.float32), np.arange(6).reshape(2, 3)],
    ids=repr,
)
def test_tensor_dtype_inference_matches_torch(data):
    assert str(mytorch.tensor(data).dtype).replace("mytorch.", "torch.") == str(torch.tensor(data).dtype)
    np.testing.assert_array_equal(mytorch.tensor(data).numpy(), torch.tensor(data).numpy())


def test_tensor_copies_and_from_numpy_shares():
    a = np.ones(3)
    t = mytorch.tensor(a)
    a[0] = 5
    assert t[0].item() == 1.0
    s = mytorch.from_numpy(a)
    a[1] = 7
    assert s[1].item() == 7.0 and s.dtype == mytorch.float64
    assert mytorch.as_tensor(a) is not None and np.shares_memory(mytorch.as_tensor(a)._data, a)


def test_factories():
    assert mytorch.zeros(2, 3).shape == (2, 3) and mytorch.zeros((2, 3)).dtype == mytorch.float32
    assert mytorch.ones([4]).sum().item() == 4.0
    assert mytorch.empty(2, dtype=mytorch.float64).dtype == mytorch.float64
    assert mytorch.full((2, 2), 7).dtype == mytorch.int64
    assert mytorch.full((2, 2), 7.0).dtype == mytorch.float32
    assert mytorch.full((2,), True).dtype == mytorch.bool_
    x = mytorch.randn(2, 3, dtype=mytorch.float64)
    assert mytorch.zeros_like(x).dtype == mytorch.float64 and mytorch.ones_like(x).shape == (2, 3)
    assert mytorch.full_like(x, 2.0).sum().item() == 12.0
    np.testing.assert_array_equal(mytorch.arange(5).numpy(), np.arange(5))
    assert mytorch.arange(5).dtype == mytorch.int64 and mytorch.arange(0, 1, 0.25).dtype == mytorch.float32
    np.testing.assert_array_equal(mytorch.arange(1, 10, 3).numpy(), torch.arange(1, 10, 3).numpy())
    np.testing.assert_array_equal(mytorch.eye(3).numpy(), np.eye(3, dtype=np.float32))
    assert mytorch.eye(2, 3).shape == (2, 3)
    r = mytorch.randint(0, 10, (1000,))
    assert r.dtype == mytorch.int64 and r.min().item() >= 0 and r.max().item() <= 9
    assert mytorch.randint(5, (3,)).shape == (3,)
    assert sorted(mytorch.randperm(6).tolist()) == list(range(6))
    u = mytorch.rand(10000)
    assert u.dtype == mytorch.float32 and u.min().item() >= 0 and u.max().item() < 1
    assert abs(u.mean().item() - 0.5) < 0.02
    n = mytorch.randn(20000, dtype=mytorch.float64)
    assert abs(n.mean().item()) < 0.03 and abs(n.std().item() - 1) < 0.03
    assert mytorch.zeros(2, requires_grad=True).requires_grad


def test_manual_seed_reproduces_every_draw():
    mytorch.manual_seed(42)
    a = (mytorch.rand(3), mytorch.randn(2, 2), mytorch.randint(0, 100, (4,)), mytorch.randperm(5))
    mytorch.manual_seed(42)
    b = (mytorch.rand(3), mytorch.randn(2, 2), mytorch.randint(0, 100, (4,)), mytorch.randperm(5))
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x.numpy(), y.numpy())
    state = mytorch.get_rng_state()
    c = mytorch.randn(3)
    mytorch.set_rng_state(state)
    np.testing.assert_array_equal(c.numpy(), mytorch.randn(3).numpy())
    g = mytorch.Generator().manual_seed(1)
    d = mytorch.rand(2, generator=g)
    np.testing.assert_array_equal(d.numpy(), mytorch.rand(2, generator=mytorch.Generator().manual_seed(1)).numpy())


def test_attributes_and_conversions():
    x = mytorch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert x.shape == (2, 3) and x.size() == (2, 3) and x.size(1) == 3 and x.size(-1) == 3
    assert x.ndim == 2 and x.dim() == 2 and x.numel() == 6 and len(x) == 2
    assert x.tolist() == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    assert x[1, 2].item() == 6.0 and float(x[0, 0]) == 1.0 and int(x[1, 0]) == 4
    assert x.double().dtype == mytorch.float64 and x.long().dtype == mytorch.int64
    assert x.to(mytorch.float64).dtype == mytorch.float64 and x.to("cpu") is x
    assert x.bool().dtype == mytorch.bool_ and x.int().dtype == mytorch.int32
    assert np.asarray(x).shape == (2, 3)
    assert [row.sum().item() for row in x] == [6.0, 15.0]
    assert x.device == "cpu" and x.is_floating_point()
    assert f"{x.sum():.1f}" == "21.0"
    assert bool(mytorch.tensor([1.0])) is True


def test_float64_cast_is_differentiable():
    x = mytorch.ones(3, requires_grad=True)
    y = x.double() * 2
    assert y.dtype == mytorch.float64
    y.sum().backward()
    assert x.grad.dtype == mytorch.float32
    np.testing.assert_allclose(x.grad.numpy(), 2.0)


def test_repr_is_readable():
    assert repr(mytorch.tensor([1.0, 2.5])) == "tensor([1.0000, 2.5000])"
    assert repr(mytorch.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert repr(mytorch.tensor([1, 2])) == "tensor([1, 2])"
    assert repr(mytorch.tensor(3.0, requires_grad=True)) == "tensor(3., requires_grad=True)"
    assert repr(mytorch.tensor([1.0], dtype=mytorch.float64)) == "tensor([1.], dtype=mytorch.float64)"
    x = mytorch.tensor([1.0], requires_grad=True)
    assert repr(x * 2) == "tensor([2.], grad_fn=<MulBackward0>)"
    assert "\n" in repr(mytorch.ones(2, 2))


def test_repr_of_float16_warns_nothing():
    # the print format is chosen from the magnitudes, compared in float64: float16 cannot hold 1e8
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert repr(mytorch.tensor([1.0, 2.0], dtype=mytorch.float16)) == "tensor([1., 2.], dtype=mytorch.float16)"
        assert repr(mytorch.tensor([6e4, 2e-5], dtype=mytorch.float16)) == \
            "tensor([6.0000e+04, 2.0027e-05], dtype=mytorch.float16)"


def test_numpy_is_refused_while_requiring_grad():
    x = mytorch.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"detach\(\).numpy\(\)"):
        x.numpy()
    assert x.detach().numpy().shape == (2,)


def test_broadcast_error_names_both_shapes():
    a, b = mytorch.ones(2, 3), mytorch.ones(4)
    with pytest.raises(RuntimeError, match=r"add.*\(2,\s*3\).*\(4,\)"):
        a + b


@pytest.mark.parametrize("a, b", [((2, 3), (4, 5)), ((3,), (2,)), ((2, 3, 4), (5, 6)), ((5, 2, 3), (4, 3, 2))])
def test_matmul_error_names_both_shapes(a, b):
    with pytest.raises(RuntimeError, match=r"matmul: .*" + r".*".join(map(str, a + b))):
        mytorch.ones(*a) @ mytorch.ones(*b)


def test_other_errors_are_clear():
    x = mytorch.ones(2, 3)
    with pytest.raises(RuntimeError, match="cannot reshape"):
        x.reshape(4)
    with pytest.raises(IndexError, match="Dimension out of range"):
        x.sum(2)
    with pytest.raises(IndexError, match=r"shape \(2, 3\)"):
        x[5]
    with pytest.raises(RuntimeError, match="more than one|2 values|6 values"):
        bool(x)
    with pytest.raises(RuntimeError, match="cannot be converted to Scalar"):
        x.item()
    with pytest.raises(RuntimeError, match="CPU only"):
        x.to("cuda")
    with pytest.raises(TypeError, match="numeric or bool only"):
        mytorch.tensor(np.array(["a"]))
    with pytest.raises(RuntimeError, match="stack expects each tensor to be equal size"):
        mytorch.stack([mytorch.ones(2), mytorch.ones(3)])
    with pytest.raises(RuntimeError, match=r"cat\(\): sizes of tensors must match"):
        mytorch.cat([mytorch.ones(2, 3), mytorch.ones(3, 2)], 0)
    with pytest.raises(RuntimeError, match="expanded size"):
        x.expand(4, 4)
    with pytest.raises(RuntimeError, match="mean"):
        mytorch.arange(3).mean()


def test_max_with_dim_returns_values_and_indices():
    x = mytorch.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]])
    values, indices = x.max(1)
    assert values.tolist() == [5.0, 7.0] and indices.tolist() == [1, 0]
    assert mytorch.max(x).item() == 7.0
    assert x.min(0).indices.tolist() == [0, 1, 0]


def test_setitem_and_views_share_memory_like_torch():
    x = mytorch.zeros(3, 4)
    row = x[1]
    row.fill_(2.0)
    assert x.sum().item() == 8.0
    x[:, 0] = mytorch.tensor([1.0, 1.0, 1.0])
    x[x > 1.5] = -1.0
    t = torch.zeros(3, 4)
    t[1].fill_(2.0)
    t[:, 0] = torch.tensor([1.0, 1.0, 1.0])
    t[t > 1.5] = -1.0
    np.testing.assert_array_equal(x.numpy(), t.numpy())


def test_out_of_range_conversions_are_quiet_as_in_torch():
    # torch rounds 1e300 to float32's inf and casts nan or 1e300 to int64's minimum without a warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for lib in (mytorch, torch):
            assert float(lib.tensor(1e300)) == float("inf")
            big = lib.tensor([float("nan"), 1e300], dtype=lib.float64)
            assert big.long().tolist() == [-2**63, -2**63]
