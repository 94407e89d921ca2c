"""argparse value types shared by the ``mytorch`` commands (``cli.py``) and ``mytorch lab`` (``lab/cli.py``)."""

from __future__ import annotations

import argparse


def positive_int(text: str) -> int:
    """An integer > 0, or argparse's one-line error naming the value."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value
