"""``mytorch.accelerator``: PyTorch's device-agnostic accelerator queries; mytorch has none.

The tutorials' ``torch.accelerator.current_accelerator().type if torch.accelerator.is_available()
else "cpu"`` therefore gives ``"cpu"``.
"""

from __future__ import annotations

from ._device import device


def is_available() -> bool:
    """False: mytorch runs on the CPU only."""
    return False


def device_count() -> int:
    """The number of accelerators: 0, mytorch computes on the CPU."""
    return 0


def current_accelerator(check_available: bool = False) -> device | None:
    """None, as PyTorch returns when no accelerator is present."""
    return None
