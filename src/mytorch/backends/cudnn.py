"""``mytorch.backends.cudnn``: the flags scripts set for reproducibility; without CUDA they change nothing.

Assigning ``deterministic`` or ``benchmark`` is accepted (mytorch's CPU runs are already
bit-identical for a seed and a thread count).
"""

from __future__ import annotations

deterministic = False
benchmark = False
enabled = True


def is_available() -> bool:
    """False: there is no cuDNN without CUDA."""
    return False
