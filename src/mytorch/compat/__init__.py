"""Compatibility faces for course code; not imported by ``import mytorch``.

* ``mytorch.compat.needle``: the 10-714 HW2 "needle" API (seed 002) on mytorch's engine. Course
  code that says ``import needle`` runs after ``mytorch.compat.needle.install_alias()``.
"""
