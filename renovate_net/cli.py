"""The `renovate-net` command line: parses options and dispatches; the work lives in the package modules.

User errors (UserError) print one line on stderr and exit with code 2; `--debug` shows the traceback.
"""
from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import click

from renovate_net import __version__
from renovate_net.errors import UserError


class _Group(click.Group):
    """A click group that turns UserError into one line on stderr and exit code 2."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except UserError as error:
            if ctx.meta.get("debug"):
                raise
            click.echo(f"error: {error}", err=True)
            sys.exit(2)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="renovate-net")
@click.option("--debug", is_flag=True, help="Show full tracebacks instead of one-line errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """See your own house after renovation.

    \b
    Example:
      renovate-net render --type facade-insulation --type windows house.jpg
    """
    ctx.meta["debug"] = debug
    _show_notes()


def _show_notes() -> None:
    """The package's INFO notes (which model store answered, ...) as `note: ...` lines on stderr."""
    logger = logging.getLogger("renovate_net")
    if not any(isinstance(handler, _NoteHandler) for handler in logger.handlers):
        logger.addHandler(_NoteHandler())
        logger.setLevel(logging.INFO)


class _NoteHandler(logging.Handler):
    """Writes to whatever stderr is at the time (click's test runner swaps it)."""

    def emit(self, record: logging.LogRecord) -> None:
        click.echo(f"note: {record.getMessage()}", err=True)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the catalog as a JSON list.")
def types(as_json: bool) -> None:
    """List the renovation types, their materials and reference colours.

    \b
    Examples:
      renovate-net types
      renovate-net types --json
    """
    from renovate_net.catalog import load_catalog
    from renovate_net.colour import to_hex

    catalog = load_catalog()
    if as_json:
        click.echo(json.dumps(catalog.to_json(), indent=2))
        return
    click.echo(f"{'type':<18} {'edits':<7} {'material':<26} {'colour':<8} texture")
    for renovation in catalog.types:
        for material in renovation.materials:
            default = " (default)" if material.id == renovation.default_material else ""
            first = material is renovation.materials[0]
            click.echo(f"{renovation.id if first else '':<18} {renovation.edits if first else '':<7} "
                       f"{material.id:<26} {to_hex(material.colour):<8} "
                       f"{material.texture}{default}")
    click.echo(f"\ncatalog fingerprint {catalog.fingerprint}")


@cli.command()
@click.option("--config", "config_path", required=True, type=click.Path(dir_okay=False),
              help="Experiment YAML in configs/, laid over configs/base.yaml.")
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE",
              help="Override a config key (repeatable), e.g. --set train.steps=200.")
@click.option("--resume", type=click.Path(), default=None,
              help="Checkpoint file (or run folder) to continue from exactly where it stopped.")
def train(config_path: str, overrides: tuple[str, ...], resume: str | None) -> None:
    """Train the generator or the segmenter (the config's `task` says which), log to MLflow, register it.

    \b
    Examples:
      renovate-net train --config configs/cpu.yaml
      renovate-net train --config configs/segmenter.yaml --set train.epochs=5
      renovate-net train --config configs/cpu.yaml --resume runs/cpu/last.safetensors
    """
    from renovate_net.config import load_config
    from renovate_net.engine import train as run_training

    run_training(load_config(config_path, overrides), resume=resume)


@cli.command()
@click.argument("images", nargs=-1, required=True, type=click.Path())
@click.option("-o", "--output", "out_dir", type=click.Path(), default=None,
              help="Folder for <stem>.png label maps (created if missing); default: the current folder.")
@click.option("--overlay", is_flag=True, help="Also write <stem>_overlay.png: the labels' colours over the photo.")
@click.option("--model", default="models:/facade-segmenter@champion", show_default=True,
              help="Segmenter: models:/NAME@ALIAS, models:/NAME/VERSION, runs:/RUN/model or a model folder.")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True)
