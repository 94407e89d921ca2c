"""``mytorch.Size``: the type of ``tensor.shape`` and ``tensor.size()``, a tuple as in PyTorch."""

from __future__ import annotations

import builtins


class Size(tuple):
    """A tuple of ints that prints as ``mytorch.Size([2, 3])`` (slices are Sizes too)."""

    __slots__ = ()

    def __new__(cls, sizes=()) -> Size:
        return super().__new__(cls, (builtins.int(s) for s in sizes))

    def __repr__(self) -> str:
        return f"mytorch.Size({list(self)})"

    __str__ = __repr__

    def __getitem__(self, key):
        out = super().__getitem__(key)
        return Size(out) if isinstance(key, slice) else out

    def __add__(self, other):
        if not isinstance(other, tuple):
            return NotImplemented
        return Size(tuple(self) + tuple(other))

    def __radd__(self, other):
        if not isinstance(other, tuple):
            return NotImplemented
        return Size(tuple(other) + tuple(self))

    def numel(self) -> int:
        """The number of elements of a tensor of this shape (the product of the sizes)."""
        n = 1
        for s in self:
            n *= s
        return n

    def __reduce__(self):
        return (Size, (tuple(self),))
