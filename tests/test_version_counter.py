"""Version counters (issue 13, item 5): backward refuses saved tensors written in place, as PyTorch does.

Every scenario runs on mytorch and on torch: the same ones raise (with PyTorch's message), the
others give the same gradients.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import mytorch

MODIFIED = "one of the variables needed for gradient computation has been modified by an inplace operation"


def outcome(lib, scenario):
    """('raises', message) or ('grad', array) for one library."""
    try:
        g = scenario(lib)
    except RuntimeError as e:
        if "modified by an inplace operation" in str(e):
            return "raises", str(e)
        raise
    return "grad", np.asarray(g.detach().numpy() if hasattr(g, "detach") else g)


def same_outcome(scenario):
    mine, theirs = outcome(mytorch, scenario), outcome(torch, scenario)
    assert mine[0] == theirs[0], f"mytorch {mine}, torch {theirs}"
    if mine[0] == "grad":
        np.testing.assert_allclose(mine[1], theirs[1], rtol=1e-6)
    return mine


def leaf(lib, values=(1.0, 2.0)):
    return lib.tensor(list(values), dtype=lib.float64, requires_grad=True)


# ------------------------------------------------------------------ the cases
def weights_updated_between_forward_and_backward(lib):
    w = leaf(lib)
    y = (w * w).sum()
    with lib.no_grad():
        w.add_(10)  # gradient would be 2 * [11, 12] = [22, 24] instead of [2, 4]
    y.backward()
    return w.grad


def saved_tensor_changed_through_detach(lib):
    w = leaf(lib)
    y = (w * w).sum()
    w.detach().zero_()
    y.backward()
    return w.grad


def saved_tensor_changed_through_a_view_of_detach(lib):
    w = lib.tensor([[1.0, 2.0]], dtype=lib.float64, requires_grad=True)
    y = (w * w).sum()
    w.detach()[0].mul_(0)
    y.backward()
    return w.grad


def setitem_under_no_grad(lib):
    w = leaf(lib)
    y = (w * w).sum()
    with lib.no_grad():
        w[0] = 5.0
    y.backward()
    return w.grad


def saved_output_changed(lib):
    w = leaf(lib)
    e = w.exp()
    with lib.no_grad():
        e.add_(1)
    e.sum().backward()
    return w.grad


def saved_non_leaf_input_changed(lib):
    w = leaf(lib)
    x = lib.tensor([3.0, 4.0], dtype=lib.float64)
    h = x * 2  # no grad: a plain tensor, saved by the Mul below
    y = (h * w).sum()
    h.add_(1)
    y.backward()
    return w.grad


def optimizer_step_between_forward_and_backward(lib):
    w = leaf(lib)
    opt = lib.optim.SGD([w], lr=0.1)
    y = (w * w).sum()
    w.grad = lib.ones_like(w)
    opt.step()
    y.backward()
    return w.grad


def retained_graph_after_a_step(lib):
    w = leaf(lib)
    y = (w * w).sum()
    y.backward(retain_graph=True)
    with lib.no_grad():
        w.sub_(0.1 * w.grad)
    y.backward()
    return w.grad


RAISES = [
    weights_updated_between_forward_and_backward,
    saved_tensor_changed_through_detach,
    saved_tensor_changed_through_a_view_of_detach,
    setitem_under_no_grad,
    saved_output_changed,
    saved_non_leaf_input_changed,
    optimizer_step_between_forward_and_backward,
    retained_graph_after_a_step,
]


@pytest.mark.parametrize("scenario", RAISES, ids=lambda f: f.__name__)
def test_raises_where_torch_raises(scenario):
    kind, message = same_outcome(scenario)
    assert kind == "raises"
    assert message.startswith(MODIFIED) and "is at version" in message and "expected version" in message


def test_message_names_the_op_and_the_versions():
    with pytest.raises(RuntimeError, match=r"\[mytorch.float64 \[2\]\], which is input 0 saved by MulBackward0, "
                                           r"is at version 1; expected version 0 instead"):
        weights_updated_between_forward_and_backward(mytorch)
    with pytest.raises(RuntimeError, match=r"output 0 of ExpBackward0, is at version 1; expected version 0"):
        saved_output_changed(mytorch)


# ------------------------------------------------------------------ no error where torch has none
def step_after_backward_then_new_forward(lib):
    w = leaf(lib)
    for _ in range(3):
        w.grad = None
        y = (w * w * w).sum()
        y.backward()
        with lib.no_grad():
            w.sub_(0.01 * w.grad)
    return w


def write_to_an_input_nothing_saved(lib):
    w = leaf(lib)
    x = lib.tensor([3.0, 4.0], dtype=lib.float64)
    y = (w + x).sum()  # Add saves neither input
    x.add_(1)
    y.backward()
    return w.grad


def write_through_data(lib):
    w = leaf(lib)
    y = (w * w).sum()
    w.data.add_(10)  # .data is outside version tracking in PyTorch too (and gives a wrong gradient)
    y.backward()
    return w.grad


def write_to_a_clone(lib):
    w = leaf(lib)
    c = w.detach().clone()
    y = (w * w).sum()
    c.zero_()
    y.backward()
    return w.grad


def write_before_the_forward(lib):
    w = leaf(lib)
    with lib.no_grad():
        w.mul_(3)
    y = (w * w).sum()
    y.backward()
    return w.grad


@pytest.mark.parametrize(
    "scenario",
    [step_after_backward_then_new_forward, write_to_an_input_nothing_saved, write_through_data, write_to_a_clone,
     write_before_the_forward],
    ids=lambda f: f.__name__,
)
def test_no_error_where_torch_has_none(scenario):
    assert same_outcome(scenario)[0] == "grad"


# Every op of the table: modify each input (and the output) in place after forward. mytorch must
# never raise where torch does not (an op saving more than torch would be a false error). Where
# torch raises, mytorch raises too, or its op did not keep the written tensor (it saved a fresh
# intermediate instead) and its gradient is then the exact one of the forward values.
OPS = {
    "add": lambda lib, a, b: a + b, "sub": lambda lib, a, b: a - b, "mul": lambda lib, a, b: a * b,
    "div": lambda lib, a, b: a / b, "matmul": lambda lib, a, b: a @ b.T, "pow": lambda lib, a, b: a ** 2,
    "exp": lambda lib, a, b: a.exp(), "log": lambda lib, a, b: a.log(), "sqrt": lambda lib, a, b: a.sqrt(),
    "tanh": lambda lib, a, b: a.tanh(), "sigmoid": lambda lib, a, b: a.sigmoid(), "relu": lambda lib, a, b: a.relu(),
    "sum": lambda lib, a, b: a.sum(), "mean": lambda lib, a, b: a.mean(), "reshape": lambda lib, a, b: a.reshape(-1),
    "transpose": lambda lib, a, b: a.T, "getitem": lambda lib, a, b: a[0], "maximum": lambda lib, a, b: a.maximum(b),
    "abs": lambda lib, a, b: a.abs(), "softmax": lambda lib, a, b: a.softmax(dim=1),
    "log_softmax": lambda lib, a, b: a.log_softmax(dim=1),
    # the fused and composed functions of nn.functional that the models use
    "linear": lambda lib, a, b: lib.nn.functional.linear(a, b, b[0]),
    "cross_entropy": lambda lib, a, b: lib.nn.functional.cross_entropy(a, lib.tensor([1, 0])),
    "mse_loss": lambda lib, a, b: lib.nn.functional.mse_loss(a, b),
    "gelu": lambda lib, a, b: lib.nn.functional.gelu(a), "silu": lambda lib, a, b: lib.nn.functional.silu(a),
    "leaky_relu": lambda lib, a, b: lib.nn.functional.leaky_relu(a),
    "softplus": lambda lib, a, b: lib.nn.functional.softplus(a),
    "layer_norm": lambda lib, a, b: lib.nn.functional.layer_norm(a, (2,), b[0], b[1]),
    "batch_norm": lambda lib, a, b: lib.nn.functional.batch_norm(a, None, None, b[0], b[1], training=True),
    "bce_with_logits": lambda lib, a, b: lib.nn.functional.binary_cross_entropy_with_logits(a, b.detach() / 4),
}


@pytest.mark.parametrize("target", ["input 0", "input 1", "output"])
@pytest.mark.parametrize("op", list(OPS))
def test_each_op_never_raises_where_torch_does_not(op, target):
    def scenario(lib, write=True):
        a = lib.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=lib.float64, requires_grad=True)
        b = lib.tensor([[0.5, 3.0], [2.0, 1.5]], dtype=lib.float64, requires_grad=True)
        out = OPS[op](lib, a, b)
        if write:
            with lib.no_grad():
                {"input 0": a, "input 1": b, "output": out}[target].mul_(1.5)
        out.sum().backward()
        return lib.cat([a.grad if a.grad is not None else lib.zeros(2, 2, dtype=lib.float64),
                        b.grad if b.grad is not None else lib.zeros(2, 2, dtype=lib.float64)])

    mine, theirs = outcome(mytorch, scenario), outcome(torch, scenario)
    if mine[0] == "raises":
        assert theirs[0] == "raises", f"{op}: mytorch raises where torch does not: {mine[1]}"
    elif theirs[0] == "raises":  # mytorch kept no alias of what was written: its gradient is the exact one
        np.testing.assert_allclose(mine[1], outcome(torch, lambda lib: scenario(lib, write=False))[1], rtol=1e-10)
    else:
        np.testing.assert_allclose(mine[1], theirs[1], rtol=1e-10)


def test_version_numbers_follow_torch():
    def versions(lib):
        t = lib.zeros(2, 3)
        v, d, data = t[0], t.detach(), t.data
        seen = [t._version]
        t.add_(1)
        seen.append((t._version, v._version, d._version, data._version))
        v.mul_(2)
        d.zero_()
        seen.append((t._version, v._version, d._version, data._version))
        data.fill_(1)
        seen.append((t._version, data._version))
        return seen

    assert versions(mytorch) == versions(torch)
