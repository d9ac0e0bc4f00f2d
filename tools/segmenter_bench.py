"""Segmenter benchmarks that print tables: speed of `renovate-net segment`, IoU on held-out photos, and where
the renders it steers edit.

Speed: N photos (default 20 LabelMeFacade photos of 683x512) segmented by the real command in a fresh
process (interpreter start, imports and model load included), repeated; plus an in-process breakdown.
Wall times depend on what else runs on the machine; the CLI's CPU time (user+sys) does not, and on an idle
2-core machine the wall time lies between CPU/2 and CPU.
Quality: per-class IoU on the held-out LabelMeFacade photos of the config's split (segmenter.holdout,
segmenter.holdout_seed), roof counted as wall, at each photo's own size; and on the held-out HSLU European
facades (segmenter.hslu_validation of the source photos, seed segmenter.hslu_seed; unlabelled pixels not
counted; its facade is wall + roof, its street is ground).
Edits: `render --type facade-insulation` and `--type windows` on both held-out sets with this segmenter's
labels and probabilities, as `render` runs (render safety on; `--trust-labels`: the labels alone): precision (edited pixels whose true class is the type's region / edited pixels with a true class),
recall (share of the region's true pixels edited), and where the other edited pixels are.
Roofs: roof IoU on house photos against hand-drawn roof outlines (tools/roof_labels.py), by default on the 12
photos the pseudo-labels leave out (segmenter_sheet.py --pick 12), which no segmenter trained on.

  flock /tmp/renovate-heavy.lock .venv/bin/python tools/segmenter_bench.py speed
  flock /tmp/renovate-heavy.lock .venv/bin/python tools/segmenter_bench.py quality
  flock /tmp/renovate-heavy.lock .venv/bin/python tools/segmenter_bench.py edits
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
from typing import Callable, Iterator

import numpy as np
from PIL import Image

from renovate_net.catalog import load_catalog
from renovate_net.config import load_config
from renovate_net.data.hslu import HsluFacades
from renovate_net.data.labelmefacade import LabelMeFacade
from renovate_net.engine.segmenter_metrics import HSLU_CLASSES, MIOU_CLASSES, evaluate
from renovate_net.imaging import list_photos, load_image, save_image
from renovate_net.labels import LABEL_ID, LABELS, NUM_LABELS
from renovate_net.render.pipeline import Renovator
from renovate_net.render.segmenter import DEFAULT_URI, Segmenter
from renovate_net.request import parse_request

sys.path.insert(0, str(Path(__file__).resolve().parent))
from roof_labels import load_roofs, roof_mask  # noqa: E402
from segmenter_sheet import evenly_spaced  # noqa: E402

LABELME = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "labelmefacade"
HSLU = LABELME.parent / "hslu"


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


def held_out_sets(args: argparse.Namespace) -> dict[str, tuple[int, Callable[[], Iterator]]]:
    """{set name: (photo count, a fresh iterator of (photo, truth))} of the held-out LabelMeFacade and HSLU
    photos of the config's splits (HSLU left out when its folder is missing)."""
    seg = load_config(args.config).segmenter
    labelme = LabelMeFacade(args.data or seg.data_dir)
    names = labelme.split(seg.holdout, seg.holdout_seed)[1]
    sets = {"LabelMeFacade": (len(names), lambda: labelme.samples(names))}
    hslu_dir = Path(args.hslu or seg.hslu_dir or HSLU)
    if hslu_dir.is_dir():
        hslu = HsluFacades(hslu_dir)
        held = hslu.split(seg.hslu_validation, seg.hslu_seed)[1]
        sets["HSLU"] = (len(held), lambda: hslu.samples(held))
    return sets


