"""A small LeNet-style convolutional classifier for Fashion-MNIST, written as a PyTorch user writes one.

Only the imports name mytorch (``import mytorch as torch``, ``mytorch.datasets`` for
``torchvision.datasets``, ``mytorch.transforms`` for ``torchvision.transforms``). It touches the API
surface of PyTorch's CNN material: ``nn.Conv2d``, ``F.max_pool2d``, ``F.relu``, ``torch.flatten``,
``nn.Dropout2d``, ``nn.BatchNorm2d``, ``nn.AdaptiveAvgPool2d``, a training loop with ``optim.SGD``,
an evaluation loop under ``no_grad``, and saving / reloading the weights.
"""

import os

import mytorch as torch  # a PyTorch script: import torch
import mytorch.nn.functional as F  # import torch.nn.functional as F
from mytorch import datasets, nn, optim  # from torch import nn, optim; from torchvision import datasets
from mytorch import transforms as T  # from torchvision import transforms as T
from mytorch.utils.data import DataLoader  # from torch.utils.data import DataLoader

BATCHES = int(os.environ.get("DROPIN_MAX_BATCHES", "0"))  # the test stops each loop after a few batches

torch.manual_seed(1)
to_input = T.Compose([T.ToTensor(), T.Normalize((0.286,), (0.353,))])
train_images = datasets.FashionMNIST("data", train=True, download=True, transform=to_input)
test_images = datasets.FashionMNIST("data", train=False, download=True, transform=to_input)
train_batches = DataLoader(train_images, batch_size=32, shuffle=True)
test_batches = DataLoader(test_images, batch_size=256)


class GarmentNet(nn.Module):
    """Two convolution stages with pooling, then two dense layers."""

    def __init__(self, classes=10):
        super().__init__()
        self.stage1 = nn.Conv2d(1, 8, kernel_size=5, padding=2)  # 28x28 -> 28x28
        self.norm1 = nn.BatchNorm2d(8)
        self.stage2 = nn.Conv2d(8, 16, kernel_size=3)  # 14x14 -> 12x12
        self.drop = nn.Dropout2d(0.1)
        self.squeeze = nn.AdaptiveAvgPool2d((3, 3))
        self.hidden = nn.Linear(16 * 3 * 3, 64)
        self.out = nn.Linear(64, classes)

    def forward(self, images):
        h = F.max_pool2d(F.relu(self.norm1(self.stage1(images))), 2)
        h = self.drop(F.relu(self.stage2(h)))
        h = torch.flatten(self.squeeze(h), 1)
        return self.out(F.relu(self.hidden(h)))


net = GarmentNet()
print(net)
print("trainable values:", sum(p.numel() for p in net.parameters() if p.requires_grad))
criterion = nn.CrossEntropyLoss()
optimizer = optim.SGD(net.parameters(), lr=0.05, momentum=0.9)


def train_one_pass():
    net.train()
    for step, (images, labels) in enumerate(train_batches):
        optimizer.zero_grad()
        loss = criterion(net(images), labels)
        loss.backward()
        optimizer.step()
        if step % 200 == 0:
            print(f"step {step:4d}: loss {loss.item():.3f}")
        if BATCHES and step + 1 >= BATCHES:
            break


def accuracy():
    net.eval()
    right = seen = 0
    with torch.no_grad():
        for k, (images, labels) in enumerate(test_batches):
            guesses = net(images).argmax(dim=1)
            right += (guesses == labels).sum().item()
            seen += labels.size(0)
            if BATCHES and k + 1 >= BATCHES:
                break
    return right / seen


train_one_pass()
print(f"test accuracy after one pass: {accuracy():.3f}")

torch.save(net.state_dict(), "garment_net.pth")
reloaded = GarmentNet()
reloaded.load_state_dict(torch.load("garment_net.pth", weights_only=True))
reloaded.eval()
sample, _ = test_images[0]
with torch.no_grad():
    same = torch.equal(reloaded(sample.unsqueeze(0)), net(sample.unsqueeze(0)))
print("reloaded weights give the same logits:", same)
print("TUTORIAL COMPLETE")
