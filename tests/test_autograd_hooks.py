"""Tensor hooks side by side with PyTorch: what each hook receives, what a returned value replaces,
removal, order, ``retain_grad``, ``is_leaf``, post-accumulate hooks; and that hooks cost nothing
(the fast walk runs) once none is registered."""

from __future__ import annotations

import gc

import numpy as np
import pytest
import torch

import mytorch
from mytorch.autograd import hooks as hook_registry

LIBS = (mytorch, torch)


def _t(lib, a, grad=True):
    return lib.tensor(np.array(a, dtype=np.float64), requires_grad=grad)


def _rec(log, tag, scale=None):
    def hook(g):
        log.append((tag, g.detach().numpy().copy()))
        return None if scale is None else g * scale
    return hook


def _run_both(fn):
    logs = []
    for lib in LIBS:
        log = []
        extra = fn(lib, log)
        logs.append((log, extra))
    (ml, me), (tl, te) = logs
    assert [t for t, _ in ml] == [t for t, _ in tl], (ml, tl)
    for (_, a), (_, b) in zip(ml, tl):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    for a, b in zip(me, te):
        if b is None:
            assert a is None
        else:
            np.testing.assert_allclose(a, b, rtol=1e-12)


def _np(t):
    return None if t is None else t.detach().numpy().copy()


def test_hooks_receive_the_gradient_replace_it_and_run_in_order():
    def fn(lib, log):
        x = _t(lib, [1.0, -2.0, 3.0])
        h = x * x
        h.register_hook(_rec(log, "h1", scale=10.0))
        h.register_hook(_rec(log, "h2"))
        x.register_hook(_rec(log, "x1"))
        x.register_hook(_rec(log, "x2", scale=-1.0))
        (h.exp() * 0.1).sum().backward()
        return [_np(x.grad)]

    _run_both(fn)


def test_removed_hooks_do_not_run_and_the_handle_is_a_context_manager():
    def fn(lib, log):
        x = _t(lib, [1.0, 2.0])
        a = x.register_hook(_rec(log, "a", scale=3.0))
        x.register_hook(_rec(log, "b"))
        (x * 2).sum().backward()
        a.remove()
        a.remove()  # twice is harmless
        (x * 2).sum().backward()
        with x.register_hook(_rec(log, "c")):
            (x * 5).sum().backward()
        (x * 7).sum().backward()
        return [_np(x.grad)]

    _run_both(fn)


def test_retain_grad_runs_after_the_hooks_and_accumulates():
    def fn(lib, log):
        x = _t(lib, [0.5, -1.0])
        y = x.sin()
        y.retain_grad()
        y.register_hook(_rec(log, "y", scale=2.0))  # registered after retain_grad: .grad still sees it
        z = (y * y).sum()
        z.backward(retain_graph=True)
        first = _np(y.grad)
        z.backward()
        return [first, _np(y.grad), _np(x.grad), np.array(y.retains_grad), np.array(x.retains_grad),
                np.array(y.is_leaf), np.array(x.is_leaf)]

    _run_both(fn)


def test_hooks_fire_for_autograd_grad_and_change_what_it_returns():
    def fn(lib, log):
        x = _t(lib, [1.0, 2.0, 3.0])
        h = x.exp()
        h.register_hook(_rec(log, "h", scale=0.5))
        x.register_hook(_rec(log, "x", scale=2.0))
        gx, gh = lib.autograd.grad((h * x).sum(), [x, h])
        return [_np(gx), _np(gh), None if x.grad is None else _np(x.grad)]

    _run_both(fn)


def test_post_accumulate_grad_hook_sees_the_updated_grad():
    def fn(lib, log):
        w = _t(lib, [1.0, 2.0])
        w.register_post_accumulate_grad_hook(lambda p: log.append(("post", p.grad.numpy().copy())))
        w.register_hook(_rec(log, "pre", scale=3.0))
        (w * w).sum().backward()
        (w * 4).sum().backward()
        return [_np(w.grad)]

    _run_both(fn)


def test_hooks_under_create_graph_see_graph_tensors():
    def fn(lib, log):
        x = _t(lib, [0.3, 0.8])
        y = x.tanh()
        seen = []
        y.register_hook(lambda g: seen.append(g.requires_grad))
        (g,) = lib.autograd.grad((y**3).sum(), x, create_graph=True)
        (h,) = lib.autograd.grad(g.sum(), x)
        return [_np(g), _np(h), np.array(seen)]

    _run_both(fn)


def test_hook_errors_match_torch():
    for lib in LIBS:
        with pytest.raises(RuntimeError, match="cannot register a hook on a tensor that doesn't require gradient"):
            lib.ones(2).register_hook(lambda g: g)
        x = _t(lib, [1.0, 2.0])
        x.register_hook(lambda g: g[:1])
        with pytest.raises(RuntimeError, match="hook"):
            (x * 2).sum().backward()


def test_grad_fn_hooks_pre_and_post():
    def fn(lib, log):
        x = _t(lib, [1.0, 2.0])
        y = x.exp()
        y.grad_fn.register_prehook(lambda go: log.append(("pre", go[0].numpy().copy())))
        y.grad_fn.register_hook(lambda gi, go: log.append(("post", gi[0].numpy().copy())) or (gi[0] * 2,))
        y.sum().backward()
        return [_np(x.grad)]

    _run_both(fn)


def test_no_hooks_means_the_fast_walk(monkeypatch):
    x = mytorch.ones(3, requires_grad=True)
    h = x.register_hook(lambda g: g)
    h.remove()
    gc.collect()
    assert not hook_registry.HOOKED
    called = []
    from mytorch.autograd import engine_general

    monkeypatch.setattr(engine_general, "run_general", lambda *a, **k: called.append(1))
    (x * 2).sum().backward()
    assert not called and x.grad is not None
    y = mytorch.ones(2, requires_grad=True)
    y.register_hook(lambda g: g)
    del y
    gc.collect()
    assert not hook_registry.HOOKED  # a hooked tensor that is gone leaves the registry by itself
