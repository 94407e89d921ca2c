"""The Optimizer contract (REFERENCE-SEMANTICS §0, §2): param groups, skipping params without grad,
zero_grad, closures, state_dict format and loading, and the ValueError messages, each next to torch."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch

import mytorch
from mytorch import optim

ALL = ["SGD", "Adam", "AdamW", "Adagrad", "RMSprop", "Adadelta", "NAdam", "RAdam"]


def pair(*arrays):
    """The same parameters in mytorch and torch (float64)."""
    arrays = [np.asarray(a, dtype=np.float64) for a in arrays]
    return [mytorch.nn.Parameter(a.copy()) for a in arrays], [torch.nn.Parameter(torch.tensor(a)) for a in arrays]


def set_grads(params, tparams, grads):
    for p, tp, g in zip(params, tparams, grads):
        p.grad = None if g is None else mytorch.tensor(np.asarray(g, dtype=np.float64))
        tp.grad = None if g is None else torch.tensor(np.asarray(g, dtype=np.float64))


def assert_same_params(params, tparams):
    for p, tp in zip(params, tparams):
        np.testing.assert_allclose(p._data, tp.detach().numpy(), rtol=1e-13, atol=1e-15)


# ---------------------------------------------------------------------- grad None / zero grads
@pytest.mark.parametrize("name", ALL)
def test_params_without_grad_are_skipped_entirely(name):
    """No state, no step count, no weight decay for a None grad; a zero grad is a real step."""
    kwargs = {"weight_decay": 0.5} | ({"momentum": 0.9} if name in ("SGD", "RMSprop") else {})
    params, tparams = pair(np.ones(3), np.ones(3), np.ones(2))
    opt = getattr(optim, name)(params, **kwargs)
    topt = getattr(torch.optim, name)(tparams, **kwargs)
    for k, grads in enumerate(([[1.0, 2.0, 3.0], None, None], [[1.0, 2.0, 3.0], None, [0.0, 0.0]],
                               [None, [3.0, 2.0, 1.0], None])):
        set_grads(params, tparams, grads)
        opt.step()
        topt.step()
        assert_same_params(params, tparams)
        assert sorted(opt.state_dict()["state"]) == sorted(topt.state_dict()["state"])
        if k == 1:
            assert np.array_equal(params[1]._data, np.ones(3))  # no grad yet: untouched, despite the decay
            assert not np.array_equal(params[2]._data, np.ones(2))  # a zero grad is a step: decay applies
    steps = {i: float(s["step"]) for i, s in opt.state_dict()["state"].items() if "step" in s}
    tsteps = {i: float(s["step"]) for i, s in topt.state_dict()["state"].items() if "step" in s}
    assert steps == tsteps  # per-parameter step counts: [2, 1, 1] for the lazy ones


def test_zero_grad():
    params, _ = pair(np.ones(2), np.ones(2))
    opt = optim.SGD(params, lr=0.1)
    params[0].grad = mytorch.tensor([1.0, 2.0], dtype=mytorch.float64)
    kept = params[0].grad
    opt.zero_grad(set_to_none=False)
    assert params[0].grad is kept and np.array_equal(kept._data, [0.0, 0.0]) and params[1].grad is None
    opt.zero_grad()
    assert params[0].grad is None


def test_step_with_closure_returns_its_loss_and_runs_with_grad_enabled():
    params, _ = pair([1.0, -2.0])

    def closure():
        opt.zero_grad()
        loss = (params[0] * params[0]).sum()
        loss.backward()
        return loss

    opt = optim.SGD(params, lr=0.25)
    with mytorch.no_grad():
        loss = opt.step(closure)
    assert loss.item() == 5.0
    np.testing.assert_array_equal(params[0]._data, [0.5, -1.0])
    assert opt.step() is None


def test_non_contiguous_parameter_is_updated_in_place():
    base = np.arange(12.0).reshape(3, 4)
    p = mytorch.nn.Parameter(mytorch.from_numpy(base.T))  # shares memory, Fortran-ordered
    tp = torch.nn.Parameter(torch.tensor(base.T.copy()))
    opt, topt = optim.Adam([p], lr=0.1), torch.optim.Adam([tp], lr=0.1)
    for _ in range(3):
        g = np.linspace(-1, 1, 12).reshape(4, 3)
        p.grad, tp.grad = mytorch.tensor(g), torch.tensor(g)
        opt.step()
        topt.step()
    np.testing.assert_allclose(base.T, tp.detach().numpy(), rtol=1e-13)
    assert np.shares_memory(p._data, base)


@pytest.mark.parametrize("name", ALL)
def test_scalar_empty_and_large_parameters(name):
    """0-d and empty tensors, and one larger than a block (the update runs in 64 Ki-element blocks)."""
    rng = np.random.default_rng(3)
    shapes = [(), (0,), (3, 50_000)]
    params, tparams = pair(*[rng.standard_normal(s) for s in shapes])
    opt, topt = getattr(optim, name)(params, lr=0.01), getattr(torch.optim, name)(tparams, lr=0.01)
    for _ in range(3):
        set_grads(params, tparams, [rng.standard_normal(s) for s in shapes])
        opt.step()
        topt.step()
        assert_same_params(params, tparams)


@pytest.mark.parametrize("name", ALL)
def test_threads_do_not_change_the_numbers(name, monkeypatch):
    """The blocks of a large parameter are shared among threads: the result is bit-identical to one thread."""
    from mytorch import _threads

    rng = np.random.default_rng(5)
    init, grads = rng.standard_normal(300_000), [rng.standard_normal(300_000) for _ in range(3)]
    results = []
    for threads in (1, 3):
        monkeypatch.setattr(_threads, "_num_threads", threads)  # the optimizer's share; BLAS untouched
        p = mytorch.nn.Parameter(init.astype(np.float32))
        opt = getattr(optim, name)([p], lr=0.01)
        for g in grads:
            p.grad = mytorch.tensor(g.astype(np.float32))
            opt.step()
        results.append(p._data)
    assert np.array_equal(results[0], results[1])


@pytest.mark.parametrize("name", ALL)
def test_a_parameter_of_two_blocks_or_less_is_updated_whole_with_the_same_bits(name, monkeypatch):
    """Up to 2 x 64 Ki elements (W3's 100x784 weight) the update is one piece; in blocks it gives the same bits."""
    from mytorch.optim import optimizer

    rng = np.random.default_rng(6)
    init, grads = rng.standard_normal((100, 784)), [rng.standard_normal((100, 784)) for _ in range(3)]
    results = []
    for limit in (optimizer._WHOLE_LIMIT, 0):
        monkeypatch.setattr(optimizer, "_WHOLE_LIMIT", limit)
        p = mytorch.nn.Parameter(init.astype(np.float32))
        opt = getattr(optim, name)([p], lr=0.01)
        for g in grads:
            p.grad = mytorch.tensor(g.astype(np.float32))
            opt.step()
        results.append((p._data, {k: v._data for k, v in opt.state[p].items()}))
    (p1, s1), (p2, s2) = results
    assert np.array_equal(p1, p2) and s1.keys() == s2.keys()
    assert all(np.array_equal(s1[k], s2[k]) for k in s1)


def _step_large_parameter(queue) -> None:
    p = mytorch.nn.Parameter(np.ones(400_000, dtype=np.float32))
    p.grad = mytorch.ones(400_000)
    optim.Adam([p], lr=0.5).step()
    queue.put(float(p._data[0]))


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="fork() is POSIX-only")
def test_optimizer_works_in_a_forked_child_after_the_parent_used_its_threads(monkeypatch):
    """Worker threads do not survive fork(): a child must start its own instead of waiting on dead ones."""
    import multiprocessing

    from mytorch import _threads

    monkeypatch.setattr(_threads, "_num_threads", 2)
    _step_large_parameter(multiprocessing.get_context("fork").SimpleQueue())  # the parent's pool exists now
    ctx = multiprocessing.get_context("fork")
    queue = ctx.SimpleQueue()
    child = ctx.Process(target=_step_large_parameter, args=(queue,))
    child.start()
    child.join(timeout=60)
    if child.is_alive():
        child.kill()
        pytest.fail("the optimizer step hung in a forked child")
    assert child.exitcode == 0 and queue.get() == 0.5


