"""The saved model contract: written with every model, read by render; folders that predate it read with the
values their networks were built with."""
import json

from model_fixtures import SMALL
from renovate_net.models import create
from renovate_net.models.spec import generator_contract, segmenter_contract
from renovate_net.models.store import read_spec, save_model
from renovate_net.tracking import resolve_model


def test_a_saved_generator_carries_its_contract(tmp_path):
    kwargs = dict(SMALL[("generator", "attention_unet")])
    model = create("generator", "attention_unet", **kwargs)
    folder = save_model(tmp_path / "g", model, "generator", "attention_unet", kwargs,
                        extra={"image_size": 64, "layout_size": 512})
    saved = json.loads((folder / "model.json").read_text())["contract"]
    assert saved == {"image_size": 64, "input_multiple": model.input_multiple, "layout_size": 512,
                     "uses_placement": model.uses_placement, "uses_sketch": model.uses_sketch}
    assert generator_contract(read_spec(folder)).image_size == 64


def test_the_contract_derived_for_old_folders_matches_the_network(tmp_path):
    for name in ("attention_unet", "pix2pix_unet"):
        kwargs = dict(SMALL[("generator", name)])
        model = create("generator", name, **kwargs)
        spec = {"kind": "generator", "name": name, "kwargs": kwargs, "image_size": 64}  # no "contract"
        contract = generator_contract(spec)
        assert contract.input_multiple == model.input_multiple
        assert contract.uses_placement == getattr(model, "uses_placement", False)
        assert contract.uses_sketch == getattr(model, "uses_sketch", False)
        assert contract.layout_size == 384 and contract.image_size == 64


def test_the_shipped_models_load_with_their_contracts():
    generator = generator_contract(read_spec(resolve_model("models:/renovate-net@champion")))
    assert (generator.image_size, generator.input_multiple, generator.layout_size) == (256, 32, 384)
    assert generator.uses_placement and generator.uses_sketch
    assert segmenter_contract(read_spec(resolve_model("models:/facade-segmenter@champion"))).working_size == 512
