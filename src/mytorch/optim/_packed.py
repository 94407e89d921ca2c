"""Small parameters updated as one flat array: the multi-tensor path of ``Optimizer.step``.

A model such as MLPResNet has dozens of small parameters (biases, BatchNorm affine vectors, 50×100
matrices). An update is a dozen NumPy calls per parameter, and on a small array each call's fixed
cost (about a microsecond, plus the kernel's Python) is most of the work: W2's 28 parameters took
~1 ms a step, several times the arithmetic. So ``step()`` takes the parameters of a group that are
small (at most ``PACK_LIMIT`` elements) and alike (same dtype, same state keys, same step count)
and updates them together:

* their state arrays (``exp_avg``, ...) live in one flat buffer per state name: when the pack is
  built, the values are copied in and each state tensor's storage becomes its slice of the buffer
  (the tensor objects stay the same, so ``optimizer.state`` and ``state_dict()`` see live values);
  their 0-d counters (``step``, ``mu_product``) likewise live in one buffer per counter;
* a step gathers the gradients and the parameters into flat arrays (one ``concatenate`` each),
  calls the optimizer's own ``_update`` once on them with a flat state, copies the parameters back
  and broadcasts the new counter values.

The arithmetic is elementwise, so the layout does not change a single bit: a packed step equals one
update per parameter exactly (tested for every optimizer). A pack is rebuilt whenever it no longer
describes the group: a parameter gained or lost its gradient, its state was replaced
(``load_state_dict``) or copied away from the buffer (``copy.deepcopy``), a shape or dtype changed.
"""

from __future__ import annotations

from typing import Any

from .._backend import ndarray, xp
from .._tensor import Tensor

# Parameters up to this many elements are packed. Above it the per-call cost is amortised (one
# update pass over 64 Ki float32 takes ~6 µs, against ~1 µs fixed), and gathering and scattering a
# large parameter would add three passes over it.
PACK_LIMIT = 1 << 16


def packable(p: Tensor, grad: Tensor) -> bool:
    """Whether ``p`` may join a pack: small but not empty, and a gradient of its own shape and dtype."""
    data, g = p._data, grad._data
    return 0 < data.size <= PACK_LIMIT and g.shape == data.shape and g.dtype == data.dtype


