"""Every optimizer against torch.optim on the same small MLP, RMSprop+Nesterov against Algorithm 8.6,
and the state_dict round trip through a file (4 + 4 steps == 8 steps, bit for bit).

One table drives all three: each row is an optimizer with default or non-default options, and
optionally two parameter groups with their own hyper-parameters.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np
import pytest
import torch

import mytorch
from mytorch import optim

# ---------------------------------------------------------------------- the model
# A 2-layer MLP (5 → 8 → 3, ReLU) with a log-softmax NLL loss on 16 fixed samples. Torch's RNG
# cannot be matched from NumPy, so both libraries start from the same copied arrays.
_rng = np.random.default_rng(7)
X = _rng.standard_normal((16, 5))
ONEHOT = np.eye(3)[_rng.integers(0, 3, 16)]
INIT = [_rng.standard_normal((8, 5)) * 0.5, _rng.standard_normal(8) * 0.1,
        _rng.standard_normal((3, 8)) * 0.5, _rng.standard_normal(3) * 0.1]


def mlp_loss(params, x, onehot):
    """The same expression in either library: ``params`` are mytorch or torch tensors."""
    W1, b1, W2, b2 = params
    h = (x @ W1.T + b1).relu()
    return -((h @ W2.T + b2).log_softmax(1) * onehot).sum(1).mean()


def mt_params(dtype, arrays=INIT):
    return [mytorch.nn.Parameter(a.astype(dtype)) for a in arrays]


def mt_backward(params) -> None:
    dtype = params[0].dtype
    mlp_loss(params, mytorch.tensor(X.astype(dtype)), mytorch.tensor(ONEHOT.astype(dtype))).backward()


def torch_backward(params) -> None:
    dtype = params[0].dtype
    mlp_loss(params, torch.tensor(X, dtype=dtype), torch.tensor(ONEHOT, dtype=dtype)).backward()


# ---------------------------------------------------------------------- the table
@dataclass
class Case:
    name: str  # the class name, the same in mytorch.optim and torch.optim
    kwargs: dict = field(default_factory=dict)
    # two groups: weights (params 0, 2) and biases (1, 3), each with its own overrides
    groups: tuple[dict, dict] | None = None

    def __str__(self) -> str:
        args = [f"{k}={v}" for k, v in self.kwargs.items()] + (["groups"] if self.groups else [])
        return f"{self.name}({','.join(args)})"

    def build(self, lib, params, **overrides):
        kwargs = {**self.kwargs, **overrides}
        if self.groups is None:
            return getattr(lib, self.name)(params, **kwargs)
        weights, biases = self.groups
        groups = [{"params": [params[0], params[2]], **weights}, {"params": [params[1], params[3]], **biases}]
        return getattr(lib, self.name)(groups, **kwargs)


CASES = [
    Case("SGD", {"lr": 0.1}),
    Case("SGD", {"lr": 0.1, "momentum": 0.9}),
    Case("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.3, "weight_decay": 0.05}),
    Case("SGD", {"lr": 0.1, "momentum": 0.8, "nesterov": True, "weight_decay": 0.05, "maximize": True}),
    Case("SGD", {"lr": 0.1, "momentum": 0.9}, groups=({"lr": 0.3}, {"momentum": 0.5, "weight_decay": 0.1})),
    Case("Adam", {}),
    Case("Adam", {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-3, "weight_decay": 0.1, "amsgrad": True}),
    Case("Adam", {"lr": 0.01, "maximize": True, "decoupled_weight_decay": True, "weight_decay": 0.1}),
    Case("Adam", {"lr": 0.02}, groups=({"betas": (0.5, 0.9)}, {"lr": 0.001, "amsgrad": True})),
    Case("AdamW", {}),
    Case("AdamW", {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True, "maximize": True}),
    Case("Adagrad", {}),
    Case("Adagrad", {"lr": 0.1, "lr_decay": 0.05, "weight_decay": 0.1, "initial_accumulator_value": 0.1, "eps": 1e-6}),
    Case("Adagrad", {"lr": 0.05, "maximize": True}, groups=({"lr_decay": 0.1}, {"weight_decay": 0.2})),
    Case("RMSprop", {}),
    Case("RMSprop", {"lr": 0.01, "momentum": 0.5}),
    Case("RMSprop", {"lr": 0.01, "alpha": 0.9, "eps": 1e-4, "momentum": 0.9, "centered": True, "weight_decay": 0.1}),
    Case("RMSprop", {"lr": 0.01, "centered": True, "maximize": True}),
    Case("Adadelta", {}),
    Case("Adadelta", {"lr": 0.5, "rho": 0.8, "eps": 1e-4, "weight_decay": 0.1, "maximize": True}),
    Case("NAdam", {}),
    Case("NAdam", {"lr": 0.01, "betas": (0.8, 0.99), "momentum_decay": 0.01, "weight_decay": 0.1}),
    Case("NAdam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True, "maximize": True}),
    Case("RAdam", {}),  # ρ_t ≤ 5 for t ≤ 5, the rectified branch after: 12 steps cover both
    Case("RAdam", {"lr": 0.01, "betas": (0.9, 0.9), "weight_decay": 0.1}),
    Case("RAdam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True, "maximize": True}),
    # torch's implementation switches: each selects one of mytorch's two paths (packed or per parameter)
    Case("SGD", {"lr": 0.1, "momentum": 0.9, "foreach": False, "maximize": True}),
    Case("SGD", {"lr": 0.1, "momentum": 0.9, "fused": True}),
    Case("Adam", {"lr": 0.01, "foreach": True, "maximize": True}),
    Case("AdamW", {"lr": 0.01, "fused": True}),
    Case("Adagrad", {"lr": 0.1, "foreach": False, "fused": True}),
    Case("RMSprop", {"lr": 0.01, "momentum": 0.5, "foreach": False, "maximize": True}),
    Case("NAdam", {"lr": 0.01}, groups=({"foreach": False}, {"foreach": True})),
]
# RMSprop(nesterov=True) has no torch twin: it is checked against Algorithm 8.6 below.
NESTEROV_CASES = [
    Case("RMSprop", {"lr": 0.01, "momentum": 0.9, "nesterov": True}),
    Case("RMSprop", {"lr": 0.01, "alpha": 0.9, "momentum": 0.7, "nesterov": True, "centered": True,
                     "weight_decay": 0.1}),
]
STEPS = 12
F64_TOL = dict(rtol=1e-12, atol=1e-14)
# float32: the base tolerance; where an update amplifies rounding (centered RMSprop's √(r − a²) cancels,
# say), the allowance grows to a few times torch's own float32 distance from the float64 reference.
F32_TOL = dict(rtol=1e-5, atol=1e-6)
F32_SLACK = 4.0


def _f32_allowance(torch32: np.ndarray, ref64: np.ndarray) -> float:
    return F32_TOL["atol"] + F32_TOL["rtol"] * float(np.abs(ref64).max()) + F32_SLACK * float(
        np.abs(torch32 - ref64).max())


def _torch_params(arrays, dtype):
    return [torch.nn.Parameter(torch.tensor(np.asarray(a, dtype=dtype))) for a in arrays]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", CASES, ids=str)
def test_matches_torch(case, dtype):
    """Both libraries get the same gradients each step (mytorch's, at mytorch's parameters), so the test compares
    the update rules, not two BLAS kernels' rounding of the backward pass.

    float64: mytorch and torch agree to ~1e-12. float32: mytorch's result is compared with a float64 torch run fed
    the same gradients, within the base tolerance or a few times torch's own float32 error -- which holds on any
    CPU, whichever way its kernels round.
    """
    params = mt_params(dtype)
    start = [p._data.astype(np.float64) for p in params]
    tparams = _torch_params(start, dtype)
    ref = _torch_params(start, np.float64) if dtype == np.float32 else None
    opts = [case.build(optim, params), case.build(torch.optim, tparams)] + ([case.build(torch.optim, ref)] if ref
                                                                              else [])
    for step in range(STEPS):
        opts[0].zero_grad()
        mt_backward(params)
        grads = [p.grad._data.copy() for p in params]
        for ps in (tparams, ref or []):
            for tp, g in zip(ps, grads):
                tp.grad = torch.tensor(g.astype(np.float64 if ps is ref else dtype))
        for o in opts:
            o.step()
        for i, (p, tp, g) in enumerate(zip(params, tparams, grads)):
            assert np.array_equal(p.grad._data, g), f"step() modified .grad of param {i}"
            where = f"{case}, {dtype.__name__}, param {i} after step {step + 1}"
            if ref is None:
                np.testing.assert_allclose(p._data, tp.detach().numpy(), err_msg=where, **F64_TOL)
            else:
                expected = ref[i].detach().numpy()
                allowed = _f32_allowance(tp.detach().numpy(), expected)
                assert np.abs(p._data - expected).max() <= allowed, (where, np.abs(p._data - expected).max(), allowed)
    # the state has torch's names, and each state tensor torch's values
    state, tstate = opts[0].state_dict()["state"], opts[1].state_dict()["state"]
    rstate = opts[2].state_dict()["state"] if ref else None
    assert state.keys() == tstate.keys()
    for i in state:
        assert state[i].keys() == tstate[i].keys()
        for key, value in state[i].items():
            assert value.dtype == np.dtype(str(tstate[i][key].dtype).removeprefix("torch.")), (i, key)
            expected = tstate[i][key].numpy()
            if rstate is None:
                # relative to the tensor's scale: a momentum buffer of RMS-scaled steps reaches ~10, and its
                # small elements come from cancellation
                atol = F64_TOL["atol"] * max(1.0, float(np.abs(expected).max()))
                np.testing.assert_allclose(value._data, expected, rtol=F64_TOL["rtol"], atol=atol, err_msg=f"{i}.{key}")
            else:
                reference = rstate[i][key].numpy().astype(np.float64)
                if key == "step":
                    assert float(value._data) == float(reference), (i, key)
                    continue
                allowed = _f32_allowance(expected.astype(np.float64), reference)
                assert np.abs(value._data - reference).max() <= allowed, (i, key)


NAMES = ["SGD", "Adam", "AdamW", "Adagrad", "RMSprop", "Adadelta", "NAdam", "RAdam"]


def test_defaults_are_torchs():
    """The same hyper-parameters, in torch's order (so state_dict()'s groups list them as torch does), same values."""
    for name in NAMES:
        ours = getattr(optim, name)(mt_params(np.float32)).defaults
        theirs = getattr(torch.optim, name)([torch.nn.Parameter(torch.ones(1))]).defaults
        extension = ["nesterov"] if name == "RMSprop" else []
        assert [k for k in ours if k not in extension] == list(theirs), name
        for key in theirs:
            assert ours[key] == theirs[key] and type(ours[key]) is type(theirs[key]), (name, key)


@pytest.mark.parametrize("name", NAMES)
def test_signatures_are_torchs(name):
    """Every argument at torch's position, of torch's kind (positional or keyword-only), with torch's default;
    RMSprop's nesterov (a mytorch extension) comes last, keyword-only."""
    import inspect

    ours = inspect.signature(getattr(optim, name).__init__).parameters
    theirs = inspect.signature(getattr(torch.optim, name).__init__).parameters
    extension = ["nesterov"] if name == "RMSprop" else []
    assert [(p.name, p.kind, p.default) for p in ours.values() if p.name not in extension] == [
        (p.name, p.kind, p.default) for p in theirs.values()]
    assert all(ours[k].kind is inspect.Parameter.KEYWORD_ONLY for k in extension)


