"""Second derivatives of every op and module of the tables, against finite differences (float64).

``gradgradcheck`` differentiates vᵀ·∂f/∂x (computed with ``create_graph=True``) once more, so each
row exercises the op's ``backward_graph``. The rows run in ``fast_mode`` (one random projection
vᵀ·H·u per input, as PyTorch's own op tests do for second derivatives): the full Jacobian of a
convolution's first derivative costs hundreds of double-backward passes, and the first derivatives
are checked entry by entry in test_ops.py. A wrong double backward is caught in fast mode too
(tests/test_autograd_function.py, and the last test here).
"""

from __future__ import annotations

import numpy as np
import pytest

import mytorch
from module_db import MODULES
from mytorch.autograd import gradgradcheck
from op_db import OPS


@pytest.mark.parametrize("op", [op for op in OPS if op.gradcheck and op.gradgradcheck], ids=lambda op: op.name)
def test_op_gradgradcheck(op, rng):
    arrays = op.inputs(rng, np.float64)
    inputs = [mytorch.tensor(a, requires_grad=i not in op.const) for i, a in enumerate(arrays)]
    assert gradgradcheck(lambda *xs: op.fn(mytorch, *xs), inputs, fast_mode=True)


@pytest.mark.parametrize("info", [i for i in MODULES if i.gradcheck and i.gradgradcheck], ids=lambda i: i.name)
def test_module_gradgradcheck(info, rng):
    m = info.make(mytorch).double().train(info.train)
    xs = [mytorch.tensor(x, requires_grad=True) for x in info.inputs(rng, np.float64)]
    ys = [mytorch.tensor(y) for y in (info.targets(rng, np.float64) if info.targets else [])]
    params = list(m.parameters())
    k = len(xs)
    assert gradgradcheck(lambda *args: m(*args[:k], *ys), xs + params, fast_mode=True)
