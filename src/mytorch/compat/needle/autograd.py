"""needle's ``Tensor`` and ``Op``: a thin face over the core tensor, never a second engine.

A needle ``Tensor`` *has* a core ``mytorch.Tensor`` (``_core``) and remembers the needle graph
the course's code inspects (``op``, ``inputs``). Every op lifts to core Functions
(``ops.py``), so the core records the differentiable graph and computes every gradient;
``backward`` asks the core for the gradient of every needle tensor in the graph at once and
stores them in ``.grad`` as the course's autograd does: gradients *replace* (do not accumulate
into) ``.grad``, and intermediate tensors get theirs too.

Conventions (seed 002 and the course's reference autograd):

* ``Tensor(array, dtype=None, requires_grad=True)``. ``dtype=None`` means needle's default:
  float input (a NumPy float array, a Python list of numbers) is stored as float32, an integer or
  bool array keeps its dtype (labels), a Tensor keeps its dtype; an explicit ``dtype`` is always
  honoured. ``requires_grad`` defaults to True.
* ``cached_data`` is the NumPy array itself (``numpy()`` returns it, not a copy); ``data``
  is a detached tensor sharing it, and assigning ``data`` replaces the array (shape may change).
* Tensors hash by identity and have no elementwise ``__eq__``.
* ``TENSOR_COUNTER`` counts live Tensor objects (the course's memory checks read it).
"""

from __future__ import annotations

import abc
from typing import Any

import numpy as np

from ..._tensor import Tensor as _CoreTensor
from ...autograd import grad as _core_grad
from ...autograd.engine import run_backward
from ...autograd.grad_mode import no_grad

TENSOR_COUNTER = 0


class Device:
    """needle's device handle; this face runs on NumPy, so ``cpu()`` is the only one."""

    name = "cpu"

    def __repr__(self) -> str:
        return "cpu()"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Device) or (isinstance(other, str) and other == "cpu")

    def __hash__(self) -> int:
        return hash("cpu")


_CPU = Device()


def cpu() -> Device:
    """The CPU (NumPy) device."""
    return _CPU


def default_device() -> Device:
    """The device new tensors get when none is named: the CPU."""
    return _CPU


def all_devices() -> list[Device]:
    """Every device this implementation has: only the CPU."""
    return [_CPU]


def check_device(device: Any) -> Device:
    """``device`` (None, ``cpu()`` or ``"cpu"``) as the CPU device; anything else is refused."""
    if device is None or isinstance(device, Device) or (isinstance(device, str) and device == "cpu"):
        return _CPU
    raise ValueError(f"needle: unknown device {device!r}; this implementation runs on NumPy, use cpu() or None")


def _array(array: Any, dtype: Any) -> np.ndarray:
    if isinstance(array, Tensor):
        array = array.realize_cached_data()
        return array if dtype is None or array.dtype == np.dtype(dtype) else array.astype(dtype)
    a = np.asarray(array)
    if dtype is not None:
        return a.astype(dtype, copy=False)
    if a.dtype.kind in "biu":
        return a
    return a.astype(np.float32, copy=False)


def _core_leaf(array: np.ndarray, requires_grad: bool) -> _CoreTensor:
    # Only floating tensors take part in differentiation (labels may still say requires_grad).
    return _CoreTensor._make(array, bool(requires_grad) and array.dtype.kind == "f", None)


class Op(abc.ABC):
    """An operator: ``__call__`` builds the output tensor; ``lift`` is the core computation.

    Subclasses implement ``lift(*core_tensors) -> core tensor`` with core ops only. ``compute``
    (NumPy arrays in, array out) and ``gradient`` (the course's per-op gradient) are derived from
    it through the core, so no needle op carries its own derivative.
    """

    @abc.abstractmethod
    def lift(self, *args: _CoreTensor) -> _CoreTensor:
        """The op as core tensor ops (every concrete op says which core Functions compute it)."""

    def compute(self, *arrays: np.ndarray) -> np.ndarray:
        """The forward on plain arrays."""
        with no_grad():
            return self.lift(*(_CoreTensor._make(np.asarray(a), False, None) for a in arrays))._data

    def gradient(self, out_grad: Tensor, node: Tensor) -> Tensor | tuple[Tensor | None, ...]:
        """out_grad times the Jacobian of this op at ``node``'s inputs, from the core's backward."""
        grads = self.gradient_as_tuple(out_grad, node)
        return grads[0] if len(grads) == 1 else grads

    def gradient_as_tuple(self, out_grad: Tensor, node: Tensor) -> tuple[Tensor | None, ...]:
        leaves = [_core_leaf(x.realize_cached_data(), True) for x in node.inputs]
        wanted = [t for t in leaves if t.requires_grad]
        if not wanted:
            return tuple(None for _ in leaves)
        out = self.lift(*leaves)
        found = iter(_core_grad(out, wanted, grad_outputs=_array(out_grad, out.dtype), allow_unused=True))
        result = []
        for t in leaves:
            g = next(found) if t.requires_grad else None
            result.append(None if g is None else Tensor.make_const(g._data))
        return tuple(result)


