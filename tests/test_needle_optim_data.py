"""needle's optimizers, data pipeline and MLP ResNet, as a student's HW2 run drives them.

SGD/Adam trajectories against the handout's update written by hand in NumPy; memory flat over 100
steps; transforms and the loader against hand-made NumPy draws; MNISTDataset and DataLoader on the
real Fashion-MNIST files; ``train_mnist`` on Fashion-MNIST (slow).
"""

from __future__ import annotations

import gc
import gzip
import time
import tracemalloc

import numpy as np
import pytest

import mytorch.compat.needle as ndl
from mytorch.compat.needle import autograd, data, nn, optim
from mytorch.compat.needle.apps.mlp_resnet import MLPResNet, ResidualBlock, epoch, main, train_mnist

FASHION = "/usr/share/datasets/fashion-mnist"
F64 = dict(rtol=1e-12, atol=1e-14)


# ------------------------------------------------------------------------------------ optim
def quadratic_problem(seed: int = 0):
    """f(θ) = Σ a⊙(θ − c)² for two parameters; ∇f = 2a⊙(θ − c)."""
    rng = np.random.default_rng(seed)
    shapes = [(4, 3), (1, 3)]
    theta = [rng.normal(size=s) for s in shapes]
    a = [rng.uniform(0.5, 2, s) for s in shapes]
    c = [rng.normal(size=s) for s in shapes]
    params = [nn.Parameter(t.copy(), dtype="float64") for t in theta]

    def loss():
        total = None
        for p, ai, ci in zip(params, a, c):
            d = p - ndl.Tensor(ci, dtype="float64", requires_grad=False)
            term = ndl.summation(d * d * ndl.Tensor(ai, dtype="float64", requires_grad=False))
            total = term if total is None else total + term
        return total

    return params, theta, a, c, loss


@pytest.mark.parametrize("momentum, wd", [(0.0, 0.0), (0.9, 0.0), (0.5, 0.01), (0.0, 0.1)])
def test_sgd_trajectory_is_the_handouts_ema_from_zero(momentum, wd):
    params, theta, a, c, loss = quadratic_problem(1)
    opt = optim.SGD(params, lr=0.05, momentum=momentum, weight_decay=wd)
    u = [np.zeros_like(t) for t in theta]
    for _ in range(25):
        opt.reset_grad()
        loss().backward()
        grads = [p.grad.numpy().copy() for p in params]
        opt.step()
        for i in range(len(theta)):
            g = 2 * a[i] * (theta[i] - c[i]) + wd * theta[i]
            u[i] = momentum * u[i] + (1 - momentum) * g  # from u = 0: the first step is (1 − β)·g
            theta[i] = theta[i] - 0.05 * u[i]
            np.testing.assert_array_equal(params[i].grad.numpy(), grads[i])  # .grad untouched by step()
            np.testing.assert_allclose(params[i].numpy(), theta[i], **F64)


@pytest.mark.parametrize("wd", [0.0, 0.01])
def test_adam_trajectory_is_the_handouts_with_one_t_per_step(wd):
    params, theta, a, c, loss = quadratic_problem(2)
    b1, b2, eps, lr = 0.9, 0.999, 1e-8, 0.01
    opt = optim.Adam(params, lr=lr, beta1=b1, beta2=b2, eps=eps, weight_decay=wd)
    m = [np.zeros_like(t) for t in theta]
    v = [np.zeros_like(t) for t in theta]
    for t in range(1, 31):
        opt.reset_grad()
        loss().backward()
        opt.step()
        assert opt.t == t
        for i in range(len(theta)):
            g = 2 * a[i] * (theta[i] - c[i]) + wd * theta[i]
            m[i] = b1 * m[i] + (1 - b1) * g
            v[i] = b2 * v[i] + (1 - b2) * g**2
            m_hat, v_hat = m[i] / (1 - b1**t), v[i] / (1 - b2**t)
            theta[i] = theta[i] - lr * m_hat / (v_hat**0.5 + eps)
            np.testing.assert_allclose(params[i].numpy(), theta[i], rtol=1e-11, atol=1e-13)


