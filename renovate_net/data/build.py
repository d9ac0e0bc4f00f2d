"""`renovate-net data build`: paired before/after training data from real photos.

For each photo: resize (long side `size`), take its labels (a PNG from `--labels`, else the registered
facade segmenter), then draw `per_photo` random requests and simulate them. A request whose region the
photo lacks is redrawn (up to a few times) and counted; so is one whose edit would be invisible (a white
render on a white wall). A share of single-facade samples use the inverse trick (real wall = after).

Output folder:
  photos/NNNNN_STEM.png       the resized photo (the before of its samples), labels/NNNNN_STEM.png
  samples/NNNNN_STEM_K_after.png, ..._edit.png (and ..._before.png for inverse-trick samples, ..._place.png
                              where the request adds objects: where they stand, see `Simulated.placement`)
  manifest.jsonl              one JSON object per sample (see `dataset.py`), contact_sheet.png
Everything is deterministic for a seed: sample K of photo N draws from its own generator (seed, N, K).
"""
from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from renovate_net.catalog import Catalog, load_catalog
from renovate_net.data.contact_sheet import contact_sheet
from renovate_net.data.sampling import available_types, sample_request
from renovate_net.simulator.renovation import RegionMissing, simulate, simulate_inverse
from renovate_net.errors import UserError
from renovate_net.imaging import list_photos, load_image, load_labels, save_image
from renovate_net.resize import resize_pair

SEGMENTER_URI = "models:/facade-segmenter@champion"
TRAINING_SIZE = 384      # the long side the shipped models' training photos were built at (--size)
INVERSE_SHARE = 0.5      # of single-facade samples, rendered with the inverse trick
MIN_VISIBLE_DIFF = 10.0  # mean |after - before| (0-255) inside the edit mask a sample must reach
ATTEMPTS = 6             # requests tried per sample before giving up on it


@dataclass
class BuildReport:
    photos: int = 0
    samples: int = 0
    combinations: int = 0
    inverse: int = 0
    type_counts: Counter = field(default_factory=Counter)
    skipped_regions: Counter = field(default_factory=Counter)  # type -> requests redrawn for a missing region
    too_similar: int = 0
    gave_up: int = 0

    def lines(self) -> list[str]:
        out = [f"{self.samples} samples from {self.photos} photos, {self.combinations} combinations "
               f"({self.combinations / max(self.samples, 1):.0%}), {self.inverse} inverse-trick"]
        out += [f"  {t:<18} {n} samples, {self.skipped_regions.get(t, 0)} redrawn (no region)"
                for t, n in sorted(self.type_counts.items())]
        out.append(f"  redrawn because the edit was barely visible: {self.too_similar}; "
                   f"samples given up: {self.gave_up}")
        return out


def check_output(out: Path, force: bool) -> None:
    if out.exists() and not out.is_dir():
        raise UserError(f"{out}: is a file; give --out a folder")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise UserError(f"{out}: folder is not empty; pass --force to write into it or choose another --out")


class _Labeller:
    """Labels for a photo: the `--labels` folder's PNG, else the segmenter (loaded once, on first use)."""

    def __init__(self, folder: Path | None, segmenter_uri: str | None):
        self.folder, self.uri, self.segmenter = folder, segmenter_uri or SEGMENTER_URI, None
        if folder is not None and not folder.is_dir():
            raise UserError(f"{folder}: no such folder; give --labels a folder of <photo stem>.png label maps")

    def prepare(self, photos: list[Path]) -> None:
        """Fail before anything is written: every label map present, or the segmenter loadable."""
        if self.folder is not None:
            for photo in photos:
                path = self.folder / f"{photo.stem}.png"
                if not path.is_file():
                    raise UserError(f"{path}: no label map for {photo.name}; add it, or drop --labels to use "
                                    "the segmenter")
            return
        from renovate_net.render.segmenter import Segmenter

        try:
            self.segmenter = Segmenter.from_uri(self.uri)
        except UserError as error:
            raise UserError(f"{error} (or pass --labels DIR with a label PNG per photo)") from None

    def __call__(self, photo: Path, image: np.ndarray) -> np.ndarray:
        if self.segmenter is None:
            return load_labels(self.folder / f"{photo.stem}.png", size=(image.shape[1], image.shape[0]))
        return self.segmenter.predict(image)


def _check_options(per_photo: int, size: int, focus: tuple[str, ...], catalog: Catalog) -> None:
    if per_photo < 1 or size < 64:
        raise UserError(f"--per-photo must be >= 1 and --size >= 64 (got {per_photo}, {size})")
    unknown = [t for t in focus if t not in catalog.type_ids]
    if unknown:
        raise UserError(f"--focus {unknown[0]}: unknown type; choose from: {', '.join(catalog.type_ids)}")


def plan(photos: Path, out: Path, labels: Path | None = None, per_photo: int = 4, force: bool = False,
         segmenter_uri: str | None = None, size: int = 512, focus: tuple[str, ...] = ()) -> str:
    """`--dry-run`: run every input check `build` runs and say what it would write, writing nothing."""
    _check_options(per_photo, size, focus, load_catalog())
    photo_paths = list_photos(photos)
    check_output(out, force)
    _Labeller(labels, segmenter_uri).prepare(photo_paths)
    source = f"label maps in {labels}" if labels is not None else f"the segmenter {segmenter_uri or SEGMENTER_URI}"
    return (f"would build up to {len(photo_paths) * per_photo} samples from {len(photo_paths)} photos in "
            f"{photos}, labels from {source}, into {out}")


