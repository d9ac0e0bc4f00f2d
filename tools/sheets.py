"""What the tools' contact sheets share: the box around what a render changed, before | after crops of it, and
a grid of them with the photos' names."""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw


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


def crop_pair(before: np.ndarray, after: np.ndarray, edit: np.ndarray, side: tuple[int, int]) -> Image.Image:
    """before | after around the edit (its box grown by a third, at least 48 px, at `side`'s aspect), each fitted
    in `side` (width, height px)."""
    box = box_around(edit, grow=1 / 3, least=48, aspect=side[0] / side[1])
    tiles = []
    for image in (before, after):
        tile = Image.fromarray(image[box])
        tile.thumbnail(side, Image.Resampling.LANCZOS)
        tiles.append(tile)
    pair = Image.new("RGB", (2 * tiles[0].width + 4, tiles[0].height), "white")
    pair.paste(tiles[0], (0, 0))
    pair.paste(tiles[1], (tiles[0].width + 4, 0))
    return pair


def write_sheet(pairs: list[tuple[str, Image.Image]], path: Path, side: tuple[int, int], columns: int,
                most_bytes: int) -> None:
    """The pairs (`crop_pair` at `side`) in a grid of `columns` with their photo names, saved as a JPEG of at
    most `most_bytes`."""
    cell_w, cell_h = 2 * side[0] + 4 + 8, side[1] + 20
    rows = -(-len(pairs) // columns)
    sheet = Image.new("RGB", (columns * cell_w, max(rows, 1) * cell_h), "white")
    draw = ImageDraw.Draw(sheet)
    for index, (name, pair) in enumerate(pairs):
        x, y = (index % columns) * cell_w, (index // columns) * cell_h
        draw.text((x + 2, y + 3), name, fill="black")
        sheet.paste(pair, (x, y + 18))
    for quality in range(85, 30, -5):
        buffer = io.BytesIO()
        sheet.save(buffer, "JPEG", quality=quality, optimize=True)
        if buffer.tell() <= most_bytes:
            break
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())
