"""Materials drawn at full resolution: brick courses and boards at their real size, the asked colour, nothing
drawn outside the region, what stands in front of the wall kept, tiles and pavers as sharp as a photo."""
import cv2
import numpy as np
import pytest

from renovate_net.catalog import load_catalog
from renovate_net.colour import srgb_to_lab
from renovate_net.labels import LABEL_ID
from renovate_net.metrics import ciede2000
from renovate_net.render.foreground import objects_in_front
from renovate_net.render.surfaces import drawn_surface
from renovate_net.request import parse_request

WINDOW_PX = 182  # two windows this tall: 1.4 m each, so 130 px per metre and a 62 mm course of 8.06 px
COURSE_PX = 0.062 * WINDOW_PX / 1.4
CLADDING = load_catalog().type("facade-cladding")


def facade(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A beige rendered wall (fine grain) under a strip of sky, with two windows, and a wall-labelled white
    house number (10 x 14 px) on it."""
    height, width = 640, 800
    image = np.clip(rng.normal([200, 190, 170], 3.0, (height, width, 3)), 0, 255).astype(np.uint8)
    labels = np.full((height, width), LABEL_ID["wall"], np.uint8)
    image[:60], labels[:60] = (120, 170, 230), LABEL_ID["sky"]
    for left in (150, 550):
        image[200:200 + WINDOW_PX, left:left + 100] = (40, 50, 60)
        labels[200:200 + WINDOW_PX, left:left + 100] = LABEL_ID["window"]
    image[450:464, 380:390] = (250, 250, 250)
    return image, labels


@pytest.fixture(scope="module")
def bricks():
    image, labels = facade(np.random.default_rng(0))
    request = parse_request(["facade-cladding"], ["facade-cladding=brick-slip-red"])
    return image, labels, request.choices[0], drawn_surface(image, labels, CLADDING, request.choices[0])


def test_brick_courses_at_their_real_size_in_the_asked_colour(bricks):
    image, labels, choice, (drawn, cover) = bricks
    wall = drawn[80:180, 200:500].astype(np.float32).mean(axis=2)   # a plain stretch of wall, under the sky
    profile = wall.mean(axis=1) - wall.mean()
    spectrum = np.abs(np.fft.rfft(profile * np.hanning(len(profile))))
    frequency = np.fft.rfftfreq(len(profile))
    peak = frequency[1 + np.argmax(spectrum[1:])]
    assert abs(1.0 / peak - COURSE_PX) < 0.6                        # bed joints every course
    median = np.median(srgb_to_lab(drawn[80:180, 200:500].reshape(-1, 3) / 255.0), axis=0)
    assert ciede2000(median, srgb_to_lab(np.asarray(choice.colour) / 255.0)) < 6.0


def test_nothing_outside_the_wall_changes_and_a_small_bright_object_is_kept(bricks):
    image, labels, _, (drawn, cover) = bricks
    wall = labels == LABEL_ID["wall"]
    grown = cv2.dilate(wall.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0   # the edge's anti-aliasing
    assert np.array_equal(drawn[~grown], image[~grown]) and not cover[~grown].any()
    assert np.array_equal(drawn[451:463, 381:389], image[451:463, 381:389])    # the house number stays
    assert not cover[451:463, 381:389].any()
    assert cover[wall].mean() > 0.95


def test_the_drawing_is_the_same_every_time(bricks):
    image, labels, choice, (drawn, cover) = bricks
    again = drawn_surface(image, labels, CLADDING, choice)
    assert np.array_equal(again[0], drawn) and np.array_equal(again[1], cover)


def test_wood_boards_have_shadow_lines_at_their_real_width():
    image, labels = facade(np.random.default_rng(1))
    request = parse_request(["facade-cladding"], ["facade-cladding=wood-cladding"])
    drawn, _ = drawn_surface(image, labels, CLADDING, request.choices[0])
    profile = drawn[70:190, 200:500].astype(np.float32).mean(axis=(1, 2))
    board = 0.18 * WINDOW_PX / 1.4
    lag = np.array([np.corrcoef(profile[:-k], profile[k:])[0, 1] for k in range(10, 40)])
    assert abs(10 + int(np.argmax(lag)) - board) <= 1.5


def test_a_railing_is_an_object_and_an_old_brick_wall_is_texture():
    rng = np.random.default_rng(2)
    wall = np.ones((300, 400), bool)
    image = np.clip(rng.normal(180, 3.0, (300, 400, 3)), 0, 255).astype(np.uint8)
    image[150:240, 100:250:12] = 30                                 # balusters, 2 px every 12 px
    image[150:240, 101:250:12] = 30
    found = objects_in_front(image, wall, px_per_m=60.0)
    assert found[150:240, 100:250:12].mean() > 0.9 and found[:100].mean() < 0.01
    bricks = np.clip(rng.normal(150, 3.0, (300, 400, 3)), 0, 255).astype(np.uint8)
    bricks[::5] = 210                                               # mortar: bed joints every course ...
    for row in range(0, 300, 5):                                    # ... and head joints in running bond
        bricks[row:row + 5, (row // 5 % 2) * 7::14] = 210
    assert objects_in_front(bricks, wall, px_per_m=60.0).mean() < 0.05


def test_roof_tiles_in_rows_of_their_real_size_with_full_resolution_detail():
    image, labels = facade(np.random.default_rng(3))
    labels[60:200] = LABEL_ID["roof"]                               # a roof band above the windows
    image[60:200] = (110, 80, 70)
    roof = load_catalog().type("roof")
    request = parse_request(["roof"], ["roof=clay-tiles-red"])
    drawn, cover = drawn_surface(image, labels, roof, request.choices[0])
    assert cover[70:190].min() > 0.99 and not cover[220:].any()
    profile = drawn[70:190, 100:700].astype(np.float32).mean(axis=(1, 2))
    row = 0.33 * 0.6 * WINDOW_PX / 1.4                               # a 33 cm course, foreshortened by the pitch
    lag = np.array([np.corrcoef(profile[:-k], profile[k:])[0, 1] for k in range(12, 45)])
    assert abs(12 + int(np.argmax(lag)) - row) <= 2.0
    grey = drawn[70:190, 100:700].astype(np.float32).mean(axis=2)
    halved = cv2.resize(cv2.resize(grey, (300, 60), interpolation=cv2.INTER_AREA), (600, 120))
    detail = cv2.Laplacian(grey, cv2.CV_32F).std() / cv2.Laplacian(halved, cv2.CV_32F).std()
    assert detail > 3.0                           # drawn at full size: one drawn at half size and blown up gives 1.7


def test_a_framed_pane_the_segmenter_called_wall_keeps_the_photo():
    rng = np.random.default_rng(4)
    wall = np.ones((300, 400), bool)
    image = np.clip(rng.normal([200, 190, 170], 3.0, (300, 400, 3)), 0, 255).astype(np.uint8)
    image[100:190, 150:230] = (40, 40, 40)                          # a dark frame ...
    image[104:186, 154:226] = (120, 150, 190)                       # ... round glass showing the sky
    found = objects_in_front(image, wall, px_per_m=60.0)
    assert found[104:186, 154:226].all() and found[:80].mean() < 0.01
    image[104:186, 154:226] = (150, 142, 128)                       # a framed piece of the wall in shadow
    assert not objects_in_front(image, wall, px_per_m=60.0)[115:175, 165:215].any()
    image[:] = np.clip(rng.normal([150, 152, 160], 3.0, (300, 400, 3)), 0, 255)   # a beige wall in shade ...
    image[100:190, 150:230] = (40, 40, 40)
    image[104:186, 154:226] = (215, 196, 160)                       # ... and a framed piece of it in the sun
    assert not objects_in_front(image, wall, px_per_m=60.0)[115:175, 165:215].any()
    image[:] = np.clip(rng.normal([70, 72, 85], 3.0, (300, 400, 3)), 0, 255)       # the wall at dusk ...
    image[100:190, 150:230] = (20, 20, 20)
    image[104:186, 154:226] = (255, 225, 150)                       # ... and a lit room: glowing, still glass
    assert objects_in_front(image, wall, px_per_m=60.0)[115:175, 165:215].all()
