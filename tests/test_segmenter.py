"""`Segmenter` inference and the `segment` command, on a tiny untrained model and generated photos."""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from click.testing import CliRunner
from PIL import Image

from renovate_net.cli import cli
from renovate_net.simulator.synthetic import synthetic_house
from renovate_net.labels import NUM_LABELS
from renovate_net.models import create
from renovate_net.models.store import save_model
from renovate_net.resize import bilinear_bands
from renovate_net.labels import overlay
from renovate_net.render.segmenter import Segmenter, upsampled_argmax
from renovate_net.resize import working_size

KWARGS = {"pyramid_channels": 32, "segmentation_channels": 32}


@pytest.fixture(scope="module")
def model_folder(tmp_path_factory):
    torch.manual_seed(0)
    model = create("segmenter", "fpn_lite0", **KWARGS)
    folder = tmp_path_factory.mktemp("models") / "segmenter"
    return save_model(folder, model, "segmenter", "fpn_lite0", KWARGS, extra={"working_size": 128}, half=True)


@pytest.fixture(scope="module")
def segmenter(model_folder):
    return Segmenter.from_uri(str(model_folder))


def test_working_size_keeps_the_aspect_in_multiples_of_32():
    assert working_size(683, 512, 512, 32) == (512, 384)
    assert working_size(512, 683, 512, 32) == (384, 512)
    assert working_size(4000, 3000, 640, 32) == (640, 480)
    assert working_size(3000, 100, 512, 32) == (512, 32)


def test_band_upsampling_equals_one_full_interpolation():
    logits = torch.randn(NUM_LABELS, 12, 16)
    full = F.interpolate(logits[None], size=(53, 61), mode="bilinear", align_corners=False)[0]
    bands = list(bilinear_bands(logits, 53, 61, band=7))
    assert len(bands) == 8
    assert torch.allclose(torch.cat([strip for _, strip in bands], dim=1), full, atol=1e-5)
    assert np.array_equal(upsampled_argmax(logits, 53, 61, band=7), full.argmax(0).numpy().astype(np.uint8))


def test_predict_has_the_photo_size_and_valid_ids(segmenter, rng):
    assert segmenter.long_side == 128  # read from the model folder
    for width, height in ((200, 150), (97, 131), (64, 64)):
        image, _ = synthetic_house(rng, (width, height))
        labels = segmenter.predict(image)
        assert labels.shape == (height, width) and labels.dtype == np.uint8
        assert labels.max() < NUM_LABELS


def test_batch_of_mixed_sizes_equals_one_by_one(segmenter, rng):
    # logits, not labels: a batch of two runs other CPU kernels than a batch of one, and on an untrained model
    # that rounding flips the argmax of near-tied pixels (it did, once, in CI)
    images = [synthetic_house(rng, size)[0] for size in ((160, 120), (120, 160), (160, 120))]
    for image, logits in zip(images, segmenter.logits(images)):
        assert torch.allclose(logits, segmenter.logits([image])[0], atol=1e-3)
    assert [labels.shape for labels in segmenter.predict_batch(images)] == [image.shape[:2] for image in images]


def test_mirror_pass_keeps_shape_and_is_symmetric(model_folder, rng):
    mirrored = Segmenter.from_uri(str(model_folder), flip=True)
    image, _ = synthetic_house(rng, (150, 100))
    labels = mirrored.predict(image)
    assert labels.shape == (100, 150) and labels.max() < NUM_LABELS
    # averaging a photo with its mirror image makes the logits of mirrored photos mirror each other
    logits, flipped = mirrored.logits([image, np.ascontiguousarray(image[:, ::-1])])
    assert torch.allclose(logits, flipped.flip(-1), atol=1e-4)


def test_predict_refuses_a_non_rgb_array(segmenter):
    with pytest.raises(ValueError, match="HxWx3 uint8"):
        segmenter.predict(np.zeros((64, 64), np.uint8))


def test_overlay_blends_the_palette():
    image = np.full((2, 2, 3), 100, np.uint8)
    labels = np.array([[0, 1], [2, 7]], np.uint8)
    out = overlay(image, labels, 0.5)
    assert out.shape == (2, 2, 3) and out.dtype == np.uint8
    assert tuple(out[0, 0]) == (50, 50, 50)  # 'other' is black


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def _photos(folder, rng):
    folder.mkdir()
    first, _ = synthetic_house(rng, (160, 120))
    Image.fromarray(first).save(folder / "house.jpg")
    second, _ = synthetic_house(rng, (96, 128))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees on display: the labels must have the displayed size
    Image.fromarray(second).save(folder / "rotated.jpg", exif=exif)
    return folder / "house.jpg", folder / "rotated.jpg"


def test_segment_writes_labels_and_overlays_at_the_photo_size(tmp_path, model_folder, rng):
    house, rotated = _photos(tmp_path / "in", rng)
    out = tmp_path / "out"
    result = run("segment", house, rotated, "-o", out, "--overlay", "--model", model_folder, "--device", "cpu")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["house.png", "house_overlay.png",
                                                     "rotated.png", "rotated_overlay.png"]
    for name, size in (("house", (160, 120)), ("rotated", (128, 96))):
        labels = Image.open(out / f"{name}.png")
        assert labels.mode == "L" and labels.size == size
        assert np.asarray(labels).max() < NUM_LABELS
        assert Image.open(out / f"{name}_overlay.png").size == size


def test_segment_never_overwrites_without_force(tmp_path, model_folder, rng):
    house, _ = _photos(tmp_path / "in", rng)
    args = ("segment", house, "-o", tmp_path / "out", "--model", model_folder)
    assert run(*args).exit_code == 0
    (tmp_path / "out" / "house.png").write_bytes(b"mine")
    result = run(*args)
    assert result.exit_code == 2 and "--force" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert (tmp_path / "out" / "house.png").read_bytes() == b"mine"
    assert run(*args, "--force").exit_code == 0
    assert Image.open(tmp_path / "out" / "house.png").size == (160, 120)


def test_a_bad_photo_fails_before_anything_is_written(tmp_path, model_folder, rng):
    house, _ = _photos(tmp_path / "in", rng)
    broken = tmp_path / "in" / "broken.jpg"
    broken.write_bytes(b"not a jpeg")
    result = run("segment", house, broken, "-o", tmp_path / "out", "--model", model_folder)
    assert result.exit_code == 2 and result.output.startswith("error: ") and "broken.jpg" in result.output
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_segment_refuses_colliding_outputs(tmp_path, model_folder, rng):
    house, _ = _photos(tmp_path / "in", rng)
    other = tmp_path / "other"
    other.mkdir()
    Image.open(house).save(other / "house.png")
    result = run("segment", house, other / "house.png", "-o", tmp_path / "out", "--model", model_folder)
    assert result.exit_code == 2 and "both write" in result.output
    result = run("segment", other / "house.png", "-o", other, "--model", model_folder, "--force")
    assert result.exit_code == 2 and "overwrite the input" in result.output


def test_segment_defaults_to_the_current_folder(tmp_path, model_folder, rng, monkeypatch):
    house, _ = _photos(tmp_path / "in", rng)
    monkeypatch.chdir(tmp_path)
    assert run("segment", house, "--model", model_folder).exit_code == 0
    assert (tmp_path / "house.png").exists()


def test_unknown_model_is_a_one_line_error(tmp_path, rng):
    house, _ = _photos(tmp_path / "in", rng)
    result = run("segment", house, "-o", tmp_path / "out", "--model", "models:/no-such-segmenter@champion")
    assert result.exit_code == 2 and "not found" in result.output
    assert len(result.output.strip().splitlines()) == 1
