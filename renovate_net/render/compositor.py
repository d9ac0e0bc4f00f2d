"""The compositor: pastes the generator's working-size change onto the full-resolution photo. Pure functions
on arrays: no files, no models.

The composite is residual: what the generator changed at its working size (its rgb minus the photo it saw) is
upsampled and added onto the full-resolution photo, so the photo's own fine detail (edges, leaves, joints)
stays sharp under the edit instead of being replaced by a small picture blown up, and every pixel the edit's
alpha leaves at 0 is the input pixel, bit for bit. Where the simulator drew something the generator cannot
resolve at its working size (an added object, roof tiles, pavers), the fine detail is the drawing's own and
the generator only sets colour and light.
"""
from __future__ import annotations

import cv2
import numpy as np
import torch
from PIL import Image

from renovate_net.resize import BAND_ROWS, bilinear_bands

# Where the simulator draws, the generator's difference from the drawing is blurred by this many px of its working
# size: it still sets the drawing's colour and light, without the blotches it paints inside a garage or panels.
DRAWING_LIGHT_SIGMA = 4.0

# (drawn HxWx3 uint8, drawn at working size [3, h, w] in [0, 1], cover HxW float in [0, 1])
Drawing = tuple[np.ndarray, torch.Tensor, np.ndarray]


def composite_full(image: np.ndarray, rgb: torch.Tensor, alpha: torch.Tensor, seen: torch.Tensor,
                   gate: np.ndarray | None = None,
                   drawing: Drawing | None = None,
                   shadow: np.ndarray | None = None, objects: np.ndarray | None = None,
                   band: int = BAND_ROWS) -> tuple[np.ndarray, np.ndarray]:
    """Composite the generator's working-size output onto the full-size photo:
    after = photo + alpha * up(rgb - seen), with `seen` the working-size photo the generator was given
    (rgb and seen [3, h, w], alpha [1, h, w], in [0, 1]). Where `gate` (HxW bool) is False alpha is 0.
    `drawing` = (drawn HxWx3 uint8, drawn_seen [3, h, w], cover HxW float in [0, 1]): the simulator's drawing of
    added objects or textured materials, at full and at working size, and how much of each pixel it covers.
    Where it covers, the residual also gets the drawing's fine detail, (drawn - photo) - up(drawn_seen - seen),
    so a pool or a paved driveway shows its own edges and texture instead of the photo's lawn or concrete under
    a colour shift, and alpha is at least the cover (the training targets' alpha there). There the generator
    only sets colour and light: its difference from drawn_seen is blurred (DRAWING_LIGHT_SIGMA), and where
    `objects` (HxW bool: the added objects' footprint) it sets light only, not colour: a garage's render, a panel's
    glass and a pool's water are drawn in their own colours under the photo's light, and the network's tints there
    (panels teal, a yellow garage grey) are not the photo's.
    Where `shadow` (HxW bool) is True, around an added object, only the change's darkening is kept, as a
    factor on the photo's colour: an object casts a shadow there, it neither tints nor lights the ground.

    Upsampling is bilinear, a band of rows at a time, so a 12-megapixel photo never holds full-size float
    copies. Returns the after photo (uint8) and the edit mask (uint8, 0 exactly where the pixel is unchanged).
    """
    height, width = image.shape[:2]
    after = image.copy()
    edit = np.zeros((height, width), np.uint8)
    drawn, drawn_seen, cover = drawing if drawing is not None else (None, None, None)
    if drawing is not None:
        rgb = drawing_light(rgb, drawn_seen, cover, objects)
    small = [rgb - seen, alpha] + ([] if drawing is None else [drawn_seen - seen])
    for rows, up in bilinear_bands(torch.cat(small), height, width, band):
        up = up.numpy()
        weight = up[3] if gate is None else up[3] * gate[rows]
        if drawing is not None:
            weight = np.maximum(weight, cover[rows])
        if not (weight > 0).any():
            continue
        before = image[rows].astype(np.float32)
        change = up[:3].transpose(1, 2, 0) * 255.0
        if drawing is not None:
            detail = drawn[rows].astype(np.float32) - before - up[4:].transpose(1, 2, 0) * 255.0
            change += detail * (cover[rows, :, None] > 0)
        if shadow is not None:
            brightness = before.mean(axis=-1, keepdims=True) + 1.0
            darker = np.minimum(change.mean(axis=-1, keepdims=True), 0.0)  # a shadow never lights the ground
            shaded = before * (darker / brightness)
            change = np.where(shadow[rows, :, None], shaded, change)
        mixed = before + weight[..., None] * change
        result = np.where((weight > 0)[..., None], np.clip(np.rint(mixed), 0, 255), before).astype(np.uint8)
        after[rows] = result
        changed = (result != image[rows]).any(axis=-1)
        edit[rows] = np.where(changed, np.clip(np.rint(weight * 255), 1, 255), 0).astype(np.uint8)
    return after, edit


def drawing_light(rgb: torch.Tensor, drawn_seen: torch.Tensor, cover: np.ndarray,
                  objects: np.ndarray | None = None) -> torch.Tensor:
    """rgb [3, h, w] with, where the full-size `cover` (HxW) covers most of a working-size pixel, drawn_seen plus
    the generator's difference from it blurred (normalised inside the cover, so nothing outside leaks in); where
    the full-size `objects` (HxW bool) covers most of one, that difference's grey only (light, not colour)."""
    height, width = rgb.shape[1:]
    inside = (cv2.resize(cover.astype(np.float32), (width, height), interpolation=cv2.INTER_AREA) > 0.5)
    if not inside.any():
        return rgb
    weight = inside.astype(np.float32)
    difference = (rgb - drawn_seen).permute(1, 2, 0).numpy() * weight[..., None]
    blurred = cv2.GaussianBlur(difference, (0, 0), DRAWING_LIGHT_SIGMA) / \
        (cv2.GaussianBlur(weight, (0, 0), DRAWING_LIGHT_SIGMA)[..., None] + 1e-6)
    if objects is not None:
        drawn_object = cv2.resize(objects.astype(np.float32), (width, height), interpolation=cv2.INTER_AREA) > 0.5
        blurred = np.where(drawn_object[..., None], blurred.mean(axis=-1, keepdims=True), blurred)
    followed = drawn_seen + torch.from_numpy(blurred).permute(2, 0, 1)
    return torch.where(torch.from_numpy(inside), followed, rgb)


def with_texture(drawing: Drawing | None, textured: tuple[np.ndarray, np.ndarray, np.ndarray],
                 gate: np.ndarray | None, size: tuple[int, int]) -> tuple[Drawing, np.ndarray | None]:
    """The added objects' drawing (or none) with the textured re-surfacing laid in beside the objects, and the
    gate narrowed so that in a detail-drawn type's region (a driveway's ground, a drawn wall) only what was
    drawn may change. The drawing never reaches where the gate forbids a change."""
    drawn, cover, partial = textured
    if gate is not None:
        cover = (cover * gate).astype(np.float32)
    if drawing is not None:
        objects, _, footprint = drawing
        beside = (cover > 0) & (footprint == 0)
        drawn = np.where(beside[..., None], drawn, objects)
        cover = np.where(beside, cover, footprint)
    seen = np.array(Image.fromarray(drawn).resize(size, Image.Resampling.LANCZOS))
    seen = torch.from_numpy(seen).permute(2, 0, 1).float().div(255)
    return (drawn, seen, cover), None if gate is None else np.where(partial & (cover == 0), 0, gate).astype(gate.dtype)
