"""Pseudo-labels for unlabelled photos (the houses photos): a first segmenter's confident predictions (or an
ensemble's: give --model several segmenters and their probabilities are averaged), written as single-channel
PNGs (class ids, 255 = no supervision) for `segmenter.pseudo_labels`.

A pixel keeps its predicted label only where the model is confident (max softmax >= --confidence, wall and
roof counted together); the building is split into roof and wall by a colour + geometry cue (GrabCut seeded
by the skyline, see renovate_net/data/roofs.py), roof specks under --min-roof of the photo become wall. The
photos the 12-house sheet shows (`segmenter_sheet.py --pick 12`) are left out, so the sheet shows photos
the final model was not trained on. A photo with hand-drawn roof outlines (`--roofs`, tools/roof_labels.py)
takes its roof/wall split from them instead: building inside an outline is roof, outside it wall, and a thin
band along each outline is left unsupervised. Review the result by eye before training on it:

  .venv/bin/python tools/segmenter_pseudolabels.py ../shared/data/houses -o data/houses-pseudo --model runs/stage1/model \
      --roofs tools/labels/houses-roofs.json
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
from renovate_net.imaging import list_photos, load_image, save_image
from renovate_net.labels import LABEL_ID
from renovate_net.render.segmenter import DEFAULT_URI, Segmenter

sys.path.insert(0, str(Path(__file__).resolve().parent))
from roof_labels import load_roofs, roof_mask  # noqa: E402
from segmenter_sheet import evenly_spaced  # noqa: E402  (the sheet's choice of photos)

WALL, ROOF = LABEL_ID["wall"], LABEL_ID["roof"]
OUTLINE_BAND = 2  # px at the working size either side of a hand-drawn roof outline left unsupervised


def ensemble_logits(segmenters: list[Segmenter], image: np.ndarray) -> torch.Tensor:
    """[C,h,w] logits of one photo: a single segmenter's own, or the log of several segmenters' averaged
    probabilities (they share the contract's working size)."""
    if len(segmenters) == 1:
        return segmenters[0].logits([image])[0]
    probabilities = torch.stack([segmenter.logits([image])[0].softmax(0) for segmenter in segmenters]).mean(0)
    return probabilities.clamp_min(1e-6).log()


def pseudo_labels(image: np.ndarray, logits: torch.Tensor, confidence: float, min_roof: float,
                  outlines: list | None = None) -> np.ndarray:
    """A photo and its [C,h,w] logits -> HxW uint8 ids at the photo's size (IGNORE where unsure).

    Wall and roof are first taken together as 'building' (the first model's own roof/wall split is weak);
    hand-drawn roof `outlines` (percent polygons) split it into roof and wall where given, else GrabCut splits
    it by colour, seeded by geometry (data/roofs.py).
    """
    probabilities = logits.softmax(0).numpy()
    probabilities[WALL] += probabilities[ROOF]
    roof_hint = probabilities[ROOF] > probabilities[WALL] - probabilities[ROOF]
    probabilities[ROOF] = 0
    labels, best = probabilities.argmax(0).astype(np.uint8), probabilities.max(0)
    small = cv2.resize(image, labels.shape[::-1], interpolation=cv2.INTER_AREA)
    building = (labels == WALL) & (best >= confidence)
    if outlines is not None:
        return outlined_labels(image, labels, best >= confidence, outlines)
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


def outlined_labels(image: np.ndarray, labels: np.ndarray, confident: np.ndarray, outlines: list) -> np.ndarray:
    """Labels with the building (WALL in `labels`) split by hand-drawn roof outlines: roof inside, wall outside,
    IGNORE within OUTLINE_BAND px of an outline and wherever the model is unsure."""
    roof = roof_mask(outlines, *labels.shape).astype(np.uint8)
    kernel = np.ones((2 * OUTLINE_BAND + 1,) * 2, np.uint8)
    band = cv2.dilate(roof, kernel) > cv2.erode(roof, kernel)
    building = labels == WALL
    labels[building & (roof > 0)] = ROOF
    labels[~confident | (building & band)] = IGNORE
    return cv2.resize(labels, (image.shape[1], image.shape[0]), interpolation=cv2.INTER_NEAREST)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("photos", type=Path, help="folder of photos")
    parser.add_argument("-o", "--output", type=Path, required=True, help="folder for <stem>.png pseudo-labels")
    parser.add_argument("--model", nargs="+", default=[DEFAULT_URI],
                        help="segmenter URI or folder; several: their probabilities are averaged (an ensemble)")
    parser.add_argument("--confidence", type=float, default=0.7, help="min softmax probability to keep a label")
    parser.add_argument("--min-roof", type=float, default=0.01, help="min roof region, as a share of the photo")
    parser.add_argument("--sheet-photos", type=int, default=12, help="evenly spaced photos left out (the sheet's)")
    parser.add_argument("--roofs", type=Path, default=None,
                        help="hand-drawn roof outlines JSON (tools/roof_labels.py) for the photos it lists")
    parser.add_argument("--reject", default="", help="comma-separated photo stems rejected on review")
    parser.add_argument("--force", action="store_true", help="overwrite existing label PNGs")
    args = parser.parse_args()
    photos = list_photos(args.photos)
    left_out = set(evenly_spaced(photos, args.sheet_photos)) if args.sheet_photos else set()
    rejected = {s for s in args.reject.split(",") if s}
    chosen = [p for p in photos if p not in left_out and p.stem not in rejected]
    args.output.mkdir(parents=True, exist_ok=True)
    for photo in photos:  # a photo rejected on review must not keep an earlier run's labels
        if photo not in chosen:
            (args.output / f"{photo.stem}.png").unlink(missing_ok=True)
    outlines = load_roofs(args.roofs) if args.roofs else {}
    segmenters = [Segmenter.from_uri(model) for model in args.model]
    for photo in chosen:
        image = load_image(photo)
        labels = pseudo_labels(image, ensemble_logits(segmenters, image), args.confidence, args.min_roof,
                               outlines.get(photo.stem))
        save_image(labels, args.output / f"{photo.stem}.png", force=args.force)
    print(f"wrote {len(chosen)} pseudo-labels to {args.output} ({len(left_out)} sheet photos left out, "
          f"{len(rejected)} rejected, {sum(p.stem in outlines for p in chosen)} split by hand-drawn roofs)")


if __name__ == "__main__":
    main()
