"""Higher-order gradients and the backward/grad signatures, side by side with PyTorch (float64).

Each test runs the same code on ``mytorch`` and ``torch`` (the ``lib`` argument) and compares.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import mytorch

LIBS = (mytorch, torch)


def _t(lib, a, grad=True):
    return lib.tensor(np.array(a, dtype=np.float64), requires_grad=grad)


def _np(t):
    return None if t is None else t.detach().numpy()


def _both(fn, *arrays):
    """fn(lib, *tensors) for both libraries; returns the two results converted to NumPy."""
    out = []
    for lib in LIBS:
        res = fn(lib, *[_t(lib, a) for a in arrays])
        out.append([_np(r) for r in res] if isinstance(res, (tuple, list)) else _np(res))
    return out


def _close(a, b, tol=1e-10):
    if isinstance(a, list):
        for x, y in zip(a, b):
            _close(x, y, tol)
        return
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


X = [0.3, -1.2, 2.0, 0.7]


def test_third_derivatives_match_torch():
    def f(lib, x):
        y = (x.sin() * x.exp() + x**3 / (1 + x * x) + x.tanh().log_softmax(0)).sum()
        (g,) = lib.autograd.grad(y, x, create_graph=True)
        (h,) = lib.autograd.grad(g.sum(), x, create_graph=True)
        (t,) = lib.autograd.grad(h.sum(), x)
        return g, h, t

    _close(*_both(f, X))


def test_hessian_by_rows_matches_torch():
    def f(lib, x):
        y = (x.unsqueeze(0) * x.unsqueeze(1)).sigmoid().sum() + (x**2).sum().sqrt()
        (g,) = lib.autograd.grad(y, x, create_graph=True)
        return [lib.autograd.grad(g[i], x, retain_graph=True)[0] for i in range(4)]

    _close(*_both(f, X))


def test_hessian_vector_product_through_an_mlp_matches_torch():
    rng = np.random.default_rng(0)
    w1, w2, inp, v = rng.standard_normal((5, 4)), rng.standard_normal((1, 5)), rng.standard_normal((3, 4)), \
        rng.standard_normal((5, 4))

    def f(lib, w1, w2, inp, v):
        F = lib.nn.functional
        loss = F.linear(F.gelu(F.linear(inp, w1)).tanh(), w2).pow(2).mean()
        (g,) = lib.autograd.grad(loss, w1, create_graph=True)
        return lib.autograd.grad((g * v).sum(), [w1, w2])

    _close(*_both(f, w1, w2, inp, v))


def test_gradient_penalty_training_step_matches_torch():
    """WGAN-GP: the critic's loss includes (‖∂D/∂x‖ − 1)², differentiated with respect to the weights."""
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal(s) for s in ((6, 3), (6,), (1, 6), (1,), (8, 3))]
    results = []
    for lib in LIBS:
        lib.manual_seed(0)
        w1, b1, w2, b2, real = [lib.tensor(a.copy(), requires_grad=i < 4) for i, a in enumerate(arrays)]
        opt = lib.optim.SGD([w1, b1, w2, b2], lr=0.1)
        for _ in range(2):
            x = real.detach().requires_grad_(True)
            critic = lib.nn.functional.linear(lib.nn.functional.silu(lib.nn.functional.linear(x, w1, b1)), w2, b2)
            (gx,) = lib.autograd.grad(critic.sum(), x, create_graph=True)
            penalty = ((gx.norm(2, dim=1) - 1) ** 2).mean()
            loss = -critic.mean() + 10 * penalty
            opt.zero_grad()
            loss.backward()
            opt.step()
        results.append([_np(t) for t in (w1, b1, w2, b2, w1.grad)])
    _close(*results)


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")
def test_create_graph_leaves_a_differentiable_grad():
    out = []
    for lib in LIBS:
        x = _t(lib, X)
        (x**3).sum().backward(create_graph=True)
        g = x.grad
        assert g.requires_grad and g.grad_fn is not None
        (y,) = lib.autograd.grad(g.sum(), x)
        out.append([_np(g), _np(y)])
    _close(*out)


