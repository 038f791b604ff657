"""`cfl convert`: restate a declaration with another IPCC report's GWP100 values."""

from __future__ import annotations

import datetime as dt
import json

import click

from cfl.cli.options import at_option, format_option
from cfl.gwp import REPORTS
from cfl.jsonio import dumps_pretty
from cfl.output import write_atomic
from cfl.recognition.conversion import convert_declaration
from cfl.recognition.inputs import read_unsigned_declaration


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--gwp", "report", required=True, type=click.Choice(REPORTS),
              help="IPCC report whose GWP100 values to use.")
@click.option("-o", "--output", "output", default="-", show_default=True,
              type=click.Path(dir_okay=False, allow_dash=True),
              help="Where to write the new declaration (- = stdout).")
@at_option
@format_option
def convert(file: str, report: str, output: str, at: dt.datetime, output_format: str) -> None:
    """Recompute FILE's GWP100 values from its per-gas breakdown; write a NEW declaration.

    Fossil and non-fossil methane are converted apart; totals, fossil emissions and
    stages (in proportion) are updated; the predecessor goes into precedingPfIds.
    """
    loaded = read_unsigned_declaration(file, action="conversion")
    result = convert_declaration(loaded.declaration, report, at=at, source=loaded.source)
    write_atomic(output, dumps_pretty(result.declaration))
    if output_format == "json":
        message = json.dumps(result.to_json(), ensure_ascii=False)
    else:
        pcf = result.declaration["pcf"]
        message = "\n".join([
            f"converted {result.recomputation.from_report} → {report}: "
            f"pcfExcludingBiogenicUptake {pcf['pcfExcludingBiogenicUptake']}, "
            f"fossilGhgEmissions {pcf['fossilGhgEmissions']} "
            f"(new id {result.declaration['id']})",
            *(f"note: {n}" for n in result.notes)])
    click.echo(message, err=output == "-")
