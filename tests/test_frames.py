"""New windows: the photo's own frames found and re-coloured at full size, the glass and the wall kept."""
from __future__ import annotations

import cv2
import numpy as np

from renovate_net.colour import srgb_to_lab
from renovate_net.labels import LABEL_ID
from renovate_net.render.frames import drawn_frames, lay_frames, new_frames
from renovate_net.render.surfaces import measure
from renovate_net.request import parse_request
from renovate_net.simulator.scene import analyse

ANTHRACITE = (0x38, 0x3E, 0x42)


def _window_on_a_wall(jambs: bool = True):
    """A beige wall with one window: a white frame 8 px wide with a mullion, blue glass darkening downward with a
    pale reflection, and a blobby window label (an ellipse a little inside the frame's outer edge)."""
    rng = np.random.default_rng(0)
    image = np.full((240, 320, 3), (196, 178, 150), np.float32)
    top, bottom, left, right, bar = 60, 180, 100, 220, 6
    glass = np.linspace(150, 90, bottom - top)[:, None, None] * np.array([0.6, 0.8, 1.0]) + 20
    image[top:bottom, left:right] = glass
    image[90:130, 120:140] = (205, 215, 225)  # a reflection of the sky in the glass
    white = (238, 238, 232)
    image[top:top + bar, left:right] = white
    image[bottom - bar:bottom, left:right] = white
    if jambs:
        image[top:bottom, left:left + bar] = white
        image[top:bottom, right - bar:right] = white
        image[top:bottom, 157:163] = white  # the mullion
    image = np.clip(image + rng.normal(0, 1.5, image.shape), 0, 255).astype(np.uint8)
    labels = np.full((240, 320), LABEL_ID["wall"], np.uint8)
    labels[:30] = LABEL_ID["sky"]
    label = np.zeros((240, 320), np.uint8)
    cv2.ellipse(label, (160, 120), (58, 58), 0, 0, 360, 1, -1)
    labels[label > 0] = LABEL_ID["window"]
    frame = np.zeros((240, 320), bool)
    frame[top:top + bar, left:right] = frame[bottom - bar:bottom, left:right] = True
    if jambs:
        frame[top:bottom, left:left + bar] = frame[top:bottom, right - bar:right] = frame[top:bottom, 157:163] = True
    return image, labels, frame, (slice(top, bottom), slice(left, right))


def test_the_frame_takes_the_new_colour_and_the_glass_and_wall_stay_bit_exact():
    image, labels, frame, window = _window_on_a_wall()
    scene = analyse(image, labels)
    choice = parse_request(["windows"], ["windows=alu-anthracite"]).choices[0]
    drawn, cover = drawn_frames(image, labels, choice, scene, px_per_m=60.0)
    inner = cv2.erode(frame.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0  # away from the anti-aliased edges
    assert (cover[inner] > 0.99).mean() > 0.9, "most of the frame, beyond the blobby label too, is re-coloured"
    lab = srgb_to_lab(drawn[inner].astype(np.float64) / 255.0)
    target = srgb_to_lab(np.asarray(ANTHRACITE, np.float64) / 255.0)
    assert np.median(np.abs(lab[:, 0] - target[0])) < 12  # dark, as asked, under the photo's light
    untouched = cover == 0
    assert np.array_equal(drawn[untouched], image[untouched])
    glass = np.zeros(labels.shape, bool)
    glass[window] = True
    glass &= ~cv2.dilate(frame.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    assert cover[glass].max() == 0, "the glass and its reflection keep the photo"
    wall = ~cv2.dilate(frame.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool) & ~glass
    assert cover[wall].max() == 0


def test_a_window_whose_frame_shows_on_one_side_only_is_left_whole():
    image, labels, _, _ = _window_on_a_wall(jambs=False)  # head and sill only: no upright bars
    scene = analyse(image, labels)
    choice = parse_request(["windows"]).choices[0]
    drawn, cover = drawn_frames(image, labels, choice, scene, px_per_m=60.0)
    assert not cover.any() and np.array_equal(drawn, image)


def test_frames_are_laid_only_for_a_windows_request_and_recorded_in_the_edit_mask():
    image, labels, frame, _ = _window_on_a_wall()
    measured = measure(image, labels)
    assert new_frames(image, labels, parse_request(["roof"]), measured) is None
    frames = new_frames(image, labels, parse_request(["windows"]), measured)
    assert frames is not None
    after, edit = image.copy(), np.zeros(labels.shape, np.uint8)
    lay_frames(image, after, edit, frames)
    changed = (after != image).any(axis=-1)
    assert changed[frame].mean() > 0.8
    assert np.array_equal(edit > 0, changed)  # the edit mask marks exactly the pixels that changed
