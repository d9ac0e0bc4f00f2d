"""Paired before/after datasets from a manifest (what `data build` writes, or a user's own real pairs).

Manifest: `manifest.jsonl`, one JSON object per line:
  {"before": PATH, "after": PATH, "labels": PATH, "edit_mask": PATH,      # relative to the manifest's folder
   "types": ["windows", ...], "materials": {"windows": "alu-black"}, "colours": {"windows": "#0A0A0A"},
   "source": "photo.jpg"}
`labels` is a single-channel PNG of class ids, `edit_mask` a single-channel 8-bit PNG (0 = untouched,
255 = fully edited); all four images have the same width and height. Optional `placement`: a single-channel
PNG of where added objects stand (1 + the catalog index of the pool/garage/solar panels, 0 elsewhere; see
`simulator.Simulated`), absent when the sample adds none.

Item contract (the trainer relies on it exactly), S = image_size:
  before float32 [3,S,S] in [0,1] · after float32 [3,S,S] in [0,1] · labels int64 [S,S] ·
  edit_mask float32 [1,S,S] in [0,1] · placement int64 [S,S] (zeros without one) ·
  active float32 [T] · material int64 [T] · colour float32 [T,3]
(the last three are `renovate_net.request.condition_arrays` of the sample's request). Train items are a
random resized crop + flip + brightness/contrast/gamma; val items are the whole photo letterboxed to
S x S (see `transforms.py`).
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from renovate_net.catalog import Catalog, load_catalog
from renovate_net.errors import UserError
from renovate_net.imaging import load_image, load_labels
from renovate_net.request import RenovationRequest, condition_arrays, request_from_json

IMAGE_KEYS = ("before", "after", "labels", "edit_mask")
OPTIONAL_IMAGE_KEYS = ("placement",)


@dataclass(frozen=True)
class Record:
    """One manifest line, checked: absolute image paths and the parsed request."""
    line: int
    paths: dict[str, Path]
    request: RenovationRequest
    source: str


@dataclass
class ManifestReport:
    """What `validate_manifest` found: counts a user can check before training."""
    samples: int = 0
    type_counts: Counter = field(default_factory=Counter)
    combinations: int = 0
    sizes: Counter = field(default_factory=Counter)
    sources: int = 0

    def lines(self) -> list[str]:
        share = self.combinations / max(self.samples, 1)
        out = [f"{self.samples} samples from {self.sources} source photos, "
               f"{self.combinations} combinations ({share:.0%})"]
        out += [f"  {type_id:<18} {count}" for type_id, count in sorted(self.type_counts.items())]
        out += [f"  size {w}x{h}: {count}" for (w, h), count in self.sizes.most_common()]
        return out


def _parse_line(text: str, number: int, root: Path, where: str, catalog: Catalog) -> Record:
    try:
        entry = json.loads(text)
    except json.JSONDecodeError as error:
        raise UserError(f"{where}:{number}: not valid JSON ({error.msg}); write one JSON object per line") from None
    if not isinstance(entry, dict):
        raise UserError(f"{where}:{number}: expected a JSON object, got {type(entry).__name__}")
    missing = [key for key in (*IMAGE_KEYS, "types") if key not in entry]
    if missing:
        raise UserError(f"{where}:{number}: missing {', '.join(missing)}; every sample needs "
                        f"{', '.join(IMAGE_KEYS)} and types")
    paths = {}
    for key in (*IMAGE_KEYS, *(k for k in OPTIONAL_IMAGE_KEYS if k in entry)):
        path = Path(entry[key])
        path = path if path.is_absolute() else root / path
        if not path.is_file():
            raise UserError(f"{where}:{number}: {key} file {path} does not exist; fix the path or rebuild the data")
        paths[key] = path
    try:
        request = request_from_json(entry, catalog)
    except UserError as error:
        raise UserError(f"{where}:{number}: {error}") from None
    return Record(number, paths, request, str(entry.get("source", "")))


def read_manifest(path: str | Path, catalog: Catalog | None = None) -> list[Record]:
    """Parse and check every line of a manifest (JSON, keys, files present, types/materials/colours known)."""
    path = Path(path)
    if path.is_dir():
        path = path / "manifest.jsonl"
    if not path.is_file():
        raise UserError(f"{path}: no such manifest; build one with `renovate-net data build`")
    catalog = catalog or load_catalog()
    records = []
    with path.open(encoding="utf-8") as handle:
        for number, text in enumerate(handle, start=1):
            if text.strip():
                records.append(_parse_line(text, number, path.parent, str(path), catalog))
    if not records:
        raise UserError(f"{path}: manifest is empty; build data with `renovate-net data build`")
    return records


def _header_size(path: Path, where: str) -> tuple[int, int]:
    try:
        with Image.open(path) as image:
            return image.size
    except (UnidentifiedImageError, OSError):
        raise UserError(f"{where}: {path} is not a readable image; re-export or rebuild it") from None


def validate_manifest(path: str | Path, catalog: Catalog | None = None) -> ManifestReport:
    """Check a whole manifest (also every image's size, from its header) and count what it holds."""
    records = read_manifest(path, catalog)
    report = ManifestReport(samples=len(records))
    for record in records:
        sizes = {key: _header_size(p, f"line {record.line}") for key, p in record.paths.items()}
        if len(set(sizes.values())) != 1:
            detail = ", ".join(f"{key} {w}x{h}" for key, (w, h) in sizes.items())
            raise UserError(f"{path}:{record.line}: images differ in size ({detail}); "
                            f"{', '.join(record.paths)} must have the same size")
        report.sizes[sizes["before"]] += 1
        report.type_counts.update(record.request.type_ids)
        report.combinations += len(record.request.type_ids) > 1
    report.sources = len({r.source or str(r.paths["before"]) for r in records})
    return report


def load_edit_mask(path: Path) -> np.ndarray:
    """A single-channel 8-bit edit mask PNG -> HxW float32 in [0, 1]."""
    with Image.open(path) as image:
        if image.mode != "L":
            raise UserError(f"{path}: edit mask has mode {image.mode}; it must be a single-channel 8-bit PNG")
        return np.asarray(image, dtype=np.float32) / 255.0


def load_placement(path: Path, size: tuple[int, int], num_types: int) -> np.ndarray:
    """A placement PNG (0 or 1 + catalog type index per pixel) -> HxW uint8, checked against the photo."""
    with Image.open(path) as image:
        placement = np.asarray(image)
    if placement.ndim != 2 or (placement.shape[1], placement.shape[0]) != size or placement.max() > num_types:
        raise UserError(f"{path}: a placement map must be a single-channel PNG of the photo's size holding "
                        f"0..{num_types}; rebuild the data")
    return placement.astype(np.uint8)


def load_sample(record: Record, num_types: int) -> dict[str, np.ndarray]:
    """The images of a record at full size, checked to match: before/after uint8, labels, edit mask and the
    placement (zeros when the record has none)."""
    before = load_image(record.paths["before"])
    after = load_image(record.paths["after"])
    size = (before.shape[1], before.shape[0])
    edit_mask = load_edit_mask(record.paths["edit_mask"])
    if after.shape != before.shape or edit_mask.shape != before.shape[:2]:
        raise UserError(f"line {record.line}: before is {size[0]}x{size[1]} but after or edit_mask differs; "
                        "all images of a sample must have the same size")
    labels = load_labels(record.paths["labels"], size=size)
    placement = (load_placement(record.paths["placement"], size, num_types) if "placement" in record.paths
                 else np.zeros_like(labels))
    return {"before": before, "after": after, "labels": labels, "edit_mask": edit_mask, "placement": placement}


class ManifestDataset:
    """A torch-style dataset over a manifest; items follow the contract in this module's docstring."""

    def __init__(self, manifest_path: str | Path | list, image_size: int, augment: bool,
                 catalog: Catalog | None = None) -> None:
        """`manifest_path`: one manifest (or its folder), or a list of them read one after the other."""
        from renovate_net.data.transforms import paired_transform

        catalog = catalog or load_catalog()
        paths = manifest_path if isinstance(manifest_path, (list, tuple)) else [manifest_path]
        self.records = [record for path in paths for record in read_manifest(path, catalog)]
        self.image_size = image_size
        self.transform = paired_transform(image_size, augment)
        self.conditions = [condition_arrays(r.request, catalog) for r in self.records]
        self.num_types = len(catalog.types)

    def __len__(self) -> int:
        return len(self.records)

    def __getitem__(self, index: int) -> dict:
        import torch

        sample = self.transform(load_sample(self.records[index], self.num_types))
        item = {
            "before": torch.from_numpy(sample["before"]).permute(2, 0, 1).float().div_(255.0),
            "after": torch.from_numpy(sample["after"]).permute(2, 0, 1).float().div_(255.0),
            "labels": torch.from_numpy(sample["labels"].astype(np.int64)),
            "edit_mask": torch.from_numpy(np.clip(sample["edit_mask"], 0.0, 1.0)[None].astype(np.float32)),
            "placement": torch.from_numpy(sample["placement"].astype(np.int64)),
        }
        item.update({key: torch.from_numpy(value.copy()) for key, value in self.conditions[index].items()})
        return item
