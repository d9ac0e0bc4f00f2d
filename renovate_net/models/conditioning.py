"""Renovation conditioning: the request embedding, FiLM, and the spatial planes built from a request.

The request arrives as the arrays of `renovate_net.request.condition_arrays` (one slot per catalog type):
`active` [B,T] multi-hot, `material` [B,T] catalog-wide material index, `colour` [B,T,3] Lab scaled to
about [-1, 1]. Like IllumiNet's light-direction encoder, the colour is a continuous input, so a custom
`--color` is understood, not only a material id. FiLM (Perez et al. 2018) turns the embedding into a
per-channel scale and shift, injected at the bottleneck and at every decoder scale.
"""
from __future__ import annotations

from typing import Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

from renovate_net.colour import LAB_EPSILON, LAB_KAPPA, RGB_TO_XYZ, WHITE_D65


class RenovationEmbedding(nn.Module):
    """multi-hot types ⊕ learned material embeddings ⊕ Lab colours -> MLP -> one vector per request.

    Inactive slots contribute zeros (their material embedding and colour are masked by `active`), so
    the embedding depends only on what was requested.
    """

    def __init__(self, num_types: int, num_materials: int, dim: int = 128, material_dim: int = 16):
        super().__init__()
        self.num_types = num_types
        self.materials = nn.Embedding(num_materials, material_dim)
        per_slot = 1 + material_dim + 3
        self.mlp = nn.Sequential(
            nn.Linear(num_types * per_slot, 2 * dim), nn.SiLU(),
            nn.Linear(2 * dim, dim), nn.SiLU(),
        )

    def forward(self, active: torch.Tensor, material: torch.Tensor, colour: torch.Tensor) -> torch.Tensor:
        on = active.unsqueeze(-1)
        slots = torch.cat([on, on * self.materials(material), on * colour], dim=-1)
        return self.mlp(slots.flatten(1))


