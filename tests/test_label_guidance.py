"""The edit gate and the colour lock that steer a render by the facade labels."""
import numpy as np

from renovate_net import metrics
from renovate_net.colour import linear_to_srgb, srgb_to_lab, srgb_to_linear
from renovate_net.render.guidance import (GATE_MARGIN, HUE_SLACK, edit_gate, hold_hue, lightness_ceiling,
                                         lock_colours)
from renovate_net.labels import LABEL_ID
from renovate_net.request import parse_request
from renovate_net.simulator.resurface import photo_leaves
from renovate_net.simulator.scene import (BRIGHTEST_WALL, DAYLIGHT_MEDIAN, MIN_DAYLIGHT, daylight_share, to_linear,
                                          to_srgb)


def facade_labels() -> np.ndarray:
    labels = np.full((40, 60), LABEL_ID["sky"], np.uint8)
    labels[10:30, 10:50] = LABEL_ID["wall"]
    labels[15:20, 20:25] = LABEL_ID["window"]
    labels[30:] = LABEL_ID["ground"]
    return labels


def test_gate_is_the_resurfaced_regions_plus_a_margin():
    labels = facade_labels()
    gate, shadow = edit_gate(labels, parse_request(["facade-insulation", "windows"]))
    assert gate[labels == LABEL_ID["wall"]].all()
    assert gate[17, 22] == 0  # the window's middle, beyond the wall's margin: render lays new frames itself
    assert not gate[:10 - GATE_MARGIN].any() and not gate[30 + GATE_MARGIN:].any()
    assert gate[10 - GATE_MARGIN, 30] and not gate[10 - GATE_MARGIN - 1, 30]
    assert shadow is None  # nothing is added, so nothing casts a shadow


def test_leaves_in_front_of_the_wall_stay_out_of_the_gate():
    """A tree the labels lump into the wall: its clearly green leaves (photo_leaves) are not repainted, the
    wall beside them is; on the ground (a lawn beside a new driveway) leaves are not taken out."""
    labels = facade_labels()
    photo = np.full((40, 60, 3), (200, 190, 170), np.uint8)   # a beige wall ...
    photo[12:28, 30:45] = (60, 140, 40)                       # ... with a tree in front, labelled wall
    photo[32:, :] = (70, 150, 50)                             # a lawn, labelled ground
    assert photo_leaves(photo)[14:26, 32:43].all()
    gate, _ = edit_gate(labels, parse_request(["facade-insulation", "driveway"]), photo=photo)
    assert not gate[14:26, 32:43].any()
    assert gate[23:28, 10:28].all() and gate[10:28, 10:18].all()
    assert gate[34:, :].all()


def test_no_gate_when_an_additive_type_is_asked_without_its_placement():
    assert edit_gate(facade_labels(), parse_request(["facade-insulation", "pool"]))[0] is None


def test_a_placed_object_opens_the_gate_around_its_footprint(monkeypatch):
    """With a shadow-casting object (the shipped catalog's objects draw their own shadows today, so a garage that
    casts one is made here), the gate opens around its footprint; an object that casts none opens only a margin."""
    import dataclasses

    from renovate_net.catalog import load_catalog
    from renovate_net.render import guidance
    from renovate_net.render.guidance import SHADOW_REACH

    shipped = load_catalog()
    casting = dataclasses.replace(shipped, types=tuple(
        dataclasses.replace(t, casts_shadow=t.id == "garage") for t in shipped.types))
    monkeypatch.setattr(guidance, "load_catalog", lambda: casting)

    labels = np.full((100, 200), LABEL_ID["ground"], np.uint8)
    labels[:40] = LABEL_ID["wall"]
    placement = np.zeros_like(labels)
    placement[60:80, 50:100] = load_catalog().type("garage").index + 1
    gate, shadow = edit_gate(labels, parse_request(["facade-insulation", "garage"]), placement)
    reach = round(SHADOW_REACH * 200)
    assert gate[:40].all() and gate[40 + GATE_MARGIN - 1, 150] and not gate[40 + GATE_MARGIN, 150]
    assert gate[60 - reach:80 + reach, 50 - reach:100 + reach].all()
    assert gate.sum() == 40 * 200 + 200 * GATE_MARGIN + (20 + 2 * reach) * (50 + 2 * reach)
    assert not edit_gate(labels, parse_request(["pool"]), placement)[0].any()  # the garage's footprint is not the pool's
    assert shadow.sum() == (20 + 2 * reach) * (50 + 2 * reach) - 20 * 50  # the ring around the footprint only
    assert not shadow[60:80, 50:100].any() and not shadow[:40 + GATE_MARGIN].any()
    # An in-ground pool casts no shadow: only the feathering margin around it.
    placement[60:80, 50:100] = load_catalog().type("pool").index + 1
    _, pool = edit_gate(labels, parse_request(["pool"]), placement)
    assert pool.sum() == (20 + 2 * GATE_MARGIN) * (50 + 2 * GATE_MARGIN) - 20 * 50


def test_lock_moves_the_lit_half_onto_the_asked_colour_and_keeps_shading(rng):
    labels = facade_labels()
    shading = np.linspace(0.5, 1.0, 60)[None, :, None]
    rgb = np.broadcast_to(np.array([0.3, 0.6, 0.2]) * shading, (40, 60, 3)).astype(np.float32)
    alpha = np.ones((40, 60), np.float32)
    request = parse_request(["facade-insulation"], colours=["facade-insulation=#B03A2E"])
    out = lock_colours(rgb, alpha, labels, request)
    wall = labels == LABEL_ID["wall"]
    lab = srgb_to_lab(out[wall].astype(np.float64))
    lit = np.median(lab[lab[:, 0] >= np.median(lab[:, 0])], axis=0)
    assert metrics.ciede2000(lit, srgb_to_lab(np.array([0xB0, 0x3A, 0x2E]) / 255.0)) < 1.0
    assert np.array_equal(out[~wall], rgb[~wall])                                   # other regions untouched
    assert np.all(np.diff(srgb_to_lab(out[20, 10:50].astype(np.float64))[:, 0]) > 0)  # light still grows


