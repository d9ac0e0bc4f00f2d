"""docs/licences.yaml covers every registered model version, is consistent, and matches docs/licences.md.

The registry is opened read-only (sqlite `mode=ro`, `immutable=1`): nothing in mlruns/ is written.
"""
from __future__ import annotations

import runpy
import sqlite3
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
REGISTRY = ROOT / "mlruns" / "mlflow.db"
ITEM_KEYS = {"name", "licence", "commercial"}


@pytest.fixture(scope="module")
def licences() -> dict:
    return yaml.safe_load((ROOT / "docs" / "licences.yaml").read_text(encoding="utf-8"))


def registry_versions() -> dict[str, tuple[str, str | None]]:
    """`name/version` -> (run id, alias or None), straight from the shipped registry."""
    connection = sqlite3.connect(f"file:{REGISTRY}?mode=ro&immutable=1", uri=True)
    try:
        versions = {f"{name}/{version}": run_id for name, version, run_id in
                    connection.execute("select name, version, run_id from model_versions")}
        aliases = {f"{name}/{version}": alias for alias, version, name in
                   connection.execute("select alias, version, name from registered_model_aliases")}
    finally:
        connection.close()
    return {key: (run_id, aliases.get(key)) for key, run_id in versions.items()}


def test_every_entry_is_well_formed_and_its_verdict_follows_from_its_items(licences):
    for key, entry in licences.items():
        assert {"run_id", "alias", "training_data", "pretrained", "commercial_use", "note"} <= set(entry), key
        items = entry["training_data"] + entry["pretrained"]
        assert entry["training_data"], key
        for item in items:
            assert set(item) == ITEM_KEYS and isinstance(item["commercial"], bool), (key, item)
            assert item["name"].strip() and item["licence"].strip(), (key, item)
        assert entry["commercial_use"] == all(item["commercial"] for item in items), key


def test_anything_trained_on_labelmefacade_is_not_commercial(licences):
    for key, entry in licences.items():
        for item in entry["training_data"]:
            if "LabelMeFacade" in item["name"]:
                assert item["commercial"] is False and entry["commercial_use"] is False, key


@pytest.mark.skipif(not REGISTRY.is_file(), reason="no shipped registry in this checkout")
def test_yaml_covers_exactly_the_registered_versions(licences):
    registered = registry_versions()
    assert set(licences) == set(registered)
    for key, (run_id, alias) in registered.items():
        assert licences[key]["run_id"] == run_id, key
        assert licences[key]["alias"] == alias, key


@pytest.mark.skipif(not REGISTRY.is_file(), reason="no shipped registry in this checkout")
def test_every_run_has_a_card_that_names_its_non_commercial_data(licences):
    for key, entry in licences.items():
        cards = [*ROOT.glob(f"mlruns/*/{entry['run_id']}/artifacts/model/MODEL_CARD.md"),
                 *ROOT.glob(f"mlruns/*/{entry['run_id']}/artifacts/model/card.md")]
        assert len(cards) == 1, key
        text = cards[0].read_text(encoding="utf-8")
        assert "LabelMeFacade" in text and "non-commercial" in text, key


def test_markdown_appendix_is_generated_from_the_yaml(licences):
    tool = runpy.run_path(str(ROOT / "tools" / "licence_sections.py"))
    doc = (ROOT / "docs" / "licences.md").read_text(encoding="utf-8")
    assert doc.endswith(tool["appendix"](licences))
    for key, entry in licences.items():
        section = tool["section"](key, entry)
        assert section.startswith("## Licences\n") and entry["run_id"] in section
        assert ("**no**" in section) == (not entry["commercial_use"])


@pytest.mark.skipif(not REGISTRY.is_file(), reason="no shipped registry in this checkout")
def test_every_shipped_model_card_states_its_licences(licences):
    from renovate_net.tracking import PROJECT_URI, _resolve_in

    for key in licences:
        name, version = key.split("/")
        card = _resolve_in(f"models:/{name}/{version}", PROJECT_URI) / "MODEL_CARD.md"
        assert "## Licences" in card.read_text(encoding="utf-8"), key
