"""Optimizer ``step()`` alone on W1's parameters (MLP 784-1000-1000-10, 1.86 M float32 values).

The gradients are fixed random arrays, set once, so each call times only the update: the same
work as ``torch.optim``'s default single-tensor (for-loop) step on the CPU.

NumPy's elementwise ufuncs run on one thread, so each case is timed twice: against torch with
the runner's thread count (the headline ratio), and against torch on one thread (the same
resources; also the fair number when the machine is busy, where a 2-thread torch loses whole
time slices waiting at the barrier of every parallel op).
"""

from __future__ import annotations

import numpy as np
import torch

import mytorch
from benchmarks.runner import Result, compare
from mytorch import optim

W1_SHAPES = [(1000, 784), (1000,), (1000, 1000), (1000,), (10, 1000), (10,)]

CASES = {
    "Adam": {},
    "AdamW": {},
    "SGD momentum 0.9": {"lr": 0.01, "momentum": 0.9},
}


def run(rounds: int) -> list[Result]:
    rng = np.random.default_rng(0)
    weights = [rng.standard_normal(s, dtype=np.float32) for s in W1_SHAPES]
    grads = [rng.standard_normal(s, dtype=np.float32) * 1e-2 for s in W1_SHAPES]
    threads = torch.get_num_threads()
    results = []
    for torch_threads in dict.fromkeys([threads, 1]):
        torch.set_num_threads(torch_threads)
        for name, kwargs in CASES.items():
            cls = name.split()[0]
            params = [mytorch.nn.Parameter(w.copy()) for w in weights]
            tparams = [torch.nn.Parameter(torch.tensor(w)) for w in weights]
            for p, tp, g in zip(params, tparams, grads):
                p.grad = mytorch.tensor(g)
                tp.grad = torch.tensor(g)
            opt = getattr(optim, cls)(params, **kwargs)
            topt = getattr(torch.optim, cls)(tparams, **kwargs)
            label = f"{name} step(), W1 1.86 M f32, torch {torch_threads} thr"
            results.append(compare(label, opt.step, topt.step, rounds))
    torch.set_num_threads(threads)
    return results
