"""Acceptance checks of `renovate-net render` on real house photos, run the way a user runs it: the CLI in a
batch, from a folder outside the project, with the shipped champion models.

    python tools/render_check.py --photos held-out-photos/ --count 20 --realism-photos ../shared/data/houses

For each request below it renders `--count` photos in one batch and prints, per request:
  refused      photos render refused with a one-line error (no room for a pool, garage or solar panels)
  s/photo      wall time of the whole command divided by the photos (model load included)
  outside max  largest |after - before| where the edit mask is 0 (pixels reported unchanged)
  unreported   share of pixels that changed but are 0 in the edit mask
  inside mean  lowest, over photos, of the mean |after - before| where the edit mask is > 0
  coverage     smallest and largest share of the photo inside the edit mask
Then the colour check (`--color facade-insulation=#RRGGBB`: median CIEDE2000 of the lit half of the edited
wall to the asked colour) and the realism check: KID (EfficientNet-Lite0 features) of renders of one half of
the photos against the real other half, minus the same for the unrendered photos (x 1e-3). With
`--realism-own-colour` each realism request also runs with the facade in each photo's own wall colour.
`--realism-control` adds the same measure for REAL photos: the rendered half's photos with the lightest walls
against random sets of as many of its photos, i.e. how far KID moves when every house in a set is white.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from renovate_net import metrics
from renovate_net.colour import parse_hex, srgb_to_lab, to_hex
from renovate_net.engine.evaluator import lit_colour_error, pooled_features
from renovate_net.imaging import list_photos, load_image
from renovate_net.labels import LABEL_ID
from renovate_net.render.segmenter import Segmenter

REQUESTS = [["facade-insulation", "windows"], ["pool"], ["solar-panels", "roof"], ["garage", "driveway"],
            ["facade-cladding"]]
COLOURS = ["#B03A2E", "#2E86C1", "#F4D03F", "#7F8C8D", "#1E8449", "#F5F0E6"]
REALISM = ["facade-insulation", "windows", "solar-panels"]
CONTROL_SIZE, CONTROL_DRAWS = 15, 200  # photos per control set; random sets drawn
MODEL: list[str] = []  # ["--model", URI] when --model is given, else the champion


def render(photos: list[Path], types: list[str], out: Path, extra: list[str] = ()) -> tuple[float, list[str]]:
    """Run `renovate-net render` on all photos in one batch from a folder outside the project: (wall seconds,
    the error lines of the photos it refused; exit code 1)."""
    command = [sys.executable, "-m", "renovate_net", "render", *map(str, photos),
               *(arg for t in types for arg in ("--type", t)), *extra, *MODEL, "-o", str(out), "--save-edit-mask"]
    started = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)  # -o is a folder, also for one photo
    done = subprocess.run(command, cwd=out.parent, capture_output=True, text=True)
    refused = [line for line in (done.stdout + done.stderr).splitlines() if line.startswith("error:")]
    if done.returncode not in (0, 1) and not (len(photos) == 1 and "in this photo; use a photo" in done.stderr):  # refused: no room
        raise SystemExit(f"render failed: {done.stderr.strip().splitlines()[-1:]}")
    return time.perf_counter() - started, refused


def outputs(photos: list[Path], out: Path):
    """(photo, before, after, edit mask) of every photo that was rendered."""
    for photo in photos:
        if not (out / f"{photo.stem}_after.png").is_file():
            continue
        before = load_image(photo).astype(np.int16)
        after = np.asarray(Image.open(out / f"{photo.stem}_after.png").convert("RGB")).astype(np.int16)
        edit = np.asarray(Image.open(out / f"{photo.stem}_after_edit.png"))
        yield photo, before, after, edit


def preservation_rows(photos: list[Path], work: Path) -> None:
    print("| request | photos | refused | s/photo | outside max | unreported | inside mean (min) | coverage min-max |")
    print("|---|---|---|---|---|---|---|---|")
    for types in REQUESTS:
        out = work / "+".join(types)
        seconds, refused = render(photos, types, out)
        outside, unreported, inside, coverage = 0, 0.0, [], []
        for _, before, after, edit in outputs(photos, out):
            diff = np.abs(after - before).max(-1)
            outside = max(outside, int(diff[edit == 0].max(initial=0)))
            unreported = max(unreported, float(((diff > 0) & (edit == 0)).mean()))
            inside.append(float(np.abs(after - before)[edit > 0].mean()) if (edit > 0).any() else 0.0)
            coverage.append(float((edit > 0).mean()))
        print(f"| {'+'.join(types)} | {len(photos)} | {len(refused)} | {seconds / len(photos):.2f} | {outside} | "
              f"{unreported:.4%} | {min(inside):.1f} (median {np.median(inside):.1f}) | "
              f"{min(coverage):.1%} - {max(coverage):.1%} |", flush=True)


def colour_rows(photos: list[Path], work: Path) -> None:
    print("\n| --color facade-insulation= | photos | median CIEDE2000 | worst photo |")
    print("|---|---|---|---|")
    for colour in COLOURS:
        out = work / f"colour{colour[1:]}"
        render(photos, ["facade-insulation"], out, ["--color", f"facade-insulation={colour}"])
        errors = [lit_colour_error(after.astype(np.uint8), edit > 0, parse_hex(colour))
                  for _, _, after, edit in outputs(photos, out)]
        errors = [e for e in errors if e is not None]
        print(f"| {colour} | {len(errors)} | {np.median(errors):.2f} | {max(errors):.2f} |", flush=True)


def wall_colour(photo: Path, segmenter) -> str | None:
    """The photo's own wall colour (median of its wall pixels) as #RRGGBB, None when it shows no wall."""
    image = load_image(photo)
    wall = segmenter.predict(image) == LABEL_ID["wall"]
    return to_hex(tuple(int(c) for c in np.median(image[wall], axis=0))) if wall.any() else None