def quality(args: argparse.Namespace) -> None:
    segmenter = Segmenter.from_uri(args.model, flip=args.flip)
    tables = {}
    for name, (count, samples) in held_out_sets(args).items():
        classes = HSLU_CLASSES if name == "HSLU" else MIOU_CLASSES
        tables[name] = evaluate(segmenter, samples(), classes=classes)[0]
        print(f"held-out {name}: {count} photos, model {args.model}, working size {segmenter.long_side}"
              f"{', with the mirror pass' if args.flip else ''}; mIoU over {', '.join(classes)}")
    print(f"{'class':<12}" + "".join(f"{name:>15}" for name in tables))
    for key in [f"iou_{label}" for label in LABELS if label != "roof"] + ["miou", "pixel_accuracy"]:
        print(f"{key.removeprefix('iou_'):<12}" + "".join(f"{table[key]:>15.3f}" for table in tables.values()))


def edits(args: argparse.Namespace) -> None:
    renovator = Renovator.load(args.generator, args.model, device="cpu")
    requests = {type_id: parse_request([type_id]) for type_id in ("facade-insulation", "windows")}
    regions = {type_id: load_catalog().type(type_id).region_id for type_id in requests}
    safety = "labels trusted as they are (no render safety)" if args.trust_labels else "render safety on"
    print(f"edits of render with segmenter {args.model}, generator {args.generator or 'champion'}, {safety}")
    print(f"{'set':<14} {'type':<18} {'precision':>9} {'recall':>7}  edited pixels off the region, by true class")
    for name, (count, samples) in held_out_sets(args).items():
        # per type: edited pixels per true class (+1 slot: unlabelled), true region pixels
        counts = {type_id: np.zeros(NUM_LABELS + 1) for type_id in requests}
        region_total = {type_id: 0 for type_id in requests}
        for image, truth in samples():
            labels, probabilities = renovator.segmenter.predict_with_probabilities(image)
            if args.trust_labels:
                probabilities = None  # as `render --mask`: no safety
            known = np.minimum(truth, NUM_LABELS)
            for type_id, request in requests.items():
                edited = renovator.render(image, request, labels, probabilities=probabilities).edit_mask > 0
                counts[type_id] += np.bincount(known[edited], minlength=NUM_LABELS + 1)
                region_total[type_id] += int((truth == regions[type_id]).sum())
        for type_id, edited in counts.items():
            region = regions[type_id]
            labelled = edited[:NUM_LABELS].sum()
            others = sorted(((edited[i] / labelled, LABELS[i]) for i in range(NUM_LABELS) if i != region), reverse=True)
            spill = ", ".join(f"{label} {share:.1%}" for share, label in others[:4] if share >= 0.0005)
            print(f"{name + f' ({count})':<14} {type_id:<18} {edited[region] / labelled:>9.1%} "
                  f"{edited[region] / max(region_total[type_id], 1):>7.1%}  {spill}")


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
    good.add_argument("--flip", action="store_true", help="also run the mirrored photos (test-time augmentation)")
    edit = sub.add_parser("edits", help="where facade-insulation and windows renders edit, against the truth")
    edit.add_argument("--generator", default=None, help="generator URI or folder (default: the champion)")
    edit.add_argument("--trust-labels", action="store_true", help="render with the labels alone, as `render --mask` "
                      "does: no render safety")
    for command in (good, edit):
        command.add_argument("--config", default="configs/segmenter.yaml", help="config whose splits to use")
        command.add_argument("--data", type=Path, default=None, help="LabelMeFacade folder (default: the config's)")
        command.add_argument("--hslu", type=Path, default=None, help="HSLU folder (default: the config's, else "
                             "../shared/data/hslu)")
    roof = sub.add_parser("roofs", help="roof IoU on house photos against hand-drawn outlines")
    roof.add_argument("photos", type=Path, help="folder of the house photos")
    roof.add_argument("--roofs", type=Path, default=Path("tools/labels/houses-roofs.json"), help="the outlines JSON")
    roof.add_argument("--pick", type=int, default=12, help="evenly spaced photos measured (0 = all outlined)")
    for command in (fast, good, roof, edit):
        command.add_argument("--model", default=DEFAULT_URI, help="segmenter URI or folder")
    args = parser.parse_args()
    {"speed": speed, "quality": quality, "roofs": roofs, "edits": edits}[args.what](args)


if __name__ == "__main__":
    main()
