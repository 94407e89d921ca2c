"""One side of a benchmark: a process that imports one library, builds one case, and times it on request.

    python -m benchmarks.worker SUITE CASE LIB THREADS

The thread settings are made before NumPy or the library is imported: every BLAS/OpenMP pool gets
THREADS threads, and idle threads sleep rather than spin (a spinning pool would steal the cores of
the other side's process while it runs). The runner then talks over stdin/stdout, one line each:

    time N   ->  seconds per call, over N calls
    rss      ->  this process's peak resident set size, in bytes
    quit
"""

from __future__ import annotations

import os
import sys


def _set_thread_environment(threads: int) -> None:
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(threads)
    os.environ["OPENBLAS_THREAD_TIMEOUT"] = "4"
    os.environ["OMP_WAIT_POLICY"] = "PASSIVE"


def _apply_threads(lib: str, threads: int) -> None:
    if lib == "mytorch":
        import mytorch

        mytorch.set_num_threads(threads)
    elif lib == "torch":
        import torch

        torch.set_num_threads(threads)
        torch.set_num_interop_threads(1)
    elif lib == "jax":  # XLA's CPU thread pool is sized from this flag, read when jax starts
        os.environ["XLA_FLAGS"] = (f"--xla_cpu_multi_thread_eigen={'true' if threads > 1 else 'false'} "
                                   f"intra_op_parallelism_threads={threads}")
    else:
        from threadpoolctl import threadpool_limits

        threadpool_limits(threads)


def main(argv: list[str]) -> None:
    suite, case, lib, threads = argv[0], argv[1], argv[2], int(argv[3])
    _set_thread_environment(threads)
    import importlib
    import resource
    import time

    _apply_threads(lib.split(":")[0], threads)  # "mytorch:loading": a mytorch side of a mytorch-only case
    fn = importlib.import_module(f"benchmarks.suites.{suite}").CASES[case][lib]()
    # Warm up: a few calls, at least 0.3 s, so caches, allocators and lazy imports have settled.
    start, calls = time.perf_counter(), 0
    while calls < 3 or time.perf_counter() - start < 0.3:
        fn()
        calls += 1
    print(f"ready {(time.perf_counter() - start) / calls!r}", flush=True)
    for line in sys.stdin:
        command = line.split()
        if command[0] == "time":
            n = int(command[1])
            t0 = time.perf_counter()
            for _ in range(n):
                fn()
            print(repr((time.perf_counter() - t0) / n), flush=True)
        elif command[0] == "rss":
            print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, flush=True)  # KiB on Linux
        else:
            return


if __name__ == "__main__":
    main(sys.argv[1:])
