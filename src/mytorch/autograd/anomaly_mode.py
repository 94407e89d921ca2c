"""Anomaly mode: find the op whose backward produced nan, and where its forward was called.

While it is on, every node records the Python stack of its forward call, and the backward walk
(the general one, see ``engine_general``) checks each gradient a node returns. The first nan
raises PyTorch's error, ``Function 'SqrtBackward0' returned nan values in its 0th output.``,
after a warning that shows the recorded forward stack. As in PyTorch, only nan is checked
(an inf gradient passes), and the mode costs time: use it to debug, not to train.
"""

from __future__ import annotations

import warnings

from .._backend import xp
from .function import _anomaly

_check_nan = [True]


def is_anomaly_enabled() -> bool:
    """True while anomaly detection is on."""
    return _anomaly[0]


def is_anomaly_check_nan_enabled() -> bool:
    """True when anomaly mode also checks gradients for nan (the default)."""
    return _check_nan[0]


def _warn_enabled() -> None:
    warnings.warn(
        "Anomaly Detection has been enabled. This mode will increase the runtime and should only be enabled "
        "for debugging.",
        UserWarning,
        stacklevel=3,
    )


class detect_anomaly:  # noqa: N801  (PyTorch's name)
    """Context manager (and decorator) that turns anomaly detection on inside it."""

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan
        self.prev = _anomaly[0]
        self.prev_check_nan = _check_nan[0]
        _warn_enabled()

    def __enter__(self) -> None:
        self.prev, self.prev_check_nan = _anomaly[0], _check_nan[0]
        _anomaly[0], _check_nan[0] = True, self.check_nan

    def __exit__(self, *exc) -> None:
        _anomaly[0], _check_nan[0] = self.prev, self.prev_check_nan

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__(self.check_nan):
                return fn(*args, **kwargs)

        return wrapper


class set_detect_anomaly:  # noqa: N801
    """Turn anomaly detection on or off: a plain call, or a context manager that restores it on exit."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self.prev, self.prev_check_nan = _anomaly[0], _check_nan[0]
        _anomaly[0], _check_nan[0] = bool(mode), check_nan

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc) -> None:
        _anomaly[0], _check_nan[0] = self.prev, self.prev_check_nan


def check_grads(node, grads: tuple) -> None:
    """Raise PyTorch's error for the first gradient of ``node`` that holds a nan."""
    if not _check_nan[0]:
        return
    for i, g in enumerate(grads):
        if g is None or not hasattr(g, "_data"):
            continue
        a = g._data
        if a.dtype.kind in "fc" and xp.isnan(a).any():
            name = node._name()
            trace = node.__dict__.get("_trace")
            if trace:
                warnings.warn(
                    f"Error detected in {name}. Traceback of forward call that caused the error:\n{trace}",
                    UserWarning,
                    stacklevel=2,
                )
            raise RuntimeError(f"Function '{name}' returned nan values in its {_ordinal(i)} output.")


def _ordinal(i: int) -> str:
    """PyTorch's wording: "0th", "1th", "2th", ... (it always writes "th")."""
    return f"{i}th"
