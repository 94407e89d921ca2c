"""Exact floating-point building blocks for PyTorch-identical random numbers.

PyTorch's CPU kernels are compiled C++: where they compute ``a * b + c`` the compiler fuses it
into one correctly rounded fused multiply-add (FMA), and their transcendental functions are the
C library's (``log``, ``sin``, ``cos`` ...) or hand-vectorised float32 approximations. NumPy has no
FMA and its own SIMD ``log``/``sin`` differ from the C library's on some CPUs, so this module
rebuilds each piece exactly:

* ``fma32(a, b, c)``: float32 a·b + c rounded once. a·b is exact in float64 (24 + 24 bits); the sum
  rounded to float64 and then to float32 is right except when the float64 sum lands exactly
  halfway between two float32 values, and there the sum is rounded to float64 *to odd* instead
  (its error recovered with TwoSum; an inexact sum gets its last bit forced to 1), which never
  double-rounds (rounding to odd with at least two extra bits).
* ``fma64(a, b, c)``: float64 a·b + c rounded once (Boldo & Melquiond's emulation): the product is
  split exactly into uh + ul (Veltkamp/Dekker), c + uh into th + tl (TwoSum), then
  RN(th + RO(tl + ul)).
* ``libm(name, x)``: the C library's double function (through Python's ``math``, which calls it)
  elementwise, independent of NumPy's SIMD choices.
* ``avx2_log_ps`` / ``avx2_sincos_ps``: PyTorch's AVX2 float32 log/sin/cos (the Cephes polynomials
  of its ``avx_mathfun.h``), evaluated step for step in float32 with the multiply-adds that GCC
  fuses done as ``fma32``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import math

import numpy as np

_F32 = np.float32
_F64 = np.float64


def _two_sum(a, b):
    """s = RN(a + b) and the exact error e, a + b = s + e (Knuth's TwoSum)."""
    s = a + b
    bb = s - a
    e = (a - (s - bb)) + (b - bb)
    return s, e


def _round_odd(s, e):
    """RO(s + e) given s = RN(s + e): where the sum was inexact and s's last bit is 0, step one ulp toward e."""
    s = np.asarray(s, _F64)
    e = np.asarray(e, _F64)
    bits = s.view(np.int64)
    fix = (e != 0) & ((bits & 1) == 0)
    if not fix.any():
        return s
    # In the sign-magnitude bit pattern +1 grows |s|: grow when e has s's sign, shrink otherwise.
    step = np.where((e > 0) == (s > 0), 1, -1).astype(np.int64)
    return np.where(fix, bits + step, bits).view(_F64)


def fma32(a, b, c) -> np.ndarray:
    """float32 a·b + c with a single rounding (as the C compiler's fused multiply-add).

    a·b is exact in float64 and s = a·b + c is rounded once there; rounding s to float32 can then
    only differ from rounding the exact sum when s sits exactly halfway between two float32
    neighbours (its low 29 bits 1 followed by zeros). Only those elements take the round-to-odd repair.
    """
    p = np.asarray(a, _F32).astype(_F64) * np.asarray(b, _F32)  # exact: 24 + 24 bits
    c64 = np.asarray(c, _F32).astype(_F64)
    s = p + c64
    halfway = (s.view(np.uint64) & np.uint64(0x1FFFFFFF)) == np.uint64(0x10000000)
    where = np.flatnonzero(halfway)
    if where.size:  # rare: repair just those elements
        s = s.copy() if s.base is not None else s
        pp = np.broadcast_to(p, s.shape).ravel()[where]
        cc = np.broadcast_to(c64, s.shape).ravel()[where]
        s.ravel()[where] = _round_odd(*_two_sum(pp, cc))
    with np.errstate(over="ignore", invalid="ignore"):
        return s.astype(_F32)


def _split(a):
    """a = hi + lo with hi, lo of at most 26 significant bits each (Veltkamp's splitting)."""
    t = 134217729.0 * a  # 2**27 + 1
    hi = t - (t - a)
    return hi, a - hi


def fma64(a, b, c) -> np.ndarray:
    """float64 a·b + c with a single rounding (Boldo-Melquiond emulation through rounding to odd)."""
    a = np.asarray(a, _F64)
    b = np.asarray(b, _F64)
    c = np.asarray(c, _F64)
    with np.errstate(over="ignore", invalid="ignore"):
        uh = a * b
        ah, al = _split(a)
        bh, bl = _split(b)
        ul = ((ah * bh - uh) + ah * bl + al * bh) + al * bl  # a·b = uh + ul exactly
        th, tl = _two_sum(c, uh)
        v = _round_odd(*_two_sum(tl, ul))
        z = th + v
    # Zero products or infinities: the plain expression is already the right answer there.
    plain = ~np.isfinite(uh) | (uh == 0)
    return np.where(plain, a * b + c, z) if plain.any() else z


def libm(name: str, x: np.ndarray) -> np.ndarray:
    """The C library's double-precision ``name`` (log, log1p, sin, cos, tan, exp) of each element.

    Python's ``math`` functions call the C library's directly, so these are the exact values a
    compiled kernel gets, whichever SIMD paths NumPy would take for ``np.log`` on this CPU.
    """
    fn = getattr(math, name)
    flat = np.asarray(x, _F64).ravel().tolist()
    return np.fromiter(map(fn, flat), _F64, len(flat)).reshape(np.shape(x))


_LIBM = None


def _libm_float(name: str):
    global _LIBM
    if _LIBM is None:
        _LIBM = ctypes.CDLL(ctypes.util.find_library("m") or "libm.so.6")
    fn = getattr(_LIBM, name)
    fn.restype, fn.argtypes = ctypes.c_float, [ctypes.c_float]
    return fn


def libm_float(name: str, x: float) -> float:
    """The C library's float32 ``name`` (``logf``, ``expf``) of one value (what a 1-element kernel calls)."""
    return float(_F32(_libm_float(name)(float(_F32(x)))))


# ---- PyTorch's AVX2 float32 log / sincos (Cephes polynomials, avx_mathfun.h) ----------------------

_LOG_P = [7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1, 1.4249322787e-1,
          -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1]
_LOG_Q1, _LOG_Q2 = _F32(-2.12194440e-4), _F32(0.693359375)
_SQRTHF = _F32(0.707106781186547524)
_DP = [_F32(-0.78515625), _F32(-2.4187564849853515625e-4), _F32(-3.77489497744594108e-8)]
_SINCOF = [_F32(-1.9515295891e-4), _F32(8.3321608736e-3), _F32(-1.6666654611e-1)]
_COSCOF = [_F32(2.443315711809948e-005), _F32(-1.388731625493765e-003), _F32(4.166664568298827e-002)]
_FOPI = _F32(1.27323954473516)


def avx2_log_ps(x: np.ndarray) -> np.ndarray:
    """PyTorch's ``log256_ps`` for positive normal float32 ``x`` (mantissa/exponent split, degree-8 polynomial)."""
    x = np.asarray(x, _F32)
    bits = x.view(np.int32)
    e = ((bits >> 23) - 0x7F).astype(_F32) + _F32(1)
    m = ((bits & ~0x7F800000) | 0x3F000000).view(_F32)  # mantissa in [0.5, 1)
    small = m < _SQRTHF
    xm = (m - _F32(1)) + np.where(small, m, _F32(0))
    e = e - np.where(small, _F32(1), _F32(0))
    z = xm * xm
    y = np.full_like(xm, _F32(_LOG_P[0]))
    for p in _LOG_P[1:]:
        y = fma32(y, xm, _F32(p))
    y = y * xm
    y = fma32(y, z, e * _LOG_Q1)  # y·z + e·q1: GCC fuses the first of the two products
    y = fma32(-z, _F32(0.5), y)   # y − z·0.5
    return fma32(e, _LOG_Q2, xm + y)


def avx2_sincos_ps(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """PyTorch's ``sincos256_ps`` for float32 ``x`` >= 0 (octant reduction by 4/π, Cephes polynomials)."""
    x = np.asarray(x, _F32)
    j = (x * _FOPI).astype(np.int32)  # truncation, as cvttps
    j = (j + 1) & ~1
    y = j.astype(_F32)
    swap_sin = (j & 4) != 0
    poly_sin = (j & 2) == 0  # the sine polynomial serves the sine where the octant pair is even
    cos_neg = ((~(j - 2)) & 4) != 0
    for dp in _DP:
        x = fma32(y, dp, x)
    z = x * x
    c = fma32(_COSCOF[0], z, _COSCOF[1])
    c = fma32(c, z, _COSCOF[2])
    c = c * z
    c = fma32(c, z, -(z * _F32(0.5)))
    c = c + _F32(1)
    s = fma32(_SINCOF[0], z, _SINCOF[1])
    s = fma32(s, z, _SINCOF[2])
    s = s * z
    s = fma32(s, x, x)
    sin = np.where(poly_sin, s, c)
    cos = np.where(poly_sin, c, s)
    sin = np.where(swap_sin, -sin, sin)
    cos = np.where(cos_neg, -cos, cos)
    return sin, cos


def libm_float_array(name: str, x: np.ndarray) -> np.ndarray:
    """The C library's float32 ``name`` of each element (one call each: slow, used where PyTorch's
    kernel itself calls the scalar float function, e.g. float32 ``randn`` on its baseline build)."""
    fn = _libm_float(name)
    flat = np.asarray(x, _F32).ravel().tolist()
    return np.array([fn(v) for v in flat], _F32).reshape(np.shape(x))
