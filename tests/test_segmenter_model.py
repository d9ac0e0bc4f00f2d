"""The segmenter network, its ImageNet initialisation, its loss and its measures."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from renovate_net.data.segmentation import IGNORE, WALL_OR_ROOF
from renovate_net.engine.segmenter_metrics import confusion, dice_loss, iou_table, segmentation_loss
from renovate_net.labels import LABEL_ID, NUM_LABELS
from renovate_net.models import create
from renovate_net.models.pretrained import imagenet_state_dict, map_by_position


def tiny(arch: str = "fpn_lite0", **kwargs):
    return create("segmenter", arch, pyramid_channels=32, segmentation_channels=32, **kwargs)


@pytest.mark.parametrize("arch,variant", [("fpn_lite0", "lite0"), ("fpn_lite1", "lite1"), ("fpn_lite2", "lite2")])
def test_imagenet_weights_cover_the_encoder_and_load_exactly(arch, variant):
    model = tiny(arch, pretrained=True)
    weights = imagenet_state_dict(variant)
    encoder = model.encoder.state_dict()
    assert len(encoder) > 250  # every conv and batch-norm tensor of the backbone, not a handful
    for key, value in encoder.items():
        assert value.shape == weights[key].shape, key
        assert torch.equal(value, weights[key]), key
    untrained = tiny(arch, pretrained=False).encoder.state_dict()
    assert not torch.equal(untrained["conv_stem.weight"], weights["conv_stem.weight"])


def test_weight_mapping_refuses_a_shape_mismatch_and_a_count_mismatch():
    source = {"a": torch.zeros(3, 4), "b": torch.zeros(5)}
    assert list(map_by_position(source, {"x": torch.ones(3, 4), "y": torch.ones(5)})) == ["x", "y"]
    with pytest.raises(ValueError, match="does not fit"):
        map_by_position(source, {"x": torch.ones(4, 3), "y": torch.ones(5)})
    with pytest.raises(ValueError, match="2 source tensors for 1 target"):
        map_by_position(source, {"x": torch.ones(3, 4)})


def test_forward_shape_and_every_parameter_gets_a_gradient():
    model = tiny().train()
    logits = model(torch.rand(2, 3, 64, 96))
    assert logits.shape == (2, NUM_LABELS, 64, 96) and torch.isfinite(logits).all()
    logits.square().mean().backward()
    missing = [name for name, p in model.named_parameters() if p.grad is None or not p.grad.abs().sum() > 0]
    assert not missing, missing[:5]


def test_input_must_be_a_multiple_of_32():
    with pytest.raises(ValueError, match="multiple of 32"):
        tiny()(torch.rand(1, 3, 64, 70))


def _logits_for(label: int, shape=(1, 2, 2)) -> torch.Tensor:
    logits = torch.zeros(shape[0], NUM_LABELS, *shape[1:])
    logits[:, label] = 5.0
    return logits


def test_building_pixels_accept_wall_or_roof_and_ignore_is_ignored():
    weights = torch.ones(NUM_LABELS)
    building = torch.full((1, 2, 2), WALL_OR_ROOF)
    as_wall = segmentation_loss(_logits_for(LABEL_ID["wall"]), building, weights)
    as_roof = segmentation_loss(_logits_for(LABEL_ID["roof"]), building, weights)
    as_sky = segmentation_loss(_logits_for(LABEL_ID["sky"]), building, weights)
    assert torch.isclose(as_wall, as_roof) and as_wall < 0.05 < as_sky
    # an exact wall label does punish roof
    wall = torch.full((1, 2, 2), LABEL_ID["wall"])
    assert segmentation_loss(_logits_for(LABEL_ID["roof"]), wall, weights) > 1.0
    mixed = torch.tensor([[[LABEL_ID["sky"], IGNORE], [IGNORE, IGNORE]]])
    assert segmentation_loss(_logits_for(LABEL_ID["sky"]), mixed, weights) < 0.05


def test_dice_term_measures_overlap_with_roof_as_wall_and_ignores_ignore():
    target = torch.tensor([[[WALL_OR_ROOF, LABEL_ID["roof"], LABEL_ID["window"], IGNORE]]])
    right = torch.zeros(1, NUM_LABELS, 1, 4)
    for column, label in enumerate([LABEL_ID["roof"], LABEL_ID["wall"], LABEL_ID["window"], LABEL_ID["sky"]]):
        right[0, label, 0, column] = 20.0
    assert dice_loss(right, target) < 1e-3  # roof and wall are one class here; the ignored pixel counts for nothing
    wrong = right.clone()
    wrong[0, :, 0, 2] = 0
    wrong[0, LABEL_ID["wall"], 0, 2] = 20.0  # the window called wall
    assert dice_loss(wrong, target) > 0.3


def test_class_weights_weigh_the_loss():
    target = torch.tensor([[[LABEL_ID["door"], LABEL_ID["sky"]]]])
    logits = _logits_for(LABEL_ID["sky"], (1, 1, 2))
    plain = segmentation_loss(logits, target, torch.ones(NUM_LABELS))
    weights = torch.ones(NUM_LABELS)
    weights[LABEL_ID["door"]] = 3.0
    assert segmentation_loss(logits, target, weights) > plain


def test_iou_counts_roof_as_wall_and_means_six_classes():
    truth = np.array([[2, 2, 1, 1], [4, 4, 7, 7]], np.uint8)
    predicted = np.array([[3, 2, 1, 2], [4, 0, 7, 7]], np.uint8)
    table = iou_table(confusion(truth, predicted))
    assert table["iou_wall"] == pytest.approx(2 / 3)   # roof at (0,0) counts as a wall hit; (0,3) is a false wall
    assert table["iou_sky"] == pytest.approx(1 / 2)
    assert table["iou_window"] == pytest.approx(1 / 2)
    assert table["iou_ground"] == pytest.approx(1.0)
    assert np.isnan(table["iou_door"]) and np.isnan(table["iou_vegetation"])
    assert table["miou"] == pytest.approx(np.mean([2 / 3, 1 / 2, 1 / 2, 1.0]))
    assert table["pixel_accuracy"] == pytest.approx(6 / 8)