def test_step_replaces_arrays_skips_params_without_grad_and_reset_grad_clears():
    w, b = nn.Parameter(np.ones(3)), nn.Parameter(np.ones(2))
    opt = optim.SGD([w, b], lr=0.5)
    old = w.numpy()
    (w * w).sum().backward()
    opt.step()
    np.testing.assert_array_equal(old, np.ones(3))  # an array taken earlier keeps its values
    np.testing.assert_array_equal(w.numpy(), np.zeros(3))
    np.testing.assert_array_equal(b.numpy(), np.ones(2))  # no grad: untouched
    opt.reset_grad()
    assert w.grad is None and b.grad is None
    assert w.dtype == np.float32


@pytest.mark.parametrize("make_opt", [
    lambda ps: optim.SGD(ps, lr=0.01, momentum=0.9, weight_decay=1e-3),
    lambda ps: optim.Adam(ps, lr=1e-3, weight_decay=1e-3),
], ids=["SGD", "Adam"])
def test_memory_stays_flat_over_100_steps(make_opt):
    np.random.seed(0)
    model = MLPResNet(20, hidden_dim=16, num_blocks=2, num_classes=5)
    opt = make_opt(model.parameters())
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(32, 20)).astype(np.float32), rng.integers(0, 5, 32).astype(np.uint8)
    loss_fn = nn.SoftmaxLoss()

    def step():
        opt.reset_grad()
        loss = loss_fn(model(ndl.Tensor(X)), ndl.Tensor(y))
        loss.backward()
        opt.step()
        return float(loss.numpy())

    losses = [step() for _ in range(10)]
    gc.collect()
    tracemalloc.start()
    counts = []
    try:
        base = tracemalloc.get_traced_memory()[0]
        for _ in range(90):
            losses.append(step())
            counts.append(autograd.TENSOR_COUNTER)
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
    assert len(set(counts)) == 1, f"live needle tensors changed over the steps: {sorted(set(counts))}"
    assert grown < 64 * 1024, f"memory grew by {grown} bytes over 90 optimizer steps"
    assert losses[-1] < losses[0]


@pytest.mark.parametrize("make_opt", [
    lambda ps: optim.SGD(ps, lr=0.01),
    lambda ps: optim.SGD(ps, lr=0.01, momentum=0.9, weight_decay=0.01),
    lambda ps: optim.Adam(ps, lr=0.001, weight_decay=0.01),
], ids=["sgd", "sgd-momentum", "adam"])
def test_optimizer_steps_leave_no_needle_tensor_alive(make_opt):
    """The course's memory check counts live needle Tensors: the optimizer's state is arrays, so the count
    after a step (the first one included, which creates the state) equals the count before it."""
    np.random.seed(0)
    model = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 3))
    x = ndl.Tensor(np.random.randn(5, 6).astype(np.float32))
    y = ndl.Tensor(np.array([0, 2, 1, 1, 0], np.uint8))
    opt = make_opt(model.parameters())
    loss_fn = nn.SoftmaxLoss()
    for _ in range(3):
        opt.reset_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        del loss
        gc.collect()
        before = autograd.TENSOR_COUNTER
        opt.step()
        gc.collect()
        counted = autograd.TENSOR_COUNTER
        assert counted == before, "optimizer.step() left needle Tensors alive"
    state = [*getattr(opt, "u", {}).values(), *getattr(opt, "m", {}).values(), *getattr(opt, "v", {}).values()]
    assert all(type(a) is np.ndarray for a in state)


# ------------------------------------------------------------------------------------ transforms
def test_random_flip_horizontal_draws_one_rand_per_image_and_flips_w():
    img = np.arange(2 * 3 * 2, dtype=np.float32).reshape(2, 3, 2)  # H=2, W=3, C=2
    flip = data.RandomFlipHorizontal(p=0.5)
    for seed in range(20):
        np.random.seed(seed)
        out = flip(img)
        state = np.random.get_state()[2]
        np.random.seed(seed)
        flipped = np.random.rand() < 0.5
        assert np.random.get_state()[2] == state
        np.testing.assert_array_equal(out, img[:, ::-1, :] if flipped else img)


