"""The compositor alone: pure functions on arrays, no model and no files."""
import numpy as np
import torch

from renovate_net.render.compositor import composite_full, drawing_light, with_texture


def test_residual_composite_keeps_the_photos_detail():
    rng = np.random.default_rng(1)
    image = rng.integers(40, 200, (48, 64, 3), dtype=np.uint8)   # full-size detail the generator never saw
    seen = torch.rand(3, 12, 16)
    alpha = torch.ones(1, 12, 16)
    same, edit = composite_full(image, seen, alpha, seen)         # the generator changed nothing
    assert np.array_equal(same, image) and not edit.any()
    brighter, edit = composite_full(image, seen + 20 / 255, alpha, seen)
    assert np.abs(brighter.astype(int) - image.astype(int) - 20).max() <= 1   # the change, on the same detail
    assert (edit == 255).all()
    gated, _ = composite_full(image, seen + 20 / 255, alpha, seen, gate=np.zeros((48, 64), bool))
    assert np.array_equal(gated, image)


def test_an_added_object_is_opaque_and_keeps_its_own_detail():
    rng = np.random.default_rng(2)
    image = rng.integers(40, 200, (48, 64, 3), dtype=np.uint8)   # the lawn's full-size detail
    drawn = image.copy()
    drawn[12:36, 16:48] = rng.integers(0, 255, (24, 32, 3), dtype=np.uint8)  # the object's own full-size detail
    footprint = np.zeros((48, 64), bool)
    footprint[12:36, 16:48] = True
    seen = torch.from_numpy(image).permute(2, 0, 1).float().div(255)[:, ::4, ::4].contiguous()
    drawn_seen = torch.from_numpy(drawn).permute(2, 0, 1).float().div(255)[:, ::4, ::4].contiguous()
    closed = torch.zeros(1, 12, 16)   # even where the generator's alpha stays shut
    # A generator that draws the sketch exactly: the object at full size, its detail included, nothing else.
    drawing = (drawn, drawn_seen, footprint.astype(np.float32))
    after, edit = composite_full(image, drawn_seen, closed, seen, drawing=drawing)
    assert np.abs(after.astype(int) - drawn.astype(int)).max() <= 1
    assert (edit[footprint] == 255).all() and not edit[~footprint].any()
    # One that draws it 30 levels darker: that change, on the object's detail, not the lawn's.
    darker, _ = composite_full(image, drawn_seen - 30 / 255, closed, seen, drawing=drawing)
    inside = darker[footprint].astype(int) - drawn[footprint].astype(int)
    assert np.abs(inside[(drawn[footprint] > 40).all(1)] + 30).max() <= 1
    # One that tints it teal: on an added object the network sets light, not colour (panels came out teal).
    teal = drawn_seen + torch.tensor([-30.0, 0.0, 0.0]).view(3, 1, 1) / 255
    tinted, _ = composite_full(image, teal, closed, seen, drawing=drawing, objects=footprint)
    core = np.zeros_like(footprint)
    core[20:28, 24:40] = True  # away from its edge, where the blurred light mixes with the lawn's
    shift = tinted[core].astype(int) - drawn[core].astype(int)
    unclipped = ((drawn[core] > 20) & (drawn[core] < 235)).all(1)
    assert np.abs(shift[unclipped] + 10).max() <= 1  # every channel 10 darker: the tint's grey, not its hue
    # Around it, only the brightness of what the generator paints is kept: a shadow, not a blue haze.
    ring = np.zeros((48, 64), bool)
    ring[4:44, 8:56] = True
    ring &= ~footprint
    blue = seen.clone()
    blue[2] += 60 / 255  # the generator tints the lawn around the object blue
    tinted, _ = composite_full(image, blue, torch.ones(1, 12, 16), seen, shadow=ring)
    factor = tinted[ring].astype(float) / image[ring].astype(float)
    assert np.abs(factor - factor.mean(axis=1, keepdims=True)).max() < 0.02      # every channel scaled alike
    assert np.array_equal(tinted[~ring][:, :2], image[~ring][:, :2])           # elsewhere: the tint as painted
    # A shadow never lights the ground: brighter paint there leaves the photo (it made a glowing halo round pools).
    lit, _ = composite_full(image, seen + 40 / 255, torch.ones(1, 12, 16), seen, shadow=ring)
    assert np.array_equal(lit[ring], image[ring]) and (lit[~ring] > image[~ring]).any()
    shaded, _ = composite_full(image, seen - 40 / 255, torch.ones(1, 12, 16), seen, shadow=ring)
    assert (shaded[ring].astype(int).sum(axis=1) < image[ring].astype(int).sum(axis=1)).mean() > 0.9


def test_inside_a_drawing_the_generator_sets_light_not_blotches():
    cover = np.zeros((160, 160), np.float32)
    cover[40:120, 40:120] = 1.0                      # the drawing covers the middle of a photo 4x the working size
    drawn_seen = torch.rand(3, 40, 40)
    checker = torch.from_numpy(np.indices((40, 40)).sum(0) % 2 * 2.0 - 1.0).float()
    painted = drawn_seen + 0.1 * checker + 0.05      # blotches, and 0.05 more light
    light = drawing_light(painted, drawn_seen, cover)
    inside = (light - drawn_seen)[:, 14:26, 14:26]
    assert abs(float(inside.mean()) - 0.05) < 0.005 and float(inside.std()) < 0.01
    assert torch.equal(light[:, :9], painted[:, :9])  # outside the drawing: as painted




def test_texture_beside_an_object_and_a_partial_region_narrows_the_gate():
    rng = np.random.default_rng(4)
    image = rng.integers(0, 255, (40, 40, 3), dtype=np.uint8)
    objects = image.copy()
    objects[:20] = 9                                   # an added object drawn over the top half
    footprint = np.zeros((40, 40), np.float32)
    footprint[:20] = 1
    pavers = np.full((40, 40, 3), 200, np.uint8)       # the texture drawn everywhere it may go
    cover = np.zeros((40, 40), np.float32)
    cover[10:30, :20] = 1                               # laid on the left, partly under the object
    partial = np.zeros((40, 40), bool)
    partial[20:] = True                                 # the driveway's ground: the bottom half
    gate = np.ones((40, 40), bool)
    (drawn, seen, merged), narrowed = with_texture((objects, None, footprint), (pavers, cover, partial), gate, (10, 10))
    assert (drawn[:20] == 9).all() and (drawn[20:30, :20] == 200).all()   # the object keeps its footprint
    assert np.array_equal(merged, np.maximum(footprint, cover * (footprint == 0)))
    assert tuple(seen.shape) == (3, 10, 10)
    assert narrowed[20:30, :20].all() and not narrowed[30:].any() and not narrowed[20:, 20:].any()
    assert narrowed[:20].all()                           # outside the partial region the gate is untouched


def test_a_drawing_never_reaches_where_the_gate_forbids():
    image = np.zeros((20, 20, 3), np.uint8)
    cover = np.ones((20, 20), np.float32)
    gate = np.ones((20, 20), bool)
    gate[:, :5] = False                                   # a railing the edit gate leaves alone
    (_, _, merged), _ = with_texture(None, (np.full_like(image, 90), cover, np.zeros((20, 20), bool)), gate, (5, 5))
    assert not merged[:, :5].any() and (merged[:, 5:] == 1).all()