def _one_sample(before, labels, types, rng, catalog, report, focus=()):
    """(before, after, edit_mask, placement, request, inverse) for one sample, or None after ATTEMPTS tries."""
    for _ in range(ATTEMPTS):
        request = sample_request(types, rng, catalog, focus)
        wall_only = len(request.choices) == 1 and catalog.type(request.type_ids[0]).finish is not None
        inverse = wall_only and rng.random() < INVERSE_SHARE
        try:
            if inverse:
                sample_before, after, mask, request = simulate_inverse(before, labels, rng, catalog)
                placed = np.zeros(labels.shape, np.uint8)  # the inverse trick re-surfaces walls only
            else:
                sample_before, (after, mask, placed) = before, simulate(before, labels, request, rng, catalog)
        except RegionMissing as missing:
            type_id = missing.type_id
            report.skipped_regions[type_id] += 1
            if type_id in types and len(types) > 1:
                types.remove(type_id)  # this photo has no room for it: stop asking (the list is this photo's own)
            continue
        inside = mask >= 0.5
        diff = np.abs(after.astype(np.int16) - sample_before.astype(np.int16)).mean(axis=2)
        if not inside.any() or diff[inside].mean() < MIN_VISIBLE_DIFF:
            report.too_similar += 1
            continue
        return sample_before, after, mask, placed, request, inverse
    report.gave_up += 1
    return None


def build(photos: Path, out: Path, labels: Path | None = None, per_photo: int = 4, seed: int = 0,
          size: int = 512, force: bool = False, segmenter_uri: str | None = None,
          catalog: Catalog | None = None, progress: bool = True, focus: tuple[str, ...] = ()) -> BuildReport:
    """Build a paired dataset in `out`; returns what it wrote. Raises UserError on bad input (before
    writing anything)."""
    from tqdm import tqdm

    catalog = catalog or load_catalog()
    _check_options(per_photo, size, focus, catalog)
    photo_paths = list_photos(photos)
    check_output(out, force)
    labeller = _Labeller(labels, segmenter_uri)
    labeller.prepare(photo_paths)
    for folder in ("photos", "labels", "samples"):
        (out / folder).mkdir(parents=True, exist_ok=True)
    report, sheet = BuildReport(), []
    manifest_tmp = out / ".manifest.jsonl.tmp"
    try:
        with manifest_tmp.open("w", encoding="utf-8") as manifest:
            for index, photo in enumerate(tqdm(photo_paths, desc="data build", unit="photo", disable=not progress)):
                for line, shown in _build_photo(out, index, photo, labeller, per_photo, seed, size, catalog, report,
                                                focus):
                    manifest.write(json.dumps(line) + "\n")
                    if len(sheet) < 16:
                        sheet.append(shown)
    except BaseException:
        manifest_tmp.unlink(missing_ok=True)  # no manifest, no half-built dataset that looks complete
        raise
    os.replace(manifest_tmp, out / "manifest.jsonl")
    if sheet:
        save_image(contact_sheet(sheet), out / "contact_sheet.png", force=True)
    return report


def _build_photo(out, index, photo, labeller, per_photo, seed, size, catalog, report, focus):
    """Yield (manifest record, contact-sheet entry) for each sample made from one photo."""
    image = load_image(photo)
    before, label_map = resize_pair(image, labeller(photo, image), size)
    types = available_types(label_map, catalog)  # narrowed as the simulator finds types it has no room for
    stem = f"{index:05d}_{photo.stem}"
    photo_rel, labels_rel = f"photos/{stem}.png", f"labels/{stem}.png"
    save_image(before, out / photo_rel, force=True)
    save_image(label_map, out / labels_rel, force=True)
    report.photos += 1
    for k in range(per_photo):
        rng = np.random.default_rng([seed, index, k])
        made = _one_sample(before, label_map, types, rng, catalog, report, focus) if types else None
        if made is None:
            report.gave_up += not types
            continue
        sample_before, after, mask, placed, request, inverse = made
        record = _write_sample(out, f"{stem}_{k:02d}", photo_rel, labels_rel, sample_before, after, mask, placed,
                               inverse)
        record.update(request.to_json(), source=photo.name, inverse=inverse)
        report.samples += 1
        report.inverse += inverse
        report.combinations += len(request.choices) > 1
        report.type_counts.update(request.type_ids)
        yield record, (sample_before, after, mask, request.describe())


def _write_sample(out, name, photo_rel, labels_rel, before, after, mask, placed, inverse) -> dict:
    name = f"samples/{name}"
    before_rel = photo_rel
    if inverse:  # the inverse trick's before is synthetic, not the photo
        before_rel = f"{name}_before.png"
        save_image(before, out / before_rel, force=True)
    save_image(after, out / f"{name}_after.png", force=True)
    save_image(np.round(mask * 255).astype(np.uint8), out / f"{name}_edit.png", force=True)
    record = {"before": before_rel, "after": f"{name}_after.png", "labels": labels_rel,
              "edit_mask": f"{name}_edit.png"}
    if placed.any():
        save_image(placed, out / f"{name}_place.png", force=True)
        record["placement"] = f"{name}_place.png"
    return record
