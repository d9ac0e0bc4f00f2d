"""Training checkpoints: one safetensors file per checkpoint, written atomically, loaded without unpickling.

Tensors (weights, EMA, optimizer moments, torch RNG states) are stored under prefixed keys
(`G/...`, `optG/3/exp_avg`, `rng/torch`); everything else (step, resolved config, catalog fingerprint,
optimizer hyper-parameters, scheduler counters, python/numpy RNG states) is JSON in the safetensors
header's metadata. Loading reads tensors with safetensors and JSON with `json`: no pickle anywhere.
"""
from __future__ import annotations

import json
import os
import random
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors import safe_open
from safetensors.torch import save_file

from renovate_net.catalog import load_catalog
from renovate_net.errors import UserError

FORMAT = "renovate-net-checkpoint/1"
LAST = "last.safetensors"


def save_checkpoint(path: str | Path, tensors: dict[str, torch.Tensor], meta: dict[str, Any]) -> Path:
    """Write tensors + JSON-able `meta` (plus format and catalog fingerprint) to `path` atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    header = {"format": FORMAT, "catalog_fingerprint": load_catalog().fingerprint}
    header.update({key: json.dumps(value) for key, value in meta.items()})
    clean = {k: v.detach().to("cpu").contiguous().clone() for k, v in tensors.items()}
    temp = path.with_name(f".{path.name}.tmp")
    save_file(clean, str(temp), metadata=header)
    with open(temp, "rb") as handle:  # on disk before the rename makes it visible
        os.fsync(handle.fileno())
    os.replace(temp, path)
    return path


def resolve_checkpoint(path: str | Path) -> Path:
    """A checkpoint file, or a run folder holding `last.safetensors`."""
    path = Path(path)
    if path.is_dir():
        path = path / LAST
    if not path.is_file():
        raise UserError(f"{path}: no such checkpoint; give a checkpoint file or a run folder from out_dir")
    return path


def load_checkpoint(path: str | Path) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """(tensors, meta) of a checkpoint; refuses other formats and other renovation catalogs."""
    path = resolve_checkpoint(path)
    try:
        with safe_open(str(path), framework="pt", device="cpu") as handle:
            header = handle.metadata() or {}
            tensors = {key: handle.get_tensor(key) for key in handle.keys()}
    except Exception as error:  # safetensors raises its own error types for corrupt headers
        raise UserError(f"{path}: not a readable checkpoint ({error}); give a file written by `train`") from None
    if header.get("format") != FORMAT:
        raise UserError(f"{path}: not a renovate-net training checkpoint (format {header.get('format')!r})")
    fingerprint = load_catalog().fingerprint
    if header.get("catalog_fingerprint") != fingerprint:
        raise UserError(f"{path}: written against renovation catalog {header.get('catalog_fingerprint')}, "
                        f"this install has {fingerprint}; start a new training run instead of resuming")
    meta = {k: json.loads(v) for k, v in header.items() if k not in ("format", "catalog_fingerprint")}
    return tensors, meta


def prefixed(prefix: str, state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {f"{prefix}/{key}": value for key, value in state.items()}


def unprefixed(prefix: str, tensors: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    start = len(prefix) + 1
    return {key[start:]: value for key, value in tensors.items() if key.startswith(f"{prefix}/")}


def optimizer_state(prefix: str, optimizer: torch.optim.Optimizer) -> tuple[dict[str, torch.Tensor], list]:
    """An optimizer's state dict split into tensors (`prefix/PARAM/NAME`) and JSON-able param groups."""
    state = optimizer.state_dict()
    tensors = {f"{prefix}/{index}/{name}": torch.as_tensor(value)
               for index, slots in state["state"].items() for name, value in slots.items()}
    return tensors, state["param_groups"]


def load_optimizer_state(optimizer: torch.optim.Optimizer, prefix: str, tensors: dict[str, torch.Tensor],
                         groups: list) -> None:
    """Inverse of `optimizer_state`."""
    state: dict[int, dict[str, torch.Tensor]] = {}
    for key, value in unprefixed(prefix, tensors).items():
        index, name = key.split("/", 1)
        state.setdefault(int(index), {})[name] = value
    for group in groups:  # JSON turned tuples into lists
        if "betas" in group:
            group["betas"] = tuple(group["betas"])
    optimizer.load_state_dict({"state": state, "param_groups": groups})


def rng_state() -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """Every random generator the training loop draws from: torch (CPU, CUDA), python, numpy."""
    tensors = {"rng/torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        tensors.update({f"rng/cuda/{i}": s for i, s in enumerate(torch.cuda.get_rng_state_all())})
    version, words, gauss = random.getstate()
    name, keys, pos, has_gauss, cached = np.random.get_state()
    meta = {"python": [version, list(words), gauss], "numpy": [name, keys.tolist(), pos, has_gauss, cached]}
    return tensors, meta


def set_rng_state(tensors: dict[str, torch.Tensor], meta: dict[str, Any]) -> None:
    torch.set_rng_state(tensors["rng/torch"])
    cuda = unprefixed("rng/cuda", tensors)
    cuda = [cuda[str(i)] for i in range(len(cuda))]
    if cuda and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(cuda[:torch.cuda.device_count()])
    version, words, gauss = meta["python"]
    random.setstate((version, tuple(words), gauss))
    name, keys, pos, has_gauss, cached = meta["numpy"]
    np.random.set_state((name, np.asarray(keys, dtype=np.uint32), pos, has_gauss, cached))
