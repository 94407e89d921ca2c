"""Preparing samples through PyTorch's transforms API: conversion, one-hot targets, composing, resizing.

Written for ``torch``/``torchvision``; the test runs it with mytorch in their place.
"""

import mytorch as torch  # with PyTorch: import torch
from mytorch import datasets  # with PyTorch: from torchvision import datasets
from mytorch.transforms import CenterCrop, Compose, Lambda, Pad, Resize, ToTensor  # torchvision.transforms


def one_hot(label):
    return torch.zeros(10, dtype=torch.float).scatter_(0, torch.tensor(label), value=1)


encoded = datasets.FashionMNIST(root="data", train=True, download=True, transform=ToTensor(),
                                target_transform=Lambda(one_hot))
picture, target = encoded[2]
print(f"picture {tuple(picture.shape)} {picture.dtype} in [{picture.min():.2f}, {picture.max():.2f}]")
print(f"target one-hot {target.tolist()} -> class {int(target.argmax())}")

enlarge = Compose([ToTensor(), Resize((40, 40))])
reframe = Compose([ToTensor(), Pad(2, padding_mode="edge"), CenterCrop(24)])
big = datasets.FashionMNIST(root="data", train=False, transform=enlarge)
framed = datasets.FashionMNIST(root="data", train=False, transform=reframe)
print(f"enlarged to {tuple(big[0][0].shape)}, padded and cropped to {tuple(framed[0][0].shape)}")
print("TUTORIAL COMPLETE")
