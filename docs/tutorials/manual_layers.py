# %% [markdown]
# # The manual layers against the autograd core
#
# `mytorch.manual` is the course handouts' "backprop by hand" API (seeds 004 and 000): each layer
# has `forward(A)` and a hand-written `backward(dLdZ)` in plain NumPy, with the handout's
# attributes `W`, `b`, `dLdW`, `dLdb`. The main API derives the same gradients with the autograd
# engine. This page builds one network both ways, copies the weights across, and compares every
# gradient, and then trains both with SGD with momentum to show that they stay together.
#
# ## One layer
#
# The handout's linear layer computes \(Z = A W^\top + \iota_N b^\top\). Its backward stores
# \(\partial L/\partial W = (\partial L/\partial Z)^\top A / N\) and returns
# \(\partial L/\partial A = (\partial L/\partial Z)\, W\).

# %%
import numpy as np

import mytorch
from mytorch import manual, nn

rng = np.random.default_rng(0)
N, C_in, C_hidden, C_out = 8, 5, 7, 3
A0 = rng.standard_normal((N, C_in))
Y = np.eye(C_out)[rng.integers(0, C_out, N)]       # one-hot targets, the handout's form

layer1, act, layer2 = manual.Linear(C_in, C_hidden), manual.ReLU(), manual.Linear(C_hidden, C_out)
for layer in (layer1, layer2):                     # the handout initialises with zeros; use random weights
    layer.W = rng.standard_normal(layer.W.shape) * 0.5
    layer.b = rng.standard_normal(layer.b.shape) * 0.1
loss = manual.CrossEntropyLoss()

Z2 = layer2.forward(act.forward(layer1.forward(A0)))
L = loss.forward(Z2, Y)
dLdZ2 = loss.backward()                            # softmax(Z) - Y, eq. 43: the summed loss's gradient
dLdA1 = layer2.backward(dLdZ2)
dLdZ1 = dLdA1 * act.backward()                     # the handout's activation backward: dA/dZ, elementwise
layer1.backward(dLdZ1)
print("manual loss:", L)

# %% [markdown]
# ## The same network in the core
#
# `nn.Linear` keeps its weight as (out, in) too, so the arrays copy over unchanged; the bias is
# a vector instead of a column. Cross-entropy in the main API takes class indices and averages
# over the batch, which is the handout's \(L\) as well.

# %%
core1, core2 = nn.Linear(C_in, C_hidden, dtype=mytorch.float64), nn.Linear(C_hidden, C_out, dtype=mytorch.float64)
with mytorch.no_grad():
    for core, layer in ((core1, layer1), (core2, layer2)):
        core.weight.copy_(mytorch.tensor(layer.W))
        core.bias.copy_(mytorch.tensor(layer.b[:, 0]))
x = mytorch.tensor(A0)
target = mytorch.tensor(Y.argmax(axis=1))
core_loss = nn.functional.cross_entropy(core2(core1(x).relu()), target)
core_loss.backward()
print("core loss:  ", core_loss.item())
for name, manual_grad, core_grad in [
    ("layer 1 dL/dW", layer1.dLdW, core1.weight.grad), ("layer 1 dL/db", layer1.dLdb[:, 0], core1.bias.grad),
    ("layer 2 dL/dW", layer2.dLdW, core2.weight.grad), ("layer 2 dL/db", layer2.dLdb[:, 0], core2.bias.grad),
]:
    print(f"{name}: max |manual - core| = {np.abs(manual_grad - core_grad.numpy()).max():.2e}")

# %% [markdown]
# The derivatives agree to float64 rounding. (With cross-entropy the handout's `dLdW` is exactly the
# mean loss's gradient: its loss backward is \(N\) times too large, and its linear backward divides
# by \(N\). The package docstring of `mytorch.manual` lists every such convention.)
#
# ## Training both
#
# The handout's `SGD(model, lr, momentum)` updates \(v \leftarrow \mu v + g\), \(W \leftarrow W - \eta v\),
# which is also what `mytorch.optim.SGD` does from the second step on (PyTorch's first step copies
# \(g\) into the buffer, the same value from a zero buffer). Ten steps of each:

# %%
class Model:                                       # the handout's SGD walks model.layers
    layers = [layer1, layer2]


sgd = manual.SGD(Model, lr=0.1, momentum=0.9)
core_sgd = mytorch.optim.SGD([*core1.parameters(), *core2.parameters()], lr=0.1, momentum=0.9)
for step in range(10):
    Z2 = layer2.forward(act.forward(layer1.forward(A0)))
    L = loss.forward(Z2, Y)
    layer1.backward(layer2.backward(loss.backward()) * act.backward())
    sgd.step()
    core_sgd.zero_grad()
    core_loss = nn.functional.cross_entropy(core2(core1(x).relu()), target)
    core_loss.backward()
    core_sgd.step()
    if step % 3 == 0 or step == 9:
        print(f"step {step}: manual loss {L:.6f}   core loss {core_loss.item():.6f}")
print("max |W1 manual - W1 core| after 10 steps:", f"{np.abs(layer1.W - core1.weight.detach().numpy()).max():.2e}")
