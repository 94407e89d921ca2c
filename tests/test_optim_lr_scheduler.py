"""LR schedulers against torch.optim.lr_scheduler: lr (and momentum / beta1) traces, equal bit for bit,
chained schedulers, the state_dict round trip through JSON, the step-order warning and the errors."""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass

import numpy as np
import pytest
import torch

import mytorch
from mytorch import optim
from mytorch.optim import lr_scheduler

# Metric values fed to ReduceLROnPlateau, one per step: improvements, plateaus and a relapse.
METRICS = [1.0, 0.9, 0.95, 0.91, 0.905, 0.92, 0.8, 0.81, 0.82, 0.83, 0.84, 0.85, 0.7, 0.7, 0.7, 0.7, 0.69, 0.9]


def _show(value) -> str:
    if callable(value):
        return value.__name__
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return str(value)


@dataclass
class Case:
    optimizer: str  # the optimizer class; it has two groups, lr 0.1 and 0.05
    optimizer_kwargs: dict
    schedulers: list  # [(class name, kwargs)], stepped in this order (chaining)
    steps: int

    def __str__(self) -> str:  # a stable id: functions by name, not by address (pytest-xdist compares ids)
        return "+".join(f"{name}({','.join(f'{k}={_show(v)}' for k, v in kw.items())})" for name, kw in self.schedulers)

    def build(self, lib):
        """The optimizer (over two groups of fresh parameters) and its schedulers, from ``lib`` (mytorch or torch)."""
        if lib is optim:
            params = [mytorch.nn.Parameter(np.ones(2)), mytorch.nn.Parameter(np.ones(1))]
            sched_lib = lr_scheduler
        else:
            params = [torch.nn.Parameter(torch.ones(2)), torch.nn.Parameter(torch.ones(1))]
            sched_lib = torch.optim.lr_scheduler
        groups = [{"params": params[:1]}, {"params": params[1:], "lr": 0.05}]
        opt = getattr(lib, self.optimizer)(groups, lr=0.1, **self.optimizer_kwargs)
        return opt, [getattr(sched_lib, name)(opt, **kw) for name, kw in self.schedulers]


def _inverse(e):
    return 1.0 / (e + 1)


def _decay(e):
    return 0.9**e


SGD_MOMENTUM = {"momentum": 0.9}
CASES = [
    Case("SGD", {}, [("StepLR", {"step_size": 3, "gamma": 0.5})], 12),
    Case("SGD", {}, [("MultiStepLR", {"milestones": [2, 5, 5, 9], "gamma": 0.3})], 12),
    Case("SGD", {}, [("ExponentialLR", {"gamma": 0.9})], 10),
    Case("SGD", {}, [("CosineAnnealingLR", {"T_max": 5, "eta_min": 0.01})], 25),  # past T_max: back up
    Case("SGD", {}, [("CosineAnnealingLR", {"T_max": 7})], 30),
    Case("SGD", {}, [("LinearLR", {})], 8),
    Case("SGD", {}, [("LinearLR", {"start_factor": 0.5, "end_factor": 0.1, "total_iters": 4})], 8),
    Case("SGD", {}, [("LambdaLR", {"lr_lambda": _decay})], 10),
    Case("SGD", {}, [("LambdaLR", {"lr_lambda": [_inverse, _decay]})], 10),
    Case("SGD", SGD_MOMENTUM, [("OneCycleLR", {"max_lr": 1.0, "total_steps": 10})], 10),
    Case("SGD", SGD_MOMENTUM, [("OneCycleLR", {"max_lr": [0.5, 1.0], "epochs": 3, "steps_per_epoch": 4,
                                               "base_momentum": [0.8, 0.7], "max_momentum": 0.9})], 12),
    Case("Adam", {}, [("OneCycleLR", {"max_lr": 0.01, "total_steps": 16, "pct_start": 0.25,
                                      "anneal_strategy": "linear", "three_phase": True, "div_factor": 10.0,
                                      "final_div_factor": 100.0})], 16),
    Case("AdamW", {}, [("OneCycleLR", {"max_lr": 0.3, "total_steps": 15, "cycle_momentum": False})], 15),
    Case("SGD", {}, [("ReduceLROnPlateau", {"factor": 0.5, "patience": 2, "cooldown": 1, "threshold": 0.01})], 18),
    Case("SGD", {}, [("ReduceLROnPlateau", {"mode": "max", "threshold_mode": "abs", "threshold": 0.05,
                                            "patience": 1, "min_lr": [0.02, 0.001]})], 18),
    Case("SGD", {}, [("ReduceLROnPlateau", {"threshold_mode": "abs", "patience": 0, "factor": 0.3})], 18),
    Case("SGD", {}, [("ExponentialLR", {"gamma": 0.9}), ("MultiStepLR", {"milestones": [3, 6], "gamma": 0.5})], 10),
    Case("SGD", {}, [("LinearLR", {"start_factor": 0.1, "total_iters": 4}), ("CosineAnnealingLR", {"T_max": 10})], 12),
]


