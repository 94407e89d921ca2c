"""RAdam: Adam whose adaptive step is switched on only once the variance estimate is reliable."""

from __future__ import annotations

from typing import Any

from .._backend import ndarray
from .._tensor import Tensor
from . import _functional as F
from .optimizer import (
    Optimizer,
    ParamsT,
    _check_adam_family,
    _next_step,
    _scalar_state,
    _zeros_state,
)


class RAdam(Optimizer):
    r"""RAdam, rectified Adam (``torch.optim.RAdam``).

    With learning rate γ, betas (β1, β2), ε and weight decay λ (REFERENCE-SEMANTICS §1.8)::

        m_0 ← 0,  v_0 ← 0,  ρ∞ ← 2/(1 − β2) − 1
        for t = 1, 2, ...:
            g_t ← ∇f(θ_{t-1})                        (−∇f when maximize)
            θ_{t-1} ← θ_{t-1} (1 − γλ)               if decoupled_weight_decay
            g_t ← g_t + λ θ_{t-1}                    otherwise, if λ ≠ 0
            m_t ← β1 m_{t-1} + (1 − β1) g_t;   m̂_t ← m_t / (1 − β1^t)
            v_t ← β2 v_{t-1} + (1 − β2) g_t²
            ρ_t ← ρ∞ − 2t β2^t / (1 − β2^t)
            if ρ_t > 5:
                r_t ← √[(ρ_t − 4)(ρ_t − 2) ρ∞ / ((ρ∞ − 4)(ρ∞ − 2) ρ_t)]
                θ_t ← θ_{t-1} − γ m̂_t r_t √(1 − β2^t) / (√v_t + ε)
            else:
                θ_t ← θ_{t-1} − γ m̂_t                      (SGD with momentum while ρ_t ≤ 5)

    ε is added to the uncorrected √v here (unlike torch's Adam). State: ``step``, ``exp_avg``,
    ``exp_avg_sq``.

    Liu et al., "On the Variance of the Adaptive Learning Rate and Beyond", ICLR 2020,
    https://arxiv.org/abs/1908.03265.

    Args:
        params: parameters or parameter groups.
        lr: learning rate γ (default 1e-3).
        betas: (β1, β2) (default (0.9, 0.999)).
        eps: ε added to the denominator (default 1e-8).
        weight_decay: weight decay λ (default 0).
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
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        _check_adam_family(lr, betas, eps, weight_decay)
        defaults = dict(
            lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize, foreach=foreach,
            capturable=capturable, decoupled_weight_decay=decoupled_weight_decay, differentiable=differentiable,
        )
        super().__init__(params, defaults)

    def _init_state(self, state: dict[str, Any], p: Tensor, group: dict[str, Any]) -> None:
        state["step"] = _scalar_state(0.0)
        state["exp_avg"] = _zeros_state(p)
        state["exp_avg_sq"] = _zeros_state(p)

    def _update(self, param: ndarray, grad: ndarray, state: dict[str, Any], group: dict[str, Any]) -> None:
        beta1, beta2 = group["betas"]
        F.radam(
            param, grad, state["exp_avg"]._data, state["exp_avg_sq"]._data, step=_next_step(state["step"]),
            lr=float(group["lr"]), beta1=float(beta1), beta2=float(beta2), eps=float(group["eps"]),
            weight_decay=float(group["weight_decay"]), decoupled_weight_decay=group["decoupled_weight_decay"],
            maximize=group["maximize"],
        )
