"""How the facade labels steer a render beyond the generator's own output.

- The edit gate: a request made only of re-surfacing types (render, cladding, windows, roof, driveway) may
  change nothing outside those types' label regions (plus the couple of pixels the training data feathers),
  so at full resolution the edit follows the segmenter's edges, not the generator's 256-px alpha: trees in
  front of a wall stay sharp. Inside its region, an edit is weighted by how surely the pixel is the house's
  own surface (`safety.py`): unsure, thin or cut-off parts of the region are feathered out or left alone. Additive types (solar panels, pool, garage) draw new objects: with their
  placement known (generators trained with `model.placement`) they may change their object's footprint and
  a margin around it for its contact shadow; without one, a request holding them is not gated.
- The colour lock: for each re-surfaced wall, roof or driveway, the generated layer is shifted in CIE Lab so
  that the median colour of its lit half is the material's (or the user's `--color`) colour, keeping the
  generated texture and shading; in a dusk or night photo as dim as the photo's light (its share of daylight),
  and never lighter than the photo's own highlights allow. Window frames are thin against the glass around
  them, so they are left as generated.
- The hue hold: a smooth render's generated colour is kept between the photo's old colour and the asked one,
  so trim the generator half repaints does not turn a third hue (mauve window surrounds).
- Missing regions: a re-surfacing type whose label region is (nearly) absent from the photo, a driveway with
  no ground in view, has nothing to change; render says so instead of returning the photo as if renovated.
"""
from __future__ import annotations

import cv2
import numpy as np

from renovate_net.catalog import load_catalog
from renovate_net.colour import lab_to_srgb, linear_to_srgb, srgb_to_lab, srgb_to_linear
from renovate_net.labels import LABEL_ID
from renovate_net.render.frames import frames_drawn
from renovate_net.render.safety import trusted_weight
from renovate_net.request import RenovationRequest
from renovate_net.simulator.resurface import photo_leaves

GATE_MARGIN = 2        # px beyond the label region (the simulator feathers re-surfaced edges with sigma 0.6)
SHADOW_REACH = 0.03    # of the photo's long side, around a placed object (a garage's cast shadow: ~0.8 m)
MIN_LOCK_PIXELS = 50   # fewer generated pixels in a region than this: too few to measure its colour
MIN_REGION_SHARE = 5e-4  # of the photo: a re-surfacing type's label region smaller than this is missing
DIM_HIGHLIGHTS = (0.45, 0.75)  # highlight luminance of a dim photo, and of one in daylight ...
LIT_SHARE = (0.75, 1.2)        # ... and the share of it a re-surfaced region's lit half may reach there
IN_FRONT_OF_LEAVES = ("wall", "roof")  # regions leaves often stand in front of: those leaves stay out of the edit
HUE_SLACK = 4.0        # CIE a*b* units a smooth render's colour may stray from the line old colour -> asked colour


def edit_gate(labels: np.ndarray, request: RenovationRequest, placement: np.ndarray | None = None,
              probabilities: np.ndarray | None = None,
              photo: np.ndarray | None = None) -> tuple[np.ndarray | None, np.ndarray | None]:
    """(gate HxW float32 in [0, 1], shadow HxW bool). gate: how much the request may change each pixel, None (no
    gate) when it adds an object and `placement` (HxW, 1 + type index where an added object stands) is not
    known; `probabilities` ([C, h, w], the segmenter's at its working size) make it trust only sure pixels of
    each re-surfaced region; with the `photo` (HxWx3 uint8), leaves in front of a re-surfaced wall or roof
    (`simulator.resurface.photo_leaves`) stay out of it, since the generator's blurred layer would repaint them.
    shadow: where only an added object's shadow may fall, around its footprint and off the re-surfaced regions (the
    simulator's targets change these pixels in brightness only: chroma change ~1-2 of 255); None when the
    request adds no object."""
    catalog = load_catalog()
    types = [catalog.type(choice.type_id) for choice in request.choices]
    added = [t for t in types if t.kind != "resurface"]
    if not types or (added and placement is None):
        return None, None
    inside = np.zeros(labels.shape, np.float32)
    regions = dict.fromkeys(t.edits for t in types if t.kind == "resurface" and not frames_drawn(t))
    leaves = photo_leaves(photo) if photo is not None and any(r in IN_FRONT_OF_LEAVES for r in regions) else None
    for region in regions:
        drawn = any(t.detail_drawn for t in types if t.edits == region)
        trusted = (labels == LABEL_ID[region]).astype(np.float32) if probabilities is None else \
            trusted_weight(labels, region, probabilities[LABEL_ID[region]], drawn)
        if leaves is not None and region in IN_FRONT_OF_LEAVES:
            trusted = trusted * ~leaves
        inside = np.maximum(inside, trusted)
    size = 2 * GATE_MARGIN + 1
    resurfaced = cv2.dilate(inside, np.ones((size, size), np.uint8))
    if not added:
        return resurfaced, None
    stands = np.isin(placement, [t.index + 1 for t in added])
    casting = np.isin(placement, [t.index + 1 for t in added if t.casts_shadow]).astype(np.uint8)
    size = 2 * max(GATE_MARGIN, round(SHADOW_REACH * max(labels.shape))) + 1
    around = cv2.dilate(casting, np.ones((size, size), np.uint8)) > 0
    size = 2 * GATE_MARGIN + 1
    around |= cv2.dilate(stands.astype(np.uint8), np.ones((size, size), np.uint8)) > 0
    return np.maximum(resurfaced, around.astype(np.float32)), around & ~stands & ~(resurfaced > 0)


