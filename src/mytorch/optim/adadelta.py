"""Adadelta: RMSprop whose step size is the RMS of recent updates, so it has units of θ."""

from __future__ import annotations

from typing import Any

from .._backend import ndarray
from .._tensor import Tensor
from . import _functional as F
from .optimizer import Optimizer, ParamsT, _check, _next_step, _scalar_state, _zeros_state


class Adadelta(Optimizer):
    r"""Adadelta (``torch.optim.Adadelta``).

    With learning rate γ, decay ρ, ε and weight decay λ (REFERENCE-SEMANTICS §1.6)::

        v_0 ← 0,  u_0 ← 0
        for t = 1, 2, ...:
            g_t ← ∇f(θ_{t-1}) + λ θ_{t-1}           (−∇f when maximize)
            v_t ← ρ v_{t-1} + (1 − ρ) g_t²
            Δ_t ← √(u_{t-1} + ε) / √(v_t + ε) · g_t      (ε inside both roots)
            u_t ← ρ u_{t-1} + (1 − ρ) Δ_t²
            θ_t ← θ_{t-1} − γ Δ_t

    Zeiler's method has no learning rate; torch keeps one, default γ = 1. State: ``step``,
    ``square_avg`` (v) and ``acc_delta`` (u).

    Zeiler, "ADADELTA: An Adaptive Learning Rate Method", 2012, https://arxiv.org/abs/1212.5701.

    Args:
        params: parameters or parameter groups.
        lr: coefficient γ that scales Δ (default 1.0).
        rho: decay ρ of both running averages (default 0.9).
        eps: ε inside the square roots (default 1e-6).
        weight_decay: L2 penalty λ (default 0).
        maximize: maximize the objective (default False).
        foreach: torch's grouped-kernel switch: None (default) or True take the packed path, False
            updates one parameter at a time (the same bits either way).
        capturable: for CUDA graph capture; only False applies on the CPU.
        differentiable: a step autograd can go through; only False is supported.
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        capturable: bool = False,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        _check(lr >= 0.0, f"Invalid learning rate: {lr}")
        _check(0.0 <= rho <= 1.0, f"Invalid rho value: {rho}")
        _check(eps >= 0.0, f"Invalid epsilon value: {eps}")
        _check(weight_decay >= 0.0, f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(
            lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize, capturable=capturable,
            foreach=foreach, differentiable=differentiable,
        )
        super().__init__(params, defaults)

    def _init_state(self, state: dict[str, Any], p: Tensor, group: dict[str, Any]) -> None:
        state["step"] = _scalar_state(0.0)
        state["square_avg"] = _zeros_state(p)
        state["acc_delta"] = _zeros_state(p)

    def _update(self, param: ndarray, grad: ndarray, state: dict[str, Any], group: dict[str, Any]) -> None:
        _next_step(state["step"])
        F.adadelta(
            param, grad, state["square_avg"]._data, state["acc_delta"]._data, lr=float(group["lr"]),
            rho=float(group["rho"]), eps=float(group["eps"]), weight_decay=float(group["weight_decay"]),
            maximize=group["maximize"],
        )
