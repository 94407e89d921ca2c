"""The op-information table: one row per op (or op variant) of the core.

Each row's ``fn(lib, *inputs)`` is written once and run twice -- with ``lib = mytorch`` on mytorch
tensors and ``lib = torch`` on torch tensors -- so the table also checks that the API is
PyTorch's. ``make(rng, dtype)`` builds the NumPy inputs; every input is differentiable unless its
index is in ``const``. ``test_ops.py`` turns each row into forward/backward parity tests (float32
and float64), a float64 gradcheck and dtype checks; ``test_autograd_gradgrad.py`` into a float64
gradgradcheck (second derivatives through each op's ``backward_graph``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np


@dataclass
class OpInfo:
    name: str
    fn: Callable
    shapes: tuple = ((3, 4),)
    domain: str = "real"  # real | positive | nonzero | ties | unit
    const: tuple = ()  # indices of inputs that are not differentiable
    gradcheck: bool = True
    gradgradcheck: bool = True  # second derivatives (test_autograd_gradgrad.py); needs gradcheck too
    dtypes: tuple = (np.float32, np.float64)
    make: Callable | None = field(default=None, repr=False)

    def inputs(self, rng: np.random.Generator, dtype) -> list[np.ndarray]:
        if self.make is not None:
            return self.make(rng, dtype)
        out = []
        for shape in self.shapes:
            x = rng.standard_normal(shape)
            if self.domain == "positive":
                x = np.abs(x) + 0.5
            elif self.domain == "nonzero":
                x = np.sign(x) * (np.abs(x) + 0.5)
            elif self.domain == "ties":
                x = np.round(x * 2) / 2  # repeated values: exercises tie handling
            elif self.domain == "unit":
                x = rng.uniform(0.1, 0.9, shape)
            out.append(x.astype(dtype))
        return out


IDX = np.array([[0, 2, 1, 2], [1, 1, 0, 0], [2, 0, 2, 1]])  # for gather on a (3, 3) input along dim 1
ROWS = np.array([0, 2, 2, 1, 0])  # repeated rows: gradients must add up
SCATTER_ROWS = np.array([[0, 3], [2, 1], [1, 0]])  # distinct per row: scatter's result is then well defined
SCATTER_COLS = np.array([[0, 2, 1], [2, 0, 0]])  # distinct per column, for scatter along dim 0
SCATTER_REPEATS = np.array([[0, 1, 2, 0], [0, 1, 1, 2]])  # repeated targets: scatter_add adds them up
MASK = np.array([[True, False, True, False], [False, False, True, True], [True, True, False, False]])


def _put(a, key, v):
    """``x[key] = v`` on a non-leaf copy of ``a`` (the graph records CopySlices / IndexPutBackward0)."""
    y = a * 1
    y[key] = v * 1
    return y

OPS: list[OpInfo] = [
    # ---- binary arithmetic, with broadcasting
    OpInfo("add", lambda m, a, b: a + b, ((3, 4), (3, 4))),
    OpInfo("add_broadcast", lambda m, a, b: a + b, ((2, 3, 4), (3, 1))),
    OpInfo("add_scalar", lambda m, a: a + 2.5),
    OpInfo("radd_scalar", lambda m, a: 2.5 + a),
    OpInfo("sub", lambda m, a, b: a - b, ((3, 4), (4,))),
    OpInfo("rsub_scalar", lambda m, a: 1.5 - a),
    OpInfo("mul", lambda m, a, b: a * b, ((3, 1), (1, 4))),
    OpInfo("mul_0d", lambda m, a, b: a * b, ((), (3, 4))),
    OpInfo("rmul_scalar", lambda m, a: 3 * a),
    OpInfo("div", lambda m, a, b: a / b, ((3, 4), (3, 4)), domain="nonzero"),
    OpInfo("div_broadcast", lambda m, a, b: a / b, ((2, 3, 4), (4,)), domain="nonzero"),
    OpInfo("rdiv_scalar", lambda m, a: 2.0 / a, domain="nonzero"),
    OpInfo("pow_tensor", lambda m, a, b: a**b, ((3, 4), (3, 4)), domain="positive"),
    OpInfo("pow_square", lambda m, a: a**2),
    OpInfo("pow_half", lambda m, a: a**0.5, domain="positive"),
    OpInfo("pow_negative", lambda m, a: a**-1.5, domain="positive"),
    OpInfo("rpow_scalar", lambda m, a: 2.0**a),
    OpInfo("neg", lambda m, a: -a),
    OpInfo("maximum", lambda m, a, b: m.maximum(a, b), ((3, 4), (4,))),
    OpInfo("minimum", lambda m, a, b: m.minimum(a, b), ((3, 4), (3, 1))),
    OpInfo("maximum_ties", lambda m, a, b: m.maximum(a, b), ((3, 4), (3, 4)), domain="ties", gradcheck=False),
    OpInfo("minimum_ties", lambda m, a, b: m.minimum(a, b), ((3, 4), (3, 4)), domain="ties", gradcheck=False),
    # ---- unary
    OpInfo("exp", lambda m, a: m.exp(a)),
    OpInfo("log", lambda m, a: m.log(a), domain="positive"),
    OpInfo("sqrt", lambda m, a: a.sqrt(), domain="positive"),
    OpInfo("abs", lambda m, a: m.abs(a), domain="nonzero"),
    OpInfo("tanh", lambda m, a: m.tanh(a)),
    OpInfo("sigmoid", lambda m, a: m.sigmoid(a)),
    OpInfo("sigmoid_extreme", lambda m, a: a.sigmoid(),
           make=lambda rng, dt: [np.array([-1000.0, -40.0, -5.0, 0.0, 5.0, 40.0, 1000.0], dt)], gradcheck=False),
    OpInfo("relu", lambda m, a: m.relu(a)),
    OpInfo("erf", lambda m, a: m.erf(a)),
    OpInfo("clamp", lambda m, a: m.clamp(a, -0.5, 0.7)),
    OpInfo("clamp_min", lambda m, a: a.clamp(min=0.1)),
    OpInfo("clamp_max", lambda m, a: a.clamp(max=-0.1)),
    OpInfo("sin", lambda m, a: m.sin(a)),
    OpInfo("cos", lambda m, a: a.cos()),
    OpInfo("tan", lambda m, a: m.tan(a), domain="unit"),
    OpInfo("tan_negative", lambda m, a: (-a).tan(), domain="unit"),
    OpInfo("sinh", lambda m, a: m.sinh(a)),
    OpInfo("cosh", lambda m, a: a.cosh()),
    OpInfo("asin", lambda m, a: m.asin(a), domain="unit"),
    OpInfo("asin_negative", lambda m, a: (-a).asin(), domain="unit"),
    OpInfo("acos", lambda m, a: a.acos(), domain="unit"),
    OpInfo("atan", lambda m, a: m.atan(a)),
    OpInfo("atan2", lambda m, a, b: m.atan2(a, b), ((3, 4), (3, 4)), domain="nonzero"),
    OpInfo("atan2_broadcast", lambda m, a, b: a.atan2(b), ((2, 3, 4), (4,)), domain="nonzero"),
    OpInfo("where", lambda m, a, b: m.where(a > 0, a, b), ((3, 4), (3, 4))),
    OpInfo("where_scalar", lambda m, a: m.where(a > 0, a, 0.0)),
    OpInfo("masked_fill", lambda m, a: a.masked_fill(m.tensor(MASK), -1.5)),
    OpInfo("masked_fill_broadcast_mask", lambda m, a: a.masked_fill(m.tensor(MASK[:1]), 2.0)),
    OpInfo("masked_fill_tensor_value", lambda m, a, v: m.masked_fill(a, m.tensor(MASK), v), ((3, 4), ())),
    OpInfo("masked_fill_inplace", lambda m, a, v: (a * 1).masked_fill_(m.tensor(MASK), v), ((3, 4), ())),
    # ---- reductions
    OpInfo("sum_all", lambda m, a: a.sum()),
    OpInfo("sum_dim", lambda m, a: a.sum(1), ((2, 3, 4),)),
    OpInfo("sum_dims_keepdim", lambda m, a: a.sum((0, 2), keepdim=True), ((2, 3, 4),)),
    OpInfo("sum_negative_dim", lambda m, a: m.sum(a, -1), ((2, 3, 4),)),
    OpInfo("mean_all", lambda m, a: a.mean()),
    OpInfo("mean_dim", lambda m, a: a.mean(dim=0), ((2, 3, 4),)),
    OpInfo("mean_keepdim", lambda m, a: m.mean(a, (1, 2), keepdim=True), ((2, 3, 4),)),
    OpInfo("var_all", lambda m, a: a.var()),
    OpInfo("var_dim_biased", lambda m, a: a.var(1, correction=0), ((2, 3, 4),)),
    OpInfo("var_unbiased_keepdim", lambda m, a: a.var(0, unbiased=True, keepdim=True), ((5, 3),)),
    OpInfo("std_dim", lambda m, a: a.std(1), ((4, 5),)),
    OpInfo("amax_all", lambda m, a: a.amax()),
    OpInfo("amax_dim", lambda m, a: a.amax(1), ((2, 3, 4),)),
    OpInfo("amin_dims", lambda m, a: m.amin(a, (0, 2), keepdim=True), ((2, 3, 4),)),
    OpInfo("amax_ties", lambda m, a: a.amax(1), ((4, 6),), domain="ties", gradcheck=False),
    OpInfo("amin_ties", lambda m, a: a.amin(), ((4, 6),), domain="ties", gradcheck=False),
    OpInfo("max_dim_values", lambda m, a: a.max(1).values, ((3, 5),)),
    OpInfo("min_dim_keepdim", lambda m, a: a.min(0, keepdim=True).values, ((3, 5),)),
    OpInfo("max_all", lambda m, a: a.max()),
    OpInfo("logsumexp_dim", lambda m, a: m.logsumexp(a, 1), ((3, 5),)),
    OpInfo("logsumexp_keepdim", lambda m, a: a.logsumexp(0, keepdim=True), ((3, 5),)),
    OpInfo("logsumexp_large", lambda m, a: a.logsumexp(1),
           make=lambda rng, dt: [np.array([[1000.0, 0.0, -1000.0], [-5.0, 3.0, 2.0]], dt)]),
    OpInfo("logsumexp_dims", lambda m, a: m.logsumexp(a, (0, 2)), ((2, 3, 4),)),
    OpInfo("logsumexp_ties", lambda m, a: a.logsumexp(1), ((4, 6),), domain="ties"),
    # Tied maxima of 1e4 (needle's LogSumExp case). torch's float32 backward, exp(x − out), is ~1e-4
    # off there; ours (softmax from exp(x − m)/s) is exact, which the float64 reference shows.
    OpInfo("logsumexp_large_ties", lambda m, a: a.logsumexp(1),
           make=lambda rng, dt: [np.array([[1e4, 1e4, 0.0], [-1e4, 5.0, 5.0], [3.0, 3.0, 3.0]], dt)]),
    OpInfo("softmax", lambda m, a: m.softmax(a, 1), ((3, 5),)),
    OpInfo("softmax_dim0", lambda m, a: a.softmax(0), ((3, 5),)),
    OpInfo("log_softmax", lambda m, a: a.log_softmax(-1), ((2, 3, 5),)),
    OpInfo("log_softmax_large", lambda m, a: a.log_softmax(1),
           make=lambda rng, dt: [np.array([[1000.0, 0.0, -1000.0], [1.0, 2.0, 3.0]], dt)]),
    # ---- shape
    OpInfo("reshape", lambda m, a: a.reshape(4, 3)),
    OpInfo("reshape_infer", lambda m, a: m.reshape(a, (2, -1)), ((2, 3, 4),)),
    OpInfo("view", lambda m, a: a.view(-1)),
    OpInfo("transpose", lambda m, a: a.transpose(0, 2), ((2, 3, 4),)),
    OpInfo("t", lambda m, a: a.t()),
    OpInfo("T", lambda m, a: a.T),
    OpInfo("permute", lambda m, a: a.permute(2, 0, 1), ((2, 3, 4),)),
    OpInfo("flatten", lambda m, a: a.flatten(), ((2, 3, 4),)),
    OpInfo("flatten_range", lambda m, a: m.flatten(a, 1), ((2, 3, 4),)),
    OpInfo("unsqueeze", lambda m, a: a.unsqueeze(1)),
    OpInfo("unsqueeze_negative", lambda m, a: a.unsqueeze(-1)),
    OpInfo("squeeze", lambda m, a: a.squeeze(), ((3, 1, 4, 1),)),
    OpInfo("squeeze_dim", lambda m, a: a.squeeze(1), ((3, 1, 4),)),
    OpInfo("expand", lambda m, a: a.expand(2, 3, 4), ((3, 1),)),
    OpInfo("expand_keep", lambda m, a: a.expand(-1, 5), ((3, 1),)),
    OpInfo("broadcast_to", lambda m, a: m.broadcast_to(a, (2, 3, 4)), ((4,),)),
    OpInfo("getitem_int", lambda m, a: a[1]),
    OpInfo("setitem_slice", lambda m, a, v: _put(a, (slice(1, None), 1), v), ((3, 4), (2,))),
    OpInfo("setitem_range_broadcast", lambda m, a, v: _put(a, (range(2), slice(None)), v), ((3, 4), (4,))),
    OpInfo("setitem_lists", lambda m, a, v: _put(a, ([0, 2], [3, 1]), v), ((3, 4), (2,))),
    OpInfo("setitem_mask", lambda m, a, v: _put(a, m.tensor(MASK), v), ((3, 4), (1,))),
    OpInfo("getitem_slice", lambda m, a: a[1:, ::2]),
    OpInfo("getitem_negative_step", lambda m, a: a[:, -1]),
    OpInfo("getitem_none_ellipsis", lambda m, a: a[None, ..., 1], ((2, 3, 4),)),
    OpInfo("getitem_int_array_repeats", lambda m, a: a[m.tensor(ROWS)]),
    OpInfo("getitem_list_repeats", lambda m, a: a[[0, 0, 2], 1:]),
    OpInfo("getitem_two_arrays", lambda m, a: a[m.tensor(ROWS), m.tensor(ROWS)]),
    OpInfo("getitem_bool_mask", lambda m, a: a[m.tensor(MASK)]),
    OpInfo("getitem_bool_rows", lambda m, a: a[a.sum(1) > 0]),
    OpInfo("gather", lambda m, a: m.gather(a, 1, m.tensor(IDX)), ((3, 3),)),
    OpInfo("gather_dim0", lambda m, a: a.gather(0, m.tensor(IDX[:, :3] % 3)), ((3, 3),)),
    OpInfo("scatter", lambda m, a, s: a.scatter(1, m.tensor(SCATTER_ROWS), s), ((3, 4), (3, 2))),
    OpInfo("scatter_dim0", lambda m, a, s: m.scatter(a, 0, m.tensor(SCATTER_COLS), s), ((3, 4), (2, 3))),
    OpInfo("scatter_value", lambda m, a: a.scatter(1, m.tensor(SCATTER_ROWS), 1.5)),
    OpInfo("scatter_add", lambda m, a, s: a.scatter_add(0, m.tensor(SCATTER_REPEATS), s), ((3, 4), (2, 4))),
    OpInfo("scatter_add_dim1", lambda m, a, s: m.scatter_add(a, 1, m.tensor(SCATTER_REPEATS[:, :3] + 1), s),
           ((2, 4), (2, 3))),
    OpInfo("meshgrid_ij", lambda m, a, b: m.meshgrid(a, b, indexing="ij")[0] * m.meshgrid(a, b, indexing="ij")[1],
           ((3,), (4,))),
    OpInfo("meshgrid_xy", lambda m, a, b, c: m.stack(m.meshgrid(a, b, c, indexing="xy")), ((3,), (4,), (2,))),
    OpInfo("cat", lambda m, a, b: m.cat([a, b], 1), ((3, 2), (3, 4))),
    OpInfo("cat_repeated", lambda m, a: m.cat([a, a, a], 0)),
    OpInfo("stack", lambda m, a, b: m.stack([a, b], 1), ((3, 4), (3, 4))),
    OpInfo("split", lambda m, a: m.split(a, 2, 1)[1], ((3, 5),)),
    OpInfo("chunk", lambda m, a: a.chunk(2, 0)[0] * 2, ((5, 3),)),
    # ---- matmul (NumPy's rules: 1-D operands are vectors, batch dims broadcast)
    OpInfo("matmul", lambda m, a, b: a @ b, ((3, 4), (4, 5))),
    OpInfo("matmul_batch", lambda m, a, b: m.matmul(a, b), ((2, 3, 4), (2, 4, 5))),
    OpInfo("matmul_batch_broadcast", lambda m, a, b: a @ b, ((2, 1, 3, 4), (3, 4, 2))),
    OpInfo("matmul_batch_2d", lambda m, a, b: a @ b, ((2, 3, 4), (4, 5))),
    OpInfo("matmul_vec_mat", lambda m, a, b: a @ b, ((4,), (4, 5))),
    OpInfo("matmul_mat_vec", lambda m, a, b: a @ b, ((3, 4), (4,))),
    OpInfo("matmul_dot", lambda m, a, b: a @ b, ((4,), (4,))),
    OpInfo("matmul_batch_vec", lambda m, a, b: a @ b, ((2, 3, 4), (4,))),
    OpInfo("bmm", lambda m, a, b: m.bmm(a, b), ((2, 3, 4), (2, 4, 5))),
    OpInfo("bmm_method", lambda m, a, b: a.bmm(b), ((3, 1, 2), (3, 2, 4))),
    OpInfo("mm", lambda m, a, b: a.mm(b), ((3, 4), (4, 2))),
    OpInfo("mm_function", lambda m, a, b: m.mm(a, b), ((2, 3), (3, 3))),
    # ---- norms (the 2-norm is one fused op; the others composed)
    OpInfo("norm_all", lambda m, a: a.norm()),
    OpInfo("norm_dim_keepdim", lambda m, a: a.norm(2, dim=1, keepdim=True)),
    OpInfo("norm_p1", lambda m, a: a.norm(1, dim=0), domain="nonzero"),
    OpInfo("norm_p3", lambda m, a: m.norm(a, 3), domain="nonzero"),
    OpInfo("vector_norm_inf", lambda m, a: m.linalg.vector_norm(a, float("inf"), dim=1), domain="nonzero"),
    OpInfo("norm_inf_all", lambda m, a: a.norm(float("inf")), domain="nonzero"),
    OpInfo("vector_norm_neg_inf_all", lambda m, a: m.linalg.vector_norm(a, -float("inf")), domain="nonzero"),
    OpInfo("norm_p_half", lambda m, a: a.norm(0.5, dim=0), domain="nonzero"),
    OpInfo("vector_norm_dims", lambda m, a: m.linalg.vector_norm(a, dim=(0, 2)), ((2, 3, 4),)),
    OpInfo("matrix_norm_fro", lambda m, a: m.linalg.matrix_norm(a), ((2, 3, 4),)),
    OpInfo("matrix_norm_1", lambda m, a: m.linalg.matrix_norm(a, 1), domain="nonzero"),
    OpInfo("matrix_norm_neg_inf", lambda m, a: m.linalg.matrix_norm(a, -float("inf")), domain="nonzero"),
    OpInfo("linalg_norm", lambda m, a: m.linalg.norm(a, dim=1)),
    # a 0-d intermediate whose op saves its output (NumPy hands back a scalar there)
    OpInfo("sqrt_of_sum", lambda m, a: (a * a).sum().sqrt()),
    # ---- nn.functional activations
    OpInfo("F.relu", lambda m, a: m.nn.functional.relu(a)),
    OpInfo("F.sigmoid", lambda m, a: m.nn.functional.sigmoid(a)),
    OpInfo("F.tanh", lambda m, a: m.nn.functional.tanh(a)),
    OpInfo("F.gelu", lambda m, a: m.nn.functional.gelu(a)),
    OpInfo("F.gelu_tanh", lambda m, a: m.nn.functional.gelu(a, approximate="tanh")),
    OpInfo("F.leaky_relu", lambda m, a: m.nn.functional.leaky_relu(a, 0.2)),
    OpInfo("F.silu", lambda m, a: m.nn.functional.silu(a)),
    OpInfo("F.softplus", lambda m, a: m.nn.functional.softplus(a)),
    OpInfo("F.softplus_beta_threshold", lambda m, a: m.nn.functional.softplus(a * 10, beta=2.0, threshold=5.0)),
    OpInfo("F.softmax", lambda m, a: m.nn.functional.softmax(a, dim=1)),
    OpInfo("F.log_softmax", lambda m, a: m.nn.functional.log_softmax(a, dim=0)),
    # ---- composites across several ops (the engine sums gradients of reused tensors)
    OpInfo("reuse", lambda m, a: (a * a + a).exp().sum(1) * a.sum(1)),
    OpInfo("chain_mixed", lambda m, a, b: ((a @ b).tanh() - b.mean()).relu().logsumexp(0), ((3, 4), (4, 4))),
]

OPS_BY_NAME = {op.name: op for op in OPS}
assert len(OPS_BY_NAME) == len(OPS), "op names must be unique"

import op_db_vision  # noqa: E402, F401  (appends the vision rows of issue 22 to OPS)
