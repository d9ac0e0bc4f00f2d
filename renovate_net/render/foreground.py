"""What stands in front of a wall: lamps, railings, downpipes, house numbers, letterboxes, a bicycle. The
segmenter labels most of them wall, and a drawn wall must not brick them over.

They are small or thin against the wall, so they stand out of a morphological top-hat (brighter than the
wall around them) or black-hat (darker) with a structuring element a little wider than such objects. A step
edge, such as the border of a cast shadow or of a differently painted wall part, gives no response, so shadows
stay for the wall's light to carry. The old wall's own texture (joints of a brick or stone wall, siding lines)
responds as well but everywhere at once: responses that are dense over metres of wall are texture, not objects.
The morphology sees the region with everything outside it filled by the wall's own blurred colour, so a narrow
wall pier between two dark windows is a piece of wall, not a bright bar. The structuring element is a horizontal
line: siding lines and brick courses run along the wall and are wider than any line, balusters, downpipes and
lamps are not. Window glass the segmenter called wall is no object in front, but must not be bricked over
either: a piece of wall that frames cut off, window-sized and unlike the wall in chroma, is a pane.
"""
from __future__ import annotations

import cv2
import numpy as np

OBJECT_WIDTH_M = 0.4    # objects narrower than this stand out of the top-hat / black-hat
CONTRAST = 28           # response (sRGB levels, the strongest channel) that makes a pixel part of an object ...
OVER_TEXTURE = 3.0      # ... and this many times more than the mean response around it (the wall's own grain)
TEXTURE_DENSITY = 0.5   # share of object pixels around (TEXTURE_SPAN) above which they are the wall's texture
TEXTURE_SPAN_M = 4.0    # texture is even over metres of wall; a railing or a lamp is not
PANE_AREA_M2 = 8.0      # a piece of wall cut off by objects and no larger than this may be a window pane ...
PANE_CONTRAST = 8.0     # ... if its chroma is this far (CIE a*b*) from the wall's ...
GLOW = 30.0             # ... and, if warmer and lighter than the wall, this much lighter (CIE L*): a lit room
RAIL_CONTRAST = 60      # a horizontal frame member stands out this much (a siding line less)
FRAME_M = 0.1           # a pane keeps this much of the photo around it: its frame


def _region_colour(image: np.ndarray, region: np.ndarray, sigma: float) -> np.ndarray:
    """HxWx3 float32: the colour of `region` around each pixel, blurred over `sigma` px (normalised, so pixels
    outside the region do not count), taken on a coarser grid since the blur is wide."""
    height, width = region.shape
    step = max(1.0, sigma / 4.0)
    size = (max(1, round(width / step)), max(1, round(height / step)))
    weight = cv2.resize(region.astype(np.float32), size, interpolation=cv2.INTER_AREA)
    colour = cv2.resize(np.where(region[..., None], image, 0).astype(np.float32), size, interpolation=cv2.INTER_AREA)
    spread = cv2.GaussianBlur(weight, (0, 0), sigma / step)[..., None]
    colour = cv2.GaussianBlur(colour, (0, 0), sigma / step)
    fallback = np.median(image[region], axis=0).astype(np.float32)
    colour = np.where(spread > 1e-3, colour / np.maximum(spread, 1e-3), fallback).astype(np.float32)
    return cv2.resize(colour, (width, height), interpolation=cv2.INTER_LINEAR)


def _local_median(response: np.ndarray, region: np.ndarray, px_per_m: float) -> np.ndarray:
    """The median response of the region over TEXTURE_SPAN_M around each pixel: the wall's own grain. A median,
    so that the object itself does not count as the grain it must stand out of. Taken on a coarse grid (the
    grain changes over metres), with the pixels outside the region filled by the region's median."""
    step = max(1.0, TEXTURE_SPAN_M * px_per_m / 15.0)
    height, width = response.shape
    small_size = (max(1, round(width / step)), max(1, round(height / step)))
    level = np.where(region, response, np.uint8(np.median(response[region])))
    small = cv2.resize(level, small_size, interpolation=cv2.INTER_AREA)
    return cv2.resize(cv2.medianBlur(small, 15), (width, height), interpolation=cv2.INTER_LINEAR)


