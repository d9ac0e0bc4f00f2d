import copy

import pytest
import yaml

from renovate_net.catalog import load_catalog, parse_catalog

CONTRACT_TYPES = ["facade-insulation", "facade-cladding", "windows", "roof", "solar-panels", "pool",
                  "garage", "driveway"]


def raw_catalog() -> dict:
    from importlib import resources

    return yaml.safe_load(resources.files("renovate_net.catalog").joinpath("renovations.yaml").read_text())


def test_contract_types_in_order():
    catalog = load_catalog()
    assert list(catalog.type_ids) == CONTRACT_TYPES
    assert [t.index for t in catalog.types] == list(range(8))


def test_design_materials_present():
    catalog = load_catalog()
    expected = {
        "facade-insulation": {"render-white", "render-cream", "render-light-grey"},
        "facade-cladding": {"brick-slip-red", "brick-slip-yellow", "wood-cladding", "fibre-cement-anthracite"},
        "windows": {"pvc-white", "alu-anthracite", "alu-black", "wood-oak"},
        "roof": {"clay-tiles-red", "clay-tiles-anthracite", "natural-slate"},
        "solar-panels": {"all-black-mono", "blue-poly"},
        "driveway": {"clay-pavers", "concrete-pavers-grey", "gravel"},
    }
    for type_id, materials in expected.items():
        assert materials <= {m.id for m in catalog.type(type_id).materials}


def test_material_indices_are_global_and_unique():
    catalog = load_catalog()
    assert [m.index for m in catalog.materials] == list(range(len(catalog.materials)))


def test_every_default_material_belongs_to_its_type():
    for renovation in load_catalog().types:
        assert renovation.material(renovation.default_material).id == renovation.default_material


def test_fingerprint_is_stable_and_sensitive():
    raw = raw_catalog()
    assert parse_catalog(raw).fingerprint == load_catalog().fingerprint
    changed = copy.deepcopy(raw)
    changed["types"][0]["materials"][0]["colour"] = "#000000"
    assert parse_catalog(changed).fingerprint != load_catalog().fingerprint
    renamed = copy.deepcopy(raw)
    renamed["types"][0]["name"] = "Another display name"
    assert parse_catalog(renamed).fingerprint == load_catalog().fingerprint


@pytest.mark.parametrize("mutate, message", [
    (lambda r: r["types"].append(copy.deepcopy(r["types"][0])), "duplicate type id"),
    (lambda r: r["types"][1]["materials"].append(dict(r["types"][0]["materials"][0])), "duplicate material id"),
    (lambda r: r["types"][0].update(edits="chimney"), "unknown region"),
    (lambda r: r["types"][0].update(kind="magic"), "kind"),
    (lambda r: r["types"][0].update(default_material="marble"), "default material"),
    (lambda r: r["types"][0]["materials"][0].update(colour="white"), "bad colour"),
    (lambda r: r["types"][0].update(materials=[]), "no materials"),
    (lambda r: r.update(types=[]), "no types"),
    (lambda r: r["types"][0].pop("drawing"), "names no drawing"),
    (lambda r: r["types"][3].update(finish="smooth"), "only wall types"),
    (lambda r: r["types"][6].update(also_needs=["attic"]), "also_needs unknown"),
    (lambda r: r["combinations"].append(["pool", "sauna"]), "unknown types"),
])
def test_invalid_catalog_rejected(mutate, message):
    raw = raw_catalog()
    mutate(raw)
    with pytest.raises(ValueError, match=message):
        parse_catalog(raw)


def test_load_from_path(tmp_path):
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump(raw_catalog()))
    assert load_catalog(path).fingerprint == load_catalog().fingerprint


def test_region_id_is_the_label_id_of_the_edited_region():
    from renovate_net.labels import LABEL_ID

    catalog = load_catalog()
    assert catalog.type("pool").region_id == LABEL_ID["ground"]
    assert catalog.type("solar-panels").region_id == LABEL_ID["roof"]
    assert all(t.region_id == LABEL_ID[t.edits] for t in catalog.types)


def test_per_type_traits_are_catalog_fields():
    """What the code treats differently per type comes from the catalog, not from lists of ids in modules."""
    catalog = load_catalog()
    assert catalog.rivals("facade-insulation") == ("facade-cladding",)
    assert catalog.rivals("windows") == () and catalog.rivals("pool") == ()
    assert [t.id for t in catalog.types if t.detail_drawn] == ["facade-cladding", "windows", "roof", "driveway"]
    assert [t.id for t in catalog.types if t.kind == "additive" and not t.casts_shadow] == ["solar-panels", "pool", "garage"]
    assert catalog.type("garage").also_needs == ("wall",)
    assert {t.finish for t in catalog.types if t.edits == "wall"} == {"smooth", "textured"}
    assert all(set(c) <= set(catalog.type_ids) for c in catalog.combinations) and catalog.combinations


def test_every_drawing_the_catalog_names_exists():
    from renovate_net.simulator.renovation import DRAWINGS

    assert {t.drawing for t in load_catalog().types} <= set(DRAWINGS)
