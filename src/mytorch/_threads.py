"""The thread count: ``mytorch.set_num_threads(n)`` / ``mytorch.get_num_threads()``, as in PyTorch.

One number governs the two kinds of threads mytorch uses: NumPy's BLAS (and any OpenMP pool it
brings), which runs the matmuls, and the optimizer's worker threads, which share the blocks of a
large parameter in ``step()``. Parallel training runs on one machine should each take a share of
the cores (N runs x threads <= cores); more threads than cores make every run slower.

Results are bit-identical only at the same thread count: a BLAS splits a matmul differently for
1 and for 2 threads, which changes the float rounding. Every training run records its count.
"""

from __future__ import annotations

import os

# The default: the CPUs this process may run on, at most 8 (the optimizer's step is memory-bound;
# more threads than that do not help it). BLAS keeps its own default until set_num_threads is called.
_available = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
_DEFAULT = max(1, min(8, _available))
_num_threads: int | None = None


def get_num_threads() -> int:
    """The number of threads mytorch uses (the last ``set_num_threads`` value, else the default)."""
    return _DEFAULT if _num_threads is None else _num_threads


def set_num_threads(n: int) -> None:
    """Use ``n`` threads for BLAS (through threadpoolctl) and for the optimizer's workers.

    It applies to the whole process from now on, as ``torch.set_num_threads`` does.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"set_num_threads: expected a positive integer, got {n!r}")
    from threadpoolctl import threadpool_limits  # loaded when used: `import mytorch` stays light

    threadpool_limits(limits=n)  # a plain call (not a `with` block): the limit stays in force
    global _num_threads
    _num_threads = n
