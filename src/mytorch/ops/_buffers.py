"""Reuse of the large scratch arrays of the convolutions (columns, padded rows, products).

A training step allocates the same big temporaries every step: a CIFAR ResNet-20 at batch 128
makes ~1 GB of im2col columns per step. Each fresh allocation of that size is a new memory map
whose pages the kernel must fault in and zero on first touch -- measured here, touching 84 MB of
fresh memory took 5x as long as writing it again. So the convolution ops take their scratch arrays
from this pool and give them back when done; a step then reuses last step's memory.

``take(shape, dtype)`` returns an uninitialised array (a view of a pooled 1-D buffer, or of a new
one). ``give(array)`` returns it, only if nothing else still refers to its buffer (a live view
keeps it out of the pool, so a reused buffer can never alias live data). ``Lease`` gives its array
back when it is itself deleted: what a graph node keeps for backward is returned when the node is
released. Free buffers are matched by exact size and bounded to ``LIMIT`` bytes in total (the
oldest go first); small arrays (below ``MIN_BYTES``) never enter the pool.
"""

from __future__ import annotations

import math
import sys
from collections import OrderedDict

from .._backend import ndarray, xp

LIMIT = 2 << 30
MIN_BYTES = 1 << 20
_free: OrderedDict[tuple, list] = OrderedDict()
_held = 0


def take(shape: tuple, dtype) -> ndarray:
    """An uninitialised array of ``shape`` and ``dtype``, reusing a free buffer of that size if there is one."""
    global _held
    dtype = xp.dtype(dtype)
    n = math.prod(shape)
    key = (n, dtype)
    if n * dtype.itemsize >= MIN_BYTES:
        buffers = _free.get(key)
        if buffers:
            base = buffers.pop()
            _held -= base.nbytes
            if not buffers:
                del _free[key]
            return base.reshape(shape)
        return xp.empty(n, dtype).reshape(shape)
    return xp.empty(shape, dtype)


def zeros(shape: tuple, dtype) -> ndarray:
    """``take`` filled with zeros."""
    a = take(shape, dtype)
    a.fill(0)
    return a


def give(array: ndarray | None) -> None:
    """Return an array from ``take`` to the pool, if nothing else refers to its buffer any more."""
    global _held
    if array is None:
        return
    base = array.base if array.base is not None else array
    if base.ndim != 1 or base.nbytes < MIN_BYTES or type(base) is not ndarray or base.base is not None:
        return
    # references: ``array`` (the view) holds one, plus this frame's ``base`` and getrefcount's argument
    expected = 3 if array is not base else 4
    if sys.getrefcount(base) > expected:
        return
    key = (base.size, base.dtype)
    _free.setdefault(key, []).append(base)
    _free.move_to_end(key)
    _held += base.nbytes
    while _held > LIMIT and _free:
        old_key, buffers = next(iter(_free.items()))
        _held -= buffers.pop(0).nbytes
        if not buffers:
            del _free[old_key]


def clear() -> None:
    """Drop every pooled buffer (their memory goes back to the system)."""
    global _held
    _free.clear()
    _held = 0


class Lease:
    """Holds an array from ``take`` and gives it back to the pool when the lease itself is deleted."""

    __slots__ = ("array",)

    def __init__(self, array: ndarray) -> None:
        self.array = array

    def __del__(self) -> None:
        array, self.array = self.array, None
        give(array)
        del array
