"""Segmenter benchmarks that print tables: speed of `renovate-net segment` and IoU on held-out photos.

Speed: N photos (default 20 LabelMeFacade photos of 683x512) segmented by the real command in a fresh
process (interpreter start, imports and model load included), repeated; plus an in-process breakdown.
Wall times depend on what else runs on the machine; the CLI's CPU time (user+sys) does not, and on an idle
2-core machine the wall time lies between CPU/2 and CPU.
Quality: per-class IoU on the held-out LabelMeFacade photos of the config's split (segmenter.holdout,
segmenter.holdout_seed), roof counted as wall, at each photo's own size.
Roofs: roof IoU on house photos against hand-drawn roof outlines (tools/roof_labels.py), by default on the 12
photos the pseudo-labels leave out (segmenter_sheet.py --pick 12), which no segmenter trained on.

  flock /tmp/renovate-heavy.lock .venv/bin/python tools/segmenter_bench.py speed
  flock /tmp/renovate-heavy.lock .venv/bin/python tools/segmenter_bench.py quality
  .venv/bin/python tools/segmenter_bench.py roofs ../shared/data/houses --roofs tools/labels/houses-roofs.json
"""
from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from renovate_net.config import load_config
from renovate_net.data.labelmefacade import LabelMeFacade
from renovate_net.engine.segmenter_metrics import evaluate, format_table
from renovate_net.imaging import list_photos, load_image, save_image
from renovate_net.labels import LABEL_ID
from renovate_net.render.segmenter import DEFAULT_URI, Segmenter

sys.path.insert(0, str(Path(__file__).resolve().parent))
from roof_labels import load_roofs, roof_mask  # noqa: E402
from segmenter_sheet import evenly_spaced  # noqa: E402

LABELME = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "labelmefacade"


def photos_of_size(folder: Path, count: int, size: tuple[int, int]) -> list[Path]:
    chosen = []
    for path in list_photos(folder):
        with Image.open(path) as image:
            if image.size == size:
                chosen.append(path)
        if len(chosen) == count:
            return chosen
    raise SystemExit(f"{folder}: fewer than {count} photos of {size[0]}x{size[1]}")


