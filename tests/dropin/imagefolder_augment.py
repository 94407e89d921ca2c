"""An image-folder pipeline through torchvision's API: files on disk, ImageFolder, augmentation, a grid of samples.

The script writes a small class-per-folder tree of PNG files (three clothing classes taken from
Fashion-MNIST, coloured so that colour jitter has something to change), reads it back with
``ImageFolder``, augments each picture, trains a few steps and saves a grid of augmented samples.
Written for ``torch``/``torchvision``; the test runs it with mytorch as both.
"""

import os

import numpy as np

import mytorch as torch  # with PyTorch: import torch
import mytorch as torchvision  # with PyTorch: import torchvision
from mytorch import nn  # with PyTorch: from torch import nn
from mytorch.utils.data import DataLoader  # with PyTorch: from torch.utils.data import DataLoader

T = torchvision.transforms
LIMIT = int(os.environ.get("DROPIN_MAX_BATCHES", "0"))

# 1. Files: root/<class>/<n>.png, RGB, 28x28.
source = torchvision.datasets.FashionMNIST(root="data", train=False, download=True)
keep = {0: "top", 1: "trousers", 7: "sneaker"}
tint = {0: (1.0, 0.6, 0.6), 1: (0.6, 0.6, 1.0), 7: (0.6, 1.0, 0.6)}
written = {name: 0 for name in keep.values()}
for picture, label in zip(source.data, source.targets.tolist()):
    if label not in keep or written[keep[label]] >= 12:
        continue
    name = keep[label]
    os.makedirs(os.path.join("clothes", name), exist_ok=True)
    rgb = (picture.float().unsqueeze(0) * torch.tensor(tint[label]).view(3, 1, 1)).to(torch.uint8)
    torchvision.io.write_png(rgb, os.path.join("clothes", name, f"{written[name]:02d}.png"))
    written[name] += 1

# 2. Augmentation on PIL images, then tensors.
augment = T.Compose([
    T.RandomResizedCrop(24, scale=(0.6, 1.0)),
    T.RandomHorizontalFlip(),
    T.ColorJitter(brightness=0.3, contrast=0.3, saturation=0.3, hue=0.05),
    T.RandomCrop(24, padding=2, padding_mode="reflect"),
    T.ToTensor(),
    T.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5)),
])
plain = T.Compose([T.CenterCrop(24), T.ToTensor(), T.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])
torch.manual_seed(0)
folder = torchvision.datasets.ImageFolder("clothes", transform=augment)
print(f"classes {folder.classes}, mapping {folder.class_to_idx}, {len(folder)} files")
first_path, first_label = folder.samples[0]
print(f"first sample: {os.path.relpath(first_path)} -> {first_label}")
raw = torchvision.io.read_image(first_path)
print(f"read_image: {tuple(raw.shape)} {raw.dtype}")

# 3. Batches of augmented pictures, a few training steps of a small model.
batches = DataLoader(folder, batch_size=12, shuffle=True)
model = nn.Sequential(nn.Flatten(), nn.Linear(3 * 24 * 24, 32), nn.ReLU(), nn.Linear(32, len(folder.classes)))
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
for epoch in range(2 if LIMIT else 10):
    for pictures, labels in batches:
        loss = nn.functional.cross_entropy(model(pictures), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    print(f"epoch {epoch + 1}: last loss {loss.item():.4f}")

check = torchvision.datasets.ImageFolder("clothes", transform=plain)
with torch.no_grad():
    x, y = next(iter(DataLoader(check, batch_size=len(check))))
    print(f"accuracy on the un-augmented pictures: {(model(x).argmax(1) == y).float().mean().item():.2f}")

# 4. A grid of augmented samples, saved as one picture.
grid = torchvision.utils.make_grid(pictures, nrow=6, normalize=True, value_range=(-1, 1), pad_value=1.0)
torchvision.utils.save_image(pictures, "augmented.png", nrow=6, normalize=True, value_range=(-1, 1))
saved = torchvision.io.read_image("augmented.png")
assert tuple(saved.shape) == tuple(grid.shape) == (3, 2 * 26 + 2, 6 * 26 + 2)
print(f"grid {tuple(grid.shape)} saved; mean pixel {np.asarray(saved).mean():.1f}")
print("TUTORIAL COMPLETE")