# ---------------------------------------------------------------------- param groups
def test_param_groups_are_filled_from_defaults():
    params, tparams = pair(np.ones(2), np.ones(3), np.ones(1))
    opt = optim.Adam([{"params": params[:2]}, {"params": params[2], "lr": 0.5}], betas=(0.8, 0.9))
    topt = torch.optim.Adam([{"params": tparams[:2]}, {"params": tparams[2], "lr": 0.5}], betas=(0.8, 0.9))
    for group, tgroup in zip(opt.param_groups, topt.param_groups):
        assert {k: v for k, v in group.items() if k != "params"}.items() <= tgroup.items()
    assert opt.param_groups[1]["params"] == [params[2]]


def test_add_param_group_and_errors():
    params, _ = pair(np.ones(2), np.ones(3), np.ones(1))
    opt = optim.SGD(params[:1], lr=0.1, momentum=0.9)
    opt.add_param_group({"params": params[1:], "lr": 0.2})
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.2] and opt.param_groups[1]["momentum"] == 0.9
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
        opt.add_param_group({"params": [params[0]]})
    with pytest.raises(TypeError, match="ordered collections"):
        opt.add_param_group({"params": {mytorch.nn.Parameter(np.ones(1))}})
    with pytest.raises(TypeError, match="ordered collections"):
        optim.Adam({params[0]})
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.Adam([])
    with pytest.raises(TypeError, match="iterable of Tensors or dicts"):
        optim.Adam(params[0])
    with pytest.raises(TypeError, match="can only optimize Tensors"):
        optim.Adam([np.ones(2)])
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        optim.Adam([params[0] * 2])
    with pytest.warns(UserWarning, match="duplicate parameters"):
        optim.Adam([params[0], params[0]])


