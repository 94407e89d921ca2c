"""Reverse-mode automatic differentiation: ``Function``, the backward engine, grad mode, gradcheck."""

from __future__ import annotations

from .. import _tensor  # Tensor must exist before the engine and Function bind to it
from .engine import run_backward, seed_gradients
from .function import Function
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled


def backward(tensors, grad_tensors=None, retain_graph: bool | None = None) -> None:
    """``mytorch.autograd.backward``: backpropagate from several roots at once."""
    tensors = list(tensors) if isinstance(tensors, (list, tuple)) else [tensors]
    run_backward(tensors, seed_gradients(tensors, grad_tensors), bool(retain_graph))


def grad(
    outputs,
    inputs,
    grad_outputs=None,
    retain_graph: bool | None = None,
    allow_unused: bool = False,
) -> tuple:
    """The gradients of ``outputs`` with respect to ``inputs``, returned instead of stored in ``.grad``."""
    from .._tensor import Tensor

    outputs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
    single = not isinstance(inputs, (list, tuple))
    inputs = [inputs] if single else list(inputs)
    for i, t in enumerate(inputs):
        if not t.requires_grad:
            raise RuntimeError(f"grad: input {i} does not require grad")
    grads = seed_gradients(outputs, grad_outputs)
    found = run_backward(outputs, grads, bool(retain_graph), inputs=inputs)
    result = []
    for i, g in enumerate(found):
        if g is None and not allow_unused:
            raise RuntimeError(
                f"grad: input {i} was not used in the graph of the outputs; pass allow_unused=True "
                "if this is expected"
            )
        result.append(None if g is None else Tensor._make(g.copy() if g.base is not None else g, False, None))
    return tuple(result)


from .gradcheck import GradcheckError, gradcheck  # noqa: E402

__all__ = [
    "Function", "GradcheckError", "backward", "enable_grad", "grad", "gradcheck", "is_grad_enabled",
    "no_grad", "set_grad_enabled",
]
