"""Hand-drawn roof outlines for house photos: the roof supervision the segmenter's pseudo-labels lack.

LabelMeFacade has no roof class, and the skyline cue (renovate_net/data/roofs.py) only finds the roof band
under the sky: porch and garage roofs come out as wall, tall gables as roof. These outlines are drawn by eye.

  # 1. photos with a grid in percent of width and height, to read polygon corners off
  .venv/bin/python tools/roof_labels.py grid ../shared/data/houses/100_frontal.jpg ... -o grids/
  # 2. write the corners into tools/labels/houses-roofs.json: {"100_frontal": [[[x, y], ...], ...], ...},
  #    x and y in percent of the photo's width and height, one polygon per visible roof surface
  #    (chimneys and walls excluded; [] = no roof in view)
  # 3. LOOK at the outlines over the photos, fix, repeat
  .venv/bin/python tools/roof_labels.py review tools/labels/houses-roofs.json ../shared/data/houses -o review.png

`tools/segmenter_pseudolabels.py --roofs` uses them to split the building into roof and wall;
`tools/segmenter_bench.py roofs` measures a segmenter's roofs against them on photos it was not trained on.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw

from renovate_net.imaging import load_image, save_image

GRID_WIDTH = 1024   # px width of a grid view
REVIEW_WIDTH = 512  # px width of a photo on the review sheet


def load_roofs(path: Path) -> dict[str, list[list[list[float]]]]:
    """{photo stem: [polygon, ...]}, each polygon a list of [x, y] in percent of the photo's width and height."""
    roofs = json.loads(path.read_text())
    for stem, polygons in roofs.items():
        for polygon in polygons:
            if len(polygon) < 3 or any(len(p) != 2 or not all(0 <= v <= 100 for v in p) for p in polygon):
                raise ValueError(f"{path}: {stem}: a polygon needs 3+ [x, y] corners in 0..100")
    return roofs


def roof_mask(polygons: list[list[list[float]]], height: int, width: int) -> np.ndarray:
    """HxW bool: inside any of the polygons (percent coordinates) at this size."""
    mask = np.zeros((height, width), np.uint8)
    for polygon in polygons:
        corners = np.round(np.asarray(polygon) / 100 * [width - 1, height - 1]).astype(np.int32)
        cv2.fillPoly(mask, [corners], 1)
    return mask.astype(bool)


def grid_view(image: np.ndarray) -> Image.Image:
    """The photo at GRID_WIDTH with lines every 5 % (labelled every 10 %) of width and height."""
    height = int(round(image.shape[0] * GRID_WIDTH / image.shape[1]))
    view = Image.fromarray(cv2.resize(image, (GRID_WIDTH, height), interpolation=cv2.INTER_AREA))
    draw = ImageDraw.Draw(view)
    for percent in range(5, 100, 5):
        strong = percent % 10 == 0
        colour = (255, 255, 0) if strong else (0, 255, 255)
        x, y = percent * (GRID_WIDTH - 1) / 100, percent * (height - 1) / 100
        draw.line((x, 0, x, height), fill=colour, width=1)
        draw.line((0, y, GRID_WIDTH, y), fill=colour, width=1)
        if strong:
            draw.text((x + 2, 2), str(percent), fill=(255, 0, 0))
            draw.text((2, y + 2), str(percent), fill=(255, 0, 0))
    return view


def review_tile(image: np.ndarray, polygons: list, title: str) -> np.ndarray:
    height = int(round(image.shape[0] * REVIEW_WIDTH / image.shape[1]))
    small = cv2.resize(image, (REVIEW_WIDTH, height), interpolation=cv2.INTER_AREA)
    roof = roof_mask(polygons, height, REVIEW_WIDTH)
    shown = small.copy()
    shown[roof] = (0.45 * small[roof] + 0.55 * np.array([160, 40, 200])).astype(np.uint8)
    canvas = Image.fromarray(np.concatenate([small, shown], axis=1))
    ImageDraw.Draw(canvas).text((4, 4), title, fill=(255, 255, 0))
    return np.asarray(canvas)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    grid = commands.add_parser("grid", help="photos with a percent grid, to read polygon corners off")
    grid.add_argument("photos", type=Path, nargs="+")
    grid.add_argument("-o", "--output", type=Path, required=True, help="folder for <stem>_grid.png")
    review = commands.add_parser("review", help="a sheet of the outlines over their photos")
    review.add_argument("roofs", type=Path, help="the outlines JSON")
    review.add_argument("photos", type=Path, help="folder of the photos")
    review.add_argument("-o", "--output", type=Path, required=True, help="sheet PNG")
    review.add_argument("--only", default="", help="comma-separated stems to show (default: all)")
    args = parser.parse_args()
    if args.command == "grid":
        args.output.mkdir(parents=True, exist_ok=True)
        for photo in args.photos:
            grid_view(load_image(photo)).save(args.output / f"{photo.stem}_grid.png")
        print(f"wrote {len(args.photos)} grid views to {args.output}")
        return
    roofs = load_roofs(args.roofs)
    stems = [s for s in args.only.split(",") if s] or sorted(roofs)
    tiles = [review_tile(load_image(args.photos / f"{stem}.jpg"), roofs[stem], stem) for stem in stems]
    width = 2 * REVIEW_WIDTH
    tiles = [np.pad(t, ((0, 0), (0, width - t.shape[1]), (0, 0)), constant_values=255) for t in tiles]
    save_image(np.concatenate(tiles, axis=0), args.output, force=True)
    print(f"wrote {args.output} ({len(tiles)} photos)")


if __name__ == "__main__":
    main()
