"""Does a dusk or night photo stay dusk or night? Renders light materials on the darkest held-out photos and
prints how light the new wall is against the photo's own light.

    flock /tmp/renovate-heavy.lock python tools/dusk_bench.py --count 12 --sheet /tmp/dusk.jpg

Photos: the --count darkest (by median luminance) of the HSLU photos held out from the segmenters (20% of the
source photos, seed 0, as `segmenter_bench`), and the house photos (--houses) whose light is under 90% of daylight's.
Each is rendered once per material (--materials, default a white render and yellow brick slips) with the
champion models. Per photo and material it prints:
  daylight     the photo's share of daylight (`simulator.scene.daylight_share`: 1 in daylight)
  photo L*     the photo's own 99.5th percentile of lightness (its highlights: lamps and lit windows at night)
  wall L*      the lit half (75th percentile) of the edited pixels' lightness, before and after
  over-range   share of edited pixels lighter than the photo's own 99.5th percentile of grey (texture_bench)
The sheet (--sheet) holds before | after for each photo and the first material, 960 x 320 px at most.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from renovate_net.colour import srgb_to_lab
from renovate_net.data.hslu import HsluFacades
from renovate_net.imaging import list_photos, load_image
from renovate_net.render.pipeline import Renovator
from renovate_net.request import parse_request
from renovate_net.simulator.scene import daylight_share, to_linear

sys.path.insert(0, str(Path(__file__).resolve().parent))
from texture_bench import over_range  # noqa: E402  (tools/texture_bench.py)

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
MATERIALS = {"render-white": "facade-insulation", "brick-slip-yellow": "facade-cladding"}
HSLU_VALIDATION, HSLU_SEED = 0.2, 0
DIM = 0.9  # house photos whose light is under this share of daylight are dusk photos


def lightness(pixels: np.ndarray) -> np.ndarray:
    """L* of N x 3 uint8 sRGB pixels."""
    return srgb_to_lab(pixels.astype(np.float64) / 255.0)[:, 0]


def dusk_photos(hslu: Path, houses: Path, count: int) -> list[tuple[str, np.ndarray]]:
    """(name, photo) of the `count` darkest held-out HSLU photos and the house photos under daylight's light."""
    dataset = HsluFacades(hslu)
    held = dataset.split(HSLU_VALIDATION, HSLU_SEED)[1]
    photos = {name: dataset.sample(name)[0] for name in held}
    shares = {name: daylight_share(to_linear(photo / 255.0)) for name, photo in photos.items()}  # photo-wide
    darkest = sorted(held, key=lambda name: shares[name])[:count]
    chosen = [(name.split("_png")[0], photos[name]) for name in darkest]
    if houses.is_dir():
        for path in sorted(list_photos(houses)):
            photo = load_image(path)
            if daylight_share(to_linear(photo / 255.0)) < DIM:
                chosen.append((path.stem, photo))
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hslu", type=Path, default=SHARED / "hslu")
    parser.add_argument("--houses", type=Path, default=SHARED / "houses")
    parser.add_argument("--count", type=int, default=12, help="darkest HSLU held-out photos")
    parser.add_argument("--materials", nargs="*", default=list(MATERIALS), choices=list(MATERIALS))
    parser.add_argument("--sheet", type=Path, default=None)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    renovator = Renovator.load(None, device="cpu")
    print("| photo | daylight | photo L* p99.5 | material | wall L* before | wall L* after | over-range |")
    print("|---|---|---|---|---|---|---|")
    tiles = []
    for name, photo in dusk_photos(args.hslu, args.houses, args.count):
        labels, probabilities = renovator.labels_for(photo)
        share = daylight_share(to_linear(photo / 255.0), labels)
        highlights = np.percentile(lightness(photo.reshape(-1, 3)[::7]), 99.5)
        for index, material in enumerate(args.materials):
            type_id = MATERIALS[material]
            request = parse_request([type_id], [f"{type_id}={material}"])
            rendered = renovator.render(photo, request, labels=labels, probabilities=probabilities)
            edited = rendered.edit_mask > 0
            if edited.sum() < 500:
                print(f"| {name} | {share:.2f} | {highlights:.1f} | {material} | - | - | (no wall edited) |")
                continue
            before = np.percentile(lightness(photo[edited]), 75)
            after = np.percentile(lightness(rendered.after[edited]), 75)
            print(f"| {name} | {share:.2f} | {highlights:.1f} | {material} | {before:.1f} | {after:.1f} | "
                  f"{over_range(photo, rendered.after, edited):.1%} |", flush=True)
            if index == 0:
                tile = Image.fromarray(np.concatenate([photo, rendered.after], axis=1))
                tile.thumbnail((960, 320))
                tiles.append(tile)
    if args.sheet and tiles:
        sheet = Image.new("RGB", (max(t.width for t in tiles), sum(t.height for t in tiles)), "white")
        top = 0
        for tile in tiles:
            sheet.paste(tile, (0, top))
            top += tile.height
        sheet.save(args.sheet, quality=80)
        print(f"sheet: {args.sheet}")


if __name__ == "__main__":
    main()
