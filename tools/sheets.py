"""What the tools' contact sheets share: the box around what a render changed, to crop before and after by."""
from __future__ import annotations

import numpy as np


def box_around(edit: np.ndarray, grow: float, least: int, aspect: float) -> tuple[slice, slice]:
    """Rows and columns around the True pixels of `edit` (HxW bool, not all False): its bounding box grown on
    every side by `grow` times its own size (at least `least` px), then widened or heightened about its centre
    to `aspect` (width / height), and shifted to lie inside the photo (cut where the photo is smaller)."""
    rows, cols = np.flatnonzero(edit.any(axis=1)), np.flatnonzero(edit.any(axis=0))
    height = rows[-1] - rows[0] + 1 + 2 * max(least, round(grow * (rows[-1] - rows[0] + 1)))
    width = cols[-1] - cols[0] + 1 + 2 * max(least, round(grow * (cols[-1] - cols[0] + 1)))
    height, width = max(height, round(width / aspect)), max(width, round(height * aspect))
    height, width = int(min(height, edit.shape[0])), int(min(width, edit.shape[1]))
    top = int(np.clip((rows[0] + rows[-1]) // 2 - height // 2, 0, edit.shape[0] - height))
    left = int(np.clip((cols[0] + cols[-1]) // 2 - width // 2, 0, edit.shape[1] - width))
    return slice(top, top + height), slice(left, left + width)
