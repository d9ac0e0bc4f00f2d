"""The renovation simulator on generated house scenes: every type edits its own region only, shows the
requested colour, combines independently of order, and is deterministic for a seed."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from renovate_net.catalog import load_catalog
from renovate_net.colour import srgb_to_lab
from renovate_net.simulator.canvas import exposure
from renovate_net.simulator.scene import DAYLIGHT_MEDIAN, analyse, luminance, to_srgb
from renovate_net.simulator.renovation import RegionMissing, added_objects, simulate, simulate_inverse
from renovate_net.simulator.synthetic import synthetic_house
from renovate_net.labels import LABEL_ID
from renovate_net.request import RenovationRequest, parse_request

CATALOG = load_catalog()
TYPES = CATALOG.type_ids
# The region a type may touch (dilated a little for soft edges and contact shadows).
REGION = {"facade-insulation": ["wall"], "facade-cladding": ["wall"], "windows": ["window"], "roof": ["roof"],
          "solar-panels": ["roof"], "pool": ["ground"], "driveway": ["ground"]}


@pytest.fixture(scope="module")
def scene():
    return synthetic_house(np.random.default_rng(2), (256, 256))


def _run(scene, types, materials=(), colours=(), seed=0):
    image, labels = scene
    return simulate(image, labels, parse_request(types, materials, colours), np.random.default_rng(seed))[:2]


def _near(labels, names, pixels=3):
    mask = np.isin(labels, [LABEL_ID[n] for n in names]).astype(np.uint8)
    return cv2.dilate(mask, np.ones((2 * pixels + 1, 2 * pixels + 1), np.uint8)) > 0


def _delta_e(rgb_a, rgb_b) -> float:
    lab = srgb_to_lab(np.array([rgb_a, rgb_b], np.float64) / 255.0)
    return float(np.linalg.norm(lab[0] - lab[1]))


def test_synthetic_house_has_every_label():
    for seed in range(5):
        image, labels = synthetic_house(np.random.default_rng(seed), (200, 160))
        assert image.shape == (160, 200, 3) and image.dtype == np.uint8 and labels.shape == (160, 200)
        assert set(np.unique(labels)) == set(range(8))


@pytest.mark.parametrize("type_id", TYPES)
def test_each_type_edits_its_region_and_nothing_else(scene, type_id):
    image, labels = scene
    visible = []
    for material in CATALOG.type(type_id).materials:
        after, mask = _run(scene, [type_id], [f"{type_id}={material.id}"])
        assert after.shape == image.shape and after.dtype == np.uint8
        assert mask.shape == labels.shape and mask.dtype == np.float32 and 0 <= mask.min() and mask.max() <= 1
        untouched = mask == 0
        assert np.array_equal(after[untouched], image[untouched])  # bit-exact outside the edit mask
        inside = mask >= 0.5
        assert inside.sum() > 50
        visible.append(np.abs(after.astype(int) - image.astype(int)).mean(axis=2)[inside].mean())
    # A material can match what is there already (dark frames -> anthracite frames); the others must show.
    assert np.median(visible) >= 8
    if type_id in REGION:
        assert (inside & ~_near(labels, REGION[type_id])).sum() <= 0.02 * inside.sum()
    else:  # garage: beside the house, standing on the ground line
        rows = np.nonzero(inside.any(axis=1))[0]
        assert abs(rows.max() - analyse(image, labels).base_y) <= 3
        assert (inside & (labels == LABEL_ID["window"])).sum() == 0


@pytest.mark.parametrize("type_id,material", [("facade-insulation", "render-cream"), ("facade-cladding", "brick-slip-red"),
                                              ("windows", "alu-black"), ("roof", "clay-tiles-red"),
                                              ("driveway", "clay-pavers")])
def test_material_colour_shows_in_the_edited_region(scene, type_id, material):
    image, labels = scene
    after, mask = _run(scene, [type_id], [f"{type_id}={material}"])
    target = CATALOG.type(type_id).material(material).colour
    edited = mask >= 0.99
    new, old = np.median(after[edited], axis=0), np.median(image[edited], axis=0)
    assert _delta_e(new, target) < 20
    assert _delta_e(new, target) < _delta_e(old, target)


@pytest.mark.parametrize("type_id", ["facade-insulation", "roof", "windows", "garage", "pool", "solar-panels",
                                     "driveway"])
def test_custom_colour_is_followed(scene, type_id):
    """A colour no material has (saturated green) turns the edit green, compared with the default colour."""
    def greenness(colours):
        after, mask = _run(scene, [type_id], colours=colours)
        edited = after[mask >= 0.99].astype(float)
        return float(np.mean(edited[:, 1] - (edited[:, 0] + edited[:, 2]) / 2))

    assert greenness([f"{type_id}=#20B040"]) > greenness([]) + 10


def test_materials_give_different_results(scene):
    a, _ = _run(scene, ["facade-cladding"], ["facade-cladding=brick-slip-red"])
    b, _ = _run(scene, ["facade-cladding"], ["facade-cladding=fibre-cement-anthracite"])
    wall = scene[1] == LABEL_ID["wall"]
    assert np.abs(a[wall].astype(int) - b[wall].astype(int)).mean() > 30


def test_combination_matches_singles_on_disjoint_regions(scene):
    types = ["windows", "roof", "driveway"]
    combined, combined_mask = _run(scene, types)
    masks = {t: _run(scene, [t])[1] for t in types}
    for type_id in types:
        single, mask = _run(scene, [type_id])
        alone = (mask > 0) & np.all([masks[o] == 0 for o in types if o != type_id], axis=0)
        assert alone.sum() > 50
        assert np.array_equal(combined[alone], single[alone])
    assert np.array_equal(combined_mask > 0, np.any([m > 0 for m in masks.values()], axis=0))


def test_type_order_never_changes_the_result(scene):
    image, labels = scene
    request = parse_request(["garage", "facade-insulation", "solar-panels"])
    reverse = RenovationRequest(tuple(reversed(request.choices)))
    a = simulate(image, labels, request, np.random.default_rng(5))
    b = simulate(image, labels, reverse, np.random.default_rng(5))
    c = _run(scene, ["solar-panels", "garage", "facade-insulation"], seed=5)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[0], c[0]) and np.array_equal(a[1], b[1])


def test_deterministic_for_a_seed(scene):
    a = _run(scene, ["facade-cladding", "pool"], seed=3)
    b = _run(scene, ["facade-cladding", "pool"], seed=3)
    c = _run(scene, ["facade-cladding", "pool"], seed=4)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])


def test_missing_region_is_reported(scene):
    image, labels = scene
    no_roof = np.where(labels == LABEL_ID["roof"], LABEL_ID["sky"], labels).astype(np.uint8)
    for type_id in ("roof", "solar-panels"):
        with pytest.raises(RegionMissing, match=type_id):
            simulate(image, no_roof, parse_request([type_id]), np.random.default_rng(0))


def test_inverse_trick_uses_the_real_wall_as_target(scene):
    image, labels = scene
    before, after, mask, request = simulate_inverse(image, labels, np.random.default_rng(0))
    assert np.array_equal(after, image)
    assert np.array_equal(before[mask == 0], image[mask == 0])
    (choice,) = request.choices
    assert choice.type_id in ("facade-insulation", "facade-cladding") and choice.custom_colour
    wall_median = np.median(image[labels == LABEL_ID["wall"]], axis=0)
    assert _delta_e(choice.colour, wall_median) < 1
    assert np.abs(before.astype(int) - after.astype(int))[mask >= 0.5].mean() >= 8


def test_rejects_mismatched_labels(scene):
    image, labels = scene
    with pytest.raises(ValueError, match="labels"):
        simulate(image, labels[:-1], parse_request(["roof"]), np.random.default_rng(0))


def test_windows_change_frames_and_leave_the_glass(scene):
    image, labels = scene
    after, mask = _run(scene, ["windows"], ["windows=pvc-white"])
    window = labels == LABEL_ID["window"]
    assert (mask[window] > 0).mean() > 0.15  # frames and mullions are repainted
    assert (mask[window] == 0).mean() > 0.3  # the panes between them are not
    glass = window & (mask == 0)
    assert np.array_equal(after[glass], image[glass])


def test_placement_marks_where_each_added_object_stands(scene):
    image, labels = scene
    request = parse_request(["facade-insulation", "solar-panels", "pool"])
    after, mask, placed = simulate(image, labels, request, np.random.default_rng(1))
    pool, solar = CATALOG.type("pool").index + 1, CATALOG.type("solar-panels").index + 1
    assert set(np.unique(placed)) == {0, pool, solar}
    assert (labels[placed == solar] == LABEL_ID["roof"]).all()  # panels on the roof, the pool on the ground
    assert np.isin(labels[placed == pool], [LABEL_ID["ground"], LABEL_ID["vegetation"]]).all()
    assert (mask[placed > 0] > 0).mean() > 0.95  # where an object stands, the photo changed
    changed_wall = (mask > 0) & (labels == LABEL_ID["wall"])
    assert changed_wall.any() and not (placed[changed_wall] > 0).any()  # a re-surfaced wall is not placed


def test_added_objects_alone_are_the_simulators_fixed_seed_layout(scene):
    image, labels = scene
    request = parse_request(["garage", "roof"])
    objects = added_objects(image, labels, request)
    again = added_objects(image, labels, request)  # a photo always gets the same layout
    assert np.array_equal(objects.placement, again.placement) and np.array_equal(objects.after, again.after)
    garage_only = simulate(image, labels, parse_request(["garage"]), np.random.default_rng(0))
    assert np.array_equal(objects.placement, garage_only.placement) and np.array_equal(objects.after, garage_only.after)
    assert (objects.placement == CATALOG.type("garage").index + 1).sum() > 100
    roof = labels == LABEL_ID["roof"]
    assert np.array_equal(objects.after[roof & (objects.placement == 0)], image[roof & (objects.placement == 0)])
    nothing = added_objects(image, labels, parse_request(["windows"]))
    assert not nothing.placement.any() and np.array_equal(nothing.after, image)
    with pytest.raises(RegionMissing):
        added_objects(image, np.full_like(labels, LABEL_ID["sky"]), parse_request(["pool"]))


def test_solar_layout_on_a_roof_sliver_finds_no_panels_instead_of_failing():
    # a roof band thinner than a panel, and an empty one: no block, no crash
    from renovate_net.simulator.geometry import Grid
    from renovate_net.simulator.panel_layout import best_array
    grid = Grid(0.0, 0.0, 20.0, (15, 200))
    assert best_array(np.ones((15, 200), bool), grid, 3) is None
    assert best_array(np.zeros((15, 200), bool), grid, 3) is None


def test_paving_fills_its_tinted_spots_but_not_a_lawn_island():
    # pale concrete whose faint green cast crosses the paving threshold in spots, with a lawn bed in it
    from renovate_net.simulator.canvas import Canvas
    from renovate_net.simulator.resurface import paved_ground
    labels = np.full((300, 400), LABEL_ID["ground"], np.uint8)
    labels[:30] = LABEL_ID["sky"]
    image = np.full((300, 400, 3), 215, np.uint8)
    image[46:58, 36:50] = (208, 220, 208)   # concrete with a green cast: green excess 0.047 and 0.039
    image[80:90, 96:108] = (208, 218, 208)
    image[60:72, 120:134] = (60, 140, 50)   # a lawn bed as small as the spots
    paved = paved_ground(Canvas.start(analyse(image, labels)))
    assert paved[46:58, 36:50].all() and paved[80:90, 96:108].all()
    assert not paved[62:70, 122:132].any()
    assert not paved[:30].any()


def test_a_night_photo_gets_new_surfaces_as_dim_as_its_light(scene):
    """The same house photographed at a tenth of daylight's light: every drawn surface is exposed at about a
    tenth as well (its lit wall no lighter than the old one's by more than the materials' albedos allow), so a
    night photo stays night; in daylight the exposure is unchanged."""
    image, labels = scene
    day = analyse(image, labels)
    dimmer = 0.1 * DAYLIGHT_MEDIAN / float(np.median(luminance(day.linear)))
    night = analyse((to_srgb(day.linear * dimmer) * 255).round().astype(np.uint8), labels)
    assert day.daylight == 1.0
    assert 0.08 < night.daylight < 0.12
    assert float(exposure(night).mean()) < 0.15 * float(exposure(day).mean())
