"""Tensor hooks: where they are kept, how they run, and the handles that remove them.

A hook on a tensor is kept by the object whose gradient it sees: a leaf tensor keeps its own
(``Tensor._hooks``); a non-leaf tensor's hooks live on its ``grad_fn`` node, because the gradient
that node receives *is* the tensor's gradient (every node has one output; see ``engine``).

Cost when nobody uses hooks: the engine asks one question per backward call -- is ``HOOKED``
(the owners that hold a hook right now) empty? -- and only then takes the general walk
(``engine_general``). A hook whose tensor is gone leaves the set by itself (weak references).
"""

from __future__ import annotations

import itertools
import weakref
from collections import OrderedDict
from collections.abc import Callable


class _Owners:
    """The objects holding a hook, by identity, weakly (a ``WeakSet`` would compare tensors with ``==``,
    which is elementwise for tensors)."""

    def __init__(self) -> None:
        self._refs: dict = {}

    def add(self, obj) -> None:
        key = id(obj)
        if key not in self._refs:
            self._refs[key] = weakref.ref(obj, lambda _r, k=key: self._refs.pop(k, None))

    def discard(self, obj) -> None:
        self._refs.pop(id(obj), None)

    def __bool__(self) -> bool:
        return bool(self._refs)

    def __len__(self) -> int:
        return len(self._refs)


# Owners (leaf tensors and graph nodes) that hold at least one hook or retain their gradient.
HOOKED = _Owners()
_ids = itertools.count()


class RemovableHandle:
    """A handle returned by every ``register_*hook``: ``handle.remove()`` takes the hook out again.

    Also a context manager (the hook is removed on exit), as ``torch.utils.hooks.RemovableHandle``.
    """

    def __init__(self, hooks_dict: dict, owner=None) -> None:
        self.id = next(_ids)
        self._dict_ref = weakref.ref(hooks_dict) if _weakrefable(hooks_dict) else (lambda d=hooks_dict: d)
        self._owner = None if owner is None else weakref.ref(owner)

    def remove(self) -> None:
        """Remove the hook (a second call does nothing)."""
        d = self._dict_ref()
        if d is not None:
            d.pop(self.id, None)
        owner = None if self._owner is None else self._owner()
        if owner is not None:
            state = getattr(owner, "_hooks", None)
            if state is not None and state.empty():
                HOOKED.discard(owner)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


class _HookDict(OrderedDict):
    """An ordered dict that a weak reference can point at (plain dicts cannot be weakly referenced)."""


def _weakrefable(d) -> bool:
    try:
        weakref.ref(d)
    except TypeError:
        return False
    return True


class TensorHooks:
    """The hooks of one tensor: gradient hooks (in registration order), post-accumulate hooks, and
    whether a non-leaf tensor keeps its ``.grad`` (``retain_grad``, then a weak reference to it)."""

    __slots__ = ("pre", "post", "retain", "__weakref__")

    def __init__(self) -> None:
        self.pre: _HookDict = _HookDict()
        self.post: _HookDict = _HookDict()
        self.retain = None

    def empty(self) -> bool:
        return not self.pre and not self.post and self.retain is None

    def run(self, grad):
        """Each hook sees the gradient so far; one that returns a tensor replaces it."""
        for fn in list(self.pre.values()):
            out = fn(grad)
            if out is not None:
                grad = _check_replacement(out, grad)
        return grad


def _check_replacement(new, old):
    from .._tensor import Tensor

    if not isinstance(new, Tensor):
        raise TypeError(f"a tensor hook returned a {type(new).__name__}; it must return a Tensor or None")
    if new.shape != old.shape:
        raise RuntimeError(
            f"hook 'hook' has changed the size of value: a hook returned a gradient of shape {tuple(new.shape)} "
            f"for a tensor of shape {tuple(old.shape)}"
        )
    return new


def hooks_of(owner, create: bool = False) -> TensorHooks | None:
    """The ``TensorHooks`` kept by a leaf tensor or a node (made on first use when ``create``)."""
    state = getattr(owner, "_hooks", None)
    if state is None and create:
        state = TensorHooks()
        owner._hooks = state
        HOOKED.add(owner)
    return state


def register(owner, fn: Callable, post: bool = False) -> RemovableHandle:
    """Add ``fn`` to ``owner``'s gradient hooks (or post-accumulate hooks); return its handle."""
    state = hooks_of(owner, create=True)
    HOOKED.add(owner)
    d = state.post if post else state.pre
    handle = RemovableHandle(d, owner)
    d[handle.id] = fn
    return handle


class NodeHooks:
    """The hooks registered on a node itself (``grad_fn.register_prehook`` / ``register_hook``)."""

    __slots__ = ("pre", "post", "__weakref__")

    def __init__(self) -> None:
        self.pre: _HookDict = _HookDict()
        self.post: _HookDict = _HookDict()

    def empty(self) -> bool:
        return not self.pre and not self.post


def register_node_hook(node, fn: Callable, pre: bool) -> RemovableHandle:
    """Add a pre-hook ``fn(grad_outputs)`` or hook ``fn(grad_inputs, grad_outputs)`` to ``node``."""
    state = node.__dict__.get("_node_hooks")
    if state is None:
        state = node._node_hooks = NodeHooks()
    HOOKED.add(node)
    d = state.pre if pre else state.post
    handle = RemovableHandle(d)
    d[handle.id] = fn
    return handle


def run_node_prehooks(state: NodeHooks, grad):
    """Node pre-hooks see ``(grad_output,)``; a returned tuple replaces it."""
    for fn in list(state.pre.values()):
        out = fn((grad,))
        if out is not None:
            grad = _check_replacement(out[0], grad)
    return grad


def run_node_posthooks(state: NodeHooks, grads_in: tuple, grad) -> tuple:
    """Node hooks see ``(grad_inputs, (grad_output,))``; a returned tuple replaces the grad_inputs."""
    for fn in list(state.post.values()):
        out = fn(grads_in, (grad,))
        if out is not None:
            out = tuple(out)
            if len(out) != len(grads_in):
                raise RuntimeError(
                    f"hook returned {len(out)} gradients, but the node has {len(grads_in)} inputs"
                )
            grads_in = out
    return grads_in
