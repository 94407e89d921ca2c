"""Every row of the module table against PyTorch (weights copied across), and a float64 gradcheck."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import mytorch
from conftest import assert_close, same_dtype
from module_db import MODULES
from mytorch.autograd import gradcheck


def _build(info, dtype):
    """(mytorch module, torch module with the same weights, those weights as arrays)."""
    m, t = info.make(mytorch), info.make(torch)
    if dtype == np.float64:
        m.double()
        t.double()
    state = {k: v.numpy().copy() for k, v in m.state_dict().items()}
    t.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in state.items()})
    m.train(info.train)
    t.train(info.train)
    return m, t, state


def _torch_run(t, xs, ys, train):
    t_in = [torch.tensor(x, requires_grad=True) for x in xs]
    t_args = t_in + [torch.tensor(y) for y in ys]
    if train:
        t(*t_args)
    return t_in, t(*t_args)


def _as64(arrays):
    return [a.astype(np.float64) if a.dtype.kind == "f" else a for a in arrays]


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("info", MODULES, ids=lambda i: i.name)
def test_module_matches_torch(info, dtype, rng):
    m, t, start = _build(info, dtype)
    assert list(m.state_dict()) == list(t.state_dict()), "state_dict keys differ from PyTorch's"
    xs = info.inputs(rng, dtype)
    ys = info.targets(rng, dtype) if info.targets else []
    m_in = [mytorch.tensor(x, requires_grad=True) for x in xs]
    m_args = m_in + [mytorch.tensor(y) for y in ys]

    if info.train:  # a first pass moves running statistics; the second is differentiated
        m(*m_args)
    out_m = m(*m_args)
    t_in, out_t = _torch_run(t, xs, ys, info.train)
    # float32 is judged against torch in float64 on the same values and weights (see conftest.assert_close)
    ref = t
    if dtype == np.float32:
        ref = info.make(torch).double().train(info.train)
        ref.load_state_dict({k: torch.from_numpy(v.astype(np.float64) if v.dtype.kind == "f" else v)
                             for k, v in start.items()})
        r_in, out_r = _torch_run(ref, _as64(xs), _as64(ys), info.train)
    else:
        r_in, out_r = t_in, out_t
    assert same_dtype(out_m.dtype, out_t.dtype)
    assert_close(out_m, out_t, dtype, f"{info.name} forward", reference=out_r)

    grad = rng.standard_normal(out_t.shape).astype(dtype)
    out_m.backward(mytorch.tensor(grad))
    out_t.backward(torch.tensor(grad))
    if out_r is not out_t:
        out_r.backward(torch.tensor(grad.astype(np.float64)))
    for i, (a, b, r) in enumerate(zip(m_in, t_in, r_in)):
        assert_close(a.grad, b.grad, dtype, f"{info.name} input {i} grad", reference=r.grad)
    t_params, r_params = dict(t.named_parameters()), dict(ref.named_parameters())
    for name, p in m.named_parameters():
        assert_close(p.grad, t_params[name].grad, dtype, f"{info.name} {name}.grad", reference=r_params[name].grad)
    t_state, r_state = t.state_dict(), ref.state_dict()
    for name, v in m.state_dict().items():
        assert_close(v, t_state[name], dtype if v.dtype.kind == "f" else np.float64, f"{info.name} state {name}",
                     reference=r_state[name])


@pytest.mark.parametrize("info", [i for i in MODULES if i.gradcheck], ids=lambda i: i.name)
def test_module_gradcheck(info, rng):
    m = info.make(mytorch).double().train(info.train)
    xs = [mytorch.tensor(x, requires_grad=True) for x in info.inputs(rng, np.float64)]
    ys = [mytorch.tensor(y) for y in (info.targets(rng, np.float64) if info.targets else [])]
    params = list(m.parameters())
    k = len(xs)
    assert gradcheck(lambda *args: m(*args[:k], *ys), xs + params)
