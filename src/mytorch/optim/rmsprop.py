"""RMSprop: the gradient divided by a running RMS of recent gradients; heavy-ball or Nesterov momentum."""

from __future__ import annotations

from typing import Any

from .._backend import ndarray
from .._tensor import Tensor
from . import _functional as F
from .optimizer import Optimizer, ParamsT, _check, _next_step, _scalar_state, _zeros_state


class RMSprop(Optimizer):
    r"""RMSprop (``torch.optim.RMSprop``), plus Nesterov momentum (``nesterov=True``, a mytorch extension).

    With learning rate γ, smoothing α, ε, weight decay λ and momentum μ (REFERENCE-SEMANTICS §1.5)::

        r_0 ← 0,  a_0 ← 0,  b_0 ← 0
        for t = 1, 2, ...:
            g_t ← ∇f(θ_{t-1}) + λ θ_{t-1}            (−∇f when maximize)
            r_t ← α r_{t-1} + (1 − α) g_t²
            if centered:  a_t ← α a_{t-1} + (1 − α) g_t;   D_t ← √(r_t − a_t²) + ε
            else:         D_t ← √r_t + ε                   (ε outside the root)
            ĝ_t ← g_t / D_t
            if μ > 0:
                b_t ← μ b_{t-1} + ĝ_t
                θ_t ← θ_{t-1} − γ (ĝ_t + μ b_t)   if nesterov    (Nesterov)
                θ_t ← θ_{t-1} − γ b_t             otherwise      (heavy ball, torch)
            else:
                θ_t ← θ_{t-1} − γ ĝ_t

    torch's momentum is heavy-ball (Polyak) momentum on the RMS-scaled step and torch has no
    Nesterov option. ``nesterov=True`` gives the "RMSProp with Nesterov momentum" of Goodfellow,
    Bengio & Courville, *Deep Learning*, Algorithm 8.6, which takes the gradient at the
    look-ahead point θ̃ = θ + μv. Storing the look-ahead point as the parameter (Θ = θ + μv;
    Bengio et al. 2012, Dozat 2016, REFERENCE-SEMANTICS §8) turns it into the step above, the
    same place SGD puts its Nesterov term, with torch's other conventions kept: ε outside the
    root, γ outside the buffer (so a schedule rescales the whole step), r₀ = 0. For a constant γ
    the iterates equal Algorithm 8.6's θ + μv. Nesterov requires μ > 0.

    Hinton, Srivastava & Swersky, "Neural Networks for Machine Learning", lecture 6e, 2012,
    https://www.cs.toronto.edu/~tijmen/csc321/slides/lecture_slides_lec6.pdf. Centered form:
    Graves, "Generating Sequences With Recurrent Neural Networks", 2013,
    https://arxiv.org/abs/1308.0850. Nesterov form: Goodfellow, Bengio & Courville, *Deep
    Learning*, MIT Press 2016, §8.5.3, https://www.deeplearningbook.org/contents/optimization.html;
    Dozat, "Incorporating Nesterov Momentum into Adam", ICLR 2016 workshop,
    https://openreview.net/forum?id=OM0jvwB8jIp57ZJjtNEZ.

    Args:
        params: parameters or parameter groups.
        lr: learning rate γ (default 1e-2).
        alpha: smoothing constant α (default 0.99).
        eps: ε added to the denominator (default 1e-8).
        weight_decay: L2 penalty λ (default 0).
        momentum: momentum μ (default 0).
        centered: normalise by an estimate of the gradient's variance (default False).
        maximize: maximize the objective (default False).
        capturable: for CUDA graph capture; only False applies on the CPU.
        foreach: torch's grouped-kernel switch: None (default) or True take the packed path, False
            updates one parameter at a time (the same bits either way).
        differentiable: a step autograd can go through; only False is supported.
        nesterov: Nesterov momentum instead of heavy-ball (default False; needs μ > 0). Keyword-only: the
            positions after ``centered`` are torch's.
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
        *,
        nesterov: bool = False,
    ) -> None:
        _check(lr >= 0.0, f"Invalid learning rate: {lr}")
        _check(eps >= 0.0, f"Invalid epsilon value: {eps}")
        _check(momentum >= 0.0, f"Invalid momentum value: {momentum}")
        _check(weight_decay >= 0.0, f"Invalid weight_decay value: {weight_decay}")
        _check(alpha >= 0.0, f"Invalid alpha value: {alpha}")
        _check(not nesterov or momentum > 0, f"Nesterov momentum requires a momentum > 0, got momentum={momentum}")
        defaults = dict(
            lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered, weight_decay=weight_decay,
            capturable=capturable, foreach=foreach, maximize=maximize, differentiable=differentiable,
            nesterov=nesterov,
        )
        super().__init__(params, defaults)

    def _init_state(self, state: dict[str, Any], p: Tensor, group: dict[str, Any]) -> None:
        state["step"] = _scalar_state(0.0)
        state["square_avg"] = _zeros_state(p)
        if group["momentum"] > 0:
            state["momentum_buffer"] = _zeros_state(p)
        if group["centered"]:
            state["grad_avg"] = _zeros_state(p)

    def _update(self, param: ndarray, grad: ndarray, state: dict[str, Any], group: dict[str, Any]) -> None:
        _next_step(state["step"])
        momentum = float(group["momentum"])
        F.rmsprop(
            param, grad, state["square_avg"]._data,
            state["grad_avg"]._data if group["centered"] else None,
            state["momentum_buffer"]._data if momentum > 0 else None,
            lr=float(group["lr"]), alpha=float(group["alpha"]), eps=float(group["eps"]),
            weight_decay=float(group["weight_decay"]), momentum=momentum, nesterov=group["nesterov"],
            maximize=group["maximize"],
        )
