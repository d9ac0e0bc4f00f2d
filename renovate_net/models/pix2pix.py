"""The pix2pix baseline (Isola et al. 2017, "Image-to-Image Translation with Conditional Adversarial
Networks"), as in the project's seeds: the U-Net-256 generator (ngf=64: 54.4M parameters; ngf=16, the
shipped baseline's: 3.4M), BatchNorm, dropout in the three innermost decoder layers, tanh output.

Its input is the before photo, the one-hot facade labels and the request as constant planes
(T type planes + 3T Lab colour planes; no learned material embedding). The labels and colour planes
make the baseline a fair one: it sees the same information as the attention U-Net, only the
architecture and conditioning differ.

pix2pix predicts the whole after image, so it has no edit mask: to run through the same interface as
the attention U-Net, its `alpha` is 1 everywhere when any type is requested (after = rgb) and 0 when
none is (after = before, bit-exact). The 70x70 PatchGAN is `discriminator.PatchGAN` with
`norm="batch", spectral_norm=False`.
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from renovate_net.labels import NUM_LABELS
from renovate_net.models.conditioning import any_active, condition_planes
from renovate_net.models.generator import composite
from renovate_net.models.registry import register


class _Down(nn.Module):
    """LeakyReLU(0.2) -> conv4x4 stride 2 -> BatchNorm (the outermost layer has no activation/norm before,
    the innermost no norm after, as in the paper)."""

    def __init__(self, in_channels: int, out_channels: int, outermost: bool, innermost: bool):
        super().__init__()
        layers: list[nn.Module] = [] if outermost else [nn.LeakyReLU(0.2)]
        layers.append(nn.Conv2d(in_channels, out_channels, 4, 2, 1, bias=False))
        if not (outermost or innermost):
            layers.append(nn.BatchNorm2d(out_channels))
        self.body = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)


class _Up(nn.Module):
    """ReLU -> transposed conv4x4 stride 2 -> BatchNorm [-> Dropout(0.5)]; the outermost ends in tanh."""

    def __init__(self, in_channels: int, out_channels: int, outermost: bool, dropout: bool):
        super().__init__()
        layers: list[nn.Module] = [nn.ReLU(), nn.ConvTranspose2d(in_channels, out_channels, 4, 2, 1,
                                                                 bias=outermost)]
        if outermost:
            layers.append(nn.Tanh())
        else:
            layers.append(nn.BatchNorm2d(out_channels))
            if dropout:
                layers.append(nn.Dropout(0.5))
        self.body = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)


@register("generator", "pix2pix_unet")
class Pix2PixUNet(nn.Module):
    """U-Net with `num_downs` halvings (8 for 256 px: "U-Net-256"); input sides must be 2**num_downs."""

    def __init__(self, num_types: int, num_labels: int = NUM_LABELS, ngf: int = 64, num_downs: int = 8):
        super().__init__()
        if num_downs < 5:
            raise ValueError(f"num_downs must be >= 5 (pix2pix's widths need it), got {num_downs}")
        self.num_labels = num_labels
        self.input_multiple = 2 ** num_downs  # what the renderer rounds the working size to
        in_channels = 3 + num_labels + 4 * num_types
        widths = [ngf, ngf * 2, ngf * 4] + [ngf * 8] * (num_downs - 3)
        self.downs = nn.ModuleList()
        previous = in_channels
        for i, width in enumerate(widths):
            self.downs.append(_Down(previous, width, outermost=i == 0, innermost=i == num_downs - 1))
            previous = width
        self.ups = nn.ModuleList()
        for i in reversed(range(num_downs)):  # innermost first
            innermost, outermost = i == num_downs - 1, i == 0
            in_ch = widths[i] if innermost else widths[i] * 2  # the innermost has no skip to concatenate
            out_ch = 3 if outermost else widths[i - 1]
            self.ups.append(_Up(in_ch, out_ch, outermost, dropout=num_downs - 5 < i < num_downs - 1))

    def forward(self, before: torch.Tensor, labels: torch.Tensor, active: torch.Tensor,
                material: torch.Tensor, colour: torch.Tensor,
                placement: torch.Tensor | None = None, drawn: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """Same interface as the attention U-Net; `material`, `placement` and `drawn` are unused (pix2pix only
        sees constant colour planes)."""
        del material, placement, drawn
        height, width = before.shape[-2:]
        onehot = F.one_hot(labels, self.num_labels).permute(0, 3, 1, 2).to(before.dtype)
        x = torch.cat([before * 2 - 1, onehot, condition_planes(active.to(before.dtype),
                                                                colour.to(before.dtype), height, width)], 1)
        skips = []
        for down in self.downs:
            x = down(x)
            skips.append(x)
        x = skips.pop()
        for up in self.ups:
            x = up(x)
            if skips:
                x = torch.cat([x, skips.pop()], dim=1)
        rgb = (x.float() + 1) / 2
        alpha = any_active(active.float()).expand_as(rgb[:, :1])
        return {"rgb": rgb, "alpha": alpha, "after": composite(before.float(), rgb, alpha)}
