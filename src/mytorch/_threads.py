"""The thread count: ``mytorch.set_num_threads(n)`` / ``mytorch.get_num_threads()``, as in PyTorch.

One number governs the two kinds of threads mytorch uses: NumPy's BLAS (and any OpenMP pool it
brings), which runs the matmuls, and the optimizer's worker threads, which share the blocks of a
large parameter in ``step()``. Parallel training runs on one machine should each take a share of
the cores (N runs x threads <= cores); more threads than cores make every run slower.

Results are bit-identical only at the same thread count: a BLAS splits a matmul differently for
1 and for 2 threads, which changes the float rounding. Every training run records its count.

Small work stays on one thread: handing a product to a second thread costs a wake-up and a join
(tens of µs, far more on a busy machine, where the helper waits for a core), which a small product
does not pay back. So, as the optimizer's block executor shares a parameter only when every thread
gets two blocks, :func:`matmul` (the products of ``Linear`` and ``matmul``) runs a product on one
BLAS thread unless every thread would get ``MIN_MACS_PER_THREAD`` multiply-adds. A product below
that bound therefore gives the same bits at every thread count (the one-thread bits); larger ones
are the BLAS's own split, as before. NumPy's elementwise kernels are single-threaded already.
"""

from __future__ import annotations

import ctypes
import os
import threading

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
    global _num_threads, _blas_threads
    _num_threads = n
    _blas_threads = n


# A product runs on several BLAS threads only when each gets at least this many multiply-adds (4 Mi:
# 60-100 µs of one core's work, the size of the optimizer's two 64 Ki-element blocks). W3's 100x784x100
# products (7.8 M) run on one thread at 2 threads; W1's 128x784x1000 (100 M) are shared.
MIN_MACS_PER_THREAD = 1 << 22
# OpenBLAS itself keeps products below 256 Ki multiply-adds on one thread: no need to switch for those.
_BLAS_OWN_THRESHOLD = 1 << 18
_blas_threads: int | None = None  # the BLAS's thread count, as last set; None until first looked up
_blas_setter = None  # OpenBLAS's set_num_threads (ctypes), False when the BLAS is not OpenBLAS
_blas_lock = threading.Lock()


def _find_blas_setter():
    """OpenBLAS's ``openblas_set_num_threads`` (under its prefix/suffix in NumPy's wheel), or False."""
    global _blas_setter, _blas_threads
    _blas_setter = False
    try:
        from threadpoolctl import threadpool_info

        for pool in threadpool_info():
            if pool.get("internal_api") != "openblas":
                continue
            library = ctypes.CDLL(pool["filepath"])
            for prefix in ("scipy_openblas", "openblas"):
                for suffix in ("64_", ""):
                    setter = getattr(library, f"{prefix}_set_num_threads{suffix}", None)
                    if setter is not None:
                        setter.argtypes, setter.restype = [ctypes.c_int], None
                        _blas_setter = setter
                        if _blas_threads is None:
                            _blas_threads = int(pool["num_threads"])
                        return
    except (ImportError, OSError, KeyError, ValueError):  # no threadpoolctl, or a BLAS it cannot describe
        pass
    if _blas_threads is None:
        _blas_threads = 0  # unknown: products run as the BLAS decides


def matmul(a, b):
    """``a @ b`` of two NumPy arrays, on one BLAS thread when the product is too small to share.

    The number of multiply-adds is estimated as ``a.size`` times the columns of ``b`` (exact for
    2-D and batched products). When the BLAS is not OpenBLAS the product runs as it is.
    """
    threads = _blas_threads
    if threads == 1:
        return a @ b
    try:
        macs = a.size * (b.shape[-1] if b.ndim > 1 else 1)
    except AttributeError:  # not arrays: NumPy decides (and raises its own error)
        return a @ b
    if macs < _BLAS_OWN_THRESHOLD:
        return a @ b
    if threads is None or _blas_setter is None:
        _find_blas_setter()
        threads = _blas_threads
    if not _blas_setter or threads is None or threads <= 1 or macs >= threads * MIN_MACS_PER_THREAD:
        return a @ b
    with _blas_lock:  # the count is process-wide: two threads' small products must not interleave it
        _blas_setter(1)
        try:
            return a @ b
        finally:
            _blas_setter(threads)
