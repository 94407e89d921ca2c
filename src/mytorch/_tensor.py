"""``Tensor``: an array, whether it requires grad, its ``.grad``, and the node that made it.

Every method is written out here (no methods installed at import time), and each
differentiable one is a single call to an op's ``Function.apply`` (see ``ops/``). Non-
differentiable queries (comparisons, argmax, ``item``) work on the array directly.
"""

from __future__ import annotations

import builtins
import warnings
import weakref
from collections import namedtuple
from typing import Any

from . import _dtype
from ._backend import ndarray, to_host, xp
from ._device import CPU, check_device, device, is_device_like
from ._size import Size

_new = object.__new__
_tuple_new = tuple.__new__
_SCALARS = (builtins.int, builtins.float, builtins.bool)

min_max = namedtuple("min_max", ["values", "indices"])


class Tensor:
    """A multi-dimensional array with reverse-mode automatic differentiation."""

    # _vc: the version counter, a one-element list shared by every alias of the same memory (views,
    # detach()); None until an alias, a save for backward or an in-place write needs it.
    # _hooks: this leaf's hooks (``autograd.hooks.TensorHooks``); unset until a hook is registered
    # (a non-leaf keeps its hooks on its grad_fn). Only the general backward walk reads it.
    __slots__ = ("_data", "_requires_grad", "_grad", "_grad_fn", "_vc", "_hooks", "__weakref__")
    # NumPy must hand ``ndarray <op> Tensor`` to the Tensor's reflected method.
    __array_ufunc__ = None
    __array_priority__ = 1000

    def __init__(self, data: Any, dtype=None, requires_grad: bool = False) -> None:
        self._data = _to_array(data, dtype)
        self._grad = None
        self._grad_fn = None
        self._vc = None
        self._requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    @staticmethod
    def _make(data: ndarray, requires_grad: bool, grad_fn) -> Tensor:
        """Wrap an array without copying or checking (the ops' fast path)."""
        t = _new(Tensor)
        t._data = data
        t._requires_grad = requires_grad
        t._grad = None
        t._grad_fn = grad_fn
        t._vc = None
        return t

    __hash__ = object.__hash__  # __eq__ is elementwise, identity stays the hash

    # ------------------------------------------------------------------ attributes
    @property
    def shape(self) -> Size:
        """The sizes of the dimensions, a ``mytorch.Size`` (a tuple)."""
        return _tuple_new(Size, self._data.shape)  # NumPy's shape already holds ints: no conversion

    @property
    def dtype(self) -> _dtype.dtype:
        """The element type, e.g. ``mytorch.float32`` (equal to NumPy's float32; see ``_dtype``)."""
        return _dtype._PUBLIC[self._data.dtype]

    @property
    def ndim(self) -> int:
        """The number of dimensions."""
        return self._data.ndim

    @property
    def device(self) -> device:
        """Always ``device(type='cpu')``: mytorch computes with NumPy on the CPU."""
        return CPU

    @property
    def is_leaf(self) -> bool:
        """True for tensors the user created (and for every tensor that does not require grad)."""
        return self._grad_fn is None

    @property
    def grad_fn(self):
        """The graph node (a ``Function``) that made this tensor, or None for a leaf or a tensor made without grad."""
        fn = self._grad_fn
        if fn is not None and fn._owner is not None:  # one output of a node with several outputs
            return fn._owner
        return fn

    @property
    def output_nr(self) -> builtins.int:
        """Which output of its ``grad_fn`` this tensor is (0 unless the node has several outputs)."""
        fn = self._grad_fn
        return fn._index if fn is not None and fn._owner is not None else 0

    @property
    def requires_grad(self) -> bool:
        """Whether operations on this tensor are recorded so that gradients can flow back to it."""
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self.requires_grad_(value)

    @property
    def grad(self) -> Tensor | None:
        """The gradient accumulated by ``backward()`` (leaf tensors only), or None."""
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad must be a Tensor or None, not {type(value).__name__}")
            if value.shape != self.shape:
                raise RuntimeError(f"assigned grad has shape {value.shape}, but the tensor has shape {self.shape}")
            if value.dtype != self.dtype:
                raise RuntimeError(f"assigned grad has dtype {value.dtype}, but the tensor has dtype {self.dtype}")
        self._grad = value

    @property
    def data(self) -> Tensor:
        """The same values as a tensor outside the graph (shares memory, requires_grad=False)."""
        return Tensor._make(self._data, False, None)

    @data.setter
    def data(self, value: Any) -> None:
        self._data = value._data if isinstance(value, Tensor) else xp.asarray(value)

    def size(self, dim: int | None = None):
        """The shape (a ``mytorch.Size``), or the size of one dimension."""
        if dim is None:
            return _tuple_new(Size, self._data.shape)
        return self._data.shape[_normalize_dim(dim, self._data.ndim)]

    def dim(self) -> int:
        """The number of dimensions (``ndim``)."""
        return self._data.ndim

    def numel(self) -> int:
        """The number of elements, the product of the sizes."""
        return self._data.size

    def element_size(self) -> int:
        """The size of one element in bytes."""
        return self._data.itemsize

    def is_floating_point(self) -> bool:
        """Whether the dtype is a floating-point one."""
        return self._data.dtype.kind == "f"

    # ------------------------------------------------------------------ conversion
    def item(self) -> builtins.float | builtins.int | builtins.bool:
        """The value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        return self._data.item()

    def numpy(self) -> ndarray:
        """The underlying NumPy array (shared memory). Refused while the tensor requires grad."""
        if self._requires_grad:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        return to_host(self._data)

    def tolist(self):
        """The values as (nested) Python lists of numbers; a 0-d tensor gives a number."""
        return self._data.tolist()

    def __array__(self, dtype=None, copy=None) -> ndarray:
        a = to_host(self._data)
        return a.astype(dtype) if dtype is not None else a

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError(f"Boolean value of Tensor with {self._data.size} values is ambiguous")
        return builtins.bool(self._data)

    def __float__(self) -> builtins.float:
        return builtins.float(self.item())

    def __int__(self) -> builtins.int:
        return builtins.int(self.item())

    def __index__(self) -> builtins.int:
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return builtins.int(self._data)

    def __format__(self, spec: str) -> str:
        """As PyTorch: a 0-d tensor formats as its Python value (``f"{loss:.4f}"``, ``f"{loss}"``);
        any other tensor only with an empty spec (its ``str``)."""
        if self._data.ndim == 0:
            return format(self.item(), spec)
        if spec:
            raise TypeError(
                f"unsupported format string {spec!r} passed to Tensor.__format__ (only 0-d tensors take a format "
                "spec; use t.item() for a one-element tensor)"
            )
        return str(self)

    def __repr__(self) -> str:
        return _format(self)

    def to(self, *args: Any, **kwargs: Any) -> Tensor:
        """``to(dtype)``, ``to(device)``, ``to(other)``: a converted tensor (self when unchanged)."""
        dtype = kwargs.pop("dtype", None)
        device = kwargs.pop("device", None)
        kwargs.pop("non_blocking", None)
        kwargs.pop("copy", None)
        if kwargs:
            raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
        for a in args:
            if isinstance(a, Tensor):
                dtype = a.dtype
            elif is_device_like(a):
                device = a
            else:
                dtype = a
        check_device(device, "a tensor")
        if dtype is None:
            return self
        return self._cast(_dtype.as_dtype(dtype))

    def _cast(self, dtype) -> Tensor:
        if dtype == self._data.dtype:
            return self
        if dtype.kind == "f" and self._data.dtype.kind == "f":
            return Cast.apply(self, dtype=dtype)
        with xp.errstate(invalid="ignore", over="ignore"):  # nan or 1e300 to int64 is torch's silent wrap, no warning
            return Tensor._make(self._data.astype(dtype), False, None)  # integers carry no gradient

    def type(self, dtype=None):
        """With no argument the type name (``'mytorch.FloatTensor'``); with a dtype or a type name, a cast copy."""
        if dtype is None:
            return f"mytorch.{self._data.dtype}"
        return self.to(dtype)

    def type_as(self, other: Tensor) -> Tensor:
        """This tensor cast to ``other``'s dtype."""
        return self.to(other.dtype)

    def float(self) -> Tensor:
        """A float32 copy (``self`` when already float32)."""
        return self._cast(_dtype.float32)

    def double(self) -> Tensor:
        """A float64 copy (``self`` when already float64)."""
        return self._cast(_dtype.float64)

    def half(self) -> Tensor:
        """A float16 copy (``self`` when already float16)."""
        return self._cast(_dtype.float16)

    def long(self) -> Tensor:
        """An int64 copy (``self`` when already int64)."""
        return self._cast(_dtype.int64)

    def int(self) -> Tensor:
        """An int32 copy (``self`` when already int32)."""
        return self._cast(_dtype.int32)

    def bool(self) -> Tensor:
        """A bool copy (``self`` when already bool)."""
        return self._cast(_dtype.bool_)

    def cpu(self) -> Tensor:
        """``self``: mytorch tensors are always on the CPU."""
        return self

    def cuda(self, device: Any = None, non_blocking: builtins.bool = False) -> Tensor:
        """Always an error: mytorch has no CUDA backend."""
        check_device("cuda" if device is None else device, "a tensor")
        return self

    # ------------------------------------------------------------------ autograd
    def backward(self, gradient: Any = None, retain_graph: builtins.bool | None = None,
                 create_graph: builtins.bool = False, inputs=None) -> None:
        """Accumulate J_leafᵀ·gradient into the ``.grad`` of every leaf that requires grad (or only of ``inputs``).

        ``gradient`` may be omitted only for a one-element tensor (it is then 1). The graph is freed
        afterwards unless ``retain_graph=True`` (which defaults to ``create_graph``). With
        ``create_graph=True`` the backward pass is recorded, so the ``.grad`` it leaves can be
        differentiated again.
        """
        if create_graph or inputs is not None or general_needed(False):
            autograd_backward([self], [gradient], retain_graph, create_graph, inputs)
            return
        run_backward([self], seed_gradients([self], [gradient]), builtins.bool(retain_graph))

    def register_hook(self, hook):
        """Call ``hook(grad)`` each time the gradient of this tensor is computed; a returned tensor
        replaces the gradient. Returns a handle whose ``remove()`` takes the hook out again."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        return _hooks.register(self._grad_fn or self, hook)

    def register_post_accumulate_grad_hook(self, hook):
        """Call ``hook(tensor)`` after a backward pass has added to this leaf's ``.grad``; returns a handle."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        return _hooks.register(self, hook, post=True)

    def retain_grad(self) -> None:
        """Keep the gradient of this non-leaf tensor in its ``.grad`` (leaves always keep theirs)."""
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self._grad_fn is None:
            return
        state = _hooks.hooks_of(self._grad_fn, create=True)
        if state.retain is None:
            state.retain = weakref.ref(self)

    @property
    def retains_grad(self) -> builtins.bool:
        """True for a non-leaf tensor on which ``retain_grad()`` was called."""
        fn = self._grad_fn
        state = None if fn is None else fn._hooks
        return state is not None and state.retain is not None and state.retain() is self

    def detach(self) -> Tensor:
        """The same values outside the graph (shares memory and the version counter)."""
        t = Tensor._make(self._data, False, None)
        t._vc = self._shared_vc()
        return t

    # ------------------------------------------------------------------ version counter
    @property
    def _version(self) -> builtins.int:
        """How many in-place writes this memory has had (as ``torch.Tensor._version``).

        Shared by the tensor's views and ``detach()`` aliases; ``.data`` gets its own (as in PyTorch).
        Backward compares it with the version an op saw when it saved the tensor.
        """
        vc = self._vc
        return 0 if vc is None else vc[0]

    def _shared_vc(self) -> list:
        """The version counter, created on first need, so that an alias can share it."""
        vc = self._vc
        if vc is None:
            vc = self._vc = [0]
        return vc

    def _bump_version(self) -> None:
        """Record an in-place write (every in-place method, and optimizer steps, call this)."""
        vc = self._vc
        if vc is None:
            self._vc = [1]
        else:
            vc[0] += 1

    def detach_(self) -> Tensor:
        """Detaches this tensor from the graph in place: it becomes a leaf that does not require grad."""
        self._grad_fn = None
        self._requires_grad = False
        return self

    def requires_grad_(self, requires_grad: builtins.bool = True) -> Tensor:
        """Sets ``requires_grad`` in place (only on leaves) and returns ``self``."""
        if requires_grad and self._data.dtype.kind != "f":
            raise RuntimeError(
                f"only Tensors of floating point dtype can require gradients (this one is {self._data.dtype})"
            )
        if not requires_grad and self._grad_fn is not None:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables; use detach() to get a tensor "
                "outside the graph"
            )
        self._requires_grad = builtins.bool(requires_grad)
        return self

    def clone(self) -> Tensor:
        """A copy with its own memory; gradients flow back to the original."""
        return Clone.apply(self)

    def contiguous(self) -> Tensor:
        """A C-contiguous tensor with the same values (``self`` when already contiguous)."""
        return self if self._data.flags.c_contiguous else Clone.apply(self)

    # ------------------------------------------------------------------ arithmetic
    def __add__(self, other):
        return Add.apply(self, other) if type(other) is Tensor and other._data.dtype == self._data.dtype \
            else _binary(Add, self, other)

    def __radd__(self, other):
        return _binary(Add, self, other, reflected=True)

    def __sub__(self, other):
        return Sub.apply(self, other) if type(other) is Tensor and other._data.dtype == self._data.dtype \
            else _binary(Sub, self, other)

    def __rsub__(self, other):
        return _binary(Sub, self, other, reflected=True)

    def __mul__(self, other):
        return Mul.apply(self, other) if type(other) is Tensor and other._data.dtype == self._data.dtype \
            else _binary(Mul, self, other)

    def __rmul__(self, other):
        return _binary(Mul, self, other, reflected=True)

    def __truediv__(self, other):
        return _binary(Div, self, other)

    def __rtruediv__(self, other):
        return _binary(Div, self, other, reflected=True)

    def __pow__(self, other):
        return _binary(Pow, self, other)

    def __rpow__(self, other):
        return _binary(Pow, self, other, reflected=True)

    def __matmul__(self, other):
        if not isinstance(other, Tensor):
            if isinstance(other, ndarray):
                other = Tensor._make(other, False, None)
            else:
                return NotImplemented
        if self._data.dtype != other._data.dtype and (0 in self._data.shape or 0 in other._data.shape):
            shortcut = _empty_batched_matmul(self, other)
            if shortcut is not None:
                return shortcut
        return MatMul.apply(self, other)

    def __rmatmul__(self, other):
        if isinstance(other, ndarray):
            return MatMul.apply(Tensor._make(other, False, None), self)
        return NotImplemented

    def __neg__(self):
        return Neg.apply(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return Abs.apply(self)

    def add(self, other, alpha=1) -> Tensor:
        r"""$\text{input} + \alpha \cdot \text{other}$, elementwise with broadcasting; gradients $1$ and $\alpha$
        (``torch.add``).
        """
        return self + (other * alpha if alpha != 1 else other)

    def sub(self, other, alpha=1) -> Tensor:
        r"""$\text{input} - \alpha \cdot \text{other}$, elementwise with broadcasting; gradients $1$ and $-\alpha$
        (``torch.sub``).
        """
        return self - (other * alpha if alpha != 1 else other)

    def mul(self, other) -> Tensor:
        r"""$\text{input} \cdot \text{other}$ elementwise; $\partial/\partial a = b$, $\partial/\partial b = a$
        (``torch.mul``).
        """
        return self * other

    def div(self, other) -> Tensor:
        r"""$a / b$ elementwise (true division); $\partial/\partial a = 1/b$, $\partial/\partial b = -a/b^2$
        (``torch.div``).
        """
        return self / other

    def pow(self, exponent) -> Tensor:
        r"""$a^{p}$ elementwise, ``exponent`` a tensor or a number; $\partial/\partial a = p\,a^{p-1}$,
        $\partial/\partial p = a^{p}\ln a$.
        """
        return self**exponent

    def neg(self) -> Tensor:
        """$-x$ elementwise."""
        return Neg.apply(self)

    def matmul(self, other: Tensor) -> Tensor:
        r"""The matrix product with NumPy/PyTorch broadcasting of batch dimensions; for matrices $C = AB$, $\bar A =
        \bar C B^\top$, $\bar B = A^\top \bar C$.
        """
        return self @ other

    def exp(self) -> Tensor:
        """$e^{x}$ elementwise; the derivative is the output itself."""
        return Exp.apply(self)

    def log(self) -> Tensor:
        r"""$\ln x$ elementwise (nan for $x < 0$, $-\infty$ at 0); derivative $1/x$."""
        return Log.apply(self)

    def sqrt(self) -> Tensor:
        r"""$\sqrt{x}$ elementwise; derivative $1/(2\sqrt{x})$."""
        return Sqrt.apply(self)

    def rsqrt(self) -> Tensor:
        r"""$1/\sqrt{x}$ elementwise; derivative $-\tfrac12 x^{-3/2}$."""
        return 1 / Sqrt.apply(self)

    def square(self) -> Tensor:
        """$x^2$ elementwise; derivative $2x$."""
        return self * self

    def reciprocal(self) -> Tensor:
        """$1/x$ elementwise; derivative $-1/x^2$."""
        return 1 / self

    def abs(self) -> Tensor:
        r"""$|x|$ elementwise; derivative $\operatorname{sign}(x)$ (0 at 0, as in PyTorch)."""
        return Abs.apply(self)

    def tanh(self) -> Tensor:
        r"""$\tanh x$ elementwise; derivative $1 - \tanh^2 x$, computed from the output."""
        return Tanh.apply(self)

    def sigmoid(self) -> Tensor:
        r"""The logistic function $\sigma(x) = 1/(1 + e^{-x})$ elementwise; derivative $\sigma(x)(1 - \sigma(x))$."""
        return Sigmoid.apply(self)

    def relu(self) -> Tensor:
        r"""$\max(x, 0)$ elementwise; derivative 1 where $x > 0$, else 0."""
        return Relu.apply(self)

    def erf(self) -> Tensor:
        r"""The error function $\operatorname{erf}(x) = \frac{2}{\sqrt\pi}\int_0^x e^{-t^2}\,dt$; derivative
        $\frac{2}{\sqrt\pi} e^{-x^2}$.
        """
        return Erf.apply(self)

    def sin(self) -> Tensor:
        r"""$\sin x$ elementwise; derivative $\cos x$."""
        return Sin.apply(self)

    def cos(self) -> Tensor:
        r"""$\cos x$ elementwise; derivative $-\sin x$."""
        return Cos.apply(self)

    def tan(self) -> Tensor:
        r"""$\tan x$ elementwise; derivative $1 + \tan^2 x$."""
        return Tan.apply(self)

    def sinh(self) -> Tensor:
        r"""$\sinh x$ elementwise; derivative $\cosh x$."""
        return Sinh.apply(self)

    def cosh(self) -> Tensor:
        r"""$\cosh x$ elementwise; derivative $\sinh x$."""
        return Cosh.apply(self)

    def asin(self) -> Tensor:
        r"""$\arcsin x$ elementwise (nan outside $[-1, 1]$); derivative $1/\sqrt{1 - x^2}$."""
        return Asin.apply(self)

    def acos(self) -> Tensor:
        r"""$\arccos x$ elementwise (nan outside $[-1, 1]$); derivative $-1/\sqrt{1 - x^2}$."""
        return Acos.apply(self)

    def atan(self) -> Tensor:
        r"""$\arctan x$ elementwise; derivative $1/(1 + x^2)$."""
        return Atan.apply(self)

    arcsin, arccos, arctan = asin, acos, atan

    def atan2(self, other) -> Tensor:
        r"""$\operatorname{atan2}(y, x)$ with ``self`` as $y$: the angle of the point $(x, y)$, in $(-\pi, \pi]$."""
        from ._functional import atan2

        return atan2(self, other)

    arctan2 = atan2

    def mm(self, mat2: Tensor) -> Tensor:
        """The matrix product of two 2-D tensors (no broadcasting; ``matmul`` is the general form)."""
        if self._data.ndim != 2:
            raise RuntimeError(f"self must be a matrix (mm), got a {self._data.ndim}-D tensor")
        if not isinstance(mat2, Tensor) or mat2._data.ndim != 2:
            raise RuntimeError("mat2 must be a matrix (mm)")
        if self._data.shape[1] != mat2._data.shape[0]:
            raise RuntimeError(
                f"mat1 and mat2 shapes cannot be multiplied ({self._data.shape[0]}x{self._data.shape[1]} and "
                f"{mat2._data.shape[0]}x{mat2._data.shape[1]})"
            )
        return MatMul.apply(self, mat2)

    def norm(self, p="fro", dim=None, keepdim: builtins.bool = False, dtype=None) -> Tensor:
        """The p-norm of the elements over ``dim`` (all when None); 'fro' is the 2-norm (see ``mytorch.linalg``)."""
        from . import linalg

        if p == "fro" or p is None:
            return linalg.vector_norm(self, 2, dim, keepdim, dtype=dtype)
        if p == "nuc":
            return linalg.matrix_norm(self, "nuc", (-2, -1) if dim is None else dim, keepdim, dtype=dtype)
        return linalg.vector_norm(self, p, dim, keepdim, dtype=dtype)

    def bmm(self, mat2: Tensor) -> Tensor:
        """Batched matrix product of (b, n, m) and (b, m, p) tensors: $C_i = A_i B_i$ for each $i$."""
        from ._functional import bmm

        return bmm(self, mat2)

    def sign(self) -> Tensor:
        r"""$\operatorname{sign}(x) \in \{-1, 0, 1\}$ elementwise; its gradient is 0."""
        return Tensor._make(xp.sign(self._data), False, None)

    def maximum(self, other) -> Tensor:
        r"""Elementwise $\max(a, b)$ with broadcasting; where $a = b$ the gradient is split in half between them
        (PyTorch's rule).
        """
        return _binary(Maximum, self, other)

    def minimum(self, other) -> Tensor:
        r"""Elementwise $\min(a, b)$ with broadcasting; where $a = b$ the gradient is split in half between them
        (PyTorch's rule).
        """
        return _binary(Minimum, self, other)

    def clamp(self, min=None, max=None) -> Tensor:  # noqa: A002  (PyTorch's argument names)
        r"""$\min(\max(x, \text{min}), \text{max})$ elementwise (either bound may be None); gradient 1 inside the
        bounds, 0 where clamped.
        """
        if min is None and max is None:
            raise RuntimeError("clamp: at least one of 'min' or 'max' must not be None")
        lo, hi = _raw(min), _raw(max)
        dt = self._data.dtype
        if dt.kind == "f":  # a tensor bound (0-d float64, say) does not widen the result: PyTorch's promotion
            lo, hi = (v.astype(dt) if isinstance(v, ndarray) and v.ndim == 0 and v.dtype.kind == "f"
                      and v.dtype.itemsize > dt.itemsize else v for v in (lo, hi))
        return Clamp.apply(self, lo=lo, hi=hi)

    clip = clamp

    def where(self, condition, other) -> Tensor:
        """Elementwise ``self if condition else other`` (``mytorch.where(condition, self, other)``)."""
        from ._functional import where

        return where(condition, self, other)

    def _masked_fill_args(self, mask, value):
        if not isinstance(mask, Tensor) or mask._data.dtype != _dtype.bool_:
            got = str(mask.dtype).removeprefix("mytorch.") if isinstance(mask, Tensor) else type(mask).__name__
            raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype {got}")
        if isinstance(value, Tensor):
            if value._data.ndim:
                raise RuntimeError("masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                                   f"{value._data.ndim} dimension(s).")
            _dtype.fit_scalar(value._data.item(), self._data.dtype)
            return mask, value.to(self.dtype)  # differentiable: a value that requires grad gets Σ g over the mask
        value = _dtype.fit_scalar(_raw(value), self._data.dtype)
        return mask, Tensor._make(xp.asarray(value).astype(self._data.dtype), False, None)  # int64 fill 1.5: 1

    def masked_fill(self, mask, value) -> Tensor:
        """``value`` where the bool ``mask`` is True and this tensor elsewhere, ``mask`` broadcast with it:
        where(mask, value, self) in this tensor's dtype. dself = g where the mask is False; a 0-d tensor value
        gets Σ g over the mask."""
        from ._functional import where

        grad_value = isinstance(value, Tensor) and value._requires_grad and _mode.enabled
        mask, value = self._masked_fill_args(mask, value)
        if grad_value and not _dtype.is_floating_point(self._data.dtype):
            # The result has this tensor's dtype, which cannot carry the value's gradient: torch refuses.
            raise RuntimeError(f"Autograd not support dtype: {_TORCH_INT_NAMES[self._data.dtype.name]}")
        return where(mask, value, self)

    def masked_fill_(self, mask, value) -> Tensor:
        """In place: ``value`` where the bool ``mask`` (broadcast to this tensor's shape) is True."""
        mask, value = self._masked_fill_args(mask, value)
        try:
            shape = xp.broadcast_shapes(mask._data.shape, self._data.shape)
        except ValueError:
            raise RuntimeError(f"masked_fill_: the mask's shape {list(mask._data.shape)} cannot be broadcast to "
                               f"the tensor's {list(self._data.shape)}") from None
        if shape != self._data.shape:
            raise RuntimeError(f"output with shape {list(self._data.shape)} doesn't match the broadcast shape "
                               f"{list(shape)}")
        self[Tensor._make(xp.broadcast_to(mask._data, shape), False, None)] = value
        return self

    # ------------------------------------------------------------------ comparisons (no gradient)
    def _compare(self, other, op) -> Tensor:
        a, b = self._data, _raw(other)
        if isinstance(other, Tensor) and a.dtype != b.dtype:  # compared in PyTorch's common dtype, not NumPy's
            common = _dtype.operands_result_type(a.dtype, a.ndim, b.dtype, b.ndim)
            a, b = a.astype(common, copy=False), b.astype(common, copy=False)
        return Tensor._make(xp.asarray(op(a, b)), False, None)

    def __eq__(self, other):  # type: ignore[override]
        """``self == other`` elementwise (with broadcasting), as a bool tensor; also ``eq``."""
        return self._compare(other, xp.equal)

    def __ne__(self, other):  # type: ignore[override]
        """``self != other`` elementwise, as a bool tensor; also ``ne``."""
        return self._compare(other, xp.not_equal)

    def __lt__(self, other):
        """``self < other`` elementwise, as a bool tensor; also ``lt``."""
        return self._compare(other, xp.less)

    def __le__(self, other):
        """``self <= other`` elementwise, as a bool tensor; also ``le``."""
        return self._compare(other, xp.less_equal)

    def __gt__(self, other):
        """``self > other`` elementwise, as a bool tensor; also ``gt``."""
        return self._compare(other, xp.greater)

    def __ge__(self, other):
        """``self >= other`` elementwise, as a bool tensor; also ``ge``."""
        return self._compare(other, xp.greater_equal)

    eq, ne, lt, le, gt, ge = __eq__, __ne__, __lt__, __le__, __gt__, __ge__

    def __invert__(self) -> Tensor:
        return Tensor._make(~self._data, False, None)

    def __and__(self, other) -> Tensor:
        return self._compare(other, xp.bitwise_and)

    def __or__(self, other) -> Tensor:
        return self._compare(other, xp.bitwise_or)

    def __xor__(self, other) -> Tensor:
        return self._compare(other, xp.bitwise_xor)

    def equal(self, other: Tensor) -> builtins.bool:
        """True when both tensors have the same shape and values."""
        return self.shape == other.shape and builtins.bool((self._data == other._data).all())

    def allclose(self, other: Tensor, rtol: builtins.float = 1e-5, atol: builtins.float = 1e-8) -> builtins.bool:
        r"""Whether $|a - b| \le \text{atol} + \text{rtol}\,|b|$ for every element (nan never close), as
        ``torch.allclose``.
        """
        return builtins.bool(xp.allclose(self._data, _raw(other), rtol=rtol, atol=atol))

    def isnan(self) -> Tensor:
        """Where the elements are nan, as a bool tensor."""
        return Tensor._make(xp.isnan(self._data), False, None)

    def isfinite(self) -> Tensor:
        """Where the elements are finite (neither inf nor nan), as a bool tensor."""
        return Tensor._make(xp.isfinite(self._data), False, None)

    def all(self) -> Tensor:
        """Whether every element is nonzero, as a 0-d bool tensor."""
        return Tensor._make(xp.asarray(self._data.all()), False, None)

    def any(self) -> Tensor:
        """Whether some element is nonzero, as a 0-d bool tensor."""
        return Tensor._make(xp.asarray(self._data.any()), False, None)

    # ------------------------------------------------------------------ reductions
    def sum(self, dim=None, keepdim: builtins.bool = False, *, axis=None, keepdims=None, dtype=None) -> Tensor:
        r"""$\sum_i x_i$ over ``dim`` (all dimensions when None), keeping reduced dimensions as size 1 with ``keepdim``;
        ``dtype=`` casts first.
        """
        x = self if dtype is None else self.to(dtype)
        axes = reduction_axes(dim, axis, x._data.ndim)
        return Sum.apply(x, axes=axes, keepdims=keepdim if keepdims is None else keepdims)

    def mean(self, dim=None, keepdim: builtins.bool = False, *, axis=None, keepdims=None, dtype=None) -> Tensor:
        r"""$\frac{1}{n}\sum_i x_i$ over ``dim`` (all dimensions when None); ``keepdim`` keeps them as size 1."""
        x = self if dtype is None else self.to(dtype)
        if x._data.dtype.kind != "f":
            raise RuntimeError(
                f"mean(): could not infer output dtype. Input dtype must be floating point, got {x.dtype}"
            )
        axes = reduction_axes(dim, axis, x._data.ndim)
        return Mean.apply(x, axes=axes, keepdims=keepdim if keepdims is None else keepdims)

    def var(self, dim=None, *, correction=None, unbiased=None, keepdim=False, axis=None, keepdims=None,
            ddof=None) -> Tensor:
        """Σ(x − mean)² / (n − correction) over ``dim``; ``correction=1`` (the default) is unbiased."""
        if self._data.dtype.kind not in "fc":
            raise RuntimeError(f"std and var only support floating point dtypes, got {self.dtype}")  # as PyTorch
        if self._data.dtype.itemsize < 8:  # accumulated in float64, as PyTorch: a float32 mean of 3e38s overflows
            wide = self.to(_dtype.float64).var(dim, correction=correction, unbiased=unbiased, keepdim=keepdim,
                                               axis=axis, keepdims=keepdims, ddof=ddof)
            return wide.to(self.dtype)
        correction = _correction(correction, unbiased, ddof)
        keep = keepdim if keepdims is None else keepdims
        axes = reduction_axes(dim, axis, self._data.ndim)
        n = 1
        for a in range(self._data.ndim) if axes is None else axes:
            n *= self._data.shape[a]
        if self._data.dtype.kind == "f":
            return Var.apply(self, axes=axes, keepdims=keep, correction=correction)
        diff = self - Mean.apply(self, axes=axes, keepdims=True)
        return Sum.apply(diff * diff, axes=axes, keepdims=keep) / builtins.max(n - correction, 0)

    def std(self, dim=None, *, correction=None, unbiased=None, keepdim=False, axis=None, keepdims=None,
            ddof=None) -> Tensor:
        r"""The standard deviation over ``dim``, $\sqrt{\operatorname{var}(x)}$, with the same ``correction`` /
        ``unbiased`` / ``keepdim`` as ``var``.
        """
        if self._data.dtype.kind == "f" and self._data.dtype.itemsize < 8:  # the root in float64 too (see var)
            wide = self.to(_dtype.float64).std(dim, correction=correction, unbiased=unbiased, keepdim=keepdim,
                                               axis=axis, keepdims=keepdims, ddof=ddof)
            return wide.to(self.dtype)
        # StdRoot: sqrt whose gradient is 0 where std is 0 (PyTorch's std backward)
        return StdRoot.apply(self.var(dim, correction=correction, unbiased=unbiased, keepdim=keepdim, axis=axis,
                                      keepdims=keepdims, ddof=ddof))

    def amax(self, dim=None, keepdim: builtins.bool = False, *, axis=None, keepdims=None) -> Tensor:
        """The maximum over ``dim`` (all dimensions when None); the gradient is shared equally among tied maxima."""
        axes = reduction_axes(dim, axis, self._data.ndim)
        return Amax.apply(self, axes=axes, keepdims=keepdim if keepdims is None else keepdims)

    def amin(self, dim=None, keepdim: builtins.bool = False, *, axis=None, keepdims=None) -> Tensor:
        """The minimum over ``dim`` (all dimensions when None); the gradient is shared equally among tied minima."""
        axes = reduction_axes(dim, axis, self._data.ndim)
        return Amin.apply(self, axes=axes, keepdims=keepdim if keepdims is None else keepdims)

    def max(self, dim=None, keepdim: builtins.bool = False):
        """``max()`` is the largest value; ``max(dim)`` is ``(values, indices)``; ``max(t)`` is maximum."""
        if isinstance(dim, Tensor):
            return self.maximum(dim)
        if dim is None:
            return MaxAll.apply(self, axes=None, keepdims=False)
        if self._data.ndim == 0:
            return _scalar_min_max(self, dim)
        indices = self.argmax(dim, keepdim=True)
        values = self.gather(dim, indices)
        if not keepdim:
            values, indices = values.squeeze(dim), indices.squeeze(dim)
        return min_max(values, indices)

    def min(self, dim=None, keepdim: builtins.bool = False):
        """``min()`` is the smallest value; ``min(dim)`` is ``(values, indices)``; ``min(t)`` is minimum."""
        if isinstance(dim, Tensor):
            return self.minimum(dim)
        if dim is None:
            return MinAll.apply(self, axes=None, keepdims=False)
        if self._data.ndim == 0:
            return _scalar_min_max(self, dim)
        indices = self.argmin(dim, keepdim=True)
        values = self.gather(dim, indices)
        if not keepdim:
            values, indices = values.squeeze(dim), indices.squeeze(dim)
        return min_max(values, indices)

    def logsumexp(self, dim=None, keepdim: builtins.bool = False, *, axis=None, keepdims=None) -> Tensor:
        """log Σ exp(x) over ``dim``, computed as m + log Σ exp(x − m) so it never overflows."""
        axes = reduction_axes(dim, axis, self._data.ndim)
        return LogSumExp.apply(self, axes=axes, keepdims=keepdim if keepdims is None else keepdims)

    def softmax(self, dim: builtins.int | None = None, *, axis: builtins.int | None = None) -> Tensor:
        r"""$\operatorname{softmax}(x)_i = e^{x_i} / \sum_j e^{x_j}$ along ``dim``; the Jacobian-vector product is $y
        \odot (\bar y - \langle \bar y, y\rangle)$.
        """
        return Softmax.apply(self, axis=_one_dim(dim, axis, self._data.ndim, "softmax"))

    def log_softmax(self, dim: builtins.int | None = None, *, axis: builtins.int | None = None) -> Tensor:
        r"""$x_i - \log\sum_j e^{x_j}$ along ``dim`` (stable); the gradient is $\bar y - \operatorname{softmax}(x)
        \sum_j \bar y_j$.
        """
        return LogSoftmax.apply(self, axis=_one_dim(dim, axis, self._data.ndim, "log_softmax"))

    def argmax(self, dim=None, keepdim: builtins.bool = False, *, axis=None, keepdims=None) -> Tensor:
        """The index of the maximum over ``dim`` (of the flattened tensor when None), as int64; the first one among
        ties.
        """
        axis = None if dim is None and axis is None else _one_dim(dim, axis, self._data.ndim, "argmax")
        keep = keepdim if keepdims is None else keepdims
        return Tensor._make(xp.asarray(argmax(self._data, axis, keep), dtype=_dtype.int64), False, None)

    def argmin(self, dim=None, keepdim: builtins.bool = False, *, axis=None, keepdims=None) -> Tensor:
        """The index of the minimum over ``dim`` (of the flattened tensor when None), as int64; the first one among
        ties.
        """
        axis = None if dim is None and axis is None else _one_dim(dim, axis, self._data.ndim, "argmin")
        keep = keepdim if keepdims is None else keepdims
        return Tensor._make(xp.asarray(argmin(self._data, axis, keep), dtype=_dtype.int64), False, None)

    # ------------------------------------------------------------------ shape
    def reshape(self, *shape) -> Tensor:
        """The same elements in a new shape (sizes as arguments or one tuple; one may be -1); a view when the
        layout allows, else a copy.
        """
        shape = _shape_arg(shape)
        if shape == self._data.shape:
            return self
        return Reshape.apply(self, shape=shape)

    def view(self, *shape) -> Tensor:
        """The same memory seen with a new shape (one size may be -1); the tensor must be contiguous for it."""
        return self.reshape(*shape)

    def view_as(self, other: Tensor) -> Tensor:
        """``self.view(other.shape)``."""
        return self.reshape(other.shape)

    def reshape_as(self, other: Tensor) -> Tensor:
        """``self.reshape(other.shape)``."""
        return self.reshape(other.shape)

    def permute(self, *dims) -> Tensor:
        """The dimensions reordered to ``dims`` (as arguments or one tuple; a view)."""
        dims = _shape_arg(dims)
        n = self._data.ndim
        if len(dims) != n:
            raise RuntimeError(f"permute: got {len(dims)} dims for a tensor with {n} dims")
        dims = tuple(_normalize_dim(d, n) for d in dims)
        if sorted(dims) != list(range(n)):
            raise RuntimeError(f"permute: dims {dims} are not a permutation of {tuple(range(n))}")
        return Permute.apply(self, dims=dims)

    def transpose(self, dim0: builtins.int, dim1: builtins.int) -> Tensor:
        """Swaps dimensions ``dim0`` and ``dim1`` (a view)."""
        n = self._data.ndim
        if n < 2 and dim0 in (0, -1) and dim1 in (0, -1):
            return self
        dims = list(range(n))
        a, b = _normalize_dim(dim0, n), _normalize_dim(dim1, n)
        dims[a], dims[b] = dims[b], dims[a]
        return Transpose.apply(self, dims=tuple(dims))

    def t(self) -> Tensor:
        """The transpose of a tensor of at most 2 dimensions."""
        if self._data.ndim > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {self._data.ndim}D")
        return self if self._data.ndim < 2 else MatrixTranspose.apply(self, dims=(1, 0))

    @property
    def T(self) -> Tensor:
        """All dimensions reversed (for a matrix, its transpose)."""
        n = self._data.ndim
        return self if n < 2 else Permute.apply(self, dims=tuple(range(n - 1, -1, -1)))

    @property
    def mT(self) -> Tensor:
        """The last two dimensions swapped (a batch of matrices transposed)."""
        return self.transpose(-2, -1)

    def flatten(self, start_dim: builtins.int = 0, end_dim: builtins.int = -1) -> Tensor:
        """Flattens dimensions ``start_dim`` to ``end_dim`` (by default all) into one."""
        shape = self._data.shape
        if not shape:
            _normalize_dim(start_dim, 1), _normalize_dim(end_dim, 1)  # a 0-d tensor has dims -1 and 0 (PyTorch)
            return self.reshape(1)
        s, e = _normalize_dim(start_dim, len(shape)), _normalize_dim(end_dim, len(shape))
        if s > e:
            raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
        n = 1
        for d in shape[s : e + 1]:
            n *= d
        return self.reshape(shape[:s] + (n,) + shape[e + 1 :])

    def unflatten(self, dim: builtins.int, sizes) -> Tensor:
        """Dimension ``dim`` split into ``sizes`` (whose product must be its size; one may be -1)."""
        shape = self._data.shape
        d = _normalize_dim(dim, len(shape))
        return self.reshape(shape[:d] + tuple(sizes) + shape[d + 1 :])

    def movedim(self, source: builtins.int, destination: builtins.int) -> Tensor:
        """Dimension ``source`` moved to position ``destination``, the others keeping their order."""
        n = self._data.ndim
        order = [d for d in range(n) if d != _normalize_dim(source, n)]
        order.insert(_normalize_dim(destination, n), _normalize_dim(source, n))
        return self.permute(*order)

    def unsqueeze(self, dim: builtins.int) -> Tensor:
        """Inserts a dimension of size 1 at ``dim``."""
        shape = list(self._data.shape)
        shape.insert(_normalize_dim(dim, len(shape) + 1), 1)
        return Unsqueeze.apply(self, shape=tuple(shape))

    def squeeze(self, dim=None) -> Tensor:
        """Removes dimensions of size 1 (only ``dim`` when given)."""
        shape = self._data.shape
        if dim is None:
            dims = {i for i, s in enumerate(shape) if s == 1}
        else:
            dims = {_normalize_dim(d, len(shape)) for d in ((dim,) if isinstance(dim, builtins.int) else dim)}
            dims = {d for d in dims if shape and shape[d] == 1}  # squeezing a size-n dim is a no-op
        if not dims:
            return self
        return Squeeze.apply(self, shape=tuple(s for i, s in enumerate(shape) if i not in dims))

    def expand(self, *sizes) -> Tensor:
        """A view with size-1 dimensions stretched to ``sizes`` (-1 keeps a size); no memory is copied."""
        sizes = _shape_arg(sizes)
        shape = self._data.shape
        lead = len(sizes) - len(shape)
        if lead < 0:
            raise RuntimeError(
                f"expand: the number of sizes provided ({len(sizes)}) must be greater or equal to the "
                f"number of dimensions in the tensor ({len(shape)})"
            )
        target = tuple(shape[i - lead] if s == -1 and i >= lead else s for i, s in enumerate(sizes))
        for i, s in enumerate(shape):
            if s != 1 and s != target[lead + i]:
                raise RuntimeError(
                    f"expand: the expanded size of the tensor ({target[lead + i]}) must match the existing size "
                    f"({s}) at non-singleton dimension {lead + i}; target sizes {sizes}, tensor shape {shape}"
                )
        if target == shape:
            return self
        return Expand.apply(self, shape=target)

    def broadcast_to(self, *shape) -> Tensor:
        """Expands the tensor to ``shape`` by NumPy's broadcasting rules (a view)."""
        return self.expand(*shape)

    def expand_as(self, other: Tensor) -> Tensor:
        """``self.expand(other.shape)``."""
        return self.expand(other.shape)

    def split(self, split_size_or_sections, dim: builtins.int = 0) -> tuple:
        """Pieces of ``split_size`` along ``dim`` (the last may be smaller), or of the given sizes."""
        d = _normalize_dim(dim, self.ndim)
        n = self.shape[d]
        if isinstance(split_size_or_sections, builtins.int):
            step = split_size_or_sections
            sizes = [builtins.min(step, n - i) for i in range(0, n, step)] or [0]
        else:
            sizes = list(split_size_or_sections)
            if builtins.sum(sizes) != n:
                raise RuntimeError(f"split: sizes {sizes} do not add up to {n}, the size of dim {d}")
        out, start = [], 0
        for s in sizes:
            out.append(self[(slice(None),) * d + (slice(start, start + s),)])
            start += s
        return tuple(out)

    def chunk(self, chunks: builtins.int, dim: builtins.int = 0) -> tuple:
        """``chunks`` pieces along ``dim`` of size ``ceil(n / chunks)`` (the last may be smaller, and fewer pieces
        may come back), as views.
        """
        n = self.shape[_normalize_dim(dim, self.ndim)]
        return self.split(-(-n // chunks) if n else 1, dim)

    def gather(self, dim: builtins.int, index: Tensor) -> Tensor:
        """``out[i][j] = self[i][index[i][j]]`` for ``dim=1`` (and likewise for other dims)."""
        idx = _raw(index)
        if idx.dtype.kind not in "iu":
            raise RuntimeError(f"gather(): index must be an integer tensor, got {idx.dtype}")
        d = _normalize_dim(dim, self._data.ndim)
        idx = check_index("gather", self._data.shape, idx, None, d)  # PyTorch's shape and range rules
        return Gather.apply(self, index=idx, dim=d)

    def _scatter_args(self, who: str, dim, index, src, value):
        """Normalised (dim, index array, src array or number) for the scatter methods."""
        if src is not None and value is not None:
            raise TypeError(f"{who}(): pass either src or value, not both")
        if src is None:
            src = value
        if src is None:
            raise TypeError(f"{who}() needs src (a tensor) or value (a number)")
        d = _normalize_dim(dim, builtins.max(self._data.ndim, 1))
        src_shape = tuple(src._data.shape) if isinstance(src, Tensor) else None
        idx = check_index(who, self._data.shape, _raw(index), src_shape, d)
        return d, idx, src

    def scatter(self, dim: builtins.int, index: Tensor, src=None, *, value=None, reduce=None) -> Tensor:
        """A copy with ``src`` (a tensor, or one number) written at ``index`` along ``dim``; see ``ops.scatter``."""
        if reduce is not None:
            return self.detach().clone().scatter_(dim, index, src, value=value, reduce=reduce)
        d, idx, src = self._scatter_args("scatter", dim, index, src, value)
        if not isinstance(src, Tensor):
            return Scatter.apply(self, _raw(src), index=idx, dim=d)
        if src._data.dtype != self._data.dtype:
            raise RuntimeError(f"scatter(): Expected self.dtype to be equal to src.dtype ({self.dtype} vs {src.dtype})")
        return Scatter.apply(self, src, index=idx, dim=d)

    def scatter_add(self, dim: builtins.int, index: Tensor, src: Tensor) -> Tensor:
        """A copy with ``src`` added at ``index`` along ``dim`` (repeated indices add up)."""
        d, idx, src = self._scatter_args("scatter_add", dim, index, src, None)
        if not isinstance(src, Tensor) or src._data.dtype != self._data.dtype:
            raise RuntimeError("scatter_add(): src must be a tensor of self's dtype")
        return ScatterAdd.apply(self, src, index=idx, dim=d)

    def scatter_(self, dim: builtins.int, index: Tensor, src=None, *, value=None, reduce=None) -> Tensor:
        """In place: write (``reduce=None``), add (``"add"``) or multiply (``"multiply"``) src at ``index``."""
        self._check_inplace()
        d, idx, src = self._scatter_args("scatter_", dim, index, src, value)
        where = scatter_positions(idx, d)
        values = _raw(src)
        if isinstance(src, Tensor) and values.ndim:
            values = values[tuple(slice(0, n) for n in idx.shape)]
        if reduce is None:
            self._data[where] = values
        elif reduce == "add":
            xp.add.at(self._data, where, values)
        elif reduce == "multiply":
            xp.multiply.at(self._data, where, values)
        else:
            raise RuntimeError(f"scatter_(): reduce argument must be either add or multiply, got {reduce!r}")
        return self

    def scatter_add_(self, dim: builtins.int, index: Tensor, src: Tensor) -> Tensor:
        """In place: adds ``src`` into ``self`` at ``index`` along ``dim`` (for ``dim=0``,
        ``self[index[i][j]][j] += src[i][j]``).
        """
        return self.scatter_(dim, index, src, reduce="add")

    def __getitem__(self, key) -> Tensor:
        key, basic = _index_key(key)
        if not basic and self._data.size == 0:
            key = _empty_result_key(key, self._data.shape)
        try:
            return index_op(key, basic).apply(self, key=key, basic=basic)
        except IndexError as e:
            raise IndexError(f"{e} (indexing a tensor of shape {tuple(self.shape)})") from None

    # ------------------------------------------------------------------ in-place (optimizers, init)
    def _check_inplace(self) -> None:
        """Refuse an in-place write autograd cannot follow; otherwise count it in the version."""
        if self._requires_grad and _mode.enabled:
            if self._grad_fn is None:
                raise RuntimeError(
                    "a leaf Variable that requires grad is being used in an in-place operation. "
                    "(Wrap the update in `with mytorch.no_grad():`.)"
                )
            raise RuntimeError(
                "in-place operations on a tensor that is part of the autograd graph are not supported; "
                "use the out-of-place form (e.g. x = x + y instead of x.add_(y))"
            )
        self._bump_version()

    def _inplace(self, ufunc, other, name: str) -> Tensor:
        self._check_inplace()
        try:
            ufunc(self._data, _raw(other), out=self._data, casting="same_kind")
        except ValueError:
            raise RuntimeError(
                f"{name}: output with shape {tuple(self.shape)} doesn't match the broadcast shape of the "
                f"operands (other has shape {tuple(xp.shape(_raw(other)))})"
            ) from None
        return self

    def add_(self, other, alpha=1) -> Tensor:
        r"""In place: ``self`` $\leftarrow$ ``self`` $+ \alpha \cdot$ ``other``."""
        return self._inplace(xp.add, other if alpha == 1 else _raw(other) * alpha, "add_")

    def sub_(self, other, alpha=1) -> Tensor:
        r"""In place: ``self`` $\leftarrow$ ``self`` $- \alpha \cdot$ ``other``."""
        return self._inplace(xp.subtract, other if alpha == 1 else _raw(other) * alpha, "sub_")

    def mul_(self, other) -> Tensor:
        """In place: ``self *= other``."""
        return self._inplace(xp.multiply, other, "mul_")

    def div_(self, other) -> Tensor:
        """In place: ``self /= other``."""
        return self._inplace(xp.true_divide, other, "div_")

    def clamp_(self, min=None, max=None) -> Tensor:  # noqa: A002
        """In place: the elements clamped to ``[min, max]``."""
        self._check_inplace()
        if min is None and max is None:
            raise RuntimeError("clamp_: at least one of 'min' or 'max' must not be None")
        if min is not None:
            xp.maximum(self._data, _raw(min), out=self._data, casting="same_kind")
        if max is not None:
            xp.minimum(self._data, _raw(max), out=self._data, casting="same_kind")
        return self

    clip_ = clamp_

    def copy_(self, src) -> Tensor:
        """Copy ``src`` (broadcast to this shape, cast to this dtype) into this tensor's memory."""
        self._check_inplace()
        value = _raw(src)
        try:
            xp.copyto(self._data, value, casting="unsafe")
        except ValueError:
            raise RuntimeError(
                f"copy_: cannot copy a source of shape {tuple(xp.shape(value))} into a tensor of shape "
                f"{tuple(self.shape)}"
            ) from None
        return self

    def zero_(self) -> Tensor:
        """In place: every element set to 0."""
        self._check_inplace()
        self._data.fill(0)
        return self

    def fill_(self, value) -> Tensor:
        """In place: every element set to ``value``."""
        self._check_inplace()
        # a number must fit the dtype (a 0-d tensor value is copied unchecked, as torch's)
        self._data.fill(_dtype.fit_scalar(_raw(value), self._data.dtype, self._data.size != 1))
        return self

    def uniform_(self, a: builtins.float = 0.0, b: builtins.float = 1.0, *, generator=None) -> Tensor:
        """Fill with U[a, b) drawn as PyTorch draws it (one word per float32, two per float64)."""
        return _sampling.uniform_(self, a, b, generator)

    def normal_(self, mean: builtins.float = 0.0, std: builtins.float = 1.0, *, generator=None) -> Tensor:
        """Fill with N(mean, std²) by PyTorch's Box-Muller (vectorised for 16+ contiguous elements)."""
        return _sampling.normal_(self, mean, std, generator)

    def bernoulli_(self, p=0.5, *, generator=None) -> Tensor:
        """Fill with 1 where a uniform draw is below ``p`` (a number or a tensor of probabilities), else 0."""
        return _sampling.bernoulli_(self, p, generator)

    def bernoulli(self, p=None, *, generator=None) -> Tensor:
        """A 0/1 sample with probabilities ``self`` (or the number ``p``), same shape and dtype."""
        out = Tensor._make(xp.empty(self.shape, self.dtype), False, None)
        return _sampling.bernoulli_(out, self if p is None else p, generator)

    def exponential_(self, lambd: builtins.float = 1.0, *, generator=None) -> Tensor:
        """Fill with Exp(λ) samples: −log(1 − u)/λ."""
        return _sampling.exponential_(self, lambd, generator)

    def geometric_(self, p: builtins.float, *, generator=None) -> Tensor:
        """Fill with Geometric(p) samples on {1, 2, ...}: ⌈log u / log(1 − p)⌉."""
        return _sampling.geometric_(self, p, generator)

    def log_normal_(self, mean: builtins.float = 1.0, std: builtins.float = 2.0, *, generator=None) -> Tensor:
        """Fill with exp(N(mean, std²)) samples."""
        return _sampling.log_normal_(self, mean, std, generator)

    def cauchy_(self, median: builtins.float = 0.0, sigma: builtins.float = 1.0, *, generator=None) -> Tensor:
        """Fill with Cauchy(median, σ) samples: median + σ·tan(π(u − ½))."""
        return _sampling.cauchy_(self, median, sigma, generator)

    def random_(self, from_=None, to=..., *, generator=None) -> Tensor:
        """Fill with integers: ``random_()`` [0, dtype max], ``random_(to)`` [0, to), ``random_(from, to)``.

        ``random_(from, None)`` is [from, dtype max]; ``random_(-2**63, None)`` on int64 the full 64-bit range.
        """
        if to is ...:
            from_, to = (None, None) if from_ is None else (0, from_)
        return _sampling.random_(self, from_, to, generator)

    def multinomial(self, num_samples: builtins.int, replacement: builtins.bool = False, *, generator=None) -> Tensor:
        """Indices drawn from the rows of ``self`` (non-negative weights), with or without replacement."""
        idx = _sampling.multinomial(self._data, num_samples, replacement, generator)
        return Tensor._make(idx, False, None)

    def __setitem__(self, key, value) -> None:
        # PyTorch writes through a view (copy_ into self[key]) for keys of ints, slices, None and ...,
        # and for a lone Python bool; any other key (an index tensor or list, a bool inside a tuple)
        # is index_put_.
        bare_bool = type(key) is builtins.bool
        key, basic = _index_key(key)
        if not basic and self._data.size == 0:
            key = _empty_result_key(key, self._data.shape)
        sliced = basic or bare_bool
        if not isinstance(value, (Tensor, ndarray)):
            value = _dtype.fit_scalar(value, self._data.dtype, half=False)  # 1e300 does not fit a float32
        elif not sliced and isinstance(value, Tensor):
            # PyTorch's index_put_ does not cast a tensor value; a lone boolean mask with one value is a masked
            # fill, which casts its number (and refuses one that does not fit)
            if value._data.size == 1 and _lone_mask(key):
                _dtype.fit_scalar(value._data.item(), self._data.dtype)
            elif value._data.dtype != self._data.dtype:
                    raise RuntimeError(f"Index put requires the source and destination dtypes match, got {self.dtype} "
                                   f"for the destination and {value.dtype} for the source.")
        value_grad = isinstance(value, Tensor) and value._requires_grad
        if (value_grad and sliced and self._data.dtype.kind not in "fc"
                and (value._data.ndim > 0 or self._data[key].ndim == 0)):
            # The view's copy_ casts the value to this dtype and records no history when that dtype
            # cannot carry a gradient (an integer or bool tensor). A 0-d value spread over a larger view
            # is PyTorch's fill_ instead, which does record one (the result requires grad).
            value_grad = False
        value = _strip_leading_ones(value)
        if _mode.enabled and (self._grad_fn is not None or value_grad):
            # Autograd follows the write, as PyTorch's CopySlices / IndexPut: this tensor's history
            # becomes a node whose inputs are its old history and the value.
            if self._requires_grad and self._grad_fn is None:
                raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation. "
                                   "(Wrap the write in `with mytorch.no_grad():`.)")
            self._bump_version()
            # PyTorch: a key that first takes a view (an int, a slice that is not ``:``, None, a bool)
            # is CopySlices around the view; only advanced indices with ``:``/``...`` are IndexPut.
            parts = key if isinstance(key, tuple) else (key,)
            view = basic or any(k is None or type(k) is builtins.int or (type(k) is slice and k != slice(None))
                                or (isinstance(k, ndarray) and k.ndim == 0) for k in parts)
            node = CopySlices if view else IndexPut
            out = node.apply(self, value if isinstance(value, Tensor) else _raw(value), key=key)
            self._grad_fn = out._grad_fn
            self._requires_grad = True
            return
        self._check_inplace()
        with xp.errstate(over="ignore", invalid="ignore"):  # what fits was checked above; 70000 in float16 is inf
            self._data[key] = _raw(value)

    # ``x += y`` on a tensor inside the graph rebinds x to the new node (the value and gradients are
    # PyTorch's; only other views of the old x do not see the change). Elsewhere it is in place, and
    # on a leaf that requires grad it raises, as in PyTorch.
    def __iadd__(self, other):
        return self + other if self._grad_fn is not None and _mode.enabled else self.add_(other)

    def __isub__(self, other):
        return self - other if self._grad_fn is not None and _mode.enabled else self.sub_(other)

    def __imul__(self, other):
        return self * other if self._grad_fn is not None and _mode.enabled else self.mul_(other)

    def __itruediv__(self, other):
        return self / other if self._grad_fn is not None and _mode.enabled else self.div_(other)


# ---------------------------------------------------------------------- helpers
def _lone_mask(key) -> builtins.bool:
    """True for an index key that is one boolean mask (``x[mask] = v``, PyTorch's masked fill for a 1-element v)."""
    parts = key if isinstance(key, tuple) else (key,)
    return len(parts) == 1 and isinstance(parts[0], ndarray) and parts[0].dtype == builtins.bool


def _raw(x):
    """The array behind a tensor; Python and NumPy scalars and arrays pass through."""
    if isinstance(x, Tensor):
        return x._data
    if isinstance(x, xp.generic):
        return x.item()
    return x


def _binary(fn, a: Tensor, b, reflected: builtins.bool = False):
    """Apply a binary op after PyTorch's promotion (see ``_dtype``); ``b`` may be a scalar or array.

    Only integer/bool operands are ever cast here (plainly: they carry no gradient). Two float
    dtypes are left to NumPy, which promotes them as PyTorch does; the gradients are cast back.
    """
    if fn is Sub and (a._data.dtype == xp.bool_ or (isinstance(b, Tensor) and b._data.dtype == xp.bool_)):
        Sub.forward(None, a._data, b._data if isinstance(b, Tensor) else b)  # PyTorch's refusal, before any cast
    if isinstance(b, Tensor):
        da, db = a._data.dtype, b._data.dtype
        out = da if da == db else _dtype.operands_result_type(da, a._data.ndim, db, b._data.ndim)
        if fn is Div and out.kind != "f":
            out = _dtype.get_default_dtype()  # true division of integers gives floats
        a, b = _cast_operand(a, out), _cast_operand(b, out)
    elif isinstance(b, xp.generic):  # before the Python-scalar test: np.float64 is a float subclass
        return _binary(fn, a, b.item(), reflected)
    elif isinstance(b, _SCALARS):
        if a._data.dtype.kind in "biu" and (isinstance(b, builtins.float) or fn is Div):
            a = Tensor._make(a._data.astype(_dtype.get_default_dtype()), False, None)
    elif isinstance(b, ndarray):
        return _binary(fn, a, Tensor._make(b, False, None), reflected)
    else:
        return NotImplemented
    return fn.apply(b, a) if reflected else fn.apply(a, b)


def _cast_operand(x: Tensor, out) -> Tensor:
    """``x`` in the dtype an op computes in. An integer or bool operand is cast plainly (it carries no gradient).
    A float narrower than ``out`` is left as it is (NumPy promotes it as PyTorch does); a float wider than ``out``
    (a 0-d float64 beside float32 x: PyTorch computes in float32) is cast as an op, so its gradient comes back
    in its own dtype."""
    d = x._data.dtype
    if d == out:
        return x
    if d.kind != "f":
        return Tensor._make(x._data.astype(out), False, None)
    if out.kind == "f" and d.itemsize > out.itemsize:
        return x.to(out)
    return x


def _scalar_min_max(x: Tensor, dim):
    """``max(dim)``/``min(dim)`` of a 0-d tensor: itself and index 0 (dim must be 0 or -1, as PyTorch)."""
    _normalize_dim(dim, 1)
    return min_max(x.clone(), Tensor._make(xp.zeros((), xp.int64), False, None))


def _shape_arg(args: tuple) -> tuple:
    """Accept ``f(2, 3)``, ``f((2, 3))`` and ``f([2, 3])`` alike."""
    if len(args) == 1 and not isinstance(args[0], (builtins.int, xp.integer)):
        args = tuple(args[0])
    return tuple(builtins.int(a) for a in args)


def _is_index_part(k) -> builtins.bool:
    """Whether a list element makes the list a tuple of indices (PyTorch's rule for sequences)."""
    return k is None or k is Ellipsis or isinstance(k, (slice, list, tuple, range)) or (
        isinstance(k, Tensor) and k._data.ndim > 0)


_TORCH_INT_NAMES = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def _matmul_folds(a: Tensor, b: Tensor) -> builtins.bool:
    """Whether PyTorch's matmul of a ≥3-D operand with a 1-D or 2-D one flattens the larger into a matrix (one mm or
    mv, which check dtypes) rather than broadcasting both to a batch of matrices (bmm).

    It flattens when the smaller operand requires grad; never for a 2-D left operand otherwise; always when the
    larger is empty; else when the larger one's batch dims (of its transpose, when it is the right operand) can be
    merged without a copy: stride[i] = stride[i+1]·size[i+1] for each of them.
    """
    big, small = (a, b) if a.ndim >= b.ndim else (b, a)
    if not (big.ndim >= 3 and 1 <= small.ndim <= 2):
        return False
    if small._requires_grad:
        return True
    if a.ndim == 2:
        return False
    if big._data.size == 0:
        return True
    data = big._data if big is a else xp.swapaxes(big._data, -1, -2)
    strides = [st // data.itemsize for st in data.strides]
    return all(strides[i] == strides[i + 1] * data.shape[i + 1] for i in range(data.ndim - 2))


def _empty_batched_matmul(a: Tensor, b: Tensor):
    """PyTorch's matmul of mixed dtypes with an empty operand where it takes the batched (bmm) path: no dtype check,
    the result is zeros of ``b``'s dtype (``a`` converted to it), and autograd refuses an integer result beside an
    input that requires grad. None where PyTorch takes another path (its mm/mv/dot, which refuse mixed dtypes) or
    the shapes do not fit (left to MatMul's error)."""
    if a.ndim == 0 or b.ndim == 0 or max(a.ndim, b.ndim) < 3 or _matmul_folds(a, b):
        return None
    m = a._data.shape[-1]
    if m != b._data.shape[0 if b.ndim == 1 else -2]:
        return None
    try:
        xp.broadcast_shapes(a._data.shape[:-2], b._data.shape[:-2])
    except ValueError:
        return None
    if b._data.dtype.kind not in "fc":
        if _mode.enabled and (a._requires_grad or b._requires_grad):
            raise RuntimeError(f"Autograd not support dtype: {_TORCH_INT_NAMES.get(b._data.dtype.name, b.dtype)}")
        return MatMul.apply(a.detach().to(b.dtype), b.detach())
    return MatMul.apply(a.to(b.dtype), b)


def _index_key(key):
    """Convert tensors and lists inside an index to arrays; report whether it is basic indexing."""
    if type(key) is builtins.int or type(key) is slice:
        return key, True
    if isinstance(key, list) and any(_is_index_part(k) for k in key):
        # PyTorch (for now) reads a list holding sequences, slices, None or ... as a tuple of indices.
        warnings.warn("indexing with a list of sequences or slices is read as a tuple of indices, as PyTorch "
                      "does today (and plans to change); write x[tuple(seq)] to say so", UserWarning, stacklevel=3)
        key = tuple(key)
    if not isinstance(key, tuple):
        key = (key,)
    out = []
    basic = True
    for k in key:
        if isinstance(k, (range, tuple)):  # a Python sequence of indices, as a list
            k = list(k)
        if isinstance(k, Tensor):
            k = k._data
        elif isinstance(k, (list, builtins.bool)):
            k = xp.asarray(k) if (not isinstance(k, list) or k) else xp.zeros(0, _dtype.int64)
        elif isinstance(k, xp.integer):
            k = builtins.int(k)
        if isinstance(k, ndarray):
            if k.dtype.kind not in "iub":
                raise IndexError(f"tensors used as indices must be long, int, byte or bool tensors, got {k.dtype}")
            if k.ndim == 0 and k.dtype.kind != "b":
                k = builtins.int(k)
            else:
                basic = False
        elif not (k is None or k is Ellipsis or isinstance(k, (builtins.int, slice))):
            raise IndexError(f"unsupported index {k!r} of type {type(k).__name__}")
        out.append(k)
    return tuple(out), basic


def _strip_leading_ones(value):
    """A written value without its leading size-1 dimensions, as PyTorch's setitem takes it first: a (1,) or
    (1, 1) value fits a single element (``y[1, 1] = t[:1]``), which NumPy refuses. A Tensor is reshaped as an op,
    so its gradient comes back in its own shape."""
    shape = getattr(value, "shape", ())
    lead = 0
    while lead < len(shape) and shape[lead] == 1:
        lead += 1
    if not lead:
        return value
    return value.reshape(tuple(shape[lead:]))


def _empty_result_key(key: tuple, shape: tuple) -> tuple:
    """The key with its integer index arrays on non-empty dimensions set to 0, for a tensor with no elements.

    PyTorch checks an advanced index's bounds only while it gathers, so when the result is empty (the
    empty dimension is one the key does not index) any index values pass: ``zeros(1, 0)[[5]]`` has shape
    (1, 0). An index into the empty dimension itself is still out of bounds. NumPy checks every index, so
    the values on the other dimensions are replaced by an in-range 0 (the result's shape is the same).
    """
    used = sum(1 if not isinstance(k, ndarray) or k.dtype.kind != "b" else k.ndim
               for k in key if k is not None and k is not Ellipsis)
    out, dim = [], 0
    for k in key:
        if k is Ellipsis:
            dim += len(shape) - used
        elif isinstance(k, ndarray) and k.dtype.kind == "b":
            dim += k.ndim
        elif k is not None:
            if isinstance(k, ndarray) and dim < len(shape) and shape[dim] > 0:
                k = xp.zeros(k.shape, k.dtype)
            dim += 1
        out.append(k)
    return tuple(out)


def _one_dim(dim, axis, ndim: builtins.int, op: str) -> builtins.int:
    """The one dimension an op works along, given as PyTorch's ``dim`` or NumPy's ``axis``."""
    if dim is not None and axis is not None:
        raise TypeError(f"{op}: pass either dim= (PyTorch) or axis= (NumPy), not both")
    if dim is None and axis is None:
        raise TypeError(f"{op}() needs the dimension to work along: dim=...")
    return _normalize_dim(dim if axis is None else axis, ndim)


def _correction(correction, unbiased, ddof) -> builtins.int:
    if unbiased is not None:
        return 1 if unbiased else 0
    if ddof is not None:
        return ddof
    return 1 if correction is None else correction


def _to_array(data: Any, dtype=None) -> ndarray:
    """Convert user data to a fresh array with PyTorch's dtype inference."""
    if isinstance(data, Tensor):
        arr = data._data.copy()
    elif isinstance(data, (ndarray, xp.generic)):
        if data.dtype.kind not in "biuf":
            raise TypeError(f"can't convert an array of dtype {data.dtype} to a tensor (numeric or bool only)")
        arr = xp.array(data)
    else:
        try:
            arr = xp.array(data)
        except ValueError as e:
            raise ValueError(f"can't build a tensor from {type(data).__name__}: {e}") from None
        if arr.dtype.kind == "f":
            if dtype is None:  # Python floats: the default dtype; a dtype given is cast to once, below (0.1 in
                with xp.errstate(over="ignore"):  # float64 is 0.1, not float32's 0.10000000149); 1e300 is inf, quietly
                    arr = arr.astype(_dtype.get_default_dtype())
        elif arr.dtype.kind in "iu":
            arr = arr.astype(_dtype.int64)
        elif arr.dtype.kind != "b":
            raise TypeError(f"can't build a tensor from {type(data).__name__} (got values of dtype {arr.dtype})")
    if dtype is not None:
        with xp.errstate(over="ignore"):  # as torch: tensor([1e300], dtype=float32) is inf, without a word
            arr = arr.astype(_dtype.as_dtype(dtype), copy=False)
    elif arr.dtype not in _dtype._SUPPORTED:
        raise TypeError(f"dtype {arr.dtype} is not supported by mytorch")
    return arr


def _format(t: Tensor) -> str:
    data = to_host(t._data)
    prefix = "tensor("
    if data.size == 0:
        body = f"[], size={tuple(data.shape)}" if data.ndim > 1 else "[]"
    elif data.dtype.kind == "f":
        finite = data[xp.isfinite(data)].astype(xp.float64)  # exact; float16 would overflow comparing with 1e8
        integral = finite.size == 0 or builtins.bool((finite == xp.round(finite)).all())
        big = finite.size and (xp.abs(finite).max() >= 1e8 or (xp.abs(finite[finite != 0]).min(initial=1) < 1e-4))
        body = xp.array2string(
            data, separator=", ", prefix=prefix, precision=4,
            floatmode="maxprec" if integral else "fixed", suppress_small=not big, threshold=1000,
        )
    else:
        body = xp.array2string(data, separator=", ", prefix=prefix, threshold=1000)
    extras = []
    if data.dtype not in (_dtype.get_default_dtype(), _dtype.int64, _dtype.bool_):
        extras.append(f"dtype=mytorch.{data.dtype}")
    if t._grad_fn is not None:
        extras.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t._requires_grad:
        extras.append("requires_grad=True")
    return prefix + body + "".join(", " + e for e in extras) + ")"


from . import _sampling  # noqa: E402
from .autograd import hooks as _hooks  # noqa: E402
from .autograd.engine import backward as autograd_backward  # noqa: E402
from .autograd.engine import general_needed, run_backward, seed_gradients  # noqa: E402  (the ops import Tensor: import them last)
from .autograd.grad_mode import _mode  # noqa: E402
from .ops._util import normalize_dim as _normalize_dim  # noqa: E402
from .ops._util import reduction_axes  # noqa: E402
from .ops.activation import Erf, LogSoftmax, Softmax  # noqa: E402
from .ops.elementwise import (  # noqa: E402
    Abs,
    Add,
    Cast,
    Clamp,
    Clone,
    Div,
    Exp,
    Log,
    Maximum,
    Minimum,
    Mul,
    Neg,
    Pow,
    Relu,
    Sigmoid,
    Sqrt,
    StdRoot,
    Sub,
    Tanh,
)
from .ops.linalg import MatMul  # noqa: E402
from .ops.reduce import Amax, Amin, LogSumExp, MaxAll, Mean, MinAll, Sum, Var, argmax, argmin  # noqa: E402
from .ops.scatter import Scatter, ScatterAdd, check_index, scatter_positions  # noqa: E402
from .ops.shape import (  # noqa: E402
    CopySlices,
    Expand,
    Gather,
    IndexPut,
    MatrixTranspose,
    Permute,
    Reshape,
    Squeeze,
    Transpose,
    Unsqueeze,
    index_op,
)
from .ops.trig import Acos, Asin, Atan, Cos, Cosh, Sin, Sinh, Tan  # noqa: E402
