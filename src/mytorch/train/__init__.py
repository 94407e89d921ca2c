"""Training: the recipe (``RunConfig``, ``run``), ``train_epoch`` / ``evaluate`` / ``fit``, checkpoints, the metrics
log and curves."""

from __future__ import annotations

from .checkpoint import Checkpoint, load_checkpoint, restore, save_checkpoint
from .fit import BEST, LAST, fit
from .loop import NonFiniteLossError, evaluate, train_epoch
from .metrics import plot_curves, read_metrics_csv, write_metrics_csv
from .recipe import RecipeError, RunConfig, run
