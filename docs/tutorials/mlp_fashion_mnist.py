# %% [markdown]
# # An MLP on Fashion-MNIST
#
# A two-layer perceptron trained on Fashion-MNIST (70 000 greyscale 28×28 images of clothes in ten
# classes) with the PyTorch-style API: a `Dataset`, a `DataLoader`, an `nn.Module`, a loss and an
# optimizer. The data comes from Debian's `dataset-fashion-mnist` package, which `make docs`
# installs (`/usr/share/datasets/fashion-mnist`). To keep the documentation build short the model
# trains on the first 3 000 training images for two epochs and is tested on the first 2 000 test
# images; the full sets and ten epochs reach about 0.89 test accuracy with the same code.

# %%
import matplotlib.pyplot as plt
import numpy as np

import mytorch
from mytorch import nn, optim
from mytorch.datasets import FashionMNIST
from mytorch.transforms import ToTensor
from mytorch.utils.data import DataLoader, Subset

mytorch.manual_seed(0)
root = "/usr/share/datasets/fashion-mnist"
train_set = FashionMNIST(root, train=True, transform=ToTensor())
test_set = FashionMNIST(root, train=False, transform=ToTensor())
print(len(train_set), "training images,", len(test_set), "test images")
image, label = train_set[0]
print("one sample:", image.shape, image.dtype, "label", label, f"({train_set.classes[label]})")

# %% [markdown]
# The dataset hands each image to its `transform` as a PIL image (a 28×28 grey-level picture, as
# torchvision's does); `ToTensor` turns it into a float32 tensor of shape (1, 28, 28) with values
# in \([0, 1]\). Here are the first sixteen training images with their labels.

# %%
fig, axes = plt.subplots(2, 8, figsize=(8, 2.4))
for i, ax in enumerate(axes.flat):
    x, y = train_set[i]
    ax.imshow(x[0].numpy(), cmap="gray")
    ax.set_title(train_set.classes[y], fontsize=7)
    ax.axis("off")

# %% [markdown]
# ## The model
#
# The input is flattened to 784 numbers; one hidden layer of 128 units with ReLU; ten outputs,
# the logits \(z\). The loss is the cross-entropy of the softmax,
# \(\ell(z, y) = -z_y + \log \sum_k e^{z_k}\), averaged over the batch.

# %%
model = nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
print(model)
print("parameters:", sum(p.numel() for p in model.parameters()))
loss_fn = nn.CrossEntropyLoss()
opt = optim.Adam(model.parameters(), lr=1e-3)
loader = DataLoader(Subset(train_set, range(3000)), batch_size=64, shuffle=True)
test_loader = DataLoader(Subset(test_set, range(2000)), batch_size=500)

# %% [markdown]
# ## Training and evaluation
#
# The loop is PyTorch's: clear the gradients, forward, loss, backward, step. Evaluation runs under
# `no_grad()`, so no graph is recorded.

# %%
def evaluate(model, loader):
    model.eval()
    correct = total = 0
    with mytorch.no_grad():
        for images, labels in loader:
            correct += (model(images).argmax(dim=1) == labels).sum().item()
            total += labels.shape[0]
    model.train()
    return correct / total


losses = []
for epoch in range(2):
    for images, labels in loader:
        opt.zero_grad()
        loss = loss_fn(model(images), labels)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    print(f"epoch {epoch + 1}: last batch loss {losses[-1]:.4f}, test accuracy {evaluate(model, test_loader):.4f}")

fig, ax = plt.subplots(figsize=(5, 3))
ax.plot(losses, lw=0.8)
ax.plot(np.convolve(losses, np.ones(20) / 20, mode="valid"), lw=2, label="mean of 20 batches")
ax.set_xlabel("batch")
ax.set_ylabel("cross-entropy")
ax.legend()

# %% [markdown]
# ## Which classes get confused
#
# The confusion matrix counts, for each true class (rows), the predicted classes (columns). Shirts,
# T-shirts, pullovers and coats are the hard cases.

# %%
confusion = np.zeros((10, 10), dtype=int)
model.eval()
with mytorch.no_grad():
    for images, labels in test_loader:
        predicted = model(images).argmax(dim=1).numpy()
        np.add.at(confusion, (labels.numpy(), predicted), 1)
print("per-class accuracy:")
for name, row, k in zip(test_set.classes, confusion, range(10)):
    print(f"  {name:12s} {row[k] / row.sum():.3f}")
fig, ax = plt.subplots(figsize=(4.5, 4.5))
ax.imshow(confusion, cmap="Blues")
ax.set_xticks(range(10), test_set.classes, rotation=90, fontsize=7)
ax.set_yticks(range(10), test_set.classes, fontsize=7)
ax.set_xlabel("predicted")
ax.set_ylabel("true")
