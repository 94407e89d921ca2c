"""PyTorch's CPU sampling kernels, transformation for transformation, on NumPy arrays.

Each function takes a :class:`~mytorch.random.Generator` and returns a NumPy array of the asked
size in the order PyTorch's kernel visits the elements (the caller puts it in memory order). The
words are drawn in bulk; what PyTorch does per element is written as array expressions:

* uniform ``[a, b)``: float32 takes one 32-bit word w and x = (w & (2²⁴−1))·2⁻²⁴; float64 one 64-bit
  draw and x = (w & (2⁵³−1))·2⁻⁵³; the value is fma(x, b − a, a) in the dtype (PyTorch's kernel is
  compiled with fused multiply-adds where the CPU has them -- not in its baseline build), and a
  value rounded up to b becomes a.
* normal, 16 or more elements into a contiguous tensor: all n uniforms first, then Box-Muller on
  blocks of 16 (u₁ = 1 − x[j], u₂ = x[j+8] for j < 8: x[j] = r·cos θ, x[j+8] = r·sin θ with
  r = √(−2 log u₁), θ = 2π u₂, then fma(·, std, mean)); when 16 does not divide n, 16 fresh
  uniforms redo the last 16 elements. float64 uses the C library's log/cos/sin; float32 on
  PyTorch's AVX2 and AVX-512 builds (both compiled with AVX2, so both take its AVX2 kernel) uses the
  vectorised Cephes log/sincos (``_rng_exact``), and on its baseline build the C library's float
  functions (measured on an Intel Xeon, PyTorch's capability AVX512: 16 000 float32 draws equal
  through Cephes, 6 187 of them different through the C library). Fewer elements (or a non-contiguous
  tensor): the scalar double Box-Muller, u₁, u₂ from 64-bit draws, r = √(−2 log1p(−u₂)), θ = 2π u₁, r·cos θ returned and
  r·sin θ cached in the generator for the next one.
* integers in [low, high): w mod (high − low) + low, with w a 32-bit word when the range is below
  2²⁸ and a 64-bit draw otherwise.
* bernoulli(p) with a number p, and dropout: one 64-bit draw each, kept when (w & (2⁵³−1))·2⁻⁵³ < p;
  with a float32 probability tensor one 32-bit word each, compared in float32.
* exponential, geometric, log-normal, Cauchy: one 64-bit uniform each (log-normal: one scalar
  normal), transformed in double with the C library's functions, then cast.
"""

from __future__ import annotations

import math
import os

import numpy as np

from ._rng_exact import avx2_log_ps, avx2_sincos_ps, fma32, fma64, libm
from .random import Generator

_M24 = np.uint64((1 << 24) - 1)
_M53 = np.uint64((1 << 53) - 1)
_F32, _F64 = np.float32, np.float64


def _opmath(dtype: np.dtype) -> np.dtype:
    """The type PyTorch computes a dtype's samples in (float32 for the half types)."""
    return np.dtype(_F64) if dtype == _F64 else np.dtype(_F32)


def _fma(a, b, c, op: np.dtype):
    return fma64(a, b, c) if op == _F64 else fma32(a, b, c)


def _contracted(a, b, c, op: np.dtype):
    """a·b + c as a kernel writes it: fused where PyTorch's build has FMA (AVX2/AVX-512), two roundings
    in its baseline ("default") build, which is compiled without FMA instructions."""
    if FUSED:
        return _fma(a, b, c, op)
    return (np.asarray(a, op) * np.asarray(b, op)).astype(op) + np.asarray(c, op)


def uniform01(gen: Generator, n: int, op: np.dtype) -> np.ndarray:
    """``n`` values of ``uniform_real_distribution<op>(0, 1)``: x in [0, 1) from the low 24 / 53 bits."""
    if op == _F64:
        return (gen._random64(n) & _M53).astype(_F64) * 2.0**-53
    return (gen._random32(n) & _M24).astype(_F32) * _F32(2.0**-24)


