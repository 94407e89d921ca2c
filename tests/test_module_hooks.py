"""Module hooks side by side with PyTorch: forward pre-hooks and forward hooks (with and without kwargs,
replacing args/outputs, prepend), full backward pre-hooks and hooks (grad_input/grad_output as torch
defines them, replacements), global hooks, removal and order."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import mytorch
from mytorch.nn.modules import hooks as module_hooks

LIBS = (mytorch, torch)
RNG = np.random.default_rng(3)
X = RNG.standard_normal((4, 3))


def _model(lib):
    m = lib.nn.Sequential(lib.nn.Linear(3, 5), lib.nn.Tanh(), lib.nn.Linear(5, 2)).double()
    return m


def _copy(m, t):
    t.load_state_dict({k: torch.from_numpy(v.detach().numpy().copy()) for k, v in m.state_dict().items()})


def _arr(v):
    if v is None:
        return None
    if isinstance(v, (tuple, list)):
        return [_arr(x) for x in v]
    return v.detach().numpy().copy() if hasattr(v, "detach") else v


def _compare(a, b):
    assert type(a) is type(b) or (a is None) == (b is None), (a, b)
    if isinstance(a, list):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _compare(x, y)
    elif isinstance(a, np.ndarray):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    else:
        assert a == b, (a, b)


def _side_by_side(run):
    m = _model(mytorch)
    t = _model(torch)
    _copy(m, t)
    logs = []
    for lib, model in ((mytorch, m), (torch, t)):
        log = []
        handles = run(lib, model, log)
        x = lib.tensor(X.copy(), requires_grad=True)
        out = model(x)
        (out * out).sum().backward()
        log.append(("x.grad", _arr(x.grad)))
        log.append(("w.grad", _arr(model[0].weight.grad)))
        for h in handles:
            h.remove()
        logs.append(log)
    assert [k for k, _ in logs[0]] == [k for k, _ in logs[1]]
    for (_, a), (_, b) in zip(*logs):
        _compare(a, b)
    assert module_hooks.ACTIVE[0] == 0


def test_forward_pre_and_forward_hooks_replace_args_and_outputs():
    def run(lib, model, log):
        return [
            model[0].register_forward_pre_hook(lambda mod, args: log.append(("pre0", _arr(args))) or (args[0] * 2,)),
            model[0].register_forward_hook(
                lambda mod, args, out: (log.append(("fwd0", _arr([args, out]))), out + 1)[1]),
            model[2].register_forward_hook(lambda mod, args, out: log.append(("fwd2a", _arr(out)))),
            model[2].register_forward_hook(lambda mod, args, out: log.append(("fwd2first", 1)), prepend=True),
        ]

    _side_by_side(run)


def test_hooks_with_kwargs():
    for lib in LIBS:
        seen = []

        class Scale(lib.nn.Module):
            def forward(self, x, *, factor=1.0):
                return x * factor

        m = Scale()
        h1 = m.register_forward_pre_hook(lambda mod, args, kwargs: (args, {"factor": kwargs["factor"] * 10}),
                                         with_kwargs=True)
        h2 = m.register_forward_hook(lambda mod, args, kwargs, out, seen=seen: seen.append(kwargs["factor"]),
                                     with_kwargs=True)
        y = m(lib.ones(2), factor=2.0)
        assert seen == [20.0] and y.tolist() == [20.0, 20.0]
        h1.remove()
        h2.remove()
        assert m(lib.ones(1), factor=3.0).tolist() == [3.0]


def test_full_backward_hooks_see_and_replace_gradients():
    def run(lib, model, log):
        return [
            model[2].register_full_backward_pre_hook(lambda mod, go: log.append(("bpre2", _arr(go)))),
            model[2].register_full_backward_hook(lambda mod, gi, go: log.append(("b2", _arr([gi, go])))),
            model[1].register_full_backward_hook(lambda mod, gi, go: (gi[0] * 0.5,)),
            model[0].register_full_backward_hook(lambda mod, gi, go: log.append(("b0", _arr([gi, go])))),
            model[0].register_full_backward_pre_hook(lambda mod, go: (go[0] * 3,)),
        ]

    _side_by_side(run)


@pytest.mark.filterwarnings("ignore:Full backward hook is firing")
def test_backward_hook_on_a_module_whose_input_needs_no_grad():
    for lib in LIBS:
        lin = lib.nn.Linear(3, 2).double()
        seen = []
        h = lin.register_full_backward_hook(lambda mod, gi, go, seen=seen: seen.append((gi, tuple(go[0].shape))))
        lin(lib.ones(4, 3, dtype=lib.float64)).sum().backward()
        assert seen == [((None,), (4, 2))]
        h.remove()


def test_global_forward_hooks_run_first_and_are_removable():
    def run(lib, model, log):
        mod = lib.nn.modules.module
        return [
            model[0].register_forward_hook(lambda m, a, o: log.append(("own", type(m).__name__))),
            mod.register_module_forward_hook(lambda m, a, o: log.append(("global", type(m).__name__))),
            mod.register_module_forward_pre_hook(lambda m, a: log.append(("global_pre", type(m).__name__))),
        ]

    _side_by_side(run)


def test_no_module_hooks_cost_one_check():
    m = mytorch.nn.Linear(2, 2)
    h = m.register_forward_hook(lambda *a: None)
    assert module_hooks.ACTIVE[0] == 1
    h.remove()
    h.remove()
    assert module_hooks.ACTIVE[0] == 0
