"""The renovation simulator: a real photo + its labels + a request -> a paired
"after" photo and the edit mask, for training the generator.

Types are applied in catalog order (the request already is), each with its own random stream derived
from one draw of the caller's generator, so a type renders the same alone or combined and the order the
user typed never matters. Later types avoid what earlier additive objects cover (a garage is not built
on the new pool). Outside the edit mask the after is the before, bit for bit.

The inverse trick (`simulate_inverse`) gives real targets for the facade: the photo itself is the after,
its wall re-surfaced to another material is the before, and the request is the real wall's measured
colour with the closest catalog material.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from renovate_net.catalog import Catalog, load_catalog
from renovate_net.colour import srgb_to_lab
from renovate_net.simulator import garage, pool, resurface, solar
from renovate_net.simulator.canvas import Canvas, RegionMissing
from renovate_net.simulator.scene import analyse, luminance
from renovate_net.request import RenovationRequest, parse_request, split_request

__all__ = ["RegionMissing", "Simulated", "added_objects", "resurfaced", "simulate", "simulate_inverse"]

# The drawing of each type, by the name its catalog entry gives (`drawing:` in renovations.yaml).
DRAWINGS = {
    "facade": resurface.facade,
    "windows": resurface.windows,
    "roof": resurface.roof,
    "solar-panels": solar.solar_panels,
    "pool": pool.pool,
    "garage": garage.garage,
    "driveway": resurface.driveway,
}


class Simulated(NamedTuple):
    after: np.ndarray      # HxWx3 uint8
    edit_mask: np.ndarray  # HxW float32 in [0, 1]
    placement: np.ndarray  # HxW uint8: 1 + catalog index of the added object (pool, ...) covering a pixel, else 0


def simulate(before: np.ndarray, labels: np.ndarray, request: RenovationRequest, rng: np.random.Generator,
             catalog: Catalog | None = None, skip_missing: bool = False) -> Simulated:
    """Renovate `before` (HxWx3 uint8) as `request` asks: the after, the edit mask and where added objects
    stand (the placement, which the generator is given so it knows where to draw them).

    Raises RegionMissing when the photo lacks a region a type needs (no roof for solar panels, ...), unless
    `skip_missing`, which leaves such a type out."""
    if before.ndim != 3 or before.shape[2] != 3 or before.dtype != np.uint8:
        raise ValueError(f"before must be HxWx3 uint8, got {before.shape} {before.dtype}")
    if labels.shape != before.shape[:2]:
        raise ValueError(f"labels {labels.shape} do not match the photo {before.shape[:2]}")
    catalog = catalog or load_catalog()
    canvas = Canvas.start(analyse(before, labels))
    placed = np.zeros(labels.shape, np.uint8)
    seed = int(rng.integers(2 ** 62))
    for choice in sorted(request.choices, key=lambda c: catalog.type(c.type_id).index):  # catalog order
        renovation = catalog.type(choice.type_id)
        type_rng = np.random.default_rng([seed, renovation.index])
        occupied = canvas.occupied.copy()
        try:
            DRAWINGS[renovation.drawing](canvas, choice, renovation.material(choice.material_id), type_rng)
        except RegionMissing as missing:
            if skip_missing:
                continue
            raise RegionMissing(missing.reason, choice.type_id) from None
        placed[canvas.occupied & ~occupied] = renovation.index + 1
    return _finish(before, canvas, placed)


def added_objects(before: np.ndarray, labels: np.ndarray, request: RenovationRequest,
                  catalog: Catalog | None = None, seed: int = 0) -> Simulated:
    """The request's added objects alone (pool, garage, solar panels), placed and drawn by the simulator with a
    fixed seed, so a photo always gets the same layout: `.placement` says where they stand (zeros when the
    request adds none) and `.after` shows them there. Raises RegionMissing when the photo has no room for one."""
    catalog = catalog or load_catalog()
    added = split_request(request, catalog)[1]
    if not added.choices:
        return Simulated(before, np.zeros(labels.shape, np.float32), np.zeros(labels.shape, np.uint8))
    return simulate(before, labels, added, np.random.default_rng(seed), catalog)


def resurfaced(before: np.ndarray, labels: np.ndarray, request: RenovationRequest, catalog: Catalog | None = None,
               seed: int = 0) -> Simulated:
    """The request's re-surfacing types alone (render, cladding, frames, roof, driveway) drawn with a fixed seed;
    a type whose region the photo lacks is left out, so this never raises RegionMissing."""
    catalog = catalog or load_catalog()
    return simulate(before, labels, split_request(request, catalog)[0], np.random.default_rng(seed), catalog,
                    skip_missing=True)


def _finish(before: np.ndarray, canvas: Canvas, placed: np.ndarray) -> Simulated:
    """Quantise: pixels whose 8-bit edit mask is 0 are copied from the before; the rest are rendered."""
    mask = np.round(np.clip(canvas.mask, 0.0, 1.0) * 255.0).astype(np.uint8)
    rendered = np.clip(canvas.image * 255.0 + 0.5, 0, 255).astype(np.uint8)
    after = np.where(mask[..., None] > 0, rendered, before)
    return Simulated(after, mask.astype(np.float32) / 255.0, placed)


def measured_wall(photo: np.ndarray, labels: np.ndarray, catalog: Catalog) -> RenovationRequest:
    """The request that describes a photo's real wall: the wall type of its finish (brick-like texture ->
    textured, e.g. cladding; else smooth, e.g. render), the closest material of that type in Lab, and the
    wall's median colour as custom."""
    wall = labels == 2
    if wall.sum() < 0.005 * wall.size:
        raise RegionMissing("no wall", "facade")
    colour = tuple(int(c) for c in np.median(photo[wall], axis=0))
    gray = luminance(photo.astype(np.float32) / 255.0)
    detail = np.abs(gray[1:, 1:] - gray[:-1, 1:]) + np.abs(gray[1:, 1:] - gray[1:, :-1])
    textured = np.median(detail[wall[1:, 1:]]) / max(float(np.median(gray[wall])), 1e-3) > 0.06
    finish = "textured" if textured else "smooth"
    type_id = next(t.id for t in catalog.types if t.finish == finish)
    lab = srgb_to_lab(np.asarray(colour, np.float64) / 255.0)
    materials = catalog.type(type_id).materials
    nearest = min(materials, key=lambda m: float(np.sum((srgb_to_lab(np.asarray(m.colour) / 255.0) - lab) ** 2)))
    hex_colour = "#{:02X}{:02X}{:02X}".format(*colour)
    return parse_request([type_id], [f"{type_id}={nearest.id}"], [f"{type_id}={hex_colour}"], catalog)


def simulate_inverse(photo: np.ndarray, labels: np.ndarray, rng: np.random.Generator,
                     catalog: Catalog | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, RenovationRequest]:
    """The inverse trick: (before, after = the photo, edit_mask, request describing the real wall)."""
    catalog = catalog or load_catalog()
    real = measured_wall(photo, labels, catalog)
    others = [(t.id, m.id) for t in catalog.types if t.edits == "wall" for m in t.materials
              if m.id != real.choices[0].material_id]
    type_id, material_id = others[int(rng.integers(len(others)))]
    before, edit_mask, _ = simulate(photo, labels, parse_request([type_id], [f"{type_id}={material_id}"],
                                                             catalog=catalog), rng, catalog)
    return before, photo.copy(), edit_mask, real
