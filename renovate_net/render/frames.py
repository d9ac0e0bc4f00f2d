"""New windows drawn at the photo's full resolution: the photo's own frames found and re-coloured, the glass kept.

A generator painting new frames at its working size leaves a dark smudge over frame, glass and wall, and a frame
drawn from the segmenter's blob lands beside the real one. The real frame is in the photo: straight bars (frame,
casing, mullions, transoms, sash bars) that run uniform along most of the window, are narrow across it, and differ
from what lies on both sides of them (wall, glass, the next band of the profile). The labels of each window, grown
by `window_reach` (they are blobby), are scanned column by column for upright bars and row by row for horizontal
ones. If the bars found close a frame (upright ones on both sides, horizontal ones above and below), their pixels
are re-coloured in the asked colour under the photo's light: their own luminance against the frame's well-lit
level, so the profile's shading, the rebate's shadow and the photo's noise stay. A window whose frame does not
close is left as it is, rather than half old and half new. Glass, reflections and the wall keep the photo, and the
generator leaves windows alone: render lays the frames over its composite.
"""
from __future__ import annotations

import cv2
import numpy as np

from renovate_net.catalog import RenovationType, load_catalog
from renovate_net.labels import LABEL_ID
from renovate_net.render.safety import trusted_weight
from renovate_net.render.surfaces import Measured, blend_in
from renovate_net.request import Choice, RenovationRequest
from renovate_net.simulator.canvas import exposure
from renovate_net.simulator.scene import Scene, luminance, to_linear, to_srgb

REACH = 0.01         # share of the photo's long side a frame may lie beyond its window label
MIN_AREA_M2 = 0.1    # smaller window labels are specks, not windows
MAX_BAR_M = 0.2      # metres at the facade's scale: the widest bar (a frame with its casing)
UNIFORM = 4.0        # CIE76 dE: a bar's median deviation from its own colour smoothed along it
STEP = 6.0           # dE between neighbouring columns that starts another band of a profile
CONTRAST = 8.0       # dE a bar differs from what lies on both sides of it
NOT_WALL = 10.0      # dE a bar differs from the wall around the window
SPAN = 0.7           # share of a frame's width (height) its outermost upright (horizontal) bars lie apart
LONG = 0.5           # share of the window's height (width) a vertical (horizontal) bar runs at least
ALONG, MATCH = 6.0, 12.0  # dE a pixel of a bar may differ from the bar smoothed along it, and from its colour
LIT_PERCENTILE = 70  # the frame's luminance that shows the asked colour as it is


def frames_drawn(kind: RenovationType) -> bool:
    """Whether render draws this type's new windows itself (the photo's frames re-coloured), the generator
    leaving windows alone."""
    return kind.edits == "window" and kind.detail_drawn


def window_reach(shape: tuple[int, ...]) -> int:
    """Pixels beyond a window label where its frame may still lie."""
    return max(2, round(REACH * max(shape[:2])))


def new_frames(image: np.ndarray, labels: np.ndarray, request: RenovationRequest, measured: Measured,
               probabilities: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray] | None:
    """(drawn HxWx3 uint8, cover HxW float32) of the request's new windows (`drawn_frames`), None when it asks for
    none; `measured` is the photo measured (`surfaces.measure`). With the segmenter's `probabilities`, only
    windows it is sure of get new frames (render safety, each window whole or not at all), up to `window_reach`
    beyond their labels."""
    catalog = load_catalog()
    choice = next((c for c in request.choices if frames_drawn(catalog.type(c.type_id))), None)
    if choice is None:
        return None
    trust = None if probabilities is None else \
        trusted_weight(labels, "window", probabilities[LABEL_ID["window"]], drawn=True)
    return drawn_frames(image, labels, choice, measured.scene, measured.scene.px_per_m * measured.factor, trust)


