"""Optimizer ``step()`` alone on W1's parameters (MLP 784-1000-1000-10, 1.86 M float32 values).

The gradients are fixed random arrays, set once, so each call times only the update: the same work
as ``torch.optim``'s default single-tensor (for-loop) step on the CPU.
"""

from __future__ import annotations

import numpy as np

W1_SHAPES = [(1000, 784), (1000,), (1000, 1000), (1000,), (10, 1000), (10,)]
OPTIMIZERS = {"Adam": ("Adam", {}), "AdamW": ("AdamW", {}), "SGD momentum 0.9": ("SGD", {"lr": 0.01, "momentum": 0.9})}


def _step(lib_name: str, name: str):
    lib = __import__(lib_name)
    cls, kwargs = OPTIMIZERS[name]
    rng = np.random.default_rng(0)
    params = [lib.nn.Parameter(lib.tensor(rng.standard_normal(s, dtype=np.float32))) for s in W1_SHAPES]
    for p in params:
        p.grad = lib.tensor(rng.standard_normal(p.shape, dtype=np.float32) * np.float32(1e-2))
    return getattr(lib.optim, cls)(params, **kwargs).step


CASES = {f"{name} step(), W1 1.86 M f32": {lib: (lambda lib=lib, name=name: _step(lib, name))
                                           for lib in ("mytorch", "torch")} for name in OPTIMIZERS}


# Issue 27: SGD with momentum's step no slower than torch's.
TARGETS = {"SGD momentum 0.9": 1.0}


def summary(results: list) -> list[str]:
    """Issue 27's target for SGD with momentum, per thread count."""
    lines = ["targets:"]
    for threads in sorted({r.threads for r in results}):
        for name, limit in TARGETS.items():
            r = next((r for r in results if r.case.startswith(f"{name} step()") and r.threads == threads), None)
            if r:
                lines.append(f"  [{threads} thr] {name} step(), mytorch/torch: {r.ratio:5.2f}x "
                             f"(target <= {limit:.2f}x: {'met' if r.ratio <= limit else 'NOT met'})")
    return lines if len(lines) > 1 else []
