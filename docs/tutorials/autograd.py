# %% [markdown]
# # Autograd from scratch, with mytorch
#
# Reverse-mode differentiation in four steps: record the operations while computing, walk them
# backwards, let each operation turn the gradient of its output into gradients of its inputs, and
# add up what reaches each leaf. This page does each step by hand and then lets mytorch's engine do
# it, so the two can be compared number by number. Every code cell below ran when this site was
# built; the text under it is what it printed.
#
# ## A function and its derivative
#
# Take \(f(x, y) = x y + \sin x\). Its partial derivatives are
# \(\partial f/\partial x = y + \cos x\) and \(\partial f/\partial y = x\).

# %%
import math

import mytorch

x = mytorch.tensor(2.0, requires_grad=True)
y = mytorch.tensor(3.0, requires_grad=True)
f = x * y + x.sin()
f.backward()
print("f      =", f.item())
print("df/dx  =", x.grad.item(), " expected", 3.0 + math.cos(2.0))
print("df/dy  =", y.grad.item(), " expected", 2.0)

# %% [markdown]
# ## What was recorded
#
# Each result that needs a gradient carries a `grad_fn`: the node of the operation that made it.
# A node knows its parents, `next_functions`: one `(node, output index)` pair per input, where a
# leaf that requires a gradient is represented by an `AccumulateGrad` node holding the tensor as
# `variable`. These are PyTorch's names and structure, so a graph printed by mytorch reads like
# one printed by PyTorch.

# %%
x = mytorch.tensor(2.0, requires_grad=True)
y = mytorch.tensor(3.0, requires_grad=True)
f = x * y + x.sin()


def show(node, depth=0):
    leaf = getattr(node, "variable", None)
    print("    " * depth + node.name() + (f"  (the leaf {leaf.item()})" if leaf is not None else ""))
    for parent, _ in node.next_functions:
        if parent is not None:
            show(parent, depth + 1)


show(f.grad_fn)

# %% [markdown]
# ## The chain rule by hand
#
# Backward visits the nodes from the output to the leaves. With \(u = x y\), \(v = \sin x\) and
# \(f = u + v\): the gradient of \(f\) is 1; addition passes it unchanged to \(u\) and \(v\);
# multiplication sends \(\bar u \cdot y\) to \(x\) and \(\bar u \cdot x\) to \(y\); the sine sends
# \(\bar v \cos x\) to \(x\). The two contributions to \(x\) are added, because \(x\) was used twice:
#
# \[
# \bar x = \bar u\, y + \bar v \cos x = 3 + \cos 2, \qquad \bar y = \bar u\, x = 2.
# \]

# %%
xv, yv = 2.0, 3.0
f_bar = 1.0
u_bar, v_bar = f_bar, f_bar                  # d(u + v)/du = d(u + v)/dv = 1
x_bar = u_bar * yv + v_bar * math.cos(xv)    # x feeds both u and sin
y_bar = u_bar * xv
print("by hand: ", x_bar, y_bar)
print("mytorch: ", x.grad if x.grad is not None else "(no backward yet)")
f.backward()
print("mytorch: ", x.grad.item(), y.grad.item())

# %% [markdown]
# ## Writing an operation
#
# An operation is a `mytorch.autograd.Function` with a `forward` and a `backward` side by side.
# Both work on tensors, as in PyTorch (inside them no graph is recorded); `ctx` is the node, and it
# keeps what backward needs. Here is
# \(\mathrm{softplus}(x) = \log(1 + e^x)\), whose derivative is the logistic sigmoid
# \(\sigma(x) = 1/(1 + e^{-x})\).

# %%
import numpy as np

from mytorch.autograd import Function, gradcheck


class Softplus(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return a.clamp(min=0) + ((-a.abs()).exp() + 1).log()  # log(1 + e^a) without overflow

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * a.sigmoid()


t = mytorch.linspace(-3, 3, 7, dtype=mytorch.float64, requires_grad=True)
Softplus.apply(t).sum().backward()
print("gradient :", np.round(t.grad.numpy(), 4))
print("sigmoid  :", np.round(t.detach().sigmoid().numpy(), 4))

# %% [markdown]
# A derivative written by hand is checked against finite differences: `gradcheck` perturbs each
# input element by \(\pm\epsilon\) in float64 and compares
# \((f(x + \epsilon) - f(x - \epsilon)) / 2\epsilon\) with what backward returned. mytorch's test
# suite does this for every op in its table.

# %%
t = mytorch.randn(5, dtype=mytorch.float64, requires_grad=True)
print("gradcheck passed:", gradcheck(Softplus.apply, (t,)))

# %% [markdown]
# ## Gradient descent with the engine
#
# With gradients available, minimising a function is a loop: compute the loss, call `backward()`,
# step against the gradient without recording the step (`no_grad`), clear the gradients. Here a
# line \(y = w x + b\) is fitted to noisy points by least squares, and the result is compared with
# NumPy's closed-form solution.

# %%
import matplotlib.pyplot as plt

mytorch.manual_seed(0)
xs = mytorch.linspace(0, 1, 50)
ys = 2.5 * xs - 0.7 + 0.1 * mytorch.randn(50)
w = mytorch.zeros(1, requires_grad=True)
b = mytorch.zeros(1, requires_grad=True)
losses = []
for _ in range(300):
    loss = ((w * xs + b - ys) ** 2).mean()
    loss.backward()
    with mytorch.no_grad():
        w -= 0.5 * w.grad
        b -= 0.5 * b.grad
    w.grad = None
    b.grad = None
    losses.append(loss.item())

slope, intercept = np.polyfit(xs.numpy(), ys.numpy(), 1)
print(f"gradient descent: w = {w.item():.4f}, b = {b.item():.4f}")
print(f"least squares   : w = {slope:.4f}, b = {intercept:.4f}")

fig, ax = plt.subplots(figsize=(5, 3))
ax.semilogy(losses)
ax.set_xlabel("step")
ax.set_ylabel("mean squared error")
ax.set_title("fitting a line by gradient descent")
