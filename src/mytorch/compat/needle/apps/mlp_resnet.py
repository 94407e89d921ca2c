"""The MLP ResNet of seed 002, Question 5, and its training loop on (Fashion-)MNIST files.

* ``ResidualBlock(dim, hidden_dim, norm, drop_prob)`` = Sequential(Residual(Sequential(
  Linear(dim, hidden_dim), norm(hidden_dim), ReLU(), Dropout(drop_prob), Linear(hidden_dim, dim),
  norm(dim))), ReLU())
* ``MLPResNet(dim, hidden_dim, num_blocks, num_classes, norm, drop_prob)`` = Sequential(
  Linear(dim, hidden_dim), ReLU(), num_blocks × ResidualBlock(hidden_dim, hidden_dim // 2, ...),
  Linear(hidden_dim, num_classes))
* ``epoch(dataloader, model, opt=None)`` seeds ``np.random.seed(4)`` first (as the course
  skeleton does), trains when ``opt`` is given and evaluates otherwise, and returns the average
  error rate and the average softmax loss over the samples.
* ``train_mnist(...)`` trains for ``epochs`` epochs and returns (train error, train loss, test
  error, test loss) of the last epoch.

Run ``python -m mytorch.compat.needle.apps.mlp_resnet DATA_DIR [EPOCHS]`` to train on the four
MNIST-format files in DATA_DIR (``train-images-idx3-ubyte.gz`` and the like).
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np

from .... import no_grad
from .. import data, nn, optim

__all__ = ["MLPResNet", "ResidualBlock", "epoch", "train_mnist"]


def ResidualBlock(dim: int, hidden_dim: int, norm: type = nn.BatchNorm1d, drop_prob: float = 0.1) -> nn.Module:
    """The handout's residual block: ReLU(x + Norm(Linear(Dropout(ReLU(Norm(Linear(x))))))).

    The first Linear maps ``dim`` to ``hidden_dim`` and the second one back to ``dim``; ``norm`` is the
    normalisation module (BatchNorm1d by default) and ``drop_prob`` the dropout probability.
    """
    return nn.Sequential(
        nn.Residual(
            nn.Sequential(
                nn.Linear(dim, hidden_dim),
                norm(hidden_dim),
                nn.ReLU(),
                nn.Dropout(drop_prob),
                nn.Linear(hidden_dim, dim),
                norm(dim),
            )
        ),
        nn.ReLU(),
    )


def MLPResNet(dim: int, hidden_dim: int = 100, num_blocks: int = 3, num_classes: int = 10,
              norm: type = nn.BatchNorm1d, drop_prob: float = 0.1) -> nn.Module:
    """The handout's MLPResNet: Linear(dim, hidden_dim), ReLU, residual blocks, Linear(hidden_dim, num_classes).

    There are ``num_blocks`` blocks, each ``ResidualBlock(hidden_dim, hidden_dim // 2, norm, drop_prob)``.
    """
    return nn.Sequential(
        nn.Linear(dim, hidden_dim),
        nn.ReLU(),
        *[ResidualBlock(hidden_dim, hidden_dim // 2, norm, drop_prob) for _ in range(num_blocks)],
        nn.Linear(hidden_dim, num_classes),
    )


def epoch(dataloader: data.DataLoader, model: nn.Module, opt: optim.Optimizer | None = None) -> tuple[float, float]:
    """One pass over ``dataloader``: train with ``opt`` (model.train()) or evaluate (model.eval())."""
    np.random.seed(4)
    loss_fn = nn.SoftmaxLoss()
    errors, total_loss, n = 0, 0.0, 0
    if opt is None:
        model.eval()
    else:
        model.train()
    for X, y in dataloader:
        if opt is None:
            with no_grad():  # evaluation needs no graph: same numbers, less work
                logits = model(X)
                loss = loss_fn(logits, y)
        else:
            opt.reset_grad()
            logits = model(X)
            loss = loss_fn(logits, y)
            loss.backward()
            opt.step()
        b = y.shape[0]
        errors += int((logits.numpy().argmax(axis=1) != y.numpy()).sum())
        total_loss += float(loss.numpy()) * b
        n += b
    return errors / n, total_loss / n


def train_mnist(batch_size: int = 100, epochs: int = 10, optimizer: type = optim.Adam, lr: float = 0.001,
                weight_decay: float = 0.001, hidden_dim: int = 100, data_dir: str = "data",
                ) -> tuple[float, float, float, float]:
    """Train ``MLPResNet(784, hidden_dim)`` on the MNIST-format files in ``data_dir``.

    Returns (train error, train loss) of the last training epoch and (test error, test loss) of
    the model it leaves.
    """
    np.random.seed(4)
    train_set = data.MNISTDataset(os.path.join(data_dir, "train-images-idx3-ubyte.gz"),
                                  os.path.join(data_dir, "train-labels-idx1-ubyte.gz"))
    test_set = data.MNISTDataset(os.path.join(data_dir, "t10k-images-idx3-ubyte.gz"),
                                 os.path.join(data_dir, "t10k-labels-idx1-ubyte.gz"))
    train_loader = data.DataLoader(train_set, batch_size, shuffle=True)
    test_loader = data.DataLoader(test_set, batch_size)
    model = MLPResNet(784, hidden_dim=hidden_dim)
    opt = optimizer(model.parameters(), lr=lr, weight_decay=weight_decay)
    train_err = train_loss = float("nan")
    for _ in range(epochs):
        train_err, train_loss = epoch(train_loader, model, opt)
    test_err, test_loss = epoch(test_loader, model)
    return train_err, train_loss, test_err, test_loss


def main(argv: list[str] | None = None) -> int:
    """``python -m mytorch.compat.needle.apps.mlp_resnet DATA_DIR [EPOCHS]``: train and print the figures."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m mytorch.compat.needle.apps.mlp_resnet",
                                     description="Train needle's MLPResNet on MNIST-format files.")
    parser.add_argument("data_dir", nargs="?", default="data", help="folder with the four *-ubyte.gz files")
    parser.add_argument("epochs", nargs="?", type=int, default=10)
    args = parser.parse_args(argv)
    if args.epochs < 1:
        parser.error(f"epochs must be at least 1, got {args.epochs}")
    start = time.perf_counter()
    try:
        train_err, train_loss, test_err, test_loss = train_mnist(epochs=args.epochs, data_dir=args.data_dir)
    except (OSError, ValueError) as e:
        print(f"mlp_resnet: {e}", file=sys.stderr)
        return 2
    print(f"train error {train_err:.4f}  train loss {train_loss:.4f}  test error {test_err:.4f}  "
          f"test loss {test_loss:.4f}  ({args.epochs} epochs, {time.perf_counter() - start:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