class TensorOp(Op):
    """An op whose output is one Tensor."""

    def __call__(self, *args: Tensor) -> Tensor:
        return Tensor.make_from_op(self, args)


class Tensor:
    """needle's tensor: a core tensor plus the needle graph (``op``, ``inputs``) and ``grad``."""

    def __init__(self, array: Any, *, device: Any = None, dtype: Any = None, requires_grad: bool = True,
                 **kwargs: Any) -> None:
        check_device(device)
        self._init(None, [], _core_leaf(_array(array, dtype), requires_grad), requires_grad)

    def _init(self, op: Op | None, inputs: list, core: _CoreTensor, requires_grad: bool) -> None:
        global TENSOR_COUNTER
        TENSOR_COUNTER += 1
        self.op = op
        self.inputs = list(inputs)
        self._core = core
        self._requires_grad = bool(requires_grad)
        self.grad: Tensor | None = None

    def __del__(self) -> None:
        global TENSOR_COUNTER
        if "_core" in self.__dict__:  # a constructor that raised never counted this object
            TENSOR_COUNTER -= 1

    @staticmethod
    def make_const(data: Any, requires_grad: bool = False) -> Tensor:
        """A leaf holding ``data`` (an array, shared, or a Tensor's array)."""
        t = Tensor.__new__(Tensor)
        array = data.realize_cached_data() if isinstance(data, Tensor) else np.asarray(data)
        t._init(None, [], _core_leaf(array, requires_grad), requires_grad)
        return t

    @staticmethod
    def make_from_op(op: Op, inputs: Any) -> Tensor:
        """Apply ``op`` to ``inputs``: the core computes (and records) it, the needle graph keeps ``op``."""
        inputs = list(inputs)
        for x in inputs:
            if not isinstance(x, Tensor):
                raise TypeError(f"needle: {type(op).__name__} takes Tensors, got a {type(x).__name__}")
        t = Tensor.__new__(Tensor)
        t._init(op, inputs, op.lift(*(x._core for x in inputs)), any(x.requires_grad for x in inputs))
        return t

    @property
    def requires_grad(self) -> bool:
        """Whether ``backward`` computes a gradient for this tensor (needle's default for a new tensor: True)."""
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self._requires_grad = bool(value)
        if self._core._grad_fn is None:  # a leaf: the core must agree on whether it is differentiated
            self._core._requires_grad = bool(value) and self._core._data.dtype.kind == "f"

    # ------------------------------------------------------------------ data
    @property
    def cached_data(self) -> np.ndarray:
        """The NumPy array holding the values (setting it makes the tensor a new leaf with that array)."""
        return self._core._data

    @cached_data.setter
    def cached_data(self, value: np.ndarray) -> None:
        self._core = _core_leaf(np.asarray(value), self.requires_grad)

    def realize_cached_data(self) -> np.ndarray:
        """The NumPy array holding the values (computed eagerly, so nothing is left to realise)."""
        return self._core._data

    def numpy(self) -> np.ndarray:
        """The values as a NumPy array (the tensor's own array, not a copy)."""
        return self._core._data

    @property
    def data(self) -> Tensor:
        """A detached tensor with the same values; assigning a tensor replaces the values, outside the graph."""
        return self.detach()

    @data.setter
    def data(self, value: Tensor) -> None:
        if not isinstance(value, Tensor):
            raise TypeError(f"needle: Tensor.data must be set to a Tensor, got {type(value).__name__}")
        self.cached_data = value.realize_cached_data()

    def detach(self) -> Tensor:
        """The same array in a new leaf outside the graph."""
        return Tensor.make_const(self.realize_cached_data())

    def is_leaf(self) -> bool:
        """Whether the tensor was made directly rather than by an op."""
        return self.op is None

    @property
    def shape(self) -> tuple:
        """The shape, a tuple."""
        return self._core._data.shape

    @property
    def dtype(self) -> np.dtype:
        """The NumPy dtype of the values."""
        return self._core._data.dtype

    @property
    def device(self) -> Device:
        """The device: always the CPU here."""
        return _CPU

    def __repr__(self) -> str:
        return "needle.Tensor(" + str(self.realize_cached_data()) + ")"

    def __str__(self) -> str:
        return str(self.realize_cached_data())

    # ------------------------------------------------------------------ autograd
    def backward(self, out_grad: Tensor | None = None) -> None:
        """Set ``.grad`` of every tensor this one depends on to d(self·out_grad)/d(tensor).

        ``out_grad`` defaults to ones of this tensor's shape. One backward pass of the core engine
        computes all the gradients; the graph stays usable for another backward.
        """
        if not self._core.requires_grad:
            raise RuntimeError("needle: backward() on a tensor that does not depend on any tensor requiring grad")
        seed = np.ones(self.shape, self.dtype) if out_grad is None else np.array(_array(out_grad, self.dtype))
        if seed.shape != self.shape:
            raise ValueError(f"needle: backward() got out_grad of shape {seed.shape} for a tensor of shape "
                             f"{self.shape}")
        groups: dict = {}  # core node (or core leaf) -> the needle tensors that share it
        cores = []
        for t in _graph(self):
            c = t._core
            if not c.requires_grad:
                continue
            key = c._grad_fn or c
            if key not in groups:
                groups[key] = []
                cores.append(c)
            groups[key].append(t)
        found = run_backward([self._core], [seed], retain_graph=True, inputs=cores)
        seen: set = set()
        for tensors, g in zip(groups.values(), found):
            if g is not None:
                if g.base is not None or not g.flags.writeable or id(g) in seen:
                    g = g.copy()  # each .grad owns its array
                seen.add(id(g))
            for t in tensors:
                t.grad = None if g is None else Tensor.make_const(g)

    # ------------------------------------------------------------------ operators
    def __add__(self, other: Any) -> Tensor:
        from . import ops

        return ops.EWiseAdd()(self, other) if isinstance(other, Tensor) else ops.AddScalar(other)(self)

    def __mul__(self, other: Any) -> Tensor:
        from . import ops

        return ops.EWiseMul()(self, other) if isinstance(other, Tensor) else ops.MulScalar(other)(self)

    def __pow__(self, other: Any) -> Tensor:
        from . import ops

        return ops.EWisePow()(self, other) if isinstance(other, Tensor) else ops.PowerScalar(other)(self)

    def __sub__(self, other: Any) -> Tensor:
        from . import ops

        if isinstance(other, Tensor):
            return ops.EWiseAdd()(self, ops.Negate()(other))
        return ops.AddScalar(-other)(self)

    def __rsub__(self, other: Any) -> Tensor:
        from . import ops

        return ops.AddScalar(other)(ops.Negate()(self))

    def __truediv__(self, other: Any) -> Tensor:
        from . import ops

        return ops.EWiseDiv()(self, other) if isinstance(other, Tensor) else ops.DivScalar(other)(self)

    def __matmul__(self, other: Tensor) -> Tensor:
        from . import ops

        return ops.MatMul()(self, other)

    def matmul(self, other: Tensor) -> Tensor:
        """The matrix product ``self @ other`` (the op ``MatMul``)."""
        return self.__matmul__(other)

    def __neg__(self) -> Tensor:
        from . import ops

        return ops.Negate()(self)

    __radd__ = __add__
    __rmul__ = __mul__

    def sum(self, axes: Any = None) -> Tensor:
        """The sum over ``axes`` (all when None), the reduced axes removed (the op ``Summation``)."""
        from . import ops

        return ops.Summation(axes)(self)

    def broadcast_to(self, shape: tuple) -> Tensor:
        """The tensor broadcast to ``shape`` (the op ``BroadcastTo``)."""
        from . import ops

        return ops.BroadcastTo(shape)(self)

    def reshape(self, shape: tuple) -> Tensor:
        """The same values in ``shape`` (the op ``Reshape``)."""
        from . import ops

        return ops.Reshape(shape)(self)

    def transpose(self, axes: tuple | None = None) -> Tensor:
        """Two axes swapped, the last two when ``axes`` is None (the op ``Transpose``)."""
        from . import ops

        return ops.Transpose(axes)(self)


def _graph(root: Tensor) -> list[Tensor]:
    """Every needle tensor ``root`` depends on (root included), without recursion."""
    seen = {id(root)}
    order = [root]
    stack = [root]
    while stack:
        for x in stack.pop().inputs:
            if id(x) not in seen:
                seen.add(id(x))
                order.append(x)
                stack.append(x)
    return order
