"""Additive renovation: a rectangular in-ground pool with stone coping, in the garden.

The pool is a rectangle on the ground plane (see `scene.ground_coords`), so it appears as a trapezoid in
perspective. It is placed where its whole footprint lies on free ground, at least 80 % of it lawn
(a pool goes in a garden), else flat free ground as near the house as it fits (a paved front yard: what most
street-side photos show, rather than the street in front of it). The water mixes
the liner colour, darker towards the deep end, with the photo's sky by a Fresnel term that grows with
distance (grazing view), with ripples; the far inner wall shows as a dark band under the coping, and the
sun-side wall shades the water next to it. The coping is stone slabs lit by the ground's own shading.
"""
from __future__ import annotations

import cv2
import numpy as np

from renovate_net.catalog import Material
from renovate_net.simulator import textures
from renovate_net.simulator.canvas import Canvas, RegionMissing, exposure, feather
from renovate_net.simulator.scene import CAMERA_HEIGHT_M, bbox, channel_extremes, ground_coords, shading, to_linear, to_srgb
from renovate_net.request import Choice

COPING_M = 0.35
STONE = {"bluestone": (92, 96, 102), "white-stone": (214, 208, 194)}


def _site(canvas: Canvas, rng: np.random.Generator):
    """A spot on free lawn for a pool of a random size, else (most front-garden photos show a paved yard or
    a lawn too narrow for one) on flat free ground: (x, near depth, length, depth (metres), the ground's
    x and depth maps, the footprint with coping) or None."""
    scene = canvas.scene
    h, w = scene.labels.shape
    below = np.arange(h)[:, None] > max(scene.horizon_y + 3, scene.base_y)
    # Segmenters often call a lawn vegetation: flat green in front of the house counts as garden too.
    ground = (canvas.free("ground") | canvas.free("vegetation")) & below
    if ground.sum() < 0.01 * ground.size:
        return None
    rgb = cv2.GaussianBlur(scene.image, (0, 0), 2.0)  # judge colour, not grass blades
    brightest, darkest = channel_extremes(rgb)
    saturation = (brightest - darkest) / np.maximum(brightest, 1e-3)
    gray = scene.image.mean(axis=2)
    texture = np.sqrt(np.maximum(cv2.blur(gray * gray, (7, 7)) - cv2.blur(gray, (7, 7)) ** 2, 0))
    flat = ground & (canvas.free("ground") | (texture < 0.05))  # green 'vegetation' must be flat, not a bush
    lawn = flat & (rgb[..., 1] - 0.5 * (rgb[..., 0] + rgb[..., 2]) > 0.03) & (saturation > 0.2)
    coords = ground_coords(scene, slice(0, h), slice(0, w))
    x_m, z_m = coords.u / scene.px_per_m, coords.v / scene.px_per_m
    for surface in (lawn, flat):
        if surface.sum() < 0.01 * surface.size:
            continue
        sites = []
        seeds = np.argwhere(surface)
        for attempt in range(40):
            y, x = seeds[rng.integers(len(seeds))]
            view_width = w * z_m[y, x] / scene.focal  # metres of ground the photo shows at that distance
            length = min(rng.uniform(6.0, 10.0), 0.6 * view_width) * (0.97 ** attempt)
            depth = min(rng.uniform(3.0, 4.5), 0.6 * length)
            xc, z_near = x_m[y, x], z_m[y, x] - depth / 2
            outer = ((np.abs(x_m - xc) <= length / 2 + COPING_M) & (z_m >= z_near - COPING_M)
                     & (z_m <= z_near + depth + COPING_M))
            tall = np.count_nonzero(outer.any(axis=1))
            if tall < max(8, 0.03 * h) or outer[:, [0, -1]].any() or outer[-1].any():
                continue  # a far pool is a thin strip nobody could read as a pool; one cut by the frame too
            if (outer & ~ground).sum() <= 0.01 * outer.sum() and (outer & surface).sum() >= 0.8 * outer.sum():
                sites.append((xc, z_near, length, depth, x_m, z_m, outer))
                if len(sites) == 4:
                    break
        if sites:  # of a few places that fit: on a lawn the one the photo shows largest; on paving the one
            # nearest the house (the farthest from the camera), a yard rather than the street in front of it
            return max(sites, key=(lambda site: site[-1].sum()) if surface is lawn else (lambda site: site[1]))
    return None


