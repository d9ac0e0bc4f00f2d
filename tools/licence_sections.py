"""Print the ready-to-paste "## Licences" section of a model card from docs/licences.yaml.

    python tools/licence_sections.py                         # every model version, one section each
    python tools/licence_sections.py facade-segmenter/4      # one version
    python tools/licence_sections.py --appendix              # the appendix of docs/licences.md

The YAML is the source; docs/licences.md's appendix is this script's `--appendix` output, and a test keeps the
two equal, so the sections pasted into model cards never drift from the table.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
YAML_PATH = ROOT / "docs" / "licences.yaml"


def load(path: Path = YAML_PATH) -> dict:
    """docs/licences.yaml as a dict, in file order."""
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _rows(items: list[dict]) -> list[str]:
    return [f"| {item['name']} | {item['licence']} | {'yes' if item['commercial'] else 'no'} |" for item in items]


def section(key: str, entry: dict) -> str:
    """One card's "## Licences" section: the verdict, then what it learnt from and started from."""
    verdict = "yes" if entry["commercial_use"] else "no"
    lines = ["## Licences", "", f"Model `{key}` (run `{entry['run_id']}`). Commercial use: **{verdict}**. "
             f"{entry['note']}", "", "| training data | licence | commercial use |", "|---|---|---|"]
    lines += _rows(entry["training_data"])
    lines += ["", "| initial weights | licence | commercial use |", "|---|---|---|"]
    lines += _rows(entry["pretrained"]) or ["| none: random initialisation | - | yes |"]
    lines += ["", "Source: docs/licences.md. Licences marked unverified could not be checked against the "
              "publisher's own terms."]
    return "\n".join(lines) + "\n"


def appendix(data: dict) -> str:
    """Every section, each under a `###` heading and fenced, as docs/licences.md's appendix holds them."""
    parts = []
    for key, entry in data.items():
        parts.append(f"### {key}\n\n```markdown\n{section(key, entry)}```\n")
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    """Print the asked sections (all by default) or the appendix; exit 2 for an unknown model version."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("keys", nargs="*", help="model versions, e.g. facade-segmenter/4 (default: all)")
    parser.add_argument("--appendix", action="store_true", help="print docs/licences.md's appendix")
    args = parser.parse_args(argv)
    data = load()
    if args.appendix:
        sys.stdout.write(appendix(data))
        return 0
    unknown = [key for key in args.keys if key not in data]
    if unknown:
        print(f"error: not in {YAML_PATH.name}: {', '.join(unknown)}; known: {', '.join(data)}", file=sys.stderr)
        return 2
    sys.stdout.write("\n".join(section(key, data[key]) for key in (args.keys or data)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
