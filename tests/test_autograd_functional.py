"""``autograd.functional`` against ``torch.autograd.functional`` (float64, 1e-10): vjp, jvp, jacobian,
hessian, vhp, hvp, with single and tuple inputs/outputs, create_graph and strict."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import mytorch

LIBS = (mytorch, torch)
RNG = np.random.default_rng(7)
A = RNG.standard_normal((3, 4))
B = RNG.standard_normal((4,))
V3 = RNG.standard_normal((3,))


def _t(lib, a):
    return lib.tensor(np.array(a, dtype=np.float64))


def _flat(x):
    if isinstance(x, (tuple, list)):
        return [y for item in x for y in _flat(item)]
    return [x.detach().numpy()]


def _structure(x):
    if isinstance(x, (tuple, list)):
        return (type(x).__name__, [_structure(y) for y in x])
    return tuple(x.shape)


def _check(fn):
    results = [fn(lib) for lib in LIBS]
    assert _structure(results[0]) == _structure(results[1])  # Tensor vs tuples nested as torch's
    ours, theirs = (_flat(r) for r in results)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10)


def _f(x, y):
    """(3, 4), (4,) -> (3,) and ()"""
    return (x.tanh() @ y).exp(), (x * x).sum() * y.sin().sum()


def _scalar(x, y):
    return ((x @ y).sigmoid() ** 2).sum() + (y.unsqueeze(0) * x).cos().sum()


def test_vjp():
    _check(lambda lib: lib.autograd.functional.vjp(lambda x, y: _f(x, y)[0], (_t(lib, A), _t(lib, B)), _t(lib, V3)))
    _check(lambda lib: lib.autograd.functional.vjp(lambda x: x.exp().sum(), _t(lib, A)))


def test_jvp():
    _check(lambda lib: lib.autograd.functional.jvp(lambda x, y: _f(x, y), (_t(lib, A), _t(lib, B)),
                                                   (_t(lib, A * 0.5), _t(lib, B))))


def test_jacobian_nesting_follows_the_arguments():
    _check(lambda lib: lib.autograd.functional.jacobian(_f, (_t(lib, A), _t(lib, B))))
    _check(lambda lib: lib.autograd.functional.jacobian(lambda x: x.sin() * 2, _t(lib, B)))
    _check(lambda lib: lib.autograd.functional.jacobian(lambda x: (x.sin(), x.sum()), _t(lib, B)))
    _check(lambda lib: lib.autograd.functional.jacobian(lambda x, y: x @ y, (_t(lib, A), _t(lib, B)),
                                                        vectorize=True))


def test_hessian():
    _check(lambda lib: lib.autograd.functional.hessian(_scalar, (_t(lib, A), _t(lib, B))))
    _check(lambda lib: lib.autograd.functional.hessian(lambda y: (y ** 3).sum() * y.exp().sum(), _t(lib, B)))


def test_vhp_and_hvp():
    for name in ("vhp", "hvp"):
        _check(lambda lib, name=name: getattr(lib.autograd.functional, name)(
            _scalar, (_t(lib, A), _t(lib, B)), (_t(lib, A * 0.3), _t(lib, B * 2))))
        _check(lambda lib, name=name: getattr(lib.autograd.functional, name)(
            lambda y: (y ** 4).sum(), _t(lib, B), _t(lib, B[::-1].copy())))


def test_create_graph_keeps_results_differentiable():
    def run(lib):
        x = _t(lib, B).requires_grad_()
        _, hv = lib.autograd.functional.hvp(lambda y: (y.sin() * y).sum(), x, _t(lib, B), create_graph=True)
        (g,) = lib.autograd.grad(hv.sum(), x)
        return hv, g

    _check(run)


def test_strict_and_unused_inputs():
    for lib in LIBS:
        x, y = _t(lib, B), _t(lib, B)
        _, (gx, gy) = lib.autograd.functional.vjp(lambda a, b: a.exp().sum(), (x, y))
        np.testing.assert_array_equal(gy.numpy(), 0.0)
        with pytest.raises(RuntimeError, match="independent of input 1"):
            lib.autograd.functional.vjp(lambda a, b: a.exp().sum(), (x, y), strict=True)
        with pytest.raises(RuntimeError, match="The vector v can only be None"):
            lib.autograd.functional.vjp(lambda a: a.exp(), x)
