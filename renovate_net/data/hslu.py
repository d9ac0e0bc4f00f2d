"""The HSLU European facade dataset (CC BY 4.0): Swiss apartment and house facades, many at dusk or night, with
polygon labels in YOLO segmentation format, as contract label maps, and a validation split by source photo.

Folder layout: `images/NAME.jpg`, `labels/NAME.txt` (one polygon a line: `CLASS x1 y1 x2 y2 ...`, normalised).
Each source photo appears as two crops (`..._scaled_0_...`, `..._scaled_1_...`): both land on the same side of
the split. Its `facade` holds the roofs, so it is trained as "wall or roof"; sky, roofs and doors carry no label
of their own, and unlabelled pixels are unknown (ignored), not background. Fences, balcony railings, cars and
street furniture stand in front of the house: they are `other`, never wall.
"""
from __future__ import annotations

import random
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np
from PIL import Image, ImageDraw
from torch.utils.data import Dataset

from renovate_net.data.segmentation import IGNORE, WALL_OR_ROOF
from renovate_net.errors import UserError
from renovate_net.labels import LABEL_ID

ATTRIBUTION = "HSLU building facade segmentation dataset (Roboflow Universe, building-facade), CC BY 4.0"

# HSLU class id -> (target id, painting rank): facades first, smaller parts and what stands in front over them.
CLASSES: dict[int, tuple[int, int]] = {
    6: (LABEL_ID["ground"], 0),       # street
    2: (WALL_OR_ROOF, 1),             # facade (roofs inside)
    5: (IGNORE, 2),                   # shop front: glazing and doors, neither wall nor one window
    9: (LABEL_ID["window"], 3),
    0: (LABEL_ID["other"], 4),        # balcony fence
    3: (LABEL_ID["other"], 5),        # fence, garden wall
    8: (LABEL_ID["vegetation"], 6),
    1: (LABEL_ID["other"], 7),        # car
    4: (LABEL_ID["other"], 8),        # non-building infrastructure
    7: (LABEL_ID["other"], 9),        # traffic infrastructure
}


def source_of(name: str) -> str:
    """The source photo a crop was cut from."""
    return name.split("_scaled_")[0]


def read_polygons(path: Path) -> list[tuple[int, np.ndarray]]:
    """(class id, Nx2 normalised points) of each polygon in a YOLO segmentation label file."""
    polygons = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        values = line.split()
        if not values:
            continue
        if len(values) < 7 or len(values) % 2 == 0 or int(values[0]) not in CLASSES:
            raise ValueError(f"{path}:{number}: not a polygon line of a known class (CLASS x1 y1 x2 y2 x3 y3 ...)")
        polygons.append((int(values[0]), np.asarray(values[1:], np.float64).reshape(-1, 2)))
    return polygons


def rasterise(polygons: Sequence[tuple[int, np.ndarray]], width: int, height: int) -> np.ndarray:
    """HxW uint8 targets: IGNORE where no polygon lies, else the class of the top-most polygon."""
    canvas = Image.new("L", (width, height), IGNORE)
    draw = ImageDraw.Draw(canvas)
    for class_id, points in sorted(polygons, key=lambda polygon: CLASSES[polygon[0]][1]):
        draw.polygon([(x * width, y * height) for x, y in points], fill=CLASSES[class_id][0])
    return np.asarray(canvas)


class HsluFacades:
    """The dataset folder: its crop names, a split by source photo, and (photo, target) samples."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        if not (self.root / "images").is_dir() or not (self.root / "labels").is_dir():
            raise UserError(f"{self.root}: no images/ and labels/; point segmenter.hslu_dir at the HSLU folder")
        self.names = sorted(p.stem for p in (self.root / "labels").glob("*.txt")
                            if (self.root / "images" / f"{p.stem}.jpg").is_file())

    def split(self, validation_share: float, seed: int) -> tuple[list[str], list[str]]:
        """(training names, validation names), every crop of a source photo on the same side."""
        sources = sorted({source_of(name) for name in self.names})
        held = set(random.Random(seed).sample(sources, round(validation_share * len(sources))))
        return ([n for n in self.names if source_of(n) not in held], [n for n in self.names if source_of(n) in held])

    def sample(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        with Image.open(self.root / "images" / f"{name}.jpg") as image:
            rgb = np.asarray(image.convert("RGB"))
        return rgb, rasterise(read_polygons(self.root / "labels" / f"{name}.txt"), rgb.shape[1], rgb.shape[0])

    def samples(self, names: Sequence[str]) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(photo, target) pairs as measured: "wall or roof" counts as wall (roofs are merged into wall by the
        measure), unlabelled pixels stay beyond the label ids, so they are not counted."""
        for name in names:
            rgb, target = self.sample(name)
            yield rgb, np.where(target == WALL_OR_ROOF, LABEL_ID["wall"], target).astype(np.uint8)


def sky_above(target: np.ndarray, margin: float = 0.02) -> np.ndarray:
    """`target` with the unlabelled pixels above everything labelled in their column set to sky: the dataset
    outlines every building, tree, lamp and sign, so what stays open above them, up to the top edge, is sky.
    A band of `margin` x the height just above the first labelled pixel stays unlabelled (outlines are loose)."""
    labelled = target != IGNORE
    has_label = labelled.any(axis=0)
    first = np.where(has_label, labelled.argmax(axis=0), 0) - round(margin * target.shape[0])
    above = np.arange(target.shape[0])[:, None] < first[None, :]
    return np.where(above & ~labelled, np.uint8(LABEL_ID["sky"]), target).astype(np.uint8)


class HsluSource(Dataset):
    """HSLU crops as segmenter training samples (targets with WALL_OR_ROOF and IGNORE; open sky above the
    labelled scene as sky, see `sky_above`)."""

    def __init__(self, dataset: HsluFacades, names: Sequence[str]):
        self.dataset, self.names = dataset, list(names)

    def __len__(self) -> int:
        return len(self.names)

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        rgb, target = self.dataset.sample(self.names[index])
        return rgb, sky_above(target)
