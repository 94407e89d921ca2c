"""``Optimizer``: the base class of every algorithm in ``mytorch.optim``.

The contract is PyTorch's (REFERENCE-SEMANTICS §0 and §2): ``param_groups`` filled from
``defaults``; per-parameter ``state`` created lazily on the first step in which the parameter
has a gradient; parameters whose ``.grad`` is None skipped entirely; an index-mapped
``state_dict()``; ``zero_grad(set_to_none=True)``.

The implementation is MLX's: a subclass writes only ``_init_state`` (fill a new parameter's
state) and ``_update`` (unpack the group's hyper-parameters and call a pure per-parameter
kernel of ``optim/_functional.py`` such as ``adam(param, grad, exp_avg, ..., *, lr, beta1, ...)``,
which needle's optimizers call too). Those functions update the parameter's array in place with
NumPy ``out=`` and never touch ``.grad``.

Speed: an optimizer step is a dozen elementwise passes over memory-sized arrays. The pure
functions walk each parameter in blocks of ``_BLOCK`` elements (``_for_blocks``), so that
all passes over one block run while it sits in the L2 cache: each array is read from and written
to main memory once per step, and the scratch buffers are block-sized instead of
parameter-sized. The blocks are shared among a few threads.
"""

from __future__ import annotations

import abc
import copy
import os
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any

from .._backend import ndarray, xp
from .._dtype import get_default_dtype
from .._tensor import Tensor
from .._threads import get_num_threads
from ..autograd.grad_mode import enable_grad
from ._packed import Pack, packable

ParamsT = Iterable[Tensor] | Iterable[dict[str, Any]] | Iterable[tuple[str, Tensor]]

# 64 Ki elements: with four operands and a scratch buffer a float32 block is about 1.3 MiB, which
# stays in a 2 MiB L2 cache; smaller blocks pay more Python overhead per NumPy call (measured on W1).
_BLOCK = 1 << 16
# A parameter of up to two blocks is updated in one piece: its arrays stay in the last-level cache anyway, and a
# second block only repeats the dozen NumPy calls (measured on W3's 100x784 weight: one piece ~180 µs a step against
# ~250-380 µs in blocks of 65 536 + 12 864, on a loaded 2-core machine).
_WHOLE_LIMIT = 2 * _BLOCK

_SET_ERROR = (
    "optimizer parameters need to be organized in ordered collections, but the ordering of tensors in sets will "
    "change between runs. Please use a list instead."
)

# 0-d bookkeeping state: a float32 tensor as in torch, never cast to the parameter's dtype.
_SCALAR_STATE = ("step", "mu_product")


