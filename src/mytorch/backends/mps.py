"""``mytorch.backends.mps``: Apple's Metal backend is not part of mytorch."""

from __future__ import annotations


def is_available() -> bool:
    """False: mytorch has no MPS backend."""
    return False


def is_built() -> bool:
    """False: mytorch was not built with MPS."""
    return False
