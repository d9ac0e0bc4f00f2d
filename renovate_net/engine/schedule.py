"""The learning-rate schedule every trainer uses: linear warm-up, then cosine decay (Loshchilov and Hutter,
SGDR, ICLR 2017, without restarts)."""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class WarmupCosine:
    """LR factor: linear warm-up over `warmup` steps, then cosine decay to `min_ratio` at `total` steps."""
    warmup: int
    total: int
    min_ratio: float

    def __call__(self, step: int) -> float:
        if step < self.warmup:
            return (step + 1) / self.warmup
        progress = min(1.0, (step - self.warmup) / max(1, self.total - self.warmup))
        return self.min_ratio + (1 - self.min_ratio) * 0.5 * (1 + math.cos(math.pi * progress))


def warmup_cosine(optimizer: torch.optim.Optimizer, warmup: int, total: int,
                  min_ratio: float) -> torch.optim.lr_scheduler.LambdaLR:
    """A LambdaLR over every param group's own initial lr (so encoder and decoder groups keep their ratio)."""
    return torch.optim.lr_scheduler.LambdaLR(optimizer, WarmupCosine(warmup, total, min_ratio))


def scheduler_state(schedule: torch.optim.lr_scheduler.LambdaLR) -> dict:
    """LambdaLR's counters (JSON-able); the factor function itself is rebuilt from the config."""
    return {k: v for k, v in schedule.state_dict().items() if k != "lr_lambdas"}


def load_scheduler_state(schedule: torch.optim.lr_scheduler.LambdaLR, state: dict) -> None:
    schedule.load_state_dict({**state, "lr_lambdas": [None] * len(schedule.lr_lambdas)})