class Optimizer(abc.ABC):
    """Base class for optimizers (``torch.optim.Optimizer``).

    Args:
        params: an iterable of tensors, of ``(name, tensor)`` pairs, or of dicts that define
            parameter groups (``{"params": [...], "lr": 0.1}``).
        defaults: the hyper-parameters a group gets when it does not set them.
    """

    def __init__(self, params: ParamsT, defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or dicts, but got "
                + type(params).__name__
            )
        if isinstance(params, (set, frozenset)):  # torch only refuses sets inside a group; same hazard here
            raise TypeError(_SET_ERROR)
        param_groups = list(params)
        if not param_groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    def __repr__(self) -> str:
        lines = [type(self).__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines.extend(f"    {key}: {group[key]}" for key in sorted(group) if key not in ("params", "param_names"))
        return "\n".join(lines) + "\n)"

    # ------------------------------------------------------------------ groups
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Append a parameter group; its missing hyper-parameters are taken from ``defaults``."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError(_SET_ERROR)
        params = list(params)
        names = [p[0] for p in params if isinstance(p, tuple)]
        if names:
            if len(names) != len(params):
                raise ValueError("all optimizer params should be with/without names. Some param names are missing")
            param_group["param_names"] = names
            params = [p[1] for p in params]
        param_group["params"] = params
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is " + type(p).__name__)
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            param_group.setdefault(name, default)
        if len({id(p) for p in params}) != len(params):
            warnings.warn(
                "optimizer contains a parameter group with duplicate parameters; in future, this will cause an "
                "error; see github.com/pytorch/pytorch/issues/40967 for more information",
                stacklevel=3,
            )
        seen = {id(p) for group in self.param_groups for p in group["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        _check_implementation_flags(type(self).__name__, param_group)
        self.param_groups.append(param_group)

    # ------------------------------------------------------------------ stepping
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Set every parameter's ``.grad`` to None (default), or zero it in place."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    if set_to_none:
                        p.grad = None
                    else:
                        p.grad.detach_().zero_()

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; returns ``closure()`` when one is given.

        ``closure`` re-evaluates the model (zero_grad, forward, backward) and returns the loss; it
        runs with grad mode enabled before the update.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        packs = self.__dict__.setdefault("_packs", {})
        for index, group in enumerate(self.param_groups):
            # foreach=False asks for the one-parameter-at-a-time loop; None (the default), True and fused=True take
            # the packed path. The arithmetic is elementwise, so both give the same bits.
            use_packs = group.get("foreach") is not False or bool(group.get("fused"))
            small = []
            for p in group["params"]:
                grad = p.grad
                if grad is None:  # §0: no state, no step count, no weight decay
                    continue
                if use_packs and packable(p, grad):
                    small.append(p)
                else:
                    self._step_one(p, grad, group)
            if len(small) > 1:  # many small parameters: one update on flat arrays (see _packed.py)
                pack = packs.get(index)
                if pack is None or not pack.fits(small, self):
                    pack = packs[index] = Pack(self, group, small, _SCALAR_STATE)
                if pack.params:
                    pack.step(self, group)
                small = pack.rest
            for p in small:
                self._step_one(p, p.grad, group)
        self._opt_called = True  # read by the LR schedulers' "step order" warning
        return loss

    def _step_one(self, p: Tensor, grad: Tensor, group: dict[str, Any]) -> None:
        """Update one parameter with its own state."""
        state = self.state.get(p)  # .get: a parameter without state must not get an empty entry
        if state is None:
            state = {}
        if not state:
            self._init_state(state, p, group)
        self._update(p._data, grad._data, state, group)
        p._bump_version()  # an in-place write: a graph that saved p must not backpropagate
        if state:  # SGD without momentum keeps no state, as in torch
            self.state[p] = state

    def _init_state(self, state: dict[str, Any], p: Tensor, group: dict[str, Any]) -> None:  # noqa: B027
        """Fill the empty ``state`` of ``p`` before its first update (nothing by default: SGD)."""

    @abc.abstractmethod
    def _update(self, param: ndarray, grad: ndarray, state: dict[str, Any], group: dict[str, Any]) -> None:
        """Update ``param`` (the parameter's array, in place) from ``grad`` (read only)."""

    # ------------------------------------------------------------------ checkpoints
    def state_dict(self) -> dict[str, Any]:
        """``{"state": {index: {name: tensor}}, "param_groups": [{..., "params": [index, ...]}]}``.

        Parameters are numbered 0, 1, 2, ... across the groups in order. The state tensors are the
        live ones (as in torch): serialise or copy them before stepping again.
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for p in group["params"]:
                index.setdefault(id(p), len(index))
            packed["params"] = [index[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {(index[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a ``state_dict()``; saved ids map to this optimizer's parameters by position.

        The saved hyper-parameters replace the current ones (lr included). State values (tensors,
        arrays or numbers) are copied; floating ones are cast to their parameter's dtype, except
        the float32 bookkeeping scalars ``step`` and ``mu_product``.
        """
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(self.param_groups, saved_groups)):
            raise ValueError(
                "loaded state dict contains a parameter group that doesn't match the size of optimizer's group"
            )
        id_map = {
            saved_id: p
            for g, s in zip(self.param_groups, saved_groups)
            for saved_id, p in zip(s["params"], g["params"])
        }
        state: defaultdict[Any, dict[str, Any]] = defaultdict(dict)
        for key, value in state_dict["state"].items():
            if isinstance(key, str) and key.isdigit():  # a state_dict that went through JSON
                key = int(key)
            if key in id_map:
                p = id_map[key]
                state[p] = {name: _load_value(p, name, v) for name, v in value.items()}
            else:
                state[key] = value
        groups = []
        for group, saved in zip(self.param_groups, saved_groups):
            new = copy.deepcopy(saved)
            new["params"] = group["params"]
            if "param_names" in group and "param_names" not in saved:
                new["param_names"] = group["param_names"]
            for name, default in self.defaults.items():  # checkpoints from before a new option
                new.setdefault(name, default)
            _check_implementation_flags(type(self).__name__, new)
            groups.append(new)
        self.state = state
        self.param_groups = groups


# ---------------------------------------------------------------------- helpers for the algorithms
def _scalar_state(value: float) -> Tensor:
    """A 0-d bookkeeping tensor (``step``, ``mu_product``): float32, or float64 when that is the default dtype."""
    return Tensor._make(xp.array(value, dtype=get_default_dtype()), False, None)


def _zeros_state(p: Tensor, fill: float = 0.0) -> Tensor:
    """A C-contiguous state tensor shaped and typed like ``p``, filled with ``fill``."""
    return Tensor._make(xp.full(p.shape, fill, dtype=p.dtype), False, None)


def _next_step(step: Tensor) -> float:
    """Count one more step in the float32 ``step`` tensor and return it as a Python float (as torch)."""
    step._data += 1
    return float(step._data)


def _load_value(p: Tensor, name: str, value: Any) -> Any:
    if isinstance(value, Tensor):
        value = value._data
    if isinstance(value, (ndarray, xp.generic)):
        array = xp.array(value)  # always a copy: the loaded state must not alias the checkpoint
        if array.dtype.kind == "f" and p.dtype.kind == "f" and name not in _SCALAR_STATE:
            array = array.astype(p.dtype, copy=False)
        return Tensor._make(array, False, None)
    if name in _SCALAR_STATE and isinstance(value, (int, float)):  # checkpoints that stored a number
        return _scalar_state(float(value))
    return value


def _for_blocks(body: Callable[..., None], arrays: list[ndarray | None], scratch: int = 1, share: bool = True) -> None:
    """Call ``body`` on aligned 1-D blocks of ``_BLOCK`` elements of same-shaped arrays.

    ``body`` gets a view of each array (None stays None) and then ``scratch`` work buffers of the
    block's length; writing into a view writes into the array. The blocks of a large parameter
    are shared among ``mytorch.get_num_threads()`` threads (the caller's included; the step is
    memory-bound: on 2 cores, 2 threads cut Adam's step on W1 from ~8.5 to ~6 ms): NumPy releases the GIL inside
    ufuncs, and blocks never overlap, so the result does not depend on the threading. ``share=False``
    keeps every block on the caller's thread: for a body of a few cheap passes the GIL's hand-over after
    each NumPy call costs more than the second thread gives. When an array is not C-contiguous (a
    transposed parameter, say) ``body`` gets the arrays whole.
    """
    first = arrays[0]
    if not all(a is None or a.flags.c_contiguous for a in arrays):
        body(*arrays, *(xp.empty(first.shape, first.dtype) for _ in range(scratch)))
        return
    if first.size <= _WHOLE_LIMIT:
        body(*arrays, *(xp.empty(first.shape, first.dtype) for _ in range(scratch)))
        return
    flat = [None if a is None else a.reshape(-1) for a in arrays]
    starts = range(0, first.size, _BLOCK)
    # Two blocks per worker at least: handing one block (~80 µs of work) to a thread costs more than it
    # saves (measured: W3's 78 400-element weight, 2 blocks, made the whole step 1.3x slower at 2 threads).
    workers = min(get_num_threads(), len(starts) // 2) if share else 1
    if workers <= 1:
        _run_blocks(body, flat, starts, scratch)
        return
    futures = [_pool(workers).submit(_run_blocks, body, flat, starts[k::workers], scratch) for k in range(1, workers)]
    try:
        _run_blocks(body, flat, starts[0::workers], scratch)
    finally:
        wait(futures)
    for f in futures:
        f.result()  # re-raises a worker's exception


def _run_blocks(body: Callable[..., None], flat: list[ndarray | None], starts: range, scratch: int) -> None:
    size = flat[0].size
    buffers = [xp.empty(min(size, _BLOCK), flat[0].dtype) for _ in range(scratch)]
    for start in starts:
        stop = min(start + _BLOCK, size)
        body(*(None if a is None else a[start:stop] for a in flat), *(b[: stop - start] for b in buffers))


_executor: tuple[int, int, ThreadPoolExecutor] | None = None


def _pool(workers: int) -> ThreadPoolExecutor:
    """``workers - 1`` helper threads: made on first use, again after ``set_num_threads`` changed the
    count, and again in a forked child (threads do not survive fork)."""
    global _executor
    if _executor is None or _executor[:2] != (os.getpid(), workers):
        if _executor is not None and _executor[0] == os.getpid():
            _executor[2].shutdown(wait=True)  # idle by now: every step waits for its blocks
        _executor = (os.getpid(), workers, ThreadPoolExecutor(workers - 1, thread_name_prefix="mytorch-optim"))
    return _executor[2]


def _grad(param: ndarray, grad: ndarray, out: ndarray, weight_decay: float, maximize: bool) -> ndarray:
    """The gradient the algorithms use: −g when maximizing, plus the L2 term λθ (§0).

    Returns ``grad`` itself when there is nothing to add, so the common case costs no pass.
    """
    if weight_decay:
        xp.multiply(param, weight_decay, out=out)
        return (xp.subtract if maximize else xp.add)(out, grad, out=out)
    if maximize:
        return xp.negative(grad, out=out)
    return grad


def _check(ok: bool, message: str) -> None:
    """Hyper-parameter validation, as in torch's constructors: ``ValueError(message)`` unless ``ok``."""
    if not ok:
        raise ValueError(message)


def _check_implementation_flags(name: str, group: dict[str, Any]) -> None:
    """torch's implementation switches, checked for one parameter group.

    ``foreach`` and ``fused`` choose how torch runs the same update (a loop over tensors, grouped
    kernels, one fused kernel); here True selects the packed path of ``step()`` and
    ``foreach=False`` the per-parameter loop, which give the same bits. ``capturable`` (CUDA graphs)
    and ``differentiable`` (a step autograd can go through) cannot apply to an in-place NumPy
    update, so True is refused with the reason; torch's defaults (False) are accepted.
    """
    fused, foreach = group.get("fused"), group.get("foreach")
    if fused and foreach:
        raise RuntimeError("`fused` and `foreach` cannot be `True` together.")
    if fused and group.get("differentiable"):
        raise RuntimeError("`fused` does not support `differentiable`")
    if group.get("differentiable"):
        raise RuntimeError(
            f"{name}(differentiable=True) is not supported: mytorch's optimizers update the parameters in place "
            f"outside autograd, so no graph records the step; use differentiable=False (the default)"
        )
    if group.get("capturable"):
        raise RuntimeError(
            f"{name}(capturable=True) is not supported: it keeps the step counts on an accelerator for CUDA graph "
            f"capture (torch requires params and state_steps on cuda, xpu, hpu or xla), and mytorch runs on the CPU; "
            f"use capturable=False (the default)"
        )
    if fused and any(p.dtype.kind != "f" for p in group["params"]):
        raise RuntimeError("`fused=True` requires all the params to be floating point Tensors of supported devices: "
                           "['cpu'].")


def _check_adam_family(lr: float, betas: tuple[float, float], eps: float, weight_decay: float) -> None:
    """The checks Adam, AdamW, NAdam and RAdam share (torch's messages)."""
    _check(lr >= 0.0, f"Invalid learning rate: {lr}")
    _check(eps >= 0.0, f"Invalid epsilon value: {eps}")
    _check(0.0 <= betas[0] < 1.0, f"Invalid beta parameter at index 0: {betas[0]}")
    _check(0.0 <= betas[1] < 1.0, f"Invalid beta parameter at index 1: {betas[1]}")
    _check(weight_decay >= 0.0, f"Invalid weight_decay value: {weight_decay}")
