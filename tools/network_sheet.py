"""What the generator adds over the simulator's drawing alone: before | drawing alone | render, cropped around the
edit, for a few requests on held-out house photos.

    python tools/network_sheet.py --photos ../shared/data/houses --out docs/network_vs_drawing.jpg

"Drawing alone" is what render would show without the network: the added objects as the simulator draws them
(`Renovator.objects_for`, which render is then given) and the drawn materials laid in (`render.drawing.detail_drawing`), the
photo everywhere else. "Render" is `renovate-net render` with the shipped models, where the network sets the light
and colour inside the drawing and paints what is not drawn (a render's colour).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from renovate_net.errors import UserError
from renovate_net.imaging import load_image
from renovate_net.render.drawing import detail_drawing
from renovate_net.render.pipeline import Renovator
from renovate_net.request import RenovationRequest, parse_request

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sheets import box_around  # noqa: E402  (tools/sheets.py)

JOBS = [  # (photo stem, types, materials)
    ("127_frontal", ["solar-panels"], []),
    ("140_frontal", ["pool"], []),
    ("184_frontal", ["garage"], []),
    ("125_frontal", ["driveway"], ["driveway=gravel"]),
    ("100_frontal", ["roof"], ["roof=clay-tiles-anthracite"]),
    ("124_frontal", ["facade-cladding"], ["facade-cladding=brick-slip-red"]),
]
HEIGHT = 260  # px of each row


def drawing_alone(image: np.ndarray, labels: np.ndarray, request: RenovationRequest, placement: np.ndarray,
                  drawn: np.ndarray) -> np.ndarray:
    """The photo with the request's drawings laid in (the added objects' `placement` and `drawn`, from
    `Renovator.objects_for`), as the compositor would before the network's light."""
    out = np.where((placement > 0)[..., None], drawn, image)
    textured = detail_drawing(image, labels, request)
    if textured is not None:
        surface, cover, _ = textured
        out = np.where((cover > 0)[..., None], surface, out)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    renovator = Renovator.load()
    rows = []
    for stem, types, materials in JOBS:
        image = load_image(args.photos / f"{stem}.jpg")
        labels, probabilities = renovator.labels_for(image)
        request = parse_request(types, materials)
        try:
            placement, drawn = renovator.objects_for(image, labels, request)
        except UserError as error:
            print(f"{stem}: {error}")
            continue
        rendered = renovator.render(image, request, labels, placement, drawn, probabilities)
        alone = drawing_alone(image, labels, request, placement, drawn)
        box = box_around(rendered.edit_mask > 0, grow=0.25, least=30, aspect=1.5)
        strip = Image.fromarray(np.concatenate([image[box], alone[box], rendered.after[box]], axis=1))
        strip = strip.resize((round(strip.width * HEIGHT / strip.height), HEIGHT), Image.Resampling.LANCZOS)
        ImageDraw.Draw(strip).text((4, 4), f"{stem}: {' + '.join(materials or types)}: before | drawing alone | "
                                   "render", fill="yellow")
        rows.append(strip)
        print(f"{stem}: {' + '.join(types)}")
    sheet = Image.new("RGB", (max(row.width for row in rows), sum(row.height + 4 for row in rows)), "white")
    top = 0
    for row in rows:
        sheet.paste(row, (0, top))
        top += row.height + 4
    args.out.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(args.out, quality=85, optimize=True)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