@click.option("--force", is_flag=True, help="Overwrite existing output files.")
def segment(images, out_dir, overlay, model, device, force) -> None:
    """Label each photo's sky, wall, roof, windows, door, vegetation and ground.

    Writes a single-channel PNG of class ids (0 other, 1 sky, 2 wall, 3 roof, 4 window, 5 door,
    6 vegetation, 7 ground) at the photo's size, named <stem>.png, for `render --mask` or your own edits.

    \b
    Examples:
      renovate-net segment house.jpg
      renovate-net segment photos/*.jpg -o labels/ --overlay
    """
    from renovate_net.render.files import segment_files

    for path in segment_files(images, out_dir, with_overlay=overlay, model_uri=model, force=force, device=device):
        click.echo(str(path))


@cli.command()
@click.argument("images", nargs=-1, required=True, type=click.Path())
@click.option("--type", "types", multiple=True, metavar="TYPE",
              help="Renovation type (repeatable); see `renovate-net types`.")
@click.option("--material", "materials", multiple=True, metavar="TYPE=MATERIAL",
              help="Material for a requested type, e.g. windows=alu-black.")
@click.option("--color", "--colour", "colours", multiple=True, metavar="TYPE=#RRGGBB",
              help="Custom colour for a requested type, e.g. facade-insulation=#E8E4DA.")
@click.option("--mask", type=click.Path(), default=None,
              help="Label PNG (class ids, the photo's size) instead of the segmenter's labels.")
@click.option("--model", default=None, help="Generator: models:/NAME@ALIAS, models:/NAME/VERSION or a folder "
              "(default models:/renovate-net@champion).")
@click.option("--segmenter", default=None, help="Segmenter that labels the photos, e.g. models:/facade-segmenter-open"
              "@champion (default models:/facade-segmenter@champion; not used with --mask).")
@click.option("-o", "--output", default=None,
              help="Output file (one photo) or folder (several); default <stem>_after.png beside each photo.")
@click.option("--save-edit-mask", is_flag=True, help="Also write <output stem>_edit.png (0 = pixel unchanged).")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True)
@click.option("--force", is_flag=True, help="Overwrite existing output files.")
def render(images, types, materials, colours, mask, model, segmenter, output, save_edit_mask, device,
           force) -> None:
    """Render the renovated house for each photo, at the photo's full resolution.

    \b
    Examples:
      renovate-net render --type facade-insulation --type windows house.jpg
      renovate-net render --type pool --type driveway --material driveway=gravel house.jpg -o after.png
      renovate-net render --type facade-insulation --color facade-insulation=#E8E4DA photos/*.jpg -o out/
    """
    from tqdm import tqdm

    from renovate_net.render.files import render_files
    from renovate_net.request import parse_request

    request = parse_request(types, materials, colours)
    failures = render_files(list(images), request, output=output, mask=mask, model=model, segmenter=segmenter,
                            device=device,
                            save_edit_mask=save_edit_mask, force=force,
                            report=lambda line: tqdm.write(line, file=sys.stderr))  # above the progress bar
    if failures:
        click.echo(f"rendered {len(images) - len(failures)} of {len(images)} photos; {len(failures)} failed",
                   err=True)
        sys.exit(1)


@cli.command()
@click.option("--model", default="models:/renovate-net@champion", show_default=True,
              help="Generator to measure: registry URI or model folder.")
@click.option("--baseline", default=None,
              help="Baseline measured in the same run, e.g. models:/renovate-net-baseline@champion.")
@click.option("--data", required=True, type=click.Path(),
              help="A built dataset (folder with manifest.jsonl) or a folder of plain house photos.")
@click.option("--out", default=None, type=click.Path(), help="Write the full report as JSON here.")
@click.option("--limit", type=int, default=None, help="Use only the first N samples.")
@click.option("--seed", type=int, default=0, show_default=True, help="Simulator seed for plain photos.")
@click.option("--raw", is_flag=True,
              help="Measure the generators' own output, without the label guidance (edit gate, colour lock).")
