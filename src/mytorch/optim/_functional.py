"""The per-parameter update kernels of every optimizer, shared by ``mytorch.optim`` and needle.

Each function is one step of one algorithm on one parameter: it takes the parameter's array, its
gradient and its state arrays, updates the parameter and the state **in place** (NumPy ``out=``),
and never writes the gradient. Hyper-parameters are keyword-only Python numbers, so a caller that
keeps its own bookkeeping (``mytorch.compat.needle.optim``: one step counter per ``step()``, a
zero-started EMA buffer) reuses the exact arithmetic of ``mytorch.optim`` instead of a copy of it.
The algorithms' math is stated in the docstrings of their classes (``mytorch.optim.SGD``,
``Adam``, ...); the walk over L2-sized blocks is ``optimizer._for_blocks``.

Internal: the signatures follow the classes' state names and may change with them.
"""

from __future__ import annotations

import math

from .._backend import ndarray, xp
from .optimizer import _for_blocks, _grad

__all__ = ["adadelta", "adagrad", "adam", "nadam", "radam", "rmsprop", "sgd"]


def sgd(
    param: ndarray, grad: ndarray, momentum_buffer: ndarray | None, *, first: bool, lr: float, momentum: float,
    dampening: float, weight_decay: float, nesterov: bool, maximize: bool,
) -> None:
    """One SGD step on one parameter, in place; ``first`` says the buffer is new (it gets a copy of g)."""

    def block(p, g, b, d, t) -> None:
        g = _grad(p, g, d, weight_decay, maximize)
        if b is not None:
            if first:
                xp.copyto(b, g)
            else:
                b *= momentum
                if dampening:
                    xp.multiply(g, 1 - dampening, out=t)
                    b += t
                else:
                    b += g
            if nesterov:
                xp.multiply(b, momentum, out=t)
                g = xp.add(g, t, out=t)
            else:
                g = b
        xp.multiply(g, lr, out=t)
        p -= t

    # Four cheap passes a block: on 2 threads the GIL's hand-overs made the step slower than on one (W1's
    # 1.86 M parameters with momentum, idle 2-core machine: 1.55 ms shared, 1.29-1.42 ms on one thread)
    _for_blocks(block, [param, grad, momentum_buffer], scratch=2, share=False)


def _adam_moments(p, g, m, v, t, d, *, decay: float, l2: float, beta1: float, beta2: float, maximize: bool):
    """The part Adam, NAdam and RAdam share, on one block, in place: decoupled decay θ ← θ(1 − γλ) when
    ``decay`` ≠ 1, g ← g (+ λθ, − when maximizing), m ← m + (1−β1)(g − m) (torch's lerp), v ← β2 v + ((1−β2) g) g
    (torch's addcmul order). Returns the gradient used (``d`` or ``g`` itself); ``t`` is scratch."""
    if decay != 1.0:
        p *= decay
    g = _grad(p, g, d, l2, maximize)
    xp.subtract(g, m, out=t)
    t *= 1 - beta1
    m += t
    xp.multiply(g, 1 - beta2, out=t)
    t *= g
    v *= beta2
    v += t
    return g


def adam(
    param: ndarray, grad: ndarray, exp_avg: ndarray, exp_avg_sq: ndarray, max_exp_avg_sq: ndarray | None, *,
    step: float, lr: float, beta1: float, beta2: float, eps: float, weight_decay: float, maximize: bool,
    decoupled_weight_decay: bool,
) -> None:
    """One Adam step on one parameter, in place.

    torch's m/(√v/c + ε) · γ/bc1 is evaluated as m/(√v + εc) · (γc/bc1) with c = √(1 − β2^t): the
    same number (exactly, in real arithmetic), with one pass fewer.
    """
    bias_correction1 = 1 - beta1**step
    c = math.sqrt(1 - beta2**step)
    step_size = lr / bias_correction1 * c
    eps_c = eps * c
    l2 = 0.0 if decoupled_weight_decay else weight_decay
    decay = 1 - lr * weight_decay if decoupled_weight_decay and weight_decay else 1.0

    def block(p, g, m, v, vmax, t, d) -> None:
        _adam_moments(p, g, m, v, t, d, decay=decay, l2=l2, beta1=beta1, beta2=beta2, maximize=maximize)
        if vmax is not None:
            v = xp.maximum(vmax, v, out=vmax)
        xp.sqrt(v, out=t)
        t += eps_c
        xp.divide(m, t, out=t)
        t *= step_size
        p -= t

    _for_blocks(block, [param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq], scratch=2)


def adagrad(
    param: ndarray, grad: ndarray, state_sum: ndarray, *, step: float, lr: float, lr_decay: float, eps: float,
    weight_decay: float, maximize: bool,
) -> None:
    """One Adagrad step on one parameter, in place."""
    clr = lr / (1 + (step - 1) * lr_decay)

    def block(p, g, s, t, d) -> None:
        g = _grad(p, g, d, weight_decay, maximize)
        xp.multiply(g, g, out=t)
        s += t
        xp.sqrt(s, out=t)
        t += eps
        xp.divide(g, t, out=t)
        t *= clr
        p -= t

    _for_blocks(block, [param, grad, state_sum], scratch=2)


