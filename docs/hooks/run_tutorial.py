"""Runs one tutorial script cell by cell and records what each cell printed and drew.

``python run_tutorial.py SCRIPT OUTDIR``: the script is in the percent format (``# %%`` starts a
code cell, ``# %% [markdown]`` a text cell whose lines are Markdown behind ``# ``). Each code cell is
executed in one namespace; its stdout and stderr are captured, and every matplotlib figure open at
its end is saved as ``OUTDIR/fig-N.png`` and closed. ``OUTDIR/cells.json`` gets the cells. The
script may write files of its own into ``$TUTORIAL_OUT`` (= OUTDIR); they are published beside the
page. An exception prints its traceback and exits with status 1: the docs build fails on it.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import sys
import time
import traceback
from pathlib import Path

_CELL = re.compile(r"^# %%(?P<md> \[markdown\])?.*$")


def split_cells(text: str) -> list[dict]:
    cells: list[dict] = []
    current: dict | None = None
    for line in text.splitlines():
        m = _CELL.match(line)
        if m:
            current = {"kind": "markdown" if m.group("md") else "code", "lines": []}
            cells.append(current)
        elif current is not None:
            current["lines"].append(line)
        elif line.strip() and not line.startswith("#"):
            raise SystemExit(f"code before the first '# %%' cell: {line!r}")
    out = []
    for cell in cells:
        lines = cell["lines"]
        if cell["kind"] == "markdown":
            lines = [ln[2:] if ln.startswith("# ") else ln.lstrip("#") for ln in lines]
        source = "\n".join(lines).strip("\n")
        if source.strip():
            out.append({"kind": cell["kind"], "source": source})
    return out


def main() -> int:
    script, outdir = Path(sys.argv[1]), Path(sys.argv[2])
    outdir.mkdir(parents=True, exist_ok=True)
    os.environ["TUTORIAL_OUT"] = str(outdir)
    os.environ.setdefault("MPLBACKEND", "Agg")
    cells = split_cells(script.read_text())
    namespace: dict = {"__name__": "__main__", "__file__": str(script)}
    figures = 0
    start = time.perf_counter()
    for index, cell in enumerate(cells):
        if cell["kind"] != "code":
            continue
        buffer = io.StringIO()
        try:
            with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
                exec(compile(cell["source"], f"{script.name} (cell {index + 1})", "exec"), namespace)
        except BaseException:
            sys.stdout.write(buffer.getvalue())
            print(f"\n{script.name}: cell {index + 1} raised:", file=sys.stderr)
            traceback.print_exc()
            return 1
        cell["output"] = buffer.getvalue()
        cell["figures"] = []
        if "matplotlib.pyplot" in sys.modules:
            plt = sys.modules["matplotlib.pyplot"]
            for number in plt.get_fignums():
                figures += 1
                name = f"fig-{figures}.png"
                plt.figure(number).savefig(outdir / name, dpi=100, bbox_inches="tight")
                cell["figures"].append(name)
            plt.close("all")
    seconds = time.perf_counter() - start
    (outdir / "cells.json").write_text(json.dumps({"cells": cells, "seconds": seconds}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
