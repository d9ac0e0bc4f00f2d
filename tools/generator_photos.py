"""The photo folders the generator's training pairs are built from: PHOTOS_TRAIN, PHOTOS_VAL and HOUSES_TRAIN of
docs/training.md, as folders of symbolic links, the same on every machine.

    python tools/generator_photos.py --out data/generator-photos
    # -> data/generator-photos/{train,val,houses-train}/

- houses-train: every house photo after the first 20 by name (the first 20 are the held-out photos that
  `evaluate`, the benches and the gallery use).
- train: houses-train plus 240 LabelMeFacade photos drawn with --seed from the segmenter's training names
  (the 150 val.txt photos the segmenter holds out never appear).
- val: 20 more LabelMeFacade photos from the segmenter's training names, none of them in train.
"""
from __future__ import annotations

import argparse
import random
from pathlib import Path

from renovate_net.data.labelmefacade import LabelMeFacade
from renovate_net.imaging import list_photos

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
HELD_OUT_HOUSES, LABELME_TRAIN, LABELME_VAL = 20, 240, 20


def link_all(paths: list[Path], folder: Path) -> None:
    """Symbolic links to `paths` in `folder` (which must not exist yet), named as the files are."""
    folder.mkdir(parents=True)
    for path in paths:
        (folder / path.name).symlink_to(path.resolve())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--houses", type=Path, default=SHARED / "houses")
    parser.add_argument("--labelme", type=Path, default=SHARED / "labelmefacade")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--segmenter-holdout", type=int, default=150, help="as the segmenter's config has it")
    parser.add_argument("--segmenter-holdout-seed", type=int, default=0)
    args = parser.parse_args()
    if args.out.exists():
        parser.error(f"{args.out} exists; give a new folder")

    houses = list_photos(args.houses)[HELD_OUT_HOUSES:]
    labelme = LabelMeFacade(args.labelme)
    names, _ = labelme.split(args.segmenter_holdout, args.segmenter_holdout_seed)
    drawn = random.Random(args.seed).sample(sorted(names), LABELME_TRAIN + LABELME_VAL)
    facades = [labelme.paths(name)[0] for name in drawn]
    link_all(houses, args.out / "houses-train")
    link_all(houses + facades[:LABELME_TRAIN], args.out / "train")
    link_all(facades[LABELME_TRAIN:], args.out / "val")
    print(f"{args.out}: houses-train {len(houses)}, train {len(houses) + LABELME_TRAIN}, val {LABELME_VAL} photos")


if __name__ == "__main__":
    main()
