"""A griffe extension: the docstrings' reStructuredText habits shown as Markdown.

mytorch's docstrings are written to be read in the source: interpreter sessions (``>>>`` lines and
their output) and literal blocks introduced by ``::``. Rendered as Markdown, a session would run
together into one paragraph (and ``[4, 4, 2]`` would look like a link), so each session becomes a
fenced ``pycon`` block, and a paragraph's closing ``::`` becomes ``:`` before its indented block,
which Markdown already shows as code.
"""

from __future__ import annotations

import re

import griffe

_FENCE = re.compile(r"^\s*(```|~~~)")


def rewrite(text: str) -> str:
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    fenced = False
    while i < len(lines):
        line = lines[i]
        if _FENCE.match(line):
            fenced = not fenced
        stripped = line.lstrip()
        if not fenced and stripped.startswith(">>>"):
            indent = line[: len(line) - len(stripped)]
            if out and out[-1].strip():
                out.append("")
            out.append(f"{indent}```pycon")
            while i < len(lines) and lines[i].strip():
                out.append(lines[i])
                i += 1
            out.append(f"{indent}```")
            continue
        if not fenced and line.rstrip().endswith("::") and not stripped.startswith("::"):
            line = line.rstrip()[:-1]
        out.append(line)
        i += 1
    return "\n".join(out)


class Docstrings(griffe.Extension):
    """Rewrites each docstring once the object tree is complete."""

    def on_object(self, *, obj: griffe.Object, **kwargs) -> None:
        if obj.docstring is not None and not obj.is_alias:
            obj.docstring.value = rewrite(obj.docstring.value)
