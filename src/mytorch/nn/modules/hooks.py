"""Module hooks, as PyTorch's: forward pre-hooks, forward hooks, full backward pre-hooks and hooks,
per module and global (``register_module_forward_hook`` ...).

``Module.__call__`` asks one question when no hook exists anywhere (``ACTIVE[0] == 0``) and then
calls ``forward`` directly; otherwise ``call_with_hooks`` runs, in PyTorch's order:

1. forward pre-hooks, global then the module's: ``hook(module, args)`` (or with ``with_kwargs=True``
   ``hook(module, args, kwargs)``) may return new args (or ``(args, kwargs)``);
2. with backward hooks, the tensor arguments pass through an identity node that will see their
   gradients (grad_input);
3. ``forward``; forward hooks, global then the module's: ``hook(module, args, output)`` (or
   ``hook(module, args, kwargs, output)``) may return a new output;
4. with backward hooks, the outputs pass through an identity node that sees their gradients
   (grad_output): backward pre-hooks ``hook(module, grad_output)`` may replace them, and once the
   gradients of the inputs are known, ``hook(module, grad_input, grad_output)`` may replace those.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...autograd.custom_function import Function
from ...autograd.hooks import RemovableHandle, _HookDict

# How many module hooks are registered anywhere (per module or global): 0 means __call__ = forward.
ACTIVE = [0]

_global_forward_pre_hooks: _HookDict = _HookDict()
_global_forward_hooks: _HookDict = _HookDict()
_global_backward_pre_hooks: _HookDict = _HookDict()
_global_backward_hooks: _HookDict = _HookDict()
_global_with_kwargs: set = set()


class _CountedHandle(RemovableHandle):
    """A handle that also keeps the count of live module hooks (so __call__'s fast path returns)."""

    def __init__(self, hooks_dict: dict, extra: set | None = None) -> None:
        super().__init__(hooks_dict)
        self._extra = extra
        self._live = True
        ACTIVE[0] += 1

    def remove(self) -> None:
        """Remove the hook (a second call does nothing)."""
        if self._live:
            self._live = False
            ACTIVE[0] -= 1
            if self._extra is not None:
                self._extra.discard(self.id)
        super().remove()


def _add(d: _HookDict, hook: Callable, prepend: bool, with_kwargs: bool = False, kw_set: set | None = None):
    if not callable(hook):
        raise TypeError(f"hook must be callable, got {type(hook).__name__}")
    handle = _CountedHandle(d, kw_set if with_kwargs else None)
    d[handle.id] = hook
    if prepend:
        d.move_to_end(handle.id, last=False)
    if with_kwargs and kw_set is not None:
        kw_set.add(handle.id)
    return handle


def module_dict(module, name: str):
    """The module's hook dict ``name`` (made on first use; kept out of the parameter registries)."""
    d = module.__dict__.get(name)
    if d is None:
        d = _HookDict() if name != "_forward_hooks_with_kwargs" and name != "_forward_pre_hooks_with_kwargs" \
            else set()
        object.__setattr__(module, name, d)
    return d


def register(module, kind: str, hook: Callable, prepend: bool = False, with_kwargs: bool = False):
    """Register a hook of ``kind`` ('forward_pre', 'forward', 'backward_pre', 'backward') on ``module``."""
    d = module_dict(module, f"_{kind}_hooks")
    kw = module_dict(module, f"_{kind}_hooks_with_kwargs") if kind in ("forward_pre", "forward") else None
    return _add(d, hook, prepend, with_kwargs, kw)


def register_module_forward_pre_hook(hook: Callable) -> RemovableHandle:
    """A forward pre-hook for every module: ``hook(module, args)`` before each ``forward``."""
    return _add(_global_forward_pre_hooks, hook, False)


def register_module_forward_hook(hook: Callable, *, with_kwargs: bool = False, always_call: bool = False):
    """A forward hook for every module: ``hook(module, args, output)`` after each ``forward``."""
    return _add(_global_forward_hooks, hook, False, with_kwargs, _global_with_kwargs)


def register_module_full_backward_pre_hook(hook: Callable) -> RemovableHandle:
    """A backward pre-hook for every module: ``hook(module, grad_output)``."""
    return _add(_global_backward_pre_hooks, hook, False)


def register_module_full_backward_hook(hook: Callable) -> RemovableHandle:
    """A backward hook for every module: ``hook(module, grad_input, grad_output)``."""
    return _add(_global_backward_hooks, hook, False)


def _items(glob: dict, own: dict | None) -> list:
    return [*glob.items(), *(own.items() if own else ())]


def call_with_hooks(module, args: tuple, kwargs: dict) -> Any:
    """``module(*args, **kwargs)`` with every hook that applies (see the module docstring)."""
    d = module.__dict__
    own_kw_pre = d.get("_forward_pre_hooks_with_kwargs", ())
    for hid, hook in _items(_global_forward_pre_hooks, d.get("_forward_pre_hooks")):
        if hid in own_kw_pre:
            res = hook(module, args, kwargs)
            if res is not None:
                if not (isinstance(res, tuple) and len(res) == 2):
                    raise RuntimeError(
                        "forward pre-hook must return None or a tuple of (new_args, new_kwargs), but got "
                        f"{res!r}."
                    )
                args, kwargs = res
        else:
            res = hook(module, args)
            if res is not None:
                args = res if isinstance(res, tuple) else (res,)
    back = _items(_global_backward_hooks, d.get("_backward_hooks"))
    back_pre = _items(_global_backward_pre_hooks, d.get("_backward_pre_hooks"))
    state = None
    if back or back_pre:
        state = _BackwardHookState(module, [h for _, h in back_pre], [h for _, h in back])
        args = state.wrap_inputs(args)
    result = module.forward(*args, **kwargs)
    own_kw = d.get("_forward_hooks_with_kwargs", ())
    for hid, hook in _items(_global_forward_hooks, d.get("_forward_hooks")):
        if hid in own_kw or hid in _global_with_kwargs:
            res = hook(module, args, kwargs, result)
        else:
            res = hook(module, args, result)
        if res is not None:
            result = res
    if state is not None:
        result = state.wrap_outputs(result)
    return result


class _BackwardHookState:
    """One call's full backward hooks: the gradients of its outputs, then of its tensor inputs."""

    def __init__(self, module, pre_hooks: list, hooks: list) -> None:
        self.module, self.pre_hooks, self.hooks = module, pre_hooks, hooks
        self.grad_outputs = None
        self.n_inputs = 0
        self.inputs_need_grad = False

    def wrap_inputs(self, args: tuple) -> tuple:
        from ..._tensor import Tensor

        where = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        self.n_inputs = len(where)
        need = [i for i in where if args[i].requires_grad]
        self.input_slots = [where.index(i) for i in need]
        self.inputs_need_grad = bool(need)
        if not need:
            return args
        outs = _HookIdentity.apply(self, "input", *[args[i] for i in need])
        args = list(args)
        for i, o in zip(need, outs):
            args[i] = o
        return tuple(args)

    def wrap_outputs(self, result):
        from ..._tensor import Tensor

        single = isinstance(result, Tensor)
        outs = (result,) if single else tuple(result) if isinstance(result, (tuple, list)) else None
        if outs is None:
            return result
        where = [i for i, o in enumerate(outs) if isinstance(o, Tensor) and o.requires_grad]
        self.n_outputs = len(outs)
        if not where:
            return result
        self.output_where = where
        wrapped = _HookIdentity.apply(self, "output", *[outs[i] for i in where])
        new = list(outs)
        for i, o in zip(where, wrapped):
            new[i] = o
        return new[0] if single else type(result)(new) if isinstance(result, tuple) else new

    def on_grad_output(self, grads: tuple) -> tuple:
        full = [None] * self.n_outputs
        for i, g in zip(self.output_where, grads):
            full[i] = g
        full = tuple(full)
        for hook in self.pre_hooks:
            res = hook(self.module, full)
            if res is not None:
                full = _as_grads(res, len(full), "backward pre hook")
        self.grad_outputs = full
        if not self.inputs_need_grad:
            if self.hooks:
                import warnings

                warnings.warn(
                    "Full backward hook is firing when gradients are computed with respect to module outputs since "
                    "no inputs require gradients. See the documentation of Module.register_full_backward_hook.",
                    UserWarning,
                    stacklevel=2,
                )
            grad_input = (None,) * self.n_inputs
            for hook in self.hooks:
                hook(self.module, grad_input, full)
        return tuple(full[i] for i in self.output_where)

    def on_grad_input(self, grads: tuple) -> tuple:
        full = [None] * self.n_inputs
        for slot, g in zip(self.input_slots, grads):
            full[slot] = g
        full = tuple(full)
        for hook in self.hooks:
            res = hook(self.module, full, self.grad_outputs)
            if res is not None:
                full = _as_grads(res, len(full), "backward hook")
        return tuple(full[slot] for slot in self.input_slots)


def _as_grads(res, n: int, what: str) -> tuple:
    res = tuple(res) if isinstance(res, (tuple, list)) else (res,)
    if len(res) != n:
        raise RuntimeError(f"{what} returned {len(res)} gradients where {n} were expected")
    return res


class _HookIdentity(Function):
    """Identity on a call's tensors, whose backward hands their gradients to the module's hooks."""

    @staticmethod
    def forward(ctx, state, kind, *tensors):
        ctx.state, ctx.kind = state, kind
        ctx.set_materialize_grads(False)
        return tuple(t.view_as(t) for t in tensors)

    @staticmethod
    def backward(ctx, *grads):
        if ctx.kind == "output":
            grads = ctx.state.on_grad_output(grads)
        else:
            grads = ctx.state.on_grad_input(grads)
        return (None, None, *grads)


__all__ = [
    "register_module_forward_hook", "register_module_forward_pre_hook", "register_module_full_backward_hook",
    "register_module_full_backward_pre_hook",
]
