"""A contact sheet of photos and their facade labels (photo | coloured overlay), to LOOK at a segmenter.

Labels come from a segmenter (`--model`, default the registered champion) or from a folder of label PNGs
(`--labels`, e.g. pseudo-labels to review).

  .venv/bin/python tools/segmenter_sheet.py ../shared/data/houses --pick 12 -o houses_sheet.png
  .venv/bin/python tools/segmenter_sheet.py ../shared/data/houses --labels data/houses-pseudo -o review.png
  .venv/bin/python tools/segmenter_sheet.py --labelme ../shared/data/labelmefacade --pick 8 -o heldout.png

`--labelme` shows the segmenter's held-out LabelMeFacade photos (configs/base.yaml's holdout and seed) as
photo | ground truth | prediction.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw

from renovate_net.config import load_config
from renovate_net.data.labelmefacade import LabelMeFacade, read_labels
from renovate_net.data.segmentation import IGNORE, WALL_OR_ROOF
from renovate_net.imaging import list_photos, load_image, save_image
from renovate_net.labels import LABELS, PALETTE
from renovate_net.labels import overlay
from renovate_net.render.segmenter import DEFAULT_URI, Segmenter

TILE_WIDTH = 384


def evenly_spaced(paths: list[Path], count: int) -> list[Path]:
    """`count` photos spread evenly over the sorted list (the same ones every time)."""
    paths = sorted(paths)
    return paths if count <= 0 or count >= len(paths) else [paths[i * len(paths) // count] for i in range(count)]


def shown(image: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """The label overlay. Training-only ids of pseudo-labels show too: wall-or-roof in pink, no label in white."""
    out = overlay(image, np.where(labels < len(PALETTE), labels, 0).astype(np.uint8), 0.55)
    out[labels == WALL_OR_ROOF] = (255, 170, 210)
    out[labels == IGNORE] = 255
    return out


def tile(image: np.ndarray, labels: list[np.ndarray], title: str) -> np.ndarray:
    """Photo and an overlay of each label map side by side at TILE_WIDTH each, with the photo's name."""
    height = int(round(image.shape[0] * TILE_WIDTH / image.shape[1]))
    pair = [cv2.resize(im, (TILE_WIDTH, height), interpolation=cv2.INTER_AREA)
            for im in [image] + [shown(image, label) for label in labels]]
    canvas = Image.fromarray(np.concatenate(pair, axis=1))
    ImageDraw.Draw(canvas).text((4, 4), title, fill=(255, 255, 0))
    return np.asarray(canvas)


def legend(width: int) -> np.ndarray:
    canvas = Image.new("RGB", (width, 24), (255, 255, 255))
    draw = ImageDraw.Draw(canvas)
    for i, (name, colour) in enumerate(zip(LABELS + ("wall|roof",), PALETTE + ((255, 170, 210),))):
        draw.rectangle((8 + i * 100, 6, 22 + i * 100, 18), fill=colour)
        draw.text((26 + i * 100, 6), name, fill=(0, 0, 0))
    return np.asarray(canvas)


def grid(tiles: list[np.ndarray], columns: int) -> np.ndarray:
    """Tiles (padded to the tallest) in rows of `columns`, with a label legend on top."""
    height = max(t.shape[0] for t in tiles)
    padded = [np.pad(t, ((0, height - t.shape[0]), (0, 0), (0, 0)), constant_values=255) for t in tiles]
    padded += [np.full_like(padded[0], 255)] * (-len(padded) % columns)
    rows = [np.concatenate(padded[i:i + columns], axis=1) for i in range(0, len(padded), columns)]
    body = np.concatenate(rows, axis=0)
    return np.concatenate([legend(body.shape[1]), body], axis=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("photos", nargs="*", type=Path, help="photo files or folders")
    parser.add_argument("--labelme", type=Path, default=None,
                        help="LabelMeFacade folder: show its held-out photos with their ground truth instead")
    parser.add_argument("-o", "--output", type=Path, required=True, help="sheet PNG to write")
    parser.add_argument("--model", default=DEFAULT_URI, help="segmenter URI or folder (ignored with --labels)")
    parser.add_argument("--labels", type=Path, default=None, help="folder of <stem>.png label maps to show instead")
    parser.add_argument("--pick", type=int, default=0, help="show only this many photos, evenly spaced (0 = all)")
    parser.add_argument("--columns", type=int, default=2, help="photo|overlay pairs per row")
    parser.add_argument("--force", action="store_true", help="overwrite the sheet")
    args = parser.parse_args()
    truth = None
    if args.labelme is not None:
        base = load_config(None).segmenter
        dataset = LabelMeFacade(args.labelme)
        held_out = evenly_spaced(dataset.split(base.holdout, base.holdout_seed)[1], args.pick)
        paths = [dataset.paths(name)[0] for name in held_out]
        truth = [read_labels(dataset.paths(name)[1]) for name in held_out]
    else:
        paths = [p for arg in args.photos for p in (list_photos(arg) if arg.is_dir() else [arg])]
        paths = evenly_spaced(paths, args.pick)
    if args.labels is not None:
        paths = [p for p in paths if (args.labels / f"{p.stem}.png").exists()]
    images = [load_image(p) for p in paths]
    if args.labels is not None:
        labels = [np.asarray(Image.open(args.labels / f"{p.stem}.png")) for p in paths]
    else:
        labels = Segmenter.from_uri(args.model).predict_batch(images)
    shows = [[t, label] for t, label in zip(truth, labels)] if truth is not None else [[label] for label in labels]
    tiles = [tile(image, show, p.name) for p, image, show in zip(paths, images, shows)]
    save_image(grid(tiles, args.columns), args.output, force=args.force)
    print(f"wrote {args.output} ({len(tiles)} photos)")


if __name__ == "__main__":
    main()
