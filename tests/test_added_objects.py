"""Added objects stand in the scene: checked in metres on street scenes drawn through a known camera
(`perspective_scenes`), against the true roof plane, ground and facade."""
from __future__ import annotations

import numpy as np
import pytest

from perspective_scenes import street
from renovate_net.catalog import load_catalog
from renovate_net.labels import LABEL_ID
from renovate_net.request import parse_request
from renovate_net.simulator.geometry import homography, to_image, to_plane_points
from renovate_net.simulator.panel_layout import MARGIN, PANEL_LONG, PANEL_SHORT, best_array, free_area
from renovate_net.simulator.renovation import RegionMissing, simulate
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
    across = np.linalg.norm(corners[:, 1] - corners[:, 0], axis=1)
    up = np.linalg.norm(corners[:, 3] - corners[:, 0], axis=1)
    sizes = np.sort(np.stack([across, up], 1), axis=1)
    if recession == 0.0:  # seen square on, the roof's pitch is read off its verges
        assert np.allclose(sizes, [PANEL_SHORT, PANEL_LONG], rtol=0.12)
    else:  # seen obliquely, a verge tells the pitch less precisely
        assert np.allclose(sizes[:, 1] / sizes[:, 0], PANEL_LONG / PANEL_SHORT, rtol=0.15)


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


def test_a_roof_band_too_thin_for_four_panels_is_refused_in_one_line():
    scene = street(pitch=8.0, rafter=1.6)  # a low roof seen almost edge-on from the street
    with pytest.raises(RegionMissing, match="no roof plane in view holds four whole solar panels") as refused:
        simulate(scene.image, scene.labels, parse_request(["solar-panels"]), np.random.default_rng(0))
    assert "\n" not in str(refused.value)
