"""Do new materials look built or painted? Renders every re-surfacing material on the held-out house photos with
the real pipeline and measures the fine texture it leaves, its colour and its speed; writes sheets of
full-resolution crops to look at.

    python tools/texture_bench.py --photos ../shared/data/houses --count 20 --sheets /tmp/texture-sheets

Per material it prints:
  texture      std of the Laplacian of the full-size grey image after / before, inside the edit mask eroded
               3 px: median over photos [25th-75th percentile]. Paint over the photo's texture stays near 1;
               a material drawn smoother than the photo falls below it; a built surface with joints, boards or
               tile rows the photo did not have rises above it.
  colour       median over photos of CIEDE2000 between the material's colour and the median Lab colour of the
               lit half (L* above the median) of the edited region
  over-range   the largest share, over photos, of edited pixels lighter than the photo's own 99.5th percentile
               of lightness (a dusk photo must stay dusk)
  s/photo      median render time per photo with the labels given (model loaded once; the segmenter's time is
               printed once, apart)
Sheets: per material family, one JPEG of 256 x 256 full-resolution crops (before | after for each material of
the family) from the photos (6 unless --sheet-photos) whose edit covers a crop best.
"""
from __future__ import annotations

import argparse
import time
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import torch
from PIL import Image, ImageDraw

from renovate_net.catalog import load_catalog
from renovate_net.engine.evaluator import lit_colour_error
from renovate_net.imaging import list_photos, load_image
from renovate_net.render.pipeline import Renovator
from renovate_net.request import parse_request

FAMILIES = {
    "brick": ["brick-slip-red", "brick-slip-yellow"],
    "cladding": ["wood-cladding", "fibre-cement-anthracite"],
    "render": ["render-white"],
    "roof": ["clay-tiles-red", "clay-tiles-anthracite", "natural-slate"],
    "ground": ["clay-pavers", "concrete-pavers-grey", "gravel"],
    "windows": ["alu-anthracite", "pvc-white"],
}
CROP, ERODE_PX = 256, 3


@dataclass
class Measured:
    """One material's measures over the photos and its crops for the sheet."""
    ratios: list[float] = field(default_factory=list)
    colours: list[float] = field(default_factory=list)
    over: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    results: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)  # photo -> (after, mask)


