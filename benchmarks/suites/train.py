"""Full training steps W1–W3 (and their forward+backward part), and the matmul-only floor of W1.

W1  MLP 784-1000-1000-10, batch 128, Adam
W2  MLPResNet(784, 100, 3 blocks, BatchNorm1d, dropout 0.1), batch 100, Adam with weight decay
W3  MLP 784-100-10, batch 100, Adam

A step is zero_grad → forward → cross-entropy → backward → optimizer.step(). Both libraries get
the same architecture, the same float32 data and the same weights (copied across).
"""

from __future__ import annotations

import numpy as np
import torch

import mytorch
import mytorch.models
from benchmarks.runner import Result, compare


class _TorchResidual(torch.nn.Module):
    def __init__(self, fn: torch.nn.Module) -> None:
        super().__init__()
        self.fn = fn

    def forward(self, x):
        return self.fn(x) + x


def _torch_mlp(sizes):
    layers = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        layers += [torch.nn.Linear(a, b), torch.nn.ReLU()]
    return torch.nn.Sequential(*layers[:-1])


def _mytorch_mlp(sizes):
    layers = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        layers += [mytorch.nn.Linear(a, b), mytorch.nn.ReLU()]
    return mytorch.nn.Sequential(*layers[:-1])


def _torch_mlpresnet(dim=784, hidden=100, blocks=3, classes=10, drop=0.1):
    nn = torch.nn

    def block(d, h):
        return nn.Sequential(_TorchResidual(nn.Sequential(
            nn.Linear(d, h), nn.BatchNorm1d(h), nn.ReLU(), nn.Dropout(drop), nn.Linear(h, d), nn.BatchNorm1d(d))),
            nn.ReLU())

    return nn.Sequential(nn.Linear(dim, hidden), nn.ReLU(), *[block(hidden, hidden // 2) for _ in range(blocks)],
                         nn.Linear(hidden, classes))


WORKLOADS = {
    "W1 MLP 784-1000-1000-10 b128 Adam": (
        lambda: _mytorch_mlp([784, 1000, 1000, 10]), lambda: _torch_mlp([784, 1000, 1000, 10]), 128, {}),
    "W2 MLPResNet(784,100,3) b100 Adam+wd": (
        lambda: mytorch.models.MLPResNet(784, 100, 3), lambda: _torch_mlpresnet(), 100, {"weight_decay": 1e-3}),
    "W3 MLP 784-100-10 b100 Adam": (
        lambda: _mytorch_mlp([784, 100, 10]), lambda: _torch_mlp([784, 100, 10]), 100, {}),
}


def _pair(make_mt, make_torch, batch, opt_kwargs, seed=0):
    rng = np.random.default_rng(seed)
    mt_model, t_model = make_mt(), make_torch()
    t_model.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in mt_model.state_dict().items()})
    x_np = rng.standard_normal((batch, 784), dtype=np.float32)
    y_np = rng.integers(0, 10, batch)
    x, y = mytorch.tensor(x_np), mytorch.tensor(y_np)
    tx, ty = torch.tensor(x_np), torch.tensor(y_np)
    mt_opt = mytorch.optim.Adam(mt_model.parameters(), lr=1e-3, **opt_kwargs)
    t_opt = torch.optim.Adam(t_model.parameters(), lr=1e-3, **opt_kwargs)
    mt_loss, t_loss = mytorch.nn.CrossEntropyLoss(), torch.nn.CrossEntropyLoss()

    def mt_step(update=True):
        mt_opt.zero_grad()
        mt_loss(mt_model(x), y).backward()
        if update:
            mt_opt.step()

    def t_step(update=True):
        t_opt.zero_grad()
        t_loss(t_model(tx), ty).backward()
        if update:
            t_opt.step()

    return mt_step, t_step


def _matmul_floor(rounds: int) -> Result:
    """The eight matrix products of one W1 step (3 forward, 5 backward), in NumPy and in torch."""
    rng = np.random.default_rng(0)
    f32 = np.float32
    x = rng.standard_normal((128, 784), dtype=f32)
    ws = [rng.standard_normal(s, dtype=f32) for s in [(1000, 784), (1000, 1000), (10, 1000)]]
    hs = [rng.standard_normal((128, 1000), dtype=f32) for _ in range(2)]
    gs = [rng.standard_normal((128, n), dtype=f32) for n in (1000, 1000, 10)]
    t = {k: [torch.from_numpy(a) for a in v] for k, v in dict(ws=ws, hs=hs, gs=gs).items()}
    tx = torch.from_numpy(x)

    def products(x, ws, hs, gs):
        return (x @ ws[0].T, hs[0] @ ws[1].T, hs[1] @ ws[2].T,  # forward
                gs[2].T @ hs[1], gs[2] @ ws[2], gs[1].T @ hs[0], gs[1] @ ws[1], gs[0].T @ x)  # backward

    return compare("W1 matmul-only floor (8 products)", lambda: products(x, ws, hs, gs),
                   lambda: products(tx, t["ws"], t["hs"], t["gs"]), rounds)


def run(rounds: int) -> list[Result]:
    results = []
    for name, (make_mt, make_torch, batch, kw) in WORKLOADS.items():
        mt_step, t_step = _pair(make_mt, make_torch, batch, kw)
        results.append(compare(f"{name}: full step", mt_step, t_step, rounds))
        results.append(compare(f"{name}: fwd+bwd only", lambda s=mt_step: s(False), lambda s=t_step: s(False), rounds))
    results.append(_matmul_floor(rounds))
    return results
