"""Finite-difference gradient checking, for users' own Functions and for mytorch's tests.

For every input x_k that requires grad, the numerical Jacobian column for element j is the
central difference  (f(x + ε e_j) − f(x − ε e_j)) / 2ε;  the analytical Jacobian row for output
element i is one backward pass with the one-hot gradient e_i. They must agree within
|analytical − numerical| ≤ atol + rtol·|numerical|, elementwise.

``fast_mode=True`` (PyTorch's option) checks one random projection instead of every entry: for
random u (over the inputs) and v (over the outputs), vᵀ·J·u from one backward pass (the gradient
for v, dotted with u) against vᵀ·(f(x + εu) − f(x − εu)) / 2ε -- one backward and two evaluations
of f per input instead of one per output element and two per input element.

``gradgradcheck`` checks second derivatives the same way: it runs ``gradcheck`` on the function
(x, v) ↦ vᵀ·∂f/∂x, computed with ``create_graph=True``, so the backward of every op's backward
(its ``backward_graph``) is compared with finite differences of its first derivative.
"""

from __future__ import annotations

from collections.abc import Callable

from .._backend import xp


class GradcheckError(RuntimeError):
    """The analytical and numerical Jacobians differ."""


def _as_tuple(x) -> tuple:
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _flat_outputs(fn: Callable, inputs: tuple):
    outs = _as_tuple(fn(*inputs))
    return xp.concatenate([xp.asarray(o._data, dtype=xp.float64).ravel() for o in outs]) if outs else xp.zeros(0)


def gradcheck(
    fn: Callable,
    inputs,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    *,
    fast_mode: bool = False,
    _graph_in_numerical: bool = False,
    **unused,
) -> bool:
    """Check the gradients of ``fn`` at ``inputs`` against central finite differences (float64).

    ``fn`` takes the tensors in ``inputs`` and returns a tensor or a tuple of tensors. Returns True
    when they agree; otherwise raises ``GradcheckError`` naming the input, the element and both
    values (or returns False with ``raise_exception=False``). ``fast_mode`` compares the projection
    vᵀ·J·u for random u, v instead of every entry of J (see the module's docstring). Other keyword
    arguments of PyTorch's version (``nondet_tol``, ``check_undefined_grad``, ...) are accepted and
    ignored.
    """
    from .._tensor import Tensor
    from . import grad as autograd_grad
    from .grad_mode import _mode, set_grad_enabled

    inputs = _as_tuple(inputs)
    diff = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    if not diff:
        raise ValueError("gradcheck: no input requires grad")
    for i in diff:
        if inputs[i].dtype != xp.float64:
            raise ValueError(
                f"gradcheck: input {i} is {inputs[i].dtype}; finite differences need float64 inputs"
            )
    if not _mode.enabled:
        raise RuntimeError("gradcheck needs grad mode on (it was called inside no_grad)")

    outputs = _as_tuple(fn(*inputs))
    if fast_mode:
        return _fast_check(fn, inputs, outputs, diff, eps, atol, rtol, raise_exception, _graph_in_numerical)
    out_sizes = [o.numel() for o in outputs]
    n_out = sum(out_sizes)

    # Analytical Jacobian: one backward pass per output element.
    analytical = {i: xp.zeros((n_out, inputs[i].numel())) for i in diff}
    row = 0
    for k, o in enumerate(outputs):
        if not o.requires_grad:
            row += out_sizes[k]
            continue
        for j in range(out_sizes[k]):
            seed = xp.zeros(o.numel(), dtype=o.dtype)
            seed[j] = 1
            grads = autograd_grad(
                [o], [inputs[i] for i in diff], grad_outputs=[Tensor(seed.reshape(o.shape))],
                retain_graph=True, allow_unused=True,
            )
            for i, g in zip(diff, grads):
                if g is not None:
                    analytical[i][row + j] = g._data.ravel()
        row += out_sizes[k]

    # Numerical Jacobian: central differences, one input element at a time. (Without a graph, unless
    # fn itself differentiates: gradgradcheck's function calls autograd.grad.)
    with set_grad_enabled(_graph_in_numerical):
        for i in diff:
            flat = inputs[i]._data.reshape(-1)  # a view: perturbing it perturbs the input
            numerical = xp.zeros((n_out, flat.size))
            for j in range(flat.size):
                orig = flat[j]
                flat[j] = orig + eps
                plus = _flat_outputs(fn, inputs)
                flat[j] = orig - eps
                minus = _flat_outputs(fn, inputs)
                flat[j] = orig
                numerical[:, j] = (plus - minus) / (2 * eps)
            a = analytical[i]
            bad = ~(xp.abs(a - numerical) <= atol + rtol * xp.abs(numerical))
            if bad.any():
                r, c = (int(v) for v in xp.argwhere(bad)[0])
                msg = (
                    f"Jacobian mismatch for output element {r} with respect to input {i}, element {c}: "
                    f"numerical {numerical[r, c]!r}, analytical {a[r, c]!r} "
                    f"({int(bad.sum())} of {bad.size} entries differ; max abs diff "
                    f"{float(xp.abs(a - numerical).max()):.3e})"
                )
                if raise_exception:
                    raise GradcheckError(msg)
                return False
    return True


