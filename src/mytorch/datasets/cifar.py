"""CIFAR-10, as torchvision's ``CIFAR10``, read from the python-version batches without trusting pickle.

The batches in ``root/cifar-10-batches-py/`` are pickled dicts (``data``: uint8 (10000, 3072), rows
holding the red, green and blue 32×32 planes; ``labels``: 10000 ints). They are read with a
restricted unpickler (see ``_safe_pickle``): a batch that names any callable other than what a NumPy
array needs to rebuild itself is refused and nothing in it runs.

An item is ``(image, label)``, the label an int. With a ``transform``, it receives the image as
torchvision's CIFAR10 hands it over, an RGB PIL image (32×32); without one, the image is a float32
array (3, 32, 32) in [0, 1] (what ``ToTensor`` makes of that PIL image).
"""

from __future__ import annotations

import os
import reprlib
from collections.abc import Callable
from typing import Any

import numpy as np

from . import _root
from ._safe_pickle import safe_load_pickle
from .download import download_resources, extract_tar
from .vision import VisionDataset

# A real batch file is ~31 MB (10 000 × 3072 bytes and the labels); protocol 0 spells each byte
# with up to 6 characters, so 256 MiB bounds every valid encoding.
_MAX_BATCH_FILE = 256 << 20
_BATCH_IMAGES = 10000
_NUM_CLASSES = 10


def _short_repr(value: Any) -> str:
    """``repr`` cut to a few items and two levels: an error message never expands a whole value."""
    r = reprlib.Repr()
    r.maxlevel, r.maxlist, r.maxtuple, r.maxdict, r.maxset, r.maxstring, r.maxother = 2, 4, 4, 4, 4, 40, 40
    return r.repr(value)


def _check_labels(path: str, labels: list | tuple | np.ndarray) -> np.ndarray:
    """The labels as int64, refusing anything but integers 0-9 (no floats, strings or booleans)."""
    if isinstance(labels, np.ndarray):
        if labels.ndim != 1 or labels.dtype.kind not in "iu":
            got = f"a {labels.dtype} array of shape {labels.shape}"
            raise ValueError(f"{path}: 'labels' must be integers 0-9, got {got}")
        values = labels
    else:
        for i, v in enumerate(labels):
            if type(v) is not int and not isinstance(v, np.integer):  # bool is not an int here
                raise ValueError(f"{path}: label {i} is {_short_repr(v)} ({type(v).__name__}); labels must be "
                                 "integers 0-9")
        values = [int(v) for v in labels]
    bad = [i for i, v in enumerate(values) if not 0 <= v < _NUM_CLASSES] if not isinstance(values, np.ndarray) \
        else np.flatnonzero((values < 0) | (values >= _NUM_CLASSES)).tolist()
    if bad:
        i = bad[0]
        raise ValueError(f"{path}: label {values[i]} (item {i}) is out of range for {_NUM_CLASSES} classes (0-9)")
    return np.asarray(values, dtype=np.int64)


def _field(batch: dict, key: str) -> Any:
    # Python 2 pickles read as latin-1 give str keys; read with encoding="bytes" they would be bytes.
    if key in batch:
        return batch[key]
    return batch.get(key.encode())


