"""Additive renovation: an attached garage beside the house, with a sectional door.

The garage's front is flush with the house front, so it shares the house's scale: a 3.2-3.8 m wide,
2.6-3 m high volume against one side of the largest wall, standing on the ground line of that side of
the house (partly out of frame if the house fills the photo). It must touch the wall over much of its
height, stand on ground, and hide no more than a sliver of the house's windows and doors.
Its walls take the colour of the house wall next to it (so its light too) and the wall's texture kind
(brick-like or smooth); the flat roof has a dark coping, the pitched one a tiled plane in the house
roof's colour. The sectional door (4 sections with grooves and fine ribs) is recessed: its reveal is
shaded at the top and on the side away from the sun. Contact shadow: a soft band under the fascia, and
on the ground a cast shadow away from the sun.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from renovate_net.catalog import Material
from renovate_net.simulator import textures
from renovate_net.simulator.canvas import Canvas, RegionMissing, exposure, feather
from renovate_net.simulator.resurface import foliage
from renovate_net.simulator.scene import components, luminance, to_linear, to_srgb
from renovate_net.labels import LABEL_ID
from renovate_net.request import Choice

STANDING = [LABEL_ID[name] for name in ("ground", "vegetation", "other")]


@dataclass(frozen=True)
class Fit:
    """How well a garage site must fit: touching the wall over `attached` of its height, its ground line
    within `ground_line_m` of the house's, `standing` of the strip under it ground or bushes, and hiding at
    most `covered` of the house's windows and doors."""
    attached: float
    ground_line_m: float
    standing: float
    covered: float


# A snug fit first; else a looser one (segmenters see walls where hedges and fences are, and most
# street photos show no free side), so every photo with a wall gets its garage somewhere plausible. The
# looser ground line stays within 2 m of the house's: at 4 m, on 1 of the 20 held-out photos the garage
# stood on a far wall's ground line, floating in the trees above the house's; at 2 m it stands beside the house.
FIT = (Fit(0.4, 2.5, 0.6, 0.05), Fit(0.2, 2.0, 0.3, 0.15))


@dataclass
class Site:
    x0: int     # front face, image columns [x0, x1) (may reach past the frame)
    x1: int
    top: int    # eave row of the front face
    base: int   # ground line row
    ridge: int  # top row of a pitched roof (== top for a flat roof)
    wall_colour: tuple[int, int, int]  # the adjacent house wall's median colour: its material and light
    light: float  # that wall's brightness relative to the house's well-lit wall


def _site(canvas: Canvas, rng: np.random.Generator) -> Site | None:
    scene = canvas.scene
    labels = scene.labels
    h, w = labels.shape
    walls = components(scene.region("wall") & ~foliage(canvas), int(0.01 * labels.size))
    if not walls:
        return None
    wall, (wx, wy, ww, wh) = max(walls, key=lambda p: p[0].sum())
    k = scene.px_per_m
    width, height = rng.uniform(3.2, 3.8) * k, rng.uniform(2.6, 3.0) * k
    sides = [("left", wx), ("right", w - wx - ww)]
    sides.sort(key=lambda side: -side[1] + rng.uniform(0, 0.2 * w))  # more room first, not always
    for limits in FIT:
        for side, room in sides:
            site = _fit(canvas, wall, (wx, ww), side, room, width, height, limits)
            if site is not None:
                ridge = site.top - int(round(rng.uniform(0.9, 1.4) * k)) if rng.random() < 0.5 else site.top
                site.ridge = max(ridge, 0)
                return site
    return None


