"""Convolution as matrix products: im2col (a strided view, copied once) and col2im (accumulation).

A 2-D convolution of x (N, C, H, W) with a kernel of size (kh, kw), stride s, dilation d and
zero padding p reads, for output position (oh, ow) and kernel tap (i, j), the padded input at
(oh·s + i·d, ow·s + j·d). ``_unfold`` makes that a matrix without a Python loop over pixels:
NumPy's ``as_strided`` gives the windows as a view of shape (N, C, kh, kw, OH, OW) whose strides
step through the padded input, and one copy lays it out as the *column matrix*

    cols[(c, i, j), (n, oh, ow)] = x_pad[n, c, oh·s + i·d, ow·s + j·d]      shape (C·kh·kw, N·OH·OW)

(channels first, so a group is a block of rows and the copy's inner loop runs along OW, contiguous
in memory at stride 1). The convolution is then one matrix product per group,
out[o, (n, oh, ow)] = Σ W[o, (c, i, j)]·cols[(c, i, j), (n, oh, ow)], and its backward is two:

    dW = g·colsᵀ,   dcols = Wᵀ·g,   dx = col2im(dcols)

where col2im (``_fold``) adds each tap's slab of dcols back into the places it was read from:
kh·kw strided additions of an (C, N, OH, OW) slab, never a loop over pixels or images. The
transposed convolution is the same two maps the other way round (its forward is a col2im).

``Unfold``/``Fold`` (``F.unfold``/``F.fold``) are the two maps on their own; they are each other's
adjoint, which is how every op here gets a ``backward_graph`` (the double-backward contract):
the gradient of a linear map is its adjoint applied to g, written with these Functions.
"""

from __future__ import annotations

from numpy.lib.stride_tricks import as_strided

from .._backend import ndarray, xp
from .._dtype import result_type
from .._threads import get_num_threads
from ..autograd.function import Function
from . import _buffers


def out_size(size: int, k: int, s: int, lo: int, hi: int, d: int) -> int:
    """The number of windows of a kernel k (dilation d, stride s) along an axis padded by lo and hi."""
    return (size + lo + hi - d * (k - 1) - 1) // s + 1


def _pad_zeros(x: ndarray, ph: tuple, pw: tuple) -> ndarray:
    """x (…, H, W) with zeros added: ph = (top, bottom), pw = (left, right)."""
    if not any(ph) and not any(pw):
        return x
    h, w = x.shape[-2:]
    out = xp.zeros(x.shape[:-2] + (h + ph[0] + ph[1], w + pw[0] + pw[1]), x.dtype)
    out[..., ph[0]:ph[0] + h, pw[0]:pw[0] + w] = x
    return out


def windows(xpad: ndarray, kernel: tuple, stride: tuple, dilation: tuple, out_hw: tuple) -> ndarray:
    """The (N, C, kh, kw, OH, OW) view of ``xpad`` (N, C, Hp, Wp): [n, c, i, j, oh, ow] = xpad[n, c, oh·s + i·d, …]."""
    n, c = xpad.shape[:2]
    s_n, s_c, s_h, s_w = xpad.strides
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    return as_strided(xpad, (n, c, kh, kw) + tuple(out_hw),
                      (s_n, s_c, s_h * dh, s_w * dw, s_h * sh, s_w * sw), writeable=False)


def unfold_cols(xpad: ndarray, kernel: tuple, stride: tuple, dilation: tuple, out_hw: tuple) -> ndarray:
    """The column matrix (C·kh·kw, N·OH·OW) of an already padded (N, C, Hp, Wp) input: one copy."""
    view = windows(xpad, kernel, stride, dilation, out_hw)
    n, c, kh, kw, oh, ow = view.shape
    cols = _buffers.take((c * kh * kw, n * oh * ow), xpad.dtype)
    cols.reshape(c, kh, kw, n, oh, ow)[...] = view.transpose(1, 2, 3, 0, 4, 5)
    return cols


