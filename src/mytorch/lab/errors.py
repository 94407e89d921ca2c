"""The lab's one error type (its own module, so that every other module can import it without a cycle)."""

from __future__ import annotations


class LabError(ValueError):
    """Bad study input (file, key, value) or a study directory that does not match: one clear message."""
