"""``add_graph``: one forward of a model, recorded by mytorch's autograd, written as a TensorBoard ``GraphDef``.

mytorch has no tracer; the graph of a forward *is* its autograd graph. The model runs once with
its inputs made leaves that require grad; the output's ``grad_fn`` nodes, walked back to the
leaves through the inputs each node recorded, are the op nodes, the parameters and inputs are the
graph's sources. To group the nodes by
module as TensorBoard's graph view does (``Net/Linear[fc1]/...``), each submodule's ``forward`` is
wrapped for the duration of the call: when a module returns, every node reachable from its output
that is not yet claimed and did not exist when the module was entered belongs to that module
(inner modules return first, so they claim their nodes before their parents do).
"""

from __future__ import annotations

from typing import Any

from tensorboard.compat.proto.attr_value_pb2 import AttrValue
from tensorboard.compat.proto.config_pb2 import RunMetadata
from tensorboard.compat.proto.graph_pb2 import GraphDef
from tensorboard.compat.proto.node_def_pb2 import NodeDef
from tensorboard.compat.proto.step_stats_pb2 import DeviceStepStats, StepStats
from tensorboard.compat.proto.tensor_shape_pb2 import TensorShapeProto
from tensorboard.compat.proto.versions_pb2 import VersionDef


def _tensors(obj: Any) -> list:
    """The tensors in a (nested) tuple/list/dict of outputs, in order."""
    from ..._tensor import Tensor

    if isinstance(obj, Tensor):
        return [obj]
    if isinstance(obj, (list, tuple)):
        return [t for o in obj for t in _tensors(o)]
    if isinstance(obj, dict):
        return [t for o in obj.values() for t in _tensors(o)]
    return []


def _inputs(node: Any) -> list:
    """A node's inputs as the engine records them: parent nodes and leaf tensors (None where no gradient flows).

    One output of a node with several outputs is reached through an edge node; the graph shows
    the node itself.
    """
    out = []
    for p in node.__dict__.get("_parents", ()):
        owner = p.__dict__.get("_owner") if p is not None and hasattr(p, "__dict__") else None
        out.append(owner if owner is not None else p)
    return out


def _reachable(roots: list, stop: set) -> list:
    """Autograd nodes reachable from ``roots`` (nodes), not entering ids in ``stop``; iterative DFS."""
    from ..._tensor import Tensor

    seen: set[int] = set()
    order = []
    stack = [r for r in roots if r is not None and not isinstance(r, Tensor)]
    while stack:
        node = stack.pop()
        if id(node) in seen or id(node) in stop:
            continue
        seen.add(id(node))
        order.append(node)
        for p in _inputs(node):
            if p is not None and not isinstance(p, Tensor):
                stack.append(p)
    return order


def _roots(tensors: list) -> list:
    roots = []
    for t in tensors:
        node = t.grad_fn
        if node is not None:
            owner = node.__dict__.get("_owner")
            roots.append(owner if owner is not None else node)
    return roots


class _ScopeRecorder:
    """Wraps each submodule's ``forward`` so the nodes it creates get its scope name."""

    def __init__(self, model: Any) -> None:
        self.scope: dict[int, str] = {}
        self.keep: list = []  # holds claimed nodes so their ids stay unique for the whole record
        self.patched: list = []
        root = type(model).__name__
        self.root_scope = root
        scopes = {"": root}
        for name, module in model.named_modules():
            if name:
                parent, _, last = name.rpartition(".")
                scopes[name] = f"{scopes[parent]}/{type(module).__name__}[{last}]"
            self._patch(module, scopes[name])
        self.param_scope = scopes

    def _patch(self, module: Any, scope: str) -> None:
        had = "forward" in module.__dict__
        original = module.__dict__.get("forward", None)
        bound = module.forward

        def forward(*args: Any, **kwargs: Any) -> Any:
            before = {id(n) for n in _reachable(_roots(_tensors((args, kwargs))), set())}
            out = bound(*args, **kwargs)
            for node in _reachable(_roots(_tensors(out)), before | set(self.scope)):
                self.scope[id(node)] = scope
                self.keep.append(node)
            return out

        module.__dict__["forward"] = forward
        self.patched.append((module, had, original))

    def restore(self) -> None:
        for module, had, original in self.patched:
            if had:
                module.__dict__["forward"] = original
            else:
                module.__dict__.pop("forward", None)


