"""Time the same workload in mytorch and in PyTorch, each library in its own process.

    python -m benchmarks.runner                       # every suite, at 1 thread and at all cores
    python -m benchmarks.runner train optim           # chosen suites
    python -m benchmarks.runner --threads 2 --pairs 15 train

For every case the runner starts one worker process per library (``benchmarks/worker.py``): it
imports only that library, sets the same thread count, builds the same float32 workload and warms
it up. Then it times *pairs*: N calls on side A, then N calls on side B (the order flips every
pair, so neither side always runs second), N sized to about 0.2 s a side. It prints the median
time per call of each side and the median of the per-pair ratios A/B -- medians, because the
machines are shared and noisy; ratios per pair, because noise that hits a pair hits both sides.
The last columns are each process's peak RSS.

Why separate processes: in one process the two libraries' thread pools (NumPy's OpenBLAS, torch's
OpenMP) compete for the cores, and whichever ran last keeps spinning. Measured that way torch was
1.3-3.8x slower than alone (W2: 8.9 ms in one process, 2.4 ms alone), which flattered mytorch.
Per-op overhead is measured the same way; no suite times two libraries in one process.

Idle threads: after a call, OpenBLAS and OpenMP threads spin for a while before they sleep (that
is what makes back-to-back small calls fast). Between the two sides of a pair the runner pauses
0.3 s, so one side's spinning threads never steal the other's cores, and each library keeps its
own policy (``--idle native``, the default: what a user's process does). ``--idle sleep`` instead
makes idle threads sleep at once (``OPENBLAS_THREAD_TIMEOUT=4``, ``OMP_WAIT_POLICY=PASSIVE``):
every multi-threaded call then pays a wake-up, which costs torch's many small OpenMP regions far
more than mytorch (W2 at 2 threads: torch 12.9 ms with ``sleep``, 3.2 ms ``native``).

Every worker is pinned to THREADS cores (``os.sched_setaffinity``), so "1 thread" means one core
for every library, XLA's thread pool included.

BLAS kernels: some machines carry ``OPENBLAS_CORETYPE`` (and ``OPENBLAS_L2_SIZE``) in their
environment, set for old OpenBLAS builds that misbehave on new processors; they force older
kernels on a current NumPy (measured on an AVX-512 AMD EPYC: W1's forward products 4.4 ms with
``Haswell`` forced against 3.0 ms with the ``SkylakeX`` kernels OpenBLAS picks by itself). By
default the workers run without them -- the library as a user's machine runs it -- and the runner
prints the kernel each side loaded; ``--keep-blas-env`` measures with them.

A suite may define ``summary(results)``: lines computed from its results (the targets of issues 15 and 27:
W1 against its floor and JAX-jit, dropout's overhead, W3 at 1 and 2 threads, SGD momentum), printed after its table.

The ``startup`` suite times ``import`` in fresh interpreters (pairs of one import each).

Clock: ``--clock wall`` (the default) times each side by the wall clock. On a machine shared with
other work, a process waiting for a core counts as running; ``--clock cpu`` times the CPU seconds
each process spent instead (all its threads, so spinning BLAS/OpenMP threads count): at 1 thread
that removes most of the other processes' noise; at more threads it charges each library for the
cores it kept busy, not for the wall time the user waits.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import pkgutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Environment variables that force an OpenBLAS kernel; dropped for the workers unless --keep-blas-env.
BLAS_OVERRIDES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
KEEP_BLAS_ENV = False
IDLE = "native"  # the libraries' own idle-thread policies, with a gap between the sides; or "sleep"
CLOCK = "time"  # the worker command: "time" (wall clock) or "cpu" (process CPU time)
GAP_SECONDS = 0.3  # longer than OpenBLAS's default spin (2**28 cycles) and torch's OpenMP spin


@dataclass
class Result:
    name: str
    labels: tuple[str, str]
    seconds: tuple[float, float]  # median seconds per call, side A and side B
    ratio: float  # median of per-pair A/B ratios
    pairs: int
    rss: tuple[int, int] | None = None  # peak resident set size of each process, bytes
    case: str = ""
    threads: int = 0
    blas: tuple[str, str] | None = None  # the BLAS each side loaded (threadpoolctl), for the header

    def line(self) -> str:
        big = max(self.seconds)
        unit, scale = ("s", 1.0) if big >= 10 else ("ms", 1e3) if big >= 1e-3 else ("µs", 1e6)
        (a, b), (sa, sb) = self.labels, self.seconds
        text = (f"{self.name:<46} {a:>8} {sa * scale:9.3f} {unit:<2}  {b:>8} {sb * scale:9.3f} {unit:<2}"
                f"  ratio {self.ratio:5.2f}x  ({self.pairs} pairs)")
        if self.rss:
            text += f"  peak RSS {self.rss[0] / 2**20:6.0f} / {self.rss[1] / 2**20:6.0f} MB"
        return text


class _Worker:
    def __init__(self, suite: str, case: str, lib: str, threads: int) -> None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
        if not KEEP_BLAS_ENV:
            for var in BLAS_OVERRIDES:
                env.pop(var, None)
        self.proc = subprocess.Popen([sys.executable, "-m", "benchmarks.worker", suite, case, lib, str(threads), IDLE],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)
        reply = self._read()
        if not reply.startswith("ready "):
            raise RuntimeError(f"worker {lib} for {case!r} did not start: {reply!r}")
        self.per_call = float(reply.split()[1])

    def _read(self) -> str:
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"a benchmark worker exited with status {self.proc.wait()}")
        return line.strip()

    def ask(self, command: str) -> float:
        return float(self.ask_text(command))

    def ask_text(self, command: str) -> str:
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        return self._read()

    def close(self) -> None:
        try:
            self.proc.stdin.write("quit\n")
            self.proc.stdin.close()
        except BrokenPipeError:
            pass
        self.proc.wait(timeout=60)


def compare(suite: str, case: str, libs: tuple[str, str], threads: int, pairs: int, seconds: float = 0.2) -> Result:
    """Median per-call time of each side and the median per-pair ratio, each library in its own process."""
    workers = [_Worker(suite, case, lib, threads) for lib in libs]
    try:
        n = max(1, round(seconds / max(w.per_call for w in workers)))
        times: tuple[list[float], list[float]] = ([], [])
        ratios = []
        for k in range(pairs):
            order = (0, 1) if k % 2 == 0 else (1, 0)
            pair = [0.0, 0.0]
            for side in order:
                if IDLE == "native":  # let the other side's spinning threads go idle first
                    time.sleep(GAP_SECONDS)
                pair[side] = workers[side].ask(f"{CLOCK} {n}")
            for side in (0, 1):
                times[side].append(pair[side])
            ratios.append(pair[0] / pair[1])
        rss = (int(workers[0].ask("rss")), int(workers[1].ask("rss")))
        blas = (workers[0].ask_text("blas"), workers[1].ask_text("blas"))
    finally:
        for w in workers:
            w.close()
    return Result(f"{case} [{threads} thr]", libs, (statistics.median(times[0]), statistics.median(times[1])),
                  statistics.median(ratios), pairs, rss, case, threads, blas)


def _suites() -> dict:
    from benchmarks import suites

    names = sorted(m.name for m in pkgutil.iter_modules(suites.__path__) if not m.name.startswith("_"))
    return {name: importlib.import_module(f"benchmarks.suites.{name}") for name in names}


def main(argv: list[str] | None = None) -> None:
    suites = _suites()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("suite", nargs="*", help=f"suites to run (default: all of {list(suites)})")
    parser.add_argument("--pairs", type=int, default=9, help="A/B pairs per case (default 9)")
    parser.add_argument("--threads", default=",".join(map(str, sorted({1, cores}))),
                        help="comma-separated thread counts (default: 1 and this machine's cores)")
    parser.add_argument("-k", "--cases", default="", help="run only the cases whose name contains this text")
    parser.add_argument("--idle", choices=["native", "sleep"], default="native",
                        help="idle BLAS/OpenMP threads: each library's 'native' policy (they spin a while, as on a "
                             "user's machine; the runner pauses 0.3 s before each side), or 'sleep' at once")
    parser.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                        help="time each side by the wall clock (default) or by its process's CPU time (robust to "
                             "other processes on a shared machine; see above)")
    parser.add_argument("--keep-blas-env", action="store_true",
                        help=f"keep {' and '.join(BLAS_OVERRIDES)} for the workers (default: drop them)")
    args = parser.parse_args(argv)
    global KEEP_BLAS_ENV, IDLE, CLOCK
    KEEP_BLAS_ENV, IDLE, CLOCK = args.keep_blas_env, args.idle, {"wall": "time", "cpu": "cpu"}[args.clock]
    unknown = [s for s in args.suite if s not in suites]
    if unknown:
        parser.error(f"unknown suite(s) {unknown}; choose from {list(suites)}")
    thread_counts = [int(t) for t in args.threads.split(",")]
    import numpy

    print(f"python {sys.version.split()[0]}, numpy {numpy.__version__}, {cores} core(s); each library in its own "
          f"process pinned to THREADS cores, float32, median of per-pair ratios; idle threads: {IDLE}; "
          f"clock: {args.clock}")
    overrides = [f"{v}={os.environ[v]}" for v in BLAS_OVERRIDES if v in os.environ]
    if overrides:
        print(f"environment: {' '.join(overrides)} -- {'kept' if KEEP_BLAS_ENV else 'dropped'} for the workers")
    blas_seen: set[str] = set()
    for name in args.suite or list(suites):
        module = suites[name]
        print(f"\n[{name}] {module.__doc__.strip().splitlines()[0]}")
        if hasattr(module, "run"):  # a suite that measures in its own way (e.g. fresh interpreters)
            for result in module.run(args.pairs):
                print(result.line(), flush=True)
            continue
        results: list[Result] = []
        for threads in getattr(module, "THREADS", None) or thread_counts:
            for case, sides in module.CASES.items():
                if args.cases not in case:
                    continue
                pairs = min(args.pairs, getattr(module, "MAX_PAIRS", args.pairs))
                libs = tuple(sides)[:2]
                # a third side (jax-jit) is printed against the first, when that library is installed
                extra = [lib for lib in sides if lib not in libs and importlib.util.find_spec(lib) is not None]
                try:
                    for pair in [libs, *((libs[0], lib) for lib in extra)]:
                        result = compare(name, case, pair, threads, pairs)
                        _print_blas(result, blas_seen)
                        print(result.line(), flush=True)
                        results.append(result)
                except (RuntimeError, ImportError) as e:
                    print(f"{case} [{threads} thr]: skipped ({e})", flush=True)
        for line in getattr(module, "summary", lambda _: [])(results):
            print(line, flush=True)


def _print_blas(result: Result, seen: set[str]) -> None:
    """Name each side's BLAS (library, version, kernel, threads) the first time it appears."""
    for lib, blas in zip(result.labels, result.blas or ()):
        key = f"{lib.split(':')[0]}: {blas}"
        if key not in seen:
            seen.add(key)
            print(f"  BLAS of {key}")


if __name__ == "__main__":
    main()
