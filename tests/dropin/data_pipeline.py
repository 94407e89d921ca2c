"""Datasets and loaders through PyTorch's API: a built-in dataset, a file-backed Dataset of our own, batching.

The custom dataset reads PNG files listed in a CSV, as a real project's would, through
``torchvision.io.read_image``. Written for ``torch``/``torchvision``; the test runs it with mytorch.
"""

import csv
import os

import matplotlib.pyplot as plt

import mytorch as torch  # with PyTorch: import torch
from mytorch import datasets  # with PyTorch: from torchvision import datasets
from mytorch.io import read_image, write_png  # with PyTorch: from torchvision.io import read_image, write_png
from mytorch.transforms import ToTensor  # with PyTorch: from torchvision.transforms import ToTensor
from mytorch.utils.data import DataLoader, Dataset  # with PyTorch: from torch.utils.data import ...

train_set = datasets.FashionMNIST(root="data", train=True, download=True, transform=ToTensor())
test_set = datasets.FashionMNIST(root="data", train=False, download=True, transform=ToTensor())
print(f"{len(train_set)} training and {len(test_set)} test pictures; raw pixels {train_set.data.dtype} "
      f"{tuple(train_set.data.shape)}, labels {train_set.targets.dtype}")

names = ["top", "trousers", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "boot"]
torch.manual_seed(0)
fig, axes = plt.subplots(2, 4, figsize=(6, 3))
for ax in axes.flat:
    pick = torch.randint(len(train_set), size=(1,)).item()
    picture, label = train_set[pick]
    ax.imshow(picture.squeeze(), cmap="gray")
    ax.set_title(names[label], fontsize=7)
    ax.axis("off")
fig.savefig("gallery.png")
plt.close(fig)


class PngFolderDataset(Dataset):
    """Pictures stored as PNG files, listed with their labels in a CSV file (name,label)."""

    def __init__(self, listing, folder, transform=None, target_transform=None):
        with open(listing, newline="") as f:
            self.rows = [(name, int(label)) for name, label in csv.reader(f)]
        self.folder = folder
        self.transform = transform
        self.target_transform = target_transform

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, index):
        name, label = self.rows[index]
        picture = read_image(os.path.join(self.folder, name))  # uint8, (1, 28, 28)
        if self.transform:
            picture = self.transform(picture)
        if self.target_transform:
            label = self.target_transform(label)
        return picture, label


os.makedirs("pngs", exist_ok=True)
with open("listing.csv", "w", newline="") as f:
    out = csv.writer(f)
    for i in range(10):
        write_png(train_set.data[i].unsqueeze(0), os.path.join("pngs", f"item{i}.png"))
        out.writerow([f"item{i}.png", int(train_set.targets[i])])
mine = PngFolderDataset("listing.csv", "pngs", transform=lambda img: img.float() / 255)
picture, label = mine[4]
assert torch.equal(picture, train_set[4][0]) and label == train_set[4][1]
print(f"PNG dataset: {len(mine)} items; item 4 is a {names[label]} of shape {tuple(picture.shape)}")

loader = DataLoader(train_set, batch_size=32, shuffle=True)
pictures, labels = next(iter(loader))
print(f"one batch: pictures {pictures.size()}, labels {labels.size()}")
plt.imshow(pictures[0].squeeze(), cmap="gray")
plt.savefig("first_of_batch.png")
plt.close()
print(f"the first picture of the batch is a {names[labels[0]]}")
own = next(iter(DataLoader(mine, batch_size=5)))
print(f"our dataset batched: {tuple(own[0].shape)}, labels {own[1].tolist()}")
print("TUTORIAL COMPLETE")
