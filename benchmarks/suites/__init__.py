"""Benchmark suites: each module defines ``run(rounds: int) -> list[Result]``."""
