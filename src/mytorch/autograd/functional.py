"""``mytorch.autograd.functional``: derivatives of a Python function, as ``torch.autograd.functional``.

With f : inputs → outputs, J its Jacobian and H = ∇²f (for a scalar f):

    vjp(f, x, v)       (f(x), vᵀJ)                 one backward pass
    jvp(f, x, v)       (f(x), J v)                 two backward passes (the "double vjp" trick:
                                                    u ↦ uᵀJ is linear in u, so its vjp with v is J v)
    jacobian(f, x)     J, shaped out.shape + in.shape, one backward pass per output element
    hessian(f, x)      H, the Jacobian of the gradient (computed with create_graph=True)
    vhp(f, x, v)       (f(x), vᵀH)
    hvp(f, x, v)       (f(x), H v)                 as vhp, but through the double-vjp trick (as torch)

``inputs`` is a Tensor or a tuple of Tensors, and results keep that structure, as in PyTorch.
``create_graph=True`` keeps the results differentiable; ``strict=True`` raises when an output
does not depend on an input (instead of returning zeros); ``vectorize=True`` is accepted and
computes the same result row by row (mytorch has no vmap).
"""

from __future__ import annotations

from collections.abc import Callable

from .._tensor import Tensor
from . import grad as _grad
from .grad_mode import enable_grad


def _as_tuple(x, what: str, fn_name: str) -> tuple[bool, tuple]:
    if isinstance(x, Tensor):
        return False, (x,)
    if isinstance(x, (tuple, list)):
        for i, t in enumerate(x):
            if not isinstance(t, Tensor):
                raise TypeError(f"The {what} given to {fn_name} must be either a Tensor or a tuple of Tensors but "
                                f"the value at index {i} has type {type(t).__name__}.")
        return True, tuple(x)
    raise TypeError(f"The {what} given to {fn_name} must be either a Tensor or a tuple of Tensors but the given "
                    f"{what} has type {type(x).__name__}.")


def _prepare(inputs: tuple, create_graph: bool) -> tuple:
    """Fresh differentiable inputs: detached copies, or (create_graph) views that keep the caller's graph."""
    out = []
    for t in inputs:
        if create_graph and t.requires_grad:
            out.append(t.view_as(t))
        else:
            out.append(t.detach().requires_grad_(True))
    return tuple(out)


def _fill(grads: tuple, refs: tuple, strict: bool, create_graph: bool, stage: str) -> tuple:
    """None gradients become zeros (or raise under strict); without create_graph results are detached."""
    out = []
    for i, (g, r) in enumerate(zip(grads, refs)):
        if g is None:
            if strict:
                raise RuntimeError(_strict_message(stage, i))
            g = r.detach() * 0 if r.is_floating_point() else r.detach()
            g = Tensor._make(g._data.copy() * 0, False, None)
        elif not create_graph:
            g = g.detach()
        out.append(g)
    return tuple(out)


def _strict_message(stage: str, i: int) -> str:
    if stage == "back":
        return (f"The output of the user-provided function is independent of input {i}. This is not allowed in "
                "strict mode.")
    if stage == "back_trick":
        return (f"The gradient with respect to the input is independent of entry {i} in the grad_outputs when "
                "using the double backward trick to compute forward mode gradients. This is not allowed in "
                "strict mode.")
    if stage == "double_back":
        return (f"The jacobian of the user-provided function is independent of input {i}. This is not allowed in "
                "strict mode.")
    return (f"The hessian of the user-provided function is independent of entry {i} in the grad_jacobian. This "
            "is not allowed in strict mode as it prevents from using the double backward trick to replace forward "
            "mode AD.")


def _grad_all(outputs: tuple, inputs: tuple, grad_outputs, create_graph: bool) -> tuple:
    """autograd.grad over the outputs that require grad, None for every input when none does."""
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs if grad_outputs is not None else [None] * len(outputs))
             if o.requires_grad]
    if not pairs:
        return (None,) * len(inputs)
    return _grad([o for o, _ in pairs], list(inputs), [g for _, g in pairs], create_graph=create_graph,
                 retain_graph=True, allow_unused=True)


def _check_v(v: tuple, refs: tuple, fn_name: str, against: str) -> None:
    if len(v) != len(refs):
        raise RuntimeError(f"v is a tuple of invalid length: should be {len(refs)} but got {len(v)}.")
    for i, (a, b) in enumerate(zip(v, refs)):
        if a.shape != b.shape:
            raise RuntimeError(f"Entry {i} in v has invalid size: should be {b.shape} but got {a.shape}.")


def _outputs(func: Callable, inputs: tuple, fn_name: str) -> tuple[bool, tuple]:
    with enable_grad():
        res = func(*inputs)
    return _as_tuple(res, "outputs of the user-provided function", fn_name)


