"""How predictable the simulator's additive objects are, on real photos: prints a table.

For each additive type (pool, garage, solar panels) the simulator renovates every photo `--repeats` times
with different seeds. Per type it prints on how many photos it found room, the mean change one sample makes
inside its own edit mask, the change the average of the samples makes over the union of their masks (what
an L1-trained network can at best learn when nothing in its input says where the object goes), and how
often a pixel of that union is inside a given sample's mask.

    python tools/placement_check.py --photos held-out-photos/ --repeats 12
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from renovate_net.data.build import list_photos, resize_pair
from renovate_net.simulator.renovation import RegionMissing, simulate
from renovate_net.imaging import load_image
from renovate_net.request import parse_request
from renovate_net.render.segmenter import DEFAULT_URI, Segmenter

ADDITIVE = ("pool", "garage", "solar-panels")


def samples(image: np.ndarray, labels: np.ndarray, type_id: str, repeats: int):
    """(after - before, edit mask > 0.5) for each seed the simulator found room with."""
    request = parse_request([type_id], [], [])
    for seed in range(repeats):
        try:
            after, mask, _ = simulate(image, labels, request, np.random.default_rng(seed))
        except RegionMissing:
            continue
        yield after.astype(np.float32) - image.astype(np.float32), mask > 0.5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", type=Path, required=True, help="folder of real house photos")
    parser.add_argument("--repeats", type=int, default=12, help="simulated samples per photo and type")
    parser.add_argument("--size", type=int, default=384, help="long side photos are resized to (data build's)")
    args = parser.parse_args()

    segmenter = Segmenter.from_uri(DEFAULT_URI)
    rows = {type_id: [] for type_id in ADDITIVE}
    photos = list_photos(args.photos)
    for path in photos:
        image = load_image(path)
        image, labels = resize_pair(image, segmenter.predict(image), args.size)  # as `data build` does
        for type_id in ADDITIVE:
            made = list(samples(image, labels, type_id, args.repeats))
            if len(made) < 2:
                continue
            diffs, masks = np.stack([d for d, _ in made]), np.stack([m for _, m in made])
            union = masks.any(axis=0)
            rows[type_id].append((np.mean([np.abs(d)[m].mean() for d, m in made]),
                                  np.abs(diffs.mean(axis=0))[union].mean(), masks.mean(axis=0)[union].mean()))

    print(f"| type | photos with room (of {len(photos)}) | one sample's change | average of samples' change "
          "| mask agreement |")
    print("|---|---|---|---|---|")
    for type_id, found in rows.items():
        if not found:
            print(f"| {type_id} | 0 | - | - | - |")
            continue
        single, average, agreement = np.mean(found, axis=0)
        print(f"| {type_id} | {len(found)} | {single:.1f} | {average:.1f} | {agreement:.0%} |")


if __name__ == "__main__":
    main()
