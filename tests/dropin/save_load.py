"""PyTorch's "Save and Load the Model" tutorial idioms (plus its checkpoint recipe), imports changed to mytorch.

The tutorial starts from ``torchvision.models.vgg16(weights="IMAGENET1K_V1")``, which downloads
pretrained weights; a small model of our own stands in for it.
"""

import mytorch as torch  # PyTorch: import torch
from mytorch import nn  # PyTorch: from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(16, 32)
        self.fc2 = nn.Linear(32, 4)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


model = Net()
torch.save(model.state_dict(), "model_weights.pth")

model = Net()  # we do not specify ``weights``, i.e. create untrained model
model.load_state_dict(torch.load("model_weights.pth", weights_only=True))
model.eval()

torch.save(model, "model.pth")
model = torch.load("model.pth", weights_only=False)
print(model)

# Saving and loading a general checkpoint for inference and/or resuming training
net = Net()
optimizer = torch.optim.SGD(net.parameters(), lr=0.001, momentum=0.9)
x, target = torch.randn(8, 16), torch.randint(0, 4, (8,))
loss = nn.functional.cross_entropy(net(x), target)
loss.backward()
optimizer.step()

EPOCH = 5
PATH = "model.pt"
LOSS = 0.4

torch.save({
    "epoch": EPOCH,
    "model_state_dict": net.state_dict(),
    "optimizer_state_dict": optimizer.state_dict(),
    "loss": LOSS,
}, PATH)

model = Net()
optimizer = torch.optim.SGD(model.parameters(), lr=0.001, momentum=0.9)

checkpoint = torch.load(PATH, weights_only=True)
model.load_state_dict(checkpoint["model_state_dict"])
optimizer.load_state_dict(checkpoint["optimizer_state_dict"])
epoch = checkpoint["epoch"]
loss = checkpoint["loss"]
print(f"epoch {epoch}, loss {loss}, {type(loss).__name__}")

model.eval()
# - or -
model.train()
print("TUTORIAL COMPLETE")
