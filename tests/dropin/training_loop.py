"""Fitting parameters through PyTorch's API: hyperparameters, a loss, an optimizer, train and evaluation passes.

A small classifier with dropout learns Fashion-MNIST with SGD + momentum. ``DROPIN_MAX_BATCHES``
(set by the test) cuts each pass short. Written for ``torch``; the test runs it with mytorch.
"""

import os

import mytorch as torch  # with PyTorch: import torch
from mytorch import datasets, nn  # with PyTorch: from torch import nn; from torchvision import datasets
from mytorch.transforms import ToTensor  # with PyTorch: from torchvision.transforms import ToTensor
from mytorch.utils.data import DataLoader  # with PyTorch: from torch.utils.data import DataLoader

LIMIT = int(os.environ.get("DROPIN_MAX_BATCHES", "0"))  # 0: full passes

train_set = datasets.FashionMNIST(root="data", train=True, download=True, transform=ToTensor())
test_set = datasets.FashionMNIST(root="data", train=False, download=True, transform=ToTensor())

step_size = 0.05
batch = 128
passes = 3 if not LIMIT else 2
train_batches = DataLoader(train_set, batch_size=batch, shuffle=True)
test_batches = DataLoader(test_set, batch_size=500)

classifier = nn.Sequential(
    nn.Flatten(),
    nn.Linear(784, 200),
    nn.ReLU(),
    nn.Dropout(0.2),
    nn.Linear(200, 10),
)
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(classifier.parameters(), lr=step_size, momentum=0.9)


def one_pass(batches, model, criterion, optimizer):
    model.train()  # dropout on
    seen = 0
    for i, (pictures, labels) in enumerate(batches):
        loss = criterion(model(pictures), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        seen += len(pictures)
        if i % 200 == 0 or LIMIT:
            print(f"  step {i:>4}: loss {loss.item():.4f} after {seen} pictures of {len(batches.dataset)}")
        if LIMIT and i + 1 >= LIMIT:
            break


def measure(batches, model, criterion):
    model.eval()  # dropout off
    total_loss, hits, seen, count = 0.0, 0, 0, 0
    with torch.no_grad():
        for i, (pictures, labels) in enumerate(batches):
            scores = model(pictures)
            total_loss += criterion(scores, labels).item()
            hits += (scores.argmax(1) == labels).type(torch.float).sum().item()
            seen += len(pictures)
            count += 1
            if LIMIT and i + 1 >= LIMIT:
                break
    print(f"  held-out: accuracy {hits / seen:.3f}, mean loss {total_loss / count:.4f} over {seen} pictures")
    return hits / seen


for k in range(passes):
    print(f"pass {k + 1} of {passes}")
    one_pass(train_batches, classifier, criterion, optimizer)
    accuracy = measure(test_batches, classifier, criterion)
print(f"finished with accuracy {accuracy:.3f}")
print("TUTORIAL COMPLETE")
