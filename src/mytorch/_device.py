"""``mytorch.device`` and the one check every ``device=`` argument goes through.

mytorch computes on the CPU with NumPy, so ``"cpu"`` (or ``"cpu:0"``, or ``device("cpu")``) is the
only device a tensor can live on. A device *object* of another type can still be built (as in
PyTorch, where ``torch.device("cuda")`` works on a machine without a GPU); asking a factory,
``Tensor.to`` or ``Module.to`` to put data there raises one clear error.
"""

from __future__ import annotations

import builtins
from typing import Any

# PyTorch's device types (``torch.device("foo")`` rejects anything else).
_TYPES = ("cpu", "cuda", "mps", "xpu", "xla", "meta", "hpu", "mtia", "ipu", "privateuseone")
_BACKEND_NAMES = {"cuda": "CUDA", "mps": "MPS", "xpu": "XPU", "xla": "XLA", "meta": "meta", "hpu": "HPU"}


class device:  # noqa: N801  (PyTorch's name)
    """A device: a ``type`` ("cpu", "cuda", ...) and an optional ``index``.

    ``device("cpu")``, ``device("cuda:1")``, ``device("cuda", 1)`` and ``device(other_device)`` as in
    PyTorch. It compares equal to another device or to its string (``device("cpu") == "cpu"``).
    """

    __slots__ = ("_type", "_index")

    def __init__(self, type: Any, index: int | None = None) -> None:  # noqa: A002  (PyTorch's argument)
        if isinstance(type, device):
            if index is not None:
                raise ValueError("device(): an index cannot be given with a device object")
            self._type, self._index = type._type, type._index
            return
        if not isinstance(type, str):
            raise TypeError(f"device() expects a string such as 'cpu' or 'cuda:0', got {builtins.type(type).__name__}")
        name, sep, idx = type.partition(":")
        if name not in _TYPES:
            raise RuntimeError(
                f"Expected one of {', '.join(_TYPES)} device type at start of device string: {type!r}"
            )
        if sep:
            if index is not None:
                raise ValueError(f"device(): type {type!r} already names an index; do not pass index={index}")
            if not idx.isdigit():
                raise RuntimeError(f"Invalid device string: {type!r}")
            index = builtins.int(idx)
        if index is not None and index < 0:
            raise RuntimeError(f"Device index must not be negative, got {index}")
        self._type, self._index = name, index

    @property
    def type(self) -> str:
        """The device type: ``'cpu'``, ``'cuda'``, ..."""
        return self._type

    @property
    def index(self) -> int | None:
        """The device index (None when none was given, as for ``device('cpu')``)."""
        return self._index

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            try:
                other = device(other)
            except (RuntimeError, ValueError):
                return False
        if not isinstance(other, device):
            return NotImplemented
        return self._type == other._type and self._index == other._index

    def __hash__(self) -> int:
        return hash((self._type, self._index))

    def __str__(self) -> str:
        return self._type if self._index is None else f"{self._type}:{self._index}"

    def __repr__(self) -> str:
        if self._index is None:
            return f"device(type={self._type!r})"
        return f"device(type={self._type!r}, index={self._index})"

    def __reduce__(self):
        return (device, (self._type, self._index))


CPU = device("cpu")


def is_device_like(value: Any) -> bool:
    """True for a ``device`` or a string naming a device type (so ``to("cuda")`` is not read as a dtype)."""
    if isinstance(value, device):
        return True
    return isinstance(value, str) and value.partition(":")[0] in _TYPES


def check_device(value: Any, what: str = "a tensor") -> device:
    """The device ``value`` names (``None`` means the CPU), or a clear error if it is not the CPU.

    ``what`` says what was being placed there, for the message ("a tensor", "a module", ...).
    """
    if value is None:
        return CPU
    if isinstance(value, builtins.int) and not isinstance(value, builtins.bool):
        value = f"cuda:{value}"  # PyTorch reads a bare integer as a CUDA device ordinal
    d = value if isinstance(value, device) else device(value)
    if d._type == "cpu":
        return CPU
    backend = _BACKEND_NAMES.get(d._type, d._type)
    raise RuntimeError(
        f"mytorch has no {backend} backend: it runs on the CPU only (NumPy), so {what} cannot be placed on "
        f"{str(d)!r}. Use device='cpu' (mytorch.cuda.is_available() and mytorch.accelerator.is_available() "
        "are False)."
    )
