"""The `renovate-net` command line: parses options and dispatches; the work lives in the package modules.

User errors (UserError) print one line on stderr and exit with code 2; `--debug` shows the traceback.
"""
from __future__ import annotations

import json
import sys

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


def main() -> None:
    cli(prog_name="renovate-net")