def _fast_check(fn, inputs, outputs, diff, eps, atol, rtol, raise_exception, graph_in_numerical) -> bool:
    """gradcheck's fast mode: vᵀ·J·u, analytical (one backward pass) against numerical (one central
    difference along u), for each input that requires grad. u and v come from a generator of their own
    (seeded, so a check is reproducible and the user's random stream is left alone)."""
    import numpy as np

    from .._tensor import Tensor
    from . import grad as autograd_grad
    from .grad_mode import set_grad_enabled

    rng = np.random.default_rng(0)
    live = [o for o in outputs if o.requires_grad]
    vs = [xp.asarray(rng.standard_normal(o.numel())) for o in outputs]
    us = {i: xp.asarray(rng.standard_normal(inputs[i].numel())) for i in diff}
    if live:
        grads = autograd_grad(live, [inputs[i] for i in diff], allow_unused=True, retain_graph=True,
                              grad_outputs=[Tensor(v.reshape(o.shape).astype(o.dtype))
                                            for o, v in zip(outputs, vs) if o.requires_grad])
    else:
        grads = [None] * len(diff)
    v_all = xp.concatenate(vs) if vs else xp.zeros(0)
    with set_grad_enabled(graph_in_numerical):
        for i, g in zip(diff, grads):
            u = us[i]
            analytical = 0.0 if g is None else float(xp.asarray(g._data, dtype=xp.float64).ravel() @ u)
            flat = inputs[i]._data.reshape(-1)  # a view: perturbing it perturbs the input
            orig = flat.copy()
            flat += eps * u
            plus = _flat_outputs(fn, inputs)
            flat[...] = orig - eps * u
            minus = _flat_outputs(fn, inputs)
            flat[...] = orig
            numerical = float(v_all @ ((plus - minus) / (2 * eps)))
            if not abs(analytical - numerical) <= atol + rtol * abs(numerical):
                msg = (f"Jacobian mismatch (fast mode: vᵀ·J·u for random u, v) with respect to input {i}: "
                       f"numerical {numerical!r}, analytical {analytical!r}; rerun with fast_mode=False "
                       f"to find the entry")
                if raise_exception:
                    raise GradcheckError(msg)
                return False
    return True


def gradgradcheck(
    func: Callable,
    inputs,
    grad_outputs=None,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    gen_non_contig_grad_outputs: bool = False,
    raise_exception: bool = True,
    fast_mode: bool = False,
    **unused,
) -> bool:
    """Check second derivatives of ``func`` at ``inputs`` against finite differences of its first (float64).

    ``grad_outputs`` (the v of vᵀ·∂f/∂x) are drawn at random from mytorch's generator when not
    given, and are themselves differentiated, as in ``torch.autograd.gradgradcheck``.
    ``fast_mode`` checks one random projection of the second derivatives (see ``gradcheck``). Other
    keyword arguments of PyTorch's version (``check_batched_grad``, ...) are accepted and ignored.
    Returns True, or raises ``GradcheckError`` (False with ``raise_exception=False``).
    """
    from .. import randn
    from .._tensor import Tensor
    from . import grad as autograd_grad

    inputs = _as_tuple(inputs)
    diff = [t for t in inputs if isinstance(t, Tensor) and t.requires_grad]
    outputs = _as_tuple(func(*inputs))
    if grad_outputs is None:
        grad_outputs = tuple(
            randn(*o.shape, dtype=o.dtype).requires_grad_() if o.requires_grad and o.is_floating_point() else None
            for o in outputs
        )
    else:
        grad_outputs = _as_tuple(grad_outputs)
    keep = [k for k, o in enumerate(outputs) if o.requires_grad]
    vs = [grad_outputs[k] for k in keep]
    n_in = len(inputs)

    def first_derivative(*args):
        xs, v = args[:n_in], args[n_in:]
        outs = _as_tuple(func(*xs))
        outs = [outs[k] for k in keep]
        ds = [t for t in xs if isinstance(t, Tensor) and t.requires_grad]
        grads = autograd_grad(outs, ds, grad_outputs=list(v), create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    if not diff or not vs:
        raise ValueError("gradgradcheck: no input or no output requires grad")
    return gradcheck(first_derivative, (*inputs, *vs), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, fast_mode=fast_mode, _graph_in_numerical=True)
