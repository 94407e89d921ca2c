"""Stochastic gradient descent with momentum, dampening, Nesterov momentum and weight decay."""

from __future__ import annotations

from typing import Any

from .._backend import ndarray, xp
from .._tensor import Tensor
from . import _functional as F
from .optimizer import Optimizer, ParamsT, _check


class SGD(Optimizer):
    r"""Stochastic gradient descent, optionally with (Nesterov) momentum (``torch.optim.SGD``).

    With learning rate γ, momentum μ, dampening τ and weight decay λ (REFERENCE-SEMANTICS §1.1)::

        g_t ← ∇f(θ_{t-1})                        (−∇f when maximize)
        g_t ← g_t + λ θ_{t-1}                    if λ ≠ 0
        if μ ≠ 0:
            b_t ← g_t                            if t = 1   (a copy: no (1−τ), no zero start)
            b_t ← μ b_{t-1} + (1 − τ) g_t        otherwise
            g_t ← g_t + μ b_t   if nesterov   else   b_t
        θ_t ← θ_{t-1} − γ g_t

    The learning rate sits outside the buffer (Sutskever et al., 2013, with γ factored out), so a
    scheduler's change of γ rescales the whole step at once. ``nesterov=True`` is the
    reparametrised Nesterov accelerated gradient of Bengio et al. (2012): the stored θ is the
    look-ahead point. State: ``momentum_buffer`` when μ ≠ 0, nothing otherwise.

    Sutskever, Martens, Dahl & Hinton, "On the importance of initialization and momentum in deep
    learning", ICML 2013, https://proceedings.mlr.press/v28/sutskever13.html.
    Bengio, Boulanger-Lewandowski & Pascanu, "Advances in optimizing recurrent networks", 2012,
    https://arxiv.org/abs/1212.0901.

    Args:
        params: parameters or parameter groups.
        lr: learning rate γ (default 1e-3).
        momentum: momentum factor μ (default 0).
        dampening: dampening τ of the momentum (default 0).
        weight_decay: L2 penalty λ (default 0).
        nesterov: use Nesterov momentum; needs μ > 0 and τ = 0 (default False).
        maximize: maximize the objective instead of minimizing it (default False).
        foreach: torch's grouped-kernel switch: None (default) or True take the packed path, False
            updates one parameter at a time (the same bits either way).
        differentiable: a step autograd can go through; only False is supported.
        fused: torch's one-kernel switch: True takes the packed path (not with ``foreach=True``).
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        _check(lr >= 0.0, f"Invalid learning rate: {lr}")
        _check(momentum >= 0.0, f"Invalid momentum value: {momentum}")
        _check(weight_decay >= 0.0, f"Invalid weight_decay value: {weight_decay}")
        nesterov_ok = not nesterov or (momentum > 0 and dampening == 0)
        _check(nesterov_ok, "Nesterov momentum requires a momentum and zero dampening")
        defaults = dict(
            lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay, nesterov=nesterov,
            maximize=maximize, foreach=foreach, differentiable=differentiable, fused=fused,
        )
        super().__init__(params, defaults)

    def _update(self, param: ndarray, grad: ndarray, state: dict[str, Any], group: dict[str, Any]) -> None:
        momentum = float(group["momentum"])
        buf, first = None, False
        if momentum != 0:
            first = "momentum_buffer" not in state
            if first:  # torch creates the buffer on the first step, as a copy of the gradient
                state["momentum_buffer"] = Tensor._make(xp.empty(param.shape, param.dtype), False, None)
            buf = state["momentum_buffer"]._data
        F.sgd(
            param, grad, buf, first=first, lr=float(group["lr"]), momentum=momentum,
            dampening=float(group["dampening"]), weight_decay=float(group["weight_decay"]),
            nesterov=group["nesterov"], maximize=group["maximize"],
        )
