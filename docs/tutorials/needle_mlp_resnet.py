# %% [markdown]
# # needle's MLPResNet
#
# Seed 002 is CMU 10-714's homework 2: a small library called *needle* and, on top of it, an
# MLP with residual blocks trained on MNIST-format data. `mytorch.compat.needle` is that API on
# mytorch's engine, with the handout's conventions (weights of shape (in, out), `kaiming_uniform`
# from NumPy's global generator, SGD momentum as an average from a zero buffer). After
# `install_alias()`, course code that says `import needle` runs unchanged.

# %%
import time

import numpy as np

import mytorch.compat.needle

mytorch.compat.needle.install_alias()

import needle as ndl  # noqa: E402  (needle exists only after install_alias)
from needle import data, optim  # noqa: E402
from needle.apps.mlp_resnet import MLPResNet, ResidualBlock, epoch  # noqa: E402

a = ndl.Tensor([[1.0, 2.0], [3.0, 4.0]])
print(type(a).__module__, a.shape, "requires_grad =", a.requires_grad)
(a * a).sum().backward()
print("gradient of sum(a * a):", a.grad.numpy().tolist())

# %% [markdown]
# ## The residual block
#
# The handout's block is \(x \mapsto \mathrm{ReLU}(x + F(x))\) with
#
# \[
# F = \mathrm{Norm} \circ \mathrm{Linear} \circ \mathrm{Dropout} \circ \mathrm{ReLU}
#     \circ \mathrm{Norm} \circ \mathrm{Linear}
# \]
#
# reading from the right, and `MLPResNet` stacks such blocks between a first and a last linear layer.

# %%
np.random.seed(0)
print(ResidualBlock(dim=16, hidden_dim=8))
model = MLPResNet(784, hidden_dim=64, num_blocks=2)
print("parameters:", sum(int(np.prod(p.shape)) for p in model.parameters()))

# %% [markdown]
# ## Training on Fashion-MNIST
#
# `MNISTDataset` reads the IDX files (images scaled to \([0, 1]\), flattened); `epoch` is the
# handout's function: one pass that trains when given an optimizer and evaluates otherwise,
# returning the error rate and the mean loss. To stay quick, two epochs on the first 2 000 training images,
# tested on the first 2 000 test images.

# %%
root = "/usr/share/datasets/fashion-mnist"
train_full = data.MNISTDataset(f"{root}/train-images-idx3-ubyte.gz", f"{root}/train-labels-idx1-ubyte.gz")
test_full = data.MNISTDataset(f"{root}/t10k-images-idx3-ubyte.gz", f"{root}/t10k-labels-idx1-ubyte.gz")
test_set = data.NDArrayDataset(test_full.images[:2000], test_full.labels[:2000])
train_set = data.NDArrayDataset(train_full.images[:2000], train_full.labels[:2000])
train_loader = data.DataLoader(train_set, batch_size=100, shuffle=True)
test_loader = data.DataLoader(test_set, batch_size=500)

np.random.seed(4)
model = MLPResNet(784, hidden_dim=64, num_blocks=2)
opt = optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-3)
for k in range(2):
    start = time.perf_counter()
    train_err, train_loss = epoch(train_loader, model, opt)
    print(f"epoch {k + 1}: train error {train_err:.4f}, train loss {train_loss:.4f} "
          f"({time.perf_counter() - start:.1f} s)")
test_err, test_loss = epoch(test_loader, model)
print(f"test error {test_err:.4f}, test loss {test_loss:.4f}")

# %% [markdown]
# The full recipe, `train_mnist(epochs=2, data_dir=root)`, trains on all 60 000 images and reaches
# a test error of about 0.14 (README, "Course code: needle").
