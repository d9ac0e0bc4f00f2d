"""Measure the renovation data engine on real photos: speed per core and the acceptance checks of issue #4.

Builds a dataset from N real photos with `renovate_net.data.build.build` on one core, then checks every
sample (after == before outside the edit mask, visibly different inside), counts types and combinations,
prints a table, and writes a contact sheet of 16 samples chosen to cover every type.

Labels: `--labels segmenter` runs the segmenter (`--segmenter`, default models:/facade-segmenter@champion)
on the photos first (timed apart);
`--labels labelme` uses LabelMeFacade ground truth (the photos must then be LabelMeFacade images).

    flock /tmp/renovate-heavy.lock .venv/bin/python tools/data_engine_bench.py \\
        --photos ../shared/data/houses --count 20 --labels segmenter --out /tmp/bench
"""
from __future__ import annotations

import argparse
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core: the figure is samples/s per core

import json  # noqa: E402
import shutil  # noqa: E402
import time  # noqa: E402
from collections import defaultdict  # noqa: E402
from pathlib import Path  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from renovate_net.data.build import build, list_photos  # noqa: E402
from renovate_net.data.contact_sheet import contact_sheet  # noqa: E402
from renovate_net.imaging import load_image, save_image  # noqa: E402


def _labels(photos: list[Path], source: str, segmenter_uri: str, folder: Path) -> float:
    """Write a label PNG per photo into `folder`; returns the seconds the labelling took."""
    folder.mkdir(parents=True)
    start = time.perf_counter()
    if source == "segmenter":
        from renovate_net.render.segmenter import Segmenter

        segmenter = Segmenter.from_uri(segmenter_uri)
        for photo in photos:
            save_image(segmenter.predict(load_image(photo)), folder / f"{photo.stem}.png")
    else:
        from renovate_net.data.labelmefacade import read_labels

        for photo in photos:
            gt = photo.parent.parent / "labels" / f"{photo.stem}.png"
            save_image(read_labels(gt), folder / f"{photo.stem}.png")
    return time.perf_counter() - start


def _check(out: Path) -> list[dict]:
    """Per-sample outside-mask max diff and inside-mask mean diff, read back from the written PNGs."""
    rows = []
    for line in (out / "manifest.jsonl").read_text().splitlines():
        entry = json.loads(line)
        before = load_image(out / entry["before"]).astype(np.int16)
        after = load_image(out / entry["after"]).astype(np.int16)
        mask = np.asarray(Image.open(out / entry["edit_mask"]))
        diff = np.abs(after - before)
        outside = int(diff[mask == 0].max()) if (mask == 0).any() else 0
        inside = float(diff.mean(axis=2)[mask >= 128].mean()) if (mask >= 128).any() else 0.0
        rows.append({**entry, "outside_max": outside, "inside_mean": inside, "edited": float((mask > 0).mean())})
    return rows


def _sheet(out: Path, rows: list[dict], path: Path) -> None:
    """16 samples: greedily the ones that add an uncovered type, then the first others."""
    chosen, covered = [], set()
    for row in rows:
        if set(row["types"]) - covered and len(chosen) < 16:
            chosen.append(row)
            covered |= set(row["types"])
    chosen += [r for r in rows if r not in chosen][:16 - len(chosen)]
    samples = []
    for row in chosen:
        mask = np.asarray(Image.open(out / row["edit_mask"]), np.float32) / 255.0
        caption = ", ".join(f"{t}={row['materials'][t]} {row['colours'][t]}" for t in row["types"])
        samples.append((load_image(out / row["before"]), load_image(out / row["after"]), mask,
                        caption + (" [inverse]" if row.get("inverse") else "")))
    save_image(contact_sheet(samples), path, force=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", type=Path, required=True)
    parser.add_argument("--count", type=int, default=20, help="photos used (every k-th of the sorted folder)")
    parser.add_argument("--labels", choices=["segmenter", "labelme"], default="segmenter")
    parser.add_argument("--segmenter", default="models:/facade-segmenter@champion",
                        help="registry URI or model folder of the segmenter (with --labels segmenter)")
    parser.add_argument("--per-photo", type=int, default=4)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, required=True, help="work folder (replaced)")
    args = parser.parse_args()

    import torch

    torch.set_num_threads(1)
    cv2.setNumThreads(1)
    every = list_photos(args.photos)
    photos = every[::max(1, len(every) // args.count)][:args.count]
    shutil.rmtree(args.out, ignore_errors=True)
    selection = args.out / "photos"
    selection.mkdir(parents=True)
    for photo in photos:
        (selection / photo.name).symlink_to(photo.resolve())
    label_seconds = _labels(photos, args.labels, args.segmenter, args.out / "labels")

    start, cpu_start = time.perf_counter(), time.process_time()
    report = build(selection, args.out / "data", labels=args.out / "labels", per_photo=args.per_photo,
                   seed=args.seed, size=args.size, progress=False)
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    rows = _check(args.out / "data")

    per_type = defaultdict(list)
    for row in rows:
        for type_id in row["types"]:
            per_type[type_id].append(row)
    source = args.segmenter if args.labels == "segmenter" else "LabelMeFacade ground truth"
    print(f"photos {len(photos)} from {args.photos} (labels: {source}, {label_seconds:.1f} s to label), "
          f"size {args.size}, per-photo {args.per_photo}, seed {args.seed}")
    print(f"{'type':<18} {'samples':>7} {'in combos':>9} {'inside mean diff (min/median)':>30} {'max outside diff':>17}")
    for type_id in sorted(per_type):
        group = per_type[type_id]
        inside = [r["inside_mean"] for r in group]
        print(f"{type_id:<18} {len(group):>7} {sum(len(r['types']) > 1 for r in group):>9} "
              f"{min(inside):>14.1f} / {np.median(inside):<13.1f} {max(r['outside_max'] for r in group):>17}")
    combos = sum(len(r["types"]) > 1 for r in rows)
    print(f"samples {len(rows)}, types covered {len(per_type)}/8, combinations {combos} ({combos / max(len(rows), 1):.0%}), "
          f"inverse-trick {sum(bool(r.get('inverse')) for r in rows)}")
    print(f"max outside-mask diff {max(r['outside_max'] for r in rows)} (must be <= 2), "
          f"min inside-mask mean diff {min(r['inside_mean'] for r in rows):.1f} (must be >= 8)")
    print(f"build: {seconds:.1f} s wall, {cpu_seconds:.1f} s CPU on 1 thread: {len(rows) / seconds:.2f} samples/s "
          f"wall, {len(rows) / cpu_seconds:.2f} samples per CPU-second (incl. loading, resizing, writing PNGs)")
    print("\n".join(report.lines()))
    _sheet(args.out / "data", rows, args.out / "contact_sheet_16.png")
    print(f"contact sheet: {args.out / 'contact_sheet_16.png'}")


if __name__ == "__main__":
    main()