def grey(image: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(np.float32)


def texture_ratio(before: np.ndarray, after: np.ndarray, edited: np.ndarray) -> float | None:
    """std of the Laplacian of the grey image after / before inside `edited` eroded by ERODE_PX."""
    size = 2 * ERODE_PX + 1
    inside = cv2.erode(edited.astype(np.uint8), np.ones((size, size), np.uint8)) > 0
    if inside.sum() < 100:
        return None
    lap_before, lap_after = cv2.Laplacian(grey(before), cv2.CV_32F), cv2.Laplacian(grey(after), cv2.CV_32F)
    return float(lap_after[inside].std() / max(lap_before[inside].std(), 1e-6))


def over_range(before: np.ndarray, after: np.ndarray, edited: np.ndarray) -> float:
    """Share of edited pixels lighter than the photo's own 99.5th percentile of grey."""
    ceiling = np.percentile(grey(before), 99.5)
    return float((grey(after)[edited] > ceiling + 1).mean())


def measure(renovator: Renovator, photos: dict[str, tuple[np.ndarray, np.ndarray]], type_id: str,
            material_id: str, colour: tuple[int, int, int]) -> Measured:
    request = parse_request([type_id], [f"{type_id}={material_id}"])
    out = Measured()
    for name, (image, (labels, probabilities)) in photos.items():
        started = time.perf_counter()
        rendered = renovator.render(image, request, labels=labels, probabilities=probabilities)
        out.seconds.append(time.perf_counter() - started)
        edited = rendered.edit_mask > 0
        ratio = texture_ratio(image, rendered.after, edited)
        if ratio is None:
            continue
        out.ratios.append(ratio)
        error = lit_colour_error(rendered.after, edited, colour)
        if error is not None:
            out.colours.append(error)
        out.over.append(over_range(image, rendered.after, edited))
        out.results[name] = (rendered.after, edited)
    return out


def best_crop(mask: np.ndarray) -> tuple[float, int, int]:
    """(covered share, top, left) of the CROP x CROP window the mask covers most (at the photo's centre-most
    best position)."""
    h, w = mask.shape
    if h < CROP or w < CROP:
        return 0.0, 0, 0
    cover = cv2.boxFilter(mask.astype(np.float32), -1, (CROP, CROP), normalize=True, borderType=cv2.BORDER_CONSTANT)
    cover = cover[CROP // 2: h - CROP // 2 + 1, CROP // 2: w - CROP // 2 + 1]
    top, left = np.unravel_index(int(np.argmax(cover)), cover.shape)
    return float(cover[top, left]), int(top), int(left)


def sheet(family: str, materials: list[str], measured: dict[str, Measured],
          photos: dict[str, tuple[np.ndarray, np.ndarray]], folder: Path, count: int, quality: int) -> Path | None:
    """before | after per material, one row per photo (the `count` whose edit covers a crop best), crops at
    full resolution."""
    first = measured[materials[0]].results
    ranked = sorted(((best_crop(mask), name) for name, (_, mask) in first.items()), reverse=True)
    rows = [(name, top, left) for (share, top, left), name in ranked[:count] if share > 0.15]
    if not rows:
        return None
    label_h = 16
    board = Image.new("RGB", (CROP * (1 + len(materials)), label_h + CROP * len(rows)), "white")
    draw = ImageDraw.Draw(board)
    for column, title in enumerate(["before"] + materials):
        draw.text((column * CROP + 4, 2), title, fill="black")
    for index, (name, top, left) in enumerate(rows):
        window = (slice(top, top + CROP), slice(left, left + CROP))
        tiles = [photos[name][0][window]] + [
            measured[m].results[name][0][window] if name in measured[m].results else photos[name][0][window]
            for m in materials]
        for column, tile in enumerate(tiles):
            board.paste(Image.fromarray(tile), (column * CROP, label_h + index * CROP))
        draw.text((4, label_h + index * CROP + 2), name, fill="yellow")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"materials_{family}.jpg"
    board.save(path, quality=quality)
    return path


def percentiles(values: list[float]) -> str:
    if not values:
        return "-"
    q25, q50, q75 = np.percentile(values, [25, 50, 75])
    return f"{q50:.2f} [{q25:.2f}-{q75:.2f}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", type=Path, default=Path("/work/shared/data/houses"))
    parser.add_argument("--count", type=int, default=20, help="the first COUNT photos by name (the held-out ones)")
    parser.add_argument("--materials", nargs="*", help="only these materials (default: all of FAMILIES)")
    parser.add_argument("--sheets", type=Path, default=Path("/tmp/texture-sheets"))
    parser.add_argument("--sheet-photos", type=int, default=6, help="photos (rows) per sheet")
    parser.add_argument("--quality", type=int, default=90, help="JPEG quality of the sheets")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    catalog = load_catalog()
    renovator = Renovator.load()
    started = time.perf_counter()
    photos = {}
    for path in list_photos(args.photos)[:args.count]:
        image = load_image(path)
        photos[path.stem] = (image, renovator.labels_for(image))
    print(f"segmenter: {(time.perf_counter() - started) / len(photos):.2f} s/photo over {len(photos)} photos\n")
    wanted = set(args.materials or [m for ms in FAMILIES.values() for m in ms])
    owner = {m.id: (t.id, m.colour) for t in catalog.types for m in t.materials}
    print("| material | photos | texture median [p25-p75] | colour ΔE2000 median | over-range max | s/photo |")
    print("|---|---|---|---|---|---|")
    measured: dict[str, Measured] = {}
    for family, materials in FAMILIES.items():
        for material_id in (m for m in materials if m in wanted):
            type_id, colour = owner[material_id]
            result = measure(renovator, photos, type_id, material_id, colour)
            measured[material_id] = result
            colour_text = f"{np.median(result.colours):.2f}" if result.colours else "-"
            print(f"| {material_id} | {len(result.ratios)} | {percentiles(result.ratios)} | {colour_text} | "
                  f"{max(result.over, default=0.0):.2%} | {np.median(result.seconds):.2f} |", flush=True)
        shown = [m for m in materials if m in measured]
        if shown and (path := sheet(family, shown, measured, photos, args.sheets, args.sheet_photos,
                                    args.quality)) is not None:
            print(f"sheet: {path}", flush=True)
        for material_id in shown:
            measured[material_id].results.clear()


if __name__ == "__main__":
    main()
