"""ManifestDataset: the item contract the trainer relies on, paired transforms, and validation errors."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from data_fixtures import photo_folder

from renovate_net.catalog import load_catalog
from renovate_net.cli import cli
from renovate_net.data.build import build
from renovate_net.data.dataset import ManifestDataset, validate_manifest
from renovate_net.errors import UserError
from renovate_net.imaging import save_image
from renovate_net.request import condition_arrays, request_from_json

SIZE = 96
T = len(load_catalog().types)


@pytest.fixture(scope="module")
def manifest(tmp_path_factory):
    root = tmp_path_factory.mktemp("ds")
    photos, labels = photo_folder(root, count=2)
    build(photos, root / "data", labels=labels, per_photo=3, seed=1, size=128, progress=False)
    return root / "data" / "manifest.jsonl"


@pytest.mark.parametrize("augment", [True, False])
def test_items_follow_the_contract(manifest, augment):
    dataset = ManifestDataset(manifest, SIZE, augment=augment)
    assert len(dataset) == len(manifest.read_text().splitlines())
    for index in range(len(dataset)):
        item = dataset[index]
        expected = {"before": ((3, SIZE, SIZE), torch.float32), "after": ((3, SIZE, SIZE), torch.float32),
                    "labels": ((SIZE, SIZE), torch.int64), "edit_mask": ((1, SIZE, SIZE), torch.float32),
                    "placement": ((SIZE, SIZE), torch.int64),
                    "active": ((T,), torch.float32), "material": ((T,), torch.int64),
                    "colour": ((T, 3), torch.float32)}
        assert {k: (tuple(v.shape), v.dtype) for k, v in item.items()} == expected
        for key in ("before", "after", "edit_mask"):
            assert 0.0 <= item[key].min() and item[key].max() <= 1.0
        assert 0 <= item["labels"].min() and item["labels"].max() <= 7
        # one geometric and photometric draw for both images: where nothing was edited, they stay equal
        untouched = item["edit_mask"][0] == 0
        assert untouched.sum() > 0
        assert torch.allclose(item["before"][:, untouched], item["after"][:, untouched], atol=1.5 / 255)
        assert item["edit_mask"].max() > 0 or augment  # a val item shows the whole photo, so the whole edit


def test_conditioning_matches_the_manifest_request(manifest):
    dataset = ManifestDataset(manifest, SIZE, augment=False)
    for index, line in enumerate(manifest.read_text().splitlines()):
        expected = condition_arrays(request_from_json(json.loads(line)))
        item = dataset[index]
        for key, value in expected.items():
            assert np.array_equal(item[key].numpy(), value)


def test_validate_counts_the_manifest(manifest):
    report = validate_manifest(manifest)
    assert report.samples == len(manifest.read_text().splitlines()) and report.sources == 2
    result = CliRunner().invoke(cli, ["data", "validate", str(manifest)])
    assert result.exit_code == 0 and f"{report.samples} samples" in result.output


def _broken(manifest, tmp_path, edit) -> str:
    """Write a copy of the manifest (beside its files) with line 2 edited; both the validator and the
    dataset must refuse it. Returns the validator's message."""
    lines = manifest.read_text().splitlines()
    lines[1] = edit(json.loads(lines[1]))
    target = manifest.parent / f"broken_{tmp_path.name}.jsonl"
    target.write_text("\n".join(lines) + "\n")
    with pytest.raises(UserError) as error:
        validate_manifest(target)
    with pytest.raises(UserError):
        dataset = ManifestDataset(target, SIZE, augment=False)
        dataset[1]  # a size mismatch shows when the images are read
    return str(error.value)


def test_bad_json_names_its_line(manifest, tmp_path):
    message = _broken(manifest, tmp_path, lambda entry: "{not json")
    assert ":2:" in message and "JSON" in message


def test_missing_file_names_it(manifest, tmp_path):
    message = _broken(manifest, tmp_path, lambda entry: json.dumps({**entry, "after": "samples/nope.png"}))
    assert ":2:" in message and "nope.png" in message and "does not exist" in message


def test_unknown_type_and_material_are_named(manifest, tmp_path):
    message = _broken(manifest, tmp_path, lambda entry: json.dumps({**entry, "types": ["jacuzzi"]}))
    assert ":2:" in message and "jacuzzi" in message
    message = _broken(manifest, tmp_path, lambda entry: json.dumps(
        {**entry, "materials": {entry["types"][0]: "marble"}}))
    assert ":2:" in message and "marble" in message


def test_missing_key_is_named(manifest, tmp_path):
    message = _broken(manifest, tmp_path, lambda entry: json.dumps({k: v for k, v in entry.items() if k != "labels"}))
    assert "missing labels" in message


def test_size_mismatch_is_reported(manifest, tmp_path):
    small = manifest.parent / f"small_{tmp_path.name}.png"
    save_image(np.zeros((40, 40), np.uint8), small)
    message = _broken(manifest, tmp_path, lambda entry: json.dumps({**entry, "edit_mask": small.name}))
    assert ":2:" in message and "differ in size" in message and "edit_mask 40x40" in message


def test_missing_manifest_and_empty_manifest(tmp_path):
    with pytest.raises(UserError, match="no such manifest"):
        validate_manifest(tmp_path / "nothing.jsonl")
    (tmp_path / "manifest.jsonl").write_text("\n")
    with pytest.raises(UserError, match="empty"):
        ManifestDataset(tmp_path, SIZE, augment=True)
