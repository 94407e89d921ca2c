"""The built documentation site and a lab report, opened in headless Chromium (Debian's package).

``make test`` builds the site first (``make docs``); run alone, this test builds it when
``site/index.html`` is missing. Every HTML page of the site, and the lab ``report.html`` that the
seed-003 tutorial made with a tiny ``mytorch lab run``, is loaded from a local HTTP server: no
console error, no failed load, no request leaving 127.0.0.1 (KaTeX is served from the site), every
image loaded (``naturalWidth > 0``), the math rendered (KaTeX's ``.katex`` elements on the pages
that have math), and every internal link pointing at a file of the site (and at an anchor there).
Screenshots of the home page, one API page and the report go to ``build/screenshots/``.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from cdp import Browser, errors_in, find_chromium, requested_urls

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "site"
SHOTS = ROOT / "build" / "screenshots"
REPORT = "tutorials/seed003_study/report.html"
API_PAGE = "api/mytorch.nn.html"

pytestmark = pytest.mark.slow

_PAGE_FACTS = """(() => {
  const imgs = [...document.images].map(i => ({src: i.currentSrc || i.src, complete: i.complete,
                                              width: i.naturalWidth}));
  const links = [...document.querySelectorAll('a[href]')].map(a => a.href);
  return {title: document.title, imgs, links,
          katex: document.querySelectorAll('.katex').length,
          arithmatex: document.querySelectorAll('.arithmatex').length,
          katexErrors: document.querySelectorAll('.katex-error').length,
          ids: [...document.querySelectorAll('[id]')].map(e => e.id),
          width: document.documentElement.scrollWidth, height: document.documentElement.scrollHeight};
})()"""


@pytest.fixture(scope="module")
def site() -> Path:
    if not (SITE / "index.html").is_file():
        env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), NO_MKDOCS_2_WARNING="1")
        subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict"], cwd=ROOT, env=env, check=True)
    return SITE


@pytest.fixture(scope="module")
def server(site: Path):
    handler = functools.partial(_QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002
        pass


@pytest.fixture(scope="module")
def browser():
    executable = find_chromium()
    if executable is None:
        pytest.fail("headless Chromium not found: install Debian's chromium package (`make test` does)")
    b = Browser(executable)
    yield b
    b.close()


def _ids_of(path: Path, cache: dict) -> set[str]:
    if path not in cache:
        cache[path] = set(re.findall(r'\sid="([^"]+)"', path.read_text(errors="replace")))
    return cache[path]


def test_every_page_in_a_browser(site: Path, server: str, browser: Browser) -> None:
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html") if p.name != "404.html")
    assert "index.html" in pages and API_PAGE in pages and REPORT in pages, "the site lacks a page this test opens"
    SHOTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    ids_cache: dict = {}
    math_pages = []
    summary = []
    for rel in pages:
        url = server + rel
        started = time.perf_counter()
        events = browser.open(url)
        facts = browser.evaluate(_PAGE_FACTS)
        summary.append(f"{rel}: {facts['title']!r}, {len(facts['imgs'])} images, {facts['katex']} formulas, "
                       f"{facts['width']}x{facts['height']} px, {time.perf_counter() - started:.1f} s")
        problems += [f"{rel}: {e}" for e in errors_in(events)]
        for u in requested_urls(events):
            if not u.startswith((server, "data:", "blob:")):
                problems.append(f"{rel}: requested {u} (the site must work offline)")
        for img in facts["imgs"]:
            if not img["complete"] or img["width"] == 0:
                problems.append(f"{rel}: image not loaded: {img['src']}")
        if facts["arithmatex"]:
            math_pages.append(rel)
            if facts["katex"] == 0:
                problems.append(f"{rel}: {facts['arithmatex']} math elements but no KaTeX output")
        if facts["katexErrors"]:
            problems.append(f"{rel}: {facts['katexErrors']} formulas KaTeX could not parse")
        for link in facts["links"]:
            if not link.startswith(server):
                continue  # external links (none should be needed to read the site) are not followed
            parts = urlsplit(link)
            target = site / unquote(parts.path[len(urlsplit(server).path):])
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                problems.append(f"{rel}: broken link {link}")
            elif parts.fragment and target.suffix == ".html":
                known = set(facts["ids"]) if target == site / rel else _ids_of(target, ids_cache)
                if unquote(parts.fragment) not in known:
                    problems.append(f"{rel}: link to a missing anchor {link}")
        if rel in ("index.html", API_PAGE, REPORT):
            name = {"index.html": "home", API_PAGE: "api-nn", REPORT: "lab-report"}[rel]
            browser.screenshot(SHOTS / f"{name}.png")
    print("\n".join(summary))
    assert not problems, "\n".join(problems[:50])
    # The guides, the tutorials and the API pages state formulas; at least those must render.
    assert any(p.startswith("guides/") for p in math_pages), math_pages
    assert any(p.startswith("tutorials/") for p in math_pages), math_pages
    assert any(p.startswith("api/") for p in math_pages), math_pages


def test_report_opens_from_the_file_system(site: Path, browser: Browser) -> None:
    """report.html is self-contained: opened as a file (how a researcher opens it), every figure shows."""
    events = browser.open((site / REPORT).as_uri())
    facts = browser.evaluate(_PAGE_FACTS)
    assert not errors_in(events), errors_in(events)
    assert facts["imgs"], "the report has no figures"
    assert all(img["complete"] and img["width"] > 0 for img in facts["imgs"]), facts["imgs"]
    assert all(u.startswith(("file:", "data:")) for u in requested_urls(events)), requested_urls(events)
