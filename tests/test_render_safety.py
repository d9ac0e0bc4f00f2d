"""Render safety: a re-surfacing edit keeps to the part of its region that surely is the house."""
import numpy as np

from renovate_net.labels import LABEL_ID, NUM_LABELS
from renovate_net.render.guidance import edit_gate
from renovate_net.render.safety import trusted_weight
from renovate_net.simulator.scene import house_columns
from renovate_net.request import parse_request

WALL, WINDOW, SKY = LABEL_ID["wall"], LABEL_ID["window"], LABEL_ID["sky"]


def scene(size: int = 4):
    """Labels at `size` x a 128x96 working size: a house wall with a window, a lamp post labelled wall, and a
    wall-labelled patch far off in the sky; sure probabilities (0.95) everywhere."""
    small = np.full((96, 128), SKY, np.uint8)
    small[40:96, 20:90] = WALL
    small[55:70, 40:60] = WINDOW
    small[30:96, 110:111] = WALL          # a post, 1 px wide at the working size
    small[5:12, 100:112] = WALL           # a cut-off patch, far from any house part
    return *sure(small, size), size


def sure(small: np.ndarray, size: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """(labels at `size` x the working size, the segmenter's probabilities: 0.95 for each pixel's label)."""
    probabilities = np.full((NUM_LABELS, *small.shape), 0.05 / NUM_LABELS, np.float32)
    for label in range(NUM_LABELS):
        probabilities[label][small == label] = 0.95
    return np.kron(small, np.ones((size, size), np.uint8)), probabilities


def test_thin_and_cut_off_parts_are_left_alone():
    labels, probabilities, k = scene()
    weight = trusted_weight(labels, "wall", probabilities[WALL])
    assert weight.shape == labels.shape and weight.dtype == np.float32
    assert (weight[60 * k:90 * k, 25 * k:35 * k] == 1).all()       # the house's wall: fully edited
    assert not weight[30 * k:96 * k, 110 * k:111 * k].any()        # the post stays
    assert not weight[5 * k:12 * k, 100 * k:112 * k].any()         # the patch in the sky stays
    assert not weight[labels != WALL].any()                        # never outside the full-size region


def test_unsure_pixels_fade_out():
    labels, probabilities, k = scene()
    probabilities[WALL][70:96, 20:50] = 0.5                        # the segmenter hesitates on the lower left
    probabilities[WALL][40:60, 70:90] = 0.65                       # and half-hesitates top right
    weight = trusted_weight(labels, "wall", probabilities[WALL])
    assert not weight[75 * k:96 * k, 22 * k:45 * k].any()
    middle = weight[44 * k:56 * k, 74 * k:86 * k]
    assert 0.4 < middle.mean() < 0.6


def test_a_drawn_material_trusts_each_part_whole_or_not_at_all():
    labels, probabilities, k = scene()
    probabilities[WALL][40:96, 20:90] = 0.62                       # the segmenter hesitates on the whole house
    drawn = trusted_weight(labels, "wall", probabilities[WALL], drawn=True)
    assert (drawn[60 * k:90 * k, 25 * k:35 * k] == 1).all()        # bricks over the whole wall, no ghost
    probabilities[WALL][40:96, 20:90] = 0.55                       # it hesitates more: the wall stays as it was
    assert not trusted_weight(labels, "wall", probabilities[WALL], drawn=True).any()
    assert trusted_weight(labels, "wall", probabilities[WALL]).max() < 0.2   # painted: faded, not cut


def test_the_gate_trusts_a_users_labels_as_they_are():
    labels, probabilities, k = scene()
    request = parse_request(["facade-insulation"])
    given, _ = edit_gate(labels, request)                           # `render --mask`: no probabilities
    assert (given[labels == WALL] == 1).all()
    guided, _ = edit_gate(labels, request, probabilities=probabilities)
    assert given[60 * k, 110 * k + 2] == 1 and guided[60 * k, 110 * k + 2] == 0   # the post: only the user's
    assert (guided <= given).all()


def test_only_the_house_the_photo_is_of_is_re_surfaced():
    """A neighbour's house across a gap of sky and a garden wall joining the house are left alone; a tree in front
    of the house splits no house."""
    small = np.full((96, 128), SKY, np.uint8)
    small[30:96, 30:96] = WALL                             # the house, in the middle
    small[30:96, 56:62] = LABEL_ID["vegetation"]           # a tree in front of it, wider than a labelling gap
    small[50:60, 40:48] = WINDOW                           # a window on each side of the tree
    small[50:60, 75:83] = WINDOW
    small[40:96, 108:128] = WALL                           # the neighbour's house, past a gap of sky
    small[55:65, 114:122] = WINDOW
    small[84:96, 0:30] = WALL                              # a garden wall, 1/6 of the house's height, joining it
    for row in range(14, 30):                              # its roof, tapering to eaves 10 px past the walls
        small[row, 20 + (30 - row) // 2:106 - (30 - row) // 2] = LABEL_ID["roof"]
    labels, probabilities = sure(small)
    weight = trusted_weight(labels, "wall", probabilities[WALL])
    assert (weight[64 * 4:90 * 4, 35 * 4:52 * 4] > 0.99).all() and (weight[64 * 4:90 * 4, 66 * 4:90 * 4] > 0.99).all()
    assert not weight[:, 104 * 4:].any()                   # the neighbour's house
    assert not weight[:, :24 * 4].any()                    # the garden wall
    roof = trusted_weight(labels, "roof", probabilities[LABEL_ID["roof"]], drawn=True)
    assert roof[26 * 4, 101 * 4] > 0.99                    # whole: its eave overhangs the walls
    windows = trusted_weight(labels, "window", probabilities[WINDOW], drawn=True)
    assert windows[55 * 4, 44 * 4] > 0.99 and windows[55 * 4, 78 * 4] > 0.99 and not windows[:, 104 * 4:].any()


def test_both_sides_of_a_street_of_facades_are_re_surfaced():
    """Two buildings as prominent as each other, left and right of a street: the photo is of both."""
    small = np.full((96, 128), SKY, np.uint8)
    small[10:80, 0:50] = WALL
    small[14:80, 78:128] = WALL
    small[30:40, 10:20] = WINDOW
    small[30:40, 100:110] = WINDOW
    labels, probabilities = sure(small)
    weight = trusted_weight(labels, "wall", probabilities[WALL])
    assert (weight[50 * 4:75 * 4, 5 * 4:45 * 4] > 0.99).all() and (weight[50 * 4:75 * 4, 83 * 4:123 * 4] > 0.99).all()


def test_a_building_only_at_the_photo_s_edge_is_not_cut_away():
    small = np.full((96, 128), SKY, np.uint8)
    small[30:96, 0:1] = WALL                               # a sliver of wall in the first column only
    assert house_columns(small).all()