def uniform(gen: Generator, n: int, dtype: np.dtype, a: float = 0.0, b: float = 1.0) -> np.ndarray:
    """``Tensor.uniform_(a, b)``'s ``n`` values: fma(x, b − a, a) in the op type, then b rounded down to a."""
    dtype = np.dtype(dtype)
    if not a <= b:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={a} > to={b}")
    op = _opmath(dtype)
    lo, hi = op.type(a), op.type(b)
    if not np.isfinite(hi - lo):
        raise RuntimeError(f"uniform_ expects to-from <= std::numeric_limits<{dtype}>::max(), but found "
                           f"to={b} and from={a} which result in to-from to exceed the limit")
    x = uniform01(gen, n, op)
    value = x if (lo == 0 and hi == 1) else _contracted(x, hi - lo, lo, op)
    value = value.astype(dtype, copy=False)
    top = dtype.type(b)
    hit = value == top
    if hit.any():
        value[hit] = dtype.type(a)
    return value


# ---- normal -----------------------------------------------------------------------------------

def _cpu_capability() -> str:
    """Which of PyTorch's kernel builds runs here: "avx512", "avx2" or "default" (its dispatch rule)."""
    forced = os.environ.get("ATEN_CPU_CAPABILITY", "").lower()
    features = getattr(np._core._multiarray_umath, "__cpu_features__", {}) if hasattr(np, "_core") else {}
    has = {k for k, v in features.items() if v}
    best = "default"
    if {"AVX2", "FMA3"} <= has:
        best = "avx2"
    if {"AVX512VL", "AVX512BW", "AVX512DQ", "FMA3"} <= has:
        best = "avx512"
    order = ["default", "avx2", "avx512"]
    if forced in order and order.index(forced) < order.index(best):
        return forced
    return best


CPU_CAPABILITY = _cpu_capability()
FUSED = CPU_CAPABILITY != "default"  # whether the compiler fused a·b + c in the kernels PyTorch runs here


def _fill16_float_avx2(u: np.ndarray, mean, std) -> np.ndarray:
    """PyTorch's AVX2 ``NormalFill16<float>`` on rows of 16 float32 uniforms."""
    u1 = _F32(1) - u[:, :8]
    radius = np.sqrt(_F32(-2) * avx2_log_ps(u1))
    theta = _F32(2.0 * math.pi) * u[:, 8:]
    sin, cos = avx2_sincos_ps(theta)
    return np.concatenate([fma32(radius * cos, std, mean), fma32(radius * sin, std, mean)], axis=1)


def _fill16_generic(u: np.ndarray, mean, std, op: np.dtype) -> np.ndarray:
    """PyTorch's generic ``NormalFill16``: the C library's log/cos/sin in the op type."""
    u1 = op.type(1) - u[:, :8]
    theta = ((2.0 * math.pi) * u[:, 8:].astype(_F64)).astype(op)
    if op == _F64:
        radius = np.sqrt(-2.0 * libm("log", u1))
        cos, sin = libm("cos", theta), libm("sin", theta)
        return np.concatenate([fma64(radius * cos, std, mean), fma64(radius * sin, std, mean)], axis=1)
    from ._rng_exact import libm_float_array

    radius = np.sqrt(_F32(-2) * libm_float_array("logf", u1))
    cos, sin = libm_float_array("cosf", theta), libm_float_array("sinf", theta)
    return np.concatenate([fma32(radius * cos, std, mean), fma32(radius * sin, std, mean)], axis=1)


def _fill16(u: np.ndarray, mean, std, op: np.dtype) -> np.ndarray:
    if op == _F32 and CPU_CAPABILITY in ("avx2", "avx512"):
        return _fill16_float_avx2(u, _F32(mean), _F32(std))
    return _fill16_generic(u, op.type(mean), op.type(std), op)


