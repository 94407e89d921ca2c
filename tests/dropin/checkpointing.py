"""Saving and restoring through PyTorch's API: weights only, a whole pickled model, and a resumable checkpoint.

Written for ``torch``; the test runs it with mytorch in its place.
"""

import mytorch as torch  # with PyTorch: import torch
from mytorch import nn  # with PyTorch: from torch import nn


class Scorer(nn.Module):
    def __init__(self):
        super().__init__()
        self.inner = nn.Linear(12, 24)
        self.outer = nn.Linear(24, 3)

    def forward(self, x):
        return self.outer(torch.tanh(self.inner(x)))


torch.manual_seed(1)
probe = torch.randn(5, 12)
original = Scorer()
torch.save(original.state_dict(), "scorer_weights.pth")

copy = Scorer()  # fresh random weights, then the saved ones
copy.load_state_dict(torch.load("scorer_weights.pth", weights_only=True))
copy.eval()
assert torch.equal(copy(probe), original(probe))
print(f"weights restored: {sorted(copy.state_dict())}")

torch.save(original, "scorer_whole.pth")  # the module object itself (needs weights_only=False to read)
whole = torch.load("scorer_whole.pth", weights_only=False)
print(f"whole model restored: {type(whole).__name__} with {sum(p.numel() for p in whole.parameters())} parameters")

# A checkpoint to resume training from: model, optimizer state and bookkeeping in one dict.
net = Scorer()
optimizer = torch.optim.Adam(net.parameters(), lr=1e-2)
targets = torch.randint(0, 3, (5,))
for _ in range(3):
    loss = nn.functional.cross_entropy(net(probe), targets)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
torch.save({"epoch": 3, "model": net.state_dict(), "optimizer": optimizer.state_dict(), "loss": loss.item()},
           "checkpoint.pt")

resumed = Scorer()
resumed_opt = torch.optim.Adam(resumed.parameters(), lr=1e-2)
state = torch.load("checkpoint.pt", weights_only=True)
resumed.load_state_dict(state["model"])
resumed_opt.load_state_dict(state["optimizer"])
print(f"resuming after epoch {state['epoch']} at loss {state['loss']:.4f} ({type(state['loss']).__name__})")

# One more step on each: the resumed pair continues exactly where the original left off.
for model, opt in ((net, optimizer), (resumed, resumed_opt)):
    step_loss = nn.functional.cross_entropy(model(probe), targets)
    opt.zero_grad()
    step_loss.backward()
    opt.step()
assert torch.equal(net(probe), resumed(probe))
resumed.train()
print("TUTORIAL COMPLETE")