class FiLM(nn.Module):
    """x * (1 + gamma(c)) + beta(c), per channel; starts near the identity so pretrained features survive."""

    def __init__(self, cond_dim: int, channels: int):
        super().__init__()
        self.proj = nn.Linear(cond_dim, 2 * channels)
        with torch.no_grad():  # small, not zero: a zero layer would starve the embedding MLP of gradient
            self.proj.weight.mul_(0.1)
            self.proj.bias.zero_()

    def forward(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        gamma, beta = self.proj(cond)[:, :, None, None].chunk(2, dim=1)
        return x * (1 + gamma) + beta


def any_active(active: torch.Tensor) -> torch.Tensor:
    """[B,T] -> [B,1,1,1]: 1 where the request has at least one type, else 0 (forces alpha to exactly 0)."""
    return (active.amax(dim=1) > 0).to(active.dtype)[:, None, None, None]


def condition_vector(active: torch.Tensor, colour: torch.Tensor) -> torch.Tensor:
    """The request as one flat vector: T type flags + 3T Lab colours (zero for inactive types), [B,4T]."""
    return torch.cat([active, (active.unsqueeze(-1) * colour).flatten(1)], dim=1)


def condition_planes(active: torch.Tensor, colour: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """The request as constant input planes (pix2pix style): `condition_vector` broadcast to [B,4T,H,W]."""
    return condition_vector(active, colour)[:, :, None, None].expand(-1, -1, height, width)


_RGB_TO_XYZ_D65 = torch.from_numpy(RGB_TO_XYZ / WHITE_D65[:, None]).float()  # linear sRGB -> XYZ / white


def scaled_lab(rgb: torch.Tensor) -> torch.Tensor:
    """[B,3,H,W] sRGB in [0,1] -> CIE Lab (D65) scaled as the request's colours: L/50 - 1, a/100, b/100
    (`colour.srgb_to_lab`, in torch)."""
    rgb = rgb.float().clamp(0, 1)
    linear = torch.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    xyz = torch.einsum("ij,bjhw->bihw", _RGB_TO_XYZ_D65.to(rgb.device), linear)
    f = torch.where(xyz > LAB_EPSILON, xyz.clamp_min(LAB_EPSILON) ** (1 / 3), (LAB_KAPPA * xyz + 16) / 116)
    return torch.stack([(116 * f[:, 1] - 16) / 50 - 1, 5 * (f[:, 0] - f[:, 1]), 2 * (f[:, 1] - f[:, 2])], dim=1)


def blur_within(image: torch.Tensor, mask: torch.Tensor, sigma: float) -> torch.Tensor:
    """Gaussian blur of [B,C,H,W] `image` using only the pixels where [B,1,H,W] `mask` is 1 (normalised
    convolution, so nothing outside bleeds in); zero outside the mask."""
    if sigma <= 0:
        return image * mask
    radius = max(1, int(3 * sigma + 0.5))
    taps = torch.exp(-torch.arange(-radius, radius + 1, device=image.device, dtype=image.dtype) ** 2 / (2 * sigma ** 2))
    taps = taps / taps.sum()

    def blur(x: torch.Tensor) -> torch.Tensor:  # separable: rows, then columns, channel by channel
        channels = x.shape[1]
        x = F.conv2d(x, taps.view(1, 1, 1, -1).expand(channels, 1, 1, -1), padding=(0, radius), groups=channels)
        return F.conv2d(x, taps.view(1, 1, -1, 1).expand(channels, 1, -1, 1), padding=(radius, 0), groups=channels)

    return blur(image * mask) / blur(mask).clamp_min(1e-3) * mask


def request_maps(labels_onehot: torch.Tensor, active: torch.Tensor, colour: torch.Tensor,
                 type_regions: torch.Tensor, dilation: int, placement: torch.Tensor | None = None,
                 placed_types: torch.Tensor | None = None, drawn: torch.Tensor | None = None,
                 sketch_blur: float = 0.0) -> torch.Tensor:
    """The request painted onto the photo: where the requested types may edit (the union of their label
    regions, grown by `dilation` pixels because a garage or pool spills over its region's border) and the
    Lab colour asked for there (the mean where two types share a region, 0 elsewhere).

    With `placement` ([B,H,W]: 1 + type index of the added object at a pixel, else 0) and `placed_types`
    ([T] bool), those types' maps are where their object stands instead of their whole label region: the
    network is told where to draw the pool, not only that there is one somewhere on the ground.

    With `drawn` too ([B,3,H,W] RGB in [0,1] whose footprint pixels show the objects as the simulator draws
    them), the colour planes there are the object's own colours, blurred by `sketch_blur` pixels: a colour
    sketch of water and coping, door and wall, panel cells and frames, which the network turns into the
    object (SPADE-style layout-to-image, Park et al. 2019, with colours instead of class ids).

    labels_onehot [B,L,H,W], active [B,T], colour [B,T,3], type_regions [T,L] -> [B,4,H,W] (prior, L, a, b).
    """
    per_type = torch.einsum("tl,blhw->bthw", type_regions.to(labels_onehot.dtype), labels_onehot)
    footprint = None  # [B,1,H,W]: where an added object of a placed type stands
    if placement is not None and placed_types is not None:
        num_types = type_regions.shape[0]
        stands = F.one_hot(placement, num_types + 1)[..., 1:].permute(0, 3, 1, 2).to(per_type.dtype)
        placed = placed_types[None, :, None, None]
        per_type = torch.where(placed, stands, per_type)
        footprint = (stands * placed).amax(dim=1, keepdim=True)
    per_type = per_type * active[:, :, None, None]
    if dilation > 0:
        size = 2 * dilation + 1  # a square max filter, as two 1-D passes (exact, and ~5x faster at 256 px)
        per_type = F.max_pool2d(per_type, (1, size), stride=1, padding=(0, dilation))
        per_type = F.max_pool2d(per_type, (size, 1), stride=1, padding=(dilation, 0))
    prior = per_type.amax(dim=1, keepdim=True)
    colours = torch.einsum("bthw,btc->bchw", per_type, colour * active.unsqueeze(-1))
    colours = colours / per_type.sum(dim=1, keepdim=True).clamp(min=1)
    if drawn is not None and footprint is not None:
        sketch = blur_within(scaled_lab(drawn).to(colours.dtype), footprint, sketch_blur)
        colours = torch.where(footprint > 0, sketch, colours)
    return torch.cat([prior, colours], dim=1)


def type_region_matrix(type_regions: Sequence[int], num_labels: int) -> torch.Tensor:
    """Label id per type ([T]) -> the [T,L] one-hot matrix `request_maps` takes."""
    return F.one_hot(torch.as_tensor(list(type_regions), dtype=torch.long), num_labels).float()