def pool(canvas: Canvas, choice: Choice, material: Material, rng: np.random.Generator) -> None:
    """pool: water in the liner colour with coping, sunk into the lawn."""
    site = _site(canvas, rng)
    if site is None:
        raise RegionMissing("no free ground for a pool")
    xc, z_near, length, depth, x_m, z_m, outer = site
    scene = canvas.scene
    rows, cols = bbox(outer, pad=3)
    x, z = x_m[rows, cols] - xc, z_m[rows, cols] - z_near
    footprint = outer[rows, cols]
    water = (np.abs(x) <= length / 2) & (z >= 0) & (z <= depth)
    light = np.clip(shading(scene, outer, rows, cols, detail=0.1), 0.3, 1.6)
    coords = ground_coords(scene, rows, cols)
    stone = STONE["white-stone" if material.id.startswith("white") else "bluestone"]
    slabs = textures.SurfaceCoords(coords.u, coords.v, coords.foot_u, coords.foot_v)
    coping = textures.pavers(slabs, stone, rng, scene.px_per_m * 0.2)  # 1 m x 0.5 m slabs
    coping_lin = to_linear(coping) * light[..., None] * exposure(scene)
    water_lin = _water(scene, choice, rng, x, z, z_m[rows, cols], length, depth, light)
    water_lin = _far_wall(scene, choice, water, water_lin, z_near + depth)
    linear = np.where(water[..., None], water_lin, coping_lin)
    rgb = to_srgb(linear) + rng.normal(0.0, scene.noise, linear.shape).astype(np.float32)
    canvas.paint(rows, cols, rgb, feather(footprint, 0.5))
    canvas.occupied[rows, cols] |= footprint


def _water(scene, choice: Choice, rng, x, z, distance, length, depth, light) -> np.ndarray:
    """Linear RGB of the water surface over the crop (valid where the water is); `distance` in metres."""
    liner = to_linear(np.asarray(choice.colour, np.float32) / 255.0)
    deep_axis = x / length + 0.5 if rng.random() < 0.5 else z / depth  # where the deep end is
    body = liner * (1.0 - 0.4 * np.clip(deep_axis, 0, 1))[..., None] * exposure(scene)
    incidence = np.arctan2(np.maximum(distance, 0.5), CAMERA_HEIGHT_M)  # from the surface normal
    fresnel = 0.02 + 0.98 * (1.0 - np.cos(incidence)) ** 5  # Schlick: far water mirrors the sky
    h, w = x.shape
    ripple = 0.5 * textures.value_noise(rng, (h, w), 3.0) + 0.5 * textures.value_noise(rng, (h, w), 9.0)
    fresnel = np.clip(fresnel * (1.0 + 0.35 * ripple), 0.0, 0.9)[..., None]
    surface = body * (1.0 + 0.08 * ripple)[..., None] * (1 - fresnel) + scene.sky_colour * fresnel
    from_sun_wall = (x / length + 0.5) if scene.light_x < 0 else (0.5 - x / length)
    shade = 1.0 - 0.35 * np.clip(1.0 - from_sun_wall * length / 0.5, 0.0, 1.0)  # its wall shades 0.5 m
    return surface * shade[..., None] * np.clip(light, 0.6, 1.3)[..., None] ** 0.5


def _far_wall(scene, choice: Choice, water: np.ndarray, surface: np.ndarray, far: float) -> np.ndarray:
    """The far inner wall faces the camera, so it shows as a vertical band under the far coping, much
    taller than the ground plane's foreshortening: a dark waterline tile band (10 cm), then the lit liner
    seen through the water (to 70 cm down), the strongest cue that the pool is sunk into the ground."""
    h, w = water.shape
    top = np.where(water.any(axis=0), water.argmax(axis=0), h)  # first water row per column
    metres_down = (np.arange(h)[:, None] - top[None, :]) * far / scene.focal
    liner = to_linear(np.asarray(choice.colour, np.float32) / 255.0) * exposure(scene)
    tiles = 0.25 * liner + np.array([0.02, 0.03, 0.04], np.float32) * exposure(scene)
    face = np.where((metres_down < 0.1)[..., None], tiles, 0.55 * liner * 1.3 + 0.45 * surface)
    blend = np.clip((0.7 - metres_down) / 0.2, 0.0, 1.0) * water
    return surface + (face - surface) * blend[..., None]