@pytest.mark.parametrize("name", NAMES)
def test_flags_that_cannot_apply_are_refused(name):
    import inspect

    accepted = inspect.signature(getattr(optim, name).__init__).parameters
    for flag, words in (("differentiable", "outside autograd"), ("capturable", "CUDA graph")):
        if flag in accepted:
            with pytest.raises(RuntimeError, match=f"{name}\\({flag}=True\\) is not supported.*{words}"):
                getattr(optim, name)(mt_params(np.float32), **{flag: True})
            with pytest.raises(RuntimeError, match=f"{flag}=True"):  # a group's own setting is checked too
                getattr(optim, name)([{"params": mt_params(np.float32), flag: True}])
            getattr(optim, name)(mt_params(np.float32), **{flag: False})
    if "fused" in accepted:
        with pytest.raises(RuntimeError, match="`fused` and `foreach` cannot be `True` together."):
            getattr(optim, name)(mt_params(np.float32), fused=True, foreach=True)
        with pytest.raises(RuntimeError, match="`fused` does not support `differentiable`"):
            getattr(optim, name)(mt_params(np.float32), fused=True, differentiable=True)
        with pytest.raises(RuntimeError, match="floating point"):
            getattr(optim, name)([mytorch.nn.Parameter(mytorch.tensor([1, 2]), requires_grad=False)], fused=True)
    opt = getattr(optim, name)(mt_params(np.float32))
    saved = opt.state_dict()
    saved["param_groups"][0]["differentiable"] = True  # a checkpoint cannot switch it on either
    with pytest.raises(RuntimeError, match="differentiable=True"):
        opt.load_state_dict(saved)