def advance(opt, schedulers, step: int) -> None:
    """One training step: the optimizer first (no grads here, so it only records the call), then the schedulers."""
    opt.step()
    for s in schedulers:
        if isinstance(s, (lr_scheduler.ReduceLROnPlateau, torch.optim.lr_scheduler.ReduceLROnPlateau)):
            s.step(METRICS[step])
        else:
            s.step()


def snapshot(opt, schedulers) -> list:
    """Everything a schedule sets: each group's lr, momentum and betas, and each scheduler's last lrs."""
    keys = ("lr", "momentum", "betas", "initial_lr", "max_lr", "min_lr", "max_momentum", "base_momentum")
    groups = [[np.asarray(g[k], dtype=float).tolist() for k in keys if k in g] for g in opt.param_groups]
    return [groups, [list(s.get_last_lr()) for s in schedulers]]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_trace_matches_torch(case):
    opt, schedulers = case.build(optim)
    topt, tschedulers = case.build(torch.optim)
    trace, ttrace = [snapshot(opt, schedulers)], [snapshot(topt, tschedulers)]
    for step in range(case.steps):
        advance(opt, schedulers, step)
        advance(topt, tschedulers, step)
        trace.append(snapshot(opt, schedulers))
        ttrace.append(snapshot(topt, tschedulers))
    np.testing.assert_allclose(np.array(_flat(trace)), np.array(_flat(ttrace)), rtol=0, atol=0)
    assert [s.last_epoch for s in schedulers] == [s.last_epoch for s in tschedulers]


def _flat(x) -> list:
    return [v for item in x for v in _flat(item)] if isinstance(x, list) else [x]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_state_dict_round_trip_through_json(case):
    """Save after 4 steps, restore into a fresh optimizer and schedulers (torch's order: build the
    schedulers, load the optimizer, load the schedulers), and continue: the same trace."""
    opt, schedulers = case.build(optim)
    expected = []
    for step in range(case.steps):
        advance(opt, schedulers, step)
        expected.append(snapshot(opt, schedulers))

    opt, schedulers = case.build(optim)
    for step in range(4):
        advance(opt, schedulers, step)
    saved = json.dumps({"optimizer": opt.state_dict(), "schedulers": [s.state_dict() for s in schedulers]})
    opt, schedulers = case.build(optim)
    checkpoint = json.loads(saved)
    opt.load_state_dict(checkpoint["optimizer"])
    for s, state in zip(schedulers, checkpoint["schedulers"]):
        s.load_state_dict(state)
    resumed = expected[:4]
    for step in range(4, case.steps):
        advance(opt, schedulers, step)
        resumed.append(snapshot(opt, schedulers))
    assert _flat(resumed) == _flat(expected)


def test_stepping_the_scheduler_before_the_optimizer_warns():
    for lib, sched_lib in ((optim, lr_scheduler), (torch.optim, torch.optim.lr_scheduler)):
        opt = lib.SGD([mytorch.nn.Parameter(np.ones(1)) if lib is optim else torch.nn.Parameter(torch.ones(1))])
        scheduler = sched_lib.StepLR(opt, step_size=2)
        with pytest.warns(UserWarning, match=r"Detected call of `lr_scheduler.step\(\)` before `optimizer.step\(\)`"):
            scheduler.step()
        opt = lib.SGD([mytorch.nn.Parameter(np.ones(1)) if lib is optim else torch.nn.Parameter(torch.ones(1))])
        scheduler = sched_lib.StepLR(opt, step_size=2)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            opt.step()
            scheduler.step()


