"""Automatic differentiation through PyTorch's API: graphs, gradients, accumulation and the no-grad modes.

A one-layer logistic model scores four features against three yes/no targets.
Written for ``torch``; the test runs it with mytorch in its place.
"""

import mytorch as torch  # with PyTorch: import torch

torch.manual_seed(7)
features = torch.tensor([0.2, -1.3, 0.7, 2.0])
answers = torch.tensor([1.0, 0.0, 1.0])
weight = torch.randn(4, 3, requires_grad=True)
bias = torch.zeros(3, requires_grad=True)

scores = features @ weight + bias
loss = torch.nn.functional.binary_cross_entropy_with_logits(scores, answers)
print(f"scores came from {scores.grad_fn.name()}; the loss from {loss.grad_fn.name()}")

loss.backward()
print(f"dloss/dweight has shape {tuple(weight.grad.shape)}; dloss/dbias = {bias.grad}")
# d loss / d bias is (sigmoid(score) - answer) / 3 for each output.
expected = (torch.sigmoid(scores.detach()) - answers) / 3
assert torch.allclose(bias.grad, expected)

print(f"tracked: {(features @ weight).requires_grad}")
with torch.no_grad():
    print(f"inside no_grad: {(features @ weight).requires_grad}")
frozen = (features @ weight).detach()
print(f"detached: {frozen.requires_grad}")

# A non-scalar output needs the vector to multiply the Jacobian by; gradients add up across calls.
grid = torch.eye(3, 4, requires_grad=True)
shaped = (grid * 2 - 1).pow(3).t()
shaped.backward(torch.ones_like(shaped), retain_graph=True)
once = grid.grad.clone()
shaped.backward(torch.ones_like(shaped), retain_graph=True)
assert torch.equal(grid.grad, 2 * once)
grid.grad.zero_()
shaped.backward(torch.ones_like(shaped))
assert torch.equal(grid.grad, once)
print(f"gradient of (2x - 1)^3 at the identity's ones: {once[0, 0].item()}, at its zeros: {once[0, 1].item()}")


@torch.no_grad
def score_only(w, x):
    return x @ w


print(f"decorated with no_grad: {score_only(weight, features).requires_grad}")
with torch.inference_mode():
    print(f"inference mode: {(features @ weight).requires_grad}")
print("TUTORIAL COMPLETE")
