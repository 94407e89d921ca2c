"""The backward engine: accumulation, graph lifetime, grad mode, deep graphs, checks and errors."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest
import torch

import mytorch
from mytorch.autograd import Function


def test_gradients_accumulate_across_backward_calls():
    x = mytorch.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3 + 2, 3 + 4])


def test_reused_non_leaf_gets_the_sum_of_its_consumers():
    # micrograd's counter-example to "no topological sort": b = a + a; c = b + b.
    a = mytorch.tensor(2.0, requires_grad=True)
    b = a + a
    c = b + b
    c.backward()
    assert a.grad.item() == 4.0


def test_diamond_graph_matches_torch():
    x_np = np.array([0.3, -1.2, 2.0])
    x, tx = mytorch.tensor(x_np, requires_grad=True), torch.tensor(x_np, requires_grad=True)
    for _lib, v in ((mytorch, x), (torch, tx)):
        h = v.tanh()
        (h * h.exp() + h.sigmoid() * v).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)


def test_second_backward_without_retain_graph_raises():
    x = mytorch.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


def test_retain_graph_allows_a_second_backward():
    x = mytorch.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), [4.0, 8.0])


def test_no_grad_builds_no_graph():
    x = mytorch.ones(3, requires_grad=True)
    with mytorch.no_grad():
        y = x * 2 + 1
    assert not y.requires_grad and y.grad_fn is None and y.is_leaf
    assert mytorch.is_grad_enabled()


def test_grad_mode_nesting_decorators_and_set_grad_enabled():
    x = mytorch.ones(2, requires_grad=True)

    @mytorch.no_grad()
    def f(t):
        return t * 2

    assert not f(x).requires_grad
    with mytorch.no_grad():
        assert not mytorch.is_grad_enabled()
        with mytorch.enable_grad():
            assert (x * 2).requires_grad
        assert not (x * 2).requires_grad
    with mytorch.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert mytorch.is_grad_enabled()
    mytorch.set_grad_enabled(False)
    assert not mytorch.is_grad_enabled()
    mytorch.set_grad_enabled(True)
    assert (x * 2).requires_grad


def test_a_100000_op_chain_backpropagates_without_recursion():
    x = mytorch.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y.backward()
    assert x.grad.item() == 1.0


def test_graph_memory_is_released_after_backward():
    x = mytorch.randn(100, 100, requires_grad=True)
    h = x.exp()  # Exp saves its output
    ref = weakref.ref(h._data)
    loss = (h * 2).sum()
    del h
    gc.collect()
    assert ref() is not None, "the saved array must live until backward"
    loss.backward()
    gc.collect()
    assert ref() is None, "backward must free the arrays forward saved"
    assert loss.grad_fn is not None  # the node stays (so a second backward can say why it fails)


def test_intermediate_tensors_are_not_kept_alive_by_the_graph():
    x = mytorch.randn(50, 50, requires_grad=True)
    h = x + 1  # Add saves nothing
    ref = weakref.ref(h._data)
    y = (h * 3).sum()  # Mul by a constant saves nothing about h either
    del h
    gc.collect()
    assert ref() is None
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 3.0)


def test_backward_on_non_scalar_needs_gradient():
    x = mytorch.ones(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"implicitly created only for scalar outputs.*\(2, 3\)"):
        (x * 2).backward()
    with pytest.raises(RuntimeError, match="Mismatch in shape"):
        (x * 2).backward(mytorch.ones(3))
    (x * 2).backward(mytorch.ones(2, 3))
    np.testing.assert_allclose(x.grad.numpy(), 2.0)


def test_backward_on_a_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        mytorch.ones(2).sum().backward()


def test_integer_and_bool_tensors_cannot_require_grad():
    for dtype in (mytorch.int64, mytorch.bool_):
        with pytest.raises(RuntimeError, match="only Tensors of floating point dtype can require gradients"):
            mytorch.zeros(2, dtype=dtype, requires_grad=True)
    with pytest.raises(RuntimeError, match="floating point"):
        mytorch.tensor([1, 2], requires_grad=True)


def test_a_wrong_gradient_shape_names_the_op():
    class Bad(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad.sum(0)  # wrong shape

    x = mytorch.ones(3, 2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"Function BadBackward returned an invalid gradient at index 0 - got \[2\] "
                                           r"but expected shape compatible with \[3, 2\]"):
        Bad.apply(x).sum().backward()


def test_a_library_op_with_a_wrong_gradient_shape_names_the_op():
    class Bad(mytorch.autograd.function.Function):  # the array-level base of the library's ops
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad.sum(0)

    x = mytorch.ones(3, 2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"BadBackward0 returned a gradient of shape \(2,\).*shape \(3, 2\)"):
        Bad.apply(x).sum().backward()


def test_a_gradient_of_another_dtype_is_cast_as_torch_does():
    for lib in (mytorch, torch):
        class Wide(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, grad):
                return grad.double() * 2

        x = lib.ones(3, requires_grad=True)
        Wide.apply(x).sum().backward()
        assert x.grad.dtype == lib.float32
        np.testing.assert_allclose(x.grad.numpy(), 2.0)


def test_custom_function_with_needs_input_grad():
    class ScaledAdd(Function):
        @staticmethod
        def forward(ctx, a, b, scale):
            ctx.scale = scale
            return a + scale * b

        @staticmethod
        def backward(ctx, grad):
            return (grad if ctx.needs_input_grad[0] else None,
                    grad * ctx.scale if ctx.needs_input_grad[1] else None)

    a = mytorch.ones(2, requires_grad=True)
    b = mytorch.ones(2)
    ScaledAdd.apply(a, b, scale=3.0).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), 1.0)
    assert b.grad is None


def test_leaf_grads_own_their_memory():
    # a + b sends the same gradient array to both leaves; mutating one .grad must not touch the other.
    a = mytorch.ones(3, requires_grad=True)
    b = mytorch.ones(3, requires_grad=True)
    (a + b).backward(mytorch.ones(3))
    a.grad.mul_(5)
    np.testing.assert_allclose(b.grad.numpy(), 1.0)
    # and the user's gradient tensor is not adopted as a .grad
    c = mytorch.ones(3, requires_grad=True)
    g = mytorch.ones(3)
    (c + 0).backward(g)
    c.grad.zero_()
    np.testing.assert_allclose(g.numpy(), 1.0)


def test_inplace_on_a_leaf_that_requires_grad():
    w = mytorch.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place"):
        w.add_(1)
    with pytest.raises(RuntimeError, match="in-place"):
        w += 1
    with mytorch.no_grad():
        w.mul_(2).add_(1, alpha=3).sub_(mytorch.ones(3)).div_(2)
        w.clamp_(max=1.5)  # (1·2 + 3 − 1)/2 = 2, clamped to 1.5
        w[0] = 10.0
    np.testing.assert_allclose(w.detach().numpy(), [10.0, 1.5, 1.5])


def test_inplace_ops_match_torch():
    a = mytorch.tensor([[1.0, -2.0], [3.0, 4.0]])
    t = torch.tensor([[1.0, -2.0], [3.0, 4.0]])
    for m, th in ((a, t),):
        m.add_(m, alpha=0.5).mul_(2.0).sub_(1.0).div_(3.0).clamp_(-1.0, 2.0)
        th.add_(th, alpha=0.5).mul_(2.0).sub_(1.0).div_(3.0).clamp_(-1.0, 2.0)
    np.testing.assert_allclose(a.numpy(), t.numpy(), rtol=1e-6)
    a.copy_(mytorch.tensor([7.0, 8.0]))
    np.testing.assert_allclose(a.numpy(), [[7, 8], [7, 8]])
    a.fill_(2.5)
    assert a.sum().item() == 10.0
    a.zero_()
    assert a.abs().sum().item() == 0.0
    with pytest.raises(RuntimeError, match=r"add_: output with shape \(2, 2\)"):
        a.add_(mytorch.ones(3, 2, 2))


def test_iadd_inside_the_graph_rebinds_and_keeps_gradients():
    x = mytorch.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    h += x
    h.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0])


def test_autograd_grad_returns_without_touching_dot_grad():
    x = mytorch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x * x).sum()
    (g,) = mytorch.autograd.grad(y, x)
    np.testing.assert_allclose(g.numpy(), [2.0, 4.0, 6.0])
    assert x.grad is None
    h = x.exp()
    out = (h * 2).sum()
    gx, gh = mytorch.autograd.grad(out, [x, h])
    np.testing.assert_allclose(gh.numpy(), 2.0)
    np.testing.assert_allclose(gx.numpy(), 2 * np.exp([1.0, 2.0, 3.0]))


def test_detach_and_data_share_memory_but_leave_the_graph():
    x = mytorch.ones(3, requires_grad=True)
    y = x * 2
    d = y.detach()
    assert not d.requires_grad and d.grad_fn is None
    assert np.shares_memory(d._data, y._data)
    x.data.mul_(3)
    np.testing.assert_allclose(x.detach().numpy(), 3.0)
    x.data = mytorch.zeros(3)
    assert x.requires_grad and x.sum().item() == 0.0


def test_backward_on_a_leaf():
    x = mytorch.tensor(3.0, requires_grad=True)
    x.backward()
    assert x.grad.item() == 1.0


def test_requires_grad_flags():
    x = mytorch.ones(2)
    assert not x.requires_grad and x.is_leaf
    x.requires_grad_()
    y = x * 2
    assert y.requires_grad and not y.is_leaf and y.grad_fn is not None
    with pytest.raises(RuntimeError, match="leaf variables"):
        y.requires_grad_(False)
    z = x.detach().requires_grad_(True) * 3
    assert z.requires_grad
