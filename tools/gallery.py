"""Make the README gallery: before/after pairs on real house photos for every type and a few combinations.

    python tools/gallery.py --photos ../shared/data/houses --out docs/gallery.jpg

Also writes docs/example.jpg: the README's main command (facade insulation + new windows) on
tools/examples/house.jpg, before | after.

Uses the shipped champion models (or --model). Each request gets its own photo among the first --count
(after --first): of the first 4 unused photos with room for it, by the share of the regions it edits they show, the
one render changes most. Prints one line per rendered pair.
"""
from __future__ import annotations

import argparse
import contextlib
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from renovate_net.catalog import load_catalog
from renovate_net.errors import UserError
from renovate_net.imaging import list_photos, load_image
from renovate_net.render.pipeline import Renovator
from renovate_net.request import parse_request

REQUESTS = [
    (["facade-insulation"], ["facade-insulation=render-white"]),
    (["facade-cladding"], ["facade-cladding=brick-slip-red"]),
    (["windows"], ["windows=alu-black"]),
    (["roof"], ["roof=clay-tiles-anthracite"]),
    (["solar-panels"], []),
    (["pool"], []),
    (["garage"], []),
    (["driveway"], ["driveway=clay-pavers"]),
    (["facade-insulation", "windows"], ["facade-insulation=render-cream"]),
    (["solar-panels", "roof"], ["roof=clay-tiles-red"]),
    (["garage", "driveway"], []),
    (["facade-cladding", "windows", "roof"], ["facade-cladding=wood-cladding", "windows=pvc-white"]),
]
TILE = 384
CANDIDATES = 4  # photos rendered per request, the one changed most shown
EXAMPLE = Path(__file__).resolve().parent / "examples" / "house.jpg"
CATALOG = load_catalog()


def region_share(labels: np.ndarray, request) -> float:
    """The smallest share of the photo, over the request's types, of the region a type edits."""
    return min(float((labels == CATALOG.type(choice.type_id).region_id).mean()) for choice in request.choices)


def thumbnail(image: np.ndarray, caption: str) -> Image.Image:
    tile = Image.fromarray(image)
    tile.thumbnail((TILE, TILE))
    canvas = Image.new("RGB", (TILE, TILE * 3 // 4 + 18), "white")
    canvas.paste(tile, ((TILE - tile.width) // 2, 18))
    ImageDraw.Draw(canvas).text((4, 3), caption, fill="black")
    return canvas


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", type=Path, required=True, help="folder of house photos")
    parser.add_argument("--out", type=Path, default=Path("docs/gallery.jpg"))
    parser.add_argument("--model", default=None, help="generator URI (default renovate-net@champion)")
    parser.add_argument("--first", type=int, default=0, help="index (sorted by name) of the first photo to use")
    parser.add_argument("--count", type=int, default=20, help="photos to choose from, one per request")
    args = parser.parse_args()

    photos = list_photos(args.photos)[args.first:args.first + args.count]
    renovator = Renovator.load(args.model, device="cpu")
    images = [load_image(photo) for photo in photos]
    labels = [renovator.labels_for(image) for image in images]
    rows, unused = [], set(range(len(photos)))
    for types, materials in REQUESTS:
        request = parse_request(types, materials)
        # Of the first CANDIDATES unused photos with room for it, by how much they show of what this request
        # edits (a pool needs a garden, panels a roof), the one where render changes most: an added object small
        # or hidden says little.
        results = {}
        for index in sorted(unused, key=lambda i: -region_share(labels[i][0], request)):
            with contextlib.suppress(UserError):  # no room for what the request adds
                labels_of, probabilities = labels[index]
                results[index] = renovator.render(images[index], request, labels_of, probabilities=probabilities)
            if len(results) == CANDIDATES:
                break
        if not results:  # said, and left out of the sheet: the refusal rates are tools/objects_bench.py's
            print(f"{'(none)':>20}  {request.describe()}: no photo among these has room for it")
            continue
        index, result = max(results.items(), key=lambda item: item[1].edit_mask.mean())
        unused.discard(index)
        rows.append((thumbnail(images[index], f"before: {photos[index].name}"),
                     thumbnail(result.after, request.describe())))
        print(f"{photos[index].name:>20}  {request.describe()}")
    width, height = rows[0][0].size
    columns = 2  # pairs per row
    sheet = Image.new("RGB", (columns * 2 * width, -(-len(rows) // columns) * height), "white")
    for i, (before, after) in enumerate(rows):
        x, y = (i % columns) * 2 * width, (i // columns) * height
        sheet.paste(before, (x, y))
        sheet.paste(after, (x + width, y))
    sheet.save(args.out, quality=88)
    print(f"wrote {args.out}")

    image = load_image(EXAMPLE)
    request = parse_request(["facade-insulation", "windows"])
    after = renovator.render(image, request).after
    pair = Image.new("RGB", (2 * image.shape[1] + 8, image.shape[0]), "white")
    pair.paste(Image.fromarray(image), (0, 0))
    pair.paste(Image.fromarray(after), (image.shape[1] + 8, 0))
    example = args.out.with_name("example.jpg")
    pair.save(example, quality=88)
    print(f"wrote {example}")


if __name__ == "__main__":
    main()
