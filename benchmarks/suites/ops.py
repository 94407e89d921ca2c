"""Per-op overhead: forward + backward of one op on tiny (4x4) float32 tensors.

Tiny tensors make the array math negligible, so this measures what each library adds per op:
building the graph node, the backward engine, and gradient accumulation.
"""

from __future__ import annotations

import numpy as np


def _case(lib_name: str, op: str):
    lib = __import__(lib_name)
    rng = np.random.default_rng(0)
    a_np, b_np = (rng.standard_normal((4, 4), dtype=np.float32) for _ in range(2))
    a, b = lib.tensor(a_np, requires_grad=True), lib.tensor(b_np, requires_grad=True)
    g = lib.tensor(np.ones((4, 4), np.float32))
    return {
        "add": lambda: (a + b).backward(g),
        "mul": lambda: (a * b).backward(g),
        "matmul": lambda: (a @ b).backward(g),
        "relu": lambda: a.relu().backward(g),
        "sum": lambda: a.sum().backward(),
        "mul, forward only": lambda: a * b,
    }[op]


THREADS = [1]  # per-op overhead is single-threaded Python work
CASES = {f"per-op fwd+bwd {op}" if "only" not in op else op: {lib: (lambda lib=lib, op=op: _case(lib, op))
                                                               for lib in ("mytorch", "torch")}
         for op in ("add", "mul", "matmul", "relu", "sum", "mul, forward only")}
