"""The packed (multi-tensor) step against its composed form: one update per parameter.

``Optimizer.step`` updates a group's small parameters as one flat array (``optim/_packed.py``). The
arithmetic is elementwise, so every parameter and every state value must equal, bit for bit, what
one update per parameter gives (``PACK_LIMIT = 0``), for every optimizer of the parity table, with
all parameters packed or only some, and through the events that rebuild a pack.
"""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pytest

import mytorch
from mytorch import optim
from mytorch.optim import _packed
from test_optim_algorithms import CASES, INIT, NESTEROV_CASES, mt_backward, mt_params

STEPS = 6


def _run(case, dtype, limit, monkeypatch, steps=STEPS, between=None):
    monkeypatch.setattr(_packed, "PACK_LIMIT", limit)
    params = mt_params(dtype)
    opt = case.build(optim, params)
    for k in range(steps):
        opt.zero_grad()
        mt_backward(params)
        opt.step()
        if between is not None:
            opt = between(k, opt, params) or opt
    return params, opt


def _assert_same(a, b):
    (params_a, opt_a), (params_b, opt_b) = a, b
    for i, (p, q) in enumerate(zip(params_a, params_b)):
        assert np.array_equal(p._data, q._data), f"param {i}"
    state_a, state_b = opt_a.state_dict()["state"], opt_b.state_dict()["state"]
    assert state_a.keys() == state_b.keys()
    for i in state_a:
        assert state_a[i].keys() == state_b[i].keys()
        for key in state_a[i]:
            x, y = state_a[i][key]._data, state_b[i][key]._data
            assert x.shape == y.shape and x.dtype == y.dtype and np.array_equal(x, y), f"state {i}.{key}"


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("limit", [1 << 16, 30], ids=["all packed", "some packed"])
@pytest.mark.parametrize("case", CASES + NESTEROV_CASES, ids=str)
def test_packed_step_is_bit_identical_to_one_update_per_parameter(case, limit, dtype, monkeypatch):
    """limit 30: the 8x5 weight (40 elements) is updated alone, the three others as one pack."""
    _assert_same(_run(case, dtype, 0, monkeypatch), _run(case, dtype, limit, monkeypatch))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", [c for c in CASES if c.groups is None], ids=str)
def test_foreach_and_fused_give_the_default_steps_bits(case, dtype, monkeypatch):
    """torch's switches only choose the path: foreach=False (one update per parameter), foreach=True and fused=True
    (packed) all equal the default step bit for bit."""
    import inspect

    accepted = inspect.signature(getattr(optim, case.name).__init__).parameters
    plain = {k: v for k, v in case.kwargs.items() if k not in ("foreach", "fused")}
    default = _run(type(case)(case.name, plain), dtype, 1 << 16, monkeypatch)
    for flags in ({"foreach": False}, {"foreach": True}, {"fused": True}):
        if set(flags) <= set(accepted):
            _assert_same(default, _run(type(case)(case.name, {**plain, **flags}), dtype, 1 << 16, monkeypatch))


def test_small_parameters_are_really_packed(monkeypatch):
    params, opt = _run(CASES[5], np.float32, 1 << 16, monkeypatch, steps=2)  # Adam
    (pack,) = opt._packs.values()
    assert pack.params == params and not pack.rest
    for p in params:  # the state tensors are views of the pack's buffers: state_dict() shows live values
        assert opt.state[p]["exp_avg"]._data.base is pack.arrays["exp_avg"]
        assert opt.state[p]["step"]._data.base is pack.counters["step"] and float(opt.state[p]["step"]) == 2.0


@pytest.mark.parametrize("case", [CASES[1], CASES[5], CASES[17]], ids=str)  # SGD momentum, Adam, NAdam
def test_rebuilds_after_load_state_dict_deepcopy_and_replaced_state(case, monkeypatch):
    """Every event that moves state out of the pack's buffers gives the same numbers as the composed form."""

    def events(k, opt, params):
        if k == 1:  # a checkpoint loaded into a new optimizer
            fresh = case.build(optim, params)
            fresh.load_state_dict(copy.deepcopy(opt.state_dict()))
            return fresh
        if k == 2:  # state replaced by hand
            state = opt.state[params[1]]
            name = next(n for n, v in state.items() if v._data.ndim)
            state[name] = mytorch.tensor(state[name]._data.copy())
        if k == 3:  # an optimizer copied with its parameters: stepping the copy must not touch the original
            twin_params = copy.deepcopy(params)
            twin = case.build(optim, twin_params)
            twin.load_state_dict(opt.state_dict())
            clone = copy.deepcopy(opt)
            for p in clone.param_groups[0]["params"]:
                p.grad = mytorch.ones_like(p)
            clone.step()
            return None
        return None

    _assert_same(_run(case, np.float64, 0, monkeypatch, between=events),
                 _run(case, np.float64, 1 << 16, monkeypatch, between=events))


