"""The process that loads the fuzzed files for ``test_fuzz_files.py``, under an address-space limit.

Run as ``python fuzz_file_worker.py LIMIT_MB``. After importing the loaders it caps its own address
space at what it uses then plus ``LIMIT_MB`` (``RLIMIT_AS``: a loader that tries a giant allocation
gets MemoryError, or dies, instead of taking the machine), then reads requests, one JSON line each
(``{"kind": ..., "path": ...}``), on stdin and answers each with one JSON line on stdout:

``{"outcome": "loaded" | "refused" | "other", "error": "Type: message", "peak": bytes, "seconds": s}``

``refused`` is the loader's documented error (see ``DOCUMENTED``); ``other`` is any other exception,
with its traceback. ``peak`` is the largest memory the load held at once (tracemalloc: Python and
NumPy allocations). A crash or a hang shows in the parent as a missing answer.
"""

from __future__ import annotations

import json
import os
import pickle
import resource
import sys
import time
import traceback
import tracemalloc

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # before NumPy loads: one thread, no per-thread arena reservations

import mytorch  # noqa: E402
from mytorch.datasets import CIFAR10  # noqa: E402
from mytorch.datasets.idx import read_idx  # noqa: E402
from mytorch.train.checkpoint import load_checkpoint  # noqa: E402


def _load_cifar(path: str):
    return CIFAR10._load_batch(path)


def _load_pt(path: str):
    return mytorch.load(path)


LOADERS = {
    "cifar": _load_cifar,  # a CIFAR-10 python batch (restricted unpickler + the batch checks)
    "idx": read_idx,  # IDX, raw or gzip
    "pt": _load_pt,  # a PyTorch zip archive (weights-only unpickler)
    "safetensors": _load_pt,  # mytorch.load of a safetensors file
    "checkpoint": load_checkpoint,  # a mytorch training checkpoint (safetensors + metadata)
}
# The errors each loader documents for a damaged file (FormatError is a ValueError).
DOCUMENTED = {
    "cifar": (ValueError,),
    "idx": (ValueError,),
    "pt": (ValueError, pickle.UnpicklingError),
    "safetensors": (ValueError, pickle.UnpicklingError),
    "checkpoint": (ValueError,),
}


def _vm_bytes() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def main() -> None:
    limit = int(sys.argv[1]) << 20
    cap = _vm_bytes() + limit
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    print(json.dumps({"ready": True, "cap": cap}), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        kind, path = request["kind"], request["path"]
        tracemalloc.start()
        started = time.perf_counter()
        answer: dict = {}
        try:
            LOADERS[kind](path)
            answer["outcome"] = "loaded"
        except DOCUMENTED[kind] as e:
            answer["outcome"] = "refused"
            answer["error"] = f"{type(e).__name__}: {e}"
        except BaseException as e:  # noqa: BLE001 -- reported to the parent, which fails the example
            answer["outcome"] = "other"
            answer["error"] = f"{type(e).__name__}: {e}\n{traceback.format_exc()}"
        answer["peak"] = tracemalloc.get_traced_memory()[1]
        answer["seconds"] = time.perf_counter() - started
        tracemalloc.stop()
        answer["error"] = answer.get("error", "")[:4000]
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