def _fit(canvas: Canvas, wall: np.ndarray, span: tuple[int, int], side: str, room: int, width: float,
         height: float, limits: Fit) -> Site | None:
    """The garage against one side of the wall if it fits within `limits` (a flat roof: ridge == top)."""
    scene = canvas.scene
    labels = scene.labels
    h, w = labels.shape
    k = scene.px_per_m
    wx, ww = span
    band = max(2, int(round(0.4 * k)))
    inner = slice(wx, wx + band) if side == "left" else slice(wx + ww - band, wx + ww)
    rows = np.nonzero(wall[:, inner].any(axis=1))[0]
    if rows.size == 0:
        return None
    base = int(np.percentile(rows, 98))  # this side's ground line
    top = int(round(base - height))
    overlap = max(0.0, min(width - room, 0.5 * ww))  # may stand in front of the house's side
    x0 = int(round(wx - width + overlap if side == "left" else wx + ww - overlap))
    x1 = int(round(x0 + width))
    lo, hi = max(x0, 0), min(x1, w)
    if top < 0 or hi - lo < 0.6 * width or base >= h - 1:
        return None
    attached = wall[top:base, inner].any(axis=1).mean() >= limits.attached
    same_ground = abs(base - scene.base_y) <= limits.ground_line_m * k  # the house's own ground line
    strip = labels[base + 1:min(h, base + 1 + band), lo:hi]  # what it stands on: ground or bushes
    ground = same_ground and strip.size > 0 and np.isin(strip, STANDING).mean() >= limits.standing
    covered = np.isin(labels[top:base, lo:hi], [LABEL_ID["window"], LABEL_ID["door"]]).mean() <= limits.covered
    if not (attached and ground and covered):
        return None
    pixels = scene.image[top:base, inner][wall[top:base, inner]]
    colour = tuple(int(c) for c in np.median(pixels, axis=0) * 255)
    lit = np.percentile(luminance(scene.linear[wall]), 70)
    light = float(np.clip(np.median(luminance(scene.linear[top:base, inner][wall[top:base, inner]])) /
                          max(lit, 1e-3), 0.35, 1.2))
    return Site(x0, x1, top, base, top, colour, light)


def _texture_kind(canvas: Canvas) -> str:
    """Brick if the house wall shows fine texture, else render."""
    scene = canvas.scene
    wall = scene.region("wall")
    gray = scene.image.mean(axis=2)
    detail = np.abs(np.diff(gray, axis=0))[wall[1:]]
    return "brick" if detail.size and np.median(detail) > 0.035 else "render"


def _door(shape, colour, material: Material, rng, k) -> np.ndarray:
    """A sectional door's albedo (sRGB): four panels with grooves, fine ribs, oak grain if asked."""
    h, w = shape
    yy = np.repeat(np.arange(h, dtype=np.float32)[:, None], w, axis=1)
    section = h / 4.0
    groove = textures.joint_coverage(yy, section, max(0.02 * k, 0.6))
    lip = textures.joint_coverage(yy - max(0.03 * k, 1.0), section, max(0.02 * k, 0.6))
    ribs = textures.joint_coverage(yy, max(section / 4, 1.0), max(0.008 * k, 0.3))
    factor = 1.0 - 0.45 * groove + 0.12 * lip - 0.05 * ribs
    if "oak" in material.id:
        factor = factor * (1.0 + 0.08 * textures.fbm(rng, (h, w), 2.0, 2))
    return np.clip(np.asarray(colour, np.float32)[None, None] / 255.0 * factor[..., None], 0, 1)


