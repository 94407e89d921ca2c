"""Reverse-mode automatic differentiation: ``Function``, the backward engine, grad mode, gradcheck.

``mytorch.autograd.Function`` is the base class of a *user's* op, on tensors (``custom_function``);
the library's own ops subclass the array-level ``mytorch.autograd.function.Function``.

Higher-order gradients: with ``create_graph=True`` the backward pass records its own graph, so a
gradient can be differentiated again (``grad(grad(y, x, create_graph=True)[0].sum(), x)``).
"""

from __future__ import annotations

from .. import _tensor  # Tensor must exist before the engine and Function bind to it
from . import engine_general
from .custom_function import Function, once_differentiable
from .engine import backward as _backward
from .engine import general_needed, run_backward, seed_gradients, seed_tensors
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled


def backward(
    tensors,
    grad_tensors=None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    grad_variables=None,
    inputs=None,
) -> None:
    """``mytorch.autograd.backward``: backpropagate from several roots at once, as ``torch.autograd.backward``.

    Accumulates Σ_k J_kᵀ·grad_tensors[k] into the ``.grad`` of every leaf (or only of ``inputs``).
    ``retain_graph`` defaults to ``create_graph``; ``grad_variables`` is the old name of ``grad_tensors``.
    """
    if grad_variables is not None:
        if grad_tensors is not None:
            raise RuntimeError("backward: pass grad_tensors or grad_variables (its old name), not both")
        grad_tensors = grad_variables
    tensors = list(tensors) if isinstance(tensors, (list, tuple)) else [tensors]
    _backward(tensors, grad_tensors, retain_graph, create_graph, inputs)


_UNUSED = (
    "One of the differentiated Tensors appears to not have been used in the graph. Set allow_unused=True if "
    "this is the desired behavior."
)


def grad(
    outputs,
    inputs,
    grad_outputs=None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    only_inputs: bool = True,
    allow_unused: bool | None = None,
    is_grads_batched: bool = False,
    materialize_grads: bool = False,
) -> tuple:
    """The gradients Σ_k J_kᵀ·grad_outputs[k] of ``outputs`` with respect to each of ``inputs``, returned
    instead of stored in ``.grad`` (as ``torch.autograd.grad``).

    With ``create_graph=True`` the results are part of a graph themselves (higher-order gradients);
    ``retain_graph`` defaults to ``create_graph``. An input the outputs do not depend on raises
    unless ``allow_unused=True`` (then its gradient is None, or zeros with ``materialize_grads=True``).
    """
    from .._tensor import Tensor

    if materialize_grads and allow_unused is False:
        raise ValueError("Expected allow_unused to be True or not passed when materialize_grads=True, "
                         "but got: allow_unused=False.")
    if allow_unused is None:
        allow_unused = materialize_grads
    if is_grads_batched:
        raise NotImplementedError("grad: is_grads_batched=True (vmap over grad_outputs) is not supported by mytorch")
    del only_inputs  # deprecated in PyTorch and ignored there too
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    single = isinstance(inputs, Tensor)
    inputs = [inputs] if single else list(inputs)
    for t in inputs:
        if not isinstance(t, Tensor):
            raise TypeError(f"grad: inputs must be Tensors, got {type(t).__name__}")
        if not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    if retain_graph is None:
        retain_graph = create_graph
    if general_needed(create_graph):
        found = engine_general.run_general(outputs, seed_tensors(outputs, grad_outputs), retain_graph=retain_graph,
                                           create_graph=create_graph, targets=inputs, capture=True)
        result = [found.get(t._grad_fn or t) for t in inputs]
    else:
        arrays = run_backward(outputs, seed_gradients(outputs, grad_outputs), bool(retain_graph), inputs=inputs)
        result = [None if g is None else Tensor._make(g.copy() if g.base is not None or not g.flags.writeable
                                                      else g, False, None) for g in arrays]
    out = []
    for t, g in zip(inputs, result):
        if g is None:
            if not allow_unused:
                raise RuntimeError(_UNUSED)
            if materialize_grads:
                g = Tensor._make(_zeros_like(t._data), False, None)
        out.append(g)
    return tuple(out)


def _zeros_like(a):
    from .._backend import xp

    return xp.zeros_like(a)


from . import anomaly_mode, functional, graph  # noqa: E402
from .anomaly_mode import detect_anomaly, is_anomaly_enabled, set_detect_anomaly  # noqa: E402
from .gradcheck import GradcheckError, gradcheck, gradgradcheck  # noqa: E402

__all__ = [
    "Function", "GradcheckError", "backward", "detect_anomaly", "enable_grad", "grad", "gradcheck", "gradgradcheck",
    "inference_mode", "is_anomaly_enabled", "is_grad_enabled", "no_grad", "once_differentiable",
    "set_detect_anomaly", "set_grad_enabled",
]