def test_named_parameters_are_accepted():
    params, _ = pair(np.ones(2), np.ones(1))
    opt = optim.SGD([("w", params[0]), ("b", params[1])], lr=0.1)
    assert opt.param_groups[0]["params"] == params and opt.state_dict()["param_groups"][0]["param_names"] == ["w", "b"]


# ---------------------------------------------------------------------- state_dict / load_state_dict
def test_state_dict_format_matches_torch():
    """Indices run across groups; state only for params that had a grad; live tensors; step float32."""
    params, tparams = pair(np.ones(2), np.ones(3), np.ones(1), np.ones(2))
    opt = optim.Adam([{"params": params[:2]}, {"params": params[2:], "lr": 0.1}])
    topt = torch.optim.Adam([{"params": tparams[:2]}, {"params": tparams[2:], "lr": 0.1}])
    set_grads(params, tparams, [[1.0, 1.0], None, [2.0], [1.0, -1.0]])
    opt.step()
    topt.step()
    sd, tsd = opt.state_dict(), topt.state_dict()
    assert [g["params"] for g in sd["param_groups"]] == [g["params"] for g in tsd["param_groups"]] == [[0, 1], [2, 3]]
    assert sorted(sd["state"]) == sorted(tsd["state"]) == [0, 2, 3]
    assert list(sd["state"][0]) == list(tsd["state"][0]) == ["step", "exp_avg", "exp_avg_sq"]
    assert sd["state"][0]["step"].dtype == mytorch.float32 and sd["state"][0]["step"].shape == ()
    assert sd["state"][0]["exp_avg"] is opt.state[params[0]]["exp_avg"]  # live, not copied (as torch)
    assert optim.SGD(params, lr=0.1).state_dict()["state"] == {}


def test_adagrad_state_is_created_eagerly():
    params, tparams = pair(np.ones(2), np.ones(3))
    opt = optim.Adagrad(params, initial_accumulator_value=0.3)
    topt = torch.optim.Adagrad(tparams, initial_accumulator_value=0.3)
    sd, tsd = opt.state_dict()["state"], topt.state_dict()["state"]
    assert sorted(sd) == sorted(tsd) == [0, 1]
    for i in sd:
        assert float(sd[i]["step"]) == 0.0
        np.testing.assert_array_equal(sd[i]["sum"]._data, tsd[i]["sum"].numpy())


def test_load_state_dict_restores_hyper_parameters_and_casts_state():
    params64, _ = pair(np.ones(3))
    opt = optim.NAdam(params64, lr=0.01)
    params64[0].grad = mytorch.tensor([1.0, 2.0, 3.0], dtype=mytorch.float64)
    opt.step()
    p32 = mytorch.nn.Parameter(np.ones(3, dtype=np.float32))
    fresh = optim.NAdam([p32], lr=5.0)
    sd = opt.state_dict()
    fresh.load_state_dict(sd)
    assert fresh.param_groups[0]["lr"] == 0.01 and fresh.param_groups[0]["params"] == [p32]
    state = fresh.state[p32]
    assert state["exp_avg"].dtype == mytorch.float32 and state["exp_avg_sq"].dtype == mytorch.float32
    assert state["step"].dtype == mytorch.float32 and state["mu_product"].dtype == mytorch.float32
    assert not np.shares_memory(state["exp_avg_sq"]._data, sd["state"][0]["exp_avg_sq"]._data)
    # state loaded as plain numbers (old checkpoints) becomes 0-d tensors
    fresh.load_state_dict({**sd, "state": {0: {**sd["state"][0], "step": 3, "mu_product": 0.5}}})
    assert float(fresh.state[p32]["step"]) == 3.0 and fresh.state[p32]["mu_product"].dtype == mytorch.float32


