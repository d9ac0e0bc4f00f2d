"""Finding a window's old frame in the photo and fitting the new one to it (`render/frames.py` draws it).

The old frame is in the photo: straight bars (frame, casing, mullions, transoms, sash bars) that run uniform along
most of the window, are narrow across it, and differ from what lies on both sides of them (wall, glass, the next
band of the profile). A window label, grown by the frame's reach (labels are blobby), is scanned column by column
for upright bars and row by row for horizontal ones (`_bars`). Re-colouring every bar found left windows half old
and half new (a casing found on one side, a shutter's edge or a downpipe taken for a jamb, blinds behind the
glass), so the bars only locate the old frame: of the rectangles two upright and two horizontal bars make, the
one that outlines the label about best and, of those, the innermost whose four sides are even, of one lightness
and unlike the glass is the old frame (`_fitted`). The new frame runs around its glass, every side as wide as the
old frame's sides allow and at most the profile asked (a casing stays the old one, around it), with the mullions
and transoms that cross the glass drawn straight and whole. A band of windows under one label is cut at its piers
first (`windows_of`); a side the scan missed is taken where the bars across it end, unless the window is seen at
a slant.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from renovate_net.simulator.scene import line_angle, runs

UNIFORM = 4.0        # CIE76 dE: a bar's median deviation from its own colour smoothed along it
STEP = 6.0           # dE between neighbouring columns that starts another band of a profile
SPLIT = 15.0         # dE between neighbouring columns of bars found side by side that makes them two bars
CONTRAST = 6.0       # dE a bar differs from what lies on both sides of it
PIER_IN_GLASS = 12.0  # dE: a column of glass this close to the wall's colour is a pier, blurred by its narrowness
NOT_WALL = 10.0      # dE a bar differs from the wall around the window
LONG = 0.35          # share of the window's height (width) a vertical (horizontal) bar runs at least
ALONG, MATCH = 6.0, 12.0  # dE a pixel of a bar may differ from the bar smoothed along it, and from its colour
SLANT_DEGREES = 4.0  # a window whose horizontal edges slant more is seen in perspective: no side is guessed
ACROSS = 0.8         # share of the glass's height (width) a mullion (transom) runs at least
PART = 0.2           # share of a window label each window cut from it at a pier has at least
COUPLED = 4          # frame widths a mullion (transom) is drawn whole up to: two frames coupled side by side
PANE = 0.15          # share of the glass's width (height) a pane between mullions (transoms) has at least
MOST_BARS = 3        # mullions (transoms) a window has at most: more are slats of blinds or a vent
MATCHED = 0.55       # the least intersection over union of a fitted frame's rectangle and its window label
EVEN_SIDE = 16.0     # L*: the most a side of the old frame deviates from its median where the new one goes
OFF_GLASS = 10.0     # L*: the least an old frame differs from the glass it holds
SAME_FRAME = 20.0    # L*: the most the old frame's four sides differ where the new one goes
SHORT = 0.4          # share of its side a bar of a fitted frame may end short of a corner
NEAR_BEST = 0.85     # of the best match: rectangles as good as it, of which the innermost is the frame
EDGE_BARS = 12       # upright (horizontal) bars nearest the label's sides that may be a frame's: over a glass
                     # facade or a blind labelled one window, every rectangle of hundreds of bars would be tried


def windows_of(label: np.ndarray, lab: np.ndarray, wall: np.ndarray | None, smallest: float) -> list[np.ndarray]:
    """The windows of one window label (uint8 mask; `lab` the crop in CIELAB): a band of windows the segmenter
    labels as one is cut at the piers between them, columns of the `wall`'s colour down the label, into the parts
    of at least `smallest` px and PART of the label, when there are two or more."""
    lines = np.flatnonzero(label.any(axis=1))
    trim = (lines[-1] + 1 - lines[0]) * 15 // 100
    core = lab[lines[0] + trim:lines[-1] + 1 - trim]
    if wall is None or core.shape[0] < 3:
        return [label]
    pier = np.linalg.norm(np.median(core, axis=0) - wall, axis=-1) < NOT_WALL
    cut = label.copy()
    cut[:, pier] = 0
    count, ids, stats, _ = cv2.connectedComponentsWithStats(cut, connectivity=8)
    parts = [part for part in range(1, count) if stats[part, cv2.CC_STAT_AREA] >= max(smallest, PART * label.sum())]
    if len(parts) < 2:
        return [label]  # a curtain or a reflection of the wall's colour, not a pier between windows
    return [(ids == part).astype(np.uint8) for part in parts]


def fitted_frame(lab: np.ndarray, window: np.ndarray, wall: np.ndarray | None, reach: int, widest: int,
               profile: int) -> np.ndarray | None:
    """The new frame (HxW bool in the crop `lab`, `_fitted`) of one window (uint8 mask), None where none fits;
    `reach` is how far beyond its label the old frame may lie, `widest` the widest bar and `profile` the widest new
    frame (px)."""
    near = cv2.dilate(window, np.ones((2 * reach + 1, 2 * reach + 1), np.uint8)) > 0
    upright = _bars(lab, near, widest, wall)  # along the whole extent of the labels grown: a blob's rounded
    across = _bars(lab.transpose(1, 0, 2), near.T, widest, wall).T  # corners would leave the frame's own
    if not (upright.any() or across.any()):
        return None
    if upright.any():
        columns = np.flatnonzero(upright.any(axis=0))  # a head trim wider than the window stops at its jambs,
        lines = np.flatnonzero(upright.any(axis=1))     # and a roof's flashing below its sill is no bar of it
        across[:, :max(columns[0] - widest, 0)] = across[:, columns[-1] + widest + 1:] = False
        across[:max(lines[0] - widest // 2, 0)] = across[lines[-1] + widest // 2 + 1:] = False
    slant = line_angle(lab[..., 0] / 100.0, near)  # the window's horizontal edges, seen in perspective
    square = slant is None or abs(np.degrees(slant[0])) <= SLANT_DEGREES
    return _fitted(lab, upright, across, window > 0, profile, wall, square)


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
    for first, last in runs(uniform):
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


def _spans(bars: np.ndarray, lab: np.ndarray) -> list[tuple[int, int, int, int]]:
    """(first column, stop column, first row, stop row) of each upright bar: each run of columns with bar pixels,
    cut where their colour (`lab`, CIELAB) steps by SPLIT (a frame and the strip of glass beside it are two bars),
    and the rows it runs over."""
    spans = []
    for a, b in runs(bars.any(axis=0)):
        colour = np.stack([np.median(lab[bars[:, c], c], axis=0) for c in range(a, b)])
        steps = np.flatnonzero(np.linalg.norm(np.diff(colour, axis=0), axis=-1) > SPLIT) + a + 1
        for first, stop in zip([a, *steps.tolist()], [*steps.tolist(), b]):
            lines = np.flatnonzero(bars[:, first:stop].any(axis=1))
            spans.append((first, stop, int(lines[0]), int(lines[-1]) + 1))
    return spans


def _fitted(lab: np.ndarray, upright: np.ndarray, across: np.ndarray, window: np.ndarray, profile: int,
            wall: np.ndarray | None, square: bool) -> np.ndarray | None:
    """The new frame as a window maker builds it, from the bars found: a rectangle around the glass, every side
    as wide as the second narrowest side and at most `profile` px (so a casing stays the old one, around the new
    frame), and the mullions and transoms that run across most of the glass, each straight and whole (`_drawn`).
    The sides are the two upright and two horizontal bars whose rectangle matches the window label (`window`)
    about best (`_outlines`), and of those the innermost whose sides are an old frame's (`_frame_level`): a
    downpipe, a shutter, a pilaster or a sill's shadow beside the window is a bar too, and a label often takes in
    the shutters. A side the scan missed is taken where the bars across it end (`_ends`), if the window is seen
    `square` (in perspective its head and sill slant). When the best outline has a pier of the `wall`'s colour
    down it, the label is two windows and none is fitted."""
    jambs = _spans(upright, lab)
    rails = _spans(across.T, lab.transpose(1, 0, 2))  # (first row, stop row, first column, stop column)
    if square and len(rails) < 2:
        rails = sorted(set(rails + _ends(jambs)))
    if square and len(jambs) < 2:
        jambs = sorted(set(jambs + _ends(rails)))
    gap = max(3, 2 * profile)
    outlines = _outlines(jambs, rails, _Label.of(window), gap)
    if not outlines:
        return None
    best = outlines[0][1]
    if wall is not None and _crossed_by(lab[best[2][1]:best[3][0], best[0][1]:best[1][0]], wall):
        return None  # the label outlines two windows with a pier between: a frame of one would be half of it
    for _, (left, right, top, bottom) in sorted(outlines):
        glass = (left[1], right[0], top[1], bottom[0])  # its left, right, top and bottom edges
        width = min(profile, sorted(bar[1] - bar[0] for bar in (left, right, top, bottom))[1])
        level = _frame_level(lab, glass, width, wall)
        if level is not None:
            frame = _drawn(lab[..., 0], glass, width, jambs, rails, level)
            if frame is not None:
                return frame
    return None


def _outlines(jambs, rails, label: "_Label", gap: int) -> list[tuple[int, tuple]]:
    """(area, (left, right, top, bottom)) of the rectangles of bars (`_spans`) that outline the `label` nearly as
    well as the best one does (`_outline_match`), the best first; none below MATCHED."""
    jambs = _near_edges([bar for bar in jambs if bar[1] >= label.columns[0] - gap and bar[0] <= label.columns[1] + gap],
                        label.columns)
    rails = _near_edges([bar for bar in rails if bar[1] >= label.rows[0] - gap and bar[0] <= label.rows[1] + gap],
                        label.rows)
    scored = sorted(((_outline_match(left, right, top, bottom, label, gap),
                      (right[1] - left[0]) * (bottom[1] - top[0]), (left, right, top, bottom))
                     for i, left in enumerate(jambs) for right in jambs[i + 1:]
                     for k, top in enumerate(rails) for bottom in rails[k + 1:]), key=lambda found: -found[0])
    if not scored or scored[0][0] < MATCHED:
        return []
    return [(area, sides) for score, area, sides in scored if score >= NEAR_BEST * scored[0][0]]


def _near_edges(bars: list[tuple[int, int, int, int]], extent: tuple[int, int]) -> list[tuple[int, int, int, int]]:
    """The EDGE_BARS `bars` (`_spans`) nearest either end of the label's `extent` (first, last), in their order."""
    if len(bars) <= EDGE_BARS:
        return bars
    return sorted(sorted(bars, key=lambda bar: min(abs(bar[0] - extent[0]), abs(bar[1] - extent[1])))[:EDGE_BARS])


