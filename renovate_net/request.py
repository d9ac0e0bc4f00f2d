"""A renovation request: which types, in which material and colour. One object for render, data and evaluate."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import numpy as np

from renovate_net.catalog import Catalog, closest, load_catalog
from renovate_net.colour import parse_hex, srgb_to_lab, to_hex
from renovate_net.errors import UserError


@dataclass(frozen=True)
class Choice:
    """One requested type with its material and the colour to condition on."""
    type_id: str
    material_id: str
    colour: tuple[int, int, int]
    custom_colour: bool  # True when the user gave --color, False for the material's reference colour

    def describe(self) -> str:
        return f"{self.type_id}={self.material_id}" + (f" {to_hex(self.colour)}" if self.custom_colour else "")


@dataclass(frozen=True)
class RenovationRequest:
    """Requested types in catalog order (so the order the user typed never changes the result)."""
    choices: tuple[Choice, ...]

    @property
    def type_ids(self) -> tuple[str, ...]:
        return tuple(c.type_id for c in self.choices)

    def choice(self, type_id: str) -> Choice:
        for choice in self.choices:
            if choice.type_id == type_id:
                return choice
        raise KeyError(type_id)

    def to_json(self) -> dict:
        return {
            "types": list(self.type_ids),
            "materials": {c.type_id: c.material_id for c in self.choices},
            "colours": {c.type_id: to_hex(c.colour) for c in self.choices},
        }

    def describe(self) -> str:
        return ", ".join(c.describe() for c in self.choices)


def split_request(request: RenovationRequest,
                  catalog: Catalog | None = None) -> tuple[RenovationRequest, RenovationRequest]:
    """(the re-surfacing types, the added objects) of a request, each in catalog order."""
    catalog = catalog or load_catalog()
    kinds = [catalog.type(choice.type_id).kind for choice in request.choices]
    return (RenovationRequest(tuple(c for c, kind in zip(request.choices, kinds) if kind == "resurface")),
            RenovationRequest(tuple(c for c, kind in zip(request.choices, kinds) if kind == "additive")))


def _split_pair(option: str, text: str, example: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip() or not value.strip():
        raise UserError(f"bad {option} {text!r}; use {option} {example}")
    return key.strip(), value.strip()


def _check_type(type_id: str, catalog: Catalog) -> None:
    if type_id not in catalog.type_ids:
        raise UserError(f"unknown type {type_id!r}{closest(type_id, catalog.type_ids)}; "
                        f"choose from: {', '.join(catalog.type_ids)}")


def parse_request(
    types: Iterable[str],
    materials: Iterable[str] = (),
    colours: Iterable[str] = (),
    catalog: Catalog | None = None,
) -> RenovationRequest:
    """Build a request from CLI-style strings: types `pool`, materials `T=M`, colours `T=#RRGGBB`.

    Raises UserError naming the valid choices for anything unknown, malformed or inconsistent.
    """
    catalog = catalog or load_catalog()
    wanted = [t.strip() for t in types if t.strip()]
    if not wanted:
        raise UserError(f"no renovation type given; add --type, one of: {', '.join(catalog.type_ids)}")
    for type_id in wanted:
        _check_type(type_id, catalog)

    chosen_material: dict[str, str] = {}
    for text in materials:
        type_id, material_id = _split_pair("--material", text, "windows=alu-black")
        _check_type(type_id, catalog)
        if type_id not in wanted:
            raise UserError(f"--material given for {type_id!r}, which is not requested; add --type {type_id}")
        valid = [m.id for m in catalog.type(type_id).materials]
        if material_id not in valid:
            raise UserError(f"unknown material {material_id!r} for {type_id}{closest(material_id, valid)}; "
                            f"choose from: {', '.join(valid)}")
        if chosen_material.get(type_id, material_id) != material_id:
            raise UserError(f"two materials given for {type_id!r}; give one --material per type")
        chosen_material[type_id] = material_id

    chosen_colour: dict[str, tuple[int, int, int]] = {}
    for text in colours:
        type_id, value = _split_pair("--color", text, "facade-insulation=#E8E4DA")
        _check_type(type_id, catalog)
        if type_id not in wanted:
            raise UserError(f"--color given for {type_id!r}, which is not requested; add --type {type_id}")
        try:
            rgb = parse_hex(value)
        except ValueError:
            raise UserError(f"bad colour {value!r} for {type_id}; use #RRGGBB, e.g. {type_id}=#E8E4DA") from None
        if chosen_colour.get(type_id, rgb) != rgb:
            raise UserError(f"two colours given for {type_id!r}; give one --color per type")
        chosen_colour[type_id] = rgb

    choices = []
    for renovation in catalog.types:  # catalog order, duplicates collapse
        if renovation.id not in wanted:
            continue
        material = renovation.material(chosen_material.get(renovation.id, renovation.default_material))
        colour = chosen_colour.get(renovation.id, material.colour)
        choices.append(Choice(renovation.id, material.id, colour, renovation.id in chosen_colour))
    return RenovationRequest(tuple(choices))


def request_from_json(data: dict, catalog: Catalog | None = None) -> RenovationRequest:
    """Inverse of `RenovationRequest.to_json` (manifests): colours equal to the material's are not custom."""
    catalog = catalog or load_catalog()
    types = list(data.get("types") or [])
    materials = [f"{t}={m}" for t, m in (data.get("materials") or {}).items()]
    request = parse_request(types, materials, catalog=catalog)
    colours = []
    for type_id, hex_colour in (data.get("colours") or {}).items():
        if type_id in request.type_ids:
            reference = catalog.type(type_id).material(request.choice(type_id).material_id).colour
            if parse_hex(hex_colour) == reference:
                continue
        colours.append(f"{type_id}={hex_colour}")
    return parse_request(types, materials, colours, catalog=catalog)


def condition_arrays(request: RenovationRequest, catalog: Catalog | None = None) -> dict[str, np.ndarray]:
    """The model's conditioning input for one request, one slot per catalog type (the contract between
    the data pipeline and the generator):

    - `active`   float32 [T]    multi-hot of requested types
    - `material` int64   [T]    catalog-wide material index per slot (the type's default when inactive)
    - `colour`   float32 [T, 3] requested colour as CIE Lab scaled to about [-1, 1] (L/50-1, a/100, b/100),
                                zero when inactive
    """
    catalog = catalog or load_catalog()
    count = len(catalog.types)
    active = np.zeros(count, np.float32)
    material = np.array([t.material(t.default_material).index for t in catalog.types], np.int64)
    colour = np.zeros((count, 3), np.float32)
    for choice in request.choices:
        renovation = catalog.type(choice.type_id)
        slot = renovation.index
        active[slot] = 1.0
        material[slot] = renovation.material(choice.material_id).index
        lab = srgb_to_lab(np.asarray(choice.colour, np.float64) / 255.0)
        colour[slot] = (lab[0] / 50.0 - 1.0, lab[1] / 100.0, lab[2] / 100.0)
    return {"active": active, "material": material, "colour": colour}
