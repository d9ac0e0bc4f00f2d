"""Pseudo-labels for unlabelled photos (the houses photos): a first segmenter's confident predictions,
written as single-channel PNGs (class ids, 255 = no supervision) for `segmenter.pseudo_labels`.

A pixel keeps its predicted label only where the model is confident (max softmax >= --confidence, wall and
roof counted together); the building is split into roof and wall by a colour + geometry cue (GrabCut seeded
by the skyline, see renovate_net/data/roofs.py), roof specks under --min-roof of the photo become wall. The
photos the 12-house sheet shows (`segmenter_sheet.py --pick 12`) are left out, so the sheet shows photos
the final model was not trained on. Review the result by eye before training on it:

  .venv/bin/python tools/segmenter_pseudolabels.py ../shared/data/houses -o data/houses-pseudo --model runs/stage1/model
  .venv/bin/python tools/segmenter_sheet.py ../shared/data/houses --labels data/houses-pseudo -o review.png --columns 3
then list rejected photos with --reject and run the first command again with --force.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np
import torch

from renovate_net.data.roofs import grabcut_roof, roof_zone
from renovate_net.data.segmentation import IGNORE, WALL_OR_ROOF
from renovate_net.imaging import load_image, save_image
from renovate_net.labels import LABEL_ID
from renovate_net.segmenter import DEFAULT_URI, Segmenter

sys.path.insert(0, str(Path(__file__).resolve().parent))
from segmenter_sheet import evenly_spaced  # noqa: E402  (the sheet's choice of photos)

WALL, ROOF = LABEL_ID["wall"], LABEL_ID["roof"]


def pseudo_labels(image: np.ndarray, logits: torch.Tensor, confidence: float, min_roof: float) -> np.ndarray:
    """A photo and its [C,h,w] logits -> HxW uint8 ids at the photo's size (IGNORE where unsure).

    Wall and roof are first taken together as 'building' (the first model's own roof/wall split is weak);
    GrabCut then splits the building into roof and wall by colour, seeded by geometry (data/roofs.py).
    """
    probabilities = logits.softmax(0).numpy()
    probabilities[WALL] += probabilities[ROOF]
    roof_hint = probabilities[ROOF] > probabilities[WALL] - probabilities[ROOF]
    probabilities[ROOF] = 0
    labels, best = probabilities.argmax(0).astype(np.uint8), probabilities.max(0)
    small = cv2.resize(image, labels.shape[::-1], interpolation=cv2.INTER_AREA)
    building = (labels == WALL) & (best >= confidence)
    openings = np.isin(labels, (LABEL_ID["window"], LABEL_ID["door"]))
    roof = grabcut_roof(small, building, labels == LABEL_ID["sky"], openings, roof_hint)
    count, components, stats, _ = cv2.connectedComponentsWithStats(roof.astype(np.uint8), connectivity=8)
    for index in range(1, count):  # specks are not roofs
        if stats[index, cv2.CC_STAT_AREA] < min_roof * labels.size:
            roof[components == index] = False
    labels[building & roof_zone(building, labels == LABEL_ID["sky"]) & ~roof] = WALL_OR_ROOF  # roofs GrabCut missed
    labels[roof] = ROOF
    labels[best < confidence] = IGNORE
    return cv2.resize(labels, (image.shape[1], image.shape[0]), interpolation=cv2.INTER_NEAREST)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("photos", type=Path, help="folder of photos")
    parser.add_argument("-o", "--output", type=Path, required=True, help="folder for <stem>.png pseudo-labels")
    parser.add_argument("--model", default=DEFAULT_URI, help="segmenter URI or folder")
    parser.add_argument("--confidence", type=float, default=0.7, help="min softmax probability to keep a label")
    parser.add_argument("--min-roof", type=float, default=0.01, help="min roof region, as a share of the photo")
    parser.add_argument("--sheet-photos", type=int, default=12, help="evenly spaced photos left out (the sheet's)")
    parser.add_argument("--reject", default="", help="comma-separated photo stems rejected on review")
    parser.add_argument("--force", action="store_true", help="overwrite existing label PNGs")
    args = parser.parse_args()
    photos = sorted(p for p in args.photos.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    left_out = set(evenly_spaced(photos, args.sheet_photos)) if args.sheet_photos else set()
    rejected = {s for s in args.reject.split(",") if s}
    chosen = [p for p in photos if p not in left_out and p.stem not in rejected]
    args.output.mkdir(parents=True, exist_ok=True)
    for photo in photos:  # a photo rejected on review must not keep an earlier run's labels
        if photo not in chosen:
            (args.output / f"{photo.stem}.png").unlink(missing_ok=True)
    segmenter = Segmenter.from_uri(args.model)
    for photo in chosen:
        image = load_image(photo)
        labels = pseudo_labels(image, segmenter.logits([image])[0], args.confidence, args.min_roof)
        save_image(labels, args.output / f"{photo.stem}.png", force=args.force)
    print(f"wrote {len(chosen)} pseudo-labels to {args.output} "
          f"({len(left_out)} sheet photos left out, {len(rejected)} rejected)")


if __name__ == "__main__":
    main()
