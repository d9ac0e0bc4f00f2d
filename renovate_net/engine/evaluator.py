"""`renovate-net evaluate`: the quality measures (`metrics.py`) for a model and the pix2pix baseline,
in the same run, per type / combination and overall.

Data is a built dataset (`manifest.jsonl`) or a folder of plain photos: then labels come from the
segmenter and targets from the simulator with a fixed seed, for every type and common combinations.
Realism compares rendered afters with real photos of OTHER houses (photos split by source in two halves):
kid_gap = KID(afters, real) - KID(befores, real), x 1e-3.
"""
from __future__ import annotations

import json
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from renovate_net import metrics
from renovate_net.catalog import load_catalog
from renovate_net.colour import srgb_to_lab
from renovate_net.errors import UserError
from renovate_net.imaging import list_photos, load_image
from renovate_net.labels import LABEL_ID
from renovate_net.request import RenovationRequest, parse_request

FEATURE_SIDE = 256  # images are resized to this long side for perceptual and realism features


@dataclass
class Sample:
    before: np.ndarray
    after: np.ndarray      # the target
    labels: np.ndarray
    edit_mask: np.ndarray  # float HxW in [0, 1]
    placement: np.ndarray  # HxW: where the target's added objects stand (the renderer is told the same, and
                           # a sketch model sees the target's objects as its sketch, as in training)
    request: RenovationRequest
    source: str


def samples_from_photos(folder: Path, seed: int = 0, long_side: int = 512, per_photo: int = 2):
    """Simulator targets on plain photos: labels from the segmenter, `per_photo` requests each, fixed seed."""
    from renovate_net.render.segmenter import Segmenter
    from renovate_net.simulator.renovation import RegionMissing, simulate

    requests = evaluation_requests()
    photos = list_photos(folder, option="--data (a built dataset with manifest.jsonl, or)")
    segmenter = Segmenter.from_uri()
    for index, photo in enumerate(photos):
        image = load_image(photo)
        scale = long_side / max(image.shape[:2])
        if scale < 1:
            size = (round(image.shape[1] * scale), round(image.shape[0] * scale))
            image = np.asarray(Image.fromarray(image).resize(size, Image.Resampling.LANCZOS))
        labels = segmenter.predict(image)
        for k in range(per_photo):
            types = requests[(index * per_photo + k) % len(requests)]
            request = parse_request(types)
            try:
                after, mask, placed = simulate(image, labels, request, np.random.default_rng([seed, index, k]))
            except RegionMissing:
                continue
            yield Sample(image, after, labels, mask, placed, request, photo.name)


def samples_from_manifest(path: Path):
    from renovate_net.data.dataset import load_sample, read_manifest

    num_types = len(load_catalog().types)
    for record in read_manifest(path):
        sample = load_sample(record, num_types)
        yield Sample(sample["before"], sample["after"], sample["labels"], sample["edit_mask"], sample["placement"],
                     record.request, record.source)


def evaluation_requests() -> list[list[str]]:
    """Every type alone, in catalog order, then the catalog's combinations."""
    catalog = load_catalog()
    return [[type_id] for type_id in catalog.type_ids] + [list(c) for c in catalog.combinations]


def feature_tensor(image: np.ndarray) -> torch.Tensor:
    scale = FEATURE_SIDE / max(image.shape[:2])
    size = (max(32, round(image.shape[1] * scale)), max(32, round(image.shape[0] * scale)))
    return metrics.to_tensor(np.asarray(Image.fromarray(image).resize(size, Image.Resampling.BILINEAR)))


def facade_colour_error(after: np.ndarray, labels: np.ndarray, edit: np.ndarray,
                        request: RenovationRequest) -> float | None:
    """CIEDE2000 between the requested facade colour and the edited wall's lit half (None: no facade edit)."""
    catalog = load_catalog()
    facade = [c for c in request.choices if catalog.type(c.type_id).finish is not None]
    if not facade:
        return None
    return lit_colour_error(after, (labels == LABEL_ID["wall"]) & (edit > 0), facade[0].colour)


def lit_colour_error(image: np.ndarray, region: np.ndarray, colour: tuple[int, int, int]) -> float | None:
    """CIEDE2000 between `colour` and the median Lab colour of the lit (L above the median) half of `region`."""
    if region.sum() < 50:
        return None
    lab = srgb_to_lab(image[region].astype(np.float64) / 255.0)
    lit = lab[lab[:, 0] >= np.median(lab[:, 0])]
    target = srgb_to_lab(np.asarray(colour, np.float64) / 255.0)
    return float(metrics.ciede2000(np.median(lit, axis=0), target))


def measure(renovator, sample: Sample, features: metrics.Lite0Features) -> dict[str, float]:
    """Render one sample and compare it with the target."""
    start = time.perf_counter()
    result = renovator.render(sample.before, sample.request, sample.labels, sample.placement, sample.after)
    elapsed = time.perf_counter() - start
    pred, target = metrics.to_tensor(result.after), metrics.to_tensor(sample.after)
    region = torch.from_numpy((sample.edit_mask > 0).astype(np.float32))[None, None]
    spill = (result.after != sample.before).any(-1) & (sample.edit_mask == 0)
    row = {
        "edit_l1": float(metrics.l1(pred, target, region)),
        "edit_psnr": float(metrics.psnr(pred, target, region)),
        "edit_ssim": float(metrics.ssim(pred, target, region)),
        "perceptual": float(metrics.perceptual(features, feature_tensor(result.after), feature_tensor(sample.after))),
        "preservation_max_diff": metrics.max_abs_diff_outside(result.after, sample.before, result.edit_mask),
        "spill_share": float(spill.mean()),
        "render_ms": elapsed * 1000.0,
    }
    delta_e = facade_colour_error(result.after, sample.labels, result.edit_mask, sample.request)
    if delta_e is not None:
        row["delta_e2000"] = delta_e
    return row, result.after


