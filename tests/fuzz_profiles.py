"""Hypothesis settings of the fuzz tests (``test_fuzz_*.py``): one bounded, reproducible CI profile and a
``long`` one for hours of search.

* ``ci`` (the default, what ``make test`` runs): ``derandomize=True`` -- the examples are a fixed function
  of the test, so every run of the suite tries the same inputs and a failure reproduces on any machine --
  with a few examples per test, sized so that all fuzz tests together take about 90 s on 2 cores.
* ``long`` (``MYTORCH_FUZZ=long``, set by ``make fuzz``): random search, many examples per test, and
  Hypothesis's example database under ``.hypothesis/`` so a failure found once is replayed first on the
  next run until it is fixed. Each input it finds is then written down as a regular test.

``MYTORCH_FUZZ_SCALE`` multiplies the number of examples of the active profile (``make fuzz`` uses it
to size a run).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings
from hypothesis.database import DirectoryBasedExampleDatabase

PROFILE = os.environ.get("MYTORCH_FUZZ", "ci")
if PROFILE not in ("ci", "long"):
    raise ValueError(f"MYTORCH_FUZZ must be ci or long, got {PROFILE!r}")
SCALE = float(os.environ.get("MYTORCH_FUZZ_SCALE", "1"))
LONG = PROFILE == "long"
DATABASE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), ".hypothesis", "fuzz")

_SLOW_IS_FINE = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much,
                 HealthCheck.large_base_example]


def fuzz_settings(ci_examples: int, long_examples: int) -> settings:
    """Settings for one fuzz test: ``ci_examples`` in the CI profile, ``long_examples`` in the long one."""
    if LONG:
        return settings(max_examples=max(1, int(long_examples * SCALE)), deadline=None, derandomize=False,
                        database=DirectoryBasedExampleDatabase(DATABASE), suppress_health_check=_SLOW_IS_FINE,
                        print_blob=True)
    return settings(max_examples=max(1, int(ci_examples * SCALE)), deadline=None, derandomize=True,
                    database=None, suppress_health_check=_SLOW_IS_FINE, print_blob=True)
