"""One training epoch of the ``make demo`` recipe on real Fashion-MNIST, mytorch vs PyTorch.

MLPResNet(784, hidden 256, 3 blocks, BatchNorm1d, dropout 0.1), AdamW(lr 3e-3, weight decay 0.05)
with a one-cycle schedule, batch 128, shuffled, data loading included (mytorch's DataLoader over
FashionMNIST; torch's DataLoader over a TensorDataset of the same float32 images). A second line
gives what data loading adds to a mytorch epoch: one pass of the DataLoader alone against the
training epoch over batches that were built in advance (the ratio is the added fraction).

Each side takes several seconds per epoch, so this suite runs at most 5 rounds.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.utils.data as tud

import mytorch
from benchmarks.runner import Result, compare
from benchmarks.suites.train import _torch_mlpresnet
from mytorch.datasets import FashionMNIST
from mytorch.models import MLPResNet
from mytorch.utils.data import DataLoader

BATCH, HIDDEN, LR, WD = 128, 256, 3e-3, 0.05


def _mytorch_trainer(batches_per_epoch: int, epochs: int = 100):
    model = MLPResNet(784, HIDDEN)
    opt = mytorch.optim.AdamW(model.parameters(), lr=LR, weight_decay=WD)
    sched = mytorch.optim.lr_scheduler.OneCycleLR(opt, max_lr=LR, total_steps=epochs * batches_per_epoch)
    loss_fn = mytorch.nn.CrossEntropyLoss()
    model.train()

    def epoch(batches):
        for x, y in batches:
            opt.zero_grad()
            loss_fn(model(x), y).backward()
            opt.step()
            sched.step()

    return model, epoch


def run(rounds: int) -> list[Result]:
    rounds = min(rounds, 5)
    train = FashionMNIST(train=True)
    loader = DataLoader(train, batch_size=BATCH, shuffle=True)
    steps = len(loader)

    model, mt_epoch = _mytorch_trainer(steps)
    t_model = _torch_mlpresnet(784, HIDDEN)
    t_model.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in model.state_dict().items()})
    t_model.train()
    t_opt = torch.optim.AdamW(t_model.parameters(), lr=LR, weight_decay=WD)
    t_sched = torch.optim.lr_scheduler.OneCycleLR(t_opt, max_lr=LR, total_steps=100 * steps)
    t_loss = torch.nn.CrossEntropyLoss()
    images = (train.data.astype(np.float32) / np.float32(255))[:, None]
    t_loader = tud.DataLoader(tud.TensorDataset(torch.from_numpy(images), torch.from_numpy(train.targets)),
                              batch_size=BATCH, shuffle=True)

    def t_epoch():
        for x, y in t_loader:
            t_opt.zero_grad()
            t_loss(t_model(x.flatten(1)), y).backward()
            t_opt.step()
            t_sched.step()

    results = [compare("demo epoch (MLPResNet-256, AdamW one-cycle)", lambda: mt_epoch(loader), t_epoch, rounds)]

    ready = list(loader)  # batches built once: training on them costs no loading

    def load_only():
        for _ in loader:
            pass

    share = compare("mytorch epoch: loading / training (= share)", load_only, lambda: mt_epoch(ready), rounds)
    share.labels = ("loading", "training")
    results.append(share)
    return results
