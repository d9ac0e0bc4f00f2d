"""Additive renovation: an attached garage beside the house, with a sectional door.

The garage's front is flush with the house front, so it shares the house's scale and base line: a
3.2-3.8 m wide, 2.6-3 m high volume against the wall's side, on the ground, partly out of frame if the
house fills the photo. Its walls take the house wall's measured colour and texture kind (brick-like or
smooth); the flat roof has a dark coping, the pitched one a tiled roof plane in the house roof's colour.
The sectional door (4 sections with grooves and fine ribs) is recessed: its reveal is shaded at the top
and on the side away from the sun. Contact shadow: ambient occlusion along the base and a cast shadow on
the ground on the side away from the sun.
"""
from __future__ import annotations

import cv2
import numpy as np

from renovate_net.catalog import Material
from renovate_net.data import textures
from renovate_net.data.canvas import Canvas, RegionMissing, exposure, feather
from renovate_net.data.scene import components, to_linear, to_srgb
from renovate_net.request import Choice


def _placement(canvas: Canvas, rng: np.random.Generator):
    """(x0, x1, top, base, roof_top, side) of the garage front in image pixels, or None."""
    scene = canvas.scene
    h, w = scene.labels.shape
    walls = components(scene.region("wall"), int(0.01 * scene.labels.size))
    if not walls:
        return None
    _, (wx, wy, ww, wh) = max(walls, key=lambda p: p[0].sum())
    k = scene.px_per_m
    width, height = rng.uniform(3.2, 3.8) * k, rng.uniform(2.6, 3.0) * k
    base = scene.base_y
    sides = sorted([("left", wx), ("right", w - (wx + ww))], key=lambda s: -s[1] + rng.uniform(0, 0.2 * w))
    for side, room in sides:
        overlap = max(0.0, min(width - room, 0.3 * ww))  # may stand in front of the house's side
        x0 = wx - width + overlap if side == "left" else wx + ww - overlap
        visible = min(x0 + width, w) - max(x0, 0)
        if visible >= 0.6 * width and base - height > 0:
            roof_top = base - height - (rng.uniform(0.9, 1.4) * k if rng.random() < 0.4 else 0.0)
            return int(round(x0)), int(round(x0 + width)), int(round(base - height)), int(round(base)), \
                int(round(max(roof_top, 0))), side
    return None


def _wall_look(canvas: Canvas) -> tuple[str, tuple[int, int, int]]:
    """The house wall's texture kind (brick or render) and median colour, for the garage's walls."""
    scene = canvas.scene
    wall = scene.region("wall")
    colour = tuple(int(c) for c in np.median(scene.image[wall] * 255.0, axis=0))
    gray = scene.image.mean(axis=2)
    detail = np.abs(np.diff(gray, axis=0))[wall[1:]]
    return ("brick" if np.median(detail) > 0.035 else "render"), colour


def _door(shape, colour, material: Material, rng, k) -> np.ndarray:
    """A sectional door's albedo (sRGB): four panels with grooves, fine ribs, oak grain if asked."""
    h, w = shape
    yy = np.arange(h, dtype=np.float32)[:, None] * np.ones((1, w), np.float32)
    section = h / 4.0
    groove = textures.joint_coverage(yy, section, max(0.02 * k, 0.6))
    below = textures.joint_coverage(yy - max(0.03 * k, 1.0), section, max(0.02 * k, 0.6))
    ribs = textures.joint_coverage(yy, max(section / 4, 1.0), max(0.008 * k, 0.3))
    factor = 1.0 - 0.45 * groove + 0.12 * below - 0.05 * ribs
    if "oak" in material.id:
        factor = factor * (1.0 + 0.08 * textures.fbm(rng, (h, w), 2.0, 2) * np.linspace(0.5, 1, w)[None, :])
    return np.clip(np.asarray(colour, np.float32)[None, None] / 255.0 * factor[..., None], 0, 1)