def test_deepcopied_optimizer_steps_its_own_parameters(monkeypatch):
    params, opt = _run(CASES[5], np.float64, 1 << 16, monkeypatch, steps=2)
    clone = copy.deepcopy(opt)
    clone_params = clone.param_groups[0]["params"]
    for p, q in zip(params, clone_params):
        p.grad = mytorch.ones_like(p)
        q.grad = mytorch.ones_like(q)
    opt.step()
    clone.step()
    for p, q in zip(params, clone_params):
        assert np.array_equal(p._data, q._data)
    for p, q in zip(params, clone_params):  # live state, each in its own optimizer
        assert np.array_equal(opt.state[p]["exp_avg"]._data, clone.state[q]["exp_avg"]._data)
        assert opt.state[p]["exp_avg"]._data.base is not clone.state[q]["exp_avg"]._data.base


def test_parameters_joining_late_and_a_repeated_parameter(monkeypatch):
    """Parameters whose first gradient comes later have another step count: they are updated apart, and
    a parameter listed twice is updated twice, as in the composed form."""

    def run(limit):
        monkeypatch.setattr(_packed, "PACK_LIMIT", limit)
        params = mt_params(np.float32)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            opt = optim.Adam(params + [params[3]], lr=0.01)
        rng = np.random.default_rng(0)
        for k in range(5):
            for i, p in enumerate(params):
                has_grad = i <= k  # parameter i gets its first gradient at step i
                p.grad = mytorch.tensor(rng.standard_normal(p.shape).astype(np.float32)) if has_grad else None
            opt.step()
        return params, opt

    _assert_same(run(0), run(1 << 16))


def test_parameter_changed_in_place_between_steps_is_read_again(monkeypatch):
    def run(limit):
        monkeypatch.setattr(_packed, "PACK_LIMIT", limit)
        params = mt_params(np.float64)
        opt = optim.SGD(params, lr=0.1, momentum=0.9, weight_decay=0.1)
        for k in range(3):
            for p in params:
                p.grad = mytorch.ones_like(p)
            opt.step()
            with mytorch.no_grad():
                params[k].mul_(0.5)
        return params, opt

    _assert_same(run(0), run(1 << 16))


def test_version_counter_of_every_packed_parameter_moves(monkeypatch):
    """A graph that saved a parameter cannot backpropagate after the step wrote it, packed or not."""
    monkeypatch.setattr(_packed, "PACK_LIMIT", 1 << 16)
    params = mt_params(np.float64, INIT)
    outs = [(p * p).sum() for p in params]  # Mul saves its inputs
    opt = optim.SGD(params, lr=0.1)
    for p in params:
        p.grad = mytorch.ones_like(p)
    opt.step()
    assert opt._packs[0].params == params
    for out in outs:
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            out.backward()


@pytest.mark.parametrize("name", ["SGD", "Adam", "NAdam", "Adagrad", "RMSprop", "Adadelta", "RAdam"])
def test_scalar_and_empty_parameters(name, monkeypatch):
    """0-d parameters (whose state is 0-d too, like the step counter) and empty ones, packed or not."""
    shapes = [(), (), (0,), (3,), (), (2, 0)]

    def run(limit):
        monkeypatch.setattr(_packed, "PACK_LIMIT", limit)
        rng = np.random.default_rng(1)
        params = [mytorch.nn.Parameter(rng.standard_normal(s)) for s in shapes]
        kwargs = {"momentum": 0.9} if name in ("SGD", "RMSprop") else {}
        opt = getattr(optim, name)(params, lr=0.1, **kwargs)
        for _ in range(4):
            for p in params:
                p.grad = mytorch.tensor(rng.standard_normal(p.shape))
            opt.step()
        return params, opt

    _assert_same(run(0), run(1 << 16))


def test_the_most_common_kind_is_packed(monkeypatch):
    """The first parameter has an older state than the rest: the rest still form the pack."""
    monkeypatch.setattr(_packed, "PACK_LIMIT", 1 << 16)
    params = mt_params(np.float64)
    opt = optim.Adam(params, lr=0.01)
    params[0].grad = mytorch.ones_like(params[0])
    opt.step()  # only params[0] has a step
    for p in params:
        p.grad = mytorch.ones_like(p)
    opt.step()
    (pack,) = opt._packs.values()
    assert pack.params == params[1:] and pack.rest == params[:1]
    assert [float(opt.state[p]["step"]) for p in params] == [2.0, 1.0, 1.0, 1.0]


@pytest.mark.parametrize("which", ["all", "one"])
def test_a_step_counter_written_in_place_is_read_again(which, monkeypatch):
    """Counters reset through the state tensors (all of them, or one: which splits the pack) are honoured."""

    def run(limit):
        monkeypatch.setattr(_packed, "PACK_LIMIT", limit)
        params = mt_params(np.float64)
        opt = optim.Adam(params, lr=0.01)
        for k in range(4):
            for p in params:
                p.grad = mytorch.ones_like(p)
            opt.step()
            if k == 1:
                for p in params if which == "all" else params[1:2]:
                    opt.state[p]["step"]._data[...] = 0.0
        return params, opt

    _assert_same(run(0), run(1 << 16))
