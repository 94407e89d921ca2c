"""Helpers shared by the ops: unbroadcasting gradients and normalising ``dim``/``axis``."""

from __future__ import annotations

from .._backend import ndarray, xp

# The unsigned integer type of each float width: selecting by bits needs an integer view of the floats.
_BITS = {2: xp.uint16, 4: xp.uint32, 8: xp.uint64}


def as_float(x: ndarray) -> ndarray:
    """``x`` in the default float dtype when it is bool or integer: PyTorch's floating ops (exp, sin,
    sqrt ...) give float32 for integer input, where NumPy would give float64 (or keep the integers)."""
    if x.dtype.kind in "biu":
        from .._dtype import as_dtype

        return x.astype(as_dtype(None))
    return x


def masked(grad: ndarray, mask: ndarray) -> ndarray:
    """``grad`` where ``mask`` is True, +0 elsewhere: ``xp.where(mask, grad, 0)`` in a new array.

    ``where`` branches on every element, and a ReLU's mask is as unpredictable as a coin: measured on
    a (128, 1000) float32 gradient, ``where`` took 540 µs and this 40 µs. Here the mask becomes an
    integer of all ones or all zeros (−1 or 0) and is ANDed with the gradient's bits, so every
    value -- inf and NaN included -- is kept or zeroed exactly as ``where`` does (``grad * mask``
    would turn an inf or NaN in a masked-out place into NaN).
    """
    return _keep(grad, mask, False)


def masked_out(grad: ndarray, drop: ndarray) -> ndarray:
    """``grad`` where ``drop`` is False, +0 where it is True: ``masked(grad, ~drop)`` without the extra pass.

    For a rule written as PyTorch writes it, "0 where x ≤ 0": a nan x is not ≤ 0, so its gradient passes."""
    return _keep(grad, drop, True)


def _keep(grad: ndarray, mask: ndarray, invert: bool) -> ndarray:
    bits = _BITS.get(grad.dtype.itemsize) if grad.dtype.kind == "f" else None
    if bits is None or grad.ndim == 0 or mask.shape != grad.shape or mask.dtype != bool:
        zero = xp.zeros((), grad.dtype)
        return xp.where(mask, zero, grad) if invert else xp.where(mask, grad, zero)
    if invert:  # True -> 0, False -> 0 − 1 = 0b11..1 (unsigned wrap-around)
        keep = xp.subtract(mask.view(xp.uint8), xp.uint8(1), dtype=bits)
    else:  # True -> 0b11..1, False -> 0
        keep = xp.negative(mask.view(xp.uint8), dtype=bits)
    return xp.bitwise_and(grad.view(bits), keep, out=keep).view(grad.dtype)


def unbroadcast(grad: ndarray, shape: tuple, dtype=None) -> ndarray:
    """Sum ``grad`` down to ``shape``: the gradient of broadcasting an input of that shape.

    Broadcasting prepends dimensions and stretches size-1 ones, so the gradient sums over the
    prepended dimensions and over every stretched one. ``dtype`` casts the result back to the
    input's dtype when the op promoted (e.g. float32 * float64).
    """
    if grad.shape != shape:
        lead = grad.ndim - len(shape)
        axes = tuple(range(lead)) + tuple(
            lead + i for i, n in enumerate(shape) if n == 1 and grad.shape[lead + i] != 1
        )
        grad = grad.sum(axis=axes, keepdims=True).reshape(shape) if axes else grad.reshape(shape)
    if dtype is not None and grad.dtype != dtype:
        grad = grad.astype(dtype)
    return grad


def reduction_axes(dim, axis, ndim: int) -> tuple | None:
    """Normalise PyTorch's ``dim`` or NumPy's ``axis`` to a sorted tuple of positive axes.

    ``None`` means every axis. Out-of-range axes raise an IndexError naming the range.
    """
    if axis is not None:
        if dim is not None:
            raise TypeError("pass either dim= (PyTorch) or axis= (NumPy), not both")
        dim = axis
    if dim is None:
        return None
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    if not dims:
        return None  # sum(dim=()) reduces everything, as in PyTorch
    out = []
    lo = -max(ndim, 1)
    for d in dims:
        d = int(d)
        if not lo <= d < max(ndim, 1):
            raise IndexError(
                f"Dimension out of range (expected to be in range of [{lo}, {max(ndim, 1) - 1}], but got {d})"
            )
        out.append(d % max(ndim, 1))
    if len(set(out)) != len(out):
        raise RuntimeError(f"dim {dims} appears multiple times in the list of dims")
    return tuple(sorted(out)) if ndim else None  # a 0-d tensor has only the 'all' reduction


def normalize_dim(dim: int, ndim: int) -> int:
    """One dimension index in ``[-ndim, ndim)`` made positive; IndexError otherwise."""
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim % n


def expand_reduced(grad: ndarray, axes: tuple | None, keepdims: bool, ndim: int) -> ndarray:
    """Give a reduction's gradient back the reduced axes (as size 1) so it broadcasts to the input."""
    if keepdims:
        return grad
    if axes is None:
        return grad.reshape((1,) * ndim)
    shape = list(grad.shape)
    for a in axes:
        shape.insert(a, 1)
    return grad.reshape(shape)
