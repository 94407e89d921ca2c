"""Tensor basics through PyTorch's API: creation, attributes, indexing, joining, arithmetic, the NumPy bridge.

Written for ``torch``; the test runs it with mytorch in its place (only this import differs).
"""

import numpy as np

import mytorch as torch  # with PyTorch: import torch

# Three ways in: a nested list, a NumPy array, and the shape of another tensor.
readings = torch.tensor([[0.5, -1.0, 2.0], [3.0, 0.0, -0.5]])
counts = torch.from_numpy(np.arange(6).reshape(2, 3))
print(f"from a list: {readings.dtype}; from NumPy: {counts.dtype}")
print(f"same shape, all ones:\n{torch.ones_like(counts)}")
print(f"same shape, uniform floats: {torch.rand_like(counts, dtype=torch.float).shape}")

size = (3, 2)
print(f"rand{size}: {torch.rand(size).shape}, ones: {torch.ones(size).tolist()}, zeros: {torch.zeros(size).tolist()}")

board = torch.rand(4, 6)
print(f"board: shape {board.shape}, dtype {board.dtype}, device {board.device}")

# Code written for machines with an accelerator still runs here (there is none).
if torch.accelerator.is_available():
    board = board.to(torch.accelerator.current_accelerator())
if torch.cuda.is_available():
    board = board.to("cuda")

# Indexing and slicing: rows, columns, the last axis, and writing through a slice.
m = torch.arange(1.0, 13.0).reshape(3, 4)
print(f"row 1: {m[1]}  column 2: {m[:, 2]}  last column: {m[..., -1]}")
m[:, 0] = -1
m[range(1, 3), 1] = 0  # a Python range as an index, as torch accepts
print(f"after writing:\n{m}")

wide = torch.cat([m, m], dim=1)
tall = torch.stack([m, m]).reshape(-1, 4)
print(f"cat along columns {wide.shape}, stacked rows {tall.shape}")

# Matrix product three ways, and the element-wise product three ways: each trio agrees.
gram1 = m @ m.T
gram2 = m.matmul(m.T)
gram3 = torch.empty_like(gram1)
torch.matmul(m, m.T, out=gram3)
sq1, sq2 = m * m, m.mul(m)
sq3 = torch.empty_like(m)
torch.mul(m, m, out=sq3)
assert torch.equal(gram1, gram2) and torch.equal(gram1, gram3)
assert torch.equal(sq1, sq2) and torch.equal(sq1, sq3)

total = m.sum()
as_python = total.item()
print(f"sum {as_python} is a {type(as_python).__name__}")
m.add_(10)
print(f"in place +10: first row {m[0].tolist()}")

# The NumPy bridge shares memory both ways.
t = torch.zeros(4)
view = t.numpy()
t.add_(2)
print(f"tensor {t.tolist()} -> array {view.tolist()}")
arr = np.full(3, 5.0)
shared = torch.from_numpy(arr)
np.multiply(arr, 2, out=arr)
print(f"array {arr.tolist()} -> tensor {shared.tolist()}")

# A few more functions from the tensor reference.
theta = torch.linspace(0, 3.14159, 4)
print(torch.sin(theta), torch.cos(theta), torch.atan2(theta, torch.full((4,), 2.0)))
gx, gy = torch.meshgrid(torch.arange(4), torch.arange(3), indexing="xy")
print(f"meshgrid xy: {tuple(gx.shape)} {tuple(gy.shape)}")
print(f"batched matmul: {torch.bmm(torch.ones(3, 2, 5), torch.ones(3, 5, 1)).shape}")
print(torch.randint(100, (4,)).shape, torch.normal(2.0, 0.5, size=(3,)).shape)
print("TUTORIAL COMPLETE")