def fold_cols(cols: ndarray, n: int, c: int, padded_hw: tuple, kernel: tuple, stride: tuple, dilation: tuple,
              out_hw: tuple) -> ndarray:
    """col2im: add the (C·kh·kw, N·OH·OW) columns back into a zero (C, N, Hp, Wp) array (channels first).

    One strided slab addition per kernel tap; overlapping windows accumulate.
    """
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    oh, ow = out_hw
    c6 = cols.reshape(c, kh, kw, n, oh, ow)
    out = xp.zeros((c, n) + tuple(padded_hw), cols.dtype)
    for i in range(kh):
        rows = slice(i * dh, i * dh + sh * (oh - 1) + 1, sh)
        for j in range(kw):
            out[:, :, rows, j * dw:j * dw + sw * (ow - 1) + 1:sw] += c6[:, i, j]
    return out


def _crop(x: ndarray, ph: tuple, pw: tuple) -> ndarray:
    """Remove ``ph``/``pw`` (before, after) from the last two axes (a view)."""
    h, w = x.shape[-2:]
    return x[..., ph[0]:h - ph[1], pw[0]:w - pw[1]]


def _nchw(x_cn: ndarray) -> ndarray:
    """A channels-first (C, N, H, W) array as a contiguous (N, C, H, W) one."""
    return xp.ascontiguousarray(x_cn.transpose(1, 0, 2, 3))


