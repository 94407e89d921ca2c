"""CNN training steps: LeNet-5 on 28x28 and a CIFAR ResNet-20 on 32x32, batch 128, SGD with momentum.

LeNet-5   conv 5x5 (6, padding 2) → ReLU → max-pool 2 → conv 5x5 (16) → ReLU → max-pool 2 → 120 → 84 → 10
ResNet-20 conv 3x3 (16) → BN → ReLU, 3 stages of 3 BasicBlocks (16/32/64 channels, option-A shortcuts),
          global average pool, Linear(64, 10): 19 convolutions, 19 BatchNorm2d

A step is zero_grad -> forward -> cross-entropy -> backward -> SGD(lr 0.01, momentum 0.9).step() on the
same float32 batch in both libraries (each with its own initial weights). The summary prints the targets
(LeNet-5 <= 1.0x PyTorch's step time, ResNet-20 <= 1.5x) and, from a profiled mytorch run, where
mytorch's step time goes: the im2col copies, the convolutions' matrix products, col2im, BatchNorm2d,
pooling and the rest.

    python -m benchmarks.suites.conv profile THREADS     # the breakdown alone
"""

from __future__ import annotations

import sys
import time

import numpy as np

THREADS = None  # the runner's thread counts (1 and all cores)
MAX_PAIRS = 7


def lenet5(lib):
    nn = lib.nn
    return nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                         nn.Linear(84, 10))


def resnet20(lib):
    nn, F = lib.nn, lib.nn.functional

    class Block(nn.Module):
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.stride, self.extra = stride, cout - cin

        def forward(self, x):
            out = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
            short = x
            if self.stride != 1 or self.extra:
                half = self.extra // 2
                short = F.pad(x[:, :, ::self.stride, ::self.stride], (0, 0, 0, 0, half, self.extra - half))
            return F.relu(out + short)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(16)
            stages = []
            for cin, cout, stride in ((16, 16, 1), (16, 32, 2), (32, 64, 2)):
                stages.append(nn.Sequential(Block(cin, cout, stride), Block(cout, cout, 1), Block(cout, cout, 1)))
            self.layers = nn.Sequential(*stages)
            self.pool = nn.AdaptiveAvgPool2d(1)
            self.fc = nn.Linear(64, 10)

        def forward(self, x):
            x = self.layers(F.relu(self.bn1(self.conv1(x))))
            return self.fc(self.pool(x).flatten(1))

    return Net()


WORKLOADS = {  # name -> (builder given the library, input shape)
    "LeNet-5 28x28 b128 SGD-momentum": (lenet5, (128, 1, 28, 28)),
    "ResNet-20 32x32 b128 SGD-momentum": (resnet20, (128, 3, 32, 32)),
}
TARGETS = {"LeNet-5 28x28 b128 SGD-momentum": 1.0, "ResNet-20 32x32 b128 SGD-momentum": 1.5}


def _step(lib_name: str, workload: str):
    build, shape = WORKLOADS[workload]
    lib = __import__(lib_name)
    rng = np.random.default_rng(0)
    x, y = lib.tensor(rng.standard_normal(shape, dtype=np.float32)), lib.tensor(rng.integers(0, 10, shape[0]))
    model = build(lib)
    model.train()
    opt = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = lib.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()

    return step


CASES = {f"{name}: full step": {lib: (lambda lib=lib, n=name: _step(lib, n)) for lib in ("mytorch", "torch")}
         for name in WORKLOADS}


# ---------------------------------------------------------------------- where mytorch's time goes
def _profile(threads: int, steps: int = 4) -> list[str]:
    """Time the parts of mytorch's steps by wrapping the functions that do them (one process, mytorch only)."""
    import mytorch
    from mytorch.nn.functional import normalization
    from mytorch.ops import conv, pool

    mytorch.set_num_threads(threads)
    spent: dict[str, float] = {}

    def timed(owner, attr, label, static=True):
        fn = getattr(owner, attr)

        def wrapper(*args, **kwargs):
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[label] = spent.get(label, 0.0) + time.perf_counter() - t
        setattr(owner, attr, staticmethod(wrapper) if static else wrapper)

    timed(conv._Plan, "columns", "im2col copy", static=False)
    timed(conv._Plan, "fold", "col2im", static=False)
    timed(conv._Plan, "output", "layout copies (output, grad)", static=False)
    timed(conv._Plan, "grad_rows", "layout copies (output, grad)", static=False)
    timed(conv.Conv2d, "forward", "conv total")
    timed(conv.Conv2d, "backward", "conv total")
    timed(normalization.BatchNorm, "forward", "BatchNorm2d")
    timed(normalization.BatchNorm, "backward", "BatchNorm2d")
    timed(normalization, "_batch_stats", "BatchNorm2d")
    timed(pool.MaxPool2d, "forward", "pooling")
    timed(pool.MaxPool2d, "backward", "pooling")
    lines = []
    for name in WORKLOADS:
        step = _step("mytorch", name)
        step()
        spent.clear()
        t0 = time.perf_counter()
        for _ in range(steps):
            step()
        total = (time.perf_counter() - t0) / steps
        per = {k: v / steps for k, v in spent.items()}
        parts = {"im2col copy": per.get("im2col copy", 0.0), "col2im": per.get("col2im", 0.0),
                 "layout copies": per.get("layout copies (output, grad)", 0.0)}
        parts["conv GEMMs (+bias)"] = per.get("conv total", 0.0) - sum(parts.values())
        parts["BatchNorm2d"] = per.get("BatchNorm2d", 0.0)
        parts["max pooling"] = per.get("pooling", 0.0)
        parts["rest (ReLU, adds, linear, loss, optimizer, Python)"] = total - sum(parts.values())
        text = ", ".join(f"{k} {v * 1e3:.1f} ms ({v / total:.0%})" for k, v in parts.items() if v > 5e-5)
        lines.append(f"  [{threads} thr] mytorch {name.split(' ')[0]} step {total * 1e3:.1f} ms: {text}")
    return lines


def summary(results: list) -> list[str]:
    """The issue's targets per thread count, and the profile of mytorch's step."""
    import os
    import subprocess
    from pathlib import Path

    lines = ["targets:"]
    for threads in sorted({r.threads for r in results}):
        for name, limit in TARGETS.items():
            r = next((r for r in results if r.case == f"{name}: full step" and r.threads == threads), None)
            if r:
                met = "met" if r.ratio <= limit else "NOT met"
                lines.append(f"  [{threads} thr] {name}, mytorch/torch: {r.ratio:5.2f}x "
                             f"(target <= {limit:.1f}x: {met})")
    lines.append(f"where mytorch's step time goes (profiled, load {os.getloadavg()[0]:.1f}):")
    root = Path(__file__).resolve().parents[2]
    for threads in sorted({r.threads for r in results}):
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")])}
        out = subprocess.run([sys.executable, "-m", "benchmarks.suites.conv", "profile", str(threads)], cwd=root,
                             env=env, capture_output=True, text=True, timeout=900)
        lines += out.stdout.splitlines() or [f"  [{threads} thr] profile failed: {out.stderr.strip()[-300:]}"]
    return lines if len(lines) > 2 else []


if __name__ == "__main__" and sys.argv[1:2] == ["profile"]:
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    from benchmarks.worker import _set_thread_environment

    _set_thread_environment(n)
    for line in _profile(n):
        print(line, flush=True)
