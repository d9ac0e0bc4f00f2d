"""Tiny generated photo folders (synthetic houses + their label PNGs) for the data tests."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from renovate_net.simulator.synthetic import synthetic_house
from renovate_net.imaging import save_image


def photo_folder(root: Path, count: int = 3, size=(240, 180)) -> tuple[Path, Path]:
    """root/photos/house_N.jpg and root/labels/house_N.png; returns (photos, labels)."""
    photos, labels = root / "photos", root / "labels"
    photos.mkdir(parents=True)
    labels.mkdir()
    for index in range(count):
        image, label_map = synthetic_house(np.random.default_rng(100 + index), size)
        save_image(image, photos / f"house_{index}.jpg")
        save_image(label_map, labels / f"house_{index}.png")
    return photos, labels