def garage(canvas: Canvas, choice: Choice, material: Material, rng: np.random.Generator) -> None:
    scene = canvas.scene
    placed = _placement(canvas, rng)
    if placed is None:
        raise RegionMissing("no room beside the house for a garage")
    x0, x1, top, base, roof_top, side = placed
    h, w = scene.labels.shape
    k = scene.px_per_m
    body = np.zeros((h, w), bool)
    body[top:base, max(x0, 0):max(x1, 0)] = True
    kind, wall_colour = _wall_look(canvas)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    wall_rgb = textures.TEXTURES[kind](textures.SurfaceCoords(xx, yy), wall_colour, rng, k)
    wall_rgb = wall_rgb * (0.9 + 0.1 * np.clip((base - yy) / (0.6 * k), 0, 1))[..., None]  # ground bounce
    rgb = wall_rgb
    door_w, door_h = min(2.5 * k, (x1 - x0) - 0.7 * k), min(2.15 * k, (base - top) - 0.45 * k)
    dx0 = int(round((x0 + x1) / 2 - door_w / 2))
    door = np.zeros((h, w), bool)
    door[int(base - door_h):base, max(dx0, 0):max(dx0 + int(door_w), 0)] = True
    light = exposure(scene)
    door_rgb = np.zeros_like(rgb)
    rows, cols = slice(int(base - door_h), base), slice(dx0, dx0 + int(door_w))
    if dx0 >= 0 and dx0 + int(door_w) <= w:
        door_rgb[rows, cols] = to_srgb(to_linear(_door((rows.stop - rows.start, cols.stop - cols.start),
                                                       choice.colour, material, rng, k)) * light)
    else:  # the door is cut by the frame: draw it whole, then crop
        full = to_srgb(to_linear(_door((rows.stop - rows.start, int(door_w)), choice.colour, material, rng, k)) * light)
        lo, hi = max(dx0, 0), min(dx0 + int(door_w), w)
        door_rgb[rows, lo:hi] = full[:, lo - dx0:hi - dx0]
    reveal = max(1, int(round(0.12 * k)))
    shade = np.ones((h, w), np.float32)
    shade[rows.start:rows.start + reveal, cols] = 0.55  # lintel shadow at the top of the opening
    side_x = cols.start if scene.light_x > 0 else cols.stop - reveal
    shade[rows, max(side_x, 0):max(side_x + reveal, 0)] *= 0.75
    rgb = np.where(door[..., None], door_rgb * shade[..., None], rgb)
    rgb, body = _roof(canvas, rgb, body, x0, x1, top, roof_top, rng)
    rgb = rgb + rng.normal(0.0, scene.noise, rgb.shape).astype(np.float32)
    canvas.paint(slice(0, h), slice(0, w), rgb, feather(body, 0.5))
    canvas.occupied |= body
    _contact_shadow(canvas, body, x0, x1, base, side)


def _roof(canvas, rgb, body, x0, x1, top, roof_top, rng):
    """Flat: a dark aluminium coping band. Pitched: a tiled roof plane in the house roof's colour."""
    scene = canvas.scene
    k = scene.px_per_m
    h, w = body.shape
    band = max(1, int(round(0.2 * k)))
    if roof_top >= top:
        rgb[top:top + band, max(x0, 0):max(x1, 0)] = np.array([0.22, 0.23, 0.24], np.float32) * exposure(scene)
        return rgb, body
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    overhang = 0.3 * k
    frac = np.clip((yy - roof_top) / max(top - roof_top, 1), 0, 1)
    inset = (1 - frac) * 0.5 * k
    plane = (yy >= roof_top) & (yy < top + band) & (xx >= x0 - overhang + inset) & (xx < x1 + overhang - inset)
    roof = scene.region("roof")
    colour = tuple(int(c) for c in np.median(scene.image[roof] * 255, axis=0)) if roof.sum() > 50 else (62, 63, 66)
    tiles = textures.tiles(textures.SurfaceCoords(xx, (yy - roof_top) / 0.6), colour, rng, k)
    rgb = np.where(plane[..., None], tiles, rgb)
    return rgb, body | plane


def _contact_shadow(canvas: Canvas, body, x0, x1, base, side) -> None:
    """Ambient occlusion under the base and a cast shadow on the ground, away from the sun."""
    scene = canvas.scene
    h, w = body.shape
    k = scene.px_per_m
    occluder = body.astype(np.float32)
    drop = np.float32([[1, 0, -scene.light_x * 0.8 * k], [0, 1, 0.15 * k]])
    cast = cv2.GaussianBlur(cv2.warpAffine(occluder, drop, (w, h)), (0, 0), max(1.0, 0.2 * k))
    below = (np.arange(h)[:, None] >= base - 1) & (np.arange(h)[:, None] < base + 0.5 * k)
    strength = 0.5 * cast * below
    receivers = ~body & (scene.region("ground") | scene.region("vegetation") | scene.region("other"))
    factor = np.where(receivers, 1.0 - strength, 1.0).astype(np.float32)
    factor[factor > 0.99] = 1.0
    canvas.darken(slice(0, h), slice(0, w), factor)
