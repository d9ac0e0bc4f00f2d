"""Hand-drawn roof outlines (tools/roof_labels.py) and the pseudo-labels they split (tools/segmenter_pseudolabels.py)."""
import json
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
from roof_labels import load_roofs, roof_mask  # noqa: E402
from segmenter_pseudolabels import OUTLINE_BAND, outlined_labels  # noqa: E402

from renovate_net.data.segmentation import IGNORE  # noqa: E402
from renovate_net.labels import LABEL_ID  # noqa: E402

SQUARE = [[20, 20], [60, 20], [60, 60], [20, 60]]  # percent of width and height


def test_roof_mask_fills_the_polygon_in_percent_of_the_size():
    mask = roof_mask([SQUARE], 101, 201)
    assert mask.shape == (101, 201) and mask.dtype == bool
    assert mask[40, 80] and not mask[80, 80] and not mask[40, 160]
    assert mask[20:61, 40:121].all() and mask.sum() == 41 * 81


def test_no_polygons_means_no_roof():
    assert not roof_mask([], 10, 10).any()


@pytest.mark.parametrize("polygon", [[[10, 10], [20, 20]], [[10, 10], [20, 20], [30, 101]], [[10, 10, 5], [1, 2], [3, 4]]])
def test_load_roofs_rejects_bad_polygons(tmp_path, polygon):
    path = tmp_path / "roofs.json"
    path.write_text(json.dumps({"house": [polygon]}))
    with pytest.raises(ValueError, match="house"):
        load_roofs(path)


def test_load_roofs_reads_polygons_and_empty_lists(tmp_path):
    path = tmp_path / "roofs.json"
    path.write_text(json.dumps({"house": [SQUARE], "flat": []}))
    assert load_roofs(path) == {"house": [SQUARE], "flat": []}


def test_outlines_split_the_building_into_roof_and_wall():
    wall, roof, sky = LABEL_ID["wall"], LABEL_ID["roof"], LABEL_ID["sky"]
    labels = np.full((101, 101), wall, np.uint8)
    labels[:10] = sky
    confident = np.ones(labels.shape, bool)
    confident[90:, :5] = False
    image = np.zeros((202, 202, 3), np.uint8)  # the photo is twice the working size
    out = outlined_labels(image, labels.copy(), confident, [[[0, 0], [100, 0], [100, 50], [0, 50]]])
    assert out.shape == (202, 202)
    assert (out[:20] == sky).all()                      # not building: untouched
    assert (out[40:80] == roof).all()                   # building inside the outline, away from it
    assert (out[120:170, 20:] == wall).all()            # building outside it
    assert OUTLINE_BAND == 2
    assert (out[98:106, 20:180] == IGNORE).all()        # along the outline (working rows 49-52)...
    assert (out[94:98] == roof).all() and (out[106:110, 20:] == wall).all()  # ...and only there
    assert (out[182:, :8] == IGNORE).all()              # the model was unsure there
