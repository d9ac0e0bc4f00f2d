"""Added objects stand in the scene: checked in metres on street scenes drawn through a known camera
(`perspective_scenes`), against the true roof plane, ground and facade."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from perspective_scenes import street
from renovate_net.catalog import load_catalog
from renovate_net.labels import LABEL_ID
from renovate_net.request import parse_request
from renovate_net.simulator.geometry import Plane, homography, to_image, to_plane_points
from renovate_net.simulator.panel_layout import MARGIN, PANEL_LONG, PANEL_SHORT, best_array, free_area
from renovate_net.simulator.renovation import RegionMissing, simulate
from renovate_net.simulator import roofplanes
from renovate_net.simulator.roofplanes import roof_planes
from renovate_net.simulator.scene import analyse

CATALOG = load_catalog()


def _panels_in_roof_metres(scene) -> list[np.ndarray]:
    """Every laid-out panel's four corners in the TRUE roof plane's metres (s across, t up the slope), per array."""
    estimated = analyse(scene.image, scene.labels)
    truth = homography(scene.camera, scene.roof)
    arrays = []
    for plane in roof_planes(estimated, scene.labels == LABEL_ID["roof"], scene.labels == LABEL_ID["vegetation"]):
        array = best_array(free_area(plane.mask, plane.grid), plane.grid, 8)
        if array is not None:
            s, t = array.corners()
            pixels = to_image(plane.h, s, t).reshape(-1, 2)
            arrays.append(to_plane_points(truth, pixels).reshape(-1, 4, 2))
    return arrays


@pytest.mark.parametrize("recession,pitch", [(0.0, 25.0), (0.0, 45.0), (-25.0, 35.0), (-10.0, 40.0), (20.0, 30.0)])
def test_panels_lie_whole_on_a_gabled_roof_in_perspective(recession, pitch):
    scene = street(recession=recession, pitch=pitch)
    arrays = _panels_in_roof_metres(scene)
    assert arrays and max(len(a) for a in arrays) >= 4
    corners = np.concatenate(arrays)
    half = scene.house_width / 2 + 0.3  # the roof overhangs the walls by 0.3 m
    slack = 0.15  # metres the estimated plane may be off at the roof's edges
    assert (np.abs(corners[..., 0]) <= half - MARGIN + slack).all()
    assert (corners[..., 1] >= MARGIN - slack).all() and (corners[..., 1] <= scene.rafter - MARGIN + slack).all()
    across = np.linalg.norm(corners[:, 1] - corners[:, 0], axis=1)  # along the eave: metres well measured
    up = np.linalg.norm(corners[:, 3] - corners[:, 0], axis=1)  # up the slope: as well as the pitch is read
    wide = np.median(across) > 1.4  # landscape
    assert np.allclose(across, PANEL_LONG if wide else PANEL_SHORT, rtol=0.1)
    tall = PANEL_SHORT if wide else PANEL_LONG
    if recession == 0.0:  # seen square on, the roof's pitch is read off its verges
        assert np.allclose(up, tall, rtol=0.12)
    else:  # seen obliquely, a verge tells the pitch less precisely
        assert np.all((up > 0.65 * tall) & (up < 1.5 * tall))


def test_panels_are_drawn_on_the_roof_with_a_cell_grid_and_nothing_else_changes():
    scene = street()
    result = simulate(scene.image, scene.labels, parse_request(["solar-panels"]), np.random.default_rng(0))
    panels = result.placement == CATALOG.type("solar-panels").index + 1
    assert panels.sum() > 500
    assert (scene.labels[panels] == LABEL_ID["roof"]).mean() > 0.99
    untouched = result.edit_mask == 0
    assert np.array_equal(result.after[untouched], scene.image[untouched])
    glass = result.after[panels].astype(np.float64)
    assert glass.mean() < scene.image[scene.labels == LABEL_ID["roof"]].mean()  # dark cells, not the old roof
    assert glass.std() > 4.0  # frames, cell lines and the sky's reflection, not one flat colour


def test_panels_go_on_the_house_the_photo_is_of_not_on_its_neighbour_s_roof():
    scene = street(house_width=4.5)
    image, labels = scene.image.copy(), scene.labels.copy()
    first = int(np.flatnonzero(np.isin(labels, [LABEL_ID["wall"], LABEL_ID["roof"]]).any(axis=0))[0])
    start = 465  # the neighbour's house, past 20 px of sky: the same house again, cut by the photo's edge
    image[:, start:] = scene.image[:, first - 2:first - 2 + 640 - start]
    labels[:, start:] = scene.labels[:, first - 2:first - 2 + 640 - start]
    result = simulate(image, labels, parse_request(["solar-panels"]), np.random.default_rng(0))
    panels = result.placement > 0
    assert panels[:, :start].sum() > 5000 and not panels[:, start:].any()


def test_a_roof_band_too_thin_for_four_panels_is_refused_in_one_line():
    scene = street(pitch=8.0, rafter=1.6)  # a low roof seen almost edge-on from the street
    with pytest.raises(RegionMissing, match="no roof plane in view holds four whole solar panels") as refused:
        simulate(scene.image, scene.labels, parse_request(["solar-panels"]), np.random.default_rng(0))
    assert "\n" not in str(refused.value)


def test_a_long_roof_seen_edge_on_holds_no_panels(monkeypatch):
    """A 10 degree roof 5 m deep seen from the street shows a band under 0.6 m of the facade's height: panels on it
    would read as a dark line (in photos, a low roof's fascia and tile ends), so it is no plane to draw on."""
    scene = street(pitch=10.0)
    estimated = analyse(scene.image, scene.labels)
    roof, trees = scene.labels == LABEL_ID["roof"], scene.labels == LABEL_ID["vegetation"]
    assert roof_planes(estimated, roof, trees) == []
    monkeypatch.setattr(roofplanes, "MIN_BAND", 0.0)
    assert len(roof_planes(estimated, roof, trees)) == 1  # the geometry alone would take it


def test_a_roof_keeps_its_region_when_the_wall_label_reaches_above_its_eave_line():
    """The eave line is fitted to the gutter's edge, a few px off the labels' boundary: wall pixels just above the
    line under the roof are the wall below the roof, not a wall above it that would end the roof's region there."""
    scene = street(pitch=30.0)
    estimated = analyse(scene.image, scene.labels)
    roof, trees = scene.labels == LABEL_ID["roof"], scene.labels == LABEL_ID["vegetation"]
    (plane,) = roof_planes(estimated, roof, trees)
    labels = scene.labels.copy()
    lowest = np.nonzero(roof.any(axis=1))[0][-1]
    for row in range(lowest - 2, lowest + 1):  # the wall label creeps 3 rows up into the roof's foot
        labels[row][roof[row]] = LABEL_ID["wall"]
    (crept,) = roof_planes(analyse(scene.image, labels), labels == LABEL_ID["roof"], trees)
    assert crept.region.sum() > 0.9 * plane.region.sum()


def test_pool_lies_in_the_lawn_never_on_the_street():
    scene = street(street_rows=0.08)  # a grey street across the bottom of the photo (2 m), the lawn behind it
    result = simulate(scene.image, scene.labels, parse_request(["pool"]), np.random.default_rng(0))
    pool = result.placement == CATALOG.type("pool").index + 1
    rows = np.nonzero(pool.any(axis=1))[0]
    assert pool.sum() > 200 and rows.max() < scene.image.shape[0] * 0.92  # not one pixel on the street
    assert np.isin(scene.labels[pool], [LABEL_ID["ground"]]).all()
    ys, xs = np.nonzero(pool)
    ground = to_plane_points(homography(scene.camera, Plane(np.zeros(3), np.array([1.0, 0, 0]), np.array([0, 0, 1.0]))),
                             np.stack([xs, ys], 1).astype(np.float64))
    extent = np.sort(np.ptp(ground, axis=0))  # metres: water and coping, across and ahead
    assert 2.5 <= extent[0] <= 4.9 and 4.5 <= extent[1] <= 8.9


def test_the_pool_mirrors_the_house_behind_it():
    """The same garden before a red house and before a blue one: the water shows each house upside down, so it is
    redder before the red one (a sky-coloured sticker would be the same in both)."""
    scene = street(street_rows=0.08)
    waters = []
    for colour in ((170, 60, 50), (50, 70, 170)):
        image = scene.image.copy()
        image[scene.labels == LABEL_ID["wall"]] = colour
        result = simulate(image, scene.labels, parse_request(["pool"]), np.random.default_rng(0))
        pool = result.placement == CATALOG.type("pool").index + 1
        water = result.after[cv2.erode(pool.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0].astype(np.float64)
        waters.append(water[:, 0].mean() - water[:, 2].mean())
    assert waters[0] - waters[1] > 15


def test_pool_is_refused_when_the_ground_is_all_paving():
    scene = street(street_rows=0.4)  # the paving reaches up to the house: a paved front yard and the street
    scene.image[scene.labels == LABEL_ID["ground"]] = (128, 128, 126)
    with pytest.raises(RegionMissing, match="no garden ground in view for a pool"):
        simulate(scene.image, scene.labels, parse_request(["pool"]), np.random.default_rng(0))


@pytest.mark.parametrize("recession", [0.0, 20.0])
def test_garage_stands_beside_the_house_mostly_in_frame_and_over_no_window(recession):
    scene = street(recession=recession, house_width=7.0, rafter=3.0)
    result = simulate(scene.image, scene.labels, parse_request(["garage"]), np.random.default_rng(0))
    garage = result.placement == CATALOG.type("garage").index + 1
    assert garage.sum() > 500
    assert not (garage & np.isin(scene.labels, [LABEL_ID["window"], LABEL_ID["door"]])).any()
    assert (garage & (scene.labels == LABEL_ID["wall"])).sum() < 0.05 * garage.sum()  # beside the house, not on it
    ys, xs = np.nonzero(garage)
    points = to_plane_points(homography(scene.camera, scene.facade), np.stack([xs, ys], 1).astype(np.float64))
    half = scene.house_width / 2
    outside = np.abs(points[:, 0]) >= half - 0.3  # metres along the house's front: past its corner
    assert outside.mean() > 0.95
    assert points[:, 1].min() > -0.3 and 2.4 <= points[:, 1].max() <= 3.6  # from the ground, about 2.8 m tall
    assert np.ptp(points[:, 0]) >= 0.7 * 3.4  # at least 70% of its front in the photo


def _garage_on_facade(scene) -> np.ndarray:
    """The garage's pixels in the TRUE facade plane's metres (s along the front from its middle, t up)."""
    result = simulate(scene.image, scene.labels, parse_request(["garage"]), np.random.default_rng(0))
    ys, xs = np.nonzero(result.placement == CATALOG.type("garage").index + 1)
    return to_plane_points(homography(scene.camera, scene.facade), np.stack([xs, ys], 1).astype(np.float64))


def test_hedges_at_the_corners_leave_the_garage_at_the_house_s_scale():
    """Hedges at the house's corners hide its ground line there and lift it; the garage is still drawn at the
    facade's scale (its depth is the facade's, from the windows), not as a small shed farther away."""
    points = _garage_on_facade(street(house_width=8.0, rafter=3.0, hedge=0.45))
    assert 2.4 <= np.ptp(points[:, 1]) <= 4.0  # 2.8 m, and a lean-to's rise
    assert 0.7 * 3.4 <= np.ptp(points[:, 0]) <= 6.5


def test_no_garage_under_the_house_s_roof():
    """A roof reaching 4 m past the walls (an upper storey or a carport over the yard beside the house) leaves no
    open ground beside the house: a garage there would stand under it, in front of the house."""
    scene = street(house_width=7.0, rafter=3.0, overhang=4.0)
    with pytest.raises(RegionMissing, match="no room beside the house for a garage"):
        simulate(scene.image, scene.labels, parse_request(["garage"]), np.random.default_rng(0))


def test_a_garage_front_has_a_downpipe_at_its_outer_end_and_a_lamp_by_the_house():
    """On the front's plane (metres, 1 cm per pixel): a dark vertical pipe 8 cm wide 14 cm in from the outer end,
    from the foot to the coping, and a lamp on the pier beside the house at about 2 m; the wall between stays."""
    from renovate_net.simulator.garage import COPING, LAMP, PIPE_INSET, _fittings, _openings
    from renovate_net.simulator.garage_site import GarageSite
    width, height = 3.4, 2.8
    t, s = np.mgrid[0:height:0.01, 0:width:0.01].astype(np.float32)
    foot = np.full(s.shape, 0.01, np.float32)
    site = GarageSite(Plane(np.zeros(3), np.array([1.0, 0, 0]), np.array([0, 1.0, 0])), np.eye(3), width, height,
                      np.zeros((2, 2), bool))
    wall = np.full(s.shape + (3,), 0.8, np.float32)
    rgb = wall.copy()
    _fittings(rgb, s, t, foot, foot, site, _openings(site, 1), 1.0, np.ones(3, np.float32))
    changed = np.abs(rgb - wall).max(axis=-1) > 0.05
    pipe = (np.abs(s - (width - PIPE_INSET)) < 0.03) & (t > 0.1) & (t < height - COPING - 0.05)
    assert changed[pipe].all() and rgb[pipe].mean() < 0.6
    lamp = (np.abs(s - 0.225) < 0.04) & (t > LAMP[2] + 0.02) & (t < LAMP[2] + LAMP[1] - 0.02)
    assert changed[lamp].all()
    assert not changed[(s > 0.6) & (s < 2.9)].any()  # the door's place and the wall around it are left to them


def test_a_garage_is_built_in_the_house_s_own_siding():
    """The house's front has horizontal siding: a dark groove every 0.2 m up. The garage's front shares the front's
    plane, so its piers show the same grooves at the same heights (the old drawing was smooth render)."""
    scene = street(house_width=7.0, rafter=3.0)
    to_facade = homography(scene.camera, scene.facade)
    wall = scene.labels == LABEL_ID["wall"]
    ys, xs = np.nonzero(wall)
    up = to_plane_points(to_facade, np.stack([xs, ys], 1).astype(np.float64))[:, 1]
    groove = lambda t: (np.mod(t, 0.2) < 0.06).astype(np.float32)  # noqa: E731
    scene.image[ys, xs] = (scene.image[ys, xs] * (1.0 - 0.45 * groove(up))[:, None]).astype(np.uint8)
    result = simulate(scene.image, scene.labels, parse_request(["garage"]), np.random.default_rng(0))
    ys, xs = np.nonzero(result.placement == CATALOG.type("garage").index + 1)
    s, t = to_plane_points(to_facade, np.stack([xs, ys], 1).astype(np.float64)).T
    corner = scene.house_width / 2
    pier = (np.abs(np.abs(s) - corner - 0.22) < 0.12) & (t > 0.3) & (t < 1.8)  # the pier by the house, no lamp
    assert pier.sum() > 50
    light = result.after[ys[pier], xs[pier]].astype(np.float32).mean(axis=1)
    assert np.corrcoef(light, groove(t[pier]))[0, 1] < -0.6  # dark where the house's grooves are


def test_a_garage_s_contact_shadow_starts_at_its_foot():
    """The ground right under the garage's front is darkened: no lit line between the garage and its shadow (a
    garage standing a few cm above the camera's ground plane left one 4 px tall on 184)."""
    scene = street(house_width=7.0, rafter=3.0)
    result = simulate(scene.image, scene.labels, parse_request(["garage"]), np.random.default_rng(0))
    garage = result.placement == CATALOG.type("garage").index + 1
    columns = np.flatnonzero(garage.sum(axis=0) > 20)
    columns = columns[len(columns) // 4: 3 * len(columns) // 4]  # away from its ends
    foot = np.array([np.flatnonzero(garage[:, x]).max() for x in columns])
    under = foot + 2  # the row under its anti-aliased edge
    below = scene.labels[under, columns] == LABEL_ID["ground"]
    before = scene.image[under, columns].astype(float).sum(axis=1)
    after = result.after[under, columns].astype(float).sum(axis=1)
    assert below.mean() > 0.9 and np.median(after / before) < 0.85  # the old code: 0.98


@pytest.mark.parametrize("slope", [0.0, 0.06, -0.04])
def test_a_roof_s_courses_give_its_direction(slope):
    """Rows of tiles run parallel to the eave: their slope is read over the whole roof (an eave line near the
    horizon, tilted a few pixels by a hip or a gutter, read as a roof turned 20 degrees on 127)."""
    from renovate_net.simulator.roofplanes import _courses
    rng = np.random.default_rng(0)
    labels = np.full((240, 320), LABEL_ID["sky"], np.uint8)
    labels[60:160, 20:300] = LABEL_ID["roof"]
    labels[160:, :] = LABEL_ID["wall"]
    rows, cols = np.mgrid[0:240, 0:320]
    courses = 150 + 50 * np.sin(2 * np.pi * (rows - slope * cols) / 9.0)  # a row of tiles every 9 px, shaded
    image = np.where(labels == LABEL_ID["roof"], courses, 150)[..., None].repeat(3, axis=2)
    image = np.clip(image + rng.normal(0, 6, image.shape), 0, 255).astype(np.uint8)
    measured = _courses(analyse(image, labels), labels == LABEL_ID["roof"])
    assert measured is not None and abs(measured[0] - slope) < 0.01
    smooth = np.clip(150 + rng.normal(0, 6, image.shape), 0, 255).astype(np.uint8)  # no courses: no direction
    assert _courses(analyse(smooth, labels), labels == LABEL_ID["roof"]) is None
