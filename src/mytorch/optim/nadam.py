"""NAdam: Adam with Nesterov momentum and Dozat's momentum schedule."""

from __future__ import annotations

from typing import Any

from .._backend import ndarray
from .._tensor import Tensor
from . import _functional as F
from .optimizer import (
    Optimizer,
    ParamsT,
    _check,
    _check_adam_family,
    _next_step,
    _scalar_state,
    _zeros_state,
)


class NAdam(Optimizer):
    r"""NAdam (``torch.optim.NAdam``).

    With learning rate γ, betas (β1, β2), ε, weight decay λ and momentum decay ψ
    (REFERENCE-SEMANTICS §1.7)::

        m_0 ← 0,  v_0 ← 0,  P_0 ← 1
        for t = 1, 2, ...:
            g_t ← ∇f(θ_{t-1})                        (−∇f when maximize)
            θ_{t-1} ← θ_{t-1} (1 − γλ)               if decoupled_weight_decay   (NAdamW)
            g_t ← g_t + λ θ_{t-1}                    otherwise, if λ ≠ 0
            μ_t ← β1 (1 − ½ · 0.96^{tψ}),   μ_{t+1} ← β1 (1 − ½ · 0.96^{(t+1)ψ})
            P_t ← P_{t-1} μ_t                        (kept as a float32 0-d tensor, as torch)
            m_t ← β1 m_{t-1} + (1 − β1) g_t
            v_t ← β2 v_{t-1} + (1 − β2) g_t²
            D_t ← √(v_t / (1 − β2^t)) + ε
            θ_t ← θ_{t-1} − γ(1 − μ_t)/(1 − P_t) · g_t/D_t − γ μ_{t+1}/(1 − P_t μ_{t+1}) · m_t/D_t

    State: ``step``, ``mu_product`` (P, float32), ``exp_avg`` (m), ``exp_avg_sq`` (v).

    Dozat, "Incorporating Nesterov Momentum into Adam", ICLR 2016 workshop,
    https://openreview.net/forum?id=OM0jvwB8jIp57ZJjtNEZ.

    Args:
        params: parameters or parameter groups.
        lr: learning rate γ (default 2e-3).
        betas: (β1, β2) (default (0.9, 0.999)).
        eps: ε added to the denominator (default 1e-8).
        weight_decay: weight decay λ (default 0).
        momentum_decay: ψ of the momentum schedule (default 4e-3).
        decoupled_weight_decay: decay θ directly, as AdamW does (default False).
        maximize: maximize the objective (default False).
        foreach: torch's grouped-kernel switch: None (default) or True take the packed path, False
            updates one parameter at a time (the same bits either way).
        capturable: for CUDA graph capture; only False applies on the CPU.
        differentiable: a step autograd can go through; only False is supported.
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum_decay: float = 4e-3,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        _check_adam_family(lr, betas, eps, weight_decay)
        _check(momentum_decay >= 0.0, f"Invalid momentum_decay value: {momentum_decay}")
        defaults = dict(
            lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, momentum_decay=momentum_decay,
            decoupled_weight_decay=decoupled_weight_decay, maximize=maximize, foreach=foreach, capturable=capturable,
            differentiable=differentiable,
        )
        super().__init__(params, defaults)

    def _init_state(self, state: dict[str, Any], p: Tensor, group: dict[str, Any]) -> None:
        state["step"] = _scalar_state(0.0)
        state["mu_product"] = _scalar_state(1.0)
        state["exp_avg"] = _zeros_state(p)
        state["exp_avg_sq"] = _zeros_state(p)

    def _update(self, param: ndarray, grad: ndarray, state: dict[str, Any], group: dict[str, Any]) -> None:
        beta1, beta2 = (float(b) for b in group["betas"])
        step = _next_step(state["step"])
        psi = float(group["momentum_decay"])
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * psi))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * psi))
        mu_product = state["mu_product"]._data
        mu_product *= mu  # rounded to float32 in place, which is what makes the numbers torch's
        F.nadam(
            param, grad, state["exp_avg"]._data, state["exp_avg_sq"]._data, step=step, mu=mu, mu_next=mu_next,
            mu_product=float(mu_product), lr=float(group["lr"]), beta1=beta1, beta2=beta2, eps=float(group["eps"]),
            weight_decay=float(group["weight_decay"]), decoupled_weight_decay=group["decoupled_weight_decay"],
            maximize=group["maximize"],
        )
