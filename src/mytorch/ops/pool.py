"""Max and average pooling over (N, C, H, W), one NumPy pass per kernel tap (never per pixel).

A window of kernel (kh, kw), stride s, dilation d and padding p has output (oh, ow) reading the
input at (oh·s − p + i·d, ow·s − p + j·d) for the taps (i, j). Both poolings visit the taps in
order; each tap is one strided view of the padded input of shape (N, C, OH, OW):

* max: out = max over taps (padding is −inf). The first maximal tap wins, as in PyTorch (a later
  tap replaces the running max only if it is strictly greater, or NaN, which propagates); its
  index into the unpadded H·W plane is kept (``return_indices``) and backward adds g there
  (one masked slab addition per tap, so overlapping windows accumulate).
* average: out = Σ taps / divisor, with zero padding; the divisor is torch's: the window clipped
  to the padded input (count_include_pad) or to the input itself, or ``divisor_override``.
  backward spreads g / divisor over the taps.

Gradients are linear in g, so ``backward_graph`` writes them with Tensor ops (a scatter-add at the
kept indices for max, the adjoint ``AvgPool2dBackward`` Function for average).
"""

from __future__ import annotations

from .._backend import ndarray, xp
from ..autograd.function import Function
from ._util import masked


def pool_out_size(size: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """PyTorch's pooling output size; with ceil_mode the last window must start inside the input or left padding."""
    span = size + 2 * p - d * (k - 1) - 1
    out = (-(-span // s) if ceil_mode else span // s) + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out


def _tap(xpad: ndarray, i: int, j: int, geometry: tuple) -> ndarray:
    """The (N, C, OH, OW) view of tap (i, j) in the padded input."""
    (oh, ow), (sh, sw), (dh, dw) = geometry
    return xpad[:, :, i * dh:i * dh + sh * (oh - 1) + 1:sh, j * dw:j * dw + sw * (ow - 1) + 1:sw]


def _padded(x: ndarray, pads: tuple, fill: float) -> ndarray:
    (top, bottom), (left, right) = pads
    if not (top or bottom or left or right):
        return x
    n, c, h, w = x.shape
    out = xp.full((n, c, h + top + bottom, w + left + right), fill, x.dtype)
    out[:, :, top:top + h, left:left + w] = x
    return out


def _geometry(shape: tuple, kernel, stride, padding, dilation, ceil_mode) -> tuple:
    """(output size, padding (before, after) per axis so that every window lies inside the array)."""
    out, pads = [], []
    for a in range(2):
        size = shape[2 + a]
        n = pool_out_size(size, kernel[a], stride[a], padding[a], dilation[a], ceil_mode)
        need = (n - 1) * stride[a] + dilation[a] * (kernel[a] - 1) + 1  # the last window's end
        out.append(n)
        pads.append((padding[a], max(need - size - padding[a], 0)))
    return tuple(out), tuple(pads)


class MaxPool2d(Function):
    """out[n, c, oh, ow] = max over the window's taps; dx[argmax] += g.

    Forward keeps the winning tap (uint8) and the flat input index (int64, what ``return_indices``
    returns and what ``backward_graph`` scatters at)."""

    backward_name = "MaxPool2DWithIndicesBackward0"

    @staticmethod
    def forward(ctx, x, *, kernel, stride, padding, dilation, ceil_mode):
        out_hw, pads = _geometry(x.shape, kernel, stride, padding, dilation, ceil_mode)
        geometry = (out_hw, stride, dilation)
        xpad = _padded(x, pads, -xp.inf)
        taps = [_tap(xpad, i, j, geometry) for i in range(kernel[0]) for j in range(kernel[1])]
        if len(taps) == 4:  # 2x2, the common case: a tournament of pairs (8 passes instead of 15)
            t0, t1, t2, t3 = taps
            first, second = xp.maximum(t0, t1), xp.maximum(t2, t3)
            later = t3 > t2  # the first of two equal values wins
            out = xp.maximum(first, second)
            best = xp.where(second > first, later.view(xp.uint8) + xp.uint8(2), (t1 > t0).view(xp.uint8))
        else:
            out = taps[0].copy()
            best = xp.zeros(out.shape, xp.uint8)
            for t, v in enumerate(taps[1:], 1):
                xp.copyto(best, t, where=v > out)  # strictly greater: the first maximum wins
                xp.maximum(out, v, out=out)  # NaN propagates, as in PyTorch
        if any(lo or hi for lo, hi in pads):  # a window of -infs (padding included) is won by its first real tap
            lost = out == -xp.inf
            if lost.any():
                best = xp.where(lost, _first_inside(out_hw, kernel, stride, dilation, pads), best)
        nan = out != out
        if nan.any():  # where the maximum is NaN, PyTorch's loop lets each NaN win: the last NaN tap
            for t, v in enumerate(taps):
                xp.copyto(best, t, where=nan & (v != v))
        ctx.geometry = x.shape, kernel, pads, geometry
        ctx.best = best
        ctx.window = kernel, stride, dilation, padding
        return out

    def indices(self) -> ndarray:
        """The flat index h·W + w into the unpadded input of each output's maximum (int64)."""
        return _flat_indices(self.best, self.geometry[0], *self.window)

    @staticmethod
    def backward(ctx, grad):
        shape, kernel, pads, geometry = ctx.geometry
        best = ctx.best
        n, c, h, w = shape
        (top, bottom), (left, right) = pads
        (oh, ow), stride, dilation = geometry
        disjoint = all(s >= d * (k - 1) + 1 for s, d, k in zip(stride, dilation, kernel))
        covered = disjoint and not (top or bottom or left or right) and stride == kernel and \
            (oh * stride[0], ow * stride[1]) == (h, w)
        shape = (n, c, h + top + bottom, w + left + right)
        gpad = xp.empty(shape, grad.dtype) if covered else xp.zeros(shape, grad.dtype)
        t = 0
        for i in range(kernel[0]):
            for j in range(kernel[1]):
                if disjoint:  # windows do not overlap: each place gets at most one gradient
                    _tap(gpad, i, j, geometry)[...] = masked(grad, best == t)
                else:
                    _tap(gpad, i, j, geometry)[...] += masked(grad, best == t)
                t += 1
        return xp.ascontiguousarray(gpad[:, :, top:top + h, left:left + w])

    @staticmethod
    def backward_graph(ctx, grad):
        return scatter_grad(grad, ctx.indices(), ctx.geometry[0])


def _first_inside(out_hw: tuple, kernel, stride, dilation, pads) -> ndarray:
    """(OH, OW) uint8: each window's first tap inside the unpadded input, where PyTorch's loop starts its maximum
    (-inf, at that index): a window whose values are all -inf keeps it, not a padding tap."""
    first = []
    for a in range(2):
        start = xp.arange(out_hw[a]) * stride[a] - pads[a][0]
        skip = xp.where(start < 0, -(start // dilation[a]), 0)  # ceil(−start / d) taps fall before the edge
        first.append(xp.minimum(skip, kernel[a] - 1))
    return (first[0][:, None] * kernel[1] + first[1][None, :]).astype(xp.uint8)


def _flat_indices(best: ndarray, shape: tuple, kernel, stride, dilation, padding) -> ndarray:
    """The index h·W + w into the unpadded input of each output's winning tap (int64)."""
    oh, ow = best.shape[2:]
    i, j = xp.divmod(best.astype(xp.int64), kernel[1])
    rows = xp.arange(oh)[:, None] * stride[0] - padding[0] + i * dilation[0]
    cols = xp.arange(ow)[None, :] * stride[1] - padding[1] + j * dilation[1]
    return rows * shape[3] + cols


def scatter_grad(grad, indices: ndarray, shape: tuple):
    """The Tensor g scattered (added) at flat ``indices`` of (N, C, H·W): the gradient of gathering there."""
    from .._creation import zeros
    from .._tensor import Tensor

    n, c = shape[:2]
    m = indices.shape[-2] * indices.shape[-1]  # not -1: an empty batch has no elements to infer it from
    flat = grad.reshape(n, c, m)
    index = Tensor._make(indices.reshape(n, c, m), False, None)
    return zeros((n, c, shape[2] * shape[3]), dtype=grad.dtype).scatter_add(2, index, flat).reshape(shape)


def avg_divisor(shape: tuple, out_hw: tuple, kernel, stride, padding, ceil_mode, count_include_pad,
                divisor_override, dtype) -> ndarray:
    """The (OH, OW) divisor of each window, as PyTorch's avg_pool2d computes it."""
    if divisor_override:
        return xp.full(out_hw, divisor_override, dtype)
    counts = []
    for a in range(2):
        size, k, s, p = shape[2 + a], kernel[a], stride[a], padding[a]
        start = xp.arange(out_hw[a]) * s - p
        end = xp.minimum(start + k, size + p)
        n = end - start  # the window clipped to the padded input
        if not count_include_pad:
            n = xp.minimum(end, size) - xp.maximum(start, 0)
        counts.append(n)
    return (counts[0][:, None] * counts[1][None, :]).astype(dtype)


class AvgPool2d(Function):
    """out = Σ_taps x_pad / divisor;  dx = Σ_taps g / divisor at each tap's places (``AvgPool2dBackward``)."""

    backward_name = "AvgPool2DBackward0"

    @staticmethod
    def forward(ctx, x, *, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override):
        out_hw, pads = _geometry(x.shape, kernel, stride, padding, (1, 1), ceil_mode)
        geometry = (out_hw, stride, (1, 1))
        xpad = _padded(x, pads, 0.0)
        out = _tap(xpad, 0, 0, geometry).copy()
        for i in range(kernel[0]):
            for j in range(kernel[1]):
                if i or j:
                    out += _tap(xpad, i, j, geometry)
        divisor = avg_divisor(x.shape, out_hw, kernel, stride, padding, ceil_mode, count_include_pad,
                              divisor_override, x.dtype)
        if x.dtype.kind in "iu":  # PyTorch's integer kernel: C's division, truncating towards zero
            quotient = out // divisor
            quotient += (quotient * divisor != out) & ((out < 0) != (divisor < 0))
            out = quotient
        else:
            out /= divisor
        ctx.args = dict(shape=x.shape, kernel=kernel, pads=pads, geometry=geometry, divisor=divisor)
        return out

    @staticmethod
    def backward(ctx, grad):
        return _avg_spread(grad, **ctx.args)

    @staticmethod
    def backward_graph(ctx, grad):
        return AvgPool2dBackward.apply(grad, **ctx.args)


class AvgPool2dBackward(Function):
    """The adjoint of average pooling: spread g / divisor over each window's taps (then crop the padding)."""

    @staticmethod
    def forward(ctx, grad, *, shape, kernel, pads, geometry, divisor):
        ctx.args = kernel, pads, geometry, divisor
        return _avg_spread(grad, shape, kernel, pads, geometry, divisor)

    @staticmethod
    def backward(ctx, grad):
        kernel, pads, geometry, divisor = ctx.args
        xpad = _padded(grad, pads, 0.0)
        out = _tap(xpad, 0, 0, geometry).copy()
        for i in range(kernel[0]):
            for j in range(kernel[1]):
                if i or j:
                    out += _tap(xpad, i, j, geometry)
        return out / divisor


def _avg_spread(grad: ndarray, shape: tuple, kernel: tuple, pads: tuple, geometry: tuple, divisor: ndarray) -> ndarray:
    """Average pooling's adjoint: each window's g / divisor added to all its taps, padding cropped."""
    n, c, h, w = shape
    (top, bottom), (left, right) = pads
    share = grad / divisor
    gpad = xp.zeros((n, c, h + top + bottom, w + left + right), grad.dtype)
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            _tap(gpad, i, j, geometry)[...] += share
    return xp.ascontiguousarray(gpad[:, :, top:top + h, left:left + w])


def adaptive_windows(size: int, out: int) -> tuple[ndarray, ndarray]:
    """PyTorch's adaptive windows along an axis: output i covers [⌊i·size/out⌋, ⌈(i + 1)·size/out⌉)."""
    i = xp.arange(out)
    return (i * size) // out, -(-((i + 1) * size) // out)


def adaptive_avg_matrix(size: int, out: int) -> ndarray:
    """The (out, size) matrix whose row i averages output i's adaptive window."""
    start, end = adaptive_windows(size, out)
    j = xp.arange(size)
    inside = (j[None, :] >= start[:, None]) & (j[None, :] < end[:, None])
    return inside / (end - start)[:, None]


def adaptive_max_indices(x: ndarray, out_hw: tuple) -> ndarray:
    """The flat index h·W + w of the maximum of each adaptive window (first maximum; NaN wins), (N, C, OH, OW)."""
    n, c, h, w = x.shape
    rows, cols = [], []
    for size, out, store in ((h, out_hw[0], rows), (w, out_hw[1], cols)):
        start, end = adaptive_windows(size, out)
        k = int((end - start).max()) if out else 0
        # every window padded to the longest by repeating its last element (the first maximum is unchanged)
        store.append(xp.minimum(start[:, None] + xp.arange(k)[None, :], (end - 1)[:, None]))
    r, q = rows[0], cols[0]  # (OH, kh), (OW, kw)
    flat = r[:, None, :, None] * w + q[None, :, None, :]  # (OH, OW, kh, kw)
    taps = flat.shape[2] * flat.shape[3]  # not -1: a batch without images has no elements to infer it from
    values = x.reshape(n, c, h * w)[:, :, flat.reshape(-1)].reshape(n, c, out_hw[0], out_hw[1], taps)
    pick = values.argmax(-1)
    nan = values != values
    if nan.any():  # as PyTorch's loop: a NaN replaces the running maximum, so the last NaN wins
        last_nan = nan.shape[-1] - 1 - nan[..., ::-1].argmax(-1)
        pick = xp.where(nan.any(-1), last_nan, pick)
    flat3 = flat.reshape(out_hw[0], out_hw[1], -1)
    return flat3[xp.arange(out_hw[0])[:, None], xp.arange(out_hw[1])[None, :], pick]
