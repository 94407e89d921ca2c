"""The tutorials are executed during the build: a tutorial that raises fails it.

Every ``docs/tutorials/*.py`` (percent format, see ``run_tutorial.py``) runs in its own Python
process (two at a time), with ``src`` first on the path. Its page ``tutorials/<name>.md`` is
generated from the cells: the text, each code cell, what it printed, and the figures it drew
(``tutorials/<name>/fig-N.png``), plus any file the script wrote into ``$TUTORIAL_OUT``.

While editing prose, ``MYTORCH_DOCS_REUSE_TUTORIALS=1`` reuses the outputs of the last run in
``build/docs-tutorials/`` instead of running the scripts again; ``make docs`` never sets it.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

log = logging.getLogger("mkdocs.hooks.tutorials")

ROOT = Path(__file__).resolve().parents[2]
RUNNER = Path(__file__).with_name("run_tutorial.py")
WORK = ROOT / "build" / "docs-tutorials"
TIMEOUT_S = 300


def _run(script: Path) -> tuple[Path, subprocess.CompletedProcess]:
    outdir = WORK / script.stem
    if os.environ.get("MYTORCH_DOCS_REUSE_TUTORIALS") == "1" and (outdir / "cells.json").is_file():
        return outdir, subprocess.CompletedProcess([], 0, "", "")
    shutil.rmtree(outdir, ignore_errors=True)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]))
    env["MPLBACKEND"] = "Agg"
    proc = subprocess.run(
        [sys.executable, str(RUNNER), str(script), str(outdir)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=TIMEOUT_S, check=False,
    )
    return outdir, proc


def _fence(text: str, lang: str) -> list[str]:
    ticks = "```"
    while ticks in text:
        ticks += "`"
    return [f"{ticks}{lang}", text.rstrip("\n"), ticks, ""]


def render(name: str, record: dict, extra: list[str]) -> str:
    lines: list[str] = []
    for cell in record["cells"]:
        if cell["kind"] == "markdown":
            lines += [cell["source"], ""]
            continue
        lines += _fence(cell["source"], "python")
        if cell.get("output", "").strip():
            lines += ['<div class="tutorial-output" markdown>', "", *_fence(cell["output"], "text"), "</div>", ""]
        for fig in cell.get("figures", []):
            lines += [f"![{name}: {fig}]({name}/{fig})", ""]
    lines += [
        "---",
        "",
        f"*This page was produced by running [`{name}.py`]({name}.py) during the documentation build "
        f"({record['seconds']:.1f} s).*",
        "",
    ]
    for path in extra:
        lines.append(f"*Written by the tutorial: [`{path}`]({name}/{path}).*")
    return "\n".join(lines)


def on_files(files, config):
    scripts = sorted(Path(config.docs_dir, "tutorials").glob("*.py"))
    WORK.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(_run, scripts))
    failed = []
    for script, (outdir, proc) in zip(scripts, results):
        if proc.returncode != 0:
            tail = f"{proc.stdout[-2000:]}{proc.stderr[-4000:]}"
            failed.append(f"tutorial {script.name} failed (exit {proc.returncode}):\n{tail}")
            continue
        record = json.loads((outdir / "cells.json").read_text())
        log.info(f"tutorial {script.name}: {record['seconds']:.1f} s")
        figures = {fig for cell in record["cells"] for fig in cell.get("figures", [])}
        extra = []
        for path in sorted(p for p in outdir.rglob("*") if p.is_file()):
            rel = path.relative_to(outdir).as_posix()
            if rel == "cells.json":
                continue
            if rel not in figures:
                extra.append(rel)
            files.append(File.generated(config, f"tutorials/{script.stem}/{rel}", abs_src_path=str(path)))
        files.append(File.generated(config, f"tutorials/{script.stem}.md", content=render(script.stem, record, extra)))
    if failed:
        raise PluginError("\n\n".join(failed))
    return files
