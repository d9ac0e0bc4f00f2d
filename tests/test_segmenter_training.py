"""LabelMeFacade reading, the segmentation training samples, and `train` with `task: segmenter` end to end
(a generated LabelMeFacade-like folder, a tiny untrained network, an isolated MLflow store)."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from renovate_net.config import load_config
from renovate_net.data.labelmefacade import COLOURS, LabelMeFacade, labels_from_colours
from renovate_net.data.roofs import grabcut_roof, skyline_band
from renovate_net.data.segmentation import (IGNORE, WALL_OR_ROOF, LabelMeSource, PseudoLabelSource, mixed,
                                            train_transform)
from renovate_net.engine import checkpoint as ckpt
from renovate_net.engine import train
from renovate_net.engine.scaffold import Runtime
from renovate_net.engine.segmenter_trainer import SegmenterTrainer, shard_positions
from renovate_net.errors import UserError
from renovate_net.labels import LABEL_ID, NUM_LABELS
from renovate_net.models.store import CARD
from renovate_net.render.segmenter import Segmenter
from renovate_net.simulator.synthetic import synthetic_house
from training_fixtures import registered_here, train_until_killed

# contract id -> one LabelMeFacade colour for it (roof drawn as building, as the dataset does)
TO_COLOUR = {LABEL_ID[name]: rgb for rgb, name in COLOURS.items()}
TO_COLOUR[LABEL_ID["wall"]] = (128, 0, 0)
TO_COLOUR[LABEL_ID["roof"]] = (128, 0, 0)


def test_labelme_colours_map_to_contract_ids():
    rgb = np.array([[[128, 0, 0], [128, 64, 0], [128, 128, 128], [0, 0, 128]],
                    [[128, 0, 128], [0, 0, 0], [0, 128, 128], [128, 128, 0]]], np.uint8)
    expected = [["wall", "ground", "ground", "window"], ["other", "other", "sky", "door"]]
    assert labels_from_colours(rgb).tolist() == [[LABEL_ID[n] for n in row] for row in expected]
    with pytest.raises(ValueError, match="1:2:3"):
        labels_from_colours(np.array([[[1, 2, 3]]], np.uint8))


def make_labelme(root, rng, count=6):
    """A LabelMeFacade-like folder of procedural houses: JPEG photos, RGB colour-coded label PNGs."""
    (root / "images").mkdir(parents=True)
    (root / "labels").mkdir()
    names = []
    for i in range(count):
        image, labels = synthetic_house(rng, (96, 64))
        colours = np.zeros(labels.shape + (3,), np.uint8)
        for label, rgb in TO_COLOUR.items():
            colours[labels == label] = rgb
        Image.fromarray(image).save(root / "images" / f"photo{i}.jpg")
        Image.fromarray(colours).convert("RGBA").save(root / "labels" / f"photo{i}.png")  # the dataset's mode
        names.append(f"photo{i}.jpg")
    (root / "train.txt").write_text("\n".join(names[:2]) + "\n")
    (root / "val.txt").write_text("\n".join(names[2:]) + "\n")
    return root


def test_split_holds_out_a_fixed_part_of_val(tmp_path, rng):
    labelme = LabelMeFacade(make_labelme(tmp_path / "lmf", rng))
    train_names, held = labelme.split(2, seed=0)
    assert len(held) == 2 and set(held) <= set(labelme.names("val"))
    assert set(train_names) == set(labelme.names("train") + labelme.names("val")) - set(held)
    assert labelme.split(2, seed=0)[1] == held
    with pytest.raises(UserError, match="holdout"):
        labelme.split(5, seed=0)
    with pytest.raises(UserError, match="data_dir"):
        LabelMeFacade(tmp_path / "missing")


def test_skyline_band_hangs_from_the_sky_and_stops_at_windows():
    labels = np.array([[1, 1, 2, 1],
                       [2, 2, 2, 2],
                       [2, 4, 2, 2],
                       [2, 2, 2, 2],
                       [7, 7, 7, 7]])
    band = skyline_band(labels == 2, labels == 1, depth=2)
    assert band.astype(int).tolist() == [[0, 0, 0, 0],
                                         [1, 1, 0, 1],
                                         [1, 0, 0, 1],
                                         [0, 0, 0, 0],
                                         [0, 0, 0, 0]]


def test_labelme_building_is_wall_or_roof_only_under_the_sky(tmp_path, rng):
    labelme = LabelMeFacade(make_labelme(tmp_path / "lmf", rng))
    _, target = LabelMeSource(labelme, labelme.names("train"), roof_depth=0.2)[0]
    assert LABEL_ID["roof"] not in target
    either_rows = np.nonzero((target == WALL_OR_ROOF).any(1))[0]
    wall_rows = np.nonzero((target == LABEL_ID["wall"]).any(1))[0]
    assert len(either_rows) and len(wall_rows) and either_rows.min() < wall_rows.min()
    assert ((target == WALL_OR_ROOF).sum(0) <= int(0.2 * target.shape[0])).all()  # per column, at most the depth


def test_training_samples_are_cropped_tensors(tmp_path, rng):
    labelme = LabelMeFacade(make_labelme(tmp_path / "lmf", rng))
    source = LabelMeSource(labelme, labelme.names("train"))
    samples = mixed([source], [1.0], train_transform(96, 64, (0.7, 1.4)), 5, seed=0)
    assert len(samples) == 5
    image, target = samples[0]
    assert image.shape == (3, 64, 64) and image.dtype == torch.float32 and 0 <= image.min() <= image.max() <= 1
    assert target.shape == (64, 64) and target.dtype == torch.int64
    assert set(target.unique().tolist()) <= set(range(NUM_LABELS)) | {WALL_OR_ROOF, IGNORE}


def test_training_samples_follow_from_seed_and_position(tmp_path, rng):
    labelme = LabelMeFacade(make_labelme(tmp_path / "lmf", rng))
    source = LabelMeSource(labelme, labelme.names("train") + labelme.names("val"))

    def samples(seed):
        return mixed([source], [1.0], train_transform(96, 64, (0.7, 1.4)), 40, seed=seed)

    first = samples(0)
    later = [first[i] for i in (7, 3)]
    torch.manual_seed(99)  # the global generators play no part
    np.random.seed(99)
    again = samples(0)  # a fresh sequence (as a resumed run builds it), read in another order
    for (image, target), position in zip(later, (7, 3)):
        assert torch.equal(image, again[position][0]) and torch.equal(target, again[position][1])
    assert first.order == again.order and first.order != samples(1).order
    # positions drawing one photo are augmented independently
    same = [i for i in range(40) if first.order[i] == first.order[0]]
    assert len(same) > 1 and not torch.equal(first[same[0]][0], first[same[1]][0])


def test_torchrun_processes_share_out_each_step_and_a_resume_skips_the_steps_done():
    two = [shard_positions(0, 3, 2, Runtime(torch.device("cpu"), rank, world=2)) for rank in (0, 1)]
    assert two == [[0, 1, 4, 5, 8, 9], [2, 3, 6, 7, 10, 11]]  # step s: positions 4s .. 4s+3, two per process
    assert shard_positions(2, 3, 2, Runtime(torch.device("cpu"), 1, world=2)) == [10, 11]
    assert shard_positions(1, 3, 2, Runtime(torch.device("cpu"))) == [2, 3, 4, 5]


def test_pseudo_labels_need_their_photos(tmp_path, rng):
    (tmp_path / "photos").mkdir()
    (tmp_path / "labels").mkdir()
    with pytest.raises(UserError, match="no pseudo-label PNGs"):
        PseudoLabelSource(tmp_path / "photos", tmp_path / "labels")
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(tmp_path / "labels" / "house.png")
    with pytest.raises(UserError, match="no photo"):
        PseudoLabelSource(tmp_path / "photos", tmp_path / "labels")


def segmentation_data(tmp_path, rng):
    """(LabelMeFacade-like folder, folder of one pseudo-labelled photo with its label PNG)."""
    root = make_labelme(tmp_path / "lmf", rng)
    pseudo = tmp_path / "pseudo"
    pseudo.mkdir()
    image, labels = synthetic_house(rng, (80, 64))
    Image.fromarray(image).save(pseudo / "house.jpg")
    Image.fromarray(np.where(labels == LABEL_ID["other"], IGNORE, labels).astype(np.uint8)).save(pseudo / "house.png")
    return root, pseudo


def tiny_config(tmp_path, root, pseudo, steps=3, *extra):
    return load_config("configs/segmenter.yaml", [
        f"train.steps={steps}", "train.batch_size=2", "train.warmup_steps=1", "train.val_every=2",
        "train.checkpoint_every=2", "train.log_every=1", "train.threads=0",
        "segmenter.pretrained=false", "segmenter.pyramid_channels=32", "segmenter.segmentation_channels=32",
        "segmenter.working_size=96", "segmenter.crop_size=64", f"segmenter.data_dir={root}",
        "segmenter.holdout=2", "segmenter.synthetic_count=2",
        f"segmenter.pseudo_images={pseudo}", f"segmenter.pseudo_labels={pseudo}",
        f"out_dir={tmp_path / 'runs'}", "run_name=tiny", *extra])


def test_train_registers_a_segmenter_that_segment_can_load(tmp_path, rng):
    root, pseudo = segmentation_data(tmp_path, rng)
    image = np.asarray(Image.open(pseudo / "house.jpg"))
    config = tiny_config(tmp_path, root, pseudo)
    table = train(config)
    assert 0 <= table["miou"] <= 1 and "iou_door" in table
    folder = registered_here("models:/facade-segmenter@champion")
    assert (folder / CARD).exists() and (folder / "weights.safetensors").exists()
    segmenter = Segmenter.from_uri("models:/facade-segmenter@champion")
    assert segmenter.long_side == 96
    assert segmenter.predict(image).shape == (64, 80)

    with pytest.raises(UserError, match="--resume"):
        train(config)
    with pytest.raises(UserError, match="other settings"):
        train(tiny_config(tmp_path, root, pseudo, steps=4).__class__(
            {**config.to_dict(), "seed": 7}), resume=str(tmp_path / "runs" / "tiny"))
    # resuming the finished run loads its last checkpoint and registers it again, without training
    train(config, resume=str(tmp_path / "runs" / "tiny"))
    assert registered_here("models:/facade-segmenter/2").exists()

    # fine-tuning with the Dice term starts from the registered weights
    settings = config.to_dict()
    tuned = config.__class__({**settings, "run_name": "tuned", "register_as": "tuned", "train": {**settings["train"], "steps": 0},
                              "segmenter": {**settings["segmenter"], "init_from": "models:/facade-segmenter/1",
                                            "dice_weight": 1.0}})
    train(tuned)
    first = Segmenter.from_uri("models:/facade-segmenter/1").model.state_dict()
    for key, value in Segmenter.from_uri("models:/tuned@champion").model.state_dict().items():
        assert torch.equal(value, first[key]), key
    train(config.__class__({**tuned.to_dict(), "run_name": "dice", "train": {**settings["train"], "steps": 2}}))


def test_grabcut_finds_the_roof_of_a_procedural_house(rng):
    for _ in range(3):
        image, labels = synthetic_house(rng, (256, 192))
        building = np.isin(labels, (LABEL_ID["wall"], LABEL_ID["roof"]))
        openings = np.isin(labels, (LABEL_ID["window"], LABEL_ID["door"]))
        roof = grabcut_roof(image, building, labels == LABEL_ID["sky"], openings, np.zeros_like(building))
        truth = labels == LABEL_ID["roof"]
        assert not (roof & ~building).any()
        assert (roof & truth).sum() / (roof | truth).sum() > 0.6


def test_resume_after_interruption_is_exact(tmp_path, rng, monkeypatch):
    root, pseudo = segmentation_data(tmp_path, rng)
    whole = tiny_config(tmp_path / "a", root, pseudo, 4)
    train(whole)

    interrupted = tiny_config(tmp_path / "b", root, pseudo, 4)
    train_until_killed(monkeypatch, SegmenterTrainer, lambda: train(interrupted))
    folder = tmp_path / "b" / "runs" / "tiny"
    assert ckpt.load_checkpoint(folder)[1]["step"] == 2
    # a loader worker makes the resumed run's samples: the order and augmentations do not depend on who makes them
    train(tiny_config(tmp_path / "b", root, pseudo, 4, "train.num_workers=1"), resume=str(folder))

    a, meta_a = ckpt.load_checkpoint(tmp_path / "a" / "runs" / "tiny")
    b, meta_b = ckpt.load_checkpoint(folder)
    assert meta_a["step"] == meta_b["step"] == 4 and meta_a["schedule"] == meta_b["schedule"]
    assert meta_a["opt_groups"] == meta_b["opt_groups"] and a.keys() == b.keys()
    for key in a:  # weights, optimizer moments, RNG states: bit-identical
        assert torch.equal(a[key], b[key]), key

    # a checkpoint from before exact resume (no RNG states, no schedule) is refused in one line
    old = {k: v for k, v in b.items() if not k.startswith("rng/")}
    old_meta = {k: v for k, v in meta_b.items() if k not in ("rng", "schedule")}
    ckpt.save_checkpoint(tmp_path / "old.safetensors", old, old_meta)
    with pytest.raises(UserError, match="predates exact resume.*run_name"):
        train(interrupted, resume=str(tmp_path / "old.safetensors"))
