"""Fingerprint what the commands produce, to prove that a refactor changed no behaviour.

    python tools/behaviour_snapshot.py --photos ../shared/data/houses -o /tmp/before.json
    # ... refactor ...
    python tools/behaviour_snapshot.py --photos ../shared/data/houses -o /tmp/after.json --compare /tmp/before.json

Runs the CLI as a user does (a subprocess per command, shipped champion models) on the first `--count` photos:
`render` with every request in REQUESTS (every renovation type at least once, `--save-edit-mask`), `segment`,
and `data build` with the segmenter's labels. Records the SHA-256 of every file written and every error line
printed, writes them as JSON, and with `--compare` lists every difference (exit 1 if any).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from renovate_net.imaging import list_photos

REQUESTS = [["facade-insulation", "windows"], ["pool"], ["solar-panels", "roof"], ["garage", "driveway"],
            ["facade-cladding", "--material", "facade-cladding=brick-slip-red"]]


def run(args: list[str], cwd: Path) -> list[str]:
    """Run `renovate-net ARGS`; the error lines it printed (a refused photo is behaviour too)."""
    done = subprocess.run([sys.executable, "-m", "renovate_net", *args], cwd=cwd, capture_output=True, text=True)
    if done.returncode not in (0, 1):
        raise SystemExit(f"renovate-net {' '.join(args[:3])} failed: {done.stderr.strip()[-400:]}")
    return sorted(line for line in done.stderr.splitlines() if line.startswith(("error:", "warning:")))


def fingerprints(folder: Path) -> dict[str, str]:
    return {str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*")) if path.is_file()}


def snapshot(photos: list[Path], work: Path) -> dict[str, object]:
    result: dict[str, object] = {}
    for request in REQUESTS:
        name = "+".join(word for word in request if not word.startswith("-") and "=" not in word)
        out = work / "render" / name
        out.mkdir(parents=True)
        types = [arg for word in request for arg in (("--type", word) if not word.startswith("-") and "=" not in word
                                                      else (word,))]
        lines = run(["render", *map(str, photos), *types, "-o", str(out), "--save-edit-mask"], work)
        result[f"render {name}"] = {"errors": [line.replace(str(work), "WORK") for line in lines],
                                    "files": fingerprints(out)}
    run(["segment", *map(str, photos), "-o", str(work / "labels"), "--overlay"], work)
    result["segment"] = fingerprints(work / "labels")
    build = work / "build"
    run(["data", "build", "--photos", str(photos[0].parent), "--labels", str(work / "labels"), "--out", str(build),
         "--per-photo", "2", "--seed", "0"], work)
    result["data build"] = fingerprints(build)
    return result


def differences(before: dict, after: dict, prefix: str = "") -> list[str]:
    if isinstance(before, dict) and isinstance(after, dict):
        return [line for key in sorted(set(before) | set(after))
                for line in differences(before.get(key), after.get(key), f"{prefix}/{key}")]
    return [] if before == after else [f"{prefix}: {before} -> {after}"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", type=Path, required=True)
    parser.add_argument("--count", type=int, default=10)
    parser.add_argument("-o", "--out", type=Path, required=True, help="JSON of every fingerprint")
    parser.add_argument("--compare", type=Path, default=None, help="An earlier snapshot to compare with")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        chosen = Path(tmp) / "photos"
        chosen.mkdir()
        for photo in list_photos(args.photos)[:args.count]:
            (chosen / photo.name).write_bytes(photo.read_bytes())
        result = snapshot(sorted(chosen.iterdir()), Path(tmp))
    args.out.write_text(json.dumps(result, indent=1))
    files = sum(len(v["files"]) if "files" in v else len(v) for v in result.values())
    print(f"{files} files fingerprinted -> {args.out}")
    if args.compare:
        diff = differences(json.loads(args.compare.read_text()), result)
        print("\n".join(diff) if diff else "identical: every output byte-identical to the earlier snapshot")
        sys.exit(1 if diff else 0)


if __name__ == "__main__":
    main()
