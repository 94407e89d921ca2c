"""From data to a saved model and a prediction through PyTorch's API, the whole path in one script.

Written for ``torch``/``torchvision``; the test runs it with mytorch in their place.
"""

import os

import mytorch as torch  # with PyTorch: import torch
from mytorch import datasets, nn  # with PyTorch: from torch import nn; from torchvision import datasets
from mytorch.transforms import Compose, Normalize, ToTensor  # with PyTorch: from torchvision.transforms import ...
from mytorch.utils.data import DataLoader  # with PyTorch: from torch.utils.data import DataLoader

LIMIT = int(os.environ.get("DROPIN_MAX_BATCHES", "0"))

prepare = Compose([ToTensor(), Normalize((0.286,), (0.353,))])  # Fashion-MNIST's mean and std
train_set = datasets.FashionMNIST(root="data", train=True, download=True, transform=prepare)
test_set = datasets.FashionMNIST(root="data", train=False, download=True, transform=prepare)
train_batches = DataLoader(train_set, batch_size=100, shuffle=True)
test_batches = DataLoader(test_set, batch_size=100)

pictures, labels = next(iter(test_batches))
print(f"a batch: pictures {pictures.shape} ({pictures.dtype}), labels {labels.shape} ({labels.dtype})")

device = torch.accelerator.current_accelerator().type if torch.accelerator.is_available() else "cpu"
print(f"running on {device}")


class Wide(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.Sequential(nn.Flatten(), nn.Linear(784, 300), nn.GELU(), nn.Linear(300, 10))

    def forward(self, x):
        return self.layers(x)


model = Wide().to(device)
loss_fn = nn.CrossEntropyLoss(label_smoothing=0.05)
optimizer = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=0.01)

model.train()
for i, (x, y) in enumerate(train_batches):
    x, y = x.to(device), y.to(device)
    loss = loss_fn(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if i % 100 == 0 or LIMIT:
        print(f"step {i}: loss {loss.item():.4f}")
    if LIMIT and i + 1 >= LIMIT:
        break

model.eval()
right = total = 0
with torch.no_grad():
    for i, (x, y) in enumerate(test_batches):
        right += (model(x.to(device)).argmax(1) == y.to(device)).sum().item()
        total += len(y)
        if LIMIT and i + 1 >= LIMIT:
            break
print(f"held-out accuracy {right / total:.3f} on {total} pictures")

torch.save(model.state_dict(), "wide.pth")
restored = Wide().to(device)
restored.load_state_dict(torch.load("wide.pth", weights_only=True))
restored.eval()
names = ["top", "trousers", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "boot"]
picture, label = test_set[7]
with torch.no_grad():
    guess = restored(picture.to(device))
    assert torch.equal(guess, model(picture.to(device)))
print(f"restored model says {names[guess[0].argmax(0)]}; the label is {names[label]}")
print("TUTORIAL COMPLETE")
