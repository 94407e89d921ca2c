"""A report as a list of blocks, rendered twice: Markdown (figures as files) and self-contained HTML.

Blocks: ``("h", level, text)``, ``("p", text)``, ``("ul", [items])``, ``("table", headers, rows)``,
``("img", filename, caption)``. Inline text may use ``**bold**`` and ``code`` in backticks. The HTML
embeds every figure as a base64 ``data:`` URI and uses no external asset, so it works offline.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import re

_CSS = ("body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;line-height:1.45}"
        "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #bbb;padding:3px 8px;text-align:right}"
        "th{background:#eee}td:first-child,th:first-child{text-align:left}img{max-width:100%}"
        "code{background:#f3f3f3;padding:0 3px}figcaption{color:#555;font-size:90%}")


def _inline(text: str) -> str:
    out = html.escape(text, quote=False)
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", out)
    return re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", out)


def _md_cell(text: str) -> str:
    return str(text).replace("|", "\\|")


def to_markdown(blocks: list[tuple]) -> str:
    lines: list[str] = []
    for block in blocks:
        kind = block[0]
        if kind == "h":
            lines += ["#" * block[1] + " " + block[2], ""]
        elif kind == "p":
            lines += [block[1], ""]
        elif kind == "ul":
            lines += [f"- {item}" for item in block[1]] + [""]
        elif kind == "table":
            headers, rows = block[1], block[2]
            lines.append("| " + " | ".join(_md_cell(h) for h in headers) + " |")
            lines.append("|" + "|".join("---" for _ in headers) + "|")
            lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
            lines.append("")
        elif kind == "img":
            lines += [f"![{block[2]}]({block[1]})", ""]
        else:
            raise ValueError(f"unknown block kind {kind!r}")
    return "\n".join(lines)


def to_html(blocks: list[tuple], title: str, images: dict[str, bytes]) -> str:
    """``images`` maps each img block's filename to its PNG bytes (embedded, never linked)."""
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>"]
    for block in blocks:
        kind = block[0]
        if kind == "h":
            parts.append(f"<h{block[1]}>{_inline(block[2])}</h{block[1]}>")
        elif kind == "p":
            parts.append(f"<p>{_inline(block[1])}</p>")
        elif kind == "ul":
            parts.append("<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in block[1]) + "</ul>")
        elif kind == "table":
            head = "".join(f"<th>{_inline(str(h))}</th>" for h in block[1])
            body = "".join("<tr>" + "".join(f"<td>{_inline(str(c))}</td>" for c in row) + "</tr>" for row in block[2])
            parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
        elif kind == "img":
            data = base64.b64encode(images[block[1]]).decode("ascii")
            parts.append(f'<figure><img alt="{html.escape(block[2])}" src="data:image/png;base64,{data}">'
                         f"<figcaption>{_inline(block[2])}</figcaption></figure>")
        else:
            raise ValueError(f"unknown block kind {kind!r}")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def csv_bytes(headers: list[str], rows: list[list]) -> bytes:
    """A CSV table (header line, then the rows; ``\\n`` line ends) as UTF-8 bytes."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(headers)
    w.writerows(rows)
    return buf.getvalue().encode()
