"""The projector's files for ``add_embedding``: the points, their labels, a sprite of thumbnails, the config entry."""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np

from ._convert import tile_images


def write_matrix(mat: np.ndarray, save_path: str) -> None:
    """``tensors.tsv``: one point per line, features tab-separated (each as Python prints the value)."""
    with open(os.path.join(save_path, "tensors.tsv"), "wb") as f:
        for row in mat:
            f.write(("\t".join(str(v.item()) for v in row) + "\n").encode("utf-8"))


def write_metadata(metadata: list, save_path: str, header: list | None = None) -> None:
    """``metadata.tsv``: one label per line, or a header line and tab-separated columns."""
    if not header:
        lines = [str(m) for m in metadata]
    else:
        if len(header) != len(metadata[0]):
            raise ValueError(f"metadata_header has {len(header)} columns but the metadata rows have "
                             f"{len(metadata[0])}")
        lines = ["\t".join(str(e) for e in row) for row in [header, *metadata]]
    with open(os.path.join(save_path, "metadata.tsv"), "wb") as f:
        f.write(("\n".join(lines) + "\n").encode("utf-8"))


def write_sprite(label_img: np.ndarray, save_path: str) -> None:
    """``sprite.png``: the thumbnails tiled ceil(sqrt(N)) to a row on a square canvas (values in [0, 1])."""
    from PIL import Image

    nrow = math.ceil(label_img.shape[0] ** 0.5)
    chw = tile_images(label_img, ncols=nrow)
    side = chw.shape[2]
    square = np.zeros((side, side, 3))
    square[: chw.shape[1]] = chw.transpose(1, 2, 0)
    Image.fromarray(np.uint8((square * 255).clip(0, 255))).save(os.path.join(save_path, "sprite.png"), format="PNG")


def embedding_info(metadata: Any, img_shape: tuple | None, subdir: str, step: int, tag: str):
    """The projector-config entry of one embedding (paths relative to the log directory)."""
    from tensorboard.plugins.projector.projector_config_pb2 import EmbeddingInfo

    info = EmbeddingInfo()
    info.tensor_name = f"{tag}:{str(step).zfill(5)}"
    info.tensor_path = f"{subdir}/tensors.tsv"
    if metadata is not None:
        info.metadata_path = f"{subdir}/metadata.tsv"
    if img_shape is not None:
        info.sprite.image_path = f"{subdir}/sprite.png"
        info.sprite.single_image_dim.extend([img_shape[3], img_shape[2]])
    return info
