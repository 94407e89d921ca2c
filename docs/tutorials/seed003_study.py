# %% [markdown]
# # The seed-003 study at a tiny budget
#
# Seed 003 is an optimizer study: AdaGrad, RMSProp, RMSProp with Nesterov momentum, AdaDelta and
# Adam train the same MLP, once with L2 regularization and once with dropout, and the study
# compares their training-loss curves, training times and test accuracies. `mytorch lab` runs such
# a grid from a study file and writes a report whose answers are computed from the runs. The
# [study guide](../guides/lab.md) explains the file and the report; this page runs the study,
# shrunk so that the documentation build stays short.
#
# ## The study file
#
# `mytorch lab init seed-003` prints the preset; here it is read through the Python API.

# %%
import os
import re
import subprocess
import sys
from pathlib import Path

from mytorch.lab import load_study

study, text = load_study("seed-003")
print(text)
print(len(study.cells()), "runs:", ", ".join(c.name for c in study.cells()[:4]), "...")

# %% [markdown]
# ## Shrinking it
#
# 200 epochs of a 1000-1000 MLP on five optimizers, two regimes and three seeds is days of CPU.
# For this page: hidden layers of 64 units, 2 epochs, one seed, the first 500 training images
# (with one seed the report cannot test differences, and says so).
# The optimizers, learning rates, regimes and the report are the preset's. The numbers below are
# therefore far from the study's real answer; they show what the report looks like.

# %%
work = Path(os.environ.get("TUTORIAL_WORK", "build/docs-study"))
work.mkdir(parents=True, exist_ok=True)
small = re.sub(r"hidden = \[1000, 1000\]", "hidden = [64, 64]", text)
small = re.sub(r"(?m)^epochs = \d+", "epochs = 2", small)
small = re.sub(r"(?m)^seeds = \[[^]]*\]", "seeds = [0]", small)
(work / "study.toml").write_text(small)
out = work / "run"
if out.exists():
    import shutil

    shutil.rmtree(out)


def lab(*args):
    cmd = [sys.executable, "-m", "mytorch", "lab", *args]
    print("$ mytorch lab", " ".join(args))
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    print(proc.stdout + proc.stderr)
    if proc.returncode != 0:
        raise RuntimeError(f"mytorch lab {args[0]} exited with status {proc.returncode}")


lab("run", str(work / "study.toml"), "--out", str(out), "--subset", "500")

# %% [markdown]
# Each run has its own directory (`config.json`, `metrics.csv`, checkpoints, `result.json`);
# `status` reads them, and running the same command again would skip every finished run.

# %%
lab("status", str(out))
print(sorted(p.name for p in (out / "runs" / "adam-l2-s0").iterdir()))

# %% [markdown]
# ## The report
#
# `report/report.md` and `report/report.html` (self-contained, every figure embedded) hold the
# plots, the tables and the answers to the seed's questions. The opening of the Markdown version:

# %%
report = (out / "report" / "report.md").read_text()
print("\n".join(report.splitlines()[:40]))

# %% [markdown]
# Its first figure, the training loss per epoch (mean over the seeds with a min-max band):

# %%
import matplotlib.image as mpimg
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(9, 4))
ax.imshow(mpimg.imread(out / "report" / "train_loss.png"))
ax.axis("off")

import shutil  # noqa: E402

shutil.copy(out / "report" / "report.html", Path(os.environ["TUTORIAL_OUT"]) / "report.html")
print("report.html:", (out / "report" / "report.html").stat().st_size, "bytes")

# %% [markdown]
# The whole HTML report of this run is published with this page: [report.html](seed003_study/report.html).