def normal_fill(gen: Generator, n: int, dtype: np.dtype, mean: float, std: float) -> np.ndarray:
    """The vectorised path (n >= 16, contiguous): n uniforms, Box-Muller per 16, the last 16 redone."""
    op = _opmath(np.dtype(dtype))
    u = uniform01(gen, n, op)
    full = n // 16 * 16
    out = np.empty(n, op)
    if full:
        out[:full] = _fill16(u[:full].reshape(-1, 16), mean, std, op).ravel()
    if n % 16:
        out[n - 16:] = _fill16(uniform01(gen, 16, op).reshape(1, 16), mean, std, op).ravel()
    return out.astype(dtype, copy=False)


def standard_normal_scalar(gen: Generator, n: int) -> np.ndarray:
    """``n`` draws of ``normal_distribution<double>(0, 1)``: scalar Box-Muller with the generator's cache."""
    out = np.empty(n, _F64)
    start = 0
    if n and gen._double_normal is not None:
        out[0] = gen._double_normal
        gen._double_normal = None
        start = 1
    pairs = (n - start + 1) // 2
    if pairs:
        u = (gen._random64(2 * pairs) & _M53).astype(_F64) * 2.0**-53
        radius = np.sqrt(-2.0 * libm("log1p", -u[1::2]))
        theta = (2.0 * math.pi) * u[0::2]
        both = np.empty(2 * pairs, _F64)
        both[0::2] = radius * libm("cos", theta)
        both[1::2] = radius * libm("sin", theta)
        out[start:] = both[: n - start]
        if (n - start) % 2:
            gen._double_normal = float(both[-1])
    return out


def normal_scalar(gen: Generator, n: int, dtype: np.dtype, mean: float, std: float) -> np.ndarray:
    """The element-by-element path: ``normal_distribution<double>(mean, std)``, cast to ``dtype``."""
    z = standard_normal_scalar(gen, n)
    value = z if (mean == 0 and std == 1) else _contracted(z, float(std), float(mean), np.dtype(_F64))
    return value.astype(dtype, copy=False)


def normal(gen: Generator, n: int, dtype: np.dtype, mean: float = 0.0, std: float = 1.0,
           contiguous: bool = True) -> np.ndarray:
    """``Tensor.normal_(mean, std)``'s ``n`` values (the kernel picks its path by size and layout)."""
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    if n >= 16 and contiguous:
        return normal_fill(gen, n, dtype, mean, std)
    return normal_scalar(gen, n, dtype, mean, std)


# ---- integers ---------------------------------------------------------------------------------

def random_from_to(gen: Generator, n: int, dtype: np.dtype, low: int, high: int | None) -> np.ndarray:
    """``random_(low, high)``: w mod (high − low) + low (w 32-bit below a range of 2²⁸, else 64-bit).

    ``high=None`` with low = −2⁶³ is the full 64-bit range: the draw itself, as int64.
    """
    if high is None:
        return gen._random64(n).view(np.int64).astype(dtype)
    span = high - low
    if not 0 < span <= 2**64:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    words = gen._random64(n) if span >= 1 << 28 else gen._random32(n)
    if span == 2**64:
        values = words.view(np.int64)
    else:
        values = (words % np.uint64(span)).view(np.int64) + np.int64(low)
    return values.astype(dtype)


def random_default(gen: Generator, n: int, dtype: np.dtype) -> np.ndarray:
    """``random_()`` without bounds: [0, max] for integers, [0, 2^mantissa] for floats, 0/1 for bool."""
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return (gen._random32(n) & np.uint64(1)).astype(np.bool_)
    if dtype == np.int64:
        return (gen._random64(n) % np.uint64(2**63)).astype(np.int64)
    if dtype == _F64:
        return (gen._random64(n) % np.uint64(2**53 + 1)).astype(_F64)
    if dtype.kind == "f":
        digits = np.finfo(dtype).nmant + 1
        return (gen._random32(n) % np.uint64(2**digits + 1)).astype(dtype)
    return (gen._random32(n) % np.uint64(int(np.iinfo(dtype).max) + 1)).astype(dtype)


