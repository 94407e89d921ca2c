"""Adam and AdamW (the same update; AdamW decouples the weight decay from the gradient)."""

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


class Adam(Optimizer):
    r"""Adam, with optional AMSGrad and L2 or decoupled weight decay (``torch.optim.Adam``).

    With learning rate γ, betas (β1, β2), ε and weight decay λ (REFERENCE-SEMANTICS §1.2)::

        m_0 ← 0,  v_0 ← 0,  v̂max_0 ← 0
        for t = 1, 2, ...:
            g_t ← ∇f(θ_{t-1})                       (−∇f when maximize)
            θ_{t-1} ← θ_{t-1} (1 − γλ)              if decoupled_weight_decay   (AdamW)
            g_t ← g_t + λ θ_{t-1}                   otherwise, if λ ≠ 0
            m_t ← β1 m_{t-1} + (1 − β1) g_t
            v_t ← β2 v_{t-1} + (1 − β2) g_t²
            v̂max_t ← max(v̂max_{t-1}, v_t);  v_t ← v̂max_t      if amsgrad (the max of the raw v)
            θ_t ← θ_{t-1} − γ/(1 − β1^t) · m_t / (√v_t / √(1 − β2^t) + ε)

    ε is added after the √(1 − β2^t) correction ("ε of Algorithm 1", torch's placement), not the ε̂
    of the paper's efficient form. The step count t is per parameter. State: ``step`` (0-d
    float32), ``exp_avg`` (m), ``exp_avg_sq`` (v), and ``max_exp_avg_sq`` with amsgrad.

    Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015,
    https://arxiv.org/abs/1412.6980. AMSGrad: Reddi, Kale & Kumar, "On the Convergence of Adam
    and Beyond", ICLR 2018, https://openreview.net/forum?id=ryQu7f-RZ.

    Args:
        params: parameters or parameter groups.
        lr: learning rate γ (default 1e-3).
        betas: decay rates (β1, β2) of the first and second moments (default (0.9, 0.999)).
        eps: ε added to the denominator (default 1e-8).
        weight_decay: weight decay λ (default 0), L2 unless ``decoupled_weight_decay``.
        amsgrad: use the running maximum of v (default False).
        maximize: maximize the objective (default False).
        decoupled_weight_decay: decay θ directly, as AdamW does (default False).
        foreach: torch's grouped-kernel switch: None (default) or True take the packed path, False
            updates one parameter at a time (the same bits either way).
        capturable: for CUDA graph capture; only False applies on the CPU.
        differentiable: a step autograd can go through; only False is supported.
        fused: torch's one-kernel switch: True takes the packed path (not with ``foreach=True``).
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
        decoupled_weight_decay: bool = False,
    ) -> None:
        _check_adam_family(lr, betas, eps, weight_decay)
        defaults = dict(
            lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad, maximize=maximize,
            foreach=foreach, capturable=capturable, differentiable=differentiable, fused=fused,
            decoupled_weight_decay=decoupled_weight_decay,
        )
        super().__init__(params, defaults)

    def _init_state(self, state: dict[str, Any], p: Tensor, group: dict[str, Any]) -> None:
        state["step"] = _scalar_state(0.0)
        state["exp_avg"] = _zeros_state(p)
        state["exp_avg_sq"] = _zeros_state(p)
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = _zeros_state(p)

    def _update(self, param: ndarray, grad: ndarray, state: dict[str, Any], group: dict[str, Any]) -> None:
        beta1, beta2 = group["betas"]
        max_exp_avg_sq = state["max_exp_avg_sq"]._data if group["amsgrad"] else None
        F.adam(
            param, grad, state["exp_avg"]._data, state["exp_avg_sq"]._data, max_exp_avg_sq,
            step=_next_step(state["step"]), lr=float(group["lr"]), beta1=float(beta1), beta2=float(beta2),
            eps=float(group["eps"]), weight_decay=float(group["weight_decay"]), maximize=group["maximize"],
            decoupled_weight_decay=group["decoupled_weight_decay"],
        )


class AdamW(Adam):
    r"""Adam with decoupled weight decay (``torch.optim.AdamW``): Adam's update, but the decay acts on θ.

    Each step first shrinks the parameter, θ ← θ(1 − γλ), with the current (scheduled) γ, and
    then applies Adam's update to the undecayed gradient (see [`Adam`][mytorch.optim.Adam]). Note the default
    weight_decay of 1e-2.

    Loshchilov & Hutter, "Decoupled Weight Decay Regularization", ICLR 2019,
    https://arxiv.org/abs/1711.05101.

    ``params``, ``lr``, ``betas``, ``eps``, ``amsgrad``, ``maximize``, ``foreach``, ``capturable``, ``differentiable``
    and ``fused`` are as in [`Adam`][mytorch.optim.Adam].

    Args:
        weight_decay: decoupled weight decay λ (default 1e-2).
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        super().__init__(
            params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize, capturable=capturable,
            differentiable=differentiable, fused=fused, decoupled_weight_decay=True,
        )

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        super().load_state_dict(state_dict)
        for group in self.param_groups:  # as torch: AdamW stays decoupled whatever the checkpoint says
            group["decoupled_weight_decay"] = True
