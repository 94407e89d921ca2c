"""PyTorch's autograd tutorials, retold in our own words and run on both libraries with only the
import changed: the 60-minute blitz's autograd part, the autograd basics, the Legendre-polynomial
custom Function fitted to sin, and "Double Backward with Custom Functions"."""

from __future__ import annotations

import math

import numpy as np
import torch

import mytorch

LIBS = (mytorch, torch)


def _blitz(lib):
    """Q = 3a³ − b², backward with an explicit gradient; a model whose first layers are frozen."""
    a = lib.tensor([2.0, 3.0], requires_grad=True)
    b = lib.tensor([6.0, 4.0], requires_grad=True)
    q = 3 * a**3 - b**2
    q.backward(gradient=lib.tensor([1.0, 1.0]))
    assert bool((9 * a**2 == a.grad).all()) and bool((-2 * b == b.grad).all())
    x, y = lib.rand(5, 5), lib.rand(5, 5)
    z = lib.rand((5, 5), requires_grad=True)
    assert not (x + y).requires_grad and (x + z).requires_grad
    net = lib.nn.Sequential(lib.nn.Linear(8, 6), lib.nn.ReLU(), lib.nn.Linear(6, 3))
    for p in net.parameters():
        p.requires_grad = False
    net[2] = lib.nn.Linear(6, 4)  # a fresh head: the only part that learns
    opt = lib.optim.SGD(net.parameters(), lr=1e-2, momentum=0.9)
    net(lib.rand(2, 8)).sum().backward()
    opt.step()
    assert net[0].weight.grad is None and net[2].weight.grad is not None
    return [a.grad, b.grad]


def _basics(lib):
    """z = xW + b with a BCE loss; grad_fn, detach, no_grad, and a Jacobian-vector product by hand."""
    lib.manual_seed(0)
    x, y = lib.ones(5), lib.zeros(3)
    w = lib.tensor(np.linspace(-1, 1, 15).reshape(5, 3).astype(np.float32), requires_grad=True)
    b = lib.tensor([0.1, -0.2, 0.3], requires_grad=True)
    z = lib.matmul(x, w) + b
    loss = lib.nn.functional.binary_cross_entropy_with_logits(z, y)
    assert z.grad_fn is not None and loss.grad_fn is not None  # (torch fuses the mean into the BCE node)
    loss.backward()
    with lib.no_grad():
        assert not (lib.matmul(x, w) + b).requires_grad
    assert not z.detach().requires_grad
    inp = lib.eye(4, 5, requires_grad=True)
    out = (inp + 1).pow(2).t()
    out.backward(lib.ones_like(out), retain_graph=True)
    first = inp.grad.clone()
    out.backward(lib.ones_like(out), retain_graph=True)  # gradients accumulate: twice the first
    second = inp.grad.clone()
    inp.grad.zero_()
    out.backward(lib.ones_like(out), retain_graph=True)
    return [w.grad, b.grad, first, second, inp.grad]


def _legendre(lib):
    """y ≈ a + b·P₃(c + d·x) fitted to sin x on [−π, π] by gradient descent; P₃ is a custom Function."""

    class LegendreP3(lib.autograd.Function):
        @staticmethod
        def forward(ctx, t):
            ctx.save_for_backward(t)
            return 0.5 * (5 * t**3 - 3 * t)

        @staticmethod
        def backward(ctx, grad_output):
            (t,) = ctx.saved_tensors
            return grad_output * 1.5 * (5 * t**2 - 1)

    x = lib.linspace(-math.pi, math.pi, 2000, dtype=lib.float64)
    y = lib.sin(x)
    a, b, c, d = (lib.full((), v, dtype=lib.float64, requires_grad=True) for v in (0.0, -1.0, 0.0, 0.3))
    lr = 5e-6
    for _ in range(300):
        y_pred = a + b * LegendreP3.apply(c + d * x)
        loss = (y_pred - y).pow(2).sum()
        loss.backward()
        with lib.no_grad():
            for p in (a, b, c, d):
                p -= lr * p.grad
                p.grad = None
    return [a, b, c, d, loss]


def _double_backward(lib):
    """Square and Cube (whose backward is another Function) checked twice, and a saved intermediate."""

    class Square(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**2

        @staticmethod
        def backward(ctx, grad_out):
            (x,) = ctx.saved_tensors
            return grad_out * 2 * x

    class CubeBackward(lib.autograd.Function):
        @staticmethod
        def forward(ctx, grad_out, x):
            ctx.save_for_backward(x, grad_out)
            return grad_out * 3 * x**2

        @staticmethod
        def backward(ctx, grad_out):
            x, saved_grad_out = ctx.saved_tensors
            return grad_out * 3 * x**2, grad_out * saved_grad_out * 6 * x

    class Cube(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**3

        @staticmethod
        def backward(ctx, grad_out):
            (x,) = ctx.saved_tensors
            return CubeBackward.apply(grad_out, x)

    class Exp(lib.autograd.Function):
        # the saved result is the output itself, so its graph comes along in the second backward
        @staticmethod
        def forward(ctx, x):
            result = lib.exp(x)
            ctx.save_for_backward(result)
            return result

        @staticmethod
        def backward(ctx, grad_out):
            (result,) = ctx.saved_tensors
            return grad_out * result

    x = lib.tensor(np.array([0.3, -0.8, 1.1]), requires_grad=True)
    for fn in (Square.apply, Cube.apply, Exp.apply):
        assert lib.autograd.gradcheck(fn, x) and lib.autograd.gradgradcheck(fn, x)
    (g,) = lib.autograd.grad(Cube.apply(x).sum(), x, create_graph=True)
    (h,) = lib.autograd.grad(g.sum(), x)
    (ge,) = lib.autograd.grad(Exp.apply(x).sum(), x, create_graph=True)
    (he,) = lib.autograd.grad(ge.sum(), x)
    return [g, h, ge, he]


def _compare(fn, rtol):
    res = [fn(lib) for lib in LIBS]
    for a, b in zip(*res):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=rtol, atol=rtol)


def test_blitz_autograd():
    _compare(_blitz, 1e-6)


def test_autograd_basics():
    _compare(_basics, 1e-6)


def test_legendre_polynomial_custom_function():
    _compare(_legendre, 1e-9)


def test_double_backward_with_custom_functions():
    _compare(_double_backward, 1e-12)
    x = mytorch.tensor([1.0, 2.0], requires_grad=True)
    dot = mytorch.autograd.graph.make_dot(x.exp().sum(), params={"x": x})
    assert "ExpBackward0" in dot.source and "x\n (2)" in dot.source.replace("\\n", "\n")
