"""Random number generation: one default generator that every random draw in mytorch uses.

``manual_seed(s)`` reseeds it, so the same seed gives the same initial weights, dropout masks,
shuffling order and augmentations. A ``Generator`` wraps NumPy's PCG64 bit generator; its
state is a plain dict of integers, so checkpoints can store it as JSON.
"""

from __future__ import annotations

import math
import sys

import numpy as np

# PyTorch's CPU generator also starts from a fixed seed, so an unseeded run is reproducible.
_DEFAULT_SEED = 67280421310721


class Generator:
    """A source of random numbers (``torch.Generator`` for the CPU)."""

    def __init__(self, seed: int | None = None) -> None:
        self.manual_seed(_DEFAULT_SEED if seed is None else seed)

    def manual_seed(self, seed: int) -> Generator:
        """Seed this generator (as ``mytorch.manual_seed`` does the default one); returns it."""
        seed = int(seed)
        if seed < 0:
            raise ValueError(f"seed must be non-negative, got {seed}")
        self._seed = seed
        self.numpy = np.random.Generator(np.random.PCG64(seed))
        return self

    def initial_seed(self) -> int:
        """The seed this generator was last seeded with."""
        return self._seed

    def seed(self) -> int:
        """Reseed from OS entropy and return the new seed."""
        seed = int(np.random.SeedSequence().entropy % (2**63))
        self.manual_seed(seed)
        return seed

    def get_state(self) -> dict:
        """The full generator state as a JSON-serialisable dict."""
        return {"seed": self._seed, "bit_generator": self.numpy.bit_generator.state}

    def set_state(self, state: dict) -> None:
        """Restore a state that ``get_state`` returned."""
        self._seed = int(state["seed"])
        bit_generator = np.random.PCG64()
        bit_generator.state = state["bit_generator"]
        self.numpy = np.random.Generator(bit_generator)


default_generator = Generator()


def manual_seed(seed: int) -> Generator:
    """Seed the default generator used by init, dropout, shuffling and transforms."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    """Seed the default generator from OS entropy; returns the seed."""
    return default_generator.seed()


def initial_seed() -> int:
    """The seed the default generator was last seeded with."""
    return default_generator.initial_seed()


def get_rng_state() -> dict:
    """The default generator's state, to restore later with ``set_rng_state``."""
    return default_generator.get_state()


def set_rng_state(state: dict) -> None:
    """Restore the default generator's state from ``get_rng_state``."""
    default_generator.set_state(state)


def _numpy_generator(generator: Generator | None) -> np.random.Generator:
    """The NumPy generator behind ``generator`` (the default one when None)."""
    return (generator or default_generator).numpy


def _draw(kind: str, shape, dtype: np.dtype, generator: Generator | None = None) -> np.ndarray:
    """U[0, 1) (``kind="uniform"``) or N(0, 1) (``"normal"``) samples for a floating-point ``dtype``.

    The one place that decides how random floats are drawn (factories, ``uniform_``/``normal_``,
    dropout masks): NumPy's generator draws float32 and float64 natively, so those are drawn as
    themselves and any other float dtype (float16) is drawn in float32; the caller casts.
    """
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"random floats need a floating point dtype, got {dtype}")
    native = dtype if dtype in (np.float32, np.float64) else np.dtype(np.float32)
    rng = _numpy_generator(generator)
    return rng.random(shape, dtype=native) if kind == "uniform" else rng.standard_normal(shape, dtype=native)


def _keep_mask(shape, p: float, dtype: np.dtype, generator: Generator | None = None) -> np.ndarray:
    """``_draw("uniform", shape, dtype) >= p`` (dropout's keep mask), without making the floats.

    NumPy's PCG64 turns each random word into a float: float32 = (u32 >> 8)·2⁻²⁴ from 32-bit words
    (the low half of a 64-bit output first, the high half kept for the next call), float64 =
    (u64 >> 11)·2⁻⁵³. So "float >= p" is "word >= ceil(p·2^k) << s" for the word itself, with p
    rounded to the dtype first as the comparison does, and the raw words (``random_raw``) can be
    compared directly: the same mask, bit for bit, and the generator left in the same state, at
    about half the cost (a W1-do step draws 356 000 of them). Other dtypes draw the floats.
    """
    dtype = np.dtype(dtype)
    rng = _numpy_generator(generator)
    bits = rng.bit_generator
    size = int(np.prod(shape, dtype=np.int64))
    native = dtype in (np.float32, np.float64) and type(bits) is np.random.PCG64 and sys.byteorder == "little"
    if not native or not 0 < p < 1 or size == 0:
        return _draw("uniform", shape, dtype, generator) >= p
    if dtype == np.float64:
        threshold = math.ceil(float(p) * 2.0**53) << 11
        return (bits.random_raw(size) >= np.uint64(threshold)).reshape(shape)
    threshold = math.ceil(float(np.float32(p)) * 2.0**24) << 8  # p = 0.99999999 rounds to 1: 2**32, none kept
    state = bits.state
    kept, first = state["has_uint32"], state["uinteger"]  # a half word kept by the last draw comes first
    if kept:
        state["has_uint32"] = 0
        bits.state = state
    fresh = size - kept
    raw = bits.random_raw((fresh + 1) // 2).view(np.uint32)  # little-endian: low half, then high half
    if raw.size:  # NumPy's bookkeeping: the last high half, marked as unused when `fresh` is odd
        state = bits.state
        state["has_uint32"], state["uinteger"] = fresh % 2, int(raw[-1])
        bits.state = state
    words = raw[:fresh] if not kept else np.concatenate([np.array([first], np.uint32), raw[:fresh]])
    return (words >= threshold).reshape(shape)
