"""`renovate-net render` end to end on a tiny untrained generator (no /work/shared, no registry)."""
import cv2
import numpy as np
import pytest
import torch
from click.testing import CliRunner
from PIL import Image

from renovate_net.cli import cli
from renovate_net.errors import UserError
from renovate_net.imaging import load_image
from renovate_net.labels import LABEL_ID
from renovate_net.request import parse_request
from model_fixtures import CATALOG, SMALL
from renovate_net.models import create
from renovate_net.models.store import save_model


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    kwargs = dict(SMALL[("generator", "attention_unet")])
    model = create("generator", "attention_unet", **kwargs)
    return save_model(tmp_path_factory.mktemp("model") / "generator", model, "generator", "attention_unet",
                      kwargs, extra={"image_size": 64})


@pytest.fixture
def photo(tmp_path):
    rng = np.random.default_rng(0)
    image = rng.integers(0, 255, (90, 120, 3), dtype=np.uint8)
    labels = np.full((90, 120), LABEL_ID["wall"], np.uint8)
    labels[:20] = LABEL_ID["sky"]
    labels[70:] = LABEL_ID["ground"]
    Image.fromarray(image).save(tmp_path / "house.png")
    Image.fromarray(labels).save(tmp_path / "labels.png")
    return tmp_path


def render(*args):
    return CliRunner().invoke(cli, ["render", *map(str, args)])


def test_render_full_size_with_exact_preservation(photo, model_dir):
    result = render(photo / "house.png", "--type", "facade-insulation", "--mask", photo / "labels.png",
                    "--model", model_dir, "--save-edit-mask")
    assert result.exit_code == 0, result.output
    before = load_image(photo / "house.png")
    after = load_image(photo / "house_after.png")
    edit = np.asarray(Image.open(photo / "house_after_edit.png"))
    assert after.shape == before.shape and edit.shape == before.shape[:2]
    unchanged = edit == 0
    assert np.array_equal(after[unchanged], before[unchanged])
    assert np.all((after != before).any(-1) == ~unchanged)


def test_output_option_and_no_overwrite(photo, model_dir):
    args = [photo / "house.png", "--type", "windows", "--mask", photo / "labels.png", "--model", model_dir,
            "-o", photo / "out.png"]
    assert render(*args).exit_code == 0
    first = (photo / "out.png").read_bytes()
    result = render(*args)
    assert result.exit_code == 2 and "already exists; pass --force" in result.output
    assert (photo / "out.png").read_bytes() == first
    assert render(*args, "--force").exit_code == 0


def test_a_type_whose_region_is_missing_is_named_in_a_warning(photo, model_dir):
    args = [photo / "house.png", "--mask", photo / "labels.png", "--model", model_dir, "--force"]
    result = render(*args, "--type", "facade-insulation", "--type", "windows")  # the mask has no window
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.output.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == 1 and "--type windows: no window found" in warnings[0], result.output
    assert (photo / "house_after.png").exists()
    result = render(*args, "--type", "facade-insulation", "--type", "driveway")
    assert result.exit_code == 0 and "warning" not in result.output, result.output


def test_grayscale_and_rgba_photos(photo, model_dir):
    Image.open(photo / "house.png").convert("L").save(photo / "grey.png")
    Image.open(photo / "house.png").convert("RGBA").save(photo / "rgba.png")
    for name in ("grey", "rgba"):
        result = render(photo / f"{name}.png", "--type", "pool", "--mask", photo / "labels.png", "--model",
                        model_dir)
        assert result.exit_code == 0, result.output
        assert load_image(photo / f"{name}_after.png").shape == (90, 120, 3)


@pytest.fixture
def champion_segmenter(tmp_path):
    """A tiny untrained segmenter registered as facade-segmenter@champion in the test's MLflow store."""
    from renovate_net import tracking

    kwargs = {"pyramid_channels": 32, "segmentation_channels": 32}
    folder = save_model(tmp_path / "segmenter", create("segmenter", "fpn_lite0", **kwargs), "segmenter",
                        "fpn_lite0", kwargs, extra={"working_size": 64})
    with tracking.start_run("test") as run:
        run.register(run.log_model_folder(folder), "facade-segmenter")


def test_batch_reports_bad_photos_and_keeps_the_rest(photo, model_dir, champion_segmenter):
    (photo / "broken.jpg").write_text("not a photo")
    Image.open(photo / "house.png").save(photo / "second.png")
    result = render(photo / "house.png", photo / "broken.jpg", photo / "second.png", "--type", "windows",
                    "--model", model_dir, "-o", photo / "out", "--device", "cpu", "--save-edit-mask")
    assert result.exit_code == 1, result.output
    assert "broken.jpg: not an image" in result.output
    assert "rendered 2 of 3 photos; 1 failed" in result.output
    assert "Traceback" not in result.output
    written = sorted(p.name for p in (photo / "out").iterdir())
    assert written == ["house_after.png", "house_after_edit.png", "second_after.png", "second_after_edit.png"]
    assert load_image(photo / "out" / "second_after.png").shape == (90, 120, 3)