def lay_frames(image: np.ndarray, after: np.ndarray, edit: np.ndarray, frames: tuple[np.ndarray, np.ndarray]) -> None:
    """Lay the new frames over the composited render of `image` (in place): the generator never sees them, so
    their edges and the glass between them stay the photo's. `edit` marks every pixel that now differs from the
    photo, and only those."""
    drawn, cover = frames
    inside = cover > 0
    before = after[inside].astype(np.float32)
    mixed = np.clip(np.rint(before + (drawn[inside].astype(np.float32) - before) * cover[inside][:, None]), 0, 255)
    after[inside] = mixed.astype(np.uint8)
    changed = (after[inside] != image[inside]).any(axis=-1)
    marked = np.maximum(edit[inside], np.clip(np.rint(cover[inside] * 255), 1, 255).astype(np.uint8))
    edit[inside] = np.where(changed, marked, 0)


def drawn_frames(image: np.ndarray, labels: np.ndarray, choice: Choice, scene: Scene, px_per_m: float,
                 trust: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(drawn HxWx3 uint8, cover HxW float32): the photo with every window's frame re-coloured in the chosen
    colour, and how much of each pixel the new frame covers (0 on glass, wall and everything else). `scene` is
    the photo measured (its light), `px_per_m` its scale at the photo's own size; `trust` (HxW in [0, 1], render
    safety's for the window labels) scales each window's frame by how surely its label is a window."""
    drawn = image.copy()
    cover = np.zeros(labels.shape, np.float32)
    count, ids, stats, _ = cv2.connectedComponentsWithStats((labels == LABEL_ID["window"]).astype(np.uint8),
                                                            connectivity=8)
    reach = window_reach(labels.shape)
    widest = max(3, round(MAX_BAR_M * px_per_m))
    colour = to_linear(np.asarray(choice.colour, np.float32) / 255.0) * exposure(scene)
    height, width = labels.shape
    for index in range(1, count):
        x, y, w, h, area = stats[index]
        if area < max(40, MIN_AREA_M2 * px_per_m ** 2):
            continue
        rows = slice(max(y - 3 * reach, 0), min(y + h + 3 * reach, height))
        cols = slice(max(x - 3 * reach, 0), min(x + w + 3 * reach, width))
        window = (ids[rows, cols] == index).astype(np.uint8)
        sure = 1.0 if trust is None else float(trust[rows, cols][window > 0].max())
        if sure == 0.0:
            continue
        near = cv2.dilate(window, np.ones((2 * reach + 1, 2 * reach + 1), np.uint8)) > 0
        around = (cv2.dilate(window, np.ones((6 * reach + 1, 6 * reach + 1), np.uint8)) > 0) & ~near
        around &= labels[rows, cols] == LABEL_ID["wall"]
        lab = cv2.cvtColor(image[rows, cols].astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab)
        wall = np.median(lab[around], axis=0) if around.sum() > 20 else None
        upright = _bars(lab, near, widest, wall)  # along the whole extent of the labels grown: a blob's rounded
        across = _bars(lab.transpose(1, 0, 2), near.T, widest, wall).T  # corners would leave the frame's own
        if not _closed(upright, across):
            continue  # a frame found on one side only would leave the window half old: leave it whole
        columns = np.flatnonzero(upright.any(axis=0))  # a head trim wider than the window stops at its jambs,
        lines = np.flatnonzero(upright.any(axis=1))     # and a roof's flashing below its sill is no bar of it
        across[:, :max(columns[0] - widest, 0)] = across[:, columns[-1] + widest + 1:] = False
        across[:max(lines[0] - widest // 2, 0)] = across[lines[-1] + widest // 2 + 1:] = False
        frame = cv2.morphologyEx((upright | across).astype(np.uint8), cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8)) > 0
        if frame.any():
            _recolour(image, drawn, cover, (rows, cols), frame, colour, sure)
    return drawn, cover


def _bars(lab: np.ndarray, near: np.ndarray, widest: int, wall: np.ndarray | None) -> np.ndarray:
    """The vertical bars (bands of columns uniform down their length, at most `widest` across, unlike what lies
    on both sides and unlike the wall) among the rows of `near`, as a mask of their pixels."""
    bars = np.zeros(near.shape, bool)
    rows = np.flatnonzero(near.any(axis=1))
    if rows.size < 6:
        return bars
    top, bottom = rows[0], rows[-1] + 1
    trim = (bottom - top) * 15 // 100  # the middle of the window, clear of its horizontal bars
    core = lab[top + trim:bottom - trim]
    colour = np.median(core, axis=0)  # each column's colour
    uniform = np.median(np.linalg.norm(core - cv2.blur(core, (1, 9)), axis=-1), axis=0) < UNIFORM
    if wall is not None:
        uniform &= np.linalg.norm(colour - wall, axis=-1) > NOT_WALL
    step = np.concatenate([[False], np.linalg.norm(np.diff(colour, axis=0), axis=-1) > STEP])
    for first, last in _runs(uniform):
        cuts = [first, *np.flatnonzero(step[first + 1:last]) + first + 1, last]
        for i in range(len(cuts) - 1):  # a bar may be a few bands of one profile: any short run of them
            for j in range(i + 1, len(cuts)):
                a, b = cuts[i], cuts[j]
                if b - a > widest:
                    break
                if a < 2 or b + 1 >= colour.shape[0]:
                    continue
                own = np.median(colour[a:b], axis=0)
                if min(np.linalg.norm(own - colour[a - 2]), np.linalg.norm(own - colour[b + 1])) < CONTRAST:
                    continue
                block = lab[top:bottom, a:b]
                bar = (np.linalg.norm(block - cv2.blur(block, (1, 15)), axis=-1) < ALONG) & \
                    (np.linalg.norm(block - colour[None, a:b], axis=-1) < MATCH)
                bars[top:bottom, a:b] |= _long(bar, LONG * (bottom - top))
    return bars


def _closed(upright: np.ndarray, across: np.ndarray) -> bool:
    """Whether the bars found close a frame: the outermost upright bars lie apart by most of the width the
    horizontal bars run, and the outermost horizontal bars by most of the height the upright ones run."""
    if not (upright.any() and across.any()):
        return False
    columns, rows = np.flatnonzero(upright.any(axis=0)), np.flatnonzero(across.any(axis=1))
    width = np.ptp(np.flatnonzero(across.any(axis=0)))
    height = np.ptp(np.flatnonzero(upright.any(axis=1)))
    return np.ptp(columns) >= SPAN * width and np.ptp(rows) >= SPAN * height


def _long(bar: np.ndarray, length: float) -> np.ndarray:
    """The parts of an upright bar's mask at least `length` rows long: a frame member runs most of the window's
    height; a patch of a reflection that happens to match does not."""
    count, ids, stats, _ = cv2.connectedComponentsWithStats(bar.astype(np.uint8), connectivity=8)
    keep = stats[:, cv2.CC_STAT_HEIGHT] >= length
    keep[0] = False
    return keep[ids]


def _runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """(start, stop) of each run of True."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], flags.astype(np.int8), [0]])))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist()))


def _recolour(image: np.ndarray, drawn: np.ndarray, cover: np.ndarray, box: tuple[slice, slice],
              frame: np.ndarray, colour: np.ndarray, sure: float) -> None:
    """The frame's pixels in the new colour under their own light (luminance against the frame's lit level),
    edges anti-aliased, all of it at the weight `sure`."""
    linear = to_linear(image[box].astype(np.float32) / 255.0)
    light = luminance(linear)
    lit = max(float(np.percentile(light[frame], LIT_PERCENTILE)), 1e-4)
    rgb = to_srgb(colour * np.clip(light / lit, 0.25, 1.3)[..., None]) * 255.0
    alpha = np.clip(cv2.GaussianBlur(frame.astype(np.float32), (0, 0), 0.5) * 1.5, 0.0, 1.0) * \
        (cv2.dilate(frame.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0) * sure
    inside = alpha > 0
    blend_in(image, drawn, cover, box, inside, rgb[inside], alpha)
