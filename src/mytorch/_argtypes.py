"""argparse value types shared by the ``mytorch`` commands (``cli.py``) and ``mytorch lab`` (``lab/cli.py``)."""

from __future__ import annotations

import argparse
import sys


def positive_int(text: str) -> int:
    """An integer > 0, or argparse's one-line error naming the value."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


class OneLineParser(argparse.ArgumentParser):
    """argparse whose errors are one line (``mytorch train: error: ...``) and exit status 2, without the
    usage block argparse prints first (the CLI's rule for bad input: one line, status 2)."""

    def error(self, message: str):
        """Print ``PROG: error: MESSAGE`` (one line) on stderr and exit with status 2."""
        print(f"{self.prog}: error: {' '.join(message.split())}", file=sys.stderr)
        sys.exit(2)