def test_random_crop_draws_shift_x_along_h_and_zero_pads():
    img = np.arange(1, 5 * 4 + 1, dtype=np.float32).reshape(5, 4, 1)  # H=5, W=4
    crop = data.RandomCrop(padding=2)
    for seed in range(20):
        np.random.seed(seed)
        out = crop(img)
        np.random.seed(seed)
        sx, sy = np.random.randint(low=-2, high=3, size=2)
        expected = np.zeros_like(img)
        for i in range(5):
            for j in range(4):
                if 0 <= i + sx < 5 and 0 <= j + sy < 4:
                    expected[i, j] = img[i + sx, j + sy]
        assert out.shape == img.shape
        np.testing.assert_array_equal(out, expected)


# ------------------------------------------------------------------------------------ loader
def test_dataloader_batches_in_order_and_one_permutation_per_epoch():
    X = np.arange(23 * 2, dtype=np.float32).reshape(23, 2)
    y = np.arange(23, dtype=np.int64)
    ds = data.NDArrayDataset(X, y)
    assert len(ds) == 23 and ds[3][1] == 3
    loader = data.DataLoader(ds, batch_size=5)
    batches = list(loader)
    expected = np.array_split(np.arange(23), range(5, 23, 5))
    assert len(batches) == len(loader) == 5
    for (bx, by), idx in zip(batches, expected):
        assert isinstance(bx, ndl.Tensor) and isinstance(by, ndl.Tensor)
        np.testing.assert_array_equal(bx.numpy(), X[idx])
        np.testing.assert_array_equal(by.numpy(), y[idx])
    assert batches[-1][0].shape == (3, 2)

    loader = data.DataLoader(ds, batch_size=4, shuffle=True)
    np.random.seed(9)
    epochs = [np.concatenate([b[1].numpy() for b in loader]) for _ in range(2)]
    np.random.seed(9)
    perms = [np.random.permutation(23), np.random.permutation(23)]
    for got, perm in zip(epochs, perms):
        np.testing.assert_array_equal(got, perm)
    assert not np.array_equal(epochs[0], epochs[1])
    with pytest.raises(ValueError, match="batch_size"):
        data.DataLoader(ds, batch_size=0)


@pytest.fixture(scope="module")
def fashion():
    return (
        data.MNISTDataset(f"{FASHION}/train-images-idx3-ubyte.gz", f"{FASHION}/train-labels-idx1-ubyte.gz"),
        data.MNISTDataset(f"{FASHION}/t10k-images-idx3-ubyte.gz", f"{FASHION}/t10k-labels-idx1-ubyte.gz"),
    )


def raw(path: str, offset: int) -> np.ndarray:
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=offset)


def test_mnist_dataset_on_real_fashion_mnist(fashion):
    train, test = fashion
    assert len(train) == 60_000 and len(test) == 10_000
    pixels = raw(f"{FASHION}/t10k-images-idx3-ubyte.gz", 16).reshape(10_000, 784)
    labels = raw(f"{FASHION}/t10k-labels-idx1-ubyte.gz", 8)
    x, y = test[17]
    assert x.shape == (784,) and x.dtype == np.float32 and x.min() >= 0 and x.max() <= 1
    np.testing.assert_allclose(x, pixels[17] / 255, rtol=1e-6)
    assert y == labels[17] and train.labels.dtype == np.uint8
    np.testing.assert_array_equal(np.bincount(train.labels), [6000] * 10)
    xb, yb = test[np.array([3, 1, 4])]
    assert xb.shape == (3, 784)
    np.testing.assert_array_equal(yb, labels[[3, 1, 4]])


