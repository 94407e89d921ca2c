"""A TensorBoard logging session through PyTorch's SummaryWriter API, read back with tensorboard's EventAccumulator.

A small classifier trains for a few steps on Fashion-MNIST while the writer records scalars,
weight histograms, a grid of inputs, a figure, text, a PR curve, an embedding, the model's graph
and the run's hyperparameters; then the event files are opened again and checked.
Written for ``torch``; the test runs it with mytorch in its place.
"""

import os

import matplotlib
import matplotlib.pyplot as plt
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

import mytorch as torch  # with PyTorch: import torch
import mytorch as torchvision  # with PyTorch: import torchvision
from mytorch import nn  # with PyTorch: from torch import nn
from mytorch.utils.data import DataLoader  # with PyTorch: from torch.utils.data import DataLoader
from mytorch.utils.tensorboard import SummaryWriter  # with PyTorch: from torch.utils.tensorboard import ...

matplotlib.use("Agg")
LIMIT = int(os.environ.get("DROPIN_MAX_BATCHES", "0"))
steps = LIMIT * 2 if LIMIT else 200

data = torchvision.datasets.FashionMNIST(root="data", train=True, download=True,
                                         transform=torchvision.transforms.ToTensor())
batches = DataLoader(data, batch_size=64, shuffle=True)
model = nn.Sequential(nn.Flatten(), nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 10))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

torch.manual_seed(0)
with SummaryWriter("runs/session", comment="ignored when log_dir is given") as writer:
    pictures, labels = next(iter(batches))
    writer.add_image("inputs", torchvision.utils.make_grid(pictures[:16], nrow=4), 0)
    writer.add_images("first_four", pictures[:4], 0)
    writer.add_graph(model, pictures)
    for step, (pictures, labels) in enumerate(batches):
        scores = model(pictures)
        loss = nn.functional.cross_entropy(scores, labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        accuracy = (scores.argmax(1) == labels).float().mean()
        writer.add_scalar("loss/train", loss.item(), step)
        writer.add_scalars("progress", {"loss": loss.item(), "accuracy": accuracy}, step)
        if step % max(1, steps // 2) == 0:
            for name, p in model.named_parameters():
                writer.add_histogram(f"weights/{name}", p, step)
        if step + 1 >= steps:
            break

    chances = nn.functional.softmax(scores.detach(), dim=1)
    writer.add_pr_curve("pr/class0", labels == 0, chances[:, 0], steps)
    fig = plt.figure(figsize=(3, 2))
    plt.bar(range(10), chances.mean(0).numpy())
    writer.add_figure("mean_chances", fig, steps)
    writer.add_text("notes", f"trained **{steps}** steps with SGD", steps)
    features = model[:3](pictures).detach()
    writer.add_embedding(features, metadata=labels.tolist(), label_img=pictures, global_step=steps)
    writer.add_hparams({"lr": 0.1, "hidden": 64, "optimizer": "sgd"}, {"hparam/final_loss": loss.item()},
                       run_name="hparams")

# Read everything back.
run = EventAccumulator("runs/session", size_guidance={"scalars": 0, "images": 0, "histograms": 0, "tensors": 0})
run.Reload()
tags = run.Tags()
losses = run.Scalars("loss/train")
print(f"logged {len(losses)} losses, from {losses[0].value:.3f} to {losses[-1].value:.3f}")
assert [s.step for s in losses] == list(range(steps))
print(f"images: {sorted(tags['images'])}")
assert {"inputs", "first_four", "mean_chances"} <= set(tags["images"])
print(f"histograms: {sorted(tags['histograms'])}")
assert len(tags["histograms"]) == 4 and run.Histograms("weights/1.weight")[0].histogram_value.num == 64 * 784
assert {"pr/class0", "notes/text_summary"} <= set(tags["tensors"]) and tags["graph"]
print(f"graph with {len(run.Graph().node)} nodes")
split = EventAccumulator("runs/session/progress_accuracy")
split.Reload()
assert len(split.Scalars("progress")) == steps
assert os.path.isfile("runs/session/projector_config.pbtxt")
assert os.listdir("runs/session/hparams")
print("TUTORIAL COMPLETE")
