"""`renovate-net data build` in-process on generated photos and labels: outputs, manifest, determinism,
bit-exact preservation, and refusing bad input before writing anything."""
from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner
from data_fixtures import photo_folder
from PIL import Image

from renovate_net.cli import cli
from renovate_net.data.build import build
from renovate_net.data.dataset import read_manifest
from renovate_net.imaging import load_image


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    return photo_folder(tmp_path_factory.mktemp("inputs"), count=3)


@pytest.fixture(scope="module")
def built(photos, tmp_path_factory):
    out = tmp_path_factory.mktemp("built") / "data"
    result = CliRunner().invoke(cli, ["data", "build", "--photos", str(photos[0]), "--labels", str(photos[1]),
                                      "--out", str(out), "--per-photo", "4", "--size", "160", "--seed", "7"])
    assert result.exit_code == 0, result.output
    return out, result.output


def _lines(out):
    return [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]


def test_build_writes_samples_manifest_and_contact_sheet(built):
    out, output = built
    lines = _lines(out)
    assert len(lines) >= 10 and "samples from 3 photos" in output
    assert (out / "contact_sheet.png").is_file()
    for line in lines:
        for key in ("before", "after", "labels", "edit_mask"):
            assert (out / line[key]).is_file()
        assert set(line["materials"]) == set(line["types"]) == set(line["colours"])
        assert all(len(c) == 7 and c.startswith("#") for c in line["colours"].values())
        assert line["source"].startswith("house_")
    assert any(len(line["types"]) > 1 for line in lines)
    assert max(load_image(out / lines[0]["before"]).shape[:2]) == 160


def test_built_after_equals_before_outside_the_edit_mask(built):
    out, _ = built
    for line in _lines(out):
        before, after = load_image(out / line["before"]), load_image(out / line["after"])
        mask = np.asarray(Image.open(out / line["edit_mask"]))
        assert np.array_equal(before[mask == 0], after[mask == 0])
        diff = np.abs(before.astype(int) - after.astype(int)).mean(axis=2)
        assert diff[mask >= 128].mean() >= 8


def test_build_is_deterministic_for_a_seed(built, photos, tmp_path):
    out, _ = built
    again = build(photos[0], tmp_path / "again", labels=photos[1], per_photo=4, seed=7, size=160, progress=False)
    assert again.samples == len(_lines(out))
    assert (tmp_path / "again" / "manifest.jsonl").read_text() == (out / "manifest.jsonl").read_text()
    first = _lines(out)[0]["after"]
    assert (tmp_path / "again" / first).read_bytes() == (out / first).read_bytes()
    other = build(photos[0], tmp_path / "other", labels=photos[1], per_photo=4, seed=8, size=160, progress=False)
    assert (tmp_path / "other" / "manifest.jsonl").read_text() != (out / "manifest.jsonl").read_text()
    assert other.samples > 0


def test_manifest_round_trips_through_the_reader(built):
    out, _ = built
    records = read_manifest(out / "manifest.jsonl")
    for record, line in zip(records, _lines(out)):
        assert record.request.to_json() == {k: line[k] for k in ("types", "materials", "colours")}


def test_refuses_a_non_empty_out_without_force(built, photos):
    out, _ = built
    args = ["data", "build", "--photos", str(photos[0]), "--labels", str(photos[1]), "--out", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2 and "--force" in result.output


def test_missing_label_map_fails_before_writing(photos, tmp_path):
    labels = tmp_path / "labels"
    labels.mkdir()
    (labels / "house_0.png").write_bytes((photos[1] / "house_0.png").read_bytes())
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["data", "build", "--photos", str(photos[0]), "--labels", str(labels),
                                      "--out", str(out)])
    assert result.exit_code == 2 and "house_1.png" in result.output and "error:" in result.output
    assert not out.exists()


def test_without_labels_needs_a_registered_segmenter(photos, tmp_path, monkeypatch):
    """Neither the user's store nor the shipped one holds the segmenter: one line naming --labels."""
    from renovate_net.data import build

    monkeypatch.setattr(build, "SEGMENTER_URI", "models:/no-such-segmenter@champion")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["data", "build", "--photos", str(photos[0]), "--out", str(out)])
    assert result.exit_code == 2 and "--labels" in result.output
    assert not out.exists()


def test_dry_run_writes_nothing(photos, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["data", "build", "--photos", str(photos[0]), "--labels", str(photos[1]),
                                      "--out", str(out), "--dry-run"])
    assert result.exit_code == 0 and "would build up to 12 samples from 3 photos" in result.output
    assert not out.exists()


def test_empty_photo_folder_is_refused(tmp_path):
    (tmp_path / "empty").mkdir()
    result = CliRunner().invoke(cli, ["data", "build", "--photos", str(tmp_path / "empty"), "--out",
                                      str(tmp_path / "out")])
    assert result.exit_code == 2 and "no .jpg" in result.output


def test_help_shows_an_example():
    result = CliRunner().invoke(cli, ["data", "build", "--help"])
    assert result.exit_code == 0 and "renovate-net data build --photos" in result.output


def test_focus_puts_one_of_the_focus_types_in_every_sample(photos, tmp_path):
    report = build(photos[0], tmp_path / "focus", labels=photos[1], per_photo=4, seed=7, size=160,
                   progress=False, focus=("windows", "roof"))
    lines = _lines(tmp_path / "focus")
    assert report.samples == len(lines) >= 10
    assert all({"windows", "roof"} & set(line["types"]) for line in lines)


def test_unknown_focus_type_is_refused_before_writing(photos, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["data", "build", "--photos", str(photos[0]), "--labels", str(photos[1]),
                                      "--out", str(out), "--focus", "jacuzzi"])
    assert result.exit_code == 2 and "--focus jacuzzi" in result.output and "pool" in result.output
    assert not out.exists()
    dry = CliRunner().invoke(cli, ["data", "build", "--photos", str(photos[0]), "--labels", str(photos[1]),
                                   "--out", str(out), "--focus", "jacuzzi", "--dry-run"])
    assert dry.exit_code == 2 and "--focus jacuzzi" in dry.output


def test_added_objects_come_with_their_placement(photos, tmp_path):
    from renovate_net.catalog import load_catalog
    from renovate_net.data.dataset import ManifestDataset

    catalog = load_catalog()
    build(photos[0], tmp_path / "added", labels=photos[1], per_photo=4, seed=7, size=160, progress=False,
          focus=("pool", "garage", "solar-panels"))
    lines = _lines(tmp_path / "added")
    assert len(lines) >= 6
    for line in lines:
        ids = {catalog.type(t).index + 1 for t in line["types"] if catalog.type(t).kind == "additive"}
        assert ("placement" in line) == bool(ids)
        if ids:
            placed = np.asarray(Image.open(tmp_path / "added" / line["placement"]))
            edit = np.asarray(Image.open(tmp_path / "added" / line["edit_mask"]))
            assert set(np.unique(placed)) - {0} == ids
            assert (edit[placed > 0] > 0).mean() > 0.95
    for augment in (False, True):
        item = ManifestDataset(tmp_path / "added", 64, augment=augment)[0]
        ids = {catalog.type(t).index + 1 for t in lines[0]["types"] if catalog.type(t).kind == "additive"}
        assert set(item["placement"].unique().tolist()) <= ids | {0}  # resampled as ids, never blended
    assert ManifestDataset(tmp_path / "added", 64, augment=False)[0]["placement"].any()