def test_second_backward_through_freed_graph_raises_as_torch():
    for lib in LIBS:
        x = _t(lib, X)
        y = (x.exp() * x).sum()
        lib.autograd.grad(y, x)
        with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
            lib.autograd.grad(y, x)


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")
def test_retain_graph_accumulates_and_create_graph_retains_by_default():
    out = []
    for lib in LIBS:
        x = _t(lib, X)
        y = (x.exp() * x).sum()
        y.backward(retain_graph=True)
        y.backward(create_graph=True)
        y.backward()  # create_graph=True retained the graph
        out.append(_np(x.grad))
    _close(*out)


def test_backward_inputs_accumulates_only_there():
    out = []
    for lib in LIBS:
        a, b = _t(lib, X), _t(lib, X[::-1])
        h = a * b
        h.retain_grad()
        (h.sin() * a).sum().backward(inputs=[b, h])
        assert a.grad is None
        out.append([_np(b.grad), _np(h.grad)])
    _close(*out)


def test_grad_allow_unused_and_materialize_grads():
    for lib in LIBS:
        a, b = _t(lib, X), _t(lib, X)
        y = (a * 2).sum()
        with pytest.raises(RuntimeError, match="appears to not have been used in the graph"):
            lib.autograd.grad(y, [a, b], retain_graph=True)
        ga, gb = lib.autograd.grad(y, [a, b], retain_graph=True, allow_unused=True)
        assert gb is None
        ga, gb = lib.autograd.grad(y, [a, b], materialize_grads=True)
        np.testing.assert_array_equal(_np(gb), 0.0)
        with pytest.raises(ValueError, match="allow_unused"):
            lib.autograd.grad((a * 2).sum(), [a, b], allow_unused=False, materialize_grads=True)
        with pytest.raises(RuntimeError, match="does not require grad"):
            lib.autograd.grad((a * 2).sum(), [lib.tensor([1.0])])


def test_grad_of_non_leaf_and_grad_outputs_with_a_graph():
    def f(lib, x, v):
        h = x.exp()
        y = h * x
        (gh, gx) = lib.autograd.grad(y, [h, x], grad_outputs=v, create_graph=True)
        return gh, gx, lib.autograd.grad((gx * gx).sum(), [x, v])[1]

    _close(*_both(f, X, [1.0, -2.0, 0.5, 3.0]))


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")
def test_autograd_backward_several_roots_with_create_graph():
    out = []
    for lib in LIBS:
        x = _t(lib, X)
        lib.autograd.backward([(x**2).sum(), x.sin()], [None, lib.ones(4, dtype=lib.float64)], create_graph=True)
        (hx,) = lib.autograd.grad(x.grad.sum(), x)
        out.append([_np(x.grad), _np(hx)])
    _close(*out)


def test_an_op_without_backward_graph_names_itself():
    class Opaque(mytorch.autograd.function.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad * 2

    x = mytorch.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="OpaqueBackward0 has no differentiable backward"):
        mytorch.autograd.grad(Opaque.apply(x).sum(), x, create_graph=True)


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")
def test_norm_at_zero_has_a_zero_gradient():
    out = []
    for lib in LIBS:
        x = lib.zeros(3, dtype=lib.float64, requires_grad=True)
        x.norm().backward(create_graph=True)
        y = _t(lib, [[3.0, 4.0], [0.0, 0.0]])
        (g,) = lib.autograd.grad(y.norm(dim=1).sum(), y, create_graph=True)
        (h,) = lib.autograd.grad(g[0].sum(), y)
        # (the zero row's second derivative: torch gives nan there, mytorch 0; only the first row is compared)
        out.append([_np(x.grad), _np(g), _np(h)[0]])
    _close(*out)
