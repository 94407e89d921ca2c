"""The backward pass: an iterative topological walk of the graph.

``backward(roots, grads)`` orders the nodes reachable from the roots (a depth-first post-order
with an explicit stack, so a 100 000-op chain does not hit Python's recursion limit), then visits
them from the roots down. Each node receives the sum of the gradients its consumers sent, calls
its ``backward``, checks every gradient against the shape and dtype of the input it belongs to,
and passes it on. Leaf tensors collect their gradients and add them to ``.grad`` at the end.
Unless ``retain_graph`` is set, each node frees what its forward saved as soon as it has run.

This walk moves NumPy arrays and knows nothing of hooks: it is the one every training step takes.
A backward pass that must record its own graph (``create_graph=True``), run hooks, or check for
anomalies goes through ``engine_general.run_general`` instead; ``backward`` below decides which,
with one look at the hook registry and the anomaly flag.
"""

from __future__ import annotations

from collections.abc import Sequence

from .._backend import ndarray, xp
from . import engine_general
from .function import Function, OutputGrads, _anomaly
from .hooks import HOOKED

_FREED = (
    "Trying to backward through the graph a second time (or directly access saved tensors after "
    "they have already been freed). Saved intermediate values of the graph are freed when you call "
    ".backward(). Specify retain_graph=True if you need to backward through the graph a second time."
)


def _modified(node: Function, now: int, then: int, index: int, saved) -> str:
    """PyTorch's message for a saved tensor written in place between forward and backward."""
    what = f"[mytorch.{saved.dtype} {list(saved.shape)}]"
    role = f"output 0 of {node._name()}" if index < 0 else f"input {index} saved by {node._name()}"
    return (
        f"one of the variables needed for gradient computation has been modified by an inplace operation: "
        f"{what}, which is {role}, is at version {now}; expected version {then} instead. Hint: it was changed "
        f"in place (an in-place method, an optimizer step, or a write through a view or .detach()) after the "
        f"forward pass used it; clone() it first or use the out-of-place form."
    )


def _topological_order(roots: Sequence[Function]) -> list[Function]:
    """Nodes reachable from ``roots``, each listed before every node it depends on."""
    order: list[Function] = []
    seen = set(roots)
    for root in roots:
        stack = [(root, iter(root._parents))]
        while stack:
            node, parents = stack[-1]
            for parent in parents:
                if isinstance(parent, Function) and parent not in seen:
                    seen.add(parent)
                    stack.append((parent, iter(parent._parents)))
                    break
            else:
                stack.pop()
                order.append(node)
    order.reverse()
    return order


def _checked(node: Function, i: int, grad, shape: tuple, dtype):
    """The gradient for input ``i`` of ``node`` as an array; raise if it does not match that input."""
    if shape is None and type(grad) is OutputGrads:  # sent to a node with several outputs
        return grad
    if isinstance(grad, xp.generic):  # a NumPy scalar from a full reduction: same value, as an array
        grad = xp.asarray(grad)
    if type(grad) is not ndarray:
        raise TypeError(f"{node._name()} returned a {type(grad).__name__} as gradient {i}, not an array")
    if grad.shape != shape or grad.dtype != dtype:
        raise RuntimeError(
            f"{node._name()} returned a gradient of shape {grad.shape} and dtype {grad.dtype} for "
            f"input {i}, which has shape {shape} and dtype {dtype}"
        )
    return grad


def run_backward(roots: Sequence, grads: Sequence, retain_graph: bool = False, inputs=None) -> list | None:
    """Backpropagate ``grads`` (arrays) from ``roots`` (tensors).

    Without ``inputs`` the gradients are accumulated into the ``.grad`` of every leaf that
    requires grad. With ``inputs`` (tensors), their gradients are returned instead and no
    ``.grad`` is touched (that is ``mytorch.autograd.grad``).
    """
    pending: dict = {}  # node or leaf tensor -> gradient summed so far
    nodes = []
    for root, grad in zip(roots, grads):
        key = root._grad_fn or root
        pending[key] = pending[key] + grad if key in pending else grad
        if root._grad_fn is not None:
            nodes.append(root._grad_fn)

    wanted = None
    if inputs is not None:
        wanted = {t._grad_fn or t: t for t in inputs}
        captured: dict = {}

    for node in _topological_order(nodes):
        grad = pending.pop(node, None)
        if grad is None:  # no gradient reached this node (every path to it was None)
            continue
        if wanted is not None and node in wanted:
            captured[node] = grad
        if node._released:
            raise RuntimeError(_FREED)
        for vc, version, index, k, _ in node._saved_versions:
            if vc[0] != version:
                raise RuntimeError(_modified(node, vc[0], version, index, node.saved_tensors[k]))
        grads_in = node.backward(node, grad)
        if type(grads_in) is not tuple:
            grads_in = (grads_in,)
        parents = node._parents
        if len(grads_in) != len(parents):
            raise RuntimeError(
                f"{node._name()} returned {len(grads_in)} gradients for {len(parents)} inputs"
            )
        for i, (parent, g) in enumerate(zip(parents, grads_in)):
            if parent is None or g is None:
                continue
            if isinstance(parent, Function):
                shape, dtype = parent._shape, parent._dtype
            else:
                shape, dtype = parent._data.shape, parent._data.dtype
            if type(g) is not ndarray or g.shape != shape or g.dtype != dtype:
                g = _checked(node, i, g, shape, dtype)
            pending[parent] = pending[parent] + g if parent in pending else g
        if not retain_graph:
            node._release()

    if wanted is not None:
        captured.update((k, v) for k, v in pending.items() if k in wanted)
        return [captured.get(key) for key in wanted]

    owned: set = set()
    for leaf, grad in pending.items():
        if not isinstance(leaf, Function):
            _accumulate(leaf, grad, owned)
    return None