class CIFAR10(VisionDataset):
    """CIFAR-10: 50 000 training and 10 000 test colour images, 32×32, in 10 classes.

    Args:
        root: the directory holding ``cifar-10-batches-py/`` (and, after a download, the archive);
            when None, ``$MYTORCH_DATA/cifar-10``.
        train: the five training batches, or the test batch.
        transform: called on each image, an RGB PIL image (as torchvision's); without it, items
            hold float32 (3, 32, 32) arrays in [0, 1].
        target_transform: called on each label.
        download: fetch ``cifar-10-python.tar.gz`` (checking its SHA-256) and extract it safely
            when ``cifar-10-batches-py/`` is missing.

    Attributes:
        data: uint8 NumPy array (N, 32, 32, 3) (torchvision's type and layout: height, width, channel);
        targets: list of int (N,); classes: the label names (from ``batches.meta`` when present).
            ``data`` and ``targets`` are read at each access, so new ones (a subset, relabelled
            targets) are what indexing and the loader serve.
    """

    base_folder = "cifar-10-batches-py"
    mirrors = ["https://www.cs.toronto.edu/~kriz/"]
    # The archive's SHA-256 as published by Keras (keras.datasets.cifar10); its MD5 in
    # torchvision is c58f30108f718f92721af3b95e74349a.
    # The size (170 498 071 bytes, what Keras and torchvision report) caps the download.
    resources = [
        ("cifar-10-python.tar.gz", "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce", 170498071)
    ]
    train_list = ["data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5"]
    test_list = ["test_batch"]
    meta_file = "batches.meta"
    classes = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]

    name = "cifar-10"  # the folder under $MYTORCH_DATA

    def __init__(
        self,
        root: str | os.PathLike | None = None,
        train: bool = True,
        transform: Callable[[Any], Any] | None = None,
        target_transform: Callable[[int], Any] | None = None,
        download: bool = False,
    ) -> None:
        resolved = _root.download_dir(root, self.name)  # root, else $MYTORCH_DATA/cifar-10
        if resolved is None:
            raise FileNotFoundError(
                f"CIFAR10 needs a directory: pass root= (the folder holding {self.base_folder}/, or where "
                f"download=True should put it) or set ${_root.DATA_ENV}"
            )
        self.root = resolved
        self.train = train
        self.transform = transform
        self.target_transform = target_transform
        folder = os.path.join(self.root, self.base_folder)
        files = self.train_list if train else self.test_list
        if download and not os.path.isdir(folder):
            self.download()
        missing = [f for f in files if not os.path.isfile(os.path.join(folder, f))]
        if missing:
            raise FileNotFoundError(
                f"CIFAR10 ({'train' if train else 'test'} split) not found: {', '.join(missing)} missing in {folder}\n"
                f"To get it: extract cifar-10-python.tar.gz (from {self.mirrors[0]}) into {self.root}, "
                "or pass download=True"
            )
        images, labels = [], []
        for name in files:
            data, batch_labels = self._load_batch(os.path.join(folder, name))
            images.append(data)
            labels.append(batch_labels)
        # The rows are channel planes, so (N, 3, 32, 32) is a free reshape; .data is a view of it.
        self.data = np.concatenate(images).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
        self.targets = np.concatenate(labels).tolist()
        meta = os.path.join(folder, self.meta_file)
        if os.path.isfile(meta):
            self.classes = self._load_classes(meta)

    @property
    def data(self) -> np.ndarray:
        """The images, uint8 (N, 32, 32, 3)."""
        return self._data

    @data.setter
    def data(self, value: np.ndarray) -> None:
        arr = np.asarray(value)
        if arr.ndim != 4 or arr.shape[-1] != 3 or arr.dtype != np.uint8:
            raise ValueError(f"CIFAR10.data must be uint8 images (N, H, W, 3), got {arr.dtype} of shape {arr.shape}")
        self._data = arr
        self._chw = arr.transpose(0, 3, 1, 2)  # a view: items are served channel-first

    def _label(self, index: int) -> int:
        return int(self.targets[index])

    def _labels(self, indices: np.ndarray) -> np.ndarray:
        targets = self.targets
        return np.fromiter((targets[i] for i in indices.tolist()), dtype=np.int64, count=len(indices))

    @staticmethod
    def _load_batch(path: str) -> tuple[np.ndarray, np.ndarray]:
        batch = safe_load_pickle(path, max_file_bytes=_MAX_BATCH_FILE)
        if not isinstance(batch, dict):
            raise ValueError(f"{path}: expected a pickled dict, got {type(batch).__name__}")
        data, labels = _field(batch, "data"), _field(batch, "labels")
        if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3072:
            got = f"{data.dtype} array of shape {data.shape}" if isinstance(data, np.ndarray) else type(data).__name__
            raise ValueError(f"{path}: 'data' should be a uint8 array of shape (N, 3072), got {got}")
        if not 1 <= len(data) <= _BATCH_IMAGES:
            raise ValueError(f"{path}: 'data' holds {len(data)} images; a CIFAR-10 batch holds 1 to {_BATCH_IMAGES}")
        if not isinstance(labels, (list, tuple, np.ndarray)) or len(labels) != len(data):
            n = len(labels) if isinstance(labels, (list, tuple, np.ndarray)) else type(labels).__name__
            raise ValueError(f"count mismatch in {path}: {len(data)} images but labels: {n}")
        return data, _check_labels(path, labels)

    @staticmethod
    def _load_classes(path: str) -> list[str]:
        meta = safe_load_pickle(path, max_file_bytes=1 << 20)
        names = _field(meta, "label_names") if isinstance(meta, dict) else None
        if not isinstance(names, list) or len(names) != 10 or not all(isinstance(n, (str, bytes)) for n in names):
            raise ValueError(f"{path}: expected a dict with a 'label_names' list of 10 strings")
        return [n.decode("latin-1") if isinstance(n, bytes) else n for n in names]

    def download(self) -> None:
        """Fetch and verify the archive into ``root``, then extract ``cifar-10-batches-py/`` from it."""
        folder = os.path.join(self.root, self.base_folder)
        if os.path.isdir(folder):
            return
        download_resources(self.resources, self.root, self.mirrors)
        extract_tar(os.path.join(self.root, self.resources[0][0]), self.root, self.base_folder)
