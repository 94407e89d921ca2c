"""A user's ``autograd.Function`` on tensors, side by side with PyTorch: the ctx API, several outputs,
``mark_dirty``, ``mark_non_differentiable``, ``set_materialize_grads``, ``once_differentiable``, and
double backward through a user's Function (including a wrong one that gradgradcheck catches)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import mytorch

LIBS = (mytorch, torch)


def _t(lib, a, grad=True):
    return lib.tensor(np.array(a, dtype=np.float64), requires_grad=grad)


def _np(t):
    return None if t is None else t.detach().numpy().copy()


def _same(results):
    (a, b) = results
    for x, y in zip(a, b):
        if y is None:
            assert x is None
        else:
            np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-14)


def _functions(lib):
    class ClampedSin(lib.autograd.Function):
        """Tensor methods inside forward and backward (not arrays): sin, clamp, cos."""

        @staticmethod
        def forward(ctx, x, lo):
            ctx.lo = lo  # seed 001's style: any attribute on ctx
            ctx.save_for_backward(x)
            return x.sin().clamp(min=lo)

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            assert ctx.needs_input_grad == (True, False)
            return grad * x.cos() * (x.sin() > ctx.lo), None

    class SinhParts(lib.autograd.Function):
        """Several outputs, saving two of them (the double backward tutorial's Sinh)."""

        @staticmethod
        def forward(ctx, x):
            ex, en = x.exp(), (-x).exp()
            ctx.save_for_backward(ex, en)
            return (ex - en) / 2, ex, en

        @staticmethod
        def backward(ctx, g, g_ex, g_en):
            ex, en = ctx.saved_tensors
            return g * (ex + en) / 2 + g_ex * ex - g_en * en

    return ClampedSin, SinhParts


def test_tensors_in_forward_and_backward():
    def run(lib):
        clamped, _ = _functions(lib)
        x = _t(lib, [0.3, -1.2, 2.0, -0.1])
        y = clamped.apply(x, -0.5)
        y.backward(lib.tensor(np.array([1.0, 2.0, 3.0, 4.0])))
        return [_np(y), _np(x.grad), np.array(y.grad_fn.name() == "ClampedSinBackward")]

    _same([run(lib) for lib in LIBS])


def test_several_outputs_share_one_node_and_double_backward():
    def run(lib):
        _, parts = _functions(lib)
        x = _t(lib, [0.5, -1.0, 2.0])
        s, ex, en = parts.apply(x)
        assert s.grad_fn is ex.grad_fn and s.grad_fn.name() == "SinhPartsBackward"
        (g,) = lib.autograd.grad((s * ex).sum(), x, create_graph=True)
        (h,) = lib.autograd.grad(g.sum(), x)
        assert lib.autograd.gradgradcheck(lambda v: parts.apply(v)[0], [x])
        return [_np(g), _np(h), np.array(s.output_nr), np.array(en.output_nr)]

    _same([run(lib) for lib in LIBS])


def test_mark_dirty_mark_non_differentiable_and_materialize():
    def run(lib):
        class AddOneInPlace(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                x.add_(1)
                ctx.mark_dirty(x)
                return x

            @staticmethod
            def backward(ctx, grad):
                return grad * 1

        class WithIndex(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                idx = (x > 0).to(x.dtype)
                ctx.mark_non_differentiable(idx)
                ctx.set_materialize_grads(False)
                return x * 3, idx

            @staticmethod
            def backward(ctx, grad, grad_idx):
                seen.append(grad_idx is None)
                return grad * 3

        seen = []
        x = _t(lib, [1.0, -2.0])
        h = x * 2
        v0 = h._version
        out = AddOneInPlace.apply(h)
        assert out is h and h._version > v0 and h.grad_fn.name() == "AddOneInPlaceBackward"
        y, idx = WithIndex.apply(out)
        assert not idx.requires_grad
        y.sum().backward()
        leaf = _t(lib, [1.0])
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
            AddOneInPlace.apply(leaf)
        return [_np(x.grad), _np(idx), np.array(seen)]

    _same([run(lib) for lib in LIBS])


def test_once_differentiable_refuses_a_second_derivative():
    for lib in LIBS:
        class Exp(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                y = x.exp()
                ctx.save_for_backward(y)
                return y

            @staticmethod
            @lib.autograd.function.once_differentiable
            def backward(ctx, grad):
                (y,) = ctx.saved_tensors
                return grad * y

        x = _t(lib, [0.1, 0.2])
        v = lib.ones(2, dtype=lib.float64, requires_grad=True)  # a grad_output with a graph, as in a Hessian
        (g,) = lib.autograd.grad(Exp.apply(x), x, grad_outputs=v, create_graph=True)
        np.testing.assert_allclose(_np(g), np.exp([0.1, 0.2]))
        with pytest.raises(RuntimeError, match="trying to differentiate twice a function that was marked with "
                                               "@once_differentiable"):
            g.sum().backward()


def test_saved_tensors_are_freed_and_version_checked():
    for lib in LIBS:
        class Keep(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x * 2

            @staticmethod
            def backward(ctx, grad):
                (x,) = ctx.saved_tensors
                return grad * 2

        x = _t(lib, [1.0, 2.0])
        h = x * 1
        y = Keep.apply(h).sum()
        y.backward()
        with pytest.raises(RuntimeError, match="backward through the graph a second time"):
            y.backward()
        h2 = x * 1
        y2 = Keep.apply(h2).sum()
        with lib.no_grad():
            h2.mul_(3)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y2.backward()


def test_setup_context_style_and_a_wrong_count_of_gradients():
    for lib in LIBS:
        class Mul(lib.autograd.Function):
            @staticmethod
            def forward(a, b):
                return a * b

            @staticmethod
            def setup_context(ctx, inputs, output):
                ctx.save_for_backward(*inputs)

            @staticmethod
            def backward(ctx, grad):
                a, b = ctx.saved_tensors
                return grad * b, grad * a

        class TooFew(lib.autograd.Function):
            @staticmethod
            def forward(ctx, a, b):
                return a + b

            @staticmethod
            def backward(ctx, grad):
                return (grad,)

        a, b = _t(lib, [2.0]), _t(lib, [3.0])
        Mul.apply(a, b).sum().backward()
        assert a.grad.item() == 3.0 and b.grad.item() == 2.0
        with pytest.raises(RuntimeError, match="returned an incorrect number of gradients"):
            TooFew.apply(a, b).sum().backward()


def test_gradgradcheck_catches_a_wrong_double_backward():
    class CubeBackward(mytorch.autograd.Function):
        @staticmethod
        def forward(ctx, grad, x):
            ctx.save_for_backward(grad, x)
            return grad * 3 * x**2

        @staticmethod
        def backward(ctx, gg):
            grad, x = ctx.saved_tensors
            return gg * 3 * x**2, gg * grad * 5 * x  # should be 6·x: a wrong second derivative

    class Cube(mytorch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**3

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return CubeBackward.apply(grad, x)

    x = mytorch.tensor([0.5, -1.0, 1.5], dtype=mytorch.float64, requires_grad=True)
    assert mytorch.autograd.gradcheck(Cube.apply, [x])
    with pytest.raises(mytorch.autograd.GradcheckError, match="Jacobian mismatch"):
        mytorch.autograd.gradgradcheck(Cube.apply, [x])
    assert not mytorch.autograd.gradgradcheck(Cube.apply, [x], raise_exception=False)
    # the fast mode (one random projection vᵀ·J·u, what the op tables' gradgradcheck runs) catches it too
    assert mytorch.autograd.gradgradcheck(lambda v: v**3, [x], fast_mode=True)
    with pytest.raises(mytorch.autograd.GradcheckError, match="fast mode"):
        mytorch.autograd.gradgradcheck(Cube.apply, [x], fast_mode=True)