def _frame_level(lab: np.ndarray, glass: tuple[int, int, int, int], width: int,
                 wall: np.ndarray | None) -> float | None:
    """The old frame's lightness (L*) on the `width` px around the `glass` (left, right, top, bottom edges),
    None unless its four sides are even, of one lightness and unlike the glass, and no pier crosses the glass."""
    left, right, top, bottom = glass
    lightness = lab[..., 0]
    sides = [lightness[top:bottom, left - width:left], lightness[top:bottom, right:right + width],
             lightness[top - width:top, left:right], lightness[bottom:bottom + width, left:right]]
    levels = [float(np.median(side)) for side in sides]
    if max(np.median(np.abs(side - level)) for side, level in zip(sides, levels)) > EVEN_SIDE:
        return None  # a side across glass or wall: a window seen at a slant, or no frame there
    inside = lab[top:bottom, left:right]
    level = float(np.median(levels))
    if np.ptp(levels) > SAME_FRAME or abs(level - np.median(inside[..., 0])) < OFF_GLASS or \
            (wall is not None and _crossed_by(inside, wall)):
        return None  # sides unlike each other, like what they enclose (a shutter's panel), or around a pier
    return level


def _drawn(lightness: np.ndarray, glass: tuple[int, int, int, int], width: int, jambs, rails,
           level: float) -> np.ndarray | None:
    """The new frame's mask: `width` px around the `glass` (left, right, top, bottom edges), and the mullions and
    transoms among the bars (`_spans`) at the old frame's lightness `level`; None when they leave a pane far
    narrower than the others (a side taken from the next window's mullion)."""
    left, right, top, bottom = glass
    mullions = _inner_bars(jambs, (left, right), (top, bottom), lightness, level)
    transoms = _inner_bars(rails, (top, bottom), (left, right), lightness.T, level)
    if _sliver(mullions, left, right) or _sliver(transoms, top, bottom):
        return None
    frame = np.zeros(lightness.shape, bool)
    frame[top - width:bottom + width, left - width:right + width] = True
    frame[top:bottom, left:right] = False
    for a, b in mullions:
        frame[top:bottom, slice(*_bar_width(a, b, width))] = True
    for a, b in transoms:
        frame[slice(*_bar_width(a, b, width)), left:right] = True
    return frame


