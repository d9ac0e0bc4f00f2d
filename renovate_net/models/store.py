"""Save and load a model as a folder: `weights.safetensors` + `model.json` (how to rebuild it, and its contract:
`models/spec.py`) + `config.yaml`.

Loading never unpickles: weights come from safetensors, everything else is JSON/YAML. A model saved
against one renovation catalog refuses to load against another (fingerprint check).
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import torch
import torch.nn as nn
from safetensors.torch import load_file, save_file

from renovate_net.catalog import load_catalog
from renovate_net.errors import UserError
from renovate_net.models.registry import create
from renovate_net.models.spec import contract_for

WEIGHTS = "weights.safetensors"
SPEC = "model.json"
CONFIG = "config.yaml"
CARD = "MODEL_CARD.md"  # the model card every published model folder carries


def save_model(
    folder: str | Path,
    model: nn.Module,
    kind: str,
    name: str,
    kwargs: dict[str, Any],
    config_yaml: str = "",
    extra: dict[str, Any] | None = None,
    half: bool = False,
) -> Path:
    """Write the model folder atomically (built beside it, then renamed into place)."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    temp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        state = {k: v.detach().to("cpu").contiguous() for k, v in model.state_dict().items()}
        if half:  # smaller files in git; floats only, integer buffers stay as they are
            state = {k: v.half() if v.is_floating_point() else v for k, v in state.items()}
        save_file(state, str(temp / WEIGHTS))
        spec = {"kind": kind, "name": name, "kwargs": kwargs,
                "catalog_fingerprint": load_catalog().fingerprint, **(extra or {})}
        spec["contract"] = contract_for(kind, name, kwargs, spec)
        (temp / SPEC).write_text(json.dumps(spec, indent=2))
        (temp / CONFIG).write_text(config_yaml)
        if folder.exists():
            shutil.rmtree(folder)
        os.replace(temp, folder)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    return folder


def read_spec(folder: str | Path) -> dict[str, Any]:
    path = Path(folder) / SPEC
    if not path.exists():
        raise UserError(f"{folder}: not a renovate-net model folder (no {SPEC}); give a model URI or folder")
    return json.loads(path.read_text())


def load_model(folder: str | Path, kind: str | None = None, device: str | torch.device = "cpu") -> nn.Module:
    """Rebuild the network from `model.json` and load its safetensors weights, in eval mode, as float32."""
    folder = Path(folder)
    spec = read_spec(folder)
    if kind is not None and spec["kind"] != kind:
        raise UserError(f"{folder}: holds a {spec['kind']}, not a {kind}; give a {kind} model")
    fingerprint = load_catalog().fingerprint
    if spec["kind"] == "generator" and spec.get("catalog_fingerprint") != fingerprint:
        raise UserError(f"{folder}: trained against renovation catalog {spec.get('catalog_fingerprint')}, "
                        f"this install has {fingerprint}; retrain or use a matching renovate-net version")
    model = create(spec["kind"], spec["name"], **spec["kwargs"])
    state = load_file(str(folder / WEIGHTS))
    reference = model.state_dict()
    state = {k: v.to(reference[k].dtype) if k in reference else v for k, v in state.items()}
    model.load_state_dict(state, strict=True)
    return model.to(device).eval()


def init_weights(model: nn.Module, source: str, kind: str, setting: str) -> None:
    """Start `model` from a saved model's weights (fine-tuning): `source` is a model URI or folder of the same
    architecture; `setting` names the config key in error messages."""
    from renovate_net.tracking import resolve_model

    saved = load_model(resolve_model(source), kind=kind)
    try:
        model.load_state_dict(saved.state_dict())
    except RuntimeError:
        raise UserError(f"{setting} {source}: its {kind} has another architecture than this config's; "
                        "fine-tune with the config it was trained with") from None
