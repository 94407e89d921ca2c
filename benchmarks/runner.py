"""Time the same workload in mytorch and PyTorch, interleaved in one process.

Each round times a batch of calls of A (mytorch) and then of B (PyTorch) -- the order flips every
round so neither side always runs on a warmer cache -- and records the ratio A/B. The report is
the median of those per-round ratios with the median time of each side. Medians, because the
machines are shared and noisy; ratios per round, because noise that hits a whole round hits both.

PyTorch gets as many intra-op threads as NumPy's BLAS has, both run float32, and idle threads of
both sleep instead of spinning (see below).

    python -m benchmarks.runner                 # every suite
    python -m benchmarks.runner ops train       # chosen suites
    python -m benchmarks.runner --rounds 31 ops
"""

from __future__ import annotations

import os

# Idle BLAS/OpenMP threads spin-wait by default. In one process that alternates between NumPy's
# OpenBLAS and torch's OpenMP, the threads of the side that just ran keep spinning and steal the
# cores from the other side (on 2 cores that doubled torch's times). Both must sleep when idle,
# and these must be set before NumPy or torch is imported.
os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass  # noqa: E402


@dataclass
class Result:
    name: str
    mytorch_s: float  # median seconds per call
    torch_s: float
    ratio: float  # median of per-round mytorch/torch ratios
    rounds: int
    labels: tuple[str, str] = ("mytorch", "torch")

    def line(self) -> str:
        unit, scale = ("ms", 1e3) if max(self.mytorch_s, self.torch_s) >= 1e-3 else ("µs", 1e6)
        if max(self.mytorch_s, self.torch_s) >= 10:
            unit, scale = "s", 1.0
        a, b = self.labels
        return (
            f"{self.name:<44} {a} {self.mytorch_s * scale:9.2f} {unit}   {b} {self.torch_s * scale:9.2f} {unit}"
            f"   ratio {self.ratio:5.2f}x  ({self.rounds} rounds)"
        )


def configure_threads() -> int:
    """Give PyTorch the same number of threads as NumPy's BLAS; returns that number."""
    import torch
    from threadpoolctl import threadpool_info

    blas = [p["num_threads"] for p in threadpool_info() if p.get("user_api") == "blas"]
    n = blas[0] if blas else 1
    torch.set_num_threads(n)
    return n


def _time(fn: Callable[[], object], n: int) -> float:
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t0) / n


def compare(
    name: str,
    mytorch_fn: Callable[[], object],
    torch_fn: Callable[[], object],
    rounds: int = 15,
    round_seconds: float = 0.1,
) -> Result:
    """Median per-call times and the median per-round ratio of two zero-argument callables."""
    for fn in (mytorch_fn, torch_fn):  # warm up, then size a round to ~round_seconds per side
        fn()
    per_call = max(_time(mytorch_fn, 3), _time(torch_fn, 3), 1e-7)
    n = max(1, int(round_seconds / per_call))
    ta, tb, ratios = [], [], []
    for r in range(rounds):
        if r % 2 == 0:
            a = _time(mytorch_fn, n)
            b = _time(torch_fn, n)
        else:
            b = _time(torch_fn, n)
            a = _time(mytorch_fn, n)
        ta.append(a)
        tb.append(b)
        ratios.append(a / b)
    return Result(name, statistics.median(ta), statistics.median(tb), statistics.median(ratios), rounds)


def _suites() -> dict[str, Callable[[int], list[Result]]]:
    """Every module in ``benchmarks/suites/`` is a suite: its ``run(rounds)`` returns Results."""
    import importlib
    import pkgutil

    from benchmarks import suites

    names = sorted(m.name for m in pkgutil.iter_modules(suites.__path__) if not m.name.startswith("_"))
    return {name: importlib.import_module(f"benchmarks.suites.{name}").run for name in names}


def main(argv: list[str] | None = None) -> None:
    suites = _suites()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("suite", nargs="*", help=f"suites to run (default: all of {list(suites)})")
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args(argv)
    unknown = [s for s in args.suite if s not in suites]
    if unknown:
        parser.error(f"unknown suite(s) {unknown}; choose from {list(suites)}")
    threads = configure_threads()
    import numpy
    import torch

    print(f"numpy {numpy.__version__}, torch {torch.__version__}, {threads} BLAS/intra-op thread(s), float32")
    for suite in args.suite or list(suites):
        print(f"\n[{suite}]")
        for result in suites[suite](args.rounds):
            print(result.line(), flush=True)


if __name__ == "__main__":
    main()
