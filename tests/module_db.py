"""The module-information table: one row per nn module (and loss) configuration.

``make(lib)`` builds the module from ``lib.nn`` -- the same code builds the mytorch module and
its torch twin -- and the test copies the mytorch weights into torch with ``load_state_dict``.
``inputs(rng, dtype)`` gives NumPy arrays; a row's ``targets`` (losses) are not differentiated.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np


@dataclass
class ModuleInfo:
    name: str
    make: Callable
    shapes: tuple = ((4, 5),)
    train: bool = True
    targets: Callable | None = field(default=None, repr=False)  # rng, dtype -> list of arrays
    gradcheck: bool = True
    gradgradcheck: bool = True  # second derivatives (test_autograd_gradgrad.py); needs gradcheck too
    domain: str = "real"

    def inputs(self, rng: np.random.Generator, dtype) -> list[np.ndarray]:
        out = []
        for shape in self.shapes:
            x = rng.standard_normal(shape)
            if self.domain == "unit":
                x = rng.uniform(0.05, 0.95, shape)
            out.append(x.astype(dtype))
        return out


def _materialized(lib, module, shape):
    """A Lazy* module after its first call (which fixes its shapes), as the state copy needs."""
    module(lib.zeros(*shape))
    return module


def _int_targets(shape, classes, ignore=None):
    def make(rng, dtype):
        t = rng.integers(0, classes, shape)
        if ignore is not None:
            t[::3] = ignore
        return [t]
    return make


def _prob_targets(shape):
    def make(rng, dtype):
        p = rng.random(shape)
        return [(p / p.sum(axis=1, keepdims=True)).astype(dtype)]
    return make


def _float_targets(shape, kind="real"):
    def make(rng, dtype):
        return [(rng.random(shape) if kind == "unit" else rng.standard_normal(shape)).astype(dtype)]
    return make


def _weights(lib, values, dtype=None):
    return lib.tensor(np.array(values, dtype=np.float32))


MODULES: list[ModuleInfo] = [
    # ---- layers
    ModuleInfo("Linear", lambda lib: lib.nn.Linear(5, 3)),
    ModuleInfo("Linear_no_bias", lambda lib: lib.nn.Linear(5, 3, bias=False)),
    ModuleInfo("Linear_3d_input", lambda lib: lib.nn.Linear(5, 2), ((2, 3, 5),)),
    ModuleInfo("Linear_1d_input", lambda lib: lib.nn.Linear(5, 2), ((5,),)),
    ModuleInfo("LazyLinear", lambda lib: _materialized(lib, lib.nn.LazyLinear(3), (2, 5))),
    ModuleInfo("LazyLinear_in_sequential", lambda lib: _materialized(lib, lib.nn.Sequential(
        lib.nn.LazyLinear(4), lib.nn.Tanh(), lib.nn.LazyLinear(3, bias=False)), (1, 5))),
    ModuleInfo("Flatten", lambda lib: lib.nn.Flatten(), ((2, 3, 4),)),
    ModuleInfo("Flatten_range", lambda lib: lib.nn.Flatten(0, 1), ((2, 3, 4),)),
    ModuleInfo("Identity", lambda lib: lib.nn.Identity()),
    ModuleInfo("Dropout_eval", lambda lib: lib.nn.Dropout(0.3), train=False),
    ModuleInfo("Dropout_p0", lambda lib: lib.nn.Dropout(0.0)),
    ModuleInfo("BatchNorm1d_train", lambda lib: lib.nn.BatchNorm1d(5), ((6, 5),)),
    ModuleInfo("BatchNorm1d_eval", lambda lib: lib.nn.BatchNorm1d(5), ((6, 5),), train=False),
    ModuleInfo("BatchNorm1d_3d_train", lambda lib: lib.nn.BatchNorm1d(3), ((4, 3, 5),)),
    ModuleInfo("BatchNorm1d_3d_eval", lambda lib: lib.nn.BatchNorm1d(3), ((4, 3, 5),), train=False),
    ModuleInfo("BatchNorm1d_no_affine", lambda lib: lib.nn.BatchNorm1d(5, affine=False), ((6, 5),)),
    ModuleInfo("BatchNorm1d_no_bias", lambda lib: lib.nn.BatchNorm1d(5, bias=False), ((6, 5),)),
    ModuleInfo("BatchNorm1d_momentum_None", lambda lib: lib.nn.BatchNorm1d(5, momentum=None), ((6, 5),)),
    ModuleInfo("BatchNorm1d_no_running_stats_eval", lambda lib: lib.nn.BatchNorm1d(5, track_running_stats=False),
               ((6, 5),), train=False),
    ModuleInfo("LayerNorm", lambda lib: lib.nn.LayerNorm(5)),
    ModuleInfo("LayerNorm_2d_shape", lambda lib: lib.nn.LayerNorm((3, 5)), ((2, 3, 5),)),
    ModuleInfo("LayerNorm_no_bias", lambda lib: lib.nn.LayerNorm(5, bias=False)),
    ModuleInfo("LayerNorm_no_affine", lambda lib: lib.nn.LayerNorm(5, elementwise_affine=False, eps=1e-3)),
    # ---- activations
    ModuleInfo("ReLU", lambda lib: lib.nn.ReLU()),
    ModuleInfo("LeakyReLU", lambda lib: lib.nn.LeakyReLU(0.1)),
    ModuleInfo("Sigmoid", lambda lib: lib.nn.Sigmoid()),
    ModuleInfo("Tanh", lambda lib: lib.nn.Tanh()),
    ModuleInfo("GELU", lambda lib: lib.nn.GELU()),
    ModuleInfo("GELU_tanh", lambda lib: lib.nn.GELU(approximate="tanh")),
    ModuleInfo("SiLU", lambda lib: lib.nn.SiLU()),
    ModuleInfo("Softplus", lambda lib: lib.nn.Softplus(beta=2.0, threshold=1.0)),
    ModuleInfo("Softmax", lambda lib: lib.nn.Softmax(dim=1)),
    ModuleInfo("LogSoftmax", lambda lib: lib.nn.LogSoftmax(dim=-1), ((2, 3, 4),)),
    # ---- containers
    ModuleInfo("Sequential_mlp", lambda lib: lib.nn.Sequential(
        lib.nn.Linear(5, 8), lib.nn.BatchNorm1d(8), lib.nn.ReLU(), lib.nn.Linear(8, 3))),
    ModuleInfo("Sequential_layernorm_gelu", lambda lib: lib.nn.Sequential(
        lib.nn.Linear(5, 6), lib.nn.LayerNorm(6), lib.nn.GELU(), lib.nn.Linear(6, 5), lib.nn.Tanh())),
    # ---- losses (input, then targets)
    ModuleInfo("MSELoss", lambda lib: lib.nn.MSELoss(), targets=_float_targets((4, 5))),
    ModuleInfo("MSELoss_sum", lambda lib: lib.nn.MSELoss(reduction="sum"), targets=_float_targets((4, 5))),
    ModuleInfo("MSELoss_none", lambda lib: lib.nn.MSELoss(reduction="none"), targets=_float_targets((4, 5))),
    ModuleInfo("L1Loss", lambda lib: lib.nn.L1Loss(), targets=_float_targets((4, 5))),
    ModuleInfo("L1Loss_none", lambda lib: lib.nn.L1Loss(reduction="none"), targets=_float_targets((4, 5))),
    ModuleInfo("CrossEntropyLoss", lambda lib: lib.nn.CrossEntropyLoss(), targets=_int_targets((4,), 5)),
    ModuleInfo("CrossEntropyLoss_sum", lambda lib: lib.nn.CrossEntropyLoss(reduction="sum"),
               targets=_int_targets((4,), 5)),
    ModuleInfo("CrossEntropyLoss_none", lambda lib: lib.nn.CrossEntropyLoss(reduction="none"),
               targets=_int_targets((4,), 5)),
    ModuleInfo("CrossEntropyLoss_weight_ignore_smoothing", lambda lib: lib.nn.CrossEntropyLoss(
        weight=_weights(lib, [0.5, 1.0, 2.0, 0.3, 1.5]), ignore_index=2, label_smoothing=0.2),
        ((7, 5),), targets=_int_targets((7,), 5, ignore=2)),
    ModuleInfo("CrossEntropyLoss_ignore_none", lambda lib: lib.nn.CrossEntropyLoss(reduction="none"),
               ((7, 5),), targets=_int_targets((7,), 5, ignore=-100)),
    ModuleInfo("CrossEntropyLoss_smoothing", lambda lib: lib.nn.CrossEntropyLoss(label_smoothing=0.1),
               targets=_int_targets((4,), 5)),
    ModuleInfo("CrossEntropyLoss_3d", lambda lib: lib.nn.CrossEntropyLoss(weight=_weights(lib, [1.0, 2.0, 0.5])),
               ((2, 3, 4),), targets=_int_targets((2, 4), 3)),
    ModuleInfo("CrossEntropyLoss_3d_none", lambda lib: lib.nn.CrossEntropyLoss(reduction="none"),
               ((2, 3, 4),), targets=_int_targets((2, 4), 3)),
    ModuleInfo("CrossEntropyLoss_1d", lambda lib: lib.nn.CrossEntropyLoss(), ((5,),),
               targets=lambda rng, dt: [np.array(3)]),
    ModuleInfo("CrossEntropyLoss_probs", lambda lib: lib.nn.CrossEntropyLoss(), targets=_prob_targets((4, 5))),
    ModuleInfo("CrossEntropyLoss_probs_weight_smoothing", lambda lib: lib.nn.CrossEntropyLoss(
        weight=_weights(lib, [0.5, 1.0, 2.0, 0.3, 1.5]), label_smoothing=0.3), targets=_prob_targets((4, 5))),
    ModuleInfo("NLLLoss", lambda lib: lib.nn.NLLLoss(), targets=_int_targets((4,), 5)),
    ModuleInfo("NLLLoss_weight_ignore", lambda lib: lib.nn.NLLLoss(
        weight=_weights(lib, [0.5, 1.0, 2.0, 0.3, 1.5]), ignore_index=1), ((7, 5),), targets=_int_targets((7,), 5, 1)),
    ModuleInfo("NLLLoss_none", lambda lib: lib.nn.NLLLoss(reduction="none"), targets=_int_targets((4,), 5)),
    ModuleInfo("BCELoss", lambda lib: lib.nn.BCELoss(), domain="unit", targets=_float_targets((4, 5), "unit")),
    ModuleInfo("BCELoss_weight_sum", lambda lib: lib.nn.BCELoss(weight=_weights(lib, [1.0, 2.0, 0.5, 1.0, 3.0]),
               reduction="sum"), domain="unit", targets=_float_targets((4, 5), "unit")),
    ModuleInfo("BCEWithLogitsLoss", lambda lib: lib.nn.BCEWithLogitsLoss(), targets=_float_targets((4, 5), "unit")),
    ModuleInfo("BCEWithLogitsLoss_pos_weight", lambda lib: lib.nn.BCEWithLogitsLoss(
        pos_weight=_weights(lib, [1.0, 2.0, 0.5, 1.0, 3.0]), reduction="none"), targets=_float_targets((4, 5), "unit")),
]

MODULES_BY_NAME = {m.name: m for m in MODULES}
assert len(MODULES_BY_NAME) == len(MODULES), "module names must be unique"

import module_db_vision  # noqa: E402, F401  (appends the vision rows of issue 22 to MODULES)
