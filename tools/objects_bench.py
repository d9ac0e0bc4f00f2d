"""Added objects on real house photos: for solar panels, a pool and a garage, how often `render` refuses a photo
and why, how much of the photo the edit takes, the time per photo, and a sheet of before | after crops to look at.

    flock /tmp/renovate-heavy.lock python tools/objects_bench.py --out docs/objects
    python tools/objects_bench.py --photos FOLDER --count 12 --out /tmp/objects
    python tools/objects_bench.py --with facade-cladding --out docs/objects_clad   # objects on the renovated house

Photos: the first --count (default 40: the generator's held-out photos and the next 20) of --photos sorted by name.
Each photo is segmented once and rendered once per type with the shipped champion models (or --model), in one
process, the way `render` does. Prints a markdown table:
  refused     photos refused with a one-line error (no room), and the reasons, counted
  edit        share of the photo inside the edit mask: median (min-max) over rendered photos
  s/photo     model load / photos + segmentation + the render of that type, on this machine's threads
  outside     pixels changed but not in the edit mask, over all photos (must be 0)
and, against --places (judged by eye: does the photo show a place for the object? yes / no / unsure), a second
table: of the photos with a place, how many were refused; of those without, how many got the object anyway.
Writes OUT_solar.jpg, OUT_pool.jpg, OUT_garage.jpg: the first 12 rendered photos of each type, before | after,
cropped around the edit, as JPEGs of at most 300 KB.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

from renovate_net.errors import UserError
from renovate_net.imaging import list_photos, load_image
from renovate_net.render.pipeline import Renovator
from renovate_net.request import parse_request

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sheets import crop_pair, write_sheet  # noqa: E402  (tools/sheets.py)

TYPES = ["solar-panels", "pool", "garage"]
SHEET_NAMES = {"solar-panels": "solar", "pool": "pool", "garage": "garage"}
HOUSES = Path(__file__).resolve().parents[2] / "shared" / "data" / "houses"
PLACES = Path(__file__).resolve().parent / "labels" / "houses-places.json"
SHEET_PAIRS, SHEET_COLUMNS, SIDE = 12, 2, (420, 280)  # pairs per sheet, pairs per row, one crop's box (px)
SHEET_BYTES = 300_000


def reason(error: UserError) -> str:
    """The refusal's reason: `--type T: REASON in this photo; use ...` -> REASON."""
    text = str(error).split(": ", 1)[-1]
    return text.split(" in this photo", 1)[0]


def bench(photos: list[Path], model: str | None, out: Path, places: dict, also: list[str]) -> None:
    """Render every photo once per type (with the re-surfacing types `also`) with one loaded model; print the
    table and write the sheets."""
    started = time.perf_counter()
    renovator = Renovator.load(model, device="cpu")
    load = time.perf_counter() - started
    seconds = {t: [] for t in TYPES}
    refusals = {t: Counter() for t in TYPES}
    shares = {t: [] for t in TYPES}
    outside = {t: 0 for t in TYPES}
    pairs = {t: [] for t in TYPES}
    placed = {t: set() for t in TYPES}
    for photo in photos:
        image = load_image(photo)
        started = time.perf_counter()
        labels, probabilities = renovator.labels_for(image)
        segmenting = time.perf_counter() - started
        line = []
        for type_id in TYPES:
            started = time.perf_counter()
            try:
                rendered = renovator.render(image, parse_request([type_id, *also]), labels=labels,
                                            probabilities=probabilities)
            except UserError as error:
                rendered, refusal = None, reason(error)
            seconds[type_id].append(segmenting + time.perf_counter() - started)
            if rendered is None:
                refusals[type_id][refusal] += 1
                line.append(f"{type_id} refused")
                continue
            edit = rendered.edit_mask > 0
            placed[type_id].add(photo.stem)
            shares[type_id].append(float(edit.mean()))
            line.append(f"{type_id} {shares[type_id][-1]:.1%}")
            outside[type_id] += int(((rendered.after != image).any(axis=-1) & ~edit).sum())
            if len(pairs[type_id]) < SHEET_PAIRS and edit.any():
                pairs[type_id].append((photo.stem, crop_pair(image, rendered.after, edit, SIDE)))
        print(f"{photo.name}: " + ", ".join(line), flush=True)
    table(photos, load, seconds, refusals, shares, outside)
    if places:
        against_places(photos, placed, places)
    for type_id in TYPES:
        sheet = Path(f"{out}_{SHEET_NAMES[type_id]}.jpg")
        write_sheet(pairs[type_id], sheet, SIDE, SHEET_COLUMNS, SHEET_BYTES)
        print(f"sheet: {sheet} ({len(pairs[type_id])} photos)")


def table(photos: list[Path], load: float, seconds: dict, refusals: dict, shares: dict, outside: dict) -> None:
    """The markdown table: one row per type."""
    count = len(photos)
    print(f"\n{count} photos, model load {load:.2f} s\n")
    print("| object | refused | reasons | edit, median (min-max) | s/photo | outside |")
    print("|---|---|---|---|---|---|")
    for type_id in TYPES:
        refused = sum(refusals[type_id].values())
        reasons = "; ".join(f"{n}× {text}" for text, n in refusals[type_id].most_common()) or "-"
        edit = (f"{np.median(shares[type_id]):.2%} ({min(shares[type_id]):.2%}-{max(shares[type_id]):.2%})"
                if shares[type_id] else "-")
        per_photo = load / count + float(np.mean(seconds[type_id]))
        print(f"| {type_id} | {refused}/{count} ({refused / count:.0%}) | {reasons} | {edit} | {per_photo:.2f} | "
              f"{outside[type_id]} |")


def against_places(photos: list[Path], placed: dict, places: dict) -> None:
    """The markdown table against the places judged by eye: refused where the photo has a place, placed where
    it has none (the photos named)."""
    judged = [p.stem for p in photos if p.stem in places]
    print(f"\nAgainst the places judged by eye ({len(judged)} of the photos):\n")
    print("| object | photos with a place | refused there | photos without | placed there anyway | unsure: placed |")
    print("|---|---|---|---|---|---|")
    for type_id in TYPES:
        says = {stem: places[stem][type_id] for stem in judged}
        yes = [s for s in judged if says[s] == "yes"]
        no = [s for s in judged if says[s] == "no"]
        unsure = [s for s in judged if says[s] == "unsure"]
        missed = [s.split("_")[0] for s in yes if s not in placed[type_id]]
        wrong = [s.split("_")[0] for s in no if s in placed[type_id]]
        print(f"| {type_id} | {len(yes)} | {len(missed)} ({', '.join(missed) or '-'}) | {len(no)} | "
              f"{len(wrong)} ({', '.join(wrong) or '-'}) | {sum(s in placed[type_id] for s in unsure)}/{len(unsure)} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=Path, default=HOUSES)
    parser.add_argument("--count", type=int, default=40)
    parser.add_argument("--model", default=None, help="generator URI or folder (default: the champion)")
    parser.add_argument("--out", type=Path, default=Path("objects"), help="sheet path prefix")
    parser.add_argument("--places", type=Path, default=PLACES,
                        help="JSON of places judged by eye: {photo stem: {type: yes|no|unsure}}")
    parser.add_argument("--with", dest="also", action="append", default=[], metavar="TYPE",
                        help="a re-surfacing type asked with each object (repeatable), e.g. facade-cladding")
    args = parser.parse_args()
    photos = sorted(list_photos(args.photos))[:args.count]
    places = json.loads(args.places.read_text()) if args.places.exists() else {}
    bench(photos, args.model, args.out, places, args.also)


if __name__ == "__main__":
    main()
