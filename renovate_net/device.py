"""The one place that turns a `device` setting (auto, cpu, cuda) into a torch device."""
from __future__ import annotations

import torch

from renovate_net.errors import UserError

DEVICES = ("auto", "cpu", "cuda")


def pick_device(name: str = "auto", fix: str = "--device cpu") -> torch.device:
    """`auto` is CUDA when a GPU is visible, else the CPU. `fix` is how the caller's user picks the CPU
    (`--device cpu` on the command line, `--set device=cpu` for training), named in the error."""
    if name not in DEVICES:
        raise UserError(f"unknown device {name!r}; choose from: {', '.join(DEVICES)}")
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise UserError(f"device cuda asked for, but no CUDA GPU is visible; use {fix}")
    return torch.device(name)
