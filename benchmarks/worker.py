"""One side of a benchmark: a process that imports one library, builds one case, and times it on request.

    python -m benchmarks.worker SUITE CASE LIB THREADS [IDLE]

The thread settings are made before NumPy or the library is imported: the process is pinned to
THREADS cores (so a library that sizes its pools by itself, as XLA does, cannot use more: measured
here, JAX-jit at "1 thread" kept ~1.8 cores busy), every BLAS/OpenMP pool gets THREADS threads, and
idle threads sleep rather than spin (a spinning pool would steal the cores of the other side's
process while it runs) -- unless IDLE is ``native``: then every pool keeps its library's own idle
policy (OpenBLAS and OpenMP threads spin a while after each call, as on a user's machine) and the
runner leaves a gap between the two sides instead. The runner talks over stdin/stdout, one line each:

    time N   ->  seconds per call, over N calls (wall clock)
    cpu N    ->  CPU seconds of this process (all its threads) per call, over N calls
    rss      ->  this process's peak resident set size, in bytes
    blas     ->  the BLAS libraries loaded, as threadpoolctl reports them (name, kernel, threads)
    quit
"""

from __future__ import annotations

import os
import sys


def _set_thread_environment(threads: int, idle: str = "sleep") -> None:
    if hasattr(os, "sched_setaffinity"):
        cores = sorted(os.sched_getaffinity(0))
        os.sched_setaffinity(0, cores[:threads])
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(threads)
    if idle == "sleep":
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


def _blas() -> str:
    from threadpoolctl import threadpool_info

    pools = [f"{p['internal_api']} {p.get('version') or ''} {p.get('architecture') or ''} x{p['num_threads']}"
             for p in threadpool_info() if p["user_api"] == "blas"]
    if "torch" in sys.modules:  # torch links its own BLAS statically (threadpoolctl sees only NumPy's)
        import re

        import torch

        config = torch.__config__.show()
        blas, isa = (re.search(pattern, config) for pattern in (r"BLAS_INFO=(\w+)", r"CPU capability usage: (\w+)"))
        pools.insert(0, f"torch's own {blas and blas[1]} ({isa and isa[1]}) x{torch.get_num_threads()}")
    return "; ".join(" ".join(p.split()) for p in pools) or "none"


def main(argv: list[str]) -> None:
    suite, case, lib, threads = argv[0], argv[1], argv[2], int(argv[3])
    _set_thread_environment(threads, argv[4] if len(argv) > 4 else "sleep")
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
        if command[0] in ("time", "cpu"):
            clock = time.perf_counter if command[0] == "time" else time.process_time
            n = int(command[1])
            t0 = clock()
            for _ in range(n):
                fn()
            print(repr((clock() - t0) / n), flush=True)
        elif command[0] == "blas":
            print(_blas(), flush=True)
        elif command[0] == "rss":
            print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, flush=True)  # KiB on Linux
        else:
            return


if __name__ == "__main__":
    main(sys.argv[1:])