def _post(res: tuple, is_tuple: bool):
    return res if is_tuple else res[0]


def vjp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(inputs), vᵀ·J)``: the vector-Jacobian product at ``inputs`` (v may be omitted for a
    one-element output)."""
    is_in_tuple, inputs = _as_tuple(inputs, "inputs", "vjp")
    inputs = _prepare(inputs, create_graph)
    is_out_tuple, outputs = _outputs(func, inputs, "vjp")
    if v is not None:
        _, v = _as_tuple(v, "v", "vjp")
        _check_v(v, outputs, "vjp", "outputs")
    else:
        if len(outputs) != 1 or outputs[0].numel() != 1:
            raise RuntimeError("The vector v can only be None if the user-provided function returns a single "
                               "Tensor with a single element.")
    grads = _grad_all(outputs, inputs, v, create_graph)
    result = _fill(grads, inputs, strict, create_graph, "back")
    outs = tuple(o if create_graph else o.detach() for o in outputs)
    return _post(outs, is_out_tuple), _post(result, is_in_tuple)


def jvp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(inputs), J·v)``: the Jacobian-vector product, by the double-vjp trick."""
    is_in_tuple, inputs = _as_tuple(inputs, "inputs", "jvp")
    inputs = _prepare(inputs, create_graph)
    if v is not None:
        _, v = _as_tuple(v, "v", "jvp")
        _check_v(v, inputs, "jvp", "inputs")
    else:
        if len(inputs) != 1 or inputs[0].numel() != 1:
            raise RuntimeError("The vector v can only be None if the input to the user-provided function is a "
                               "single Tensor with a single element.")
    is_out_tuple, outputs = _outputs(func, inputs, "jvp")
    from .. import zeros_like

    us = tuple(zeros_like(o).requires_grad_(True) for o in outputs)
    grad_in = _grad_all(outputs, inputs, us, create_graph=True)
    used = [(g, x) for g, x in zip(grad_in, v if v is not None else (None,) * len(inputs)) if g is not None]
    if strict:
        for i, g in enumerate(grad_in):
            if g is None:
                raise RuntimeError(_strict_message("back_trick", i))
    if used:
        res = _grad([g for g, _ in used], list(us), [x for _, x in used], create_graph=create_graph,
                    retain_graph=True, allow_unused=True)
    else:
        res = (None,) * len(us)
    result = _fill(res, outputs, strict, create_graph, "back_trick")
    outs = tuple(o if create_graph else o.detach() for o in outputs)
    return _post(outs, is_out_tuple), _post(result, is_out_tuple)


def jacobian(func: Callable, inputs, create_graph: bool = False, strict: bool = False, vectorize: bool = False,
             strategy: str = "reverse-mode"):
    """The Jacobian of ``func`` at ``inputs``: for output i and input j a tensor of shape
    ``outputs[i].shape + inputs[j].shape``, nested as the arguments are (tuples of tuples, or one Tensor)."""
    if strategy not in ("reverse-mode", "forward-mode"):
        raise ValueError('Expected strategy to be either "forward-mode" or "reverse-mode".')
    from .. import stack

    is_in_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
    inputs = _prepare(inputs, create_graph)
    is_out_tuple, outputs = _outputs(func, inputs, "jacobian")
    jac = []
    for i, out in enumerate(outputs):
        flat = out.reshape(-1)
        rows = [[] for _ in inputs]
        for j in range(flat.numel()):
            if out.requires_grad:
                gs = _grad([flat[j]], list(inputs), retain_graph=True, create_graph=create_graph, allow_unused=True)
            else:
                gs = (None,) * len(inputs)
            for k, (g, x) in enumerate(zip(gs, inputs)):
                if g is None:
                    if strict:
                        raise RuntimeError(f"Output {i} of the user-provided function is independent of input {k}. "
                                           "This is not allowed in strict mode.")
                    g = Tensor._make(x._data * 0, False, None)
                elif not create_graph:
                    g = g.detach()
                rows[k].append(g)
        per_input = []
        for k, x in enumerate(inputs):
            if rows[k]:
                block = stack(rows[k]).reshape(*out.shape, *x.shape)
            else:
                block = Tensor._make(x._data.reshape(-1)[:0].reshape(*out.shape, *x.shape), False, None)
            per_input.append(block)
        jac.append(tuple(per_input))
    return _nest(tuple(jac), is_out_tuple, is_in_tuple)


def _nest(jac: tuple, outer: bool, inner: bool):
    if outer and inner:
        return jac
    if outer:
        return tuple(row[0] for row in jac)
    if inner:
        return jac[0]
    return jac[0][0]


