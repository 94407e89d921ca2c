"""Building models through PyTorch's API: a Module subclass, Sequential, the layers one by one, parameters.

The model maps a 28×28 picture to 10 scores with two hidden layers of different widths.
Written for ``torch``; the test runs it with mytorch in its place.
"""

import mytorch as torch  # with PyTorch: import torch
from mytorch import nn  # with PyTorch: from torch import nn

device = torch.accelerator.current_accelerator().type if torch.accelerator.is_available() else "cpu"
print(f"building on {device}")


class TwoHidden(nn.Module):
    def __init__(self, widths=(256, 64)):
        super().__init__()
        self.to_vector = nn.Flatten()
        self.body = nn.Sequential(
            nn.Linear(28 * 28, widths[0]),
            nn.Tanh(),
            nn.Linear(widths[0], widths[1]),
            nn.ReLU(),
            nn.Linear(widths[1], 10),
        )

    def forward(self, pictures):
        return self.body(self.to_vector(pictures))


net = TwoHidden().to(device)
print(net)

batch = torch.rand(2, 28, 28, device=device)
scores = net(batch)
chances = nn.Softmax(dim=1)(scores)
assert torch.allclose(chances.sum(1), torch.ones(2))
print(f"predicted classes: {chances.argmax(1)}")

# The same pieces by hand.
pictures = torch.rand(5, 28, 28)
vectors = nn.Flatten()(pictures)
first = nn.Linear(in_features=784, out_features=16)
hidden = first(vectors)
print(f"{tuple(pictures.size())} -> flatten {tuple(vectors.size())} -> linear {tuple(hidden.size())}")
rectified = nn.ReLU()(hidden)
print(f"negative entries before ReLU: {int((hidden < 0).sum())}, after: {int((rectified < 0).sum())}")

chain = nn.Sequential(nn.Flatten(), first, nn.ReLU(), nn.Linear(16, 3))
print(f"sequential output {tuple(chain(pictures).shape)}, softmax rows sum to "
      f"{nn.Softmax(dim=1)(chain(pictures)).sum(1).tolist()}")

total = 0
for name, p in net.named_parameters():
    total += p.numel()
    print(f"{name}: {tuple(p.size())}, first values {p.flatten()[:2].tolist()}")
print(f"{total} parameters in all")

lazy = nn.Sequential(nn.Flatten(), nn.LazyLinear(4)).to(device)
print(f"lazy layer sized itself on first use: {lazy(pictures).shape} {lazy[1]}")
print("TUTORIAL COMPLETE")
