"""Random number generation: PyTorch's CPU generator, so the same seed draws the same numbers.

A :class:`Generator` is the 32-bit Mersenne Twister (mt19937) seeded exactly as PyTorch seeds its
CPU generator: ``manual_seed(s)`` keeps all 64 bits of ``s`` as ``initial_seed()`` (negative seeds
wrap modulo 2⁶⁴) and initialises the 624-word state from its low 32 bits with the reference
``init_genrand`` recurrence. The raw words come from NumPy's ``MT19937`` bit generator (the same
stream, vectorised); a 64-bit draw is two words, the first one the high half. Besides the twister,
the state holds the second value of the last scalar Box-Muller pair (PyTorch caches it, and the
next small ``normal_`` uses it first).

``get_state()`` returns PyTorch's own state layout (a 5056-byte uint8 tensor: the 64-bit seed,
``left``, ``seeded``, ``next``, the 624 words as 64-bit integers, the cached double and float
normals), so a state saved by either library restores in the other. A new ``Generator()`` starts
at PyTorch's default seed 67280421310721; the process's default generator (the one behind
``manual_seed``, init, dropout, shuffling and transforms) is seeded from the OS at import, as
PyTorch's is. What each sampling function does with the words is in ``_rng_draws.py``.
"""

from __future__ import annotations

import contextlib
import os
import struct
from collections.abc import Iterator

import numpy as np

_DEFAULT_SEED = 67280421310721  # PyTorch's default_rng_seed_val
_N = 624  # words in the mt19937 state
_STATE_BYTES = 5056  # sizeof(CPUGeneratorImplState)
_LEGACY_BYTES = 5048  # sizeof(CPUGeneratorImplStateLegacy): PyTorch reads this older layout too
_HEAD = struct.Struct("<QiiQ")  # the_initial_seed, left, seeded, next
_TAIL = struct.Struct("<dddi")  # normal_x, normal_y (the cached double), normal_rho, normal_is_valid
_FLOAT_TAIL = struct.Struct("<f?")  # next_float_normal_sample, is_next_float_normal_sample_valid


def _mt_key(seed32: int) -> np.ndarray:
    """The mt19937 state for a 32-bit seed (Matsumoto & Nishimura's ``init_genrand``)."""
    key = [seed32]
    for i in range(1, _N):
        prev = key[-1]
        key.append((1812433253 * (prev ^ (prev >> 30)) + i) & 0xFFFFFFFF)
    return np.array(key, dtype=np.uint32)


