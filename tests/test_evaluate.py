"""`renovate-net evaluate` on a tiny generated dataset and tiny untrained models (no /work/shared)."""
import json

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from renovate_net.cli import cli
from renovate_net.simulator.renovation import simulate
from renovate_net.simulator.synthetic import synthetic_house
from model_fixtures import SMALL
from renovate_net.models import create
from renovate_net.models.store import save_model
from renovate_net.request import parse_request

REQUESTS = [["facade-insulation"], ["windows"], ["facade-insulation", "windows"], ["roof"]]


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    root = tmp_path_factory.mktemp("dataset")
    lines = []
    for i, types in enumerate(REQUESTS):
        rng = np.random.default_rng(i)
        before, labels = synthetic_house(rng, (128, 96))
        request = parse_request(types)
        after, mask, _ = simulate(before, labels, request, rng)
        names = {}
        for key, array in (("before", before), ("after", after), ("labels", labels),
                           ("edit_mask", np.round(mask * 255).astype(np.uint8))):
            names[key] = f"{i}_{key}.png"
            Image.fromarray(array).save(root / names[key])
        lines.append(json.dumps({**names, **request.to_json(), "source": f"house{i}.png"}))
    (root / "manifest.jsonl").write_text("\n".join(lines) + "\n")
    return root


@pytest.fixture(scope="module")
def generator(tmp_path_factory):
    kwargs = dict(SMALL[("generator", "attention_unet")])
    model = create("generator", "attention_unet", **kwargs)
    return save_model(tmp_path_factory.mktemp("g") / "gen", model, "generator", "attention_unet", kwargs,
                      extra={"image_size": 64})


def test_report_schema_and_same_model_same_numbers(dataset, generator, tmp_path):
    out = tmp_path / "report.json"
    result = CliRunner().invoke(cli, ["evaluate", "--model", str(generator), "--baseline", str(generator),
                                      "--data", str(dataset), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "| edit_l1 |" in result.output
    report = json.loads(out.read_text())
    assert {"model", "baseline", "per_type"} <= set(report)
    for name in ("model", "baseline"):
        assert {"edit_l1", "edit_psnr", "edit_ssim", "perceptual", "preservation_max_diff", "kid_gap",
                "delta_e2000", "render_ms"} <= set(report[name])
        assert report[name]["preservation_max_diff"] == 0  # nothing changes outside the reported edit mask
    for key in ("edit_l1", "edit_psnr", "perceptual", "kid_gap"):
        assert report["model"][key] == pytest.approx(report["baseline"][key], rel=1e-6, abs=1e-9)
    assert set(report["per_type"]) == {"+".join(parse_request(t).type_ids) for t in REQUESTS}


def test_refuses_existing_report_and_missing_data(dataset, generator, tmp_path):
    (tmp_path / "r.json").write_text("{}")
    result = CliRunner().invoke(cli, ["evaluate", "--model", str(generator), "--data", str(dataset),
                                      "--out", str(tmp_path / "r.json")])
    assert result.exit_code == 2 and "already exists" in result.output
    result = CliRunner().invoke(cli, ["evaluate", "--model", str(generator), "--data", str(tmp_path / "nope")])
    assert result.exit_code == 2 and "no such folder" in result.output
