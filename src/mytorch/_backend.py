"""The one place where mytorch names its array module.

Every op reaches array math through ``xp`` from this module (``from .._backend import xp``),
never through a direct ``import numpy`` of its own. A CuPy backend would change this file
(and the host-side conversions below), not the ops.
"""

from __future__ import annotations

import numpy

xp = numpy
ndarray = numpy.ndarray


def to_host(array) -> numpy.ndarray:
    """Return ``array`` as a NumPy array on the host (a no-op for the NumPy backend)."""
    return array
