"""The renovation generator: a conditional attention U-Net.

Encoder: timm `efficientnet_lite0` (features_only, ImageNet weights when asked) over before RGB + one-hot
labels (+ the request painted onto the photo: the region the requested types edit and the colour asked for
there, `conditioning.request_maps`); its stem is widened for the extra channels, keeping the RGB filters. Skips pass through attention gates (Oktay et al. 2018, "Attention U-Net") driven by the
decoder, so the request decides which encoder details reach the output. The renovation embedding enters
by FiLM at the bottleneck and at every decoder scale. Heads: `rgb` (the renovated image) and `alpha`
(a soft edit mask); `after = alpha * rgb + (1 - alpha) * before`.

Alpha has an exact dead zone (a sigmoid under `alpha_dead_zone` is 0, over 1 - dead zone is 1) and is
multiplied by "any type requested", so untouched pixels — and the whole photo when no type is asked
for — come out bit-exact. The alpha loss is taken on `alpha_logit`, which always has a gradient.
"""
from __future__ import annotations

from typing import Sequence

import timm
import torch
import torch.nn as nn
import torch.nn.functional as F

from renovate_net.labels import NUM_LABELS
from renovate_net.models.conditioning import (FiLM, RenovationEmbedding, any_active, request_maps,
                                              type_region_matrix)
from renovate_net.models.pretrained import MEAN, STD, load_imagenet
from renovate_net.models.registry import register


def composite(before: torch.Tensor, rgb: torch.Tensor, alpha: torch.Tensor) -> torch.Tensor:
    """after = alpha * rgb + (1 - alpha) * before; where alpha == 0 the result is `before`, bit for bit."""
    return alpha * rgb + (1 - alpha) * before


def gated_alpha(alpha_logit: torch.Tensor, active: torch.Tensor, dead_zone: float) -> torch.Tensor:
    """Sigmoid with exact 0/1 ends, zeroed for requests without types (see module docstring)."""
    soft = torch.sigmoid(alpha_logit.float())
    alpha = ((soft - dead_zone) / (1 - 2 * dead_zone)).clamp(0, 1)
    return alpha * any_active(active.float())


def _groups(channels: int) -> int:
    return next(g for g in (8, 4, 2, 1) if channels % g == 0)


