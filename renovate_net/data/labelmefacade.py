"""The LabelMeFacade dataset (Froehlich, Rodner, Denzler, ICPR 2010): its colour-coded labels as contract ids,
and the split the segmenter is trained and measured on.

Folder layout: `images/NAME.jpg`, `labels/NAME.png` (RGB colour codes), `train.txt` and `val.txt` (image file
names). LabelMeFacade has no roof class: roofs are labelled `building`, which maps to wall.
"""
from __future__ import annotations

import random
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np
from PIL import Image

from renovate_net.errors import UserError
from renovate_net.labels import LABEL_ID

# LabelMeFacade colour (R, G, B) -> contract label.
COLOURS: dict[tuple[int, int, int], str] = {
    (0, 0, 0): "other",          # various
    (128, 0, 0): "wall",         # building (roofs included: the dataset has no roof class)
    (128, 0, 128): "other",      # car
    (128, 128, 0): "door",
    (128, 128, 128): "ground",   # pavement
    (128, 64, 0): "ground",      # road
    (0, 128, 128): "sky",
    (0, 128, 0): "vegetation",
    (0, 0, 128): "window",
}


def labels_from_colours(rgb: np.ndarray) -> np.ndarray:
    """HxWx3 uint8 LabelMeFacade colour codes -> HxW uint8 contract ids; unknown colours raise ValueError."""
    codes = (rgb[..., 0].astype(np.int32) << 16) | (rgb[..., 1].astype(np.int32) << 8) | rgb[..., 2]
    table = {(r << 16) | (g << 8) | b: LABEL_ID[name] for (r, g, b), name in COLOURS.items()}
    keys = np.array(sorted(table), dtype=np.int32)
    index = np.clip(np.searchsorted(keys, codes), 0, len(keys) - 1)
    unknown = keys[index] != codes
    if unknown.any():
        r, g, b = rgb[unknown][0]
        raise ValueError(f"LabelMeFacade label holds colour {r}:{g}:{b}, not one of the dataset's 9 colours")
    values = np.array([table[key] for key in keys], dtype=np.uint8)
    return values[index]


def read_labels(path: str | Path) -> np.ndarray:
    """A LabelMeFacade label PNG -> HxW uint8 contract ids."""
    with Image.open(path) as image:
        return labels_from_colours(np.asarray(image.convert("RGB")))


class LabelMeFacade:
    """The dataset folder: names from its lists and the (image path, label path) pair of a name."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        for part in ("images", "labels", "train.txt", "val.txt"):
            if not (self.root / part).exists():
                raise UserError(f"{self.root}: no {part}; point segmenter.data_dir at the LabelMeFacade folder "
                                "(images/, labels/, train.txt, val.txt)")

    def names(self, split: str) -> list[str]:
        """Image file names of `train` or `val`, in the list's order."""
        return (self.root / f"{split}.txt").read_text().split()

    def paths(self, name: str) -> tuple[Path, Path]:
        return self.root / "images" / name, self.root / "labels" / f"{Path(name).stem}.png"

    def samples(self, names: Iterable[str]) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(HxWx3 uint8 photo, HxW uint8 contract ids) for each name, read one at a time."""
        for name in names:
            image_path, label_path = self.paths(name)
            with Image.open(image_path) as image:
                yield np.asarray(image.convert("RGB")), read_labels(label_path)

    def split(self, holdout: int, seed: int) -> tuple[list[str], list[str]]:
        """(training names, held-out names): `holdout` val photos drawn with `seed` are kept out of training;
        the dataset's train list and the rest of val are trained on."""
        val = self.names("val")
        if not 0 <= holdout <= len(val):
            raise UserError(f"segmenter.holdout={holdout} but val.txt has {len(val)} photos; pick 0..{len(val)}")
        held = set(random.Random(seed).sample(sorted(val), holdout))
        return self.names("train") + [n for n in val if n not in held], [n for n in val if n in held]
