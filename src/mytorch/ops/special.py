"""erf for arrays (NumPy has none), from the rational approximations of Cephes' ``ndtr.c``.

For |x| < 1:  erf x = x·T(x²)/U(x²).  Otherwise erf x = sign(x)·(1 − erfc|x|) with
erfc x = e^(−x²)·P(x)/Q(x) for x < 8 and e^(−x²)·R(x)/S(x) beyond (Q and S monic).
Accurate to a few ulp in float64 over the whole line.
"""

from __future__ import annotations

from .._backend import xp

_T = (9.60497373987051638749e0, 9.00260197203842689217e1, 2.23200534594684319226e3,
      7.00332514112805075473e3, 5.55923013010394962768e4)
_U = (3.35617141647503099647e1, 5.21357949780152679795e2, 4.59432382970980127987e3,
      2.26290000613890934246e4, 4.92673942608635921086e4)
_P = (2.46196981473530512524e-10, 5.64189564831068821977e-1, 7.46321056442269912687e0,
      4.86371970985681366614e1, 1.96520832956077098242e2, 5.26445194995477358631e2,
      9.34528527171957607540e2, 1.02755188689515710272e3, 5.57535335369399327526e2)
_Q = (1.32281951154744992508e1, 8.67072140885989742329e1, 3.54937778887819891062e2,
      9.75708501743205489753e2, 1.82390916687909736289e3, 2.24633760818710981792e3,
      1.65666309194161350182e3, 5.57535340817727675546e2)
_R = (5.64189583547755073984e-1, 1.27536670759978104416e0, 5.01905042251180477414e0,
      6.16021097993053585195e0, 7.40974269950448939160e0, 2.97886665372100240670e0)
_S = (2.26052863220117276590e0, 9.39603524938001434673e0, 1.20489539808096656605e1,
      1.70814450747565897222e1, 9.60896809063285878198e0, 3.36907645100081516050e0)


def _polevl(x, coefs, monic: bool = False):
    """Horner's rule; ``monic`` prepends an implicit leading coefficient 1 (Cephes' p1evl)."""
    acc = x + coefs[0] if monic else xp.full_like(x, coefs[0])
    for c in coefs[1:]:
        acc = acc * x + c
    return acc


def erf(x):
    """The error function erf x = (2/√π) ∫₀ˣ e^(−t²) dt, elementwise, in x's float dtype."""
    x = xp.asarray(x)
    a = xp.abs(x)
    small = a < 1
    z = x * x
    out = xp.empty_like(x)
    if small.any():
        xs, zs = x[small], z[small]
        out[small] = xs * _polevl(zs, _T) / _polevl(zs, _U, monic=True)
    big = ~small
    if big.any():
        ab, xb = xp.minimum(a[big], 30), x[big]  # erfc(30) underflows; keeps inf out of P/Q
        near = ab < 8
        ratio = xp.where(
            near,
            _polevl(ab, _P) / _polevl(ab, _Q, monic=True),
            _polevl(ab, _R) / _polevl(ab, _S, monic=True),
        )
        erfc = xp.exp(-ab * ab) * ratio
        out[big] = xp.where(xb < 0, erfc - 1, 1 - erfc)
    return out
