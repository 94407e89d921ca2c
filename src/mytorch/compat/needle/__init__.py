"""``mytorch.compat.needle``: the 10-714 HW2 "needle" API (seed 002) on mytorch's engine.

Course code written for needle runs unchanged once ``needle`` names this package::

    import mytorch.compat.needle; mytorch.compat.needle.install_alias()   # then: import needle as ndl

A needle ``Tensor`` wraps a core ``mytorch.Tensor`` and every op lifts to a core Function, so
there is one autograd engine; the modules reuse the core's fused softmax cross-entropy and
normalisation, the optimizers the kernels of ``mytorch.optim._functional``. What differs from
the main API is the convention, which is the handout's: weights (in, out) drawn with
``kaiming_uniform`` from NumPy's *global* generator, EMA momentum from a zero buffer, biased
running variance, ``requires_grad=True`` by default. See the submodules' docstrings.

Submodules: ``autograd``, ``ops``, ``init``, ``nn``, ``optim``, ``data``, ``apps.mlp_resnet``.
"""

from __future__ import annotations

import sys

from . import autograd, data, init, nn, ops, optim
from .autograd import Device, Tensor, all_devices, cpu, default_device
from .ops import *  # noqa: F403  (needle exposes its ops at the top level: ndl.summation, ...)

_SUBMODULES = ("autograd", "ops", "init", "nn", "optim", "data", "apps", "apps.mlp_resnet")


def install_alias(name: str = "needle") -> None:
    """Register this package and its submodules in ``sys.modules`` as ``needle``, ``needle.nn``, ...

    After it, ``import needle as ndl`` and ``import needle.nn as nn`` give these modules. The
    package does not claim the name on its own: nothing is registered until this is called.
    """
    import importlib

    sys.modules[name] = sys.modules[__name__]
    for sub in _SUBMODULES:
        sys.modules[f"{name}.{sub}"] = importlib.import_module(f"{__name__}.{sub}")


__all__ = [
    "Device", "Tensor", "all_devices", "autograd", "cpu", "data", "default_device", "init", "install_alias", "nn",
    "ops", "optim", *ops.__all__,
]  # fmt: skip
