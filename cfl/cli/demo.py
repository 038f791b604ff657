"""``cfl demo [DIR]``: illustrative demo inputs and declarations for the key products."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from cfl.cli.options import at_option
from cfl.demo import build_demo


@click.command()
@click.argument("directory", required=False, default="cfl-demo",
                type=click.Path(path_type=Path, file_okay=False))
@at_option
def demo(directory: Path, at: dt.datetime) -> None:
    """Write ILLUSTRATIVE demo inputs and declarations into DIRECTORY (default ./cfl-demo).

    Seven products (battery pack, PV module, passenger EV, aluminium, cement, flat glass,
    steel): inputs/<category>.yaml and declarations/<category>.json. The figures are plausible,
    not measured, and marked illustrative. Try `cfl validate DIRECTORY/declarations/*.json`.
    """
    result = build_demo(directory, at=at)
    for path in result.files:
        click.echo(str(path))
    click.echo(f"wrote {len(result.declarations)} illustrative declarations under {directory}",
               err=True)