def randperm(gen: Generator, n: int) -> np.ndarray:
    """PyTorch's two shuffles: below 2³²/20 elements a forward swap with one 32-bit word per step
    (swap i with i + w mod (n − i)); above, the inside-out shuffle with one 64-bit draw per element."""
    if n < (2**32 - 1) // 20:
        if n < 2:
            return np.arange(n, dtype=np.int64)
        offsets = (gen._random32(n - 1) % np.arange(n, 1, -1, dtype=np.uint64)).tolist()
        perm = list(range(n))
        for i, z in enumerate(offsets):
            j = i + z
            perm[i], perm[j] = perm[j], perm[i]
        return np.array(perm, dtype=np.int64)
    picks = (gen._random64(n) % np.arange(1, n + 1, dtype=np.uint64)).tolist()
    out = np.empty(n, np.int64)
    for i, z in enumerate(picks):
        out[i] = out[z]
        out[z] = i
    return out


# ---- Bernoulli and the continuous distributions -------------------------------------------------

def bernoulli_scalar(gen: Generator, n: int, p: float) -> np.ndarray:
    """``bernoulli_(p)``: True where a 64-bit uniform (w & (2⁵³−1))·2⁻⁵³ < p, compared as integers."""
    if not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
    threshold = np.uint64(math.ceil(float(p) * 2.0**53))  # x·2⁻⁵³ < p  ⇔  x < ⌈p·2⁵³⌉ (exact scaling)
    w = gen._words(2 * n)
    low53 = ((w[0::2] & np.uint64(0x1FFFFF)) << np.uint64(32)) | w[1::2]
    return low53 < threshold


def bernoulli_tensor(gen: Generator, p: np.ndarray) -> np.ndarray:
    """``bernoulli_(p_tensor)``: per element, float64 p takes a 64-bit uniform, other p a float32 one."""
    flat = np.ascontiguousarray(p).ravel()
    if flat.size and not ((flat >= 0) & (flat <= 1)).all():
        raise RuntimeError("bernoulli_: all elements of p must be in [0, 1]")
    if flat.dtype == _F64:
        x = gen._random64(flat.size) & _M53
        return (x < np.ceil(flat * 2.0**53).astype(np.uint64)).reshape(p.shape)
    x = gen._random32(flat.size) & _M24
    threshold = np.ceil(flat.astype(_F32).astype(_F64) * 2.0**24).astype(np.uint64)
    return (x < threshold).reshape(p.shape)


def uniform01_double(gen: Generator, n: int) -> np.ndarray:
    """``uniform_real_distribution<double>(0, 1)``: what the scalar double distributions start from."""
    return (gen._random64(n) & _M53).astype(_F64) * 2.0**-53


def exponential(gen: Generator, n: int, dtype: np.dtype, lambd: float) -> np.ndarray:
    """−1/λ · log1p(−u) in double."""
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
    u = uniform01_double(gen, n)
    return ((-1.0 / lambd) * libm("log1p", -u)).astype(dtype)


def geometric(gen: Generator, n: int, dtype: np.dtype, p: float) -> np.ndarray:
    """⌈log u / log1p(−p)⌉ in double."""
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
    u = uniform01_double(gen, n)
    return np.ceil(libm("log", u) / math.log1p(-p)).astype(dtype)


def log_normal(gen: Generator, n: int, dtype: np.dtype, mean: float, std: float) -> np.ndarray:
    """exp of ``normal_distribution<double>(mean, std)`` (the scalar Box-Muller, cache included)."""
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std}")
    z = _contracted(standard_normal_scalar(gen, n), float(std), float(mean), np.dtype(_F64))
    return libm("exp", z).astype(dtype)


def cauchy(gen: Generator, n: int, dtype: np.dtype, median: float, sigma: float) -> np.ndarray:
    """median + σ·tan(π(u − ½)) in double (the sum fused)."""
    u = uniform01_double(gen, n)
    return _contracted(float(sigma), libm("tan", math.pi * (u - 0.5)), float(median), np.dtype(_F64)).astype(dtype)
