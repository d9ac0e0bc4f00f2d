"""Which renovations a training sample asks for: the request mix of `data build`.

Singles, pairs and triples (55/30/15 %), types drawn evenly among those the photo has a region for, one
facade type at most (insulation and cladding both re-surface the wall), a random material per type and,
one time in five, a random custom colour (the model must follow colours it has never seen as materials).
With focus types (`data build --focus`), every request holds one of them the photo has room for: rare types
(pools, garages, panels) get as many samples as a training mix needs.
"""
from __future__ import annotations

import numpy as np

from renovate_net.catalog import Catalog
from renovate_net.colour import to_hex
from renovate_net.labels import LABEL_ID
from renovate_net.request import RenovationRequest, parse_request

SIZE_SHARES = (0.55, 0.30, 0.15)  # singles, pairs, triples
CUSTOM_COLOUR_SHARE = 0.2
_NEEDS = {"wall": 0.005, "window": 0.0005, "roof": 0.003, "ground": 0.01}


def available_types(labels: np.ndarray, catalog: Catalog) -> list[str]:
    """Types whose label region covers enough of the photo (a quick check; the simulator may still find
    no room, e.g. for a pool, and say so)."""
    share = np.bincount(labels.ravel(), minlength=len(LABEL_ID)) / labels.size
    present = {name for name, needed in _NEEDS.items() if share[LABEL_ID[name]] >= needed}
    return [t.id for t in catalog.types if t.edits in present and present.issuperset(t.also_needs)]


def sample_request(types: list[str], rng: np.random.Generator, catalog: Catalog,
                   focus: tuple[str, ...] = ()) -> RenovationRequest:
    """A random request over `types` (non-empty): 1-3 types, random materials, sometimes custom colours;
    the first type is drawn from `focus` when the photo has room for one of them."""
    count = int(rng.choice(len(SIZE_SHARES), p=SIZE_SHARES)) + 1
    pool = list(types)
    chosen: list[str] = []
    focused = [t for t in pool if t in focus]
    while pool and len(chosen) < count:
        draw_from = focused if focused and not chosen else pool
        type_id = draw_from[int(rng.integers(len(draw_from)))]
        pool.remove(type_id)
        chosen.append(type_id)
        rivals = catalog.rivals(type_id)
        pool = [t for t in pool if t not in rivals]
    materials, colours = [], []
    for type_id in chosen:
        options = catalog.type(type_id).materials
        materials.append(f"{type_id}={options[int(rng.integers(len(options)))].id}")
        if rng.random() < CUSTOM_COLOUR_SHARE:
            colours.append(f"{type_id}={to_hex(tuple(int(c) for c in rng.integers(0, 256, 3)))}")
    return parse_request(chosen, materials, colours, catalog)
