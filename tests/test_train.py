"""Models, the training loop, checkpoints (atomic, bit-identical resume) and safetensors interop."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
import torch

import mytorch
from mytorch import models, nn
from mytorch.datasets import FashionMNIST
from mytorch.train import (
    LAST,
    NonFiniteLossError,
    evaluate,
    fit,
    load_checkpoint,
    read_metrics_csv,
    restore,
    save_checkpoint,
    train_epoch,
)
from mytorch.utils.data import DataLoader, Subset


# ---------------------------------------------------------------- models
class _TorchResidual(torch.nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x):
        return self.fn(x) + x


def _torch_mlpresnet(dim, hidden=100, blocks=3, classes=10, drop=0.1, norm=torch.nn.BatchNorm1d):
    nn_ = torch.nn

    def block():
        h = hidden // 2
        return nn_.Sequential(_TorchResidual(nn_.Sequential(
            nn_.Linear(hidden, h), norm(h), nn_.ReLU(), nn_.Dropout(drop), nn_.Linear(h, hidden), norm(hidden))),
            nn_.ReLU())

    return nn_.Sequential(nn_.Linear(dim, hidden), nn_.ReLU(), *[block() for _ in range(blocks)],
                          nn_.Linear(hidden, classes))


@pytest.mark.parametrize("args", [dict(dim=784), dict(dim=15, hidden=2, blocks=3, classes=5),
                                  dict(dim=784, hidden=256, blocks=3), dict(dim=10, hidden=16, blocks=1, classes=2)])
def test_mlpresnet_structure_matches_torch(args):
    ours = models.MLPResNet(args["dim"], args.get("hidden", 100), args.get("blocks", 3), args.get("classes", 10))
    theirs = _torch_mlpresnet(args["dim"], args.get("hidden", 100), args.get("blocks", 3), args.get("classes", 10))
    assert ours.num_parameters() == sum(p.numel() for p in theirs.parameters())
    assert list(ours.state_dict()) == list(theirs.state_dict())
    theirs.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in ours.state_dict().items()})
    ours.eval()
    theirs.eval()
    x = np.random.default_rng(0).standard_normal((4, args["dim"]), dtype=np.float32)
    np.testing.assert_allclose(ours(mytorch.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-5)


def test_mlpresnet_with_layernorm_and_known_count():
    m = models.MLPResNet(784)
    assert m.num_parameters() == 110_860
    ln = models.MLPResNet(15, hidden_dim=2, num_blocks=3, num_classes=5, norm=nn.LayerNorm)
    assert ln.num_parameters() == sum(p.numel() for p in _torch_mlpresnet(15, 2, 3, 5, norm=torch.nn.LayerNorm)
                                      .parameters())


def test_seed_mlps():
    assert [tuple(p.shape) for p in models.MLP0().parameters()] == [(3, 2), (3,)]
    assert [m.out_features for m in models.MLP1() if isinstance(m, nn.Linear)] == [3, 2]
    assert [m.out_features for m in models.MLP4() if isinstance(m, nn.Linear)] == [4, 8, 8, 4, 2]
    assert all(isinstance(m, nn.ReLU) for m in list(models.MLP4())[1::2])
    mlp = models.MLP(784, (1000, 1000), 10, dropout_input=0.2, dropout_hidden=0.5)
    assert [m.p for m in mlp if isinstance(m, nn.Dropout)] == [0.2, 0.5, 0.5]
    assert mlp.num_parameters() == 784 * 1000 + 1000 + 1000 * 1000 + 1000 + 1000 * 10 + 10
    assert mlp(mytorch.zeros(3, 1, 28, 28)).shape == (3, 10)


# ---------------------------------------------------------------- training on real data
@pytest.fixture(scope="module")
def fashion():
    return FashionMNIST(train=True), FashionMNIST(train=False)


def _loaders(fashion, n_train=3000, n_test=1000, batch=100):
    train, test = fashion
    return (DataLoader(Subset(train, range(n_train)), batch_size=batch, shuffle=True),
            DataLoader(Subset(test, range(n_test)), batch_size=500))


def test_short_training_run_learns(fashion):
    mytorch.manual_seed(0)
    train_loader, test_loader = _loaders(fashion)
    model = models.MLPResNet(784, 64)
    opt = mytorch.optim.Adam(model.parameters(), lr=2e-3)
    loss_fn = nn.CrossEntropyLoss()
    before, _ = evaluate(model, test_loader, loss_fn)
    losses = [train_epoch(model, train_loader, loss_fn, opt)[0] for _ in range(2)]
    after, acc = evaluate(model, test_loader, loss_fn)
    assert losses[1] < losses[0] and after < before
    assert acc > 0.75


def _run(fashion, epochs, out, start_from=None):
    mytorch.manual_seed(1)
    train_loader, test_loader = _loaders(fashion, 1000, 500)
    model = models.MLPResNet(784, 32)
    opt = mytorch.optim.AdamW(model.parameters(), lr=3e-3)
    sched = mytorch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    start, history = 0, []
    if start_from is not None:
        ck = load_checkpoint(start_from)
        restore(ck, model, opt, sched)
        start, history = ck.epoch, ck.history
    history = fit(model, train_loader, test_loader, nn.CrossEntropyLoss(), opt, epochs, scheduler=sched, out_dir=out,
                  history=history, start_epoch=start, quiet=True, log=None, plot=False)
    return model, history


def test_resume_is_bit_identical(fashion, tmp_path):
    straight, h_straight = _run(fashion, 2, tmp_path / "a")
    _run(fashion, 1, tmp_path / "b")
    resumed, h_resumed = _run(fashion, 2, tmp_path / "b", start_from=tmp_path / "b" / LAST)
    for a, b in zip(straight.state_dict().values(), resumed.state_dict().values()):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    drop = ("train_seconds", "eval_seconds")
    assert [{k: v for k, v in r.items() if k not in drop} for r in h_straight] == \
           [{k: v for k, v in r.items() if k not in drop} for r in h_resumed]
    assert [r["epoch"] for r in read_metrics_csv(tmp_path / "b" / "metrics.csv")] == [1, 2]


@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning", "ignore:invalid value:RuntimeWarning")
def test_non_finite_loss_stops_without_overwriting_the_checkpoint(fashion, tmp_path):
    mytorch.manual_seed(0)
    train_loader, test_loader = _loaders(fashion, 500, 200)
    model = models.MLP(784, (32,))
    opt = mytorch.optim.SGD(model.parameters(), lr=0.01)
    fit(model, train_loader, test_loader, nn.CrossEntropyLoss(), opt, 1, out_dir=tmp_path, quiet=True, log=None,
        plot=False)
    before = (tmp_path / LAST).read_bytes()
    opt.param_groups[0]["lr"] = 1e30
    with pytest.raises(NonFiniteLossError, match="epoch 2"):
        fit(model, train_loader, test_loader, nn.CrossEntropyLoss(), opt, 3, out_dir=tmp_path, start_epoch=1,
            quiet=True, log=None, plot=False)
    assert (tmp_path / LAST).read_bytes() == before
    assert load_checkpoint(tmp_path / LAST).epoch == 1


# ---------------------------------------------------------------- checkpoints
def test_checkpoint_round_trip_restores_everything(tmp_path):
    mytorch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.Linear(8, 3))
    opt = mytorch.optim.Adam(model.parameters(), lr=0.01, betas=(0.8, 0.99))
    sched = mytorch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.05, total_steps=20)
    x, y = mytorch.randn(16, 4), mytorch.randint(0, 3, (16,))
    for _ in range(3):
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
        sched.step()
    save_checkpoint(tmp_path / "c.safetensors", model, opt, sched, epoch=3, history=[{"epoch": 1}], config={"a": 1})
    expected_next = mytorch.rand(3).numpy()
    mytorch.manual_seed(123)
    model2 = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.Linear(8, 3))
    opt2 = mytorch.optim.Adam(model2.parameters(), lr=0.5)
    sched2 = mytorch.optim.lr_scheduler.OneCycleLR(opt2, max_lr=0.05, total_steps=20)
    ck = load_checkpoint(tmp_path / "c.safetensors")
    restore(ck, model2, opt2, sched2)
    assert ck.epoch == 3 and ck.history == [{"epoch": 1}] and ck.config == {"a": 1}
    np.testing.assert_array_equal(mytorch.rand(3).numpy(), expected_next)  # the generator state came back
    for a, b in zip(model.state_dict().values(), model2.state_dict().values()):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert opt2.param_groups[0]["betas"] == opt.param_groups[0]["betas"]  # beta1 cycled by OneCycleLR
    assert isinstance(opt2.param_groups[0]["betas"], tuple) and opt2.param_groups[0]["lr"] == opt.param_groups[0]["lr"]
    assert json.dumps(sched2.state_dict(), sort_keys=True) == json.dumps(sched.state_dict(), sort_keys=True)
    for _ in range(2):
        for m, o, s in ((model, opt, sched), (model2, opt2, sched2)):
            o.zero_grad()
            nn.functional.cross_entropy(m(x), y).backward()
            o.step()
            s.step()
    for a, b in zip(model.state_dict().values(), model2.state_dict().values()):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_bad_checkpoint_files_give_clear_errors(tmp_path):
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json}")
    with pytest.raises(ValueError, match="not a valid safetensors file"):
        load_checkpoint(bad)
    with pytest.raises(FileNotFoundError, match="no such file"):
        load_checkpoint(tmp_path / "missing.safetensors")
    mytorch.save({"w": mytorch.zeros(2)}, tmp_path / "plain.safetensors")
    with pytest.raises(ValueError, match="not a mytorch checkpoint"):
        load_checkpoint(tmp_path / "plain.safetensors")


_WRITER = textwrap.dedent("""
    import sys
    import mytorch
    from mytorch import nn
    from mytorch.train import save_checkpoint
    model = nn.Sequential(nn.Linear(1000, 1000), nn.Linear(1000, 1000))
    opt = mytorch.optim.Adam(model.parameters())
    i = 0
    while True:
        i += 1
        save_checkpoint(sys.argv[1], model, opt, epoch=i)
        print(i, flush=True)
