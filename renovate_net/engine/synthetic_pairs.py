"""Training pairs made in memory, for runs without photos (smoke runs, tests, CI): synthetic houses
(`data.synthetic.synthetic_house`) renovated by the project's simulator (`data.simulator.simulate`) with
`data build`'s request mix (`data.sampling`: singles, pairs, triples, random materials, some custom colours).

Everything is generated once, up front, from `seed`, so an item is the same tensor every time it is drawn
(which keeps resumed runs exact). Items follow the `data.dataset` item contract.
"""
from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import Dataset

from renovate_net.catalog import Catalog, load_catalog
from renovate_net.data.sampling import available_types, sample_request
from renovate_net.request import condition_arrays

def _to_item(before, after, labels, edit_mask, placement, arrays) -> dict[str, torch.Tensor]:
    item = {
        "before": torch.from_numpy(before).permute(2, 0, 1).float().div_(255.0),
        "after": torch.from_numpy(after).permute(2, 0, 1).float().div_(255.0),
        "labels": torch.from_numpy(labels.astype(np.int64)),
        "edit_mask": torch.from_numpy(edit_mask[None].astype(np.float32)),
        "placement": torch.from_numpy(placement.astype(np.int64)),
    }
    item.update({key: torch.from_numpy(value.copy()) for key, value in arrays.items()})
    return item


class SyntheticPairs(Dataset):
    """`count` synthetic renovation pairs at `image_size` px, generated from `seed`."""

    def __init__(self, count: int, image_size: int, seed: int, catalog: Catalog | None = None):
        from renovate_net.simulator.renovation import RegionMissing, simulate
        from renovate_net.simulator.synthetic import synthetic_house

        catalog = catalog or load_catalog()
        rng = np.random.default_rng(seed)
        self.items: list[dict[str, torch.Tensor]] = []
        self.requests: list[str] = []
        while len(self.items) < count:
            before, labels = synthetic_house(rng, (image_size, image_size))
            request = sample_request(available_types(labels, catalog), rng, catalog)
            try:
                after, edit_mask, placed = simulate(before, labels, request, rng, catalog)
            except RegionMissing:  # e.g. no free ground left for a pool: draw another house
                continue
            self.items.append(_to_item(before, after, labels, edit_mask, placed, condition_arrays(request, catalog)))
            self.requests.append(request.describe())

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        return self.items[index]
