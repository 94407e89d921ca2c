"""The general backward walk: gradients as Tensors, for ``create_graph``, hooks and anomaly mode.

``engine.run_backward`` (arrays, no hooks) is the walk every training step takes. This one runs
instead when a backward pass must do more, and it differs in four ways:

* Gradients travel as Tensors. With ``create_graph=True`` they are computed under grad mode by
  each op's ``backward_graph`` (see ``function.Function``), so the backward pass is itself a graph
  that can be differentiated again; otherwise each op's array ``backward`` runs and its results
  are wrapped.
* Tensor hooks run on the gradient of their tensor before it is used (and may replace it);
  ``retain_grad`` keeps a non-leaf gradient; post-accumulate hooks run after a leaf's ``.grad``
  is updated.
* With ``targets`` (``autograd.grad``, ``backward(inputs=...)``) only the part of the graph that
  leads to a target is walked, and a target's gradient is captured when it is complete.
* Under anomaly mode every gradient an op returns is checked for nan (see ``anomaly_mode``).
"""

from __future__ import annotations

from .._backend import ndarray, xp
from .function import Function, OutputGrads
from .grad_mode import set_grad_enabled
from .hooks import run_node_posthooks, run_node_prehooks


def _key(t):
    return t._grad_fn or t


def _prune(order: list, targets: set) -> tuple[list, set]:
    """The nodes of ``order`` that are targets or lead to one, and those whose backward must run.

    ``order`` lists each node before its parents, so walking it backwards sees parents first."""
    runs: set = set()
    for node in reversed(order):
        for p in node._parents:
            if p is not None and (p in targets or p in runs):
                runs.add(node)
                break
    kept = [n for n in order if n in runs or n in targets]
    return kept, runs


def graph_saved(node: Function) -> tuple:
    """``node.saved_tensors`` as Tensors linked into the graph, for ``backward_graph``.

    A saved array that is one of the node's inputs becomes that input: the leaf tensor itself, or a
    tensor whose ``grad_fn`` is the input's node. The saved output becomes a tensor of this node.
    Anything else (a derived array, a mask) is a constant."""
    saved = node.saved_tensors
    out = [Tensor._make(xp.asarray(s), False, None) if type(s) is ndarray or isinstance(s, xp.generic) else s
           for s in saved]
    parents = node._parents
    for rec in node._saved_versions:
        index, k = rec[2], rec[3]
        if not rec[4]:  # a view of an input or output, not the array itself: a constant
            continue
        if index < 0:
            out[k] = Tensor._make(saved[k], True, node)
            continue
        p = parents[index]
        if p is None:
            continue
        out[k] = p if isinstance(p, Tensor) else Tensor._make(saved[k], True, p)
    return tuple(out)


def _node_grads(node: Function, grad, create_graph: bool):
    """Run ``node``'s backward on Tensor ``grad``; return a tuple with one Tensor/None per input."""
    if create_graph:
        bg = getattr(node, "backward_graph", None)
        if bg is None:
            raise RuntimeError(
                f"{node._name()} has no differentiable backward (no backward_graph), so its gradient cannot be "
                "differentiated again: create_graph=True is not supported through this op"
            )
        if node._tensor_io:  # a user's Function: its saved tensors already are graph tensors
            result = bg(node, grad)
        else:
            kept = node.saved_tensors
            node.saved_tensors = graph_saved(node)
            try:
                result = bg(node, grad)
            finally:
                node.saved_tensors = kept
        if type(result) is not tuple:
            result = (result,)
        return tuple(_as_tensor(r) for r in result)
    result = node.backward(node, grad if type(grad) is OutputGrads else grad._data)
    if type(result) is not tuple:
        result = (result,)
    return tuple(_as_tensor(r) for r in result)


def _as_tensor(r):
    """A gradient as a Tensor (arrays and NumPy scalars are wrapped); None and OutputGrads pass."""
    if r is None or isinstance(r, Tensor) or type(r) is OutputGrads:
        return r
    return Tensor._make(xp.asarray(r), False, None)


def _check(node: Function, i: int, g, parent):
    if isinstance(parent, Function):
        shape, dtype = parent._shape, parent._dtype
        if shape is None:  # a node with several outputs: gradients arrive as OutputGrads
            return g
    else:
        shape, dtype = parent._data.shape, parent._data.dtype
    a = g._data
    if a.shape != shape or a.dtype != dtype:
        raise RuntimeError(
            f"{node._name()} returned a gradient of shape {a.shape} and dtype {a.dtype} for "
            f"input {i}, which has shape {shape} and dtype {dtype}"
        )
    return g