""")


def test_sigkill_while_writing_leaves_the_previous_checkpoint_loadable(tmp_path):
    path = tmp_path / "ck.safetensors"
    script = tmp_path / "writer.py"
    script.write_text(_WRITER)
    rng = np.random.default_rng(0)
    for _ in range(3):
        proc = subprocess.Popen([sys.executable, str(script), str(path)], stdout=subprocess.PIPE, text=True)
        proc.stdout.readline()  # one checkpoint is complete
        time.sleep(rng.uniform(0.0, 0.3))  # then kill it at a random point, likely mid-write
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        ck = load_checkpoint(path)
        assert ck.epoch >= 1 and set(ck.model) == {"0.weight", "0.bias", "1.weight", "1.bias"}
    # A killed writer may leave its hidden temporary file behind, never a broken checkpoint.
    assert all(p.startswith(".ck.safetensors.") for p in os.listdir(tmp_path) if p.endswith(".tmp"))


# ---------------------------------------------------------------- safetensors interop with PyTorch
def test_weights_trained_in_mytorch_load_into_torch_and_back(tmp_path):
    mytorch.manual_seed(0)
    ours = models.MLPResNet(20, 16, 2, 4)
    opt = mytorch.optim.Adam(ours.parameters(), lr=0.01)
    x_np = np.random.default_rng(0).standard_normal((32, 20), dtype=np.float32)
    x, y = mytorch.tensor(x_np), mytorch.randint(0, 4, (32,))
    for _ in range(5):
        opt.zero_grad()
        nn.functional.cross_entropy(ours(x), y).backward()
        opt.step()
    mytorch.save(ours.state_dict(), tmp_path / "ours.safetensors")

    from safetensors.torch import load_file, save_file

    theirs = _torch_mlpresnet(20, 16, 2, 4)
    theirs.load_state_dict(load_file(tmp_path / "ours.safetensors"))
    ours.eval()
    theirs.eval()
    expected = theirs(torch.tensor(x_np)).detach().numpy()
    np.testing.assert_allclose(expected, ours(x).detach().numpy(), rtol=1e-5, atol=1e-6)

    # and the reverse: a torch model's file into mytorch
    other = _torch_mlpresnet(20, 16, 2, 4).eval()
    save_file(other.state_dict(), tmp_path / "theirs.safetensors")
    ours.load_state_dict(mytorch.load(tmp_path / "theirs.safetensors"))
    expected = other(torch.tensor(x_np)).detach().numpy()
    np.testing.assert_allclose(ours(x).detach().numpy(), expected, rtol=1e-5, atol=1e-6)


def test_save_refuses_bad_input(tmp_path):
    with pytest.raises(TypeError, match="dict of tensors"):
        mytorch.save([mytorch.zeros(1)], tmp_path / "x.safetensors")
    with pytest.raises(TypeError, match="keys must be strings"):
        mytorch.save({1: mytorch.zeros(1)}, tmp_path / "x.safetensors")
    assert not (tmp_path / "x.safetensors").exists()
