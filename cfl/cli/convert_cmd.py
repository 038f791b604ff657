"""`cfl convert`: restate a declaration with another IPCC report's GWP100 values."""

from __future__ import annotations

import datetime as dt

import click

from cfl.cli.jsonout import formatted
from cfl.cli.options import at_option, format_option
from cfl.cli.rules_option import registry_for, rules_option
from cfl.declaration.gwp import REPORTS
from cfl.io.atomic import write_atomic
from cfl.io.jsonio import dumps_pretty
from cfl.recognition.conversion import convert_declaration
from cfl.recognition.engine import GwpTarget, gwp_conversion_for
from cfl.recognition.inputs import read_unsigned_declaration
from cfl.recognition.render import render_conversion


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--gwp", "report", type=click.Choice(REPORTS, case_sensitive=False),
              help="IPCC report whose GWP100 values to use.")
@click.option("--for", "target", metavar="ID",
              help="Instead of --gwp: use the GWP report that the mapping path from the "
              "declaration's rule set to rule set ID converts to.")
@click.option("-o", "--output", "output", default="-", show_default=True,
              type=click.Path(dir_okay=False, allow_dash=True),
              help="Where to write the new declaration (- = stdout).")
@rules_option
@at_option
@format_option
def convert(file: str, report: str | None, target: str | None, output: str,
            rules: tuple[str, ...], at: dt.datetime, output_format: str) -> None:
    """Recompute FILE's GWP100 values from its per-gas breakdown; write a NEW declaration.

    Fossil and non-fossil methane are converted apart; totals, fossil emissions and
    stages (in proportion) are updated; the predecessor goes into precedingPfIds. With
    --for ID the report is the one the mapping path to ID converts to (--rules adds
    mappings of your own).
    """
    if (report is None) == (target is None):
        raise click.UsageError("give either --gwp AR4|AR5|AR6 or --for RULE_SET_ID")
    registry = registry_for(rules) if target is not None or rules else None
    loaded = read_unsigned_declaration(file, action="conversion")
    chosen: GwpTarget | None = None
    if target is not None:
        assert registry is not None
        chosen = gwp_conversion_for(loaded.declaration, target, registry=registry,
                                    source=loaded.source)
        report = chosen.report
    assert report is not None
    result = convert_declaration(loaded.declaration, report.upper(), at=at, source=loaded.source)
    write_atomic(output, dumps_pretty(result.declaration))
    click.echo(formatted("convert", render_conversion(result, output_format, chosen),
                         output_format), nl=False, err=output == "-")
