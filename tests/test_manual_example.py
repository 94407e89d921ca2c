"""examples/manual_mlp.py: one epoch of Fashion-MNIST with mytorch.manual reaches 80% test accuracy."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "manual_mlp.py"


@pytest.mark.slow
def test_manual_mlp_example_reaches_80_percent_in_one_epoch():
    result = subprocess.run(
        [sys.executable, str(EXAMPLE), "--epochs", "1", "--seed", "0"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    match = re.search(r"test accuracy: ([0-9.]+)", result.stdout)
    assert match, result.stdout
    assert float(match.group(1)) >= 0.80, result.stdout
