"""What the GAN trainer builds from a config: network specs (name + kwargs, the model card's recipe),
optimizers with the warm-up + cosine schedule, and the generator EMA.

Only this module and the trainer read the config; networks get plain arguments.
"""
from __future__ import annotations

import math
from typing import Any

import torch
from torch.optim.swa_utils import AveragedModel

from renovate_net.catalog import Catalog
from renovate_net.config import Config
from renovate_net.engine.schedule import warmup_cosine
from renovate_net.errors import UserError
from renovate_net.labels import NUM_LABELS


def generator_spec(config: Config, catalog: Catalog) -> tuple[str, dict[str, Any]]:
    """(registered name, constructor kwargs) of the configured generator; kwargs are JSON-able."""
    model, size = config.model, config.data.image_size
    name = model.generator
    if name == "attention_unet":
        if size % 32:
            raise UserError(f"data.image_size {size} must be a multiple of 32 for attention_unet; e.g. 256 or 512")
        return name, {"num_types": len(catalog.types), "num_materials": len(catalog.materials),
                      "type_regions": [t.region_id for t in catalog.types], "num_labels": NUM_LABELS,
                      "decoder_channels": list(model.decoder_channels), "cond_dim": model.cond_dim,
                      "material_dim": model.material_dim, "pretrained": model.pretrained,
                      "use_region_prior": model.region_prior, "prior_dilation": model.prior_dilation,
                      "placed_types": [t.index for t in catalog.types if t.kind == "additive" and model.placement],
                      "sketch_blur": model.sketch_blur if model.placement and model.sketch else None}
    if name == "pix2pix_unet":
        downs = round(math.log2(size))
        if 2 ** downs != size or downs < 5:
            raise UserError(f"data.image_size {size} must be a power of two >= 32 for pix2pix_unet; e.g. 256")
        return name, {"num_types": len(catalog.types), "num_labels": NUM_LABELS, "ngf": model.ngf,
                      "num_downs": downs}
    raise UserError(f"unknown model.generator {name!r}; choose attention_unet or pix2pix_unet")


def discriminator_spec(config: Config, catalog: Catalog) -> tuple[str, dict[str, Any]]:
    model = config.model
    if model.discriminator != "patchgan":
        raise UserError(f"unknown model.discriminator {model.discriminator!r}; choose patchgan")
    return "patchgan", {"num_types": len(catalog.types), "num_labels": NUM_LABELS, "ndf": model.ndf,
                        "n_layers": model.d_layers, "norm": model.d_norm,
                        "spectral_norm": model.spectral_norm, "num_scales": model.d_scales}


def optimizer_and_schedule(params, lr: float, config: Config) -> tuple[torch.optim.Optimizer, Any]:
    """AdamW (pix2pix betas from `gan`) and its warm-up + cosine schedule."""
    train = config.train
    optimizer = torch.optim.AdamW(params, lr=lr, betas=(config.gan.beta1, config.gan.beta2),
                                  weight_decay=train.weight_decay)
    return optimizer, warmup_cosine(optimizer, train.warmup_steps, train.steps, train.min_lr_ratio)


def ema_of(generator: torch.nn.Module, decay: float) -> AveragedModel:
    """torch's AveragedModel with an EMA whose decay warms up (min(decay, (1+n)/(10+n))), so short runs
    are not dominated by the initial weights; buffers (BatchNorm statistics) are averaged too."""
    @torch.no_grad()
    def update(ema_params: list, params: list, n_averaged: torch.Tensor) -> None:
        n = float(n_averaged)
        weight = 1 - min(decay, (1 + n) / (10 + n))
        if torch.is_floating_point(ema_params[0]):
            torch._foreach_lerp_(ema_params, params, weight)
        else:  # integer buffers (BatchNorm's batch counters) follow the live model
            for ema, live in zip(ema_params, params):
                ema.copy_(live)

    return AveragedModel(generator, multi_avg_fn=update, use_buffers=True)
