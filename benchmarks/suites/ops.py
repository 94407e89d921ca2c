"""Per-op overhead: forward + backward of one op on tiny (4×4) float32 tensors.

Tiny tensors make the array math negligible, so this measures what the library adds per op:
building the graph node, the backward engine, and gradient accumulation.
"""

from __future__ import annotations

import numpy as np
import torch

import mytorch
from benchmarks.runner import Result, compare


def run(rounds: int) -> list[Result]:
    rng = np.random.default_rng(0)
    a_np, b_np = (rng.standard_normal((4, 4), dtype=np.float32) for _ in range(2))
    g_np = np.ones((4, 4), np.float32)
    a, b = mytorch.tensor(a_np, requires_grad=True), mytorch.tensor(b_np, requires_grad=True)
    ta, tb = torch.tensor(a_np, requires_grad=True), torch.tensor(b_np, requires_grad=True)
    g, tg = mytorch.tensor(g_np), torch.tensor(g_np)

    cases = {
        "add": (lambda: (a + b).backward(g), lambda: (ta + tb).backward(tg)),
        "mul": (lambda: (a * b).backward(g), lambda: (ta * tb).backward(tg)),
        "matmul": (lambda: (a @ b).backward(g), lambda: (ta @ tb).backward(tg)),
        "relu": (lambda: a.relu().backward(g), lambda: ta.relu().backward(tg)),
        "sum": (lambda: a.sum().backward(), lambda: ta.sum().backward()),
        "forward only: mul (no backward)": (lambda: a * b, lambda: ta * tb),
    }
    results = []
    for name, (mt_fn, torch_fn) in cases.items():
        results.append(compare(f"per-op fwd+bwd {name}" if "only" not in name else name, mt_fn, torch_fn, rounds))
    return results
