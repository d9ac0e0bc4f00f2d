"""What the GAN trainer builds from a config: network specs (name + kwargs, the model card's recipe),
optimizers with the warm-up + cosine schedule, the generator EMA, the device and torchrun's process group.

Only this module and the trainer read the config; networks get plain arguments.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Any

import torch
import torch.distributed as dist
from torch.optim.swa_utils import AveragedModel

from renovate_net.catalog import Catalog
from renovate_net.config import Config
from renovate_net.engine.schedule import WarmupCosine
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
    """AdamW (pix2pix betas from `gan`) and its LambdaLR warm-up + cosine schedule."""
    train = config.train
    optimizer = torch.optim.AdamW(params, lr=lr, betas=(config.gan.beta1, config.gan.beta2),
                                  weight_decay=train.weight_decay)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, WarmupCosine(train.warmup_steps, train.steps, train.min_lr_ratio))
    return optimizer, schedule


def scheduler_state(schedule) -> dict:
    """LambdaLR's counters (JSON-able); the factor function itself is rebuilt from the config."""
    return {k: v for k, v in schedule.state_dict().items() if k != "lr_lambdas"}


def load_scheduler_state(schedule, state: dict) -> None:
    schedule.load_state_dict({**state, "lr_lambdas": [None]})


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


@dataclass(frozen=True)
class Runtime:
    """Where this process trains: its device, and its place among torchrun's processes."""
    device: torch.device
    rank: int = 0
    world: int = 1
    local_rank: int = 0

    @property
    def main(self) -> bool:
        return self.rank == 0

    @property
    def cuda(self) -> bool:
        return self.device.type == "cuda"


def start_runtime(device: str) -> Runtime:
    """Pick the device; under `torchrun` (WORLD_SIZE > 1) join the process group (NCCL on GPUs, else gloo)."""
    if device not in ("auto", "cpu", "cuda"):
        raise UserError(f"device {device!r} is not one of auto, cpu, cuda")
    if device == "cuda" and not torch.cuda.is_available():
        raise UserError("device cuda asked for but no CUDA GPU is visible; use --set device=cpu")
    use_cuda = device == "cuda" or (device == "auto" and torch.cuda.is_available())
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world == 1:
        return Runtime(torch.device("cuda" if use_cuda else "cpu"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    if use_cuda:
        torch.cuda.set_device(local_rank)
    dist.init_process_group("nccl" if use_cuda else "gloo")
    target = torch.device("cuda", local_rank) if use_cuda else torch.device("cpu")
    return Runtime(target, dist.get_rank(), world, local_rank)


def stop_runtime(runtime: Runtime) -> None:
    if runtime.world > 1 and dist.is_initialized():
        dist.destroy_process_group()
