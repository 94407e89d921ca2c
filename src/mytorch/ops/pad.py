"""Padding and per-axis linear maps: ``ConstantPad`` and ``AxisMap``.

``ConstantPad`` pads (or, with a negative amount, crops) every axis: out = x inside, ``value``
around it. Its gradient is the inner block of g, i.e. the same op with the pads negated and value 0.

``AxisMap`` applies one linear map per axis, out[…, o, …] = Σ_i M[o, i]·x[…, i, …], which covers
every resampling in ``nn.functional`` whose weights do not depend on x: reflect / replicate /
circular padding (M picks one input per output: x[idx]), nearest and bilinear interpolation, and
adaptive average pooling (each output the mean of a window). The gradient is the same op with
every Mᵀ (the adjoint), so ``backward_graph`` is one more ``AxisMap``. A map given as an index
array is applied by indexing (exact for inf and NaN, which 0·inf in a product would not be); one given
as ``Taps`` (``ops.resample``: K inputs and weights per output) as the sum of K weighted gathers,
which reads only the inputs PyTorch's resampling kernels read (so inf and NaN spread as in PyTorch)
and costs K·(output size) instead of a product with the dense matrix.
"""

from __future__ import annotations

import itertools

from .._backend import ndarray, xp
from ..autograd.function import Function
from .resample import Taps


class ConstantPad(Function):
    """out = ``value`` everywhere but the block that holds x; pads[a] = (before, after) for every axis
    (negative amounts crop). dx = the block of g that x occupies (zero where x was cropped)."""

    backward_name = "ConstantPadNdBackward0"

    @staticmethod
    def forward(ctx, x, *, pads, value):
        src, dst, shape = _blocks(x.shape, pads)
        out = xp.full(shape, value, dtype=x.dtype)
        out[dst] = x[src]
        ctx.blocks = src, dst, x.shape, pads
        return out

    @staticmethod
    def backward(ctx, grad):
        src, dst, shape, _ = ctx.blocks
        gx = xp.zeros(shape, grad.dtype)
        gx[src] = grad[dst]
        return gx

    @staticmethod
    def backward_graph(ctx, grad):
        pads = ctx.blocks[3]
        return ConstantPad.apply(grad, pads=tuple((-lo, -hi) for lo, hi in pads), value=0.0)


def _blocks(shape: tuple, pads: tuple) -> tuple:
    """(the slice of x that is kept, where it goes in the output, the output's shape)."""
    src, dst, out = [], [], []
    for size, (lo, hi) in zip(shape, pads):
        start, stop = max(-lo, 0), size - max(-hi, 0)
        kept = max(stop - start, 0)
        n = size + lo + hi
        if n < 0:
            raise RuntimeError(f"The input size {size}, plus negative padding {lo} and {hi} resulted in a negative "
                               f"output size, which is invalid. Check dimension {len(out)} of your input.")
        src.append(slice(start, start + kept))
        dst.append(slice(max(lo, 0), max(lo, 0) + kept))
        out.append(n)
    return tuple(src), tuple(dst), tuple(out)


class AxisMap(Function):
    """out = x with axis a replaced by M_a·x along it, for each (axis, M, index) in ``maps``.

    ``M`` is an (n_out, n_in) matrix; ``index`` (or None) says that row o of M is the one-hot row of
    input index[o], so the map is applied as x.take(index, axis), or is the ``Taps`` that M is made of,
    applied as Σ_k w[:, k]·x.take(index[:, k], axis). dx = the same with every Mᵀ. (M is what the gradient
    uses: 'nearest' interpolation gives the matrix of PyTorch's backward kernel, which can pick other inputs
    than its forward kernel's ``index`` does.) ``joint``: the maps are unweighted ``Taps`` (window sums) added
    up as one flat sum over each output's whole window, in row-major order, as PyTorch's adaptive average
    does (summing axis by axis would overflow, or meet inf − inf, at other places).
    """

    @staticmethod
    def forward(ctx, x, *, maps, joint=False):
        ctx.maps = maps
        return window_sum(x, maps) if joint else apply_maps(x, maps)

    @staticmethod
    def backward(ctx, grad):
        return apply_maps(grad, _adjoint(ctx.maps))

    @staticmethod
    def backward_graph(ctx, grad):
        return AxisMap.apply(grad, maps=_adjoint(ctx.maps))


def _adjoint(maps: tuple) -> tuple:
    """Every Mᵀ, the last axis first (the maps of different axes commute; a product along the contiguous last
    axis needs no transposed copy, and shrinking it first makes the later products smaller)."""
    return tuple(sorted(((axis, m.T, None) for axis, m, _ in maps), key=lambda t: t[0], reverse=True))


