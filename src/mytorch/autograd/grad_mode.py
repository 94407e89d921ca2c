"""Grad mode: a per-thread switch that decides whether ops record a graph.

``no_grad()``, ``enable_grad()`` and ``set_grad_enabled(mode)`` are context managers and
decorators over the same flag, as in PyTorch. The flag is thread-local, as PyTorch's is: one
thread inside ``no_grad()`` does not stop another from recording its graph, and every new thread
starts with recording on. ``Module.eval()`` is a different thing: it changes
how Dropout and BatchNorm behave, not whether gradients are tracked.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any


class _GradMode(threading.local):
    def __init__(self) -> None:
        # Runs once in every thread that touches the flag: each thread starts with recording on.
        # (An instance attribute reads ~2x faster than a class-attribute fallback on a local.)
        self.enabled = True


# Read on every op (``_mode.enabled``): one attribute of a module-level thread-local object.
_mode = _GradMode()


def is_grad_enabled() -> bool:
    """True when ops record the graph needed for ``backward()``."""
    return _mode.enabled


class set_grad_enabled:  # noqa: N801  (PyTorch name)
    """Turn gradient recording on or off: a context manager, a decorator, or a plain call."""

    def __init__(self, mode: bool) -> None:
        self.prev = _mode.enabled
        self.mode = bool(mode)
        _mode.enabled = self.mode  # a plain call takes effect at once, as in PyTorch

    def __enter__(self) -> None:
        _mode.enabled = self.mode

    def __exit__(self, *exc: Any) -> None:
        _mode.enabled = self.prev

    def __call__(self, fn: Callable) -> Callable:
        _mode.enabled = self.prev  # used as a decorator: do not leave the flag changed

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self.__class__(self.mode):
                return fn(*args, **kwargs)

        return wrapper


class _Switch:
    """Base of ``no_grad`` / ``enable_grad`` / ``inference_mode``: the flag is set on entry, restored on exit.

    Each works as ``with no_grad():``, as a decorator ``@no_grad()``, and as a bare decorator
    ``@no_grad`` (then the class is called with the function itself).
    """

    mode = True

    def __new__(cls, *args: Any, **kwargs: Any):
        if len(args) == 1 and not kwargs and callable(args[0]) and not isinstance(args[0], bool):
            return cls()(args[0])  # bare decorator: @no_grad
        return super().__new__(cls)

    def __enter__(self) -> None:
        self.prev = _mode.enabled
        _mode.enabled = self.mode

    def __exit__(self, *exc: Any) -> None:
        _mode.enabled = self.prev

    def _fresh(self) -> _Switch:
        """A new manager with this one's setting (one per call: decorated functions may nest or recurse)."""
        return self.__class__()

    def __call__(self, fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self._fresh():
                return fn(*args, **kwargs)

        return wrapper


class no_grad(_Switch):  # noqa: N801
    """Context manager / decorator: ops inside build no graph (for evaluation and updates)."""

    mode = False


class enable_grad(_Switch):  # noqa: N801
    """Context manager / decorator: turn recording back on inside a ``no_grad`` block."""

    mode = True


class inference_mode(_Switch):  # noqa: N801
    """PyTorch's faster ``no_grad`` for inference; in mytorch it is ``no_grad``.

    ``inference_mode(False)`` leaves grad mode as it is (as in PyTorch, where it then does nothing
    to gradient recording).
    """

    def __init__(self, mode: bool = True) -> None:
        self.enabled = bool(mode)

    def __enter__(self) -> None:
        self.prev = _mode.enabled
        if self.enabled:
            _mode.enabled = False

    def _fresh(self) -> _Switch:
        return inference_mode(self.enabled)