@click.option("--force", is_flag=True, help="Overwrite an existing report file.")
def evaluate(model, baseline, data, out, limit, seed, raw, force) -> None:
    """Measure a generator (and the pix2pix baseline) against simulator targets: edit-region L1 / PSNR /
    SSIM, perceptual distance, preservation, realism (KID gap), colour error and render time.

    \b
    Example:
      renovate-net evaluate --model models:/renovate-net@champion \\
        --baseline models:/renovate-net-baseline@champion --data photos/ --out report.json
    """
    from renovate_net.engine.evaluator import evaluate as run_evaluation
    from renovate_net.engine.evaluator import log_report, markdown, write_report

    if out is not None:
        from renovate_net.imaging import check_writable

        check_writable(out, force)
    report = run_evaluation(model, data, baseline=baseline, seed=seed, limit=limit, guided=not raw)
    click.echo(markdown(report))
    log_report(report)
    if out is not None:
        write_report(report, out, force=force)


@cli.command("fetch-photo")
@click.argument("address", required=False)
@click.option("--lat", type=float, default=None, help="Latitude of the house, instead of an ADDRESS.")
@click.option("--lon", type=float, default=None, help="Longitude of the house, instead of an ADDRESS.")
@click.option("-o", "--output", type=click.Path(), default=None,
              help="Photo to write (.jpg or .png); its attribution goes to OUTPUT.attribution.json.")
@click.option("--radius", type=click.IntRange(1, 500), default=50, show_default=True,
              help="Search radius around the house, in metres.")
@click.option("--pick", type=click.IntRange(1), default=1, show_default=True,
              help="Take the N-th best candidate (see --list).")
@click.option("--list", "list_only", is_flag=True, help="Print the candidates; download nothing.")
@click.option("--country", default="be", show_default=True,
              help="Country codes the address search is limited to (comma-separated); '' for anywhere.")
@click.option("--force", is_flag=True, help="Overwrite an existing photo and attribution file.")
def fetch_photo(address, lat, lon, output, radius, pick, list_only, country, force) -> None:
    """Download a street-level "before" photo of a house from Mapillary (CC BY-SA 4.0), credited.

    Geocodes ADDRESS with OpenStreetMap's Nominatim, ranks the Mapillary images within --radius by distance
    and by how squarely the camera faces the house, and writes the best one with its attribution. Needs
    MAPILLARY_ACCESS_TOKEN; set RENOVATE_CONTACT (e-mail or URL) to identify yourself to Nominatim.
    See docs/streetview.md.

    \b
    Examples:
      renovate-net fetch-photo "Veldstraat 10, 9000 Gent" -o house.jpg
      renovate-net fetch-photo "Veldstraat 10, 9000 Gent" --list
      renovate-net fetch-photo --lat 51.0516 --lon 3.7220 --pick 2 -o house.jpg --force
    """
    from renovate_net.streetview.fetch import fetch_photo as run_fetch
    from renovate_net.streetview.fetch import find_candidates, format_candidates

    if list_only:
        target, candidates = find_candidates(address, lat, lon, radius, country or None)
        click.echo("\n".join(format_candidates(target, candidates, radius)))
        return
    if output is None:
        raise UserError("pass -o FILE.jpg for the photo, or --list to see the candidates")
    result = run_fetch(output, address, lat, lon, radius, pick, country or None, force)
    c = result.candidate
    click.echo(f"wrote {result.photo} (Mapillary {c.image.id} by {c.image.creator or 'unknown'}, "
               f"{(c.image.captured_at or '?')[:10]}, {c.distance_m:.0f} m away, "
               f"{'?' if c.heading_error_deg is None else f'{c.heading_error_deg:.0f}°'} off axis; "
               f"candidate {c.rank} of {result.candidates}) and {result.sidecar}")

@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; 0.0.0.0 opens the server to every network this machine is on.")
@click.option("--port", type=int, default=8000, show_default=True, help="Port to listen on (0: any free port).")
@click.option("--workers", type=int, default=1, show_default=True, help="Renders at once.")
@click.option("--queue", "queue_size", type=int, default=8, show_default=True,
              help="Requests that may wait for a worker; past that the API answers 503 with Retry-After.")
@click.option("--time-limit", type=float, default=120.0, show_default=True,
              help="Seconds a request may wait and render before it gets 503 with Retry-After.")