def _child_cpu() -> float:
    """CPU seconds used so far by finished child processes: a figure other jobs on the machine do not inflate."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def speed(args: argparse.Namespace) -> None:
    photos = photos_of_size(args.photos, args.count, (683, 512))
    command = [str(Path(sys.executable).parent / "renovate-net"), "segment", *map(str, photos),
               "--model", args.model, "--device", "cpu", "--force"]
    walls, cpus = [], []
    with tempfile.TemporaryDirectory() as out:
        for _ in range(args.repeats):
            start, used = time.perf_counter(), _child_cpu()
            subprocess.run(command + ["-o", out], check=True, stdout=subprocess.DEVNULL)
            walls.append(time.perf_counter() - start)
            cpus.append(_child_cpu() - used)
        start = time.perf_counter()
        segmenter = Segmenter.from_uri(args.model)
        load = time.perf_counter() - start
        start = time.perf_counter()
        images = [load_image(p) for p in photos]
        read = time.perf_counter() - start
        start = time.perf_counter()
        labels = segmenter.predict_batch(images)
        predict = time.perf_counter() - start
        segmenter.flip = True
        start = time.perf_counter()
        segmenter.predict_batch(images)
        predict_flip = time.perf_counter() - start
        start = time.perf_counter()
        for path, label in zip(photos, labels):
            save_image(label, Path(out) / f"{path.stem}.png", force=True)
        write = time.perf_counter() - start
    n = len(photos)
    print(f"segment: {n} photos 683x512, working size {segmenter.long_side}, {args.repeats} runs of the CLI")
    print(f"{'stage':<34} {'total s':>8} {'s/photo':>8}")
    print(f"{'CLI wall, fresh process (median)':<34} {statistics.median(walls):>8.2f} "
          f"{statistics.median(walls) / n:>8.3f}")
    print(f"{'CLI wall, fresh process (worst)':<34} {max(walls):>8.2f} {max(walls) / n:>8.3f}")
    print(f"{'CLI CPU time user+sys (median)':<34} {statistics.median(cpus):>8.2f} {statistics.median(cpus) / n:>8.3f}")
    for name, seconds in (("in-process: model load", load), ("in-process: read photos", read),
                          ("in-process: predict (net+upsample)", predict),
                          ("  same with the mirror pass (flip)", predict_flip), ("in-process: write PNGs", write)):
        print(f"{name:<34} {seconds:>8.2f} {seconds / n:>8.3f}")


def quality(args: argparse.Namespace) -> None:
    seg = load_config(args.config).segmenter
    labelme = LabelMeFacade(args.data or seg.data_dir)
    names = labelme.split(seg.holdout, seg.holdout_seed)[1]
    segmenter = Segmenter.from_uri(args.model, flip=args.flip)
    table, _ = evaluate(segmenter, labelme.samples(names))
    print(f"held-out LabelMeFacade: {len(names)} photos of val.txt (holdout seed {seg.holdout_seed}), "
          f"model {args.model}, working size {segmenter.long_side}{', with the mirror pass' if args.flip else ''}")
    print(format_table(table))


def roofs(args: argparse.Namespace) -> None:
    outlines = load_roofs(args.roofs)
    photos = list_photos(args.photos)
    chosen = [p for p in evenly_spaced(photos, args.pick) if p.stem in outlines]
    segmenter = Segmenter.from_uri(args.model)
    print(f"roofs: {len(chosen)} house photos with hand-drawn outlines, model {args.model}")
    print(f"{'photo':<14} {'roof %':>7} {'IoU':>6} {'roof called wall':>17} {'roof elsewhere %':>17}")
    totals = np.zeros(4)  # intersection, union, truth roof called wall, truth roof
    for photo in chosen:
        image = load_image(photo)
        predicted = segmenter.predict(image)
        truth = roof_mask(outlines[photo.stem], *predicted.shape)
        roof = predicted == LABEL_ID["roof"]
        counts = np.array([(roof & truth).sum(), (roof | truth).sum(),
                           (truth & (predicted == LABEL_ID["wall"])).sum(), truth.sum()])
        totals += counts
        iou = f"{counts[0] / counts[1]:.3f}" if counts[1] else "-"
        called_wall = f"{counts[2] / counts[3]:.1%}" if counts[3] else "-"
        print(f"{photo.stem:<14} {truth.mean():>7.1%} {iou:>6} {called_wall:>17} {(roof & ~truth).mean():>17.2%}")
    print(f"{'all':<14} {'':>7} {totals[0] / totals[1]:>6.3f} {totals[2] / totals[3]:>17.1%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="what", required=True)
    fast = sub.add_parser("speed", help="seconds per photo of `renovate-net segment`")
    fast.add_argument("--photos", type=Path, default=LABELME / "images")
    fast.add_argument("--count", type=int, default=20)
    fast.add_argument("--repeats", type=int, default=3)
    good = sub.add_parser("quality", help="per-class IoU on the held-out photos")
    good.add_argument("--config", default="configs/segmenter.yaml", help="config whose split to use")
    good.add_argument("--data", type=Path, default=None, help="LabelMeFacade folder (default: the config's)")
    good.add_argument("--flip", action="store_true", help="also run the mirrored photos (test-time augmentation)")
    roof = sub.add_parser("roofs", help="roof IoU on house photos against hand-drawn outlines")
    roof.add_argument("photos", type=Path, help="folder of the house photos")
    roof.add_argument("--roofs", type=Path, default=Path("tools/labels/houses-roofs.json"), help="the outlines JSON")
    roof.add_argument("--pick", type=int, default=12, help="evenly spaced photos measured (0 = all outlined)")
    for command in (fast, good, roof):
        command.add_argument("--model", default=DEFAULT_URI, help="segmenter URI or folder")
    args = parser.parse_args()
    {"speed": speed, "quality": quality, "roofs": roofs}[args.what](args)


if __name__ == "__main__":
    main()
