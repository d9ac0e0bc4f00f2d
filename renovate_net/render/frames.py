"""New windows drawn at the photo's full resolution: a new frame fitted to each window's own, the glass kept.

A generator painting new frames at its working size leaves a dark smudge over frame, glass and wall, and a frame
drawn from the segmenter's blob lands beside the real one. So each window the segmenter is sure of gets a frame
fitted to the one the photo shows (`frame_fit.py`), whose pixels take the asked colour under the photo's light:
their own luminance against the frame's well-lit level, so the profile's shading, the rebate's shadow and the
photo's noise stay. A window no frame fits is left as it is, and render says how many kept their old frames.
Glass, reflections and the wall keep the photo, and the generator leaves windows alone: render lays the frames
over its composite.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from renovate_net.catalog import RenovationType, load_catalog
from renovate_net.labels import LABEL_ID
from renovate_net.render.frame_fit import fitted_frame, windows_of
from renovate_net.render.safety import trusted_weight
from renovate_net.render.surfaces import Measured, blend_in
from renovate_net.request import Choice, RenovationRequest
from renovate_net.simulator.canvas import exposure
from renovate_net.simulator.scene import Scene, luminance, to_linear, to_srgb

REACH = 0.01         # share of the photo's long side a frame may lie beyond its window label
MIN_AREA_M2 = 0.1    # smaller window labels are specks, not windows
MAX_BAR_M = 0.2      # metres at the facade's scale: the widest bar (a frame with its casing)
LIT_PERCENTILE = 70  # the frame's luminance that shows the asked colour as it is
PROFILE_M = 0.1      # metres at the facade's scale: the widest new frame (frame and sash, seen from outside)


@dataclass
class NewFrames:
    drawn: np.ndarray  # HxWx3 uint8: the photo with the new frames
    cover: np.ndarray  # HxW float32: how much of each pixel a new frame covers
    framed: int        # windows that got a new frame
    windows: int       # windows the render was sure of
    type_id: str       # the requested type they are drawn for

    def note(self) -> str | None:
        """One line for the user when windows keep their old frames, else None."""
        if self.framed == self.windows:
            return None
        if self.framed == 0:
            return ("no window shows a frame clear enough to fit a new one to, so the windows are left as they "
                    "were; a photo taken straight at the facade helps")
        return f"{self.windows - self.framed} of {self.windows} windows show no frame clear enough to fit a new " \
               "one to and keep their old frames"


def frames_drawn(kind: RenovationType) -> bool:
    """Whether render draws this type's new windows itself (a new frame fitted to each window's own), the
    generator leaving windows alone."""
    return kind.edits == "window" and kind.detail_drawn


def window_reach(shape: tuple[int, ...]) -> int:
    """Pixels beyond a window label where its frame may still lie."""
    return max(2, round(REACH * max(shape[:2])))


def new_frames(image: np.ndarray, labels: np.ndarray, request: RenovationRequest, measured: Measured,
               probabilities: np.ndarray | None = None) -> NewFrames | None:
    """The request's new windows (`drawn_frames`), None when it asks for none; `measured` is the photo measured
    (`surfaces.measure`). With the segmenter's `probabilities`, only windows it is sure of get new frames (render
    safety, each window whole or not at all), up to `window_reach` beyond their labels."""
    catalog = load_catalog()
    choice = next((c for c in request.choices if frames_drawn(catalog.type(c.type_id))), None)
    if choice is None:
        return None
    trust = None if probabilities is None else \
        trusted_weight(labels, "window", probabilities[LABEL_ID["window"]], drawn=True)
    return drawn_frames(image, labels, choice, measured.scene, measured.scene.px_per_m * measured.factor, trust)


def lay_frames(image: np.ndarray, after: np.ndarray, edit: np.ndarray, frames: NewFrames) -> None:
    """Lay the new frames over the composited render of `image` (in place): the generator never sees them, so
    their edges and the glass between them stay the photo's. `edit` marks every pixel that now differs from the
    photo, and only those."""
    drawn, cover = frames.drawn, frames.cover
    inside = cover > 0
    before = after[inside].astype(np.float32)
    mixed = np.clip(np.rint(before + (drawn[inside].astype(np.float32) - before) * cover[inside][:, None]), 0, 255)
    after[inside] = mixed.astype(np.uint8)
    changed = (after[inside] != image[inside]).any(axis=-1)
    marked = np.maximum(edit[inside], np.clip(np.rint(cover[inside] * 255), 1, 255).astype(np.uint8))
    edit[inside] = np.where(changed, marked, 0)


def drawn_frames(image: np.ndarray, labels: np.ndarray, choice: Choice, scene: Scene, px_per_m: float,
                 trust: np.ndarray | None = None) -> NewFrames:
    """The photo with every window's new frame in the chosen colour, how much of each pixel the new frame covers
    (0 on glass, wall and everything else), and how many of the windows got one. `scene` is the photo measured
    (its light), `px_per_m` its scale at the photo's own size; `trust` (HxW in [0, 1], render safety's for the
    window labels) scales each window's frame by how surely its label is a window."""
    drawn = image.copy()
    cover = np.zeros(labels.shape, np.float32)
    count, ids, stats, _ = cv2.connectedComponentsWithStats((labels == LABEL_ID["window"]).astype(np.uint8),
                                                            connectivity=8)
    reach = window_reach(labels.shape)
    widest = max(3, round(MAX_BAR_M * px_per_m))
    colour = to_linear(np.asarray(choice.colour, np.float32) / 255.0) * exposure(scene)
    height, width = labels.shape
    smallest = max(40, MIN_AREA_M2 * px_per_m ** 2)
    profile = max(1, round(PROFILE_M * px_per_m))
    framed = windows = 0
    for index in range(1, count):
        x, y, w, h, area = stats[index]
        if area < smallest:
            continue
        rows = slice(max(y - 3 * reach, 0), min(y + h + 3 * reach, height))
        cols = slice(max(x - 3 * reach, 0), min(x + w + 3 * reach, width))
        label = (ids[rows, cols] == index).astype(np.uint8)
        sure = 1.0 if trust is None else float(trust[rows, cols][label > 0].max())
        if sure == 0.0:
            continue
        lab = cv2.cvtColor(image[rows, cols].astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab)
        near = cv2.dilate(label, np.ones((2 * reach + 1, 2 * reach + 1), np.uint8)) > 0
        around = (cv2.dilate(label, np.ones((6 * reach + 1, 6 * reach + 1), np.uint8)) > 0) & ~near
        around &= labels[rows, cols] == LABEL_ID["wall"]
        wall = np.median(lab[around], axis=0) if around.sum() > 20 else None
        for window in windows_of(label, lab, wall, smallest):
            windows += 1
            frame = fitted_frame(lab, window, wall, reach, widest, profile)
            if frame is not None:
                _recolour(image, drawn, cover, (rows, cols), frame, colour, sure)
                framed += 1
    return NewFrames(drawn, cover, framed, windows, choice.type_id)


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