def hessian(func: Callable, inputs, create_graph: bool = False, strict: bool = False, vectorize: bool = False,
            outer_jacobian_strategy: str = "reverse-mode"):
    """The Hessian of a scalar ``func`` at ``inputs``: the Jacobian of its gradient (shapes
    ``inputs[i].shape + inputs[j].shape``, nested as the inputs are)."""
    is_in_tuple, inputs = _as_tuple(inputs, "inputs", "hessian")

    def gradient(*xs):
        out = func(*xs)
        is_tuple, outs = _as_tuple(out, "outputs of the user-provided function", "hessian")
        if is_tuple or outs[0].numel() != 1:
            raise RuntimeError("The function given to hessian should return a single Tensor containing a single "
                               "element")
        out = outs[0].reshape(())
        gs = _grad([out], list(xs), create_graph=True, retain_graph=True, allow_unused=True) \
            if out.requires_grad else (None,) * len(xs)
        return tuple(Tensor._make(x._data * 0, False, None) if g is None else g for g, x in zip(gs, xs))

    res = jacobian(gradient, inputs, create_graph=create_graph, strict=strict, vectorize=vectorize)
    return res if is_in_tuple else res[0][0]


def vhp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(inputs), vᵀ·H)`` for a scalar ``func``."""
    is_in_tuple, inputs = _as_tuple(inputs, "inputs", "vhp")
    inputs = _prepare(inputs, create_graph)
    v = _v_for(v, inputs, "vhp")
    _, outputs = _outputs(func, inputs, "vhp")
    out = _scalar(outputs, "vhp")
    jac = _grad_all((out,), inputs, None, create_graph=True)
    if strict:
        for i, g in enumerate(jac):
            if g is None:
                raise RuntimeError(_strict_message("back", i))
    used = [(g, x, k) for k, (g, x) in enumerate(zip(jac, v)) if g is not None and g.requires_grad]
    if used:
        res = _grad([g for g, _, _ in used], list(inputs), [x for _, x, _ in used], create_graph=create_graph,
                    retain_graph=True, allow_unused=True)
    else:
        res = (None,) * len(inputs)
    result = _fill(res, inputs, strict, create_graph, "double_back")
    return (out if create_graph else out.detach()), _post(result, is_in_tuple)


def hvp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(inputs), H·v)`` for a scalar ``func`` (through the double-vjp trick, as PyTorch)."""
    from .. import zeros_like

    is_in_tuple, inputs = _as_tuple(inputs, "inputs", "hvp")
    inputs = _prepare(inputs, create_graph)
    v = _v_for(v, inputs, "hvp")
    _, outputs = _outputs(func, inputs, "hvp")
    out = _scalar(outputs, "hvp")
    jac = _grad_all((out,), inputs, None, create_graph=True)
    if strict:
        for i, g in enumerate(jac):
            if g is None:
                raise RuntimeError(_strict_message("back", i))
    pairs = [(g, x) for g, x in zip(jac, inputs) if g is not None and g.requires_grad]
    if pairs:
        us = [zeros_like(x).requires_grad_(True) for x, in [(g,) for g, _ in pairs]]
        double = _grad([g for g, _ in pairs], list(inputs), us, create_graph=True, retain_graph=True,
                       allow_unused=True)
        used = [(d, x) for d, x in zip(double, v) if d is not None]
        if strict and len(used) != len(inputs):
            raise RuntimeError(_strict_message("double_back", len(used)))
        if used:
            res = _grad([d for d, _ in used], us, [x for _, x in used], create_graph=create_graph,
                        retain_graph=True, allow_unused=True)
            # H v has the inputs' shapes; the us are the (symmetric) Jacobian's cotangents, one per input used
            res = _align(res, jac, inputs)
        else:
            res = (None,) * len(inputs)
    else:
        res = (None,) * len(inputs)
    result = _fill(res, inputs, strict, create_graph, "double_back_trick")
    return (out if create_graph else out.detach()), _post(result, is_in_tuple)


def _align(res: tuple, jac: tuple, inputs: tuple) -> tuple:
    """Spread the gradients for the used Jacobian entries back to one slot per input."""
    it = iter(res)
    return tuple(next(it) if g is not None and g.requires_grad else None for g in jac)


def _v_for(v, inputs: tuple, fn_name: str) -> tuple:
    if v is not None:
        _, v = _as_tuple(v, "v", fn_name)
        _check_v(v, inputs, fn_name, "inputs")
        return v
    if len(inputs) != 1 or inputs[0].numel() != 1:
        raise RuntimeError("The vector v can only be None if the input to the user-provided function is a single "
                           "Tensor with a single element.")
    from .. import ones_like

    return (ones_like(inputs[0]),)


def _scalar(outputs: tuple, fn_name: str):
    if len(outputs) != 1:
        raise RuntimeError(f"The function given to {fn_name} should return a single Tensor")
    if outputs[0].numel() != 1:
        raise RuntimeError(f"The Tensor returned by the function given to {fn_name} should contain a single element")
    return outputs[0]
