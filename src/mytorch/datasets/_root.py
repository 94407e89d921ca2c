"""Where dataset files are looked for, and the message when they are not found anywhere.

With ``root=`` given: that directory, then torchvision's layout inside it (``root/<Name>/raw``),
so a torchvision data folder works as it is. With ``root=None``: ``$MYTORCH_DATA/<name>``, then
the system directories the dataset lists (Debian's ``/usr/share/datasets/fashion-mnist``).
"""

from __future__ import annotations

import os
from collections.abc import Sequence

DATA_ENV = "MYTORCH_DATA"


def candidate_dirs(root: str | os.PathLike | None, name: str, torchvision_folder: str, system_dirs: Sequence[str]):
    """The directories to search, in order, each with a note saying where it came from."""
    if root is not None:
        root = os.path.expanduser(os.fspath(root))
        return [(root, "root="), (os.path.join(root, torchvision_folder, "raw"), "torchvision layout under root=")]
    dirs = []
    env = os.environ.get(DATA_ENV)
    if env:
        dirs.append((os.path.join(os.path.expanduser(env), name), f"${DATA_ENV}/{name}"))
    dirs.extend((d, "system package") for d in system_dirs)
    return dirs


def download_dir(root: str | os.PathLike | None, name: str) -> str | None:
    """Where ``download=True`` writes: ``root``, else ``$MYTORCH_DATA/<name>``, else nowhere (None)."""
    if root is not None:
        return os.path.expanduser(os.fspath(root))
    env = os.environ.get(DATA_ENV)
    return os.path.join(os.path.expanduser(env), name) if env else None


def find_files(dirs: Sequence[tuple[str, str]], basenames: Sequence[str]) -> tuple[str, list[str]] | None:
    """The first directory holding every ``basename`` (raw, else ``.gz``) and the paths found there."""
    for directory, _ in dirs:
        paths = []
        for base in basenames:
            for candidate in (base, base + ".gz"):
                path = os.path.join(directory, candidate)
                if os.path.isfile(path):
                    paths.append(path)
                    break
            else:
                break
        if len(paths) == len(basenames):
            return directory, paths
    return None


def not_found_message(what: str, basenames: Sequence[str], dirs: Sequence[tuple[str, str]], how_to_get: str) -> str:
    wanted = " and ".join(f"{b}[.gz]" for b in basenames)
    looked = "\n".join(f"  {d}  ({note})" for d, note in dirs) or "  (nowhere: no root= and no $MYTORCH_DATA)"
    return f"{what} not found. Looked for {wanted} in:\n{looked}\nTo get it: {how_to_get}"
