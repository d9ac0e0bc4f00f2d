"""Roof cues for photos whose labels have no roof class.

- `skyline_band`: building pixels hanging from the sky within `depth` rows, before any window. In a
  LabelMeFacade photo that is where a visible roof can be, so the segmenter trainer keeps those `building`
  pixels as wall-or-roof and trains the rest of the building as wall.
- `roof_zone`: the same idea for a house photo's predicted building region (pseudo-labels).
- `grabcut_roof`: splits a house photo's building region into roof and wall by colour (GrabCut: Rother,
  Kolmogorov, Blake, SIGGRAPH 2004), seeded by geometry: the top of the building under the sky is roof, the
  wall around windows and doors and the bottom of the building are wall. Used for pseudo-labels, checked by eye.
"""
from __future__ import annotations

import cv2
import numpy as np


def skyline_band(building: np.ndarray, sky: np.ndarray, depth: int) -> np.ndarray:
    """HxW bool: building pixels at most `depth` rows below a sky pixel, in an unbroken vertical run."""
    band = np.zeros(building.shape, bool)
    distance = np.full(building.shape[1], -1)  # rows below the run's sky pixel; -1 = no run
    for y in range(building.shape[0]):
        distance = np.where(sky[y], 0, np.where(building[y] & (distance >= 0), distance + 1, -1))
        band[y] = building[y] & (distance > 0) & (distance <= depth)
    return band


def _top_fraction(building: np.ndarray, fraction: float) -> np.ndarray:
    """Building pixels in the top `fraction` of each column's building extent."""
    rows = np.arange(building.shape[0])[:, None]
    present = building.any(0)
    top = np.where(present, building.argmax(0), 0)
    bottom = np.where(present, building.shape[0] - 1 - building[::-1].argmax(0), 0)
    return building & (rows <= top + fraction * (bottom - top))


def roof_zone(building: np.ndarray, sky: np.ndarray) -> np.ndarray:
    """Where a house's roof can be: the top 30 % of each building column, and the building hanging from the sky
    down to a sixth of the photo's height."""
    return _top_fraction(building, 0.3) | skyline_band(building, sky, building.shape[0] // 6)


def grabcut_roof(image: np.ndarray, building: np.ndarray, sky: np.ndarray, openings: np.ndarray,
                 roof_hint: np.ndarray, iterations: int = 4) -> np.ndarray:
    """HxW bool roof mask inside `building` (HxW bool, wall or roof), from HxWx3 uint8 RGB `image`.

    `sky` marks sky pixels, `openings` windows and doors, `roof_hint` pixels a model thinks are roof.
    """
    height = building.shape[0]
    if building.sum() < 100:
        return np.zeros_like(building)
    mask = np.full(building.shape, cv2.GC_PR_BGD, np.uint8)  # building is wall unless the colours say roof
    mask[roof_zone(building, sky) | (roof_hint & building)] = cv2.GC_PR_FGD
    mask[skyline_band(building, sky, max(2, height // 40))] = cv2.GC_FGD
    around = cv2.dilate(openings.astype(np.uint8), np.ones((9, 9), np.uint8)).astype(bool)
    mask[building & (around | ~_top_fraction(building, 0.6))] = cv2.GC_BGD
    wall = building & (mask == cv2.GC_BGD)
    if not (mask == cv2.GC_FGD).any() or not wall.any():
        return np.zeros_like(building)
    # Outside the building, pixels take the wall's median colour and stay wall: sky, trees and road must not
    # enter the roof-vs-wall colour models.
    pixels = image.copy()
    pixels[~building] = np.median(image[wall], axis=0)
    mask[~building] = cv2.GC_BGD
    background, foreground = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    cv2.grabCut(cv2.cvtColor(pixels, cv2.COLOR_RGB2BGR), mask, None, background, foreground, iterations,
                cv2.GC_INIT_WITH_MASK)
    return building & ((mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD))