def realism_row(photos: list[Path], work: Path, types: list[str], own_colour: bool = False) -> None:
    """With `own_colour`, the facade types ask for each photo's own wall colour (one render call per photo):
    the renders keep the photos' spread of wall colours, so the KID gap measures how real the new surfaces
    look, not that every house became white."""
    rendered, reference = photos[0::2], photos[1::2]
    out = work / f"realism-{'+'.join(types)}{'-own' if own_colour else ''}"
    if own_colour:
        segmenter = Segmenter.from_uri()
        for photo in rendered:
            colour = wall_colour(photo, segmenter)
            extra = [arg for t in types if t.startswith("facade-") and colour for arg in ("--color", f"{t}={colour}")]
            render([photo], types, out, extra)
    else:
        render(rendered, types, out)  # photos refused (no room for solar panels) drop out of the comparison
    features = metrics.Lite0Features(pretrained=True)
    real = pooled_features(features, [load_image(p) for p in reference])
    befores = [before.astype(np.uint8) for _, before, _, _ in outputs(rendered, out)]
    afters = [after.astype(np.uint8) for _, _, after, _ in outputs(rendered, out)]
    kid_before = metrics.kid(real, pooled_features(features, befores)) * 1e3
    kid_after = metrics.kid(real, pooled_features(features, afters)) * 1e3
    print(f"\n| realism ({'+'.join(types)}{', own wall colour' if own_colour else ''}) | rendered | reference | KID before x1e-3 | KID after x1e-3 | gap |")
    print("|---|---|---|---|---|---|")
    print(f"| | {len(afters)} of {len(rendered)} | {len(reference)} | {kid_before:.3f} | {kid_after:.3f} | "
          f"{kid_after - kid_before:+.3f} |")


def control_row(photos: list[Path], size: int = CONTROL_SIZE) -> None:
    """KID gap of the `size` real photos with the lightest, most neutral walls (L* - 2 C* of the wall's median
    colour) of the rendered half, against random sets of `size` photos of that half; same reference half."""
    rendered, reference = photos[0::2], photos[1::2]
    segmenter = Segmenter.from_uri()
    features = metrics.Lite0Features(pretrained=True)
    real = pooled_features(features, [load_image(p) for p in reference])
    whiteness, candidates = [], []
    for photo in rendered:
        if (colour := wall_colour(photo, segmenter)) is not None:
            lab = srgb_to_lab(np.asarray(parse_hex(colour), np.float64) / 255.0)
            whiteness.append(lab[0] - 2 * np.hypot(lab[1], lab[2]))
            candidates.append(photo)
    candidate_features = pooled_features(features, [load_image(p) for p in candidates])
    white = metrics.kid(real, candidate_features[np.argsort(whiteness)[::-1][:size]]) * 1e3
    rng = np.random.default_rng(0)
    random = [metrics.kid(real, candidate_features[rng.choice(len(candidates), size, replace=False)]) * 1e3
              for _ in range(CONTROL_DRAWS)]
    print("\n| control: real photos | photos | reference | KID x1e-3 | gap |")
    print("|---|---|---|---|---|")
    print(f"| random sets of the rendered half (mean of {CONTROL_DRAWS}) | {size} | {len(reference)} | "
          f"{np.mean(random):.3f} (sd {np.std(random):.3f}) | |")
    print(f"| the lightest walls of the rendered half | {size} | {len(reference)} | {white:.3f} | "
          f"{white - np.mean(random):+.3f} |")


def resolved_photos(folder: Path) -> list[Path]:
    return [photo.resolve() for photo in list_photos(folder)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", type=Path, required=True, help="folder of real house photos")
    parser.add_argument("--first", type=int, default=0, help="index (sorted by name) of the first photo")
    parser.add_argument("--count", type=int, default=20, help="photos per request")
    parser.add_argument("--colour-count", type=int, default=10, help="photos per colour")
    parser.add_argument("--realism-photos", type=Path, default=None,
                        help="folder for the realism check (default --photos): half rendered, half reference")
    parser.add_argument("--skip", nargs="*", default=[], choices=["preservation", "colour", "realism"])
    parser.add_argument("--model", default=None, help="generator URI (default renovate-net@champion)")
    parser.add_argument("--realism-types", nargs="+", action="append", default=None, metavar="TYPE",
                        help=f"request of the realism check (default {' '.join(REALISM)}); repeat for several "
                             "requests, e.g. to see which type moves the KID")
    parser.add_argument("--realism-own-colour", action="store_true",
                        help="also run each realism request with the facade in each photo's own wall colour")
    parser.add_argument("--realism-control", action="store_true",
                        help="also measure the realism check's KID gap for the real photos with the lightest walls")
    args = parser.parse_args()
    if args.model:
        MODEL.extend(["--model", args.model])
    photos = resolved_photos(args.photos)[args.first:args.first + args.count]
    with tempfile.TemporaryDirectory() as temp:
        work = Path(temp) / "outside-the-project"
        work.mkdir()
        if "preservation" not in args.skip:
            preservation_rows(photos, work)
        if "colour" not in args.skip:
            colour_rows(photos[:args.colour_count], work)
        if "realism" not in args.skip:
            for types in args.realism_types or [REALISM]:
                for own_colour in [False, True] if args.realism_own_colour else [False]:
                    realism_row(resolved_photos(args.realism_photos or args.photos), work, types, own_colour)
        if args.realism_control:
            control_row(resolved_photos(args.realism_photos or args.photos))


if __name__ == "__main__":
    main()
