"""KaTeX served from the built site (never a CDN), so the pages' math renders offline.

The files come from Debian's ``libjs-katex`` (``make docs`` installs it), or from the folder in
``$MYTORCH_KATEX_DIR``; the build stops with one line saying so when neither is there.
"""

from __future__ import annotations

import os
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

DEFAULT_DIR = "/usr/share/javascript/katex"
PREFIX = "assets/katex"  # where the files land in the site


def _katex_dir() -> Path:
    root = Path(os.environ.get("MYTORCH_KATEX_DIR", DEFAULT_DIR))
    if not (root / "katex.min.js").is_file() or not (root / "contrib" / "auto-render.js").is_file():
        raise PluginError(
            f"KaTeX not found in {root} (katex.min.js and contrib/auto-render.js): "
            "install Debian's libjs-katex (`make docs` does) or set MYTORCH_KATEX_DIR"
        )
    return root


def on_config(config):
    _katex_dir()
    # KaTeX itself, then its auto-render extension, then our call of it (docs/javascripts/katex.js).
    config.extra_css.insert(0, f"{PREFIX}/katex.min.css")
    config.extra_javascript[0:0] = [f"{PREFIX}/katex.min.js", f"{PREFIX}/contrib/auto-render.js"]
    return config


def on_files(files, config):
    root = _katex_dir()
    wanted = [root / "katex.min.js", root / "katex.min.css", root / "contrib" / "auto-render.js"]
    # The stylesheet names fonts/KaTeX_*.{woff2,woff,ttf}; the browser picks the first it reads.
    wanted += sorted((root / "fonts").glob("KaTeX_*"))
    for path in wanted:
        uri = f"{PREFIX}/{path.relative_to(root).as_posix()}"
        files.append(File.generated(config, uri, abs_src_path=str(path.resolve())))
    return files
