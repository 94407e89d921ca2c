"""The documentation build's checks, fast: every public name has a docstring, a raising tutorial
fails, and the docstrings' interpreter sessions become code blocks. (The full strict build and the
browser test are ``make docs`` and ``tests/test_docs_site.py``.)"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HOOKS = ROOT / "docs" / "hooks"
sys.path.insert(0, str(HOOKS))

import api  # noqa: E402
import griffe_docstrings  # noqa: E402


def test_every_public_name_has_a_docstring():
    pages, missing = api.collect()
    assert not missing, "public names without a docstring:\n" + "\n".join(missing)
    modules = {p.module for p in pages}
    for required in ("mytorch", "mytorch.Tensor", "mytorch.nn", "mytorch.optim", "mytorch.utils.data",
                     "mytorch.datasets", "mytorch.transforms", "mytorch.train", "mytorch.lab", "mytorch.manual",
                     "mytorch.compat.needle"):
        assert required in modules
    entries = {e for p in pages for e in p.entries}
    assert {"mytorch.nn.Linear", "mytorch.optim.Adam", "mytorch.manual.Linear"} <= entries


def test_a_name_without_a_docstring_is_reported(monkeypatch):
    import mytorch.nn as nn

    monkeypatch.setattr(nn.Linear, "__doc__", None)
    _, missing = api.collect()
    assert any(m.startswith("mytorch.nn.Linear (src/mytorch/nn/modules/linear.py:") for m in missing), missing


def test_a_raising_tutorial_fails_and_a_working_one_records_its_output(tmp_path):
    good = tmp_path / "good.py"
    good.write_text("# %% [markdown]\n# # Title\n\n# %%\nprint(6 * 7)\n")
    proc = subprocess.run([sys.executable, str(HOOKS / "run_tutorial.py"), str(good), str(tmp_path / "g")],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    cells = json.loads((tmp_path / "g" / "cells.json").read_text())["cells"]
    assert [c["kind"] for c in cells] == ["markdown", "code"] and cells[1]["output"] == "42\n"

    bad = tmp_path / "bad.py"
    bad.write_text("# %%\nprint('before')\n\n# %%\n1 / 0\n")
    proc = subprocess.run([sys.executable, str(HOOKS / "run_tutorial.py"), str(bad), str(tmp_path / "b")],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 1
    assert "bad.py: cell 2 raised" in proc.stderr and "ZeroDivisionError" in proc.stderr


@pytest.mark.parametrize("text, expected", [
    ("Summary.\n\n>>> 1 + 1\n2\n\nAfter.", "Summary.\n\n```pycon\n>>> 1 + 1\n2\n```\n\nAfter."),
    ("The update::\n\n    x ← x − γ g", "The update:\n\n    x ← x − γ g"),
    ("```python\n>>> kept\n```", "```python\n>>> kept\n```"),
])
def test_docstring_sessions_and_literal_blocks_become_markdown(text, expected):
    assert griffe_docstrings.rewrite(text) == expected
