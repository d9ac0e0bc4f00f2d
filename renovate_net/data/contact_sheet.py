"""A contact sheet of paired samples (before | after | edit mask over the after) with their requests, to
look at what the simulator made."""
from __future__ import annotations

import cv2
import numpy as np
from PIL import Image, ImageDraw

THUMB_HEIGHT = 200
PER_ROW = 2       # samples per row, three panels each
CAPTION = 16      # px of caption strip above each sample


def _thumb(image: np.ndarray) -> np.ndarray:
    h, w = image.shape[:2]
    width = max(1, round(w * THUMB_HEIGHT / h))
    return cv2.resize(image, (width, THUMB_HEIGHT), interpolation=cv2.INTER_AREA)


def _mask_view(after: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The after, dimmed outside the edit mask and tinted red inside, so the edited pixels stand out."""
    alpha = mask[..., None].astype(np.float32)
    tinted = after * 0.6 + np.array([255, 40, 40], np.float32) * 0.4
    return np.clip(after * 0.35 * (1 - alpha) + tinted * alpha, 0, 255).astype(np.uint8)


def contact_sheet(samples: list[tuple[np.ndarray, np.ndarray, np.ndarray, str]]) -> np.ndarray:
    """samples: (before, after HxWx3 uint8, edit mask HxW float in [0,1], caption) -> one RGB sheet."""
    cells = []
    for before, after, mask, caption in samples:
        panels = np.concatenate([_thumb(before), _thumb(after), _thumb(_mask_view(after, mask))], axis=1)
        cell = Image.new("RGB", (panels.shape[1], panels.shape[0] + CAPTION), (255, 255, 255))
        cell.paste(Image.fromarray(panels), (0, CAPTION))
        ImageDraw.Draw(cell).text((3, 2), caption[:110], fill=(0, 0, 0))
        cells.append(np.asarray(cell))
    width = max(c.shape[1] for c in cells)
    cells = [np.pad(c, ((0, 0), (0, width - c.shape[1] + 6), (0, 0)), constant_values=255) for c in cells]
    while len(cells) % PER_ROW:
        cells.append(np.full_like(cells[0], 255))
    rows = [np.concatenate(cells[i:i + PER_ROW], axis=1) for i in range(0, len(cells), PER_ROW)]
    return np.concatenate(rows, axis=0)
