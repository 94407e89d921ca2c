"""``weights=`` for the torchvision-shaped models: names are accepted, nothing is downloaded.

torchvision's builders take ``weights=None`` (random initialisation), an enum member such as
``ResNet18_Weights.IMAGENET1K_V1``, or its name as a string (``"IMAGENET1K_V1"``, ``"DEFAULT"``).
mytorch has the same names, but pretrained weights are a file that would have to be downloaded,
and mytorch never downloads weights: the error says so and how to load a local file instead.
"""

from __future__ import annotations

import enum


class Weights(enum.Enum):
    """Base of the per-model weight enums (``ResNet18_Weights`` ...); each member's value is its name."""

    @classmethod
    def verify(cls, weights) -> Weights | None:
        """None, a member, or a member's name (also ``"DEFAULT"``) as a member; ValueError otherwise."""
        if weights is None or isinstance(weights, cls):
            return weights
        if isinstance(weights, Weights):
            raise ValueError(f"weights {weights} belong to another model; this model takes {cls.__name__}")
        if isinstance(weights, str):
            name = weights.split(".")[-1]
            if name == "DEFAULT":
                return cls.DEFAULT
            if name in cls.__members__:
                return cls[name]
        allowed = ", ".join(["None", "'DEFAULT'"] + [f"'{m}'" for m in cls.__members__ if m != "DEFAULT"])
        raise ValueError(f"unknown weights {weights!r} for this model; expected one of {allowed} "
                         f"(or a {cls.__name__} member)")


def refuse_download(arch: str, weights) -> None:
    """Raise for pretrained weights: they would need a download, which mytorch never does."""
    if weights is None:
        return
    raise RuntimeError(
        f"{arch}(weights={type(weights).__name__}.{weights.name}) needs pretrained weights that would have to be "
        f"downloaded, and mytorch never downloads weights. Get the file yourself (torchvision's {arch} "
        f"{weights.name} checkpoint, or torch.save(torchvision.models.{arch}(weights=...).state_dict(), "
        f"'{arch}.pth') where torchvision is installed), then load it: model = mytorch.models.{arch}(); "
        f"model.load_state_dict(mytorch.load('{arch}.pth'))")