def rmsprop(
    param: ndarray, grad: ndarray, square_avg: ndarray, grad_avg: ndarray | None, momentum_buffer: ndarray | None, *,
    lr: float, alpha: float, eps: float, weight_decay: float, momentum: float, nesterov: bool, maximize: bool,
) -> None:
    """One RMSprop step on one parameter, in place (``grad_avg`` when centered, the buffer when μ > 0)."""

    def block(p, g, r, a, b, t, u, d) -> None:
        g = _grad(p, g, d, weight_decay, maximize)
        xp.multiply(g, 1 - alpha, out=t)  # ((1−α) g) g: torch's addcmul order
        t *= g
        r *= alpha
        r += t
        if a is not None:
            xp.subtract(g, a, out=t)  # a ← a + (1−α)(g − a): torch's lerp
            t *= 1 - alpha
            a += t
            xp.multiply(a, a, out=t)
            xp.subtract(r, t, out=t)
            xp.sqrt(t, out=t)
        else:
            xp.sqrt(r, out=t)
        t += eps
        update = xp.divide(g, t, out=t)  # ĝ
        if b is not None:
            b *= momentum
            b += t
            if nesterov:
                xp.multiply(b, momentum, out=u)
                t += u
            else:
                update = b
        xp.multiply(update, lr, out=t)
        p -= t

    _for_blocks(block, [param, grad, square_avg, grad_avg, momentum_buffer], scratch=3)


def adadelta(
    param: ndarray, grad: ndarray, square_avg: ndarray, acc_delta: ndarray, *, lr: float, rho: float, eps: float,
    weight_decay: float, maximize: bool,
) -> None:
    """One Adadelta step on one parameter, in place."""

    def block(p, g, v, u, t, delta, d) -> None:
        g = _grad(p, g, d, weight_decay, maximize)
        v *= rho
        xp.multiply(g, 1 - rho, out=t)  # ((1−ρ) g) g: torch's addcmul order
        t *= g
        v += t
        xp.add(v, eps, out=t)
        xp.sqrt(t, out=t)  # std = √(v + ε)
        xp.add(u, eps, out=delta)
        xp.sqrt(delta, out=delta)
        delta /= t
        delta *= g  # Δ, in torch's order: (√(u + ε) / std) · g
        u *= rho
        xp.multiply(delta, 1 - rho, out=t)
        t *= delta
        u += t
        xp.multiply(delta, lr, out=t)
        p -= t

    _for_blocks(block, [param, grad, square_avg, acc_delta], scratch=3)


def nadam(
    param: ndarray, grad: ndarray, exp_avg: ndarray, exp_avg_sq: ndarray, *, step: float, mu: float, mu_next: float,
    mu_product: float, lr: float, beta1: float, beta2: float, eps: float, weight_decay: float,
    decoupled_weight_decay: bool, maximize: bool,
) -> None:
    """One NAdam step on one parameter, in place; ``mu_product`` is P_t, already updated."""
    bias_correction2 = 1 - beta2**step
    grad_coef = lr * (1.0 - mu) / (1.0 - mu_product)
    avg_coef = lr * mu_next / (1.0 - mu_product * mu_next)
    l2 = 0.0 if decoupled_weight_decay else weight_decay

    decay = 1 - lr * weight_decay if decoupled_weight_decay and weight_decay else 1.0

    def block(p, g, m, v, t, u, d) -> None:
        g = _adam_moments(p, g, m, v, t, d, decay=decay, l2=l2, beta1=beta1, beta2=beta2, maximize=maximize)
        xp.divide(v, bias_correction2, out=t)
        xp.sqrt(t, out=t)
        t += eps
        xp.divide(g, t, out=u)
        u *= grad_coef
        p -= u
        xp.divide(m, t, out=u)
        u *= avg_coef
        p -= u

    _for_blocks(block, [param, grad, exp_avg, exp_avg_sq], scratch=3)


def radam(
    param: ndarray, grad: ndarray, exp_avg: ndarray, exp_avg_sq: ndarray, *, step: float, lr: float, beta1: float,
    beta2: float, eps: float, weight_decay: float, decoupled_weight_decay: bool, maximize: bool,
) -> None:
    """One RAdam step on one parameter, in place."""
    bias_correction1 = 1 - beta1**step
    bias_correction2 = 1 - beta2**step
    rho_inf = 2 / (1 - beta2) - 1
    rho_t = rho_inf - 2 * step * (beta2**step) / bias_correction2
    rectified = rho_t > 5.0
    if rectified:
        rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
        step_size = lr / bias_correction1 * rect * math.sqrt(bias_correction2)
    else:
        step_size = lr / bias_correction1
    l2 = 0.0 if decoupled_weight_decay else weight_decay

    decay = 1 - lr * weight_decay if decoupled_weight_decay and weight_decay else 1.0

    def block(p, g, m, v, t, d) -> None:
        _adam_moments(p, g, m, v, t, d, decay=decay, l2=l2, beta1=beta1, beta2=beta2, maximize=maximize)
        if rectified:
            xp.sqrt(v, out=t)
            t += eps
            xp.divide(m, t, out=t)
            t *= step_size
        else:
            xp.multiply(m, step_size, out=t)
        p -= t

    _for_blocks(block, [param, grad, exp_avg, exp_avg_sq], scratch=2)