def objects_in_front(image: np.ndarray, region: np.ndarray, px_per_m: float) -> np.ndarray:
    """Pixels of `region` (HxW bool) covered by small or thin objects in front of it, grown by one pixel so
    their anti-aliased rims stay too."""
    if not region.any():
        return region.copy()
    size = max(5, int(round(OBJECT_WIDTH_M * px_per_m)) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (size, 1))
    around = cv2.dilate(region.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    filled = np.where(around[..., None], image, np.clip(_region_colour(image, around, size), 0, 255).astype(np.uint8))
    filled = cv2.GaussianBlur(filled, (0, 0), 0.7)  # pixel noise is not an object
    response = np.zeros(region.shape, np.uint8)
    for channel in cv2.split(filled):
        np.maximum(response, cv2.morphologyEx(channel, cv2.MORPH_TOPHAT, kernel), out=response)
        np.maximum(response, cv2.morphologyEx(channel, cv2.MORPH_BLACKHAT, kernel), out=response)
    raw = (response > CONTRAST) & (response > OVER_TEXTURE * _local_median(response, region, px_per_m)) & region
    span = (max(3, int(round(TEXTURE_SPAN_M * px_per_m))),) * 2
    density = cv2.blur(raw.astype(np.float32), span) / (cv2.blur(region.astype(np.float32), span) + 1e-6)
    objects = raw & (density < TEXTURE_DENSITY)
    # The morphology also flags the wall showing between an object's parts (behind a lamp's frame): only what
    # differs from the wall around it is the object.
    wall = _region_colour(image, region & ~objects, size)
    objects &= (np.abs(image.astype(np.float32) - wall).max(axis=-1) > CONTRAST / 2)
    objects = (cv2.dilate(objects.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0) & region
    # Horizontal frame members do not stand out of a horizontal line; strong ones close the panes' outlines.
    rails = np.zeros(region.shape, np.uint8)
    for channel in cv2.split(filled):
        np.maximum(rails, cv2.morphologyEx(channel, cv2.MORPH_BLACKHAT, kernel.T), out=rails)
        np.maximum(rails, cv2.morphologyEx(channel, cv2.MORPH_TOPHAT, kernel.T), out=rails)
    outline = objects | (rails > RAIL_CONTRAST)
    return objects | _panes(image, region & ~outline, px_per_m)


def _panes(image: np.ndarray, rest: np.ndarray, px_per_m: float) -> np.ndarray:
    """Window panes the segmenter called wall: the pieces of the wall that frames and glazing bars cut off,
    window-sized, and unlike the wall in colour (glass shows the sky or a dark room), grown over their frame."""
    count, ids, stats, _ = cv2.connectedComponentsWithStats(rest.astype(np.uint8), connectivity=4)
    area = stats[:, cv2.CC_STAT_AREA].astype(np.float64)
    lab = cv2.cvtColor(image, cv2.COLOR_RGB2LAB).reshape(-1, 3).astype(np.float64)
    lab[:, 0] *= 100.0 / 255.0
    mean = np.stack([np.bincount(ids.ravel(), lab[:, k], count) for k in range(3)], axis=1) / np.maximum(area, 1)[:, None]
    wall = np.median(lab[rest.ravel()], axis=0)
    # Chroma only: a piece of wall in shadow is darker, not another colour. Glass shows the sky or a room, dark or
    # lit: a piece warmer and lighter than the wall but not glowing is wall in the sun, where shade and white
    # garage doors labelled wall make the wall's median cool and dim.
    unlike = np.hypot(*(mean[:, 1:] - wall[1:]).T) > PANE_CONTRAST
    sunlit = (mean[:, 0] > wall[0]) & (mean[:, 2] > wall[2]) & (mean[:, 0] < wall[0] + GLOW)
    pane = unlike & ~sunlit & (area <= PANE_AREA_M2 * px_per_m ** 2) & (area < 0.25 * area[1:].sum(initial=0))
    pane[0] = False
    frame = max(3, int(round(FRAME_M * px_per_m)) | 1)
    return cv2.dilate(pane[ids].astype(np.uint8), np.ones((frame, frame), np.uint8)) > 0
