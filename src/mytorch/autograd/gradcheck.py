"""Finite-difference gradient checking, for users' own Functions and for mytorch's tests.

For every input x_k that requires grad, the numerical Jacobian column for element j is the
central difference  (f(x + ε e_j) − f(x − ε e_j)) / 2ε;  the analytical Jacobian row for output
element i is one backward pass with the one-hot gradient e_i. They must agree within
|analytical − numerical| ≤ atol + rtol·|numerical|, elementwise.
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
) -> bool:
    """Check the gradients of ``fn`` at ``inputs`` against central finite differences (float64).

    ``fn`` takes the tensors in ``inputs`` and returns a tensor or a tuple of tensors. Returns True
    when they agree; otherwise raises ``GradcheckError`` naming the input, the element and both
    values (or returns False with ``raise_exception=False``).
    """
    from .._tensor import Tensor
    from . import grad as autograd_grad
    from .grad_mode import _mode, no_grad

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

    # Numerical Jacobian: central differences, one input element at a time.
    with no_grad():
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