def test_load_state_dict_accepts_json_keys():
    params, _ = pair(np.ones(2), np.ones(2))
    opt = optim.SGD(params, lr=0.1, momentum=0.9)
    params[1].grad = mytorch.tensor([1.0, 2.0], dtype=mytorch.float64)
    opt.step()
    sd = opt.state_dict()
    fresh_params, _ = pair(np.ones(2), np.ones(2))
    fresh = optim.SGD(fresh_params, lr=0.1, momentum=0.9)
    fresh.load_state_dict({"state": {"1": {"momentum_buffer": sd["state"][1]["momentum_buffer"]._data}},
                           "param_groups": sd["param_groups"]})
    assert list(fresh.state) == [fresh_params[1]]
    np.testing.assert_array_equal(fresh.state[fresh_params[1]]["momentum_buffer"]._data, [1.0, 2.0])


def test_load_state_dict_checks_groups():
    params, _ = pair(np.ones(2), np.ones(1))
    sd = optim.SGD([{"params": params[:1]}, {"params": params[1:]}], lr=0.1).state_dict()
    with pytest.raises(ValueError, match="different number of parameter groups"):
        optim.SGD(params, lr=0.1).load_state_dict(sd)
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        optim.SGD([{"params": params}, {"params": [mytorch.nn.Parameter(np.ones(1))]}], lr=0.1).load_state_dict(sd)


def test_adamw_stays_decoupled_after_loading():
    params, _ = pair(np.ones(2))
    sd = optim.Adam(params).state_dict()
    opt = optim.AdamW(pair(np.ones(2))[0])
    opt.load_state_dict(sd)
    assert opt.param_groups[0]["decoupled_weight_decay"] is True


# ---------------------------------------------------------------------- hyper-parameter validation
INVALID = [
    ("SGD", {"lr": -0.1}),
    ("SGD", {"momentum": -0.5}),
    ("SGD", {"weight_decay": -1e-4}),
    ("SGD", {"nesterov": True}),
    ("SGD", {"nesterov": True, "momentum": 0.9, "dampening": 0.1}),
    ("Adam", {"lr": -1.0}),
    ("Adam", {"eps": -1e-8}),
    ("Adam", {"betas": (1.0, 0.999)}),
    ("Adam", {"betas": (0.9, -0.1)}),
    ("AdamW", {"weight_decay": -0.01}),
    ("Adagrad", {"lr_decay": -0.1}),
    ("Adagrad", {"initial_accumulator_value": -1.0}),
    ("Adagrad", {"eps": -1.0}),
    ("RMSprop", {"alpha": -0.9}),
    ("RMSprop", {"momentum": -0.1}),
    ("RMSprop", {"eps": -1e-8}),
    ("Adadelta", {"rho": 1.5}),
    ("Adadelta", {"weight_decay": -0.5}),
    ("NAdam", {"momentum_decay": -4e-3}),
    ("NAdam", {"betas": (0.9, 1.0)}),
    ("RAdam", {"betas": (-0.1, 0.999)}),
]


@pytest.mark.parametrize("name, kwargs", INVALID, ids=lambda v: str(v))
def test_invalid_hyper_parameters_raise_torchs_value_error(name, kwargs):
    with pytest.raises(ValueError) as theirs:
        getattr(torch.optim, name)([torch.nn.Parameter(torch.ones(1))], **kwargs)
    with pytest.raises(ValueError, match=re.escape(str(theirs.value))):
        getattr(optim, name)([mytorch.nn.Parameter(np.ones(1))], **kwargs)


def test_rmsprop_nesterov_needs_momentum():
    with pytest.raises(ValueError, match=r"Nesterov momentum requires a momentum > 0, got momentum=0"):
        optim.RMSprop([mytorch.nn.Parameter(np.ones(1))], nesterov=True)