def garage(canvas: Canvas, choice: Choice, material: Material, rng: np.random.Generator) -> None:
    """garage: the volume, its door in the requested colour, its roof and contact shadow."""
    site = _site(canvas, rng)
    if site is None:
        raise RegionMissing("no room beside the house for a garage")
    scene = canvas.scene
    h, w = scene.labels.shape
    k = scene.px_per_m
    span = slice(site.ridge, site.base)
    lo, hi = max(site.x0 - int(0.3 * k), 0), min(site.x1 + int(0.3 * k) + 1, w)  # with the roof overhang
    yy, xx = np.mgrid[span, lo:hi].astype(np.float32)
    body = (yy >= site.top) & (xx >= site.x0) & (xx < site.x1)
    wall = textures.TEXTURES[_texture_kind(canvas)](textures.SurfaceCoords(xx, yy), site.wall_colour, rng, k)
    under_eave = 1.0 - 0.25 * np.clip(1.0 - (yy - site.top) / (0.35 * k), 0.0, 1.0)  # soffit shade
    rgb = wall * under_eave[..., None]
    door_w = min(2.5 * k, (site.x1 - site.x0) - 0.7 * k)
    door_h = min(2.15 * k, (site.base - site.top) - 0.45 * k)
    dx0, dy0 = int(round((site.x0 + site.x1 - door_w) / 2)), int(round(site.base - door_h))
    door = (xx >= dx0) & (xx < dx0 + int(door_w)) & (yy >= dy0)
    panel = _door((site.base - dy0, int(door_w)), choice.colour, material, rng, k)
    panel = to_srgb(to_linear(panel) * exposure(scene) * site.light)
    reveal = max(1.0, 0.12 * k)
    shade = np.ones_like(yy)
    shade[door & (yy < dy0 + reveal)] = 0.55  # lintel shadow at the top of the opening
    side = (xx < dx0 + reveal) if scene.light_x > 0 else (xx >= dx0 + int(door_w) - reveal)
    shade[door & side] *= 0.75
    r, c = (yy - dy0).astype(int), (xx - dx0).astype(int)
    inside = door & (r < panel.shape[0]) & (c < panel.shape[1])
    rgb[inside] = panel[r[inside], c[inside]] * shade[inside][:, None]
    rgb, body = _roof(canvas, site, rgb, body, yy, xx, rng)
    rgb = rgb + rng.normal(0.0, scene.noise, rgb.shape).astype(np.float32)
    canvas.paint(span, slice(lo, hi), rgb, feather(body, 0.5))
    canvas.occupied[span, lo:hi] |= body
    full = np.zeros((h, w), bool)
    full[span, lo:hi] = body
    _contact_shadow(canvas, full, site.base)


def _roof(canvas: Canvas, site: Site, rgb, body, yy, xx, rng):
    """Flat: a dark aluminium coping band. Pitched: a tiled roof plane in the house roof's colour."""
    scene = canvas.scene
    k = scene.px_per_m
    band = max(1.0, 0.2 * k)
    if site.ridge >= site.top:
        coping = body & (yy < site.top + band)
        rgb[coping] = np.array([0.22, 0.23, 0.24], np.float32) * exposure(scene) * site.light
        return rgb, body
    frac = np.clip((yy - site.ridge) / max(site.top - site.ridge, 1), 0, 1)
    inset = (1 - frac) * 0.5 * k  # hipped ends
    plane = (yy < site.top + band) & (xx >= site.x0 - 0.3 * k + inset) & (xx < site.x1 + 0.3 * k - inset)
    roof = scene.region("roof")
    colour = tuple(int(c) for c in np.median(scene.image[roof] * 255, axis=0)) if roof.sum() > 50 else (62, 63, 66)
    tiles = textures.tiles(textures.SurfaceCoords(xx, (yy - site.ridge) / 0.6), colour, rng, k)
    rgb = np.where(plane[..., None], tiles, rgb)
    return rgb, body | plane


def _contact_shadow(canvas: Canvas, body: np.ndarray, base: int) -> None:
    """On the ground, a soft shadow under and beside the garage, falling away from the sun."""
    scene = canvas.scene
    h, w = body.shape
    k = scene.px_per_m
    drop = np.float32([[1, 0, -scene.light_x * 0.8 * k], [0, 1, 0.15 * k]])
    cast = cv2.GaussianBlur(cv2.warpAffine(body.astype(np.float32), drop, (w, h)), (0, 0), max(1.0, 0.2 * k))
    rows = np.arange(h)[:, None]
    near_base = (rows >= base - 1) & (rows < base + 0.5 * k)
    receivers = ~body & np.isin(scene.labels, STANDING)
    factor = np.where(receivers & near_base, 1.0 - 0.5 * cast, 1.0).astype(np.float32)
    factor[factor > 0.99] = 1.0
    canvas.darken(slice(0, h), slice(0, w), factor)
