"""The renovation catalog: types, materials, reference colours, per-type traits, fingerprint.

The catalog ships inside the package and is part of the model's contract: its ids are append-only and
its fingerprint is stored with every checkpoint, so a model never runs against a catalog it was not
trained on. Everything the code treats differently per type is a trait here (see renovations.yaml), so a
new renovation type is its catalog entry plus its drawing code in the simulator.
"""
from __future__ import annotations

import difflib
import functools
import hashlib
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

from renovate_net.colour import parse_hex
from renovate_net.labels import LABEL_ID

KINDS = ("resurface", "additive")
FINISHES = ("smooth", "textured")


@dataclass(frozen=True)
class Material:
    id: str
    name: str
    colour: tuple[int, int, int]
    texture: str
    index: int  # position in the catalog-wide material list (the embedding row)


@dataclass(frozen=True)
class RenovationType:
    id: str
    name: str
    edits: str
    kind: str
    default_material: str
    materials: tuple[Material, ...]
    index: int  # position in the type list (the multi-hot slot)
    drawing: str  # the simulator's drawing of this type
    finish: str | None = None  # wall re-surfacing only: "smooth" or "textured"
    detail_drawn: bool = False  # render lays the simulator's drawing in at full size for its fine texture
    casts_shadow: bool = True  # added objects: casts a shadow around it (not a pool, which lies in the ground)
    also_needs: tuple[str, ...] = ()  # further label regions the photo must show

    @property
    def region_id(self) -> int:
        """The facade label id of the region this type edits."""
        return LABEL_ID[self.edits]

    def material(self, material_id: str) -> Material:
        for material in self.materials:
            if material.id == material_id:
                return material
        raise KeyError(material_id)


@dataclass(frozen=True)
class Catalog:
    types: tuple[RenovationType, ...]
    combinations: tuple[tuple[str, ...], ...] = ()  # measured by `evaluate` after every single type

    def rivals(self, type_id: str) -> tuple[str, ...]:
        """The other re-surfacing types of the same region: one request holds at most one of them (render
        and cladding both re-surface the wall)."""
        own = self.type(type_id)
        if own.kind != "resurface":
            return ()
        return tuple(t.id for t in self.types if t.id != type_id and t.kind == "resurface" and t.edits == own.edits)

    @property
    def type_ids(self) -> tuple[str, ...]:
        return tuple(t.id for t in self.types)

    @property
    def materials(self) -> tuple[Material, ...]:
        return tuple(m for t in self.types for m in t.materials)

    def type(self, type_id: str) -> RenovationType:
        for renovation in self.types:
            if renovation.id == type_id:
                return renovation
        raise KeyError(type_id)

    @functools.cached_property
    def fingerprint(self) -> str:
        """sha256 over everything a model depends on: ids, order, regions, kinds, colours, textures."""
        canonical = [
            [t.id, t.edits, t.kind, t.default_material,
             [[m.id, list(m.colour), m.texture] for m in t.materials]]
            for t in self.types
        ]
        return hashlib.sha256(json.dumps(canonical, separators=(",", ":")).encode()).hexdigest()[:16]

    def to_json(self) -> list[dict]:
        return [
            {
                "id": t.id, "name": t.name, "edits": t.edits, "kind": t.kind,
                "default_material": t.default_material,
                "materials": [
                    {"id": m.id, "name": m.name, "colour": "#{:02X}{:02X}{:02X}".format(*m.colour),
                     "texture": m.texture}
                    for m in t.materials
                ],
            }
            for t in self.types
        ]


def closest(word: str, choices) -> str:
    """' (did you mean X?)' when a close match exists, else ''."""
    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {match[0]!r}?)" if match else ""


def parse_catalog(raw: dict) -> Catalog:
    """Validate a raw catalog mapping; raise ValueError on anything a model could trip over."""
    types, type_ids, material_ids = [], set(), set()
    for t_index, entry in enumerate(raw.get("types") or []):
        type_id = entry["id"]
        if type_id in type_ids:
            raise ValueError(f"catalog: duplicate type id {type_id!r}")
        if entry["edits"] not in LABEL_ID:
            raise ValueError(f"catalog: type {type_id!r} edits unknown region {entry['edits']!r}")
        if entry["kind"] not in KINDS:
            raise ValueError(f"catalog: type {type_id!r} has kind {entry['kind']!r}; choose from {KINDS}")
        materials = []
        for m in entry.get("materials") or []:
            if m["id"] in material_ids:
                raise ValueError(f"catalog: duplicate material id {m['id']!r}")
            material_ids.add(m["id"])
            materials.append(Material(m["id"], m["name"], parse_hex(m["colour"]), m["texture"],
                                      index=len(material_ids) - 1))
        if not materials:
            raise ValueError(f"catalog: type {type_id!r} has no materials")
        if entry["default_material"] not in {m.id for m in materials}:
            raise ValueError(f"catalog: type {type_id!r} default material {entry['default_material']!r} "
                             "is not one of its materials")
        type_ids.add(type_id)
        types.append(RenovationType(type_id, entry["name"], entry["edits"], entry["kind"],
                                    entry["default_material"], tuple(materials), t_index, **_traits(entry)))
    if not types:
        raise ValueError("catalog: no types")
    combinations = tuple(tuple(combination) for combination in raw.get("combinations") or [])
    for combination in combinations:
        unknown = [t for t in combination if t not in type_ids]
        if unknown:
            raise ValueError(f"catalog: combination {list(combination)} names unknown types {unknown}")
    return Catalog(tuple(types), combinations)


def _traits(entry: dict) -> dict:
    """A type's traits (renovations.yaml's header says what each means), validated."""
    type_id = entry["id"]
    if not entry.get("drawing"):
        raise ValueError(f"catalog: type {type_id!r} names no drawing (the simulator's drawing of it)")
    finish = entry.get("finish")
    if finish is not None and (finish not in FINISHES or entry["edits"] != "wall"):
        raise ValueError(f"catalog: type {type_id!r} finish {finish!r}: only wall types have one, of {FINISHES}")
    also_needs = tuple(entry.get("also_needs") or ())
    unknown = [region for region in also_needs if region not in LABEL_ID]
    if unknown:
        raise ValueError(f"catalog: type {type_id!r} also_needs unknown regions {unknown}")
    return {"drawing": entry["drawing"], "finish": finish, "detail_drawn": bool(entry.get("detail_drawn", False)),
            "casts_shadow": bool(entry.get("casts_shadow", True)), "also_needs": also_needs}


def load_catalog(path: str | Path | None = None) -> Catalog:
    """The packaged catalog, or one from `path` (tests)."""
    if path is None:
        return _packaged_catalog()
    return parse_catalog(yaml.safe_load(Path(path).read_text()))


@functools.lru_cache(maxsize=1)
def _packaged_catalog() -> Catalog:
    text = resources.files(__package__).joinpath("renovations.yaml").read_text()
    return parse_catalog(yaml.safe_load(text))
