"""Render safety: which pixels of a re-surfacing type's label region are surely the house's own surface.

The segmenter's region is trusted only where it is sure of it (its probability for the class, ramped), where
the region is not a thin structure (posts, cables, railings and poles labelled wall are narrower than any wall
worth re-surfacing), and where it belongs to the house: a component of the region cut off from the house's
other parts (a wall patch in the trees, a hillside beyond the roofline labelled wall, a roof with no wall under
it) is left as it was, and so is every building beside the house the photo is of (`scene.house_columns`: a
neighbour's house across a gap of sky or garden, a shed, a garden wall). The result is a weight in [0, 1] that
feathers the edit out where trust fades, instead of a hard cut; for a drawn material (tiles, bricks, pavers),
which half blended over the old one reads as a ghost, each part of the region is trusted whole or not at all, by
its mean trust.

Regions are cleaned at the segmenter's working size, so "thin" and "cut off" mean the same on a phone photo and
a 12-megapixel one; the weight is then upsampled and kept inside the full-size label region, so the edit still
follows the segmenter's full-resolution edges. Labels a user gives (`render --mask`) are trusted as they are.
"""
from __future__ import annotations

import cv2
import numpy as np

from renovate_net.labels import LABEL_ID
from renovate_net.simulator.scene import house_columns

SURE = (0.5, 0.8)           # probability of the region's class: no edit below the first, a full edit above the second
# Per region: the thinnest structure re-surfaced (share of the long side), and the labels whose nearness shows a
# component belongs to the house (None: every component does).
THIN = {"wall": 0.012, "roof": 0.012, "window": 0.0, "ground": 0.0}
HOUSE_PARTS = {"wall": ("window", "door", "roof"), "roof": ("wall",), "window": ("wall", "door"), "ground": None}
NEAR = 0.02                 # share of the long side within which a house part must lie
MAIN_SHARE = 0.05           # components smaller than this share of the largest one are dropped without a house part
FEATHER = 1.0               # px (working size) of blur on the weight's edges
WHOLE = 0.3                 # mean trust (ramped probability) of a part drawn whole: a mean probability of 0.59


def _ellipse(size: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))


def without_thin(mask: np.ndarray, width: int) -> np.ndarray:
    """`mask` less the parts narrower than `width` px (a morphological opening, then only what it kept, grown
    back to the mask's own edges within the kept parts' reach)."""
    if width < 2:
        return mask
    opened = cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_OPEN, _ellipse(width)) > 0
    return opened | (cv2.dilate(opened.astype(np.uint8), _ellipse(3)) > 0) & mask


def house_components(mask: np.ndarray, labels: np.ndarray, parts: tuple[str, ...] | None,
                     reach: int) -> np.ndarray:
    """The components of `mask` that belong to the house: the largest, and those near one of the house `parts`
    (labels) and not tiny beside the largest."""
    if parts is None:
        return mask
    count, components, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    if count <= 2:
        return mask
    areas = stats[1:, cv2.CC_STAT_AREA]
    largest = 1 + int(np.argmax(areas))
    near = cv2.dilate(np.isin(labels, [LABEL_ID[p] for p in parts]).astype(np.uint8), _ellipse(2 * reach + 1)) > 0
    touching = np.unique(components[near & mask])
    keep = np.zeros(count, bool)
    keep[largest] = True
    keep[touching] = True
    keep[1:] &= (areas >= MAIN_SHARE * areas.max()) | (np.arange(1, count) == largest)
    keep[0] = False
    return keep[components]


def on_house(mask: np.ndarray, columns: np.ndarray, whole: bool = False) -> np.ndarray:
    """The pixels of `mask` on the house within `columns` (W bool, `house_columns`). `whole`: keep whole parts of
    the mask that reach into the columns instead of cutting at them, for a roof, whose eaves and hips overhang the
    walls and taper past the columns where the house stands full height (a garden wall joining the house's wall
    is cut off at them)."""
    if not whole:
        return mask & columns[None, :]
    count, parts = cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)
    keep = np.zeros(count, bool)
    keep[np.unique(parts[:, columns])] = True
    keep[0] = False
    return keep[parts]


def ramp(probability: np.ndarray) -> np.ndarray:
    low, high = SURE
    return np.clip((probability - low) / (high - low), 0.0, 1.0).astype(np.float32)


def whole_parts(mask: np.ndarray, trust: np.ndarray) -> np.ndarray:
    """1 over each component of `mask` whose mean `trust` is at least WHOLE (less the pixels it does not trust at
    all), 0 elsewhere: a drawn material (tiles, bricks, pavers) blended half over the old one reads as a ghost,
    so a part is drawn whole or not."""
    count, components = cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)
    mean = np.bincount(components.ravel(), trust.ravel(), count) / np.maximum(np.bincount(components.ravel(), None,
                                                                                           count), 1)
    keep = mean >= WHOLE
    keep[0] = False
    return (keep[components] & (trust > 0)).astype(np.float32)  # less the pixels it doubts most (p <= SURE[0])


def trusted_weight(labels: np.ndarray, region: str, probability: np.ndarray, drawn: bool = False) -> np.ndarray:
    """HxW float32 in [0, 1] at the full labels' size: how surely each pixel of `region` (a label name) is the
    house's own surface. `probability` (h x w, the segmenter's working size) is its for the region's class.
    `drawn`: the region gets a drawn material, so each of its parts is trusted whole or not at all."""
    height, width = labels.shape
    size = probability.shape[1::-1]
    small = cv2.resize(labels, size, interpolation=cv2.INTER_NEAREST)
    mask = small == LABEL_ID[region]
    long_side = max(size)
    mask = without_thin(mask, round(THIN[region] * long_side))
    mask = house_components(mask, small, HOUSE_PARTS[region], max(1, round(NEAR * long_side)))
    if HOUSE_PARTS[region] is not None:
        mask = on_house(mask, house_columns(small), whole=region == "roof")
    weight = whole_parts(mask, ramp(probability)) if drawn else mask * ramp(probability)
    weight = cv2.GaussianBlur(weight, (0, 0), FEATHER) * mask
    full = cv2.resize(weight, (width, height), interpolation=cv2.INTER_LINEAR)
    return np.where(labels == LABEL_ID[region], full, 0.0).astype(np.float32)
