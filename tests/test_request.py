import numpy as np
import pytest

from renovate_net.catalog import load_catalog
from renovate_net.errors import UserError
from renovate_net.request import condition_arrays, parse_request, request_from_json


def test_defaults_and_catalog_order():
    request = parse_request(["pool", "windows"])
    assert request.type_ids == ("windows", "pool")
    assert request.choice("windows").material_id == "alu-anthracite"
    assert request.choice("windows").colour == (0x38, 0x3E, 0x42)
    assert not request.choice("windows").custom_colour


def test_order_and_duplicates_do_not_matter():
    assert parse_request(["pool", "windows", "pool"]) == parse_request(["windows", "pool"])


def test_material_and_colour():
    request = parse_request(["windows", "facade-insulation"], ["windows=alu-black"],
                            ["facade-insulation=#e8e4da"])
    assert request.choice("windows").material_id == "alu-black"
    assert request.choice("windows").colour == (10, 10, 10)
    assert request.choice("facade-insulation").colour == (0xE8, 0xE4, 0xDA)
    assert request.choice("facade-insulation").custom_colour


@pytest.mark.parametrize("types, materials, colours, message", [
    ([], [], [], "no renovation type given"),
    (["jacuzzi"], [], [], r"unknown type 'jacuzzi'; choose from: facade-insulation, "),
    (["windos"], [], [], "did you mean 'windows'"),
    (["windows"], ["windows=marble"], [], "unknown material 'marble' for windows; choose from: pvc-white"),
    (["windows"], ["windows"], [], "bad --material 'windows'; use --material windows=alu-black"),
    (["windows"], ["=alu-black"], [], "bad --material"),
    (["windows"], ["pool=bluestone-liner-blue"], [], "--material given for 'pool', which is not requested"),
    (["windows"], ["spa=x"], [], "unknown type 'spa'"),
    (["windows"], ["windows=alu-black", "windows=pvc-white"], [], "two materials given"),
    (["windows"], [], ["windows=#12345"], "bad colour '#12345' for windows; use #RRGGBB"),
    (["windows"], [], ["windows=red"], "bad colour 'red'"),
    (["windows"], [], ["windows"], "bad --color 'windows'"),
    (["windows"], [], ["roof=#112233"], "--color given for 'roof', which is not requested"),
    (["windows"], [], ["windows=#111111", "windows=#222222"], "two colours given"),
])
def test_errors_name_the_fix(types, materials, colours, message):
    with pytest.raises(UserError, match=message):
        parse_request(types, materials, colours)


def test_json_round_trip():
    request = parse_request(["roof", "driveway"], ["roof=natural-slate"], ["driveway=#808080"])
    assert request_from_json(request.to_json()) == request


def test_condition_arrays():
    catalog = load_catalog()
    request = parse_request(["windows", "pool"], ["windows=alu-black"], ["pool=#FFFFFF"])
    arrays = condition_arrays(request)
    assert arrays["active"].tolist() == [0, 0, 1, 0, 0, 1, 0, 0]
    assert arrays["material"][2] == catalog.type("windows").material("alu-black").index
    np.testing.assert_allclose(arrays["colour"][5], [1.0, 0.0, 0.0], atol=1e-3)  # white: L=100, a=b=0
    assert np.all(arrays["colour"][[0, 1, 3, 4, 6, 7]] == 0)
    other = condition_arrays(parse_request(["windows", "pool"], ["windows=pvc-white"]))
    assert other["material"][2] != arrays["material"][2]