def _cn_rows(x: ndarray, groups: int) -> ndarray:
    """(N, C, H, W) as (G, C/G, N·H·W): the rows a grouped matrix product reads (one copy)."""
    n, c, h, w = x.shape
    return xp.ascontiguousarray(x.transpose(1, 0, 2, 3)).reshape(groups, c // groups, n * h * w)


# ---------------------------------------------------------------------- Unfold / Fold
class Unfold(Function):
    """F.unfold: x (N, C, H, W) → (N, C·kh·kw, L), the sliding blocks as columns (L = OH·OW).

    Linear in x; its adjoint (and so its gradient) is ``Fold`` with the same geometry.
    """

    backward_name = "Im2ColBackward0"

    @staticmethod
    def forward(ctx, x, *, kernel, stride, padding, dilation):
        ctx.geometry = tuple(x.shape[2:]), kernel, stride, padding, dilation
        return unfold(x, kernel, stride, padding, dilation)

    @staticmethod
    def backward(ctx, grad):
        size, kernel, stride, padding, dilation = ctx.geometry
        return fold(grad, size, kernel, stride, padding, dilation)

    @staticmethod
    def backward_graph(ctx, grad):
        size, kernel, stride, padding, dilation = ctx.geometry
        return Fold.apply(grad, size=size, kernel=kernel, stride=stride, padding=padding, dilation=dilation)


class Fold(Function):
    """F.fold: columns (N, C·kh·kw, L) → (N, C, H, W), summing overlapping blocks (col2im).

    Linear; its adjoint is ``Unfold``.
    """

    backward_name = "Col2ImBackward0"

    @staticmethod
    def forward(ctx, cols, *, size, kernel, stride, padding, dilation):
        ctx.geometry = kernel, stride, padding, dilation
        return fold(cols, size, kernel, stride, padding, dilation)

    @staticmethod
    def backward(ctx, grad):
        kernel, stride, padding, dilation = ctx.geometry
        return unfold(grad, kernel, stride, padding, dilation)

    @staticmethod
    def backward_graph(ctx, grad):
        kernel, stride, padding, dilation = ctx.geometry
        return Unfold.apply(grad, kernel=kernel, stride=stride, padding=padding, dilation=dilation)


def unfold(x: ndarray, kernel: tuple, stride: tuple, padding: tuple, dilation: tuple) -> ndarray:
    """im2col of (N, C, H, W) into (N, C·kh·kw, L) columns (F.unfold's layout)."""
    n = x.shape[0]
    pads = ((padding[0], padding[0]), (padding[1], padding[1]))
    out_hw = tuple(out_size(x.shape[2 + a], kernel[a], stride[a], padding[a], padding[a], dilation[a])
                   for a in range(2))
    cols = unfold_cols(_pad_zeros(x, *pads), kernel, stride, dilation, out_hw)
    return xp.ascontiguousarray(cols.reshape(cols.shape[0], n, out_hw[0] * out_hw[1]).transpose(1, 0, 2))


def fold(cols: ndarray, size: tuple, kernel: tuple, stride: tuple, padding: tuple, dilation: tuple) -> ndarray:
    """col2im of (N, C·kh·kw, L) columns into a contiguous (N, C, H, W) array."""
    n, ck, length = cols.shape
    c = ck // (kernel[0] * kernel[1])
    out_hw = tuple(out_size(size[a], kernel[a], stride[a], padding[a], padding[a], dilation[a]) for a in range(2))
    pads = ((padding[0], padding[0]), (padding[1], padding[1]))
    padded = (size[0] + 2 * padding[0], size[1] + 2 * padding[1])
    flat = xp.ascontiguousarray(cols.transpose(1, 0, 2)).reshape(ck, n * length)
    return _nchw(_crop(fold_cols(flat, n, c, padded, kernel, stride, dilation, out_hw), *pads))


# ---------------------------------------------------------------------- convolution
class _Plan:
    """How a convolution's columns are laid out: the map x → cols (K, P) and back.

    Two layouts give the same products. The *windows* layout (any stride) has one column per output
    position, P = N·OH·OW, copied from the strided window view. The *flat* layout (stride 1) has one
    column per position of the padded input, P = N·Hp·Wp: flattened, the padded input is a row per
    channel, and tap (i, j) is that row shifted by i·d·Wp + j·d, so each row of cols is one
    contiguous slice -- a copy at memory speed, where the windows copy moves OW elements at a time.
    The columns past an image's right and bottom edge are computed and dropped (Hp·Wp/(OH·OW) − 1
    extra work), so the flat layout is used where that waste is small.
    """

    # measured (float32, 1 thread): flat wins for 32x32 images padded by 1 (waste 1.13) and, on an Intel AVX-512
    # machine, for 16x16 ones (1.27: ResNet-20 step 1031 -> 960 ms); it loses for 8x8 (1.56) and for LeNet-5's
    # 28x28 padded by 2 with a 5x5 kernel on one channel (1.31: its backward 2.0 -> 3.2 ms)
    FLAT_WASTE = 1.3

    def __init__(self, shape: tuple, kernel: tuple, stride: tuple, padding: tuple, dilation: tuple) -> None:
        self.n, self.c, self.h, self.w = shape
        self.kernel, self.stride, self.padding, self.dilation = kernel, stride, padding, dilation
        (top, bottom), (left, right) = padding
        self.hp, self.wp = self.h + top + bottom, self.w + left + right
        self.out_hw = (out_size(self.h, kernel[0], stride[0], top, bottom, dilation[0]),
                       out_size(self.w, kernel[1], stride[1], left, right, dilation[1]))
        oh, ow = self.out_hw
        self.flat = stride == (1, 1) and self.hp * self.wp <= self.FLAT_WASTE * oh * ow
        self.positions = self.n * self.hp * self.wp if self.flat else self.n * oh * ow
        # the largest shift of a tap in the flattened padded input (its rows are that much longer)
        self.reach = dilation[0] * (kernel[0] - 1) * self.wp + dilation[1] * (kernel[1] - 1)

    def columns(self, x: ndarray) -> ndarray:
        """im2col: (C·kh·kw, P)."""
        if not self.flat:
            return unfold_cols(_pad_zeros(x, *self.padding), self.kernel, self.stride, self.dilation, self.out_hw)
        rows = self.padded_rows(x)
        cols = _buffers.take((self.c * self.kernel[0] * self.kernel[1], self.positions), x.dtype)
        self.block_columns(rows, 0, self.positions, cols)
        _buffers.give(rows)
        return cols

    def padded_rows(self, x: ndarray) -> ndarray:
        """The flat layout's input: (C, P + reach), row c the zero-padded images of channel c end to end."""
        (top, _), (left, _) = self.padding
        rows = _buffers.zeros((self.c, self.positions + self.reach), x.dtype)
        rows[:, :self.positions].reshape(self.c, self.n, self.hp, self.wp)[
            :, :, top:top + self.h, left:left + self.w] = x.transpose(1, 0, 2, 3)
        return rows

    def block_columns(self, rows: ndarray, start: int, stop: int, out: ndarray) -> ndarray:
        """Columns start..stop of the flat layout's cols, copied from ``rows`` into ``out`` (K, stop − start)."""
        kh, kw = self.kernel
        item = rows.itemsize
        view = as_strided(rows[:, start:], (self.c, kh, kw, stop - start),
                          (rows.strides[0], self.dilation[0] * self.wp * item, self.dilation[1] * item, item),
                          writeable=False)
        out.reshape(self.c, kh, kw, stop - start)[...] = view
        return out

    def output(self, out: ndarray, bias: ndarray | None) -> ndarray:
        """(O, P) products → the contiguous (N, O, OH, OW) result (+ bias), in one pass."""
        o = out.shape[0]
        oh, ow = self.out_hw
        if self.flat:
            out4 = out.reshape(o, self.n, self.hp, self.wp)[:, :, :oh, :ow].transpose(1, 0, 2, 3)
        else:
            out4 = out.reshape(o, self.n, oh, ow).transpose(1, 0, 2, 3)
        result = xp.empty((self.n, o, oh, ow), out.dtype)
        if bias is None:
            result[...] = out4
        else:
            xp.add(out4, bias.reshape(o, 1, 1), out=result)
        return result

    def grad_rows(self, grad: ndarray) -> ndarray:
        """g (N, O, OH, OW) → (O, P), zero in the flat layout's dropped columns."""
        o = grad.shape[1]
        if not self.flat:
            return xp.ascontiguousarray(grad.transpose(1, 0, 2, 3)).reshape(o, -1)
        oh, ow = self.out_hw
        g = _buffers.zeros((o, self.n * self.hp * self.wp), grad.dtype)
        g.reshape(o, self.n, self.hp, self.wp)[:, :, :oh, :ow] = grad.transpose(1, 0, 2, 3)
        return g

    def zero_dropped(self, block: ndarray, start: int) -> None:
        """Zero the flat layout's dropped columns in ``block`` (its columns start, start + 1, ...).

        Their gradient rows are zero, but a non-finite weight makes Wᵀ·0 nan there, and col2im would add
        it into real positions of dx; likewise a non-finite input read into them makes cols·0 nan in dW
        (PyTorch never forms these columns).
        """
        index = xp.arange(start, start + block.shape[-1])
        block[..., (index % (self.hp * self.wp)) // self.wp >= self.out_hw[0]] = 0
        block[..., index % self.wp >= self.out_hw[1]] = 0

    def fold(self, dcols: ndarray) -> ndarray:
        """col2im: (C·kh·kw, P) → dx (N, C, H, W), each tap's rows added where they were read."""
        (top, _), (left, _) = self.padding
        if not self.flat:
            full = fold_cols(dcols, self.n, self.c, (self.hp, self.wp), self.kernel, self.stride, self.dilation,
                             self.out_hw)
            return _nchw(_crop(full, *self.padding))
        kh, kw = self.kernel
        d4 = dcols.reshape(self.c, kh, kw, self.positions)
        rows = _buffers.zeros((self.c, self.positions + self.reach), dcols.dtype)
        for i in range(kh):
            for j in range(kw):
                shift = i * self.dilation[0] * self.wp + j * self.dilation[1]
                rows[:, shift:shift + self.positions] += d4[:, i, j]
        del d4
        grid = rows[:, :self.positions].reshape(self.c, self.n, self.hp, self.wp)
        gx = _nchw(grid[:, :, top:top + self.h, left:left + self.w])
        del grid
        _buffers.give(rows)
        return gx


class Conv2d(Function):
    """out[n, o] = b[o] + Σ_{c in o's group, i, j} W[o, c, i, j]·x_pad[n, c, oh·s + i·d, ow·s + j·d].

    ``padding`` is ((top, bottom), (left, right)) of zeros. Forward: one im2col copy and one matrix
    product per group (W as (G, O/G, C/G·kh·kw)); ``_Plan`` picks the columns' layout. Backward:
    dW = g·colsᵀ, db = Σ g, and dx = col2im(Wᵀ·g). The columns are kept on ``ctx`` for dW (they are
    not an input of the graph); ``backward_graph`` recomputes them from x with ``Unfold`` so second
    derivatives flow through x.
    """

    backward_name = "ConvolutionBackward0"

    @staticmethod
    def forward(ctx, x, weight, bias, *, stride, padding, dilation, groups):
        if x.size == 0:
            return _empty_forward(ctx, x, weight, bias, stride, padding, dilation)
        o, cg, kh, kw = weight.shape
        plan = _Plan(x.shape, (kh, kw), stride, padding, dilation)
        ctx.save_for_backward(x, weight)
        ctx.plan = plan
        ctx.geometry = (x.shape[2], x.shape[3]), (kh, kw), stride, padding, dilation, groups, plan.out_hw
        if _use_blocks(plan, groups):
            return _blocked_forward(ctx, x, weight, bias, plan)
        cols = plan.columns(x)
        k = cg * kh * kw
        out = _buffers.take((groups, o // groups, plan.positions), cols.dtype)
        xp.matmul(weight.reshape(groups, o // groups, k), cols.reshape(groups, k, -1), out=out)
        need_x, need_w, _ = ctx.needs_input_grad
        ctx.cols = _buffers.Lease(cols) if need_w else None  # back to the pool when the node is released
        result = plan.output(out.reshape(o, -1), bias)
        _buffers.give(out)
        if not need_w:
            del cols
        return result

    @staticmethod
    def backward(ctx, grad):
        if getattr(ctx, "empty", None) is not None:
            return _empty_grads(ctx, xp.zeros)
        _, weight = ctx.saved_tensors
        groups = ctx.geometry[5]
        plan = ctx.plan
        need_x, need_w, need_b = ctx.needs_input_grad
        o, cg, kh, kw = weight.shape
        k = cg * kh * kw
        if getattr(ctx, "rows", False) is not False:  # forward took the blocked path
            return _blocked_backward(ctx, grad, weight, plan)
        rows = plan.grad_rows(grad)
        g = rows.reshape(groups, o // groups, -1)  # (G, O/G, P)
        gx = gw = gb = None
        if need_b:  # summed along the contiguous rows (the flat layout's extra columns are zero)
            gb = xp.add.reduce(rows, axis=1)
        if need_w:
            cols = ctx.cols.array.reshape(groups, k, -1)
            if plan.flat and not _finite(ctx.saved_tensors[0]):  # its dropped columns hold real inputs
                plan.zero_dropped(cols.reshape(groups * k, -1), 0)
            # dWᵀ = cols·gᵀ, not dW = g·colsᵀ: OpenBLAS does the (small result, long inner dimension) product
            # far better this way round -- measured at 1 thread (16 x 147968)·(147968 x 144): 66 ms that way,
            # 28 ms this way; at 2 threads (6 x 100352)·(100352 x 25): 625 ms that way, 65 ms this way
            gw = xp.ascontiguousarray((cols @ g.transpose(0, 2, 1)).transpose(0, 2, 1)).reshape(weight.shape)
            del cols
        if need_x:
            wg = weight.reshape(groups, o // groups, k)
            dcols = _buffers.take((groups, k, plan.positions), grad.dtype)
            xp.matmul(wg.transpose(0, 2, 1), g, out=dcols)
            if plan.flat and not _finite(weight):
                plan.zero_dropped(dcols.reshape(groups * k, -1), 0)
            gx = plan.fold(dcols.reshape(groups * k, -1))
            _buffers.give(dcols)
        del g
        if plan.flat:
            _buffers.give(rows)
        return gx, gw, gb

    @staticmethod
    def backward_graph(ctx, grad):
        if getattr(ctx, "empty", None) is not None:
            from .._tensor import Tensor

            return _empty_grads(ctx, lambda shape, dtype: Tensor._make(xp.zeros(shape, dtype), False, None))
        x, weight = ctx.saved_tensors
        (h, w), kernel, stride, padding, dilation, groups, out_hw = ctx.geometry
        need_x, need_w, need_b = ctx.needs_input_grad
        n = grad.shape[0]
        o, cg = weight.shape[:2]
        k = cg * kernel[0] * kernel[1]
        length = out_hw[0] * out_hw[1]
        g = grad.reshape(n, groups, o // groups, length)
        gx = gw = gb = None
        if need_b:
            gb = grad.sum((0, 2, 3))
        (top, bottom), (left, right) = padding
        if need_w:
            xpad = _pad_tensor(x, top, bottom, left, right)
            cols = Unfold.apply(xpad, kernel=kernel, stride=stride, padding=(0, 0), dilation=dilation)
            cols = cols.reshape(n, groups, k, length)
            gw = (g @ cols.transpose(2, 3)).sum(0).reshape(weight.shape)
        if need_x:
            wg = weight.reshape(groups, o // groups, k)
            dcols = (wg.transpose(1, 2) @ g).reshape(n, groups * k, length)
            size = (h + top + bottom, w + left + right)
            full = Fold.apply(dcols, size=size, kernel=kernel, stride=stride, padding=(0, 0), dilation=dilation)
            gx = full[:, :, top:top + h, left:left + w]
        return gx, gw, gb


def _finite(weight: ndarray) -> bool:
    """Whether every element of ``weight`` is finite, without a temporary (a sum is finite only then;
    one that overflows says False, which only costs the rare path)."""
    return bool(xp.isfinite(xp.add.reduce(weight, axis=None)))


def _empty_forward(ctx, x, weight, bias, stride, padding, dilation):
    """A convolution of an input without elements (N = 0 or C = 0; the caller refuses other empty inputs).

    The result has no elements either; PyTorch's shape rule: (N, O, OH, OW), but (N, 0, OH, OW) when the
    input has no channels. Its dtype is PyTorch's (input·weight): a channel-less input promotes with
    the weight as tensors do, a batch-less one as with a 0-d weight (the input's dtype unless the weight's
    is of a higher kind). Every gradient is zero.
    """
    n, c, h, w = x.shape
    out_hw = tuple(out_size(size, k, s, lo, hi, d) for size, k, s, (lo, hi), d in
                   zip((h, w), weight.shape[2:], stride, padding, dilation))
    rank = {"b": 0, "u": 1, "i": 1}  # bool < integer < float: the kinds of PyTorch's promotion
    if c == 0 or rank.get(weight.dtype.kind, 2) > rank.get(x.dtype.kind, 2):
        dtype = result_type(x.dtype, weight.dtype)
    else:
        dtype = x.dtype
    ctx.empty = [(a.shape, a.dtype) for a in (x, weight, bias) if a is not None]
    return xp.zeros((n, 0 if c == 0 else weight.shape[0]) + out_hw, dtype)


def _empty_grads(ctx, zeros):
    return tuple(zeros(shape, dtype) if need else None
                 for need, (shape, dtype) in zip(ctx.needs_input_grad, ctx.empty)) + (None,) * (3 - len(ctx.empty))


# Columns per block of the blocked flat layout, per thread: about 4 MB of float32 columns, which stay in cache
# between their copy and their matrix products (and, backward, the col2im of the block); each BLAS thread gets as
# many columns as one thread alone, so the threads' hand-over per product is paid as rarely.
_BLOCK_BYTES = 4 << 20
# Blocks pay at one thread (ResNet-20 step ~10% faster, and ~1/9 of the columns' memory). At 2 threads, measured
# on an idle Intel Xeon: ResNet-20 step 812-872 ms blocked against 898-906 ms whole, peak RSS 528-539 MB against
# 1288 MB (torch: 650 MB). (An earlier measurement, 1.3-1.9x slower at 2 threads, was taken at load 6-18.)
BLOCKED = True  # False: the flat layout's columns are always made whole


def _use_blocks(plan: _Plan, groups: int) -> bool:
    return BLOCKED and plan.flat and groups == 1


def _blocks(plan: _Plan, k: int, itemsize: int):
    step = max(64, (_BLOCK_BYTES * get_num_threads() // (k * itemsize)) // 64 * 64)
    return [(start, min(start + step, plan.positions)) for start in range(0, plan.positions, step)]


def _blocked_forward(ctx, x, weight, bias, plan: _Plan):
    """Stride 1, one group, the flat layout, block by block: the columns never exist all at once.

    Each block of columns is copied from the padded input rows and multiplied while it is in cache;
    backward copies them again from the same rows (kept instead of the kh·kw times larger columns).
    """
    o = weight.shape[0]
    k = weight[0].size
    w2 = weight.reshape(o, k)
    rows = plan.padded_rows(x)
    out = _buffers.take((o, plan.positions), x.dtype)
    blocks = _blocks(plan, k, x.itemsize)
    buf = _buffers.take((k, blocks[0][1] - blocks[0][0]), x.dtype)
    for start, stop in blocks:
        cols = plan.block_columns(rows, start, stop, buf[:, :stop - start])
        xp.matmul(w2, cols, out=out[:, start:stop])
    del cols
    _buffers.give(buf)
    ctx.rows = _buffers.Lease(rows) if ctx.needs_input_grad[1] else None
    if ctx.rows is None:
        _buffers.give(rows)
    del rows
    result = plan.output(out, bias)
    _buffers.give(out)
    return result


def _blocked_backward(ctx, grad, weight, plan: _Plan):
    """dW = Σ_blocks g_b·cols_bᵀ and, per block, dcols_b = Wᵀ·g_b added into dx's rows at once (col2im in cache)."""
    need_x, need_w, need_b = ctx.needs_input_grad
    o = weight.shape[0]
    k = weight[0].size
    w2 = weight.reshape(o, k)
    g = plan.grad_rows(grad)  # (O, P), zero in the dropped columns
    gb = xp.add.reduce(g, axis=1) if need_b else None
    gw = xp.zeros((k, o), grad.dtype) if need_w else None  # dWᵀ, summed block by block (see Conv2d.backward)
    rows = ctx.rows.array if need_w else None
    x_finite = _finite(ctx.saved_tensors[0]) if need_w else True
    kh, kw = plan.kernel
    c = plan.c
    drows = _buffers.zeros((c, plan.positions + plan.reach), grad.dtype) if need_x else None
    wt = xp.ascontiguousarray(w2.T) if need_x else None
    finite = _finite(weight)
    blocks = _blocks(plan, k, grad.itemsize)
    buf = _buffers.take((k, blocks[0][1] - blocks[0][0]), grad.dtype)
    part = xp.empty((k, o), grad.dtype) if need_w else None
    for start, stop in blocks:
        gblock = g[:, start:stop]
        width = stop - start
        if need_w:
            cols = plan.block_columns(rows, start, stop, buf[:, :width])
            if not x_finite:
                plan.zero_dropped(cols, start)
            xp.matmul(cols, gblock.T, out=part)
            gw += part
        if need_x:
            dcols = xp.matmul(wt, gblock, out=buf[:, :width])
            if not finite:
                plan.zero_dropped(dcols, start)
            dcols = dcols.reshape(c, kh, kw, width)
            for i in range(kh):
                for j in range(kw):
                    shift = start + i * plan.dilation[0] * plan.wp + j * plan.dilation[1]
                    drows[:, shift:shift + width] += dcols[:, i, j]
    cols = dcols = gblock = None
    _buffers.give(buf)
    del rows
    _buffers.give(g)
    gx = None
    if need_x:
        (top, _), (left, _) = plan.padding
        grid = drows[:, :plan.positions].reshape(c, plan.n, plan.hp, plan.wp)
        gx = _nchw(grid[:, :, top:top + plan.h, left:left + plan.w])
        del grid
        _buffers.give(drows)
    return gx, None if gw is None else xp.ascontiguousarray(gw.T).reshape(weight.shape), gb


def _pad_tensor(x, top: int, bottom: int, left: int, right: int):
    """x (a Tensor) with zeros around its last two axes, through differentiable ops."""
    if not (top or bottom or left or right):
        return x
    from .pad import ConstantPad

    return ConstantPad.apply(x, pads=((0, 0), (0, 0), (top, bottom), (left, right)), value=0.0)


class ConvTranspose2d(Function):
    """The adjoint of ``Conv2d`` in x: out = crop(col2im(Wᵀ·x)) + b, W of shape (C_in, O/G, kh, kw).

    The full output is (H − 1)·s + d·(k − 1) + 1 + output_padding per axis; ``padding`` p is cropped
    from both ends. Backward: dx = W·im2col(g padded by p), dW = x·im2col(g)ᵀ, db = Σ g.
    """

    backward_name = "ConvolutionBackward0"

    @staticmethod
    def forward(ctx, x, weight, bias, *, stride, padding, output_padding, dilation, groups):
        n, c, h, w = x.shape
        og, kh, kw = weight.shape[1:]
        o = og * groups
        full = tuple((size - 1) * s + d * (k - 1) + 1 + op
                     for size, s, d, k, op in zip((h, w), stride, dilation, (kh, kw), output_padding))
        k = og * kh * kw
        xr = _cn_rows(x, groups)  # (G, C/G, N·H·W)
        cols = (weight.reshape(groups, c // groups, k).transpose(0, 2, 1) @ xr).reshape(groups * k, -1)
        out = _crop(fold_cols(cols, n, o, full, (kh, kw), stride, dilation, (h, w)),
                    (padding[0], padding[0]), (padding[1], padding[1]))
        result = xp.empty((n, o) + out.shape[2:], x.dtype)
        if bias is None:
            result[...] = out.transpose(1, 0, 2, 3)
        else:
            xp.add(out.transpose(1, 0, 2, 3), bias.reshape(o, 1, 1), out=result)
        ctx.save_for_backward(x, weight)
        ctx.xr = xr if ctx.needs_input_grad[1] else None
        ctx.geometry = (h, w), (kh, kw), stride, padding, dilation, groups, full
        return result

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        (h, w), kernel, stride, padding, dilation, groups, full = ctx.geometry
        need_x, need_w, need_b = ctx.needs_input_grad
        c, og = weight.shape[:2]
        k = og * kernel[0] * kernel[1]
        gx = gw = gb = None
        if need_b:
            gb = grad.sum((0, 2, 3))
        if need_x or need_w:
            ph = (padding[0], full[0] - padding[0] - grad.shape[2])
            pw = (padding[1], full[1] - padding[1] - grad.shape[3])
            cols = unfold_cols(_pad_zeros(grad, ph, pw), kernel, stride, dilation, (h, w))
            cols = cols.reshape(groups, k, -1)
            if need_w:
                gw = (ctx.xr @ cols.transpose(0, 2, 1)).reshape(weight.shape)
            if need_x:
                gxr = weight.reshape(groups, c // groups, k) @ cols  # (G, C/G, N·H·W)
                gx = _nchw(gxr.reshape((c, grad.shape[0], h, w)))
        return gx, gw, gb

    @staticmethod
    def backward_graph(ctx, grad):
        x, weight = ctx.saved_tensors
        (h, w), kernel, stride, padding, dilation, groups, full = ctx.geometry
        need_x, need_w, need_b = ctx.needs_input_grad
        n = grad.shape[0]
        c, og = weight.shape[:2]
        k = og * kernel[0] * kernel[1]
        gx = gw = gb = None
        if need_b:
            gb = grad.sum((0, 2, 3))
        if need_x or need_w:
            # pad g to the (h − 1)·s + d·(k − 1) + 1 rows whose windows are exactly h (output_padding
            # rows at the end are read by no window: a negative pad crops them)
            ext = [(size - 1) * s + d * (kk - 1) + 1
                   for size, s, d, kk in zip((h, w), stride, dilation, kernel)]
            gpad = _pad_tensor(grad, padding[0], ext[0] - padding[0] - grad.shape[2],
                               padding[1], ext[1] - padding[1] - grad.shape[3])
            cols = Unfold.apply(gpad, kernel=kernel, stride=stride, padding=(0, 0), dilation=dilation)
            cols = cols.reshape(n, groups, k, h * w)
            if need_w:
                xg = x.reshape(n, groups, c // groups, h * w)
                gw = (xg @ cols.transpose(2, 3)).sum(0).reshape(weight.shape)
            if need_x:
                gx = (weight.reshape(groups, c // groups, k) @ cols).reshape(n, c, h, w)
        return gx, gw, gb