def _crossed_by(glass: np.ndarray, wall: np.ndarray) -> bool:
    """Whether columns near the wall's colour (CIELAB `wall`) cross the glass from top to bottom, away from its
    edges (they blur into the frame): a pier between two windows, however narrow, not glass."""
    return bool(np.any(np.linalg.norm(np.median(glass, axis=0) - wall, axis=-1)[2:-2] < PIER_IN_GLASS))


def _ends(bars: list[tuple[int, int, int, int]]) -> list[tuple[int, int, int, int]]:
    """Bars across where each pair of these bars (`_spans`) ends, as wide as the narrower of the pair: a head or
    a sill the scan missed (in shadow, or of the wall's colour beside it) lies where the frame's jambs stop, and
    a jamb where its head and sill stop."""
    ends = []
    for i, first_bar in enumerate(bars):
        for second_bar in bars[i + 1:]:
            width = min(first_bar[1] - first_bar[0], second_bar[1] - second_bar[0])
            start, stop = max(first_bar[2], second_bar[2]), min(first_bar[3], second_bar[3])
            if stop - start > 2 * width:
                ends += [(start, start + width, first_bar[0], second_bar[1]),
                         (stop - width, stop, first_bar[0], second_bar[1])]
    return ends


def _sliver(bars: list[tuple[int, int]], start: int, stop: int) -> bool:
    """Whether the mullions (transoms) `bars` leave a pane narrower than PANE of the glass from `start` to `stop`."""
    edges = [start, *[edge for bar in bars for edge in bar], stop]
    return min(edges[i + 1] - edges[i] for i in range(0, len(edges), 2)) < PANE * (stop - start)