class DecoderBlock(nn.Module):
    """conv-GN-SiLU-conv-GN, then FiLM from the request and SiLU (conditional normalisation, as in SPADE
    but spatially uniform)."""

    def __init__(self, in_channels: int, out_channels: int, cond_dim: int):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False)
        self.norm1 = nn.GroupNorm(_groups(out_channels), out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
        self.norm2 = nn.GroupNorm(_groups(out_channels), out_channels, affine=False)
        self.film = FiLM(cond_dim, out_channels)

    def forward(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        x = F.silu(self.norm1(self.conv1(x)))
        return F.silu(self.film(self.norm2(self.conv2(x)), cond))


class AttentionGate(nn.Module):
    """Additive attention gate: skip * sigmoid(psi(relu(Wx skip + Wg gate))), one weight per pixel."""

    def __init__(self, skip_channels: int, gate_channels: int):
        super().__init__()
        inner = max(skip_channels // 2, 8)
        self.skip = nn.Conv2d(skip_channels, inner, 1, bias=False)
        self.gate = nn.Conv2d(gate_channels, inner, 1)
        self.psi = nn.Conv2d(inner, 1, 1)
        nn.init.constant_(self.psi.bias, 1.0)  # start mostly open, so skips carry detail from step one

    def forward(self, skip: torch.Tensor, gate: torch.Tensor) -> torch.Tensor:
        return skip * torch.sigmoid(self.psi(F.relu(self.skip(skip) + self.gate(gate))))


def _widen_stem(stem: nn.Conv2d, in_channels: int) -> nn.Conv2d:
    """The encoder's first conv, taking `in_channels` inputs: RGB filters copied, the extra ones start at 0."""
    wide = nn.Conv2d(in_channels, stem.out_channels, stem.kernel_size, stem.stride, stem.padding,
                     bias=stem.bias is not None)
    with torch.no_grad():
        wide.weight.zero_()
        wide.weight[:, :stem.in_channels] = stem.weight
        if stem.bias is not None:
            wide.bias.copy_(stem.bias)
    return wide


@register("generator", "attention_unet")
class AttentionUNet(nn.Module):
    """Conditional attention U-Net; input sides must be multiples of 32.

    Args:
        num_types, num_materials: catalog sizes (the embedding layout).
        type_regions: label id each catalog type edits (for the request maps).
        decoder_channels: 6 widths: bottleneck (1/32), then 1/16, 1/8, 1/4, 1/2 and full resolution.
        cond_dim, material_dim: renovation embedding and per-material embedding sizes.
        pretrained: load the packaged ImageNet EfficientNet-Lite0 weights into the encoder.
        use_region_prior: add the request maps (the requested types' dilated label region and the Lab
            colour asked for there) as 4 input channels, also skipped straight to the last decoder block.
        prior_dilation: pixels the region is grown by.
        placed_types: indices of the types whose request map is their object's placement (where the pool,
            garage or solar panels stand, `forward`'s `placement`) rather than their label region; empty for
            models trained without placements.
        sketch_blur: with placements, also give the network a colour sketch of each added object (the
            simulator's drawing, `forward`'s `drawn`, blurred by this many pixels); None: no sketch.
        alpha_dead_zone: sigmoid values within this distance of 0 or 1 become exactly 0 or 1.
    """

    input_multiple = 32  # what the renderer rounds the working size to

    def __init__(self, num_types: int, num_materials: int, type_regions: Sequence[int],
                 num_labels: int = NUM_LABELS, decoder_channels: Sequence[int] = (192, 128, 64, 48, 32, 16),
                 cond_dim: int = 128, material_dim: int = 16, pretrained: bool = False,
                 use_region_prior: bool = True, prior_dilation: int = 6, alpha_dead_zone: float = 0.01,
                 placed_types: Sequence[int] = (), sketch_blur: float | None = None):
        super().__init__()
        if len(decoder_channels) != 6:
            raise ValueError(f"decoder_channels needs 6 widths (1/32 ... full resolution), got {decoder_channels}")
        self.num_labels = num_labels
        self.use_region_prior = use_region_prior
        self.prior_dilation = prior_dilation
        self.alpha_dead_zone = alpha_dead_zone
        self.register_buffer("type_regions", type_region_matrix(type_regions, num_labels), persistent=False)
        placed = torch.zeros(num_types, dtype=torch.bool)
        placed[list(placed_types)] = True
        self.register_buffer("placed_types", placed, persistent=False)
        self.uses_placement = use_region_prior and len(placed_types) > 0
        self.uses_sketch = self.uses_placement and sketch_blur is not None
        self.sketch_blur = sketch_blur or 0.0
        self.register_buffer("mean", torch.tensor(MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(STD).view(1, 3, 1, 1), persistent=False)

        self.embedding = RenovationEmbedding(num_types, num_materials, cond_dim, material_dim)
        self.encoder = timm.create_model("efficientnet_lite0", features_only=True, pretrained=False)
        if pretrained:
            load_imagenet(self.encoder)
        in_channels = 3 + num_labels + 4 * int(use_region_prior)
        self.encoder.conv_stem = _widen_stem(self.encoder.conv_stem, in_channels)

        # Skips from fine to coarse: the raw input (full res), then encoder strides 2, 4, 8, 16.
        skips = [in_channels, *self.encoder.feature_info.channels()[:-1]]
        deepest = self.encoder.feature_info.channels()[-1]
        self.bottleneck = DecoderBlock(deepest, decoder_channels[0], cond_dim)
        self.gates = nn.ModuleList()
        self.blocks = nn.ModuleList()
        for level, out_channels in enumerate(decoder_channels[1:]):
            skip_channels = skips[-1 - level]
            self.gates.append(AttentionGate(skip_channels, decoder_channels[level]))
            self.blocks.append(DecoderBlock(decoder_channels[level] + skip_channels, out_channels, cond_dim))
        self.head = nn.Conv2d(decoder_channels[-1], 4, 1)
        with torch.no_grad():  # alpha starts mostly closed: an untrained model returns about its input
            self.head.bias[3] = -2.0

    def forward(self, before: torch.Tensor, labels: torch.Tensor, active: torch.Tensor,
                material: torch.Tensor, colour: torch.Tensor,
                placement: torch.Tensor | None = None, drawn: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """before and drawn [B,3,H,W] in [0,1], labels and placement [B,H,W] int64 -> {rgb, alpha, alpha_logit,
        after}. `drawn` shows the added objects in their footprints (the simulator's after); see request_maps."""
        onehot = F.one_hot(labels, self.num_labels).permute(0, 3, 1, 2).to(before.dtype)
        inputs = [(before - self.mean) / self.std, onehot]
        if self.use_region_prior:
            inputs.append(request_maps(onehot, active.to(before.dtype), colour.to(before.dtype),
                                       self.type_regions, self.prior_dilation, placement,
                                       self.placed_types if self.uses_placement else None,
                                       drawn if self.uses_sketch else None, self.sketch_blur))
        x_in = torch.cat(inputs, dim=1)
        cond = self.embedding(active, material, colour)

        features = self.encoder(x_in)
        skips = [x_in, *features[:-1]]
        x = self.bottleneck(features[-1], cond)
        for level, (gate, block) in enumerate(zip(self.gates, self.blocks)):
            skip = skips[-1 - level]
            x = F.interpolate(x, size=skip.shape[-2:], mode="bilinear", align_corners=False)
            x = block(torch.cat([x, gate(skip, x)], dim=1), cond)
        out = self.head(x).float()
        rgb = torch.sigmoid(out[:, :3])
        alpha = gated_alpha(out[:, 3:], active, self.alpha_dead_zone)
        return {"rgb": rgb, "alpha": alpha, "alpha_logit": out[:, 3:],
                "after": composite(before.float(), rgb, alpha)}