@click.option("--allow-origin", "origins", multiple=True, metavar="URL",
              help="A website whose pages may call the API (CORS), e.g. https://www.example.be (repeatable).")
@click.option("--model", default=None, help="Generator: models:/NAME@ALIAS or a folder "
              "(default models:/renovate-net@champion).")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True)
def serve(host, port, workers, queue_size, time_limit, origins, model, device) -> None:
    """Serve the web page and the HTTP API: photo in, after photo out (see docs/serve.md).

    Loads the models once, in the background (/healthz answers 503 until they are ready).

    \b
    Examples:
      renovate-net serve                      # then open http://127.0.0.1:8000/
      renovate-net serve --port 8080 --workers 2 --queue 16
      renovate-net serve --host 0.0.0.0 --allow-origin https://www.example.be
    """
    from renovate_net.serve.app import Settings
    from renovate_net.serve.server import check_settings, listening_socket, run

    settings = Settings(workers=workers, queue=queue_size, time_limit_s=time_limit, allow_origins=tuple(origins))
    check_settings(settings)
    sock = listening_socket(host, port)
    address = sock.getsockname()
    shown = f"[{address[0]}]" if ":" in address[0] else address[0]
    click.echo(f"renovate-net serve: http://{shown}:{address[1]}/ (API docs at /docs; models loading, "
               "/healthz says when ready)", err=True)
    run(sock, settings, model=model, device=device)


@cli.group()
def data() -> None:
    """Paired training data: build it from photos with the renovation simulator, validate a manifest.

    \b
    Example:
      renovate-net data build --photos photos/ --out data/train --per-photo 4
      renovate-net data validate data/train/manifest.jsonl
    """


@data.command("build")
@click.option("--photos", required=True, type=click.Path(path_type=Path), help="Folder of house photos.")
@click.option("--labels", type=click.Path(path_type=Path), default=None,
              help="Folder of label PNGs named <photo stem>.png (default: the facade-segmenter@champion model).")
@click.option("--out", required=True, type=click.Path(path_type=Path), help="Output folder (must be empty).")
@click.option("--per-photo", type=int, default=4, show_default=True, help="Samples per photo.")
@click.option("--seed", type=int, default=0, show_default=True, help="Same seed, same data.")
@click.option("--size", type=int, default=512, show_default=True, help="Long side photos are resized to.")
@click.option("--focus", multiple=True, metavar="TYPE",
              help="Every sample asks for one of these types where the photo has room (repeatable): more of rare types.")
@click.option("--force", is_flag=True, help="Write into a non-empty --out, overwriting earlier outputs.")
@click.option("--dry-run", is_flag=True, help="Check the inputs and say what would be built; write nothing.")
def data_build(photos, labels, out, per_photo, seed, size, focus, force, dry_run) -> None:
    """Renovate real photos with the simulator: before/after/labels/edit-mask PNGs, manifest.jsonl and
    contact_sheet.png in OUT.

    \b
    Example:
      renovate-net data build --photos photos/ --out data/train --per-photo 4 --seed 0
      renovate-net data build --photos photos/ --labels labels/ --out data/train --dry-run
      renovate-net data build --photos photos/ --out data/rare --focus pool --focus garage --focus solar-panels
    """
    from renovate_net.data.build import build, plan

    if dry_run:
        click.echo(plan(photos, out, labels, per_photo, force, size=size, focus=focus))
        return
    report = build(photos, out, labels=labels, per_photo=per_photo, seed=seed, size=size, force=force,
                   focus=focus)
    click.echo("\n".join(report.lines()))
    click.echo(f"wrote {out / 'manifest.jsonl'} and {out / 'contact_sheet.png'}")


@data.command("validate")
@click.argument("manifest", type=click.Path(path_type=Path))
def data_validate(manifest) -> None:
    """Check a manifest (JSON, files, sizes, types, materials, colours) and count what it holds.

    \b
    Example:
      renovate-net data validate data/train/manifest.jsonl
    """
    from renovate_net.data.dataset import validate_manifest

    click.echo("\n".join(validate_manifest(manifest).lines()))


def main() -> None:
    cli(prog_name="renovate-net")