def _bar_width(a: int, b: int, width: int) -> tuple[int, int]:
    """A mullion or transom found at [a, b) as drawn: whole up to COUPLED frame widths (two coupled frames), else
    two frame widths about its middle."""
    if b - a <= COUPLED * width:
        return a, b
    centre = (a + b) // 2
    return centre - width, centre + width


def _inner_bars(bars, across: tuple[int, int], along: tuple[int, int], lightness: np.ndarray,
                level: float) -> list[tuple[int, int]]:
    """(first, stop) columns of the bars (`_spans`) inside the glass (`across` it) that run along most of it
    (`along`) at the frame's lightness `level` (L* of `lightness`, columns across): its mullions, or its transoms,
    bars side by side taken as one (two coupled frames); none when there are more than MOST_BARS (the slats of
    blinds behind the glass, or of a vent)."""
    inner = []
    for a, b, first, stop in bars:
        if a > across[0] and b < across[1] and \
                min(stop, along[1]) - max(first, along[0]) >= ACROSS * (along[1] - along[0]) and \
                abs(np.median(lightness[along[0]:along[1], a:b]) - level) <= SAME_FRAME:
            if inner and a - inner[-1][1] <= 2:
                inner[-1] = (inner[-1][0], b)
            else:
                inner.append((a, b))
    return inner if len(inner) <= MOST_BARS else []


@dataclass(frozen=True)
class _Label:
    """A window label made ready to score outlines against: its pixel count, extent and summed-area table."""
    area: int
    rows: tuple[int, int]     # first and last row
    columns: tuple[int, int]  # first and last column
    table: np.ndarray         # cv2.integral of the mask

    @classmethod
    def of(cls, window: np.ndarray) -> "_Label":
        rows, columns = np.flatnonzero(window.any(axis=1)), np.flatnonzero(window.any(axis=0))
        return cls(int(window.sum()), (int(rows[0]), int(rows[-1])), (int(columns[0]), int(columns[-1])),
                   cv2.integral(window.astype(np.uint8)))

    def inside(self, x0: int, x1: int, y0: int, y1: int) -> int:
        """Label pixels in columns x0:x1 and rows y0:y1."""
        table = self.table
        return int(table[y1, x1] - table[y0, x1] - table[y1, x0] + table[y0, x0])


def _outline_match(left, right, top, bottom, label: _Label, gap: int) -> float:
    """How well the frame of these four bars (`_spans`) outlines the window `label`: the intersection over union
    of its rectangle and the label; 0 unless the glass inside lies within the label's extent and every bar runs
    from one of its neighbours to the other, ending at most `gap` px or SHORT of its length short."""
    x0, x1, y0, y1 = left[0], right[1], top[0], bottom[1]
    if x1 - x0 < 6 or y1 - y0 < 6:
        return 0.0
    if top[1] < label.rows[0] - gap or bottom[0] > label.rows[1] + gap or left[1] < label.columns[0] - gap or \
            right[0] > label.columns[1] + gap:
        return 0.0  # the glass reaches beyond the label: a ledge or a sill's shadow taken for a rail
    for first, stop, start, end in (left[2:] + (y0, y1), right[2:] + (y0, y1), top[2:] + (x0, x1),
                                    bottom[2:] + (x0, x1)):
        if max(first - start, end - stop) > max(gap, SHORT * (end - start)):
            return 0.0
    inside = label.inside(x0, x1, y0, y1)
    return inside / (label.area + (x1 - x0) * (y1 - y0) - inside)


def _long(bar: np.ndarray, length: float) -> np.ndarray:
    """The parts of an upright bar's mask at least `length` rows long: a frame member runs most of the window's
    height; a patch of a reflection that happens to match does not."""
    count, ids, stats, _ = cv2.connectedComponentsWithStats(bar.astype(np.uint8), connectivity=8)
    keep = stats[:, cv2.CC_STAT_HEIGHT] >= length
    keep[0] = False
    return keep[ids]
