"""Do new windows look like new windows? Fits a new frame to every window the segmenter is sure of on each photo
(`render/frames.py`, as `render --type windows` does) and counts how many got one; writes a sheet of
before | after crops of each photo's largest new window at full resolution, to judge by eye.

    python tools/windows_bench.py --photos ../shared/data/houses --count 40 --sheet /tmp/windows.jpg
    python tools/windows_bench.py --photos ../shared/data/houses --material pvc-white --count 20

Prints, per photo with a window label: windows considered, windows framed, the new frames' pixels and the time to
fit them; then the totals. The photos are taken by name, the first COUNT (the held-out ones first).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from renovate_net.imaging import list_photos, load_image
from renovate_net.render.frames import new_frames
from renovate_net.render.segmenter import Segmenter
from renovate_net.render.surfaces import measure
from renovate_net.request import parse_request

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sheets import crop_pair, write_sheet  # noqa: E402  (tools/sheets.py)

SIDE, COLUMNS, SHEET_BYTES = (300, 240), 3, 400_000  # one crop's box (px), pairs per row, the sheet's size


def largest_new_window(cover: np.ndarray) -> np.ndarray:
    """The largest group of new frame pixels (those within 12 px of each other taken together), as a mask."""
    grown = cv2.dilate((cover > 0).astype(np.uint8), np.ones((25, 25), np.uint8))
    count, ids, stats, _ = cv2.connectedComponentsWithStats(grown)
    return (ids == 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))) & (cover > 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=Path, required=True)
    parser.add_argument("--count", type=int, default=40, help="the first COUNT photos by name (the held-out ones)")
    parser.add_argument("--material", default="alu-anthracite")
    parser.add_argument("--segmenter", default=None, help="default: models:/facade-segmenter@champion")
    parser.add_argument("--sheet", type=Path, help="write before | after crops of the new windows here (JPEG)")
    args = parser.parse_args()

    segmenter = Segmenter.from_uri(args.segmenter) if args.segmenter else Segmenter.from_uri()
    request = parse_request(["windows"], [f"windows={args.material}"])
    pairs: list[tuple[str, Image.Image]] = []
    totals = {"photos": 0, "photos framed": 0, "windows": 0, "framed": 0}
    seconds = []
    print("| photo | windows | framed | new frame px | s |")
    print("|---|---|---|---|---|")
    for path in sorted(list_photos(args.photos), key=lambda p: p.name)[:args.count]:
        image = load_image(path)
        labels, probabilities = segmenter.predict_with_probabilities(image)
        started = time.perf_counter()
        frames = new_frames(image, labels, request, measure(image, labels), probabilities)
        seconds.append(time.perf_counter() - started)
        if frames.windows == 0:
            continue
        pixels = int((frames.cover > 0).sum())
        totals["photos"] += 1
        totals["photos framed"] += frames.framed > 0
        totals["windows"] += frames.windows
        totals["framed"] += frames.framed
        print(f"| {path.stem} | {frames.windows} | {frames.framed} | {pixels} | {seconds[-1]:.2f} |")
        if frames.framed:
            pairs.append((path.stem, crop_pair(image, frames.drawn, largest_new_window(frames.cover), SIDE)))
    print(f"\n{totals['photos framed']} of {totals['photos']} photos with a window label got a new frame; "
          f"{totals['framed']} of {totals['windows']} windows; median {np.median(seconds):.2f} s per photo to fit "
          f"them ({args.material}).")
    if args.sheet and pairs:
        write_sheet(pairs, args.sheet, SIDE, COLUMNS, SHEET_BYTES)
        print(f"sheet: {args.sheet}")


if __name__ == "__main__":
    main()