def _accumulate(leaf, grad, owned: set) -> None:
    """Add ``grad`` to ``leaf.grad``. A new ``.grad`` must own its memory: users mutate it."""
    if leaf._grad is None:
        if grad.base is not None or not grad.flags.writeable or id(grad) in owned:
            grad = grad.copy()
        owned.add(id(grad))
        leaf._grad = Tensor._make(grad, False, None)
    else:
        xp.add(leaf._grad._data, grad, out=leaf._grad._data)


def general_needed(create_graph: bool) -> bool:
    """Whether a backward pass must take the general walk: a graph to record, hooks, anomaly mode."""
    return create_graph or bool(HOOKED) or _anomaly[0]


def backward(tensors: Sequence, grad_tensors=None, retain_graph=None, create_graph: bool = False,
             inputs=None) -> None:
    """Accumulate the gradients of ``tensors`` into the ``.grad`` of the leaves (or of ``inputs``)."""
    if retain_graph is None:
        retain_graph = create_graph
    if inputs is not None:
        inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
        if not inputs:
            raise RuntimeError("backward: inputs= was given as an empty sequence; pass the tensors to accumulate into")
        for i, t in enumerate(inputs):
            if not t.requires_grad:
                raise RuntimeError(f"backward: input {i} passed in inputs= does not require grad")
    if not general_needed(create_graph) and inputs is None:
        run_backward(tensors, seed_gradients(tensors, grad_tensors), bool(retain_graph))
        return
    engine_general.run_general(tensors, seed_tensors(tensors, grad_tensors), retain_graph=bool(retain_graph),
                               create_graph=create_graph, targets=inputs)


def seed_tensors(outputs: Sequence, grad_outputs) -> list:
    """The starting gradients as Tensors; a given gradient keeps its graph (for create_graph)."""
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif not isinstance(grad_outputs, (list, tuple)):
        grad_outputs = [grad_outputs]
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(f"grad can be implicitly created only for scalar outputs; got {len(grad_outputs)} "
                           f"gradients for {len(outputs)} outputs")
    seeds = []
    for k, (o, g) in enumerate(zip(outputs, grad_outputs)):
        if not o.requires_grad:
            raise RuntimeError(f"element {k} of tensors does not require grad and does not have a grad_fn")
        if isinstance(g, Tensor):
            if g.shape != o.shape:
                raise RuntimeError(f"Mismatch in shape: grad_output[{k}] has a shape of {g.shape} and output[{k}] "
                                   f"has a shape of {o.shape}.")
            seeds.append(g if g._data.dtype == o._data.dtype else g.to(o.dtype))
        else:
            seeds.append(Tensor._make(seed_gradients([o], [g])[0], False, None))
    return seeds


def seed_gradients(outputs: Sequence, grad_outputs) -> list:
    """The starting gradients of a backward pass: 1 for one-element outputs, else the given ones."""
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif not isinstance(grad_outputs, (list, tuple)):
        grad_outputs = [grad_outputs]
    seeds = []
    for k, (o, g) in enumerate(zip(outputs, grad_outputs)):
        if not o._requires_grad:
            raise RuntimeError(f"element {k} of tensors does not require grad and does not have a grad_fn")
        data = o._data  # the array's size, dtype and shape: this runs once per backward() (no Size, no dtype wrapper)
        if g is None:
            if data.size != 1:
                raise RuntimeError(
                    f"grad can be implicitly created only for scalar outputs; output {k} has shape "
                    f"{tuple(o.shape)}, so pass a gradient of that shape"
                )
            seeds.append(xp.ones_like(data))
        else:
            arr = xp.array(g._data if isinstance(g, Tensor) else g, dtype=data.dtype, copy=True)
            if arr.shape != data.shape:
                raise RuntimeError(f"Mismatch in shape: grad_output[{k}] has shape {arr.shape}, output {o.shape}")
            seeds.append(arr)
    return seeds


from .._tensor import Tensor  # noqa: E402  (circular: Tensor.backward calls this module)
