"""Render safety: which pixels of a re-surfacing type's label region are surely the house's own surface.

The segmenter's region is trusted only where it is sure of it (its probability for the class, ramped), where
the region is not a thin structure (posts, cables, railings and poles labelled wall are narrower than any wall
worth re-surfacing), and where it belongs to the house: a component of the region cut off from the house's
other parts (a wall patch in the trees, a hillside beyond the roofline labelled wall, a roof with no wall under
it) is left as it was, and so is every building beside the house the photo is of (`subject_columns`: a
neighbour's house across a gap of sky or garden, a shed, a garden wall). The result is a weight in [0, 1] that feathers the edit out where trust fades, instead
of a hard cut; for a drawn material (tiles, bricks, pavers), which half blended over the old one reads as a
ghost, each part of the region is trusted whole or not at all, by its mean trust.

Regions are cleaned at the segmenter's working size, so "thin" and "cut off" mean the same on a phone photo and
a 12-megapixel one; the weight is then upsampled and kept inside the full-size label region, so the edit still
follows the segmenter's full-resolution edges. Labels a user gives (`render --mask`) are trusted as they are.
"""
from __future__ import annotations

import cv2
import numpy as np

from renovate_net.labels import LABEL_ID

SURE = (0.5, 0.8)           # probability of the region's class: no edit below the first, a full edit above the second
# Per region: the thinnest structure re-surfaced (share of the long side), and the labels whose nearness shows a
# component belongs to the house (None: every component does).
THIN = {"wall": 0.012, "roof": 0.012, "window": 0.0, "ground": 0.0}
HOUSE_PARTS = {"wall": ("window", "door", "roof"), "roof": ("wall",), "window": ("wall", "door"), "ground": None}
NEAR = 0.02                 # share of the long side within which a house part must lie
MAIN_SHARE = 0.05           # components smaller than this share of the largest one are dropped without a house part
FEATHER = 1.0               # px (working size) of blur on the weight's edges
WHOLE = 0.3                 # mean trust (ramped probability) of a part drawn whole: a mean probability of 0.59
BUILDING = ("wall", "roof", "window", "door")
GAP_HEIGHT = 0.3            # a column with less building than this share of the photo's tall columns is a gap
GAP_BRIDGED = 0.02          # share of the photo's width: a narrower gap is a labelling gap or a downpipe
GAP_HIDDEN = 0.5            # share of a gap's building rows that are leaves: a tree in front of the house


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


def subject_columns(labels: np.ndarray) -> np.ndarray:
    """W bool: the image columns of the house the photo is of. Buildings stand in runs of columns at least
    GAP_HEIGHT as tall as the photo's tall columns; runs are joined across gaps narrower than GAP_BRIDGED of the
    width or mostly hidden by leaves (a tree in front of the house splits no house). Of the runs, the one holding
    the most building, weighted toward the photo's centre (half at its edges), is the house; the others, and the
    low buildings between them, are its neighbours, sheds and garden walls."""
    width = labels.shape[1]
    building = np.isin(labels, [LABEL_ID[name] for name in BUILDING])
    if not building.any():
        return np.ones(width, bool)
    height = cv2.blur(building.sum(axis=0).astype(np.float32)[None, :], (max(3, width // 100) | 1, 1))[0]
    standing = height >= GAP_HEIGHT * np.percentile(height[height > 0], 90)
    rows = np.flatnonzero(building.any(axis=1))
    leaves = labels[rows[0]:rows[-1] + 1] == LABEL_ID["vegetation"]
    edges = np.flatnonzero(np.diff(np.concatenate([[0], standing.astype(np.int8), [0]])))
    runs: list[list[int]] = []
    for start, stop in zip(edges[::2], edges[1::2]):  # runs [start, stop)
        if runs and (start - runs[-1][1] <= GAP_BRIDGED * width
                     or leaves[:, runs[-1][1]:start].mean() >= GAP_HIDDEN):
            runs[-1][1] = stop
        else:
            runs.append([start, stop])
    if not runs:
        return np.ones(width, bool)
    centre = 1.0 - np.abs(np.arange(width) / max(width - 1, 1) - 0.5)  # 1 at the centre, 0.5 at the edges
    mass = building.sum(axis=0) * centre
    start, stop = max(runs, key=lambda run: mass[run[0]:run[1]].sum())
    house = np.zeros(width, bool)
    house[start:stop] = True
    return house


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
        mask &= subject_columns(small)[None, :]
    weight = whole_parts(mask, ramp(probability)) if drawn else mask * ramp(probability)
    weight = cv2.GaussianBlur(weight, (0, 0), FEATHER) * mask
    full = cv2.resize(weight, (width, height), interpolation=cv2.INTER_LINEAR)
    return np.where(labels == LABEL_ID[region], full, 0.0).astype(np.float32)
