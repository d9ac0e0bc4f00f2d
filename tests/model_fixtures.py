"""Small networks and random batches following the dataset's item contract, shared by the model and
trainer tests (imported by name: pytest puts tests/ on sys.path)."""
from __future__ import annotations

from pathlib import Path

import torch

from renovate_net.catalog import load_catalog
from renovate_net.labels import LABEL_ID, NUM_LABELS

CATALOG = load_catalog()
T, M = len(CATALOG.types), len(CATALOG.materials)
SIZE = 64

# Small constructor arguments per registered network, so the whole matrix runs in seconds on a CPU.
SMALL = {
    ("generator", "attention_unet"): dict(num_types=T, num_materials=M,
                                          type_regions=[t.region_id for t in CATALOG.types],
                                          decoder_channels=(32, 24, 16, 16, 8, 8), cond_dim=16),
    ("generator", "pix2pix_unet"): dict(num_types=T, ngf=8, num_downs=6),
    ("discriminator", "patchgan"): dict(num_types=T, ndf=8, num_scales=2),
}


def batch(size: int = SIZE, n: int = 2, seed: int = 0) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    active = torch.zeros(n, T)
    active[:, 0] = 1  # facade insulation on every sample, windows on the first
    active[0, 2] = 1
    return {
        "before": torch.rand(n, 3, size, size, generator=g),
        "after": torch.rand(n, 3, size, size, generator=g),
        "labels": torch.randint(0, NUM_LABELS, (n, size, size), generator=g),
        "edit_mask": (torch.rand(n, 1, size, size, generator=g) > 0.5).float(),
        "active": active,
        "material": torch.randint(0, M, (n, T), generator=g),
        "colour": torch.rand(n, T, 3, generator=g) * 2 - 1,
        "placement": torch.zeros(n, size, size, dtype=torch.long),
    }


def run_generator(model, b):
    return model(b["before"], b["labels"], b["active"], b["material"], b["colour"], b["placement"])


def write_manifest(folder, count: int, size: int, seed: int, source_prefix: str) -> Path:
    """A manifest of `count` synthetic-house pairs whose "after" has the wall re-coloured (a fixture edit,
    not the simulator): before/after/labels/edit_mask PNGs + manifest.jsonl. Returns the manifest path."""
    import json

    import numpy as np
    from PIL import Image

    from renovate_net.simulator.synthetic import synthetic_house

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    lines = []
    for i in range(count):
        before, labels = synthetic_house(rng, (size, size))
        wall = labels == LABEL_ID["wall"]
        after = before.copy()
        after[wall] = (0.5 * before[wall] + 0.5 * np.array([154, 75, 53])).astype(np.uint8)
        names = {key: f"{i:03d}_{key}.png" for key in ("before", "after", "labels", "edit_mask")}
        Image.fromarray(before).save(folder / names["before"])
        Image.fromarray(after).save(folder / names["after"])
        Image.fromarray(labels).save(folder / names["labels"])
        Image.fromarray((wall * 255).astype(np.uint8)).save(folder / names["edit_mask"])
        lines.append(json.dumps({**names, "types": ["facade-cladding"],
                                 "materials": {"facade-cladding": "brick-slip-red"},
                                 "source": f"{source_prefix}{i}.jpg"}))
    path = folder / "manifest.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path
