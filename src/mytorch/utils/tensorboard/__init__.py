"""TensorBoard logging with PyTorch's API: ``from mytorch.utils.tensorboard import SummaryWriter``.

Needs the ``tensorboard`` package (``pip install 'mytorch-np[train]'``); it is imported only here,
so ``import mytorch`` stays light.
"""

from __future__ import annotations

try:
    import tensorboard  # noqa: F401
except ImportError as e:  # pragma: no cover - the test extra installs it
    raise ImportError(
        "mytorch.utils.tensorboard needs the 'tensorboard' package: pip install tensorboard "
        "(or install mytorch with its 'train' extra)"
    ) from e

from .writer import FileWriter, SummaryWriter

__all__ = ["FileWriter", "SummaryWriter"]
