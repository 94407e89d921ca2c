"""Adagrad: per-coordinate learning rates from the sum of all past squared gradients."""

from __future__ import annotations

from typing import Any

from .._backend import ndarray
from .._tensor import Tensor
from . import _functional as F
from .optimizer import Optimizer, ParamsT, _check, _next_step, _scalar_state, _zeros_state


class Adagrad(Optimizer):
    r"""Adagrad (``torch.optim.Adagrad``).

    With learning rate γ, lr_decay η, weight decay λ, initial accumulator value s₀ and ε
    (REFERENCE-SEMANTICS §1.4)::

        s_0 ← s₀ (every element)
        for t = 1, 2, ...:
            g_t ← ∇f(θ_{t-1}) + λ θ_{t-1}         (−∇f when maximize)
            γ_t ← γ / (1 + (t − 1) η)
            s_t ← s_{t-1} + g_t²
            θ_t ← θ_{t-1} − γ_t · g_t / (√s_t + ε)          (ε outside the root)

    Unlike every other optimizer here, the state (``step`` = 0, ``sum`` = s₀) is created eagerly
    in the constructor, so it is in ``state_dict()`` before the first step (as in torch).

    Duchi, Hazan & Singer, "Adaptive Subgradient Methods for Online Learning and Stochastic
    Optimization", JMLR 12, 2011, https://jmlr.org/papers/v12/duchi11a.html.

    Args:
        params: parameters or parameter groups.
        lr: learning rate γ (default 1e-2).
        lr_decay: learning-rate decay η (default 0).
        weight_decay: L2 penalty λ (default 0).
        initial_accumulator_value: s₀ (default 0).
        eps: ε added to the denominator (default 1e-10).
        maximize: maximize the objective (default False).
        foreach: torch's grouped-kernel switch: None (default) or True take the packed path, False
            updates one parameter at a time (the same bits either way).
        differentiable: a step autograd can go through; only False is supported.
        fused: torch's one-kernel switch: True takes the packed path (not with ``foreach=True``).
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        _check(lr >= 0.0, f"Invalid learning rate: {lr}")
        _check(lr_decay >= 0.0, f"Invalid lr_decay value: {lr_decay}")
        _check(weight_decay >= 0.0, f"Invalid weight_decay value: {weight_decay}")
        _check(
            initial_accumulator_value >= 0.0, f"Invalid initial_accumulator_value value: {initial_accumulator_value}"
        )
        _check(eps >= 0.0, f"Invalid epsilon value: {eps}")
        defaults = dict(
            lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value, foreach=foreach, maximize=maximize,
            differentiable=differentiable, fused=fused,
        )
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(self.state[p], p, group)

    def _init_state(self, state: dict[str, Any], p: Tensor, group: dict[str, Any]) -> None:
        # torch fills every accumulator with the constructor's value (self.defaults), even for a
        # group that sets its own initial_accumulator_value; kept for parity.
        state["step"] = _scalar_state(0.0)
        state["sum"] = _zeros_state(p, float(self.defaults["initial_accumulator_value"]))

    def _update(self, param: ndarray, grad: ndarray, state: dict[str, Any], group: dict[str, Any]) -> None:
        F.adagrad(
            param, grad, state["sum"]._data, step=_next_step(state["step"]), lr=float(group["lr"]),
            lr_decay=float(group["lr_decay"]), eps=float(group["eps"]), weight_decay=float(group["weight_decay"]),
            maximize=group["maximize"],
        )
