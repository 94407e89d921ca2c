"""mytorch.compat.needle: the package, the Tensor conventions, and every op against torch.

Course-style code throughout: ``ndl.Tensor``, ``ndl.ops.*``, ``x.backward()``, ``x.grad.numpy()``.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch

import mytorch.compat.needle as ndl
from mytorch.autograd.function import Function
from mytorch.compat.needle import autograd
from mytorch.nn.functional.loss import CrossEntropyFunction
from mytorch.nn.functional.normalization import Normalize
from mytorch.ops.elementwise import Add, Div, Exp, Log, Mul, Neg, Pow, Relu
from mytorch.ops.linalg import MatMul
from mytorch.ops.reduce import LogSumExp, Sum
from mytorch.ops.shape import Expand, Permute, Reshape

F64 = dict(rtol=1e-10, atol=1e-12)


def t64(a, requires_grad=True) -> ndl.Tensor:
    return ndl.Tensor(np.asarray(a, dtype=np.float64), dtype="float64", requires_grad=requires_grad)


def tt(a) -> torch.Tensor:
    return torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=True)


# ------------------------------------------------------------------------------------ package
def test_import_mytorch_does_not_import_compat():
    code = "import sys, mytorch; assert not any(m.startswith('mytorch.compat') for m in sys.modules); print('ok')"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr


def test_install_alias_lets_course_code_import_needle():
    code = (
        "import sys\n"
        "assert 'needle' not in sys.modules\n"
        "import mytorch.compat.needle; mytorch.compat.needle.install_alias()\n"
        "import needle as ndl, needle.nn as nn, needle.init as init, needle.optim as optim, needle.data as data\n"
        "from needle import ops, autograd\n"
        "from needle.apps.mlp_resnet import MLPResNet\n"
        "assert ndl is mytorch.compat.needle and nn is ndl.nn and ops is ndl.ops and init is ndl.init\n"
        "assert optim is ndl.optim and data is ndl.data and autograd is ndl.autograd\n"
        "assert ndl.summation is ops.summation and isinstance(ndl.cpu(), ndl.Device)\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr


# ------------------------------------------------------------------------------------ Tensor
def test_tensor_defaults_and_dtypes():
    x = ndl.Tensor(np.arange(6.0).reshape(2, 3))  # float64 input, default dtype
    assert x.requires_grad and x.dtype == np.float32 and x.shape == (2, 3)
    assert x.realize_cached_data() is x.cached_data is x.numpy()
    assert x.op is None and x.inputs == [] and x.is_leaf()
    assert ndl.Tensor([1.5, 2.0]).dtype == np.float32
    assert ndl.Tensor(np.array([1, 2], np.uint8)).dtype == np.uint8  # labels keep their dtype
    assert ndl.Tensor([1, 2]).dtype.kind == "i"
    assert ndl.Tensor(np.ones(2), dtype="float64").dtype == np.float64
    assert ndl.Tensor(np.ones(2, np.int64), dtype="float32").dtype == np.float32  # an explicit request wins
    y = ndl.Tensor(x)  # a Tensor keeps its dtype and shares its array
    assert y.cached_data is x.cached_data and y.dtype == np.float32
    with pytest.raises(ValueError, match="device"):
        ndl.Tensor([1.0], device="cuda")


def test_detach_and_data_share_the_array_and_data_assignment_replaces_it():
    x = ndl.Tensor(np.ones((2, 2)))
    d = x.detach()
    assert d.cached_data is x.cached_data and not d.requires_grad and d.op is None
    assert x.data.cached_data is x.cached_data and not x.data.requires_grad
    old = x.numpy()
    x.data = ndl.Tensor(np.zeros(5))  # the shape may change
    assert x.shape == (5,) and x.requires_grad and not x.numpy().any()
    assert np.array_equal(old, np.ones((2, 2)))


def test_tensors_hash_by_identity_and_have_no_elementwise_eq():
    a, b = ndl.Tensor([1.0, 2.0]), ndl.Tensor([1.0, 2.0])
    assert a != b and a == a  # identity, not values
    assert len({a, b}) == 2 and {a: 1}[a] == 1


def live_tensors() -> int:
    return autograd.TENSOR_COUNTER


def test_tensor_counter_counts_live_tensors():
    before = live_tensors()
    xs = [ndl.Tensor(np.ones(3)) for _ in range(5)]
    y = xs[0] + xs[1]
    assert live_tensors() == before + 6
    del xs, y
    assert live_tensors() == before


def test_operators_with_tensors_and_scalars():
    rng = np.random.default_rng(0)
    A, B = rng.uniform(0.5, 2, (3, 4)), rng.uniform(0.5, 2, (3, 4))
    a, b = t64(A), t64(B)
    cases = [
        (a + b, A + B), (a + 2.5, A + 2.5), (2.5 + a, A + 2.5), (a - b, A - B), (a - 1.5, A - 1.5),
        (1.5 - a, 1.5 - A), (a * b, A * B), (a * 3, A * 3), (3 * a, A * 3), (a / b, A / B), (a / 4, A / 4),
        (a**3, A**3), (a**b, A**B), (-a, -A), (a @ t64(B.T), A @ B.T), (a.matmul(t64(B.T)), A @ B.T),
        (a.sum(), A.sum()), (a.sum(axes=(1,)), A.sum(1)), (a.reshape((4, 3)), A.reshape(4, 3)),
        (a.transpose(), A.T), (a.broadcast_to((2, 3, 4)), np.broadcast_to(A, (2, 3, 4))),
    ]
    for out, expected in cases:
        assert isinstance(out, ndl.Tensor) and out.dtype == np.float64
        np.testing.assert_allclose(out.numpy(), expected, **F64)
    f32 = ndl.Tensor(A.astype(np.float32))
    assert (f32 * 2.5).dtype == np.float32 and (f32 + 1).dtype == np.float32  # scalars never upcast


def test_backward_defaults_to_ones_and_replaces_grads():
    rng = np.random.default_rng(1)
    A = rng.normal(size=(3, 4))
    x = t64(A)
    y = ops_chain(x)
    y.backward()  # non-scalar output: out_grad = ones
    xt = tt(A)
    ops_chain_torch(xt).backward(torch.ones(3, 4, dtype=torch.float64))
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), **F64)
    first = x.grad.numpy().copy()
    y.backward()  # the graph can be walked again; needle *replaces* .grad (no accumulation)
    np.testing.assert_allclose(x.grad.numpy(), first, **F64)
    G = rng.normal(size=(3, 4))
    y.backward(t64(G, requires_grad=False))
    xt.grad = None
    ops_chain_torch(xt).backward(torch.tensor(G))
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), **F64)
    assert not x.grad.requires_grad and x.grad.op is None


def ops_chain(x):
    h = ndl.exp(x * 0.5) + x
    return ndl.relu(h) * h


def ops_chain_torch(x):
    h = torch.exp(x * 0.5) + x
    return torch.relu(h) * h


def test_every_tensor_in_the_graph_gets_its_gradient():
    rng = np.random.default_rng(2)
    A, B = rng.normal(size=(2, 3)), rng.normal(size=(3, 2))
    a, b = t64(A), t64(B)
    h = a @ b
    loss = ndl.summation(h * h)
    loss.backward()
    np.testing.assert_allclose(h.grad.numpy(), 2 * (A @ B), **F64)
    np.testing.assert_allclose(a.grad.numpy(), 2 * (A @ B) @ B.T, **F64)
    np.testing.assert_allclose(b.grad.numpy(), A.T @ (2 * (A @ B)), **F64)
    np.testing.assert_allclose(loss.grad.numpy(), 1.0)


def test_requires_grad_can_be_switched_off_on_a_leaf():
    a, b = t64(np.ones(3)), t64(np.full(3, 2.0))
    b.requires_grad = False
    (a * b).sum().backward()
    assert b.grad is None and np.array_equal(a.grad.numpy(), np.full(3, 2.0))


def test_constants_take_no_gradient():
    a = t64(np.ones((2, 2)))
    c = t64(np.full((2, 2), 3.0), requires_grad=False)
    (a * c).sum().backward()
    assert c.grad is None and np.array_equal(a.grad.numpy(), np.full((2, 2), 3.0))
    with pytest.raises(RuntimeError, match="requiring grad"):
        (c * 2).sum().backward()


# ------------------------------------------------------------------------------------ ops vs torch
OPS = [
    # name, needle fn, torch fn, input shapes, domain, core Function the needle op lifts to
    ("add", lambda a, b: ndl.add(a, b), lambda a, b: a + b, ((3, 4), (3, 4)), "real", Add),
    ("add_scalar", lambda a: ndl.add_scalar(a, 1.5), lambda a: a + 1.5, ((3, 4),), "real", Add),
    ("multiply", lambda a, b: ndl.multiply(a, b), lambda a, b: a * b, ((3, 4), (3, 4)), "real", Mul),
    ("mul_scalar", lambda a: ndl.mul_scalar(a, -2.0), lambda a: a * -2.0, ((3, 4),), "real", Mul),
    ("divide", lambda a, b: ndl.divide(a, b), lambda a, b: a / b, ((3, 4), (3, 4)), "positive", Div),
    ("divide_scalar", lambda a: ndl.divide_scalar(a, 3.0), lambda a: a / 3.0, ((3, 4),), "real", Div),
    ("power_scalar", lambda a: ndl.power_scalar(a, 3), lambda a: a**3, ((3, 4),), "real", Pow),
    ("power_scalar_frac", lambda a: ndl.power_scalar(a, 0.5), lambda a: a**0.5, ((3, 4),), "positive", Pow),
    ("matmul", lambda a, b: ndl.matmul(a, b), lambda a, b: a @ b, ((3, 4), (4, 2)), "real", MatMul),
    ("matmul_batched", lambda a, b: ndl.matmul(a, b), lambda a, b: a @ b, ((2, 3, 4), (4, 5)), "real", MatMul),
    ("summation_all", lambda a: ndl.summation(a), lambda a: a.sum(), ((3, 4),), "real", Sum),
    ("summation_int", lambda a: ndl.summation(a, axes=1), lambda a: a.sum(1), ((3, 4),), "real", Sum),
    ("summation_axes", lambda a: ndl.summation(a, axes=(0, 2)), lambda a: a.sum((0, 2)), ((2, 3, 4),), "real",
     Sum),
    ("broadcast_to", lambda a: ndl.broadcast_to(a, (3, 4)), lambda a: a.broadcast_to((3, 4)), ((1, 4),), "real",
     Expand),
    ("broadcast_to_new_axis", lambda a: ndl.broadcast_to(a, (2, 3, 4)), lambda a: a.broadcast_to((2, 3, 4)),
     ((3, 1),), "real", Expand),
    ("reshape", lambda a: ndl.reshape(a, (4, 3)), lambda a: a.reshape(4, 3), ((3, 4),), "real", Reshape),
    ("transpose_default", lambda a: ndl.transpose(a), lambda a: a.transpose(-2, -1), ((2, 3, 4),), "real",
     Permute),
    ("transpose_axes", lambda a: ndl.transpose(a, axes=(0, 2)), lambda a: a.transpose(0, 2), ((2, 3, 4),), "real",
     Permute),
    ("negate", lambda a: ndl.negate(a), lambda a: -a, ((3, 4),), "real", Neg),
    ("log", lambda a: ndl.log(a), lambda a: a.log(), ((3, 4),), "positive", Log),
    ("exp", lambda a: ndl.exp(a), lambda a: a.exp(), ((3, 4),), "real", Exp),
    ("relu", lambda a: ndl.relu(a), lambda a: a.relu(), ((3, 4),), "real", Relu),
    ("logsumexp_all", lambda a: ndl.logsumexp(a), lambda a: a.logsumexp((0, 1)), ((3, 4),), "real", LogSumExp),
    ("logsumexp_axis", lambda a: ndl.logsumexp(a, axes=(1,)), lambda a: a.logsumexp(1), ((3, 4),), "real",
     LogSumExp),
    ("logsumexp_axes", lambda a: ndl.logsumexp(a, axes=(0, 2)), lambda a: a.logsumexp((0, 2)), ((2, 3, 4),),
     "real", LogSumExp),
    ("logsumexp_ties", lambda a: ndl.logsumexp(a, axes=1), lambda a: a.logsumexp(1), ((4, 5),), "ties", LogSumExp),
]


def make_inputs(rng, shapes, domain):
    out = []
    for s in shapes:
        x = rng.normal(size=s)
        if domain == "positive":
            x = np.abs(x) + 0.5
        elif domain == "ties":
            x = np.round(x)  # repeated maxima in a row
        out.append(x)
    return out


@pytest.mark.parametrize("name, fn, tfn, shapes, domain, core_fn", OPS, ids=[o[0] for o in OPS])
def test_op_forward_backward_matches_torch_and_lifts_to_the_core(name, fn, tfn, shapes, domain, core_fn):
    rng = np.random.default_rng(abs(hash(name)) % 2**32)
    arrays = make_inputs(rng, shapes, domain)
    xs, ts = [t64(a) for a in arrays], [tt(a) for a in arrays]
    out, ref = fn(*xs), tfn(*ts)
    assert out.shape == tuple(ref.shape)
    np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), **F64)
    assert isinstance(out._core.grad_fn, core_fn), f"{name} lifts to {type(out._core.grad_fn).__name__}"
    G = rng.normal(size=out.shape)
    out.backward(t64(G, requires_grad=False))
    ref.backward(torch.tensor(G))
    for x, t in zip(xs, ts):
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), err_msg=name, **F64)


def test_logsumexp_is_stable_and_exact_at_ties():
    Z = np.array([[1e4, 1e4, 0.0], [-1e4, 5.0, 5.0], [3.0, 3.0, 3.0]])
    for dtype in ("float32", "float64"):
        z = ndl.Tensor(Z, dtype=dtype)
        out = ndl.logsumexp(z, axes=(1,))
        expected = np.array([1e4 + np.log(2), 5 + np.log(2), 3 + np.log(3)])
        assert np.isfinite(out.numpy()).all()
        np.testing.assert_allclose(out.numpy(), expected, rtol=1e-6)
        out.sum().backward()  # the gradient is softmax: tied maxima share it evenly
        np.testing.assert_allclose(z.grad.numpy(), [[0.5, 0.5, 0], [0, 0.5, 0.5], [1 / 3] * 3], rtol=1e-6, atol=1e-7)
    assert ndl.ops.LogSumExp(axes=(1,)).axes == (1,)


def gradient_check(f, *args, tol=1e-6, backward=False, **kwargs):
    """The course tests' own numerical check (central differences, eps=1e-4) on needle tensors."""
    eps = 1e-4
    numerical_grads = [np.zeros(a.shape) for a in args]
    for i in range(len(args)):
        for j in range(args[i].realize_cached_data().size):
            args[i].realize_cached_data().flat[j] += eps
            f1 = float(f(*args, **kwargs).numpy().sum())
            args[i].realize_cached_data().flat[j] -= 2 * eps
            f2 = float(f(*args, **kwargs).numpy().sum())
            args[i].realize_cached_data().flat[j] += eps
            numerical_grads[i].flat[j] = (f1 - f2) / (2 * eps)
    if not backward:
        out = f(*args, **kwargs)
        computed_grads = [x.numpy() for x in out.op.gradient_as_tuple(ndl.Tensor(np.ones(out.shape)), out)]
    else:
        out = f(*args, **kwargs).sum()
        out.backward()
        computed_grads = [a.grad.numpy() for a in args]
    error = sum(np.linalg.norm(computed_grads[i] - numerical_grads[i]) for i in range(len(args)))
    assert error < tol
    return computed_grads