def _sgd(lib, **kwargs):
    p = mytorch.nn.Parameter(np.ones(1)) if lib is optim else torch.nn.Parameter(torch.ones(1))
    return lib.SGD([p], lr=0.1, **kwargs)


ERRORS = [
    ("LinearLR start_factor > 1", lambda lib, s: s.LinearLR(_sgd(lib), start_factor=1.5)),
    ("LinearLR end_factor < 0", lambda lib, s: s.LinearLR(_sgd(lib), end_factor=-0.5)),
    ("LambdaLR wrong count", lambda lib, s: s.LambdaLR(_sgd(lib), lr_lambda=[_decay, _decay])),
    ("OneCycleLR no total", lambda lib, s: s.OneCycleLR(_sgd(lib), max_lr=1.0)),
    ("OneCycleLR total 0", lambda lib, s: s.OneCycleLR(_sgd(lib), max_lr=1.0, total_steps=0)),
    ("OneCycleLR pct_start", lambda lib, s: s.OneCycleLR(_sgd(lib), max_lr=1.0, total_steps=5, pct_start=1.5)),
    ("OneCycleLR anneal", lambda lib, s: s.OneCycleLR(_sgd(lib), max_lr=1.0, total_steps=5, anneal_strategy="x")),
    ("OneCycleLR max_lr list", lambda lib, s: s.OneCycleLR(_sgd(lib), max_lr=[1.0, 2.0], total_steps=5)),
    ("OneCycleLR no momentum", lambda lib, s: s.OneCycleLR(lib.Adagrad(_sgd(lib).param_groups[0]["params"]),
                                                            max_lr=1.0, total_steps=5)),
    ("ReduceLROnPlateau factor", lambda lib, s: s.ReduceLROnPlateau(_sgd(lib), factor=1.0)),
    ("ReduceLROnPlateau mode", lambda lib, s: s.ReduceLROnPlateau(_sgd(lib), mode="avg")),
    ("ReduceLROnPlateau min_lrs", lambda lib, s: s.ReduceLROnPlateau(_sgd(lib), min_lr=[0.1, 0.2])),
    ("resume without initial_lr", lambda lib, s: s.StepLR(_sgd(lib), step_size=2, last_epoch=3)),
    ("not an optimizer", lambda lib, s: s.ExponentialLR("sgd", gamma=0.5)),
]


@pytest.mark.parametrize("build", [e[1] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_errors_match_torch(build):
    with pytest.raises(Exception) as theirs:
        build(torch.optim, torch.optim.lr_scheduler)
    with pytest.raises(type(theirs.value)):
        build(optim, lr_scheduler)


def test_one_cycle_refuses_to_step_past_total_steps():
    for lib, s in ((optim, lr_scheduler), (torch.optim, torch.optim.lr_scheduler)):
        opt = _sgd(lib, momentum=0.9)
        scheduler = s.OneCycleLR(opt, max_lr=1.0, total_steps=3)
        for _ in range(3):
            opt.step()
            scheduler.step()
        with pytest.raises(ValueError, match="Tried to step 4 times. The specified number of total steps is 3"):
            scheduler.step()


def test_lr_schedule_drives_the_optimizer():
    """The optimizer reads group["lr"] on every step: with SGD and a unit gradient, θ moves by the scheduled lr."""
    p = mytorch.nn.Parameter(np.zeros(1))
    opt = optim.SGD([p], lr=1.0)
    scheduler = lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    moves = []
    for _ in range(5):
        p.grad = mytorch.tensor([-1.0], dtype=mytorch.float64)
        before = p._data.copy()
        opt.step()
        scheduler.step()
        moves.append(float(p._data[0] - before[0]))
    assert moves == [1.0, 1.0, 0.5, 0.5, 0.25]
