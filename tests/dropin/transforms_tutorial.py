"""PyTorch's "Transforms" tutorial idioms, with only the imports changed to mytorch."""

import mytorch as torch  # PyTorch: import torch
from mytorch import datasets  # PyTorch: from torchvision import datasets
from mytorch.transforms import Compose, Lambda, Resize, ToTensor  # PyTorch: from torchvision.transforms import ...

ds = datasets.FashionMNIST(
    root="data",
    train=True,
    download=True,
    transform=ToTensor(),
    target_transform=Lambda(lambda y: torch.zeros(10, dtype=torch.float).scatter_(0, torch.tensor(y), value=1)),
)
image, target = ds[0]
print(f"image {image.shape} {image.dtype}, range [{image.min():.3f}, {image.max():.3f}]")
print(f"one-hot target: {target}")

bigger = datasets.FashionMNIST(root="data", train=False, transform=Compose([ToTensor(), Resize((32, 32))]))
print(f"resized: {bigger[0][0].shape}")
print("TUTORIAL COMPLETE")