def apply_maps(x: ndarray, maps: tuple) -> ndarray:
    """Apply each (axis, M, index) of ``maps`` to x in turn (an axis counted from the end: −1, −2, …)."""
    for axis, m, index in maps:
        if isinstance(index, Taps):
            x = apply_taps(x, axis, index)
        elif index is not None:
            x = xp.take(x, index, axis=axis)
        elif axis == -1 or axis == x.ndim - 1:
            x = xp.matmul(x, m.T.astype(x.dtype, copy=False))
        else:
            moved = xp.moveaxis(x, axis, -2)
            x = xp.moveaxis(xp.matmul(m.astype(x.dtype, copy=False), moved), -2, axis)
    return xp.ascontiguousarray(x)


def apply_taps(x: ndarray, axis: int, taps: Taps) -> ndarray:
    """Σ_k w[o, k]·x[…, index[o, k], …] along ``axis``, k in order (taps past count[o] are not read).

    As PyTorch's compiled kernels: the first product rounded, then each further tap one fused multiply-add
    (a float32 one is exact in float64; a float64 one whose weights exceed 1 -- the antialiased cubic's --
    runs in long double, so that a product beyond the largest float does not overflow before the sum is
    taken). Integer inputs are summed in float64.
    """
    axis = axis % x.ndim
    n_out, k = taps.index.shape
    shape = [1] * x.ndim
    shape[axis] = n_out
    dtype = x.dtype if x.dtype.kind == "f" else xp.dtype(xp.float64)
    wide = {4: xp.float64, 8: xp.longdouble}.get(dtype.itemsize) if taps.weight is not None else None
    if wide is xp.longdouble and not (xp.abs(taps.weight) > 1).any():
        wide = None
    out = None
    for j in range(k):
        term = xp.take(x, taps.index[:, j], axis=axis)
        w = None if taps.weight is None else taps.weight[:, j].astype(dtype).reshape(shape)
        if out is None:
            out = term if w is None else term * w
            continue
        if w is None:
            step = out + term
        elif wide is not None:
            step = (term.astype(wide) * w.astype(wide) + out.astype(wide)).astype(dtype)
        else:
            step = out + term * w
        out = step if taps.count is None else xp.where((taps.count > j).reshape(shape), step, out)
    if out is None:
        shape = list(x.shape)
        shape[axis] = n_out
        out = xp.zeros(shape, dtype)
    return out


def window_sum(x: ndarray, maps: tuple) -> ndarray:
    """Σ over each output's window of x (every map an unweighted ``Taps``), the window's elements added one by
    one in row-major order (the first map's axis outermost)."""
    maps = sorted(maps, key=lambda t: t[0])  # the leading spatial axis first
    axes = [axis % x.ndim for axis, _, _ in maps]
    taps = [t for _, _, t in maps]
    lead = x.shape[:axes[0]]
    out = None
    for combo in itertools.product(*(range(t.index.shape[1]) for t in taps)):
        key, valid = [slice(None)] * len(lead), None
        for a, (t, j) in enumerate(zip(taps, combo)):
            shape = [1] * len(taps)
            shape[a] = -1
            key.append(t.index[:, j].reshape(shape))
            ok = (t.count > j).reshape(shape)
            valid = ok if valid is None else valid & ok
        term = x[tuple(key)]
        out = term if out is None else xp.where(valid, out + term, out)
    if out is None:  # an output axis of size 0
        return xp.zeros(x.shape[:axes[0]] + tuple(t.index.shape[0] for t in taps), x.dtype)
    return xp.ascontiguousarray(out)


def selection(index: ndarray, n_in: int) -> ndarray:
    """The (len(index), n_in) 0/1 matrix whose row o picks input index[o]."""
    m = xp.zeros((len(index), n_in))
    m[xp.arange(len(index)), index] = 1.0
    return m


def pad_index(n: int, lo: int, hi: int, mode: str) -> ndarray:
    """The input index of each of the n + lo + hi outputs of padding an axis of n in ``mode``."""
    j = xp.arange(-lo, n + hi)
    if mode == "reflect":  # mirror about the first and last elements, which are not repeated
        period = 2 * (n - 1)
        j = xp.abs(j) % period if period else xp.zeros_like(j)
        return xp.where(j >= n, period - j, j)
    if mode == "replicate":
        return xp.clip(j, 0, n - 1)
    return j % n  # circular
