"""The backward graph as objects (``Node``) and as a picture (``make_dot``, torchviz's function).

``make_dot(y, params=dict(model.named_parameters()))`` walks ``y.grad_fn.next_functions`` from
the output down to the leaves and draws, as torchviz does: each op node by its ``grad_fn`` name
(``AddmmBackward0``), each leaf that requires grad as a blue box with its name (from ``params``)
and shape, each output as a green box with its shape. With the ``graphviz`` package installed it
returns a ``graphviz.Digraph`` (``.render()``, ``.source``, shown inline by Jupyter); without it,
an object with the same ``.source`` (the DOT text). ``import mytorch.autograd.graph as torchviz``
therefore serves scripts written for torchviz.
"""

from __future__ import annotations

from .function import AccumulateGrad, Node

__all__ = ["Node", "make_dot"]

_NODE_ATTR = dict(style="filled", shape="box", align="left", fontsize="10", ranksep="0.1", height="0.2",
                  fontname="monospace")


def _size(shape) -> str:
    return "(" + ", ".join(str(int(s)) for s in shape) + ")"


class DotSource:
    """The DOT text of a graph, for when the ``graphviz`` package is missing: ``.source`` as Digraph's."""

    def __init__(self, name: str | None = None, node_attr: dict | None = None, graph_attr: dict | None = None) -> None:
        self.name = name
        self.node_attr = dict(node_attr or {})
        self.graph_attr = dict(graph_attr or {})
        self.body: list[str] = []

    @staticmethod
    def _attrs(attrs: dict) -> str:
        if not attrs:
            return ""
        return " [" + " ".join(f'{k}="{_escape(str(v))}"' for k, v in attrs.items()) + "]"

    def node(self, name: str, label: str | None = None, **attrs) -> None:
        """Add a node (graphviz's signature)."""
        if label is not None:
            attrs = {"label": label, **attrs}
        self.body.append(f"\t{name}{self._attrs(attrs)}")

    def edge(self, tail: str, head: str, **attrs) -> None:
        """Add an edge tail -> head."""
        self.body.append(f"\t{tail} -> {head}{self._attrs(attrs)}")

    def attr(self, kw: str | None = None, **attrs) -> None:
        """Set graph attributes (``attr(size=...)``)."""
        self.graph_attr.update(attrs)

    @property
    def source(self) -> str:
        """The DOT text."""
        lines = ["digraph {" if self.name is None else f"digraph {self.name} {{"]
        if self.graph_attr:
            lines.append("\tgraph" + self._attrs(self.graph_attr))
        if self.node_attr:
            lines.append("\tnode" + self._attrs(self.node_attr))
        lines += self.body
        lines.append("}")
        return "\n".join(lines) + "\n"

    def __str__(self) -> str:
        return self.source


def _escape(s: str) -> str:
    return s.replace("\\", "\\\\").replace('"', '\\"')


def _digraph():
    try:
        from graphviz import Digraph
    except ImportError:
        return DotSource(node_attr=_NODE_ATTR, graph_attr=dict(size="12,12"))
    return Digraph(node_attr=_NODE_ATTR, graph_attr=dict(size="12,12"))


def _attrs_table(fn, max_attr_chars: int) -> list[str]:
    """``show_attrs``: what forward left on the ctx (shapes, axes, flags), one ``name: value`` line each."""
    lines = []
    for k, v in sorted(vars(fn).items()):
        if k.startswith("_") or k in ("saved_tensors", "needs_input_grad"):
            continue
        text = repr(v) if not hasattr(v, "shape") else f"array{_size(v.shape)}"
        if len(text) > max_attr_chars:
            text = text[: max_attr_chars - 3] + "..."
        lines.append(f"{k}: {text}")
    return lines


def make_dot(var, params: dict | None = None, show_attrs: bool = False, show_saved: bool = False,
             max_attr_chars: int = 50):
    """Draw the backward graph of ``var`` (a Tensor or a tuple of them), as ``torchviz.make_dot``.

    ``params`` maps names to tensors (``dict(model.named_parameters())``) so leaves are labelled by
    name; ``show_attrs`` adds each node's ctx attributes and ``show_saved`` its saved arrays (with
    their shapes). Returns a ``graphviz.Digraph``, or a ``DotSource`` when graphviz is not installed.
    """
    from .._tensor import Tensor

    names = {id(v): k for k, v in (params or {}).items()}
    dot = _digraph()
    seen: set = set()
    outs = (var,) if isinstance(var, Tensor) else tuple(var)

    def leaf_label(t) -> str:
        name = names.get(id(t), "")
        return f"{name}\n {_size(t.shape)}" if name else _size(t.shape)

    def add(fn) -> None:
        stack = [fn]
        while stack:
            fn = stack.pop()
            if fn is None or id(fn) in seen:
                continue
            seen.add(id(fn))
            if isinstance(fn, AccumulateGrad):
                v = fn.variable
                dot.node(str(id(fn)), leaf_label(v) if v is not None else "AccumulateGrad", fillcolor="lightblue")
                continue
            label = fn.name()
            if show_attrs:
                label += "\n" + "\n".join(_attrs_table(fn, max_attr_chars))
            dot.node(str(id(fn)), label)
            if show_saved:
                for k, s in enumerate(fn.__dict__.get("saved_tensors", ()) or ()):
                    if hasattr(s, "shape"):
                        sid = f"{id(fn)}_saved{k}"
                        dot.node(sid, f"saved {k}\n{_size(s.shape)}", fillcolor="orange")
                        dot.edge(sid, str(id(fn)), dir="none")
            for parent, _ in fn.next_functions:
                if parent is not None:
                    dot.edge(str(id(parent)), str(id(fn)))
                    stack.append(parent)

    for t in outs:
        dot.node(str(id(t)), _size(t.shape), fillcolor="darkolivegreen1")
        fn = t.grad_fn
        if fn is not None:
            add(fn)
            dot.edge(str(id(fn)), str(id(t)))
        elif t.requires_grad:
            dot.node(str(id(t)), leaf_label(t), fillcolor="lightblue")
    _resize(dot)
    return dot


def _resize(dot, size_per_element: float = 0.15, min_size: int = 12) -> None:
    """Scale the picture with the number of nodes (as torchviz does)."""
    n = len(dot.body)
    size = max(min_size, size_per_element * n)
    dot.graph_attr.update(size=f"{size},{size}")
