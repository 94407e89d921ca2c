"""Runs ``threads_policy_cases.py`` in a fresh interpreter.

The thread policy is process-wide BLAS state (OpenBLAS's thread count, switched per product); after the
rest of the suite has run in this process (in-process Dask workers, threadpoolctl limits, other tests'
thread counts) its bit-for-bit cases failed in CI although they pass on their own, so they get a process
of their own, as a user's script does.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

CASES = Path(__file__).with_name("threads_policy_cases.py")


def test_thread_policy_cases_in_a_fresh_process():
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(CASES)],
                          capture_output=True, text=True, timeout=600, env=env, cwd=CASES.parent.parent)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
