"""Loss terms for the renovation GAN, pure functions returning dicts with stable names (the MLflow metric
names): `loss/g_l1`, `loss/g_edit_l1`, `loss/g_ssim`, `loss/g_edge`, `loss/g_adv`, `loss/g_alpha`, `loss/g_perceptual`,
`loss/d_real`, `loss/d_fake`.

The reconstruction terms follow IllumiNet (L1 + SSIM + edge); the adversarial term is hinge (Lim & Ye
2017), LSGAN (Mao et al. 2017) or pix2pix's original cross-entropy ("vanilla"). The optional perceptual
term is the project's LPIPS-style distance on frozen ImageNet EfficientNet-Lite0 feature maps, and SSIM
is the project's (`renovate_net.metrics`), so training optimises what evaluation measures.
"""
from __future__ import annotations

from typing import Mapping

import torch
import torch.nn.functional as F

from renovate_net import metrics

GAN_LOSSES = ("hinge", "lsgan", "vanilla")
# Config key in the `loss:` section -> the term it weighs.
WEIGHT_KEYS = {"l1": "loss/g_l1", "edit_l1": "loss/g_edit_l1", "ssim": "loss/g_ssim", "edge": "loss/g_edge", "adv": "loss/g_adv",
               "alpha": "loss/g_alpha", "perceptual": "loss/g_perceptual"}


def sobel(x: torch.Tensor) -> torch.Tensor:
    """Horizontal and vertical Sobel gradients per channel: [B,C,H,W] -> [B,2C,H-2,W-2]."""
    kx = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]], device=x.device) / 4
    kernel = torch.stack([kx, kx.t()])[:, None].repeat(x.shape[1], 1, 1, 1)
    return F.conv2d(x.float(), kernel, groups=x.shape[1])


def edge_loss(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return (sobel(x) - sobel(y)).abs().mean()


def discriminator_losses(real: list[torch.Tensor], fake: list[torch.Tensor], kind: str) -> dict[str, torch.Tensor]:
    """`loss/d_real` and `loss/d_fake`, each averaged over the discriminator's scales."""
    if kind not in GAN_LOSSES:
        raise ValueError(f"unknown GAN loss {kind!r}; choose from {GAN_LOSSES}")
    d_real = sum(_d_term(r.float(), True, kind) for r in real) / len(real)
    d_fake = sum(_d_term(f.float(), False, kind) for f in fake) / len(fake)
    return {"loss/d_real": d_real, "loss/d_fake": d_fake}


def _d_term(logits: torch.Tensor, real: bool, kind: str) -> torch.Tensor:
    if kind == "hinge":
        return F.relu(1 - logits).mean() if real else F.relu(1 + logits).mean()
    if kind == "lsgan":
        return ((logits - 1) ** 2).mean() if real else (logits ** 2).mean()
    target = torch.ones_like(logits) if real else torch.zeros_like(logits)
    return F.binary_cross_entropy_with_logits(logits, target)


def adversarial_loss(fake: list[torch.Tensor], kind: str) -> torch.Tensor:
    """The generator's adversarial term: make the discriminator call `fake` real."""
    if kind not in GAN_LOSSES:
        raise ValueError(f"unknown GAN loss {kind!r}; choose from {GAN_LOSSES}")
    terms = []
    for logits in fake:
        logits = logits.float()
        if kind == "hinge":
            terms.append(-logits.mean())
        elif kind == "lsgan":
            terms.append(((logits - 1) ** 2).mean())
        else:
            terms.append(F.binary_cross_entropy_with_logits(logits, torch.ones_like(logits)))
    return sum(terms) / len(terms)


def generator_losses(out: Mapping[str, torch.Tensor], target: torch.Tensor, edit_mask: torch.Tensor,
                     fake_logits: list[torch.Tensor] | None, kind: str,
                     perceptual: metrics.Lite0Features | None = None) -> dict[str, torch.Tensor]:
    """Named generator terms on the composited `out["after"]` against `target`.

    `loss/g_edit_l1` is the L1 inside the edit mask, normalised by its area per sample, so a small edit
    (window frames) weighs as much as a whole new facade.

    `loss/g_alpha` (binary cross-entropy of the alpha logit against the simulator's edit mask) is only
    present for generators that predict an edit mask; `loss/g_adv` only when `fake_logits` is given.
    """
    after = out["after"]
    losses = {
        "loss/g_l1": (after - target).abs().mean(),
        "loss/g_edit_l1": metrics.l1(after, target, edit_mask).mean(),
        "loss/g_ssim": 1 - metrics.ssim_map(after, target).mean(),
        "loss/g_edge": edge_loss(after, target),
    }
    if "alpha_logit" in out:
        losses["loss/g_alpha"] = F.binary_cross_entropy_with_logits(out["alpha_logit"].float(),
                                                                    (edit_mask > 0.5).float())
    if fake_logits is not None:
        losses["loss/g_adv"] = adversarial_loss(fake_logits, kind)
    if perceptual is not None:
        losses["loss/g_perceptual"] = metrics.perceptual(perceptual, after, target).mean()
    return losses


def weighted_total(losses: Mapping[str, torch.Tensor], weights: Mapping[str, float]) -> torch.Tensor:
    """sum(weight * term) over the terms present; `weights` is the config's `loss:` section."""
    total = torch.zeros((), device=next(iter(losses.values())).device)
    for key, name in WEIGHT_KEYS.items():
        if name in losses and weights.get(key, 0.0):
            total = total + weights[key] * losses[name]
    return total