def test_foreach_false_steps_one_parameter_at_a_time():
    params = mt_params(np.float32)
    opt = optim.Adam([{"params": params[:2], "foreach": False}, {"params": params[2:]}])
    mt_backward(params)
    opt.step()
    assert list(opt._packs) == [1]  # only the default group was packed


# ---------------------------------------------------------------------- RMSprop + Nesterov
def lookahead_rmsprop(case: Case, steps: int) -> list[list[np.ndarray]]:
    """Goodfellow et al., Deep Learning, Algorithm 8.6 with torch's ε placement, in plain NumPy.

    The gradient is taken at the interim point θ̃ = θ + μv (torch autograd computes it); the
    velocity v carries the learning rate, as in the book. Returns θ + μv after every step: the
    point the reparametrised optimizer stores as its parameter.
    """
    kw = {"alpha": 0.99, "eps": 1e-8, "weight_decay": 0.0, "centered": False, **case.kwargs}
    lr, mu, alpha, eps, wd = kw["lr"], kw["momentum"], kw["alpha"], kw["eps"], kw["weight_decay"]
    theta = [a.copy() for a in INIT]
    v = [np.zeros_like(a) for a in INIT]
    r = [np.zeros_like(a) for a in INIT]
    avg = [np.zeros_like(a) for a in INIT]
    trace = []
    for _ in range(steps):
        interim = [torch.tensor(t + mu * vi, requires_grad=True) for t, vi in zip(theta, v)]
        torch_backward(interim)
        for i, tt in enumerate(interim):
            g = tt.grad.numpy() + wd * tt.detach().numpy()
            r[i] = alpha * r[i] + (1 - alpha) * g * g
            if kw["centered"]:
                avg[i] = alpha * avg[i] + (1 - alpha) * g
                denom = np.sqrt(r[i] - avg[i] ** 2) + eps
            else:
                denom = np.sqrt(r[i]) + eps
            v[i] = mu * v[i] - lr * g / denom
            theta[i] = theta[i] + v[i]
        trace.append([t + mu * vi for t, vi in zip(theta, v)])
    return trace