def _shape_attr(shape: tuple) -> AttrValue:
    dims = [TensorShapeProto.Dim(size=int(d)) for d in shape]
    return AttrValue(list=AttrValue.ListValue(shape=[TensorShapeProto(dim=dims)]))


def _node(name: str, op: str, inputs: list[str], shape: tuple | None, note: str) -> NodeDef:
    attr = {"attr": AttrValue(s=note.encode("utf-8"))}
    if shape is not None:
        attr["_output_shapes"] = _shape_attr(shape)
    return NodeDef(name=name, op=op, input=inputs, attr=attr)


def build_graph(model: Any, input_to_model: Any = None, verbose: bool = False) -> tuple[GraphDef, RunMetadata]:
    """Run ``model`` once on ``input_to_model`` and return its autograd graph as (GraphDef, RunMetadata).

    Node names are ``scope/OpName_k``; op types are mytorch's op (Function) names; every node
    carries its output shape (``_output_shapes``). Inputs are ``input/input.i`` and outputs
    ``output/output.i`` ("IO Node"), parameters ``scope/name`` ("Parameter").
    """
    from ..._tensor import Tensor
    from ...autograd.grad_mode import enable_grad

    if input_to_model is None:
        inputs: tuple = ()
    elif isinstance(input_to_model, (list, tuple)):
        inputs = tuple(input_to_model)
    else:
        inputs = (input_to_model,)
    leaves = []
    for x in inputs:
        if isinstance(x, Tensor) and x.is_floating_point():
            x = x.detach().requires_grad_(True)
        leaves.append(x)
    recorder = _ScopeRecorder(model)
    try:
        with enable_grad():
            out = model(*leaves)
    finally:
        recorder.restore()

    names: dict[int, str] = {}
    nodes: list[NodeDef] = []
    for i, x in enumerate(leaves):
        if isinstance(x, Tensor):
            names[id(x)] = f"input/input.{i}"
            nodes.append(_node(names[id(x)], "IO Node", [], tuple(x.shape), f"input {i}, dtype {x.dtype}"))
    for qual, p in model.named_parameters():
        owner, _, short = qual.rpartition(".")
        names[id(p)] = f"{recorder.param_scope.get(owner, recorder.root_scope)}/{short}"
        nodes.append(_node(names[id(p)], "Parameter", [], tuple(p.shape), f"parameter {qual}, dtype {p.dtype}"))
    outputs = _tensors(out)
    # Parents before children: reverse the DFS post-order of the graph from the outputs.
    order = _postorder(_roots(outputs))
    counts: dict[str, int] = {}
    others = 0
    for node in order:
        op = type(node).__name__
        scope = recorder.scope.get(id(node), recorder.root_scope)
        key = f"{scope}/{op}"
        k = counts.get(key, 0)
        counts[key] = k + 1
        names[id(node)] = f"{key}_{k}"
    for node in order:
        ins = []
        for p in _inputs(node):
            if p is None:
                continue
            if id(p) not in names:  # a leaf that is neither an input nor a parameter of the model
                names[id(p)] = f"{recorder.root_scope}/tensor.{others}"
                others += 1
                nodes.append(_node(names[id(p)], "Tensor", [], tuple(p.shape), "leaf tensor"))
            ins.append(names[id(p)])
        shape = tuple(node._shape) if hasattr(node, "_shape") else None
        nodes.append(_node(names[id(node)], type(node).__name__, ins, shape, f"grad_fn {node.name()}"))
    for i, t in enumerate(outputs):
        src = _roots([t])[0] if t.grad_fn is not None else t
        ins = [names[id(src)]] if id(src) in names else []
        nodes.append(_node(f"output/output.{i}", "IO Node", ins, tuple(t.shape), f"output {i}, dtype {t.dtype}"))
    if verbose:
        for n in nodes:
            print(f"{n.name} = {n.op}({', '.join(n.input)})")
    stats = RunMetadata(step_stats=StepStats(dev_stats=[DeviceStepStats(device="/device:CPU:0")]))
    return GraphDef(node=nodes, versions=VersionDef(producer=22)), stats


def _postorder(roots: list) -> list:
    """Nodes reachable from ``roots`` with every node after all of its parents (iterative)."""
    from ..._tensor import Tensor

    done: set[int] = set()
    order = []
    for root in roots:
        if id(root) in done:
            continue
        stack = [(root, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
                continue
            if id(node) in done:
                continue
            done.add(id(node))
            stack.append((node, True))
            for p in _inputs(node):
                if p is not None and not isinstance(p, Tensor) and id(p) not in done:
                    stack.append((p, False))
    return order