def test_mnist_dataset_transforms_see_28x28x1_images_in_draw_order():
    tforms = [data.RandomCrop(3), data.RandomFlipHorizontal(0.5)]
    ds = data.MNISTDataset(f"{FASHION}/t10k-images-idx3-ubyte.gz", f"{FASHION}/t10k-labels-idx1-ubyte.gz",
                           transforms=tforms)
    plain = data.MNISTDataset(f"{FASHION}/t10k-images-idx3-ubyte.gz", f"{FASHION}/t10k-labels-idx1-ubyte.gz")
    np.random.seed(5)
    got = [ds[i][0] for i in (0, 1, 2)]
    batch = ds[np.array([0, 1, 2])][0]  # a batch is transformed image by image, in order
    np.random.seed(5)
    expected = []
    for i in (0, 1, 2):
        img = plain[i][0].reshape(28, 28, 1)
        sx, sy = np.random.randint(-3, 4, size=2)
        img = np.pad(img, ((3, 3), (3, 3), (0, 0)))[3 + sx : 31 + sx, 3 + sy : 31 + sy]
        if np.random.rand() < 0.5:
            img = img[:, ::-1, :]
        expected.append(img.reshape(-1))
    for g, e in zip(got, expected):
        np.testing.assert_array_equal(g, e)
    assert batch.shape == (3, 784) and not np.array_equal(batch, np.stack(expected))  # fresh draws


def test_dataloader_on_real_fashion_mnist(fashion):
    _, test = fashion
    loader = data.DataLoader(test, batch_size=128)
    batches = list(loader)
    assert len(batches) == 79 and batches[-1][0].shape == (10_000 - 78 * 128, 784)
    np.testing.assert_array_equal(batches[0][0].numpy(), test.images[:128])
    np.testing.assert_array_equal(batches[5][1].numpy(), test.labels[640:768])
    assert batches[0][1].dtype == np.uint8


def test_mnist_dataset_bad_files_name_the_file(tmp_path):
    bad = tmp_path / "images.gz"
    with gzip.open(bad, "wb") as f:
        f.write(b"\x00\x00\x08\x03\x00\x00\x00\x05")  # header cut short
    with pytest.raises(ValueError, match="images.gz"):
        data.MNISTDataset(bad, f"{FASHION}/t10k-labels-idx1-ubyte.gz")
    with pytest.raises(ValueError, match="10000 images but .* 60000 labels"):
        data.MNISTDataset(f"{FASHION}/t10k-images-idx3-ubyte.gz", f"{FASHION}/train-labels-idx1-ubyte.gz")


# ------------------------------------------------------------------------------------ MLP ResNet
def test_residual_block_and_mlp_resnet_structure():
    block = ResidualBlock(10, 6, norm=nn.LayerNorm1d, drop_prob=0.2)
    res, relu = block.modules
    assert isinstance(res, nn.Residual) and isinstance(relu, nn.ReLU)
    kinds = [type(m) for m in res.fn.modules]
    assert kinds == [nn.Linear, nn.LayerNorm1d, nn.ReLU, nn.Dropout, nn.Linear, nn.LayerNorm1d]
    assert res.fn.modules[0].weight.shape == (10, 6) and res.fn.modules[4].weight.shape == (6, 10)
    assert res.fn.modules[3].p == 0.2
    model = MLPResNet(784, hidden_dim=100, num_blocks=3, num_classes=10)
    mods = model.modules
    assert len(mods) == 6 and isinstance(mods[0], nn.Linear) and isinstance(mods[-1], nn.Linear)
    assert mods[2].modules[0].fn.modules[0].weight.shape == (100, 50)
    assert isinstance(mods[2].modules[0].fn.modules[1], nn.BatchNorm1d)
    n_params = sum(p.numpy().size for p in model.parameters())
    per_block = 100 * 50 + 50 + 2 * 50 + 50 * 100 + 100 + 2 * 100
    assert n_params == 784 * 100 + 100 + 3 * per_block + 100 * 10 + 10


