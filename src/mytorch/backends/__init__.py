"""``mytorch.backends``: PyTorch's backend switches, answered for a CPU-only library."""

from __future__ import annotations

from . import cudnn, mps

__all__ = ["cudnn", "mps"]
