"""``mytorch.cuda``: what a PyTorch script asks about CUDA, answered truthfully (mytorch has no CUDA).

``is_available()`` is False and ``device_count()`` is 0, so the usual
``device = "cuda" if torch.cuda.is_available() else "cpu"`` picks the CPU. The seeding calls are
accepted and do nothing, as PyTorch's do on a machine without a GPU.
"""

from __future__ import annotations


def is_available() -> bool:
    """False: mytorch computes on the CPU (NumPy) only."""
    return False


def device_count() -> int:
    """0: there is no CUDA device mytorch can use."""
    return 0


def is_initialized() -> bool:
    """Whether CUDA has been initialised: always False, mytorch has no CUDA backend."""
    return False


def manual_seed(seed: int) -> None:
    """Accepted and ignored (there is no CUDA generator); seed the CPU with ``mytorch.manual_seed``."""


def manual_seed_all(seed: int) -> None:
    """Accepted and ignored, as ``mytorch.manual_seed``."""
