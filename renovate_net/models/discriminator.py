"""Conditional PatchGAN discriminator (pix2pix's 70x70 PatchGAN; multi-scale as in pix2pixHD, Wang et al.
2018; spectral norm, Miyato et al. 2018).

The discriminator judges an after image *together with* its input, so it can tell "a real renovation of
this photo, in this colour" from "a plausible image": before RGB and one-hot labels are stacked with the
image, and the request (types + Lab colours, pix2pix's "constant input planes") enters the first layer as
a learned per-channel bias. Away from the image border a convolution over constant planes *is* such a
bias, so this is the same conditioning without tripling the first layer's input channels (its most
expensive layer on a CPU).
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.parametrizations import spectral_norm as add_spectral_norm

from renovate_net.labels import NUM_LABELS
from renovate_net.models.conditioning import condition_vector
from renovate_net.models.registry import register

NORMS = ("none", "batch", "instance")


def _norm(kind: str, channels: int) -> nn.Module:
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    if kind == "instance":
        return nn.InstanceNorm2d(channels, affine=True)
    return nn.Identity()


def _maybe_sn(layer: nn.Module, spectral: bool) -> nn.Module:
    return add_spectral_norm(layer) if spectral else layer


class PatchLayers(nn.Module):
    """pix2pix's NLayerDiscriminator (n_layers=3: 70x70 receptive field), one logit per patch; the request
    vector adds a per-channel bias after the first convolution."""

    def __init__(self, in_channels: int, cond_channels: int, ndf: int, n_layers: int, norm: str, spectral: bool):
        super().__init__()
        self.first = _maybe_sn(nn.Conv2d(in_channels, ndf, 4, 2, 1), spectral)
        self.condition = _maybe_sn(nn.Linear(cond_channels, ndf, bias=False), spectral)
        self.rest = _rest_layers(ndf, n_layers, norm, spectral)

    def forward(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        x = self.first(x) + self.condition(cond)[:, :, None, None]
        return self.rest(F.leaky_relu(x, 0.2))


def _rest_layers(ndf: int, n_layers: int, norm: str, spectral: bool) -> nn.Sequential:
    def conv(cin: int, cout: int, stride: int, bias: bool) -> nn.Module:
        return _maybe_sn(nn.Conv2d(cin, cout, 4, stride, 1, bias=bias), spectral)

    use_bias = norm != "batch"
    layers: list[nn.Module] = []
    width = ndf
    for i in range(1, n_layers + 1):
        previous, width = width, ndf * min(2 ** i, 8)
        stride = 2 if i < n_layers else 1
        layers += [conv(previous, width, stride, use_bias), _norm(norm, width), nn.LeakyReLU(0.2)]
    layers.append(conv(width, 1, 1, True))
    return nn.Sequential(*layers)


@register("discriminator", "patchgan")
class PatchGAN(nn.Module):
    """Conditional PatchGAN at `num_scales` scales (each half the previous); forward returns one logit map
    per scale.

    Args:
        num_types: catalog types (the request planes).
        ndf: filters in the first layer; n_layers: strided layers (3 = 70x70 patches).
        norm: none | batch | instance; spectral_norm: wrap every conv in spectral normalisation.
    """

    def __init__(self, num_types: int, num_labels: int = NUM_LABELS, ndf: int = 64, n_layers: int = 3,
                 norm: str = "none", spectral_norm: bool = True, num_scales: int = 1):
        super().__init__()
        if norm not in NORMS:
            raise ValueError(f"unknown norm {norm!r}; choose from {NORMS}")
        if num_scales < 1:
            raise ValueError(f"num_scales must be >= 1, got {num_scales}")
        self.num_labels = num_labels
        self.scales = nn.ModuleList(PatchLayers(3 + 3 + num_labels, 4 * num_types, ndf, n_layers, norm,
                                                spectral_norm) for _ in range(num_scales))

    def forward(self, image: torch.Tensor, before: torch.Tensor, labels: torch.Tensor, active: torch.Tensor,
                colour: torch.Tensor) -> list[torch.Tensor]:
        """image and before [B,3,H,W] in [0,1], labels [B,H,W] int64 -> [B,1,h,w] logits per scale."""
        onehot = F.one_hot(labels, self.num_labels).permute(0, 3, 1, 2).to(image.dtype)
        x = torch.cat([image * 2 - 1, before.to(image.dtype) * 2 - 1, onehot], dim=1)
        cond = condition_vector(active.to(image.dtype), colour.to(image.dtype))
        logits = []
        for i, scale in enumerate(self.scales):
            if i:
                x = F.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False)
            logits.append(scale(x, cond))
        return logits