@pytest.mark.parametrize("make, args, message", [
    (None, ["missing.png", "--type", "pool"], "no such file"),
    ("text", ["bad.png", "--type", "pool"], "not an image"),
    ("truncated", ["cut.jpg", "--type", "pool"], "truncated or corrupt"),
    ("small", ["small.png", "--type", "pool"], "too small"),
    (None, ["house.png"], "no renovation type given"),
    (None, ["house.png", "--type", "jacuzzi"], "unknown type 'jacuzzi'; choose from"),
    (None, ["house.png", "--type", "windows", "--material", "windows=marble"], "unknown material 'marble'"),
    (None, ["house.png", "--type", "windows", "--material", "roof=natural-slate"], "not requested"),
    (None, ["house.png", "--type", "windows", "--color", "windows=#GGGGGG"], "bad colour"),
    ("mask-size", ["house.png", "--type", "pool", "--mask", "mask.png"], "but the photo is 120x90"),
    ("mask-ids", ["house.png", "--type", "pool", "--mask", "mask.png"], "valid ids are 0..7"),
    (None, ["house.png", "--type", "pool", "--mask", "labels.png", "--model", "models:/nope@champion"],
     "not found"),
    (None, ["house.png", "--type", "pool", "--segmenter", "models:/facade-segmenter@champion"],
     "--segmenter has nothing to do"),
])
def test_bad_input_one_line_exit_2_nothing_written(photo, model_dir, make, args, message):
    if make == "text":
        (photo / "bad.png").write_text("hello")
    elif make == "truncated":
        Image.fromarray(np.random.default_rng(1).integers(0, 255, (200, 200, 3), np.uint8)).save(photo / "cut.jpg")
        data = (photo / "cut.jpg").read_bytes()
        (photo / "cut.jpg").write_bytes(data[: len(data) // 2])
    elif make == "small":
        Image.new("RGB", (40, 200)).save(photo / "small.png")
    elif make == "mask-size":
        Image.fromarray(np.zeros((50, 50), np.uint8)).save(photo / "mask.png")
    elif make == "mask-ids":
        Image.fromarray(np.full((90, 120), 9, np.uint8)).save(photo / "mask.png")
    listing = sorted(p.name for p in photo.iterdir())
    full = [photo / a if a.endswith(".png") or a.endswith(".jpg") else a for a in args]
    if "--model" not in args:
        full += ["--model", model_dir]
    if "--mask" not in args:
        full += ["--mask", photo / "labels.png"]
    result = render(*full)
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], result.output
    assert sorted(p.name for p in photo.iterdir()) == listing


def test_a_new_roof_is_drawn_at_full_size_on_the_roof(model_dir):
    from renovate_net.render.drawing import detail_drawing
    from renovate_net.render.pipeline import Renovator
    from renovate_net.simulator.synthetic import synthetic_house

    image, labels = synthetic_house(np.random.default_rng(3), (192, 256))
    renovator = Renovator.load(str(model_dir), device="cpu", with_segmenter=False)
    tiles = parse_request(["roof"])
    drawn, cover, partial = detail_drawing(image, labels, tiles)
    laid = cover == 1
    assert laid[labels == LABEL_ID["roof"]].mean() > 0.5 and np.array_equal(partial, labels == LABEL_ID["roof"])
    result = renovator.render(image, tiles, labels)
    assert (result.edit_mask[laid] == 255).all()  # as opaque as the training targets there

    def fine(rgb):  # the detail a 64-px generator cannot paint: the image less its blur
        rgb = rgb.astype(np.float32)
        return (rgb - cv2.GaussianBlur(rgb, (0, 0), 1.0))[laid]

    def match(a, b):
        return np.corrcoef(fine(a).ravel(), fine(b).ravel())[0, 1]

    assert match(result.after, drawn) > 0.9 and match(result.after, image) < 0.8   # the tile rows, not the photo's
    # Cladding is drawn at full size over the wall; the wall's pixels it leaves out keep the photo.
    _, cover, partial = detail_drawing(image, labels, parse_request(["facade-cladding"]))
    wall = labels == LABEL_ID["wall"]
    assert np.array_equal(partial, wall) and cover[wall].mean() > 0.5
    assert detail_drawing(image, labels, parse_request(["facade-insulation"])) is None  # render: the generator's own
    # A driveway is the paved ground the simulator picks, not all the ground: the rest stays as it was.
    pavers = parse_request(["driveway"])
    _, cover, partial = detail_drawing(image, labels, pavers)
    street = partial & (cover == 0)
    assert np.array_equal(partial, labels == LABEL_ID["ground"]) and street.any() and (cover > 0).any()
    assert np.array_equal(renovator.render(image, pavers, labels).after[street], image[street])


@pytest.fixture(scope="module")
def placed_model_dir(tmp_path_factory):
    """A tiny generator told where added objects stand (`model.placement`)."""
    kwargs = dict(SMALL[("generator", "attention_unet")],
                  placed_types=[t.index for t in CATALOG.types if t.kind == "additive"])
    model = create("generator", "attention_unet", **kwargs)
    return save_model(tmp_path_factory.mktemp("placed") / "generator", model, "generator", "attention_unet",
                      kwargs, extra={"image_size": 64})


@pytest.fixture(scope="module")
def sketch_model_dir(tmp_path_factory):
    """A tiny generator that also sees a colour sketch of the added objects (`model.sketch`)."""
    kwargs = dict(SMALL[("generator", "attention_unet")], sketch_blur=1.0,
                  placed_types=[t.index for t in CATALOG.types if t.kind == "additive"])
    model = create("generator", "attention_unet", **kwargs)
    torch.manual_seed(0)
    with torch.no_grad():  # an untrained alpha head is nearly closed: open it so the sketch can show
        model.head.bias[3] = 2.0
    return save_model(tmp_path_factory.mktemp("sketch") / "generator", model, "generator", "attention_unet",
                      kwargs, extra={"image_size": 64})


def test_sketch_model_draws_from_the_objects_drawing(sketch_model_dir):
    from renovate_net.simulator.synthetic import synthetic_house
    from renovate_net.render.pipeline import Renovator

    image, labels = synthetic_house(np.random.default_rng(2), (192, 256))
    renovator = Renovator.load(str(sketch_model_dir), device="cpu", with_segmenter=False)
    request = parse_request(["pool"])
    placed, drawn = renovator.objects_for(image, labels, request)
    red = drawn.copy()
    red[placed > 0] = (255, 0, 0)
    a, b = renovator.render(image, request, labels, placed, drawn), renovator.render(image, request, labels, placed, red)
    assert not np.array_equal(a.after, b.after)  # the sketch reaches the output
    assert np.array_equal(renovator.render(image, request, labels).after, a.after)  # render draws the same objects
    recoloured_outside = drawn.copy()  # away from the footprint: resizing blends only a few pixels across it
    recoloured_outside[cv2.dilate((placed > 0).astype(np.uint8), np.ones((41, 41), np.uint8)) == 0] = 0
    c = renovator.render(image, request, labels, placed, recoloured_outside)
    assert np.array_equal(a.after, c.after)  # only the footprint of `drawn` is read
    with pytest.raises(UserError, match="drawn"):
        renovator.render(image, request, labels, placed)


def test_placement_model_places_the_object_or_says_there_is_no_room(photo, placed_model_dir):
    from renovate_net.simulator.synthetic import synthetic_house
    from renovate_net.render.pipeline import Renovator

    image, labels = synthetic_house(np.random.default_rng(2), (192, 256))
    renovator = Renovator.load(str(placed_model_dir), device="cpu", with_segmenter=False)
    request = parse_request(["pool"])
    placed, drawn = renovator.objects_for(image, labels, request)
    assert drawn.shape == image.shape and not np.array_equal(drawn[placed > 0], image[placed > 0])
    assert placed.shape == labels.shape and (placed == CATALOG.type("pool").index + 1).sum() > 100
    assert np.isin(labels[placed > 0], [LABEL_ID["ground"], LABEL_ID["vegetation"]]).all()
    moved = np.roll(placed, 40, axis=1)
    a, b = renovator.render(image, request, labels, placed), renovator.render(image, request, labels, moved)
    assert not np.array_equal(a.after, b.after)  # the generator is told where the pool goes

    Image.fromarray(np.full((90, 120), LABEL_ID["sky"], np.uint8)).save(photo / "sky.png")
    listing = sorted(p.name for p in photo.iterdir())
    result = render(photo / "house.png", "--type", "pool", "--mask", photo / "sky.png", "--model", placed_model_dir)
    assert result.exit_code == 2 and result.output.startswith("error: --type pool: ") and "leave pool out" in result.output
    assert len(result.output.strip().splitlines()) == 1 and sorted(p.name for p in photo.iterdir()) == listing


def test_objects_are_added_to_the_renovated_house(sketch_model_dir):
    """Cladding and a garage asked together: the house is clad first, then the garage is built beside the clad
    house, in its new bricks, not in the old wall nor clad by a network that never saw the two together."""
    from perspective_scenes import street
    from renovate_net.render.pipeline import Renovator

    scene = street(house_width=7.0, rafter=3.0)
    renovator = Renovator.load(str(sketch_model_dir), device="cpu", with_segmenter=False)
    both = renovator.render(scene.image, parse_request(["facade-cladding", "garage"]), scene.labels)
    clad = renovator.render(scene.image, parse_request(["facade-cladding"]), scene.labels)
    garage = CATALOG.type("garage").index + 1
    placed, _ = renovator.objects_for(clad.after, scene.labels, parse_request(["garage"]))
    assert (placed == garage).sum() > 500
    added = renovator.render(clad.after, parse_request(["garage"]), scene.labels)
    assert np.array_equal(both.after, added.after)
    alone = renovator.render(scene.image, parse_request(["garage"]), scene.labels)
    assert not np.array_equal(both.after[placed == garage], alone.after[placed == garage])
    changed = (both.after != scene.image).any(axis=-1)
    assert not changed[both.edit_mask == 0].any() and changed[(clad.edit_mask > 0) | (added.edit_mask > 0)].any()