@pytest.mark.parametrize("case", NESTEROV_CASES, ids=str)
def test_rmsprop_nesterov_matches_lookahead_algorithm(case):
    params = mt_params(np.float64)
    opt = case.build(optim, params)
    for step, expected in enumerate(lookahead_rmsprop(case, STEPS)):
        opt.zero_grad()
        mt_backward(params)
        opt.step()
        for i, (p, e) in enumerate(zip(params, expected)):
            np.testing.assert_allclose(p._data, e, rtol=1e-12, atol=1e-14, err_msg=f"param {i}, step {step + 1}")


def test_rmsprop_nesterov_differs_from_heavy_ball():
    """The first Nesterov step is γ(1 + μ)ĝ, torch's heavy-ball step γĝ."""
    runs = []
    for nesterov in (False, True):
        params = mt_params(np.float64)
        opt = optim.RMSprop(params, lr=0.01, momentum=0.9, nesterov=nesterov)
        mt_backward(params)
        opt.step()
        runs.append(params[0]._data - INIT[0])
    np.testing.assert_allclose(runs[1], 1.9 * runs[0], rtol=1e-12)


# ---------------------------------------------------------------------- state_dict round trip
def save_state(opt, path) -> None:
    """Write an optimizer state_dict to ``path``.npz (the arrays) and ``path``.json (the rest)."""
    sd = opt.state_dict()
    arrays = {f"{i}/{key}": value._data for i, state in sd["state"].items() for key, value in state.items()}
    np.savez(f"{path}.npz", **arrays)
    with open(f"{path}.json", "w") as f:
        json.dump({"param_groups": sd["param_groups"], "state": {i: list(s) for i, s in sd["state"].items()}}, f)


def load_state(path) -> dict:
    with open(f"{path}.json") as f:
        meta = json.load(f)
    with np.load(f"{path}.npz") as arrays:
        state = {int(i): {key: arrays[f"{i}/{key}"] for key in keys} for i, keys in meta["state"].items()}
    return {"state": state, "param_groups": meta["param_groups"]}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", CASES + NESTEROV_CASES, ids=str)
def test_state_dict_round_trip_is_bit_identical(case, dtype, tmp_path):
    def run(params, opt, steps):
        for _ in range(steps):
            opt.zero_grad()
            mt_backward(params)
            opt.step()

    straight = mt_params(dtype)
    opt = case.build(optim, straight)
    run(straight, opt, 8)

    first = mt_params(dtype)
    opt = case.build(optim, first)
    run(first, opt, 4)
    save_state(opt, tmp_path / "opt")
    np.savez(tmp_path / "params.npz", *[p._data for p in first])
    with np.load(tmp_path / "params.npz") as f:
        resumed = mt_params(dtype, [f[f"arr_{i}"] for i in range(len(INIT))])
    fresh = case.build(optim, resumed, lr=5.0)  # the checkpoint's lr must win
    fresh.load_state_dict(load_state(tmp_path / "opt"))
    assert [g["lr"] for g in fresh.param_groups] == [g["lr"] for g in opt.param_groups]
    run(resumed, fresh, 4)
    for i, (a, b) in enumerate(zip(resumed, straight)):
        assert np.array_equal(a._data, b._data), f"param {i} differs after 4 + 4 steps"
