"""The request conditions the output: no types => the input comes back bit-exact; another material or
colour => another output; the region prior covers exactly what the requested types edit."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from model_fixtures import CATALOG, SMALL, batch, run_generator
from renovate_net.labels import LABEL_ID, NUM_LABELS
from renovate_net.models import available, create
from renovate_net.colour import srgb_to_lab
from renovate_net.models.conditioning import request_maps, scaled_lab, type_region_matrix
from renovate_net.models.generator import composite, gated_alpha
from renovate_net.request import condition_arrays, parse_request


def request_batch(types, materials=(), colours=(), size=64) -> dict[str, torch.Tensor]:
    b = batch(size=size, n=1)
    arrays = condition_arrays(parse_request(types, materials, colours)) if types else None
    if arrays is None:
        b["active"] = torch.zeros(1, len(CATALOG.types))
        return b
    b.update({key: torch.from_numpy(value)[None] for key, value in arrays.items()})
    return b


@pytest.mark.parametrize("name", available("generator"))
def test_no_types_returns_the_input_bit_exact(name):
    torch.manual_seed(0)
    model = create("generator", name, **SMALL[("generator", name)]).eval()
    b = request_batch([])
    with torch.no_grad():
        out = run_generator(model, b)
    assert not out["alpha"].any()
    assert torch.equal(out["after"], b["before"])


def test_two_materials_give_two_outputs():
    torch.manual_seed(0)
    model = create("generator", "attention_unet", **SMALL[("generator", "attention_unet")]).eval()
    with torch.no_grad():
        model.head.bias[3] = 5.0  # alpha wide open, so the outputs show the rgb head
        red = run_generator(model, request_batch(["facade-cladding"], ["facade-cladding=brick-slip-red"]))
        wood = run_generator(model, request_batch(["facade-cladding"], ["facade-cladding=wood-cladding"]))
    assert red["alpha"].any()
    assert (red["after"] - wood["after"]).abs().max() > 1e-3


def test_custom_colour_changes_the_output():
    torch.manual_seed(0)
    model = create("generator", "attention_unet", **SMALL[("generator", "attention_unet")]).eval()
    with torch.no_grad():
        white = run_generator(model, request_batch(["facade-insulation"]))
        pink = run_generator(model, request_batch(["facade-insulation"], colours=["facade-insulation=#FF66AA"]))
    assert (white["rgb"] - pink["rgb"]).abs().max() > 1e-4


def test_alpha_dead_zone_gives_exact_zeros_and_ones():
    logits = torch.tensor([[-10.0, -4.7, 0.0, 4.7, 10.0]]).view(1, 1, 1, 5)
    alpha = gated_alpha(logits, torch.ones(1, 3), dead_zone=0.01)
    assert alpha[0, 0, 0, 0] == 0 and alpha[0, 0, 0, 1] == 0 and alpha[0, 0, 0, 4] == 1
    assert 0.4 < alpha[0, 0, 0, 2] < 0.6
    assert not gated_alpha(logits, torch.zeros(1, 3), dead_zone=0.01).any()


def test_composite_copies_untouched_pixels_bit_exact():
    before = torch.rand(1, 3, 8, 8)
    alpha = torch.zeros(1, 1, 8, 8)
    alpha[..., :4, :] = 0.5
    after = composite(before, torch.rand(1, 3, 8, 8), alpha)
    assert torch.equal(after[..., 4:, :], before[..., 4:, :])
    assert not torch.equal(after[..., :4, :], before[..., :4, :])


def test_request_maps_paint_the_requested_colours_on_their_regions():
    labels = torch.arange(NUM_LABELS).repeat(4, 1)[None]  # one column per label id
    onehot = torch.nn.functional.one_hot(labels, NUM_LABELS).permute(0, 3, 1, 2).float()
    regions = type_region_matrix([t.region_id for t in CATALOG.types], NUM_LABELS)
    arrays = {k: torch.from_numpy(v)[None] for k, v in
              condition_arrays(parse_request(["windows", "pool"], colours=["pool=#0000FF"])).items()}
    maps = request_maps(onehot, arrays["active"], arrays["colour"], regions, dilation=0)
    window, ground = labels[0] == LABEL_ID["window"], labels[0] == LABEL_ID["ground"]
    assert torch.equal(maps[0, 0].bool(), window | ground)
    pool_slot = CATALOG.type("pool").index
    windows_slot = CATALOG.type("windows").index
    assert torch.allclose(maps[0, 1:, ground], arrays["colour"][0, pool_slot][:, None])
    assert torch.allclose(maps[0, 1:, window], arrays["colour"][0, windows_slot][:, None])
    assert not maps[0, 1:, ~(window | ground)].any()


def test_placed_types_are_painted_where_their_object_stands():
    labels = torch.full((1, 8, 8), LABEL_ID["ground"])
    labels[:, :2] = LABEL_ID["roof"]
    onehot = torch.nn.functional.one_hot(labels, NUM_LABELS).permute(0, 3, 1, 2).float()
    regions = type_region_matrix([t.region_id for t in CATALOG.types], NUM_LABELS)
    arrays = {k: torch.from_numpy(v)[None] for k, v in condition_arrays(parse_request(["pool", "driveway"])).items()}
    pool = CATALOG.type("pool").index
    placement = torch.zeros(1, 8, 8, dtype=torch.long)
    placement[0, 5:7, 2:6] = pool + 1
    placed = torch.zeros(len(CATALOG.types), dtype=torch.bool)
    placed[pool] = True
    maps = request_maps(onehot, arrays["active"], arrays["colour"], regions, 0, placement, placed)
    ground = labels[0] == LABEL_ID["ground"]
    assert torch.equal(maps[0, 0].bool(), ground)  # the driveway still asks for all the ground ...
    stands = placement[0] > 0
    pool_colour, driveway_colour = arrays["colour"][0, pool], arrays["colour"][0, CATALOG.type("driveway").index]
    assert torch.allclose(maps[0, 1:, stands], ((pool_colour + driveway_colour) / 2)[:, None])  # ... the pool
    assert torch.allclose(maps[0, 1:, ground & ~stands], driveway_colour[:, None])  # only where it stands
    unplaced = request_maps(onehot, arrays["active"], arrays["colour"], regions, 0)
    assert torch.allclose(unplaced[0, 1:, ground & ~stands], ((pool_colour + driveway_colour) / 2)[:, None])


def test_scaled_lab_is_the_requests_lab_scaling():
    rgb = torch.rand(2, 3, 4, 5)
    lab = srgb_to_lab(rgb.permute(0, 2, 3, 1).double().numpy())
    expected = np.stack([lab[..., 0] / 50 - 1, lab[..., 1] / 100, lab[..., 2] / 100], axis=1)
    assert np.allclose(scaled_lab(rgb).numpy(), expected, atol=1e-4)


def test_a_sketch_paints_the_objects_own_colours_in_its_footprint_only():
    labels = torch.full((1, 12, 12), LABEL_ID["ground"])
    onehot = torch.nn.functional.one_hot(labels, NUM_LABELS).permute(0, 3, 1, 2).float()
    regions = type_region_matrix([t.region_id for t in CATALOG.types], NUM_LABELS)
    arrays = {k: torch.from_numpy(v)[None] for k, v in condition_arrays(parse_request(["pool"])).items()}
    pool = CATALOG.type("pool").index
    placement = torch.zeros(1, 12, 12, dtype=torch.long)
    placement[0, 4:10, 2:10] = pool + 1
    placed = torch.zeros(len(CATALOG.types), dtype=torch.bool)
    placed[pool] = True
    drawn = torch.zeros(1, 3, 12, 12)
    drawn[:, 2] = 1.0                  # the water: blue ...
    drawn[:, :, 4, 2:10] = 0.8          # ... with a light grey coping along its far edge
    drawn[:, 0, ~(placement[0] > 0)] = 1.0  # red outside the footprint, which must not leak in
    stands = placement[0] > 0
    sharp = request_maps(onehot, arrays["active"], arrays["colour"], regions, 0, placement, placed, drawn, 0.0)
    assert torch.allclose(sharp[0, 1:, stands], scaled_lab(drawn)[0, :, stands], atol=1e-6)
    assert not sharp[0, 1:, ~stands].any()  # nothing asked for around it
    blurred = request_maps(onehot, arrays["active"], arrays["colour"], regions, 0, placement, placed, drawn, 1.0)
    inside = blurred[0, 1:, stands]
    water, coping = scaled_lab(drawn[:, :, 8:9, 5:6])[0, :, 0, 0], scaled_lab(drawn[:, :, 4:5, 5:6])[0, :, 0, 0]
    low, high = torch.minimum(water, coping), torch.maximum(water, coping)
    assert ((inside >= low[:, None] - 1e-5) & (inside <= high[:, None] + 1e-5)).all()  # a blend of water and coping, no red
    assert not torch.allclose(blurred[0, 1:, 5, 5], scaled_lab(drawn)[0, :, 5, 5])  # next to the coping: blurred