def _mean(rows: list[dict]) -> dict[str, float]:
    keys = sorted({k for row in rows for k in row})
    out = {}
    for key in keys:
        values = [row[key] for row in rows if key in row]
        out[key] = float(np.max(values)) if key == "preservation_max_diff" else float(np.mean(values))
    out["samples"] = len(rows)
    return out


def evaluate(model: str, data: str, baseline: str | None = None, seed: int = 0, limit: int | None = None,
             device: str = "cpu", guided: bool = True) -> dict:
    """Measure `model` (and `baseline`) on `data`; returns the report dict (see module docstring)."""
    from renovate_net.render.pipeline import Renovator

    folder = Path(data)
    if not folder.exists():
        raise UserError(f"{data}: no such folder; give a built dataset or a folder of photos")
    manifest = folder / "manifest.jsonl" if folder.is_dir() else folder
    samples = samples_from_manifest(manifest) if manifest.exists() else samples_from_photos(folder, seed)
    samples = list(samples)[:limit] if limit else list(samples)
    if len(samples) < 2:
        raise UserError(f"{data}: fewer than 2 usable samples; give more photos")
    features = metrics.Lite0Features(pretrained=True)
    sources = sorted({s.source for s in samples})
    reference = set(sources[1::2])  # realism: renders of one half of the houses vs real photos of the other
    real = pooled_features(features, [s.before for s in samples if s.source in reference], unique=True)
    report: dict = {"data": str(data), "samples": len(samples), "guided": guided, "per_type": defaultdict(dict)}
    for name, uri in (("model", model), ("baseline", baseline)):
        if uri is None:
            continue
        renovator = Renovator.load(uri, device=device, with_segmenter=False, guided=guided)
        rows, afters, befores, by_type = [], [], [], defaultdict(list)
        for sample in samples:
            row, after = measure(renovator, sample, features)
            rows.append(row)
            by_type["+".join(sample.request.type_ids)].append(row)
            if sample.source not in reference:
                afters.append(after)
                befores.append(sample.before)
        summary = _mean(rows)
        fake, base = pooled_features(features, afters), pooled_features(features, befores)
        summary["kid_gap"] = (metrics.kid(real, fake) - metrics.kid(real, base)) * 1e3
        summary["fd_ratio"] = metrics.frechet_distance(real, fake) / max(metrics.frechet_distance(real, base), 1e-9)
        summary["uri"] = uri
        report[name] = summary
        for key, type_rows in by_type.items():
            report["per_type"][key][name] = _mean(type_rows)
    report["per_type"] = dict(report["per_type"])
    return report


def pooled_features(features: metrics.Lite0Features, images: list[np.ndarray], unique: bool = False) -> np.ndarray:
    if unique:  # several samples share a source photo: count each real photo once
        seen, kept = set(), []
        for image in images:
            key = image.tobytes()[:4096]
            if key not in seen:
                seen.add(key)
                kept.append(image)
        images = kept
    with torch.no_grad():
        return np.concatenate([features.pooled(feature_tensor(image)).numpy() for image in images])


COLUMNS = ["edit_l1", "edit_psnr", "edit_ssim", "perceptual", "preservation_max_diff", "spill_share",
           "kid_gap", "fd_ratio", "delta_e2000", "render_ms"]


def markdown(report: dict) -> str:
    """The report as Markdown tables: overall, then per type / combination (edit_l1 and perceptual)."""
    names = [n for n in ("model", "baseline") if n in report]
    lines = ["| metric | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
    for column in COLUMNS:
        if any(column in report[n] for n in names):
            lines.append(f"| {column} | " + " | ".join(f"{report[n].get(column, float('nan')):.4g}"
                                                       for n in names) + " |")
    lines += ["", "| type | samples | " + " | ".join(f"{n} edit_l1 | {n} perceptual" for n in names) + " |",
              "|---" * (2 + 2 * len(names)) + "|"]
    for key, entry in sorted(report["per_type"].items()):
        cells = " | ".join(f"{entry[n]['edit_l1']:.4f} | {entry[n]['perceptual']:.4f}" for n in names)
        lines.append(f"| {key} | {entry[names[0]]['samples']} | {cells} |")
    return "\n".join(lines)


def write_report(report: dict, path: str | Path, force: bool = False) -> None:
    from renovate_net.imaging import check_writable

    path = check_writable(path, force)
    temp = path.with_name(f".{path.name}.tmp")
    temp.write_text(json.dumps(report, indent=2))
    temp.replace(path)


def log_report(report: dict) -> None:
    """Log the overall numbers to MLflow (experiment `evaluate`) with the report as an artifact."""
    from renovate_net.tracking import start_run

    with start_run("evaluate", run_name=Path(report["data"]).name) as run:
        run.log_params({f"{name}.uri": report[name]["uri"] for name in ("model", "baseline") if name in report})
        run.log_params({"data": report["data"], "samples": report["samples"], "guided": report["guided"]})
        for name in ("model", "baseline"):
            if name in report:
                run.log_metrics({f"{name}/{k}": v for k, v in report[name].items()
                                 if isinstance(v, (int, float))})
        run.log_text(json.dumps(report, indent=2), "report.json")
