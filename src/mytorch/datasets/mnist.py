"""MNIST and Fashion-MNIST, as torchvision's ``MNIST`` / ``FashionMNIST``, read from IDX files.

``root`` is a directory holding the standard files (``train-images-idx3-ubyte``,
``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte``, ``t10k-labels-idx1-ubyte``, each raw or
``.gz``). Without ``root``, the files are looked for in ``$MYTORCH_DATA/<name>`` and then in the
dataset's system directories (Debian's ``dataset-fashion-mnist`` package for Fashion-MNIST).

An item is ``(image, label)``, the label a Python int. With a ``transform``, it receives the image
as torchvision's MNIST hands it over, a PIL image of mode "L" (28×28 grey levels); without one,
the image is a float32 array of shape (1, 28, 28) in [0, 1] (what ``ToTensor`` makes of that PIL
image). ``target_transform`` receives the label.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import numpy as np

from .._creation import from_numpy
from .._tensor import Tensor
from . import _root
from .download import download_resources
from .idx import read_idx, read_idx_header
from .vision import VisionDataset


class MNIST(VisionDataset):
    """The MNIST digits: 60 000 training and 10 000 test images, 28×28 grey levels, labels 0-9.

    Args:
        root: directory holding the IDX files (see the module docstring for the search when None).
        train: the training split (``train-*``) or the test split (``t10k-*``).
        transform: called on each image, a PIL image of mode "L" (as torchvision's); without it,
            items hold float32 (1, 28, 28) arrays in [0, 1].
        target_transform: called on each label.
        download: fetch the missing files from ``mirrors`` (or ``$MYTORCH_DATA_URL``) into ``root``
            (or ``$MYTORCH_DATA/<name>``), checking each file's size and SHA-256.

    Attributes:
        data: uint8 tensor (N, 28, 28); targets: int64 tensor (N,) (torchvision's types; they share
            memory with what items are read from, and assigning new ones, e.g. a subset, is seen by
            indexing and the loader); classes: the label names;
        root: the directory the files were read from (after the search, so it is never None).
    """

    name = "mnist"  # the folder under $MYTORCH_DATA
    torchvision_folder = "MNIST"
    system_dirs: tuple[str, ...] = ()
    how_to_get = "pass root= a directory holding the four files, or download=True"
    # torchvision's mirror first; the SHA-256 values were published (TensorFlow Datasets) for the
    # second, and the sizes are those of the original files on yann.lecun.com.
    mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/", "https://storage.googleapis.com/cvdf-datasets/mnist/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609", 9912422),
        ("train-labels-idx1-ubyte.gz", "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c", 28881),
        ("t10k-images-idx3-ubyte.gz", "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6", 1648877),
        ("t10k-labels-idx1-ubyte.gz", "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6", 4542),
    ]
    classes = [
        "0 - zero",
        "1 - one",
        "2 - two",
        "3 - three",
        "4 - four",
        "5 - five",
        "6 - six",
        "7 - seven",
        "8 - eight",
        "9 - nine",
    ]

    def __init__(
        self,
        root: str | os.PathLike | None = None,
        train: bool = True,
        transform: Callable[[Any], Any] | None = None,
        target_transform: Callable[[int], Any] | None = None,
        download: bool = False,
    ) -> None:
        self.train = train
        self.transform = transform
        self.target_transform = target_transform
        prefix = "train" if train else "t10k"
        basenames = [f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte"]
        dirs = _root.candidate_dirs(root, self.name, self.torchvision_folder, self.system_dirs)
        found = _root.find_files(dirs, basenames)
        if found is None and download:
            dest = _root.download_dir(root, self.name)
            if dest is None:
                raise ValueError(
                    f"{type(self).__name__}(download=True) needs somewhere to write: pass root= or set "
                    f"${_root.DATA_ENV}"
                )
            download_resources(self.resources, dest, self.mirrors)
            found = _root.find_files([(dest, "download")], basenames)
        if found is None:
            what = f"{type(self).__name__} ({'train' if train else 'test'} split)"
            raise FileNotFoundError(_root.not_found_message(what, basenames, dirs, self.how_to_get))
        self.root, (image_file, label_file) = found
        self.data, self.targets = self._load(image_file, label_file)

    @property
    def data(self) -> Tensor:
        """The images, a uint8 tensor (N, H, W)."""
        return self._data

    @data.setter
    def data(self, value: Any) -> None:
        arr = value.numpy() if isinstance(value, Tensor) else np.asarray(value)
        if arr.ndim != 3 or arr.dtype != np.uint8:
            raise ValueError(f"{type(self).__name__}.data must be uint8 images (N, H, W), got {arr.dtype} of shape "
                             f"{arr.shape}")
        self._data = from_numpy(arr)
        self._chw = arr[:, None]  # (N, 1, H, W) view: one grey channel

    @property
    def targets(self) -> Tensor:
        """The labels, an int64 tensor (N,)."""
        return self._targets

    @targets.setter
    def targets(self, value: Any) -> None:
        arr = value.numpy() if isinstance(value, Tensor) else np.asarray(value)
        if arr.ndim != 1 or arr.dtype.kind not in "iu":
            raise ValueError(f"{type(self).__name__}.targets must be integer labels (N,), got {arr.dtype} of shape "
                             f"{arr.shape}")
        self._targets = from_numpy(arr.astype(np.int64, copy=False))
        self._label_array = self._targets.numpy()

    def _label(self, index: int) -> int:
        return int(self._label_array[index])

    def _labels(self, indices: np.ndarray) -> np.ndarray:
        return self._label_array[indices]

    def __len__(self) -> int:
        if len(self._label_array) != len(self._chw):
            raise ValueError(f"{type(self).__name__}: data holds {len(self._chw)} images but targets "
                             f"{len(self._label_array)} labels")
        return len(self._chw)

    def _load(self, image_file: str, label_file: str) -> tuple[np.ndarray, np.ndarray]:
        # Both headers first: a mismatch is refused before a byte of (possibly gzip-bombed) data is read.
        image_dtype, image_shape = read_idx_header(image_file)
        label_dtype, label_shape = read_idx_header(label_file)
        if len(image_shape) != 3 or image_dtype != np.uint8:
            raise ValueError(
                f"{image_file}: expected uint8 images of shape (N, rows, cols), got {image_dtype} of shape "
                f"{image_shape}"
            )
        if len(label_shape) != 1 or label_dtype != np.uint8:
            raise ValueError(
                f"{label_file}: expected uint8 labels of shape (N,), got {label_dtype} of shape {label_shape}"
            )
        if image_shape[0] != label_shape[0]:
            raise ValueError(
                f"count mismatch: {image_file} holds {image_shape[0]} images but {label_file} holds "
                f"{label_shape[0]} labels"
            )
        if image_shape[0] == 0:
            raise ValueError(f"{image_file}: the split holds no images")
        if image_shape[1] == 0 or image_shape[2] == 0:
            raise ValueError(f"{image_file}: images of {image_shape[1]}×{image_shape[2]} pixels hold nothing")
        labels = read_idx(label_file)
        if int(labels.max()) >= len(self.classes):
            raise ValueError(
                f"{label_file}: label {int(labels.max())} is out of range for {len(self.classes)} classes"
            )
        images = read_idx(image_file)
        if images.shape != image_shape or labels.shape != label_shape:  # a file replaced while being read
            raise ValueError(f"{image_file} or {label_file} changed while being read")
        return images, labels.astype(np.int64)


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST: 10 classes of clothing, in MNIST's format and sizes (60 000 / 10 000)."""

    name = "fashion-mnist"
    torchvision_folder = "FashionMNIST"
    system_dirs = ("/usr/share/datasets/fashion-mnist",)
    how_to_get = (
        "`apt-get install dataset-fashion-mnist` (Debian's package, into /usr/share/datasets/fashion-mnist), "
        "pass root= a directory holding the four files, or download=True"
    )
    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    # The upstream files' SHA-256 and sizes (as published by TensorFlow Datasets); their MD5s are
    # the ones in Zalando's README. Debian's copies differ in the gzip header only.
    resources = [
        ("train-images-idx3-ubyte.gz", "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84", 26421880),
        ("train-labels-idx1-ubyte.gz", "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845", 29515),
        ("t10k-images-idx3-ubyte.gz", "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073", 4422102),
        ("t10k-labels-idx1-ubyte.gz", "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5", 5148),
    ]
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
