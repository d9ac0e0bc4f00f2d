"""The facade label set (contract, DESIGN.md section 2) and its display colours."""
from __future__ import annotations

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