def lightness_ceiling(photo: np.ndarray) -> float:
    """The L* a re-surfaced region's lit half may reach in this photo (HxWx3 float in [0, 1]): a material's
    colour is its look in daylight, and in a dusk or dim photo that would be lighter than anything the photo
    shows. The lit half stays below the photo's own highlights (their 99.5th percentile luminance) by a share
    that is tight in a dim photo and loose in daylight, where highlights are sky and a white wall may match
    them."""
    luminance = srgb_to_linear(photo.reshape(-1, 3)) @ np.array([0.2126, 0.7152, 0.0722])
    highlight = float(np.percentile(luminance, 99.5))
    share = np.interp(highlight, DIM_HIGHLIGHTS, LIT_SHARE)
    return float(srgb_to_lab(linear_to_srgb(np.full(3, min(1.0, share * highlight))))[0])


def lock_colours(rgb: np.ndarray, alpha: np.ndarray, labels: np.ndarray, request: RenovationRequest,
                 ceiling: float = 100.0, daylight: float = 1.0) -> np.ndarray:
    """rgb (HxWx3 float in [0, 1]) with each re-surfaced wall/roof/driveway's lit half moved onto its colour as
    the photo's light shows it: the colour's linear RGB times `daylight` (the share of daylight the photo's light
    is, `simulator.scene.daylight_share`: 1 in daylight), no lighter than L* `ceiling` (`lightness_ceiling`).

    `alpha` (HxW) and `labels` (HxW ids) are at the same (working) size; the region measured is where the
    label is the type's and alpha > 0.5, the region shifted is all of the type's label region."""
    catalog = load_catalog()
    out = rgb.astype(np.float64)
    for choice in request.choices:
        kind = catalog.type(choice.type_id)
        if kind.kind != "resurface" or kind.edits == "window":
            continue
        area = labels == kind.region_id
        measured = alpha[area] > 0.5
        if measured.sum() < MIN_LOCK_PIXELS:
            continue
        lab = srgb_to_lab(out[area])
        generated = lab[measured]
        lit = generated[generated[:, 0] >= np.median(generated[:, 0])]
        lit_colour = srgb_to_linear(np.asarray(choice.colour, np.float64) / 255.0) * daylight
        target = srgb_to_lab(linear_to_srgb(lit_colour))
        target[0] = min(target[0], ceiling)
        shift = target - np.median(lit, axis=0)
        out[area] = lab_to_srgb(lab + shift)
    return out.astype(np.float32)


def hold_hue(rgb: np.ndarray, photo: np.ndarray, labels: np.ndarray, request: RenovationRequest) -> np.ndarray:
    """rgb (HxWx3 float in [0, 1]) with each smooth render's chroma held within HUE_SLACK of the line from the
    photo's chroma to the asked colour's, pixel by pixel: a re-rendered wall goes from its old colour toward the new
    one, never to a third hue, and keeps the light's small tints. Lightness stays the generator's. `photo` is the
    photo the generator saw (HxWx3 float in [0, 1]). Without this the generator paints dark trim left around
    windows mauve (brown trim, white render asked for)."""
    catalog = load_catalog()
    out = rgb.astype(np.float64)
    for choice in request.choices:
        kind = catalog.type(choice.type_id)
        if kind.kind != "resurface" or kind.material(choice.material_id).texture != "render":
            continue
        area = labels == kind.region_id
        generated, before = srgb_to_lab(out[area]), srgb_to_lab(photo[area].astype(np.float64))
        towards = srgb_to_lab(np.asarray(choice.colour, np.float64) / 255.0)[None, 1:] - before[:, 1:]
        share = ((generated[:, 1:] - before[:, 1:]) * towards).sum(axis=1) / np.maximum((towards ** 2).sum(axis=1), 1e-6)
        nearest = before[:, 1:] + np.clip(share, 0.0, 1.0)[:, None] * towards
        off = generated[:, 1:] - nearest
        reach = np.sqrt((off ** 2).sum(axis=1, keepdims=True))
        generated[:, 1:] = nearest + off * np.minimum(1.0, HUE_SLACK / np.maximum(reach, 1e-6))
        out[area] = lab_to_srgb(generated)
    return out.astype(np.float32)


def missing_regions(labels: np.ndarray, request: RenovationRequest) -> list[str]:
    """Ids of the request's re-surfacing types whose label region covers less than MIN_REGION_SHARE of the photo."""
    catalog = load_catalog()
    return [choice.type_id for choice in request.choices
            if (kind := catalog.type(choice.type_id)).kind == "resurface"
            and (labels == kind.region_id).mean() < MIN_REGION_SHARE]
