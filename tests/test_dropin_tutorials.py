"""PyTorch's basic tutorials, written with their idioms (tests/dropin/*.py), run with ``import mytorch as torch``.

Each script runs in a fresh directory that holds the data as torchvision lays it out
(``data/FashionMNIST/raw/*.gz``, links to the system's Fashion-MNIST files), for a few batches
(``DROPIN_MAX_BATCHES``), and must reach its last line.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import mytorch

SCRIPTS = Path(__file__).parent / "dropin"
FASHION = Path("/usr/share/datasets/fashion-mnist")
NO_DATA = ["tensors", "build_model", "autograd_tutorial", "save_load"]
WITH_DATA = ["quickstart", "datasets_dataloaders", "transforms_tutorial", "optimization"]


def _run(name: str, workdir: Path) -> subprocess.CompletedProcess:
    raw = workdir / "data" / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    for f in FASHION.glob("*.gz"):
        (raw / f.name).symlink_to(f)
    # the scripts run elsewhere, so a relative PYTHONPATH=src would miss: name this mytorch's folder
    source = str(Path(mytorch.__file__).resolve().parents[1])
    path = os.pathsep.join([source, *filter(None, [os.environ.get("PYTHONPATH")])])
    env = {**os.environ, "PYTHONPATH": path, "DROPIN_MAX_BATCHES": "3", "MPLBACKEND": "Agg"}
    return subprocess.run([sys.executable, str(SCRIPTS / f"{name}.py")], cwd=workdir, env=env,
                          capture_output=True, text=True, timeout=300)


def _check(name: str, workdir: Path) -> str:
    proc = _run(name, workdir)
    assert proc.returncode == 0, f"{name}.py failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
    assert proc.stdout.rstrip().endswith("TUTORIAL COMPLETE"), proc.stdout[-2000:]
    return proc.stdout


@pytest.mark.parametrize("name", NO_DATA)
def test_tutorial_runs_to_the_end(name, tmp_path):
    out = _check(name, tmp_path)
    if name == "autograd_tutorial":
        assert "Gradient function for z = <AddBackward0>" in out
    if name == "tensors":
        assert "Shape of tensor: mytorch.Size([3, 4])" in out and "Device tensor is stored on: cpu" in out


@pytest.mark.slow
@pytest.mark.skipif(not FASHION.is_dir(), reason="needs Debian's dataset-fashion-mnist package")
@pytest.mark.parametrize("name", WITH_DATA)
def test_tutorial_with_fashion_mnist_runs_to_the_end(name, tmp_path):
    out = _check(name, tmp_path)
    if name == "quickstart":
        assert "Shape of X [N, C, H, W]: mytorch.Size([64, 1, 28, 28])" in out and "Using cpu device" in out
        assert (tmp_path / "model.pth").is_file()
    if name == "transforms_tutorial":
        assert "resized: mytorch.Size([1, 32, 32])" in out
