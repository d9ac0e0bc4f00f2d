"""Facade segmenter network: a Feature Pyramid Network (Kirillov et al., "Panoptic Feature Pyramid
Networks", 2019, as built by segmentation-models-pytorch) on a timm EfficientNet-Lite encoder: Lite0 (the
shipped segmenters), Lite1 or Lite2.

The network carries its own preprocessing (timm habit): it takes RGB in [0, 1] and normalises with the
ImageNet statistics its encoder was trained with. Height and width must be multiples of 32 (the encoder's
stride). The output is one logit map per contract label at the input size.
"""
from __future__ import annotations

import segmentation_models_pytorch as smp
import torch
import torch.nn as nn

from renovate_net.labels import NUM_LABELS
from renovate_net.models.pretrained import MEAN, PACKAGES, STD, load_imagenet
from renovate_net.models.registry import register

STRIDE = 32


class FpnEfficientNetLite(nn.Module):
    """FPN on an EfficientNet-Lite: [N,3,H,W] RGB in [0,1] -> [N,num_classes,H,W] logits."""
    variant = "lite0"  # the encoder (models/pretrained.py); a subclass per registered network

    def __init__(self, num_classes: int = NUM_LABELS, pyramid_channels: int = 128,
                 segmentation_channels: int = 64, dropout: float = 0.2, pretrained: bool = False):
        super().__init__()
        # smp's "tu-" prefix builds the timm model with features_only=True; we load its weights ourselves
        # because no model hub is reachable (see models/pretrained.py).
        self.net = smp.FPN(encoder_name="tu-" + PACKAGES[self.variant][2], encoder_weights=None,
                           classes=num_classes, decoder_pyramid_channels=pyramid_channels,
                           decoder_segmentation_channels=segmentation_channels, decoder_dropout=dropout)
        if pretrained:
            load_imagenet(self.encoder, self.variant)
        # Not persistent: they are constants of the architecture, not learned weights.
        self.register_buffer("mean", torch.tensor(MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(STD).view(1, 3, 1, 1), persistent=False)

    @property
    def encoder(self) -> nn.Module:
        """The timm EfficientNet-Lite feature extractor inside the FPN."""
        return self.net.encoder.model

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        height, width = image.shape[-2:]
        if height % STRIDE or width % STRIDE:
            raise ValueError(f"segmenter input must be a multiple of {STRIDE} px, got {width}x{height}")
        return self.net((image - self.mean) / self.std)


@register("segmenter", "fpn_lite0")
class FpnLite0(FpnEfficientNetLite):
    """The shipped segmenters' network: FPN on EfficientNet-Lite0 (75.1% ImageNet top-1)."""
    variant = "lite0"


@register("segmenter", "fpn_lite1")
class FpnLite1(FpnEfficientNetLite):
    """FPN on EfficientNet-Lite1 (76.7% ImageNet top-1): the same feature widths, 10% more depth, about 15% more
    time per photo on 2 CPU cores."""
    variant = "lite1"


@register("segmenter", "fpn_lite2")
class FpnLite2(FpnEfficientNetLite):
    """FPN on EfficientNet-Lite2 (77.5% ImageNet top-1): Lite1's depth with wider late stages (features of 48, 120
    and 352 channels where Lite0 and Lite1 have 40, 112 and 320)."""
    variant = "lite2"
