"""Sizes and resizing shared by every model: the working size a network sees, a photo and its labels scaled
to a long side, and bilinear upsampling of small network outputs to the full-size photo a band of rows at a
time, so a 40-megapixel photo never holds full-size float copies of every channel."""
from __future__ import annotations

from typing import Iterator

import cv2
import numpy as np
import torch
import torch.nn.functional as F

BAND_ROWS = 256


def working_size(width: int, height: int, long_side: int, multiple: int) -> tuple[int, int]:
    """(w, h) a network sees: the long side near `long_side`, aspect kept, both sides multiples of `multiple`."""
    scale = long_side / max(width, height)
    return tuple(max(multiple, int(round(side * scale / multiple)) * multiple) for side in (width, height))


def scaled_size(width: int, height: int, long_side: int) -> tuple[int, int]:
    """(w, h) with the long side exactly `long_side` and the aspect kept (no rounding to a multiple)."""
    scale = long_side / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def resize_pair(image: np.ndarray, labels: np.ndarray, long_side: int) -> tuple[np.ndarray, np.ndarray]:
    """A photo and its labels with the long side at `long_side`: area-averaged down, cubic up, labels nearest."""
    height, width = labels.shape
    shape = scaled_size(width, height, long_side)
    interpolation = cv2.INTER_AREA if long_side < max(height, width) else cv2.INTER_CUBIC
    return (cv2.resize(image, shape, interpolation=interpolation),
            cv2.resize(labels, shape, interpolation=cv2.INTER_NEAREST))


def bilinear_bands(source: torch.Tensor, height: int, width: int,
                   band: int = BAND_ROWS) -> Iterator[tuple[slice, torch.Tensor]]:
    """Yield (rows, [C, len(rows), width]) of `source` [C, h, w] resized to height x width; together the
    bands equal one F.interpolate(mode="bilinear", align_corners=False) of the whole map."""
    source_rows = source.shape[1]
    y = ((torch.arange(height, dtype=torch.float32) + 0.5) * source_rows / height - 0.5).clamp(0, source_rows - 1)
    top = y.floor().long()
    bottom = (top + 1).clamp(max=source_rows - 1)
    weight = (y - top).view(1, -1, 1)
    for start in range(0, height, band):
        rows = slice(start, min(start + band, height))
        strip = source[:, top[rows]] * (1 - weight[:, rows]) + source[:, bottom[rows]] * weight[:, rows]
        # Same row count: F.interpolate only resizes the width (its row coordinates land exactly on rows).
        yield rows, F.interpolate(strip[None], size=(strip.shape[1], width), mode="bilinear",
                                  align_corners=False)[0]