def test_in_a_dim_photo_the_lock_stays_below_the_photos_own_highlights():
    labels = facade_labels()
    rgb = np.full((40, 60, 3), 0.5, np.float32)
    request = parse_request(["facade-cladding"], ["facade-cladding=brick-slip-yellow"])
    asked = srgb_to_lab(np.asarray(request.choices[0].colour) / 255.0)[0]
    daylight, dusk = np.full((40, 60, 3), 0.6), np.full((40, 60, 3), 0.6)
    daylight[:5], dusk[:5] = 1.0, 0.7                                   # the sky: bright, or a dim dusk sky
    assert lightness_ceiling(daylight) > 99.9
    assert lightness_ceiling(dusk) < min(asked, srgb_to_lab(np.full(3, 0.7))[0]) - 5   # below the sky and the asked
    out = lock_colours(rgb, np.ones((40, 60), np.float32), labels, request, lightness_ceiling(dusk))
    lab = srgb_to_lab(out[labels == LABEL_ID["wall"]].astype(np.float64))
    assert abs(np.median(lab[lab[:, 0] >= np.median(lab[:, 0])], axis=0)[0] - lightness_ceiling(dusk)) < 0.5


def test_lock_leaves_window_frames_and_additive_types_as_generated():
    labels = facade_labels()
    rgb = np.full((40, 60, 3), 0.4, np.float32)
    out = lock_colours(rgb, np.ones((40, 60), np.float32), labels, parse_request(["windows", "solar-panels"]))
    assert np.array_equal(out, rgb)


def test_a_render_goes_from_the_old_colour_toward_the_new_one_never_to_a_third_hue():
    labels = facade_labels()
    wall = labels == LABEL_ID["wall"]
    photo = np.broadcast_to(np.array([0.45, 0.3, 0.2], np.float32), (40, 60, 3)).copy()   # brown trim
    halfway = 0.5 * (photo + 0.95)                                                      # toward white render
    mauve = np.broadcast_to(np.array([0.55, 0.45, 0.6], np.float32), (40, 60, 3)).copy()
    request = parse_request(["facade-insulation"], colours=["facade-insulation=#F2F2F2"])
    held = hold_hue(mauve, photo, labels, request)
    lab, before = srgb_to_lab(held[wall].astype(np.float64)), srgb_to_lab(photo[wall].astype(np.float64))
    blue = srgb_to_lab(mauve[wall].astype(np.float64))[:, 2]
    assert (blue < -HUE_SLACK - 5).all()                                  # the generator strayed well off the way
    assert (lab[:, 2] >= -HUE_SLACK - 0.5).all() and (lab[:, 2] <= before[:, 2]).all()  # now within the slack
    assert np.allclose(lab[:, 0], srgb_to_lab(mauve[wall].astype(np.float64))[:, 0], atol=0.5)  # its lightness kept
    assert np.array_equal(held[~wall], mauve[~wall])
    on_the_way = hold_hue(halfway, photo, labels, request)
    assert np.abs(on_the_way - halfway).max() < 0.01                    # a colour already on the way stays


def test_at_night_the_lock_shows_the_asked_colour_under_the_photo_s_share_of_daylight():
    """A white render asked for in a photo lit at a tenth of daylight is the white's light times a tenth (a light
    grey), not daylight white; in daylight the share is 1 and the asked colour is kept."""
    labels = facade_labels()
    rgb = np.full((40, 60, 3), 0.2, np.float32)
    request = parse_request(["facade-insulation"], colours=["facade-insulation=#F2F0EA"])
    night = np.full((40, 60, 3), to_srgb(np.float32(0.1 * DAYLIGHT_MEDIAN)), np.float32)
    day = np.full((40, 60, 3), to_srgb(np.float32(2.0 * DAYLIGHT_MEDIAN)), np.float32)
    assert daylight_share(to_linear(day)) == 1.0
    share = daylight_share(to_linear(night))
    assert abs(share - 0.1) < 0.01
    out = lock_colours(rgb, np.ones((40, 60), np.float32), labels, request, daylight=share)
    lab = srgb_to_lab(out[labels == LABEL_ID["wall"]].astype(np.float64))
    lit = np.median(lab[lab[:, 0] >= np.median(lab[:, 0])], axis=0)
    asked = srgb_to_linear(np.array([0xF2, 0xF0, 0xEA]) / 255.0)
    assert abs(lit[0] - srgb_to_lab(linear_to_srgb(asked * share))[0]) < 0.5   # about L* 37, not 95


def test_a_floodlit_wall_in_a_dark_street_counts_its_own_light():
    """Most of the photo is night-dark, but the wall is floodlit: the wall's light is at least its luminance over
    the lightest wall's albedo, so a new render there is not drawn darker than the old wall could be lit."""
    labels = facade_labels()
    photo = np.full((40, 60, 3), 0.005, np.float32)          # linear: a dark street and sky
    photo[labels == LABEL_ID["wall"]] = 0.34                 # the floodlit wall
    assert daylight_share(photo) == MIN_DAYLIGHT               # by the photo's median alone: the darkest night
    assert abs(daylight_share(photo, labels) - 0.34 / BRIGHTEST_WALL) < 0.01
