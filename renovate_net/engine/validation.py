"""Validation during generator training, on held-out pairs (never the training photos): `val/*` metrics
and a before / target / output / alpha sample grid.

Metrics (means over the validation pairs, from `renovate_net.metrics`):
  val/edit_l1, val/edit_psnr, val/edit_ssim  — inside the simulator's edit mask, against the target
  val/psnr, val/ssim                         — whole image, against the target
  val/preserve_max                           — largest change (0..255 levels) outside the edit mask: 0 = bit-exact
  val/preserve_psnr                          — PSNR of output vs before outside the edit mask
  val/alpha_iou                              — IoU of alpha > 0.5 with the edit mask
"""
from __future__ import annotations

from typing import Callable, Iterable

import numpy as np
import torch

from renovate_net import metrics
from renovate_net.labels import PALETTE

Batch = dict[str, torch.Tensor]


def _to_uint8(images: torch.Tensor) -> np.ndarray:
    """[N,C,H,W] in [0,1] -> [N,H,W,3] uint8 (single channels shown as grey)."""
    images = images.detach().float().clamp(0, 1)
    if images.shape[1] == 1:
        images = images.expand(-1, 3, -1, -1)
    return (images.permute(0, 2, 3, 1).cpu().numpy() * 255 + 0.5).astype(np.uint8)


def batch_metrics(out: dict[str, torch.Tensor], batch: Batch) -> dict[str, torch.Tensor]:
    """Per-sample metrics [N] for one batch (see the module docstring)."""
    after, target, before = out["after"].float(), batch["after"], batch["before"]
    edited = (batch["edit_mask"] > 0.5).float()
    untouched = (batch["edit_mask"] == 0).float()
    predicted = (out["alpha"] > 0.5).float()
    union = ((predicted + edited) > 0).float().flatten(1).sum(1)
    output_u8, before_u8 = _to_uint8(after), _to_uint8(before)
    mask_np = batch["edit_mask"][:, 0].cpu().numpy()
    return {
        "val/edit_l1": metrics.l1(after, target, edited),
        "val/edit_psnr": metrics.psnr(after, target, edited),
        "val/edit_ssim": metrics.ssim(after, target, edited),
        "val/psnr": metrics.psnr(after, target),
        "val/ssim": metrics.ssim(after, target),
        "val/preserve_max": torch.tensor([float(metrics.max_abs_diff_outside(o, b, m))
                                          for o, b, m in zip(output_u8, before_u8, mask_np)]),
        "val/preserve_psnr": metrics.psnr(after, before, untouched),
        "val/alpha_iou": (predicted * edited).flatten(1).sum(1) / union.clamp_min(1),
    }


@torch.no_grad()
def validate(generate: Callable[[Batch], dict[str, torch.Tensor]], batches: Iterable[Batch],
             device: torch.device, limit: int = 0) -> tuple[dict[str, float], Batch | None, dict | None]:
    """Run `generate` over the validation batches; return (mean metrics, first batch, its outputs)."""
    sums: dict[str, float] = {}
    count = 0
    first_batch = first_out = None
    for batch in batches:
        batch = {k: v.to(device) for k, v in batch.items()}
        out = generate(batch)
        cpu_batch = {k: v.cpu() for k, v in batch.items()}
        cpu_out = {k: v.float().cpu() for k, v in out.items()}
        if first_batch is None:
            first_batch, first_out = cpu_batch, cpu_out
        per_sample = batch_metrics(cpu_out, cpu_batch)
        has_edit = (cpu_batch["edit_mask"] > 0.5).flatten(1).any(1)
        for key, values in per_sample.items():
            if key.startswith(("val/edit_", "val/alpha")):
                values = values[has_edit]  # pairs without an edit region say nothing about edit quality
            sums[key] = sums.get(key, 0.0) + float(values.sum())
            sums[f"{key}#n"] = sums.get(f"{key}#n", 0.0) + len(values)
        count += len(has_edit)
        if limit and count >= limit:
            break
    means = {k: sums[k] / sums[f"{k}#n"] for k in sums if not k.endswith("#n") and sums[f"{k}#n"]}
    return means, first_batch, first_out


def label_colours(labels: torch.Tensor) -> torch.Tensor:
    """[N,H,W] class ids -> [N,3,H,W] palette colours in [0,1]."""
    palette = torch.tensor(PALETTE, dtype=torch.float32) / 255
    return palette[labels.long()].permute(0, 3, 1, 2)


def sample_grid(batch: Batch, out: dict[str, torch.Tensor], rows: int) -> np.ndarray:
    """One row per sample: before | labels | target after | output after | alpha | simulator edit mask."""
    n = min(rows, batch["before"].shape[0])
    columns = [batch["before"][:n], label_colours(batch["labels"][:n]), batch["after"][:n],
               out["after"][:n], out["alpha"][:n], batch["edit_mask"][:n]]
    tiles = [_to_uint8(column) for column in columns]  # each [n,H,W,3]
    gap = 4
    height, width = tiles[0].shape[1:3]
    grid = np.full((n * (height + gap) - gap, len(tiles) * (width + gap) - gap, 3), 255, np.uint8)
    for c, tile in enumerate(tiles):
        for r in range(n):
            y, x = r * (height + gap), c * (width + gap)
            grid[y:y + height, x:x + width] = tile[r]
    return grid
