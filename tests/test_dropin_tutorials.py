"""Scripts written against PyTorch's and torchvision's API (tests/dropin/*.py), run with mytorch in their place.

The scripts are our own; together they cover what PyTorch's tutorials use (tensors, autograd,
modules, datasets and loaders, transforms, training, saving, image folders, TensorBoard). Each runs
in a fresh directory that holds the data as torchvision lays it out (``data/FashionMNIST/raw/*.gz``,
links to the system's Fashion-MNIST files), for a few batches (``DROPIN_MAX_BATCHES``), and must
reach its last line.
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
NO_DATA = ["tensor_tour", "model_building", "autograd_tour", "checkpointing"]
WITH_DATA = ["end_to_end", "data_pipeline", "transforms_pipeline", "training_loop", "imagefolder_augment",
             "summarywriter_session"]


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
    if name == "autograd_tour":
        assert "scores came from AddBackward0" in out
    if name == "tensor_tour":
        assert "board: shape mytorch.Size([4, 6]), dtype mytorch.float32, device cpu" in out


@pytest.mark.slow
@pytest.mark.skipif(not FASHION.is_dir(), reason="needs Debian's dataset-fashion-mnist package")
@pytest.mark.parametrize("name", WITH_DATA)
def test_tutorial_with_fashion_mnist_runs_to_the_end(name, tmp_path):
    out = _check(name, tmp_path)
    if name == "end_to_end":
        assert "a batch: pictures mytorch.Size([100, 1, 28, 28])" in out and "running on cpu" in out
        assert (tmp_path / "wide.pth").is_file()
    if name == "transforms_pipeline":
        assert "enlarged to (1, 40, 40), padded and cropped to (1, 24, 24)" in out
    if name == "imagefolder_augment":
        assert "classes ['sneaker', 'top', 'trousers']" in out and (tmp_path / "augmented.png").is_file()
    if name == "summarywriter_session":
        assert "logged 6 losses" in out
