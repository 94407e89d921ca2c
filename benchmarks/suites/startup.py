"""Start-up cost: ``import mytorch`` against ``import torch``, each in a fresh interpreter.

Each pair runs one fresh ``python -c "import LIB"`` per library (in alternating order) and times the
import statement inside it, so interpreter start-up is not counted.
"""

from __future__ import annotations

import statistics
import subprocess
import sys

_CODE = "import time; t = time.perf_counter(); import {lib}; print(time.perf_counter() - t)"


def _import_seconds(lib: str) -> float:
    out = subprocess.run([sys.executable, "-c", _CODE.format(lib=lib)], capture_output=True, text=True, check=True)
    return float(out.stdout)


def run(pairs: int) -> list:
    from benchmarks.runner import Result

    times: dict[str, list[float]] = {"mytorch": [], "torch": []}
    ratios = []
    for k in range(pairs):
        order = ("mytorch", "torch") if k % 2 == 0 else ("torch", "mytorch")
        for lib in order:
            times[lib].append(_import_seconds(lib))
        ratios.append(times["mytorch"][-1] / times["torch"][-1])
    return [Result("import", ("mytorch", "torch"), (statistics.median(times["mytorch"]),
                   statistics.median(times["torch"])), statistics.median(ratios), pairs)]