def test_epoch_trains_or_evaluates_and_is_seeded():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 12)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.uint8)
    loader = data.DataLoader(data.NDArrayDataset(X, y), batch_size=25, shuffle=True)
    np.random.seed(1)
    model = MLPResNet(12, hidden_dim=16, num_blocks=1, num_classes=2)
    before = [p.numpy().copy() for p in model.parameters()]
    err0, loss0 = epoch(loader, model)
    assert not model.training and isinstance(err0, float) and isinstance(loss0, float)
    assert epoch(loader, model) == (err0, loss0)  # eval: deterministic, parameters untouched
    assert all(np.array_equal(a, p.numpy()) for a, p in zip(before, model.parameters()))
    opt = optim.Adam(model.parameters(), lr=0.01)
    for _ in range(5):
        err, loss = epoch(loader, model, opt)
    assert model.training and loss < loss0 and 0 <= err <= 1
    np.random.seed(1)
    twin = MLPResNet(12, hidden_dim=16, num_blocks=1, num_classes=2)
    twin_opt = optim.Adam(twin.parameters(), lr=0.01)
    for _ in range(5):
        twin_err, twin_loss = epoch(loader, twin, twin_opt)
    assert (twin_err, twin_loss) == (err, loss)  # same seeds, same draws: the same run bit for bit


def test_main_reports_a_missing_data_dir_in_one_line(tmp_path, capsys):
    assert main([str(tmp_path / "nowhere"), "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "nowhere" in err[0] and "train-images-idx3-ubyte.gz" in err[0]


@pytest.mark.slow
def test_train_mnist_on_fashion_mnist_reaches_85_percent_in_two_epochs():
    start = time.perf_counter()
    train_err, train_loss, test_err, test_loss = train_mnist(epochs=2, data_dir=FASHION)
    seconds = time.perf_counter() - start
    print(f"needle train_mnist, Fashion-MNIST, 2 epochs: train error {train_err:.4f}, train loss {train_loss:.4f}, "
          f"test error {test_err:.4f}, test loss {test_loss:.4f}, {seconds:.1f} s")
    assert test_err < 0.15 and train_err < 0.2
    assert 0 < test_loss < 0.5 and 0 < train_loss < 0.5


def test_a_course_style_training_run():
    """The course's own ``learn_model_1d`` harness, as its HW2 tests drive a student's optimizers."""

    def learn_model_1d(feature_size, nclasses, _model, optimizer, epochs=1, **kwargs):
        np.random.seed(42)
        model = _model([])
        X = ndl.Tensor(np.random.randn(1024, feature_size)).cached_data
        y = ndl.Tensor(np.random.randint(0, nclasses, size=1024)).cached_data.astype(np.uint8)
        m = X.shape[0]
        batch = 32
        loss_func = nn.SoftmaxLoss()
        opt = optimizer(model.parameters(), **kwargs)
        for _ in range(epochs):
            for X0, y0 in zip(np.array_split(X, m // batch), np.array_split(y, m // batch)):
                opt.reset_grad()
                X0, y0 = ndl.Tensor(X0, dtype="float32"), ndl.Tensor(y0)
                out = model(X0)
                loss = loss_func(out, y0)
                loss.backward()
                grad_before = model.parameters()[0].grad.detach().cached_data
                opt.step()
                grad_after = model.parameters()[0].grad.detach().cached_data
                np.testing.assert_allclose(grad_before, grad_after, rtol=1e-5, atol=1e-5,
                                           err_msg="Optim should not modify gradients in place")
        return np.array(loss.cached_data)

    def make(_):
        return nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.BatchNorm1d(32), nn.Linear(32, 16))

    first = learn_model_1d(64, 16, make, optim.SGD, lr=0.01, momentum=0.9)
    again = learn_model_1d(64, 16, make, optim.SGD, lr=0.01, momentum=0.9)
    assert first.shape == () and first.dtype == np.float32 and np.isfinite(first)
    assert first == again  # seeded: the same numbers draw for draw
    adam_1 = learn_model_1d(64, 16, make, optim.Adam, lr=0.01, epochs=1)
    adam_3 = learn_model_1d(64, 16, make, optim.Adam, lr=0.01, epochs=3)
    assert adam_3 < adam_1  # random labels, but the batches get memorised


def test_the_abstract_bases_name_what_a_subclass_must_define():
    for cls, missing in ((optim.Optimizer, "step"), (data.Dataset, "__getitem__"), (data.Transform, "__call__"),
                         (autograd.Op, "lift")):
        with pytest.raises(TypeError, match=missing):
            cls([]) if cls is optim.Optimizer else cls()