class Pack:
    """The flat buffers of a set of alike small parameters of one group, and their views."""

    def __init__(self, optimizer: Any, group: dict[str, Any], candidates: list[Tensor], counters: tuple) -> None:
        """``counters``: the names of the optimizer's 0-d bookkeeping state (``step``, ``mu_product``)."""
        self.candidates = candidates  # what the pack was built from, to recognise the same step again
        states = []
        for p in candidates:
            state = optimizer.state.get(p)
            if not state:
                state = {}
                optimizer._init_state(state, p, group)
            states.append(state)
        signatures = [_signature(p, state, counters) for p, state in zip(candidates, states)]
        # The most common kind is packed; the others (a parameter whose first gradient came later has
        # another step count) take the one-parameter path.
        common = max(signatures, key=lambda s: (s is not None, signatures.count(s)))
        params = [p for p, s in zip(candidates, signatures) if s is not None and s == common]
        states = [state for state, s in zip(states, signatures) if s is not None and s == common]
        if len({id(p) for p in params}) != len(params):  # a repeated parameter is updated twice, one by one
            params, states = [], []
        self.params, self.states = params, states
        self.rest = [p for p in candidates if not any(p is q for q in params)]
        if not params:
            return
        for p, state in zip(params, states):
            if state:
                optimizer.state[p] = state
        dtype = params[0]._data.dtype
        sizes = [p._data.size for p in params]
        self.slices = []
        offset = 0
        for n in sizes:
            self.slices.append(slice(offset, offset + n))
            offset += n
        self.flat_param = xp.empty(offset, dtype)
        self.flat_grad = xp.empty(offset, dtype)
        self.param_views = [self.flat_param[s].reshape(p._data.shape) for s, p in zip(self.slices, params)]
        self.shapes = [p._data.shape for p in params]
        self.flat_state: dict[str, Tensor] = {}
        self.arrays: dict[str, ndarray] = {}  # state name -> flat buffer the per-parameter tensors view
        self.counters: dict[str, ndarray] = {}  # counter name -> one element per parameter
        for name in states[0]:
            values = [state[name]._data for state in states]
            if name in counters:
                buffer = xp.array(values)
                self.counters[name] = buffer
                self.flat_state[name] = Tensor._make(buffer[0:1].reshape(()).copy(), False, None)
                self._adopt(name, buffer, [slice(k, k + 1) for k in range(len(params))], ())
            else:
                buffer = xp.concatenate([v.reshape(-1) for v in values])
                self.arrays[name] = buffer
                self.flat_state[name] = Tensor._make(buffer, False, None)
                self._adopt(name, buffer, self.slices, None)

    def _adopt(self, name: str, buffer: ndarray, slices: list[slice], shape: tuple | None) -> None:
        """Make every member's ``state[name]`` a view of its slice of ``buffer`` (creating it if absent)."""
        for state, s, p_shape in zip(self.states, slices, self.shapes):
            view = buffer[s].reshape(p_shape if shape is None else shape)
            if name in state:
                state[name]._data = view
            else:
                state[name] = Tensor._make(view, False, None)

    def fits(self, candidates: list[Tensor], optimizer: Any) -> bool:
        """Whether this pack still describes ``candidates`` (the group's small parameters with gradients)."""
        if not self.params:  # nothing was packed: look again (cheap, and rare: a parameter listed twice, say)
            return False
        if len(candidates) != len(self.candidates) or any(a is not b for a, b in zip(candidates, self.candidates)):
            return False
        state_of = optimizer.state
        dtype = self.flat_param.dtype
        for p, state, shape in zip(self.params, self.states, self.shapes):
            if state_of.get(p) is not state or p._data.shape != shape or p._data.dtype != dtype:
                return False
        for name, buffer in (*self.arrays.items(), *self.counters.items()):
            for state in self.states:
                t = state.get(name)
                if type(t) is not Tensor or t._data.base is not buffer:
                    return False
        # A counter written in place through one member's view (state["step"].fill_(0), say) splits the pack.
        return all(buffer.min() == buffer.max() for buffer in self.counters.values())

    def step(self, optimizer: Any, group: dict[str, Any]) -> None:
        """One update of every member: gather, ``_update`` on the flat arrays, scatter."""
        params = self.params
        xp.concatenate([p._data.reshape(-1) for p in params], out=self.flat_param)
        xp.concatenate([p.grad._data.reshape(-1) for p in params], out=self.flat_grad)
        flat_state = self.flat_state
        for name, buffer in self.counters.items():  # the members' counters, as they are now
            flat_state[name]._data[...] = buffer[0]
        optimizer._update(self.flat_param, self.flat_grad, flat_state, group)
        for p, view in zip(params, self.param_views):
            xp.copyto(p._data, view)
            p._bump_version()
        for name, buffer in self.counters.items():
            buffer[...] = flat_state[name]._data
        for name, t in flat_state.items():  # state that ``_update`` created (SGD's momentum buffer)
            if name not in self.arrays and name not in self.counters:
                self.arrays[name] = t._data
                self._adopt(name, t._data, self.slices, None)
                for p, state in zip(params, self.states):
                    optimizer.state[p] = state


def _signature(p: Tensor, state: dict[str, Any], counters: tuple) -> tuple | None:
    """What members of one pack share: dtype, state names, counter values; None if ``p`` cannot be packed."""
    items = []
    for name, value in state.items():
        if type(value) is not Tensor:
            return None
        data = value._data
        if name in counters:
            if data.ndim:
                return None
            items.append((name, data.dtype, data.item()))
        elif data.shape == p._data.shape and data.dtype == p._data.dtype:
            items.append((name, None, None))
        else:
            return None
    return p._data.dtype, tuple(items)
