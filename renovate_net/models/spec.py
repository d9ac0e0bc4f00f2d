"""The saved model contract: what a consumer needs to know to feed a model, written into every model folder's
`model.json` (under "contract") and read back by render, evaluate and the tools. Nobody hard-codes a size or
asks a network for its attributes (timm's `PretrainedCfg` is the model).

Folders saved before the contract existed are read with the values their networks were built with, derived
from the saved constructor arguments: no retraining.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

DEFAULT_IMAGE_SIZE = 256     # generators' working long side before the contract was saved
DEFAULT_LAYOUT_SIZE = 384    # long side the shipped generators' training photos were laid out at (`data build --size`)
DEFAULT_WORKING_SIZE = 512   # segmenters' working long side before the contract was saved
SEGMENTER_MULTIPLE = 32      # the FPN's output stride: working sizes are multiples of it


@dataclass(frozen=True)
class GeneratorContract:
    image_size: int            # long side of the working size the generator sees
    input_multiple: int        # both working sides are rounded to multiples of this
    layout_size: int           # long side of the photo the simulator lays added objects out on
    uses_placement: bool       # takes where added objects stand (and is gated by it)
    uses_sketch: bool          # also takes the simulator's drawing of the added objects


@dataclass(frozen=True)
class SegmenterContract:
    working_size: int          # long side of the working size the segmenter sees
    input_multiple: int = SEGMENTER_MULTIPLE


def _generator_traits(name: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    """What a generator's constructor arguments imply (the networks compute the same from them)."""
    if name == "pix2pix_unet":
        return {"input_multiple": 2 ** int(kwargs["num_downs"]), "uses_placement": False, "uses_sketch": False}
    placement = bool(kwargs.get("use_region_prior", True)) and len(kwargs.get("placed_types") or ()) > 0
    return {"input_multiple": 32, "uses_placement": placement,
            "uses_sketch": placement and kwargs.get("sketch_blur") is not None}


def contract_for(kind: str, name: str, kwargs: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    """The contract of a model (as JSON) from its kind, name, constructor arguments and the other fields of its
    `model.json` (`image_size`, `layout_size`, `working_size` when the trainer gave them)."""
    if kind == "generator":
        return asdict(GeneratorContract(image_size=int(spec.get("image_size", DEFAULT_IMAGE_SIZE)),
                                        layout_size=int(spec.get("layout_size", DEFAULT_LAYOUT_SIZE)),
                                        **_generator_traits(name, kwargs)))
    if kind == "segmenter":
        return asdict(SegmenterContract(working_size=int(spec.get("working_size", DEFAULT_WORKING_SIZE))))
    return {}


def generator_contract(spec: dict[str, Any]) -> GeneratorContract:
    """The contract of a generator's `model.json` (saved, or derived for folders that predate it)."""
    saved = spec.get("contract") or contract_for("generator", spec["name"], spec["kwargs"], spec)
    return GeneratorContract(**saved)


def segmenter_contract(spec: dict[str, Any]) -> SegmenterContract:
    saved = spec.get("contract") or contract_for("segmenter", spec["name"], spec["kwargs"], spec)
    return SegmenterContract(**saved)
