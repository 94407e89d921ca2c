"""tests/dropin/cnn_fashion.py -- a LeNet-style CNN on Fashion-MNIST in PyTorch's idioms -- runs to its end."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import mytorch

FASHION = Path("/usr/share/datasets/fashion-mnist")


@pytest.mark.slow
@pytest.mark.skipif(not FASHION.is_dir(), reason="needs Debian's dataset-fashion-mnist package")
def test_cnn_script_trains_saves_and_reloads(tmp_path):
    raw = tmp_path / "data" / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    for f in FASHION.glob("*.gz"):
        (raw / f.name).symlink_to(f)
    source = str(Path(mytorch.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([source, os.environ.get("PYTHONPATH", "")]),
           "DROPIN_MAX_BATCHES": "4"}
    proc = subprocess.run([sys.executable, str(Path(__file__).parent / "dropin" / "cnn_fashion.py")], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert proc.stdout.rstrip().endswith("TUTORIAL COMPLETE"), proc.stdout[-2000:]
    assert "reloaded weights give the same logits: True" in proc.stdout
    assert "Conv2d(1, 8, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2))" in proc.stdout
    assert (tmp_path / "garment_net.pth").is_file()
