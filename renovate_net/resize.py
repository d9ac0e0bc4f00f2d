"""Bilinear upsampling of small network outputs to a full-size photo, a band of rows at a time, so a
40-megapixel photo never holds full-size float copies of every channel."""
from __future__ import annotations

from typing import Iterator

import torch
import torch.nn.functional as F

BAND_ROWS = 256


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
