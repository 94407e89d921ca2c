"""One training epoch of seed 003's study workload on real Fashion-MNIST, mytorch vs a plain PyTorch script.

The seed MLP 784-1000-1000-10 (ReLU), Adam lr 1e-3, batch 128, 60 000 shuffled samples, data loading
included. mytorch's side is what ``mytorch.train.recipe.run`` does in an epoch (the recipe's model,
optimizer and DataLoader over ``FashionMNIST``, then ``train_epoch``); torch's side is the script a
PyTorch user writes (its DataLoader over a TensorDataset of the same float32 images in memory).
The dropout variant (0.2 input, 0.5 hidden) follows. The last line is data loading's share of a
mytorch epoch: a pass of the DataLoader alone against the epoch on batches built in advance.
Each side takes seconds per call, so this suite runs at most 3 pairs.
"""

from __future__ import annotations

import numpy as np

MAX_PAIRS = 3


def _config(dropout: bool):
    from mytorch.train.recipe import RunConfig

    extra = {"dropout_input": 0.2, "dropout_hidden": 0.5} if dropout else {}
    return RunConfig(model="mlp", hidden=(1000, 1000), optimizer="adam", lr=1e-3, batch_size=128, **extra)


def _mytorch(dropout: bool, part: str = "epoch"):
    from mytorch import nn
    from mytorch.train import train_epoch
    from mytorch.train.recipe import build_model, build_optimizer, input_size, load_datasets
    from mytorch.utils.data import DataLoader

    config = _config(dropout)
    train_set, test_set = load_datasets(config)
    model = build_model(config, *input_size(test_set))
    opt = build_optimizer(config, model.parameters())
    loader = DataLoader(train_set, batch_size=config.batch_size, shuffle=True)
    loss_fn = nn.CrossEntropyLoss()
    if part == "loading":
        return lambda: sum(1 for _ in loader)
    if part == "prebuilt":
        batches = list(loader)
        return lambda: train_epoch(model, batches, loss_fn, opt)
    return lambda: train_epoch(model, loader, loss_fn, opt)


def _torch(dropout: bool):
    import torch
    import torch.utils.data as tud
    from torch import nn

    from mytorch.datasets import FashionMNIST  # only to read the same files; torchvision is not installed

    train = FashionMNIST(train=True)
    images = torch.from_numpy((train.data.astype(np.float32) / np.float32(255))[:, None])
    loader = tud.DataLoader(tud.TensorDataset(images, torch.from_numpy(train.targets.astype(np.int64))),
                            batch_size=128, shuffle=True)
    p_in, p_hidden = (0.2, 0.5) if dropout else (0.0, 0.0)
    model = nn.Sequential(nn.Flatten(), nn.Dropout(p_in), nn.Linear(784, 1000), nn.ReLU(), nn.Dropout(p_hidden),
                          nn.Linear(1000, 1000), nn.ReLU(), nn.Dropout(p_hidden), nn.Linear(1000, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()

    def epoch():
        model.train()
        for x, y in loader:
            opt.zero_grad()
            loss_fn(model(x), y).backward()
            opt.step()

    return epoch


CASES = {
    "study epoch: seed MLP, Adam, b128": {"mytorch": lambda: _mytorch(False), "torch": lambda: _torch(False)},
    "study epoch: seed MLP + dropout 0.2/0.5": {"mytorch": lambda: _mytorch(True), "torch": lambda: _torch(True)},
    "mytorch epoch: data loading / training": {"mytorch:loading": lambda: _mytorch(False, "loading"),
                                               "mytorch:training": lambda: _mytorch(False, "prebuilt")},
}


def summary(results: list) -> list[str]:
    """The epoch target (mytorch/torch <= 0.90) and data loading's share of a mytorch epoch."""
    lines = []
    for r in results:
        if r.labels[1] == "torch":
            verdict = "met" if r.ratio <= 0.90 else "NOT met"
            lines.append(f"  [{r.threads} thr] {r.case}, mytorch/torch: {r.ratio:5.2f}x (target <= 0.90x: {verdict})")
        elif r.labels[0] == "mytorch:loading":
            lines.append(f"  [{r.threads} thr] data loading's share of a mytorch epoch: {r.ratio:.2%} "
                         f"({r.seconds[0] * 1e3:.0f} ms of {r.seconds[1]:.2f} s)")
    return ["targets:", *lines] if lines else []
