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
    m, t = info.make(mytorch), info.make(torch)
    if dtype == np.float64:
        m.double()
        t.double()
    t.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in m.state_dict().items()})
    m.train(info.train)
    t.train(info.train)
    return m, t


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("info", MODULES, ids=lambda i: i.name)
def test_module_matches_torch(info, dtype, rng):
    m, t = _build(info, dtype)
    assert list(m.state_dict()) == list(t.state_dict()), "state_dict keys differ from PyTorch's"
    xs = info.inputs(rng, dtype)
    ys = info.targets(rng, dtype) if info.targets else []
    m_in = [mytorch.tensor(x, requires_grad=True) for x in xs]
    t_in = [torch.tensor(x, requires_grad=True) for x in xs]
    m_args = m_in + [mytorch.tensor(y) for y in ys]
    t_args = t_in + [torch.tensor(y) for y in ys]

    if info.train:  # a first pass moves running statistics; the second is differentiated
        m(*m_args)
        t(*t_args)
    out_m, out_t = m(*m_args), t(*t_args)
    assert same_dtype(out_m.dtype, out_t.dtype)
    assert_close(out_m, out_t, dtype, f"{info.name} forward")

    grad = rng.standard_normal(out_t.shape).astype(dtype)
    out_m.backward(mytorch.tensor(grad))
    out_t.backward(torch.tensor(grad))
    for i, (a, b) in enumerate(zip(m_in, t_in)):
        assert_close(a.grad, b.grad, dtype, f"{info.name} input {i} grad")
    t_params = dict(t.named_parameters())
    for name, p in m.named_parameters():
        assert_close(p.grad, t_params[name].grad, dtype, f"{info.name} {name}.grad")
    t_state = t.state_dict()
    for name, v in m.state_dict().items():
        assert_close(v, t_state[name], dtype if v.dtype.kind == "f" else np.float64, f"{info.name} state {name}")


@pytest.mark.parametrize("info", [i for i in MODULES if i.gradcheck], ids=lambda i: i.name)
def test_module_gradcheck(info, rng):
    m = info.make(mytorch).double().train(info.train)
    xs = [mytorch.tensor(x, requires_grad=True) for x in info.inputs(rng, np.float64)]
    ys = [mytorch.tensor(y) for y in (info.targets(rng, np.float64) if info.targets else [])]
    params = list(m.parameters())
    k = len(xs)
    assert gradcheck(lambda *args: m(*args[:k], *ys), xs + params)
