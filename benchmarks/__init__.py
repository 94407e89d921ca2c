"""Interleaved mytorch-vs-PyTorch benchmarks (``python -m benchmarks.runner``)."""
