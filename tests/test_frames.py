"""New windows: a new frame fitted to the photo's own at full size, the glass, the casing and the wall kept."""
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


def _window_on_a_wall(jambs: bool = True, bar: int = 6, shutters: bool = False):
    """A beige wall with one window: a white frame `bar` px wide with a mullion, blue glass darkening downward
    with a pale reflection, and a blobby window label (an ellipse a little inside the frame's outer edge, or
    taking in half of each shutter), optionally between two dark shutters."""
    rng = np.random.default_rng(0)
    image = np.full((240, 320, 3), (196, 178, 150), np.float32)
    top, bottom, left, right = 60, 180, 100, 220
    if shutters:
        for side in (slice(left - 40, left - 6), slice(right + 6, right + 40)):
            image[top:bottom, side] = (60, 72, 84)
            image[top:bottom, side.start + 3:side.stop - 3] = (72, 84, 96)  # the shutter's panel inside its stiles
    glass = np.linspace(150, 90, bottom - top)[:, None, None] * np.array([0.6, 0.8, 1.0]) + 20
    image[top:bottom, left:right] = glass
    image[90:130, 128:148] = (205, 215, 225)  # a reflection of the sky in the glass
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
    cv2.ellipse(label, (160, 120), (78 if shutters else 58, 58), 0, 0, 360, 1, -1)
    labels[label > 0] = LABEL_ID["window"]
    frame = np.zeros((240, 320), bool)
    frame[top:top + bar, left:right] = frame[bottom - bar:bottom, left:right] = True
    if jambs:
        frame[top:bottom, left:left + bar] = frame[top:bottom, right - bar:right] = True
        frame[top:bottom, 157:163] = True
    return image, labels, frame, (slice(top, bottom), slice(left, right))


def test_the_frame_takes_the_new_colour_and_the_glass_and_wall_stay_bit_exact():
    image, labels, frame, window = _window_on_a_wall()
    scene = analyse(image, labels)
    choice = parse_request(["windows"], ["windows=alu-anthracite"]).choices[0]
    frames = drawn_frames(image, labels, choice, scene, px_per_m=60.0)
    drawn, cover = frames.drawn, frames.cover
    assert (frames.framed, frames.windows, frames.type_id) == (1, 1, "windows") and frames.note() is None
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
    frames = drawn_frames(image, labels, choice, scene, px_per_m=60.0)
    assert not frames.cover.any() and np.array_equal(frames.drawn, image)
    assert (frames.framed, frames.windows) == (0, 1) and "left as they were" in frames.note()


def test_a_new_frame_is_a_window_maker_s_width_and_the_casing_around_it_stays():
    image, labels, frame, window = _window_on_a_wall(bar=11)  # a white frame with its casing: 11 px = 0.18 m
    choice = parse_request(["windows"], ["windows=alu-anthracite"]).choices[0]
    frames = drawn_frames(image, labels, choice, analyse(image, labels), px_per_m=60.0)
    new = frames.cover > 0.99
    band = lambda lo, hi: (slice(100, 140), slice(100 + lo, 100 + hi))  # columns into the left jamb
    assert new[band(5, 11)].all(), "the new frame lies against the glass, 0.1 m wide"
    assert not frames.cover[band(0, 4)].any(), "the casing beyond it keeps the photo"
    assert new[100:140, 157:163].all(), "the mullion is new too"


def test_a_new_frame_follows_the_window_s_own_frame_not_the_shutters_the_label_takes_in():
    image, labels, frame, _ = _window_on_a_wall(shutters=True)
    choice = parse_request(["windows"], ["windows=alu-anthracite"]).choices[0]
    frames = drawn_frames(image, labels, choice, analyse(image, labels), px_per_m=60.0)
    inner = cv2.erode(frame.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    assert (frames.cover[inner] > 0.99).mean() > 0.9
    assert not frames.cover[:, :97].any() and not frames.cover[:, 223:].any(), "the shutters keep the photo"


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


def test_two_windows_under_one_label_get_a_frame_each_and_the_pier_between_stays():
    image, labels, _, _ = _window_on_a_wall()
    image[60:180, 150:170] = image[60:180, 60:80]  # a pier of the wall's own colour between two windows
    image[60:180, 144:150] = image[60:180, 170:176] = (238, 238, 232)  # each window's jamb beside the pier
    choice = parse_request(["windows"], ["windows=alu-anthracite"]).choices[0]
    frames = drawn_frames(image, labels, choice, analyse(image, labels), px_per_m=60.0)
    assert (frames.framed, frames.windows) == (2, 2)
    assert not frames.cover[:, 151:169].any(), "the pier is wall, not a frame"
    assert (frames.cover[70:170, 145:149] > 0.99).all() and (frames.cover[70:170, 171:175] > 0.99).all()


def test_a_glass_facade_labelled_one_window_tries_only_the_bars_at_its_edges(monkeypatch):
    """A curtain wall or a blind gives dozens of bars; every rectangle of them (hundreds of thousands) once took a
    render past 24 GB. Only the bars nearest the label's sides can be its frame's."""
    from renovate_net.render import frame_fit
    window = np.zeros((500, 500), np.uint8)
    window[20:480, 20:480] = 1
    bars = [(20 + 11 * i, 23 + 11 * i, 20, 480) for i in range(42)]   # a mullion every 11 px, the label's height
    rails = [(20 + 11 * i, 23 + 11 * i, 20, 480) for i in range(42)]
    tried = []
    real = frame_fit._outline_match
    monkeypatch.setattr(frame_fit, "_outline_match", lambda *args: tried.append(1) or real(*args))
    outlines = frame_fit._outlines(bars, rails, frame_fit._Label.of(window), gap=6)
    assert len(tried) <= (frame_fit.EDGE_BARS * (frame_fit.EDGE_BARS - 1) // 2) ** 2
    left, right, top, bottom = outlines[0][1]
    assert left[0] == 20 and right[1] == 23 + 11 * 41 and top[0] == 20 and bottom[1] == 23 + 11 * 41
