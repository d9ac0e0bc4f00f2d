"""The facade label set (a contract: docs/design.md), its display colours and the overlay that shows them."""
from __future__ import annotations

import numpy as np

LABELS: tuple[str, ...] = ("other", "sky", "wall", "roof", "window", "door", "vegetation", "ground")
NUM_LABELS = len(LABELS)
LABEL_ID = {name: i for i, name in enumerate(LABELS)}

# Overlay colours (sRGB), one per label id.
PALETTE: tuple[tuple[int, int, int], ...] = (
    (0, 0, 0),        # other
    (70, 170, 230),   # sky
    (200, 80, 60),    # wall
    (140, 40, 160),   # roof
    (40, 60, 200),    # window
    (230, 200, 40),   # door
    (40, 160, 60),    # vegetation
    (150, 150, 150),  # ground
)


def overlay(image: np.ndarray, labels: np.ndarray, opacity: float = 0.5) -> np.ndarray:
    """The photo with each label's PALETTE colour blended over it (HxWx3 uint8)."""
    colours = np.asarray(PALETTE, np.float32)[labels]
    return np.clip(image * (1 - opacity) + colours * opacity + 0.5, 0, 255).astype(np.uint8)
