"""Dtypes and the promotion rules mytorch shares with PyTorch.

Arrays hold NumPy dtypes. The public dtypes (``mytorch.float32``, ``tensor.dtype``) are
``mytorch.dtype`` objects that print as PyTorch's do (``mytorch.float32``) and stand for their
NumPy dtype everywhere: they compare equal to it (``mytorch.float32 == numpy.float32``), hash
alike, and NumPy accepts them as dtypes (``arr.astype(mytorch.float64)``), so arrays and tensors
convert without a translation table. What differs from NumPy is promotion, which follows PyTorch:

* a Python scalar never changes a tensor's dtype (``float32 * 0.5`` stays float32);
* a float tensor combined with an integer or bool tensor takes the float tensor's dtype
  (NumPy would give float64 for ``int64 + float32``);
* an integer tensor combined with a Python float becomes the default float dtype.
"""

from __future__ import annotations

import numpy as np

float16 = np.dtype("float16")
float32 = np.dtype("float32")
float64 = np.dtype("float64")
uint8 = np.dtype("uint8")
int8 = np.dtype("int8")
int16 = np.dtype("int16")
int32 = np.dtype("int32")
int64 = np.dtype("int64")
bool_ = np.dtype("bool")

_SUPPORTED = {float16, float32, float64, uint8, int8, int16, int32, int64, bool_}
_default_float = float32


class dtype:  # noqa: N801  (PyTorch's name)
    """A tensor element type as PyTorch shows it (``mytorch.float32``), standing for a NumPy dtype.

    It equals and hashes as its NumPy dtype, NumPy reads it as that dtype (through the ``dtype``
    attribute), and other attributes (``kind``, ``itemsize``, ``name`` ...) are the NumPy dtype's.
    """

    __slots__ = ("_np",)

    def __init__(self, np_dtype) -> None:
        self._np = np.dtype(np_dtype)

    @property
    def dtype(self) -> np.dtype:
        """The NumPy dtype (NumPy converts any object with a ``dtype`` attribute through it)."""
        return self._np

    @property
    def is_floating_point(self) -> bool:
        """Whether this is a floating-point type (float16, float32, float64)."""
        return self._np.kind == "f"

    @property
    def is_signed(self) -> bool:
        """Whether values of this type can be negative (the floating-point and signed integer types)."""
        return self._np.kind in "fi"

    @property
    def itemsize(self) -> int:
        """The size of one element in bytes."""
        return self._np.itemsize

    def __getattr__(self, name: str):
        if name.startswith("__") or name == "_np":
            raise AttributeError(name)
        return getattr(self._np, name)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, dtype):
            return self._np == other._np
        try:
            return self._np == np.dtype(other)
        except TypeError:
            return False

    def __hash__(self) -> int:
        return hash(self._np)

    def __repr__(self) -> str:
        return f"mytorch.{self._np.name}"

    __str__ = __repr__

    def __reduce__(self):
        return (public, (self._np.name,))

    def __setstate__(self, state) -> None:  # a dtype is a constant: no pickle may change it
        raise TypeError(f"{self} cannot be modified")


_PUBLIC = {d: dtype(d) for d in _SUPPORTED}


def public(d) -> dtype:
    """The ``mytorch.dtype`` of a NumPy dtype (or anything ``numpy.dtype`` accepts)."""
    return _PUBLIC[np.dtype(d)]


def get_default_dtype() -> dtype:
    """The dtype given to Python floats and float factories (``zeros``, ``rand`` ...)."""
    return _PUBLIC[_default_float]


def set_default_dtype(dtype) -> None:
    """Set the default floating dtype (float32 or float64), as ``torch.set_default_dtype``."""
    global _default_float
    d = np.dtype(dtype)
    if d not in (float32, float64):
        raise TypeError(f"only float32 and float64 can be the default dtype, got {public(d)}")
    _default_float = d


def as_dtype(dtype) -> np.dtype:
    """Normalise a user dtype (mytorch/NumPy dtype, type or string) and check it is supported."""
    if dtype is None:
        return _default_float
    try:
        d = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{dtype!r} is not a dtype") from None
    if d not in _SUPPORTED:
        names = ", ".join(sorted(str(s) for s in _SUPPORTED))
        raise TypeError(f"dtype {d} is not supported by mytorch (supported: {names})")
    return d


def is_floating_point(dtype: np.dtype) -> bool:
    """Whether ``dtype`` (a NumPy or mytorch dtype) is a floating-point type."""
    return dtype.kind == "f"


def result_type(a: np.dtype, b: np.dtype) -> np.dtype:
    """PyTorch's promotion of two tensor dtypes (floats win over integers and bools)."""
    if a == b:
        return a
    af, bf = a.kind == "f", b.kind == "f"
    if af and not bf:
        return a
    if bf and not af:
        return b
    return np.promote_types(a, b)


def _category(d: np.dtype) -> int:
    return 2 if d.kind == "f" else 1 if d.kind in "iu" else 0  # float > integer > bool


def operands_result_type(a: np.dtype, a_ndim: int, b: np.dtype, b_ndim: int) -> np.dtype:
    """PyTorch's promotion of two tensor operands, with its rule for 0-d tensors.

    A tensor with dimensions outranks a 0-d one: the 0-d operand's dtype counts only when it is of a
    higher category (bool < integer < float). So float32 x (3, 4) + float64 0-d gives float32, and
    int32 x (3,) + 0-d float64 gives float64; two operands of the same rank promote as ``result_type``.
    """
    if a == b or (a_ndim == 0) == (b_ndim == 0):
        return result_type(a, b)
    higher, lower = (a, b) if a_ndim else (b, a)
    return higher if _category(higher) >= _category(lower) else result_type(higher, lower)


# PyTorch's C++ names of the dtypes, in its message for a number that does not fit
_C_NAMES = {float16: "c10::Half", float32: "float", float64: "double", uint8: "uint8_t", int8: "int8_t",
            int16: "int16_t", int32: "int", int64: "int64_t"}


def fit_scalar(value, dtype: np.dtype, half: bool = True):
    """Refuse a number that ``dtype`` cannot hold, as PyTorch does where a number becomes one element (``fill_``,
    ``x[k] = v``, ``full``, ``masked_fill``): a finite number beyond a float dtype's range (70000 for float16,
    1e300 for float32; inf and nan fit); for an integer dtype, a value outside [min, max] (compared as a float for a
    float: a fraction past max, inf and nan too), except that uint8 takes the integers −255..−1 (wrapping, as
    torch's). bool takes every number (True); arithmetic (``x + 1e300``) is not checked. float16 is checked only
    where ``half`` (``masked_fill``, a ``fill_`` or ``full`` of more than one element): torch's setitem and its
    one-element fill round 70000 to inf. Returns the number to store (a negative integer wrapped into uint8's
    range, which NumPy would refuse)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float)) or dtype not in _C_NAMES:
        return value
    if dtype.kind == "f":
        magnitude = abs(value)
        fits = (dtype == float16 and not half) or magnitude != magnitude or magnitude == float("inf") \
            or magnitude <= float(np.finfo(dtype).max)
    elif isinstance(value, int):
        info = np.iinfo(dtype)
        fits = (-info.max if dtype == uint8 else info.min) <= value <= info.max
    else:
        info = np.iinfo(dtype)
        fits = float(info.min) <= value <= float(info.max)  # False for nan
    if not fits:
        raise RuntimeError(f"value cannot be converted to type {_C_NAMES[dtype]} without overflow")
    return value % 256 if dtype == uint8 and value < 0 else value