def _wrap_seed(seed) -> int:
    """PyTorch's seed rule: an integer in [-2⁶³, 2⁶⁴), negative values taken modulo 2⁶⁴."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        if hasattr(seed, "item") and getattr(seed, "ndim", 1) == 0 and not isinstance(seed, float):
            seed = seed.item()
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            raise RuntimeError(f"manual_seed expected a long, but got {type(seed).__name__}")
    seed = int(seed)
    if not -(2**63) <= seed < 2**64:
        raise ValueError(f"Overflow when unpacking long long: seed {seed} is outside [-2**63, 2**64)")
    return seed % 2**64


class Generator:
    """A source of random numbers: PyTorch's CPU generator (mt19937), ``torch.Generator``."""

    def __init__(self, device="cpu") -> None:
        if str(device) != "cpu":
            raise RuntimeError(f"Generator: only the cpu device is supported, got {device!r}")
        self._bits = np.random.MT19937(0)
        self.manual_seed(_DEFAULT_SEED)

    @property
    def device(self):
        """The generator's device (always the CPU)."""
        from ._device import device

        return device("cpu")

    def manual_seed(self, seed) -> Generator:
        """Seed with ``seed`` (an int in [-2⁶³, 2⁶⁴)); returns the generator."""
        seed = _wrap_seed(seed)
        self._seed = seed
        self._bits.state = {"bit_generator": "MT19937", "state": {"key": _mt_key(seed & 0xFFFFFFFF), "pos": _N}}
        self._next_at_end = 0  # PyTorch's `next` while a fresh twist is due: 0 after seeding, 624 after use
        self._double_normal: float | None = None
        self._float_normal: float | None = None
        return self

    def initial_seed(self) -> int:
        """The seed this generator was last seeded with (all 64 bits)."""
        return self._seed

    def seed(self) -> int:
        """Reseed from 64 bits of OS entropy and return the new seed."""
        seed = int.from_bytes(os.urandom(8), "little")
        self.manual_seed(seed)
        return seed

    # ---- raw draws ---------------------------------------------------------------------------

    def _words(self, n: int) -> np.ndarray:
        """The next ``n`` 32-bit outputs of the twister (uint64 array holding 32-bit values)."""
        self._next_at_end = _N
        return self._bits.random_raw(int(n))

    def _random32(self, n: int) -> np.ndarray:
        """``n`` draws of PyTorch's ``random()``: one word each, as uint64."""
        return self._words(n)

    def _random64(self, n: int) -> np.ndarray:
        """``n`` draws of PyTorch's ``random64()``: two words each, the first the high half."""
        w = self._words(2 * n)
        return (w[0::2] << np.uint64(32)) | w[1::2]

    # ---- state in PyTorch's layout -----------------------------------------------------------

    def get_state(self):
        """The full state as a uint8 tensor in PyTorch's ``CPUGeneratorImplState`` layout (5056 bytes)."""
        from ._tensor import Tensor

        return Tensor._make(np.frombuffer(self._state_bytes(), np.uint8).copy(), False, None)

    def _state_bytes(self) -> bytes:
        st = self._bits.state["state"]
        pos = int(st["pos"])
        left, nxt = _N + 1 - pos, (pos if pos < _N else self._next_at_end)
        words = np.asarray(st["key"], np.uint32).astype("<u8").tobytes()
        dbl = self._double_normal
        flt = self._float_normal
        head = _HEAD.pack(self._seed, left, 1, nxt)
        tail = _TAIL.pack(0.0, 0.0 if dbl is None else dbl, 0.0, int(dbl is not None))
        ftail = _FLOAT_TAIL.pack(0.0 if flt is None else flt, flt is not None)
        return (head + words + tail + ftail).ljust(_STATE_BYTES, b"\0")

    def set_state(self, new_state) -> Generator:
        """Restore a state from :meth:`get_state` (this library's or PyTorch's: the layout is the same)."""
        data = new_state.detach().numpy() if hasattr(new_state, "detach") else np.asarray(new_state)
        if data.dtype != np.uint8:
            raise TypeError(f"RNG state must be a torch.ByteTensor (uint8), got {data.dtype}")
        raw = data.tobytes()
        if len(raw) not in (_STATE_BYTES, _LEGACY_BYTES):
            raise RuntimeError(f"Expected a CPUGeneratorImplState of size {_STATE_BYTES} but found the input "
                               f"RNG state size to be {len(raw)}")
        seed, left, _seeded, nxt = _HEAD.unpack_from(raw, 0)
        if not (0 < left <= _N and nxt <= _N):
            raise RuntimeError(f"Expected either a fresh mt19937 state (left={left} must be in 1..{_N}, "
                               f"next={nxt} at most {_N})")
        words = np.frombuffer(raw, "<u8", _N, _HEAD.size)
        _, normal_y, _, normal_valid = _TAIL.unpack_from(raw, _HEAD.size + 8 * _N)
        self._seed = seed
        self._bits.state = {"bit_generator": "MT19937",
                            "state": {"key": (words & 0xFFFFFFFF).astype(np.uint32), "pos": _N + 1 - left}}
        self._next_at_end = nxt
        self._double_normal = normal_y if normal_valid else None
        self._float_normal = None
        if len(raw) == _STATE_BYTES:
            f, valid = _FLOAT_TAIL.unpack_from(raw, _HEAD.size + 8 * _N + _TAIL.size)
            self._float_normal = f if valid else None
        return self

    def __repr__(self) -> str:
        return "<mytorch.Generator object (cpu)>"


default_generator = Generator()
default_generator.seed()  # as PyTorch's: an unseeded process starts from OS entropy


def manual_seed(seed) -> Generator:
    """Seed the default generator used by init, dropout, shuffling and transforms."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    """Seed the default generator from OS entropy; returns the seed."""
    return default_generator.seed()


def initial_seed() -> int:
    """The default generator's seed (64 bits)."""
    return default_generator.initial_seed()


def get_rng_state():
    """The default generator's state, a uint8 tensor in PyTorch's layout."""
    return default_generator.get_state()


def set_rng_state(new_state) -> None:
    """Restore the default generator from :func:`get_rng_state` (or ``torch.get_rng_state()``'s bytes)."""
    default_generator.set_state(new_state)


@contextlib.contextmanager
def fork_rng(enabled: bool = True) -> Iterator[None]:
    """Run a block and restore the default generator's state afterwards (``torch.random.fork_rng``)."""
    if not enabled:
        yield
        return
    state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(state)


def _generator(generator: Generator | None) -> Generator:
    """``generator``, or the default one when None."""
    if generator is None:
        return default_generator
    if not isinstance(generator, Generator):
        raise TypeError(f"generator must be a mytorch.Generator, got {type(generator).__name__}")
    return generator