@pytest.mark.parametrize("backward", [False, True])
def test_course_gradient_check_passes(backward):
    rng = np.random.default_rng(3)
    A = lambda *s: ndl.Tensor(rng.normal(size=s), dtype="float64")  # noqa: E731
    gradient_check(ndl.logsumexp, A(3, 3, 4), axes=(1, 2), backward=backward)
    gradient_check(ndl.logsumexp, A(3, 5), axes=None, backward=backward)
    gradient_check(ndl.summation, A(5, 4), axes=(1,), backward=backward)
    gradient_check(ndl.broadcast_to, A(3, 1), shape=(3, 3), backward=backward)
    gradient_check(ndl.transpose, A(3, 5, 4), axes=(1, 2), backward=backward)
    gradient_check(ndl.matmul, A(6, 5), A(5, 4), backward=backward)
    gradient_check(ndl.divide, A(5, 4), ndl.Tensor(np.abs(rng.normal(size=(5, 4))) + 1, dtype="float64"),
                   backward=backward)


def test_op_compute_runs_the_forward_on_arrays():
    a, b = np.arange(6.0).reshape(2, 3), np.ones((3, 2))
    np.testing.assert_array_equal(ndl.ops.MatMul().compute(a, b), a @ b)
    np.testing.assert_array_equal(ndl.ops.Summation((0,)).compute(a), a.sum(0))
    np.testing.assert_allclose(ndl.ops.LogSumExp((1,)).compute(a), np.log(np.exp(a).sum(1)))
    assert ndl.ops.Summation(()).compute(a) is not None and ndl.summation(t64(a), axes=()).shape == (2, 3)


def test_fused_module_ops_lift_to_the_cores_fused_functions():
    x = t64(np.random.default_rng(4).normal(size=(4, 3)))
    loss = ndl.nn.SoftmaxLoss()(x, ndl.Tensor(np.array([0, 2, 1, 2], np.uint8)))
    assert isinstance(loss._core.grad_fn, CrossEntropyFunction)
    assert isinstance(ndl.nn.LayerNorm1d(3, dtype="float64")(x)._core.grad_fn, Normalize)
    assert isinstance(ndl.nn.BatchNorm1d(3, dtype="float64")(x)._core.grad_fn, Normalize)
    assert all(issubclass(o[-1], Function) for o in OPS)