def run_general(
    roots, seeds, *, retain_graph: bool, create_graph: bool, targets=None, capture: bool = False
) -> dict | None:
    """Backpropagate Tensor ``seeds`` from ``roots``.

    ``targets`` (tensors): walk only what leads to them. With ``capture`` their gradients are
    returned ({key: Tensor}) and no ``.grad`` changes (``autograd.grad``); without, only they get
    their ``.grad`` accumulated (``backward(inputs=...)``). Without ``targets`` every leaf does.
    """
    from . import anomaly_mode

    anomaly = anomaly_mode.is_anomaly_enabled()
    pending: dict = {}
    starts = []
    for root, g in zip(roots, seeds):
        key = _key(root)
        pending[key] = pending[key] + g if key in pending else g
        if root._grad_fn is not None:
            starts.append(root._grad_fn)
    from .engine import _FREED, _modified, _topological_order

    order = _topological_order(starts)
    wanted = runs = None
    if targets is not None:
        wanted = {_key(t): t for t in targets}
        order, runs = _prune(order, set(wanted))
    captured: dict = {}

    with set_grad_enabled(create_graph):
        for node in order:
            grad = pending.pop(node, None)
            if grad is None:
                continue
            target = wanted is not None and node in wanted
            if target and capture:  # autograd.grad returns a non-leaf's gradient as it arrives (as torch)
                captured[node] = grad
            state = node._hooks
            if state is not None:
                grad = state.run(grad)
                if state.retain is not None and not target:
                    _retain(state, grad, create_graph)
            nhooks = node.__dict__.get("_node_hooks")
            if nhooks is not None:
                grad = run_node_prehooks(nhooks, grad)
            if target:
                if not capture:
                    _accumulate(wanted[node], grad, create_graph)
                if node not in runs:
                    continue
            if node._released:
                raise RuntimeError(_FREED)
            for rec in node._saved_versions:
                vc, version, index, k = rec[0], rec[1], rec[2], rec[3]
                if vc[0] != version:
                    raise RuntimeError(_modified(node, vc[0], version, index, node.saved_tensors[k]))
            grads_in = _node_grads(node, grad, create_graph)
            if nhooks is not None:
                grads_in = run_node_posthooks(nhooks, grads_in, grad)
            parents = node._parents
            if len(grads_in) != len(parents):
                raise RuntimeError(f"{node._name()} returned {len(grads_in)} gradients for {len(parents)} inputs")
            if anomaly:
                anomaly_mode.check_grads(node, grads_in)
            for i, (parent, g) in enumerate(zip(parents, grads_in)):
                if parent is None or g is None:
                    continue
                if runs is not None and parent not in runs and parent not in wanted:
                    continue
                g = _check(node, i, g, parent)
                pending[parent] = pending[parent] + g if parent in pending else g
            if not retain_graph:
                node._release_keeping_hooks()

        owned: set = set()
        for leaf, grad in pending.items():
            if isinstance(leaf, Function):
                continue
            if wanted is not None and leaf not in wanted:
                continue
            state = leaf._hooks if _has_slot(leaf) else None
            if state is not None:
                grad = state.run(grad)
            if capture:
                captured[leaf] = grad
                continue
            _accumulate(leaf, grad, create_graph, owned)
            if state is not None:
                for fn in list(state.post.values()):
                    fn(leaf)
    return captured if capture else None


def _has_slot(t) -> bool:
    try:
        t._hooks  # noqa: B018
    except AttributeError:
        return False
    return True


def _retain(state, grad, create_graph: bool) -> None:
    t = state.retain()
    if t is not None:
        _accumulate(t, grad, create_graph)


def _accumulate(t, grad, create_graph: bool, owned: set | None = None) -> None:
    """Add ``grad`` to ``t.grad``: out of place and graph-linked under create_graph, else in place."""
    if create_graph:
        if t._grad is None:
            a = grad._data
            if not grad._requires_grad and (a.base is not None or not a.flags.writeable):
                grad = Tensor._make(a.copy(), False, None)  # a .grad the user may write to owns its memory
            t._grad = grad
        else:
            t._grad = t._grad + grad
        return
    from .engine import _accumulate as add_array

    a = grad._data
    add_array(t, a.copy() if t._grad is None else a, set() if owned is None else owned)  # never adopt: it travels on

from .._tensor import Tensor  # noqa: E402
