"""``python -m mytorch train ...`` is the ``mytorch`` command."""

import sys

from .cli import main

sys.exit(main())
