"""``cfl inspect``: what a QR claim, a signed bundle or a label PDF holds (fields, signers,
attachments), shown without verifying anything."""

from __future__ import annotations

from pathlib import Path

import click

from cfl.cli.jsonout import json_document
from cfl.cli.options import format_option, text_option_value
from cfl.cli.ui import ui
from cfl.inspection import inspect_bytes, inspect_text, inspection_json, inspection_text
from cfl.inspection.inspect import MAX_INPUT_BYTES
from cfl.io.jsonio import read_bytes


@click.command()
@click.argument("file", required=False,
                type=click.Path(path_type=Path, allow_dash=True, dir_okay=False))
@click.option("--text", "claim_text", default=None, metavar="TEXT",
              help="A scanned QR text instead of a file (- reads it from standard input).")
@format_option
@click.pass_context
def inspect(ctx: click.Context, file: Path | None, claim_text: str | None,
            output_format: str) -> None:
    """Show what FILE (a label PDF, a signed bundle, a declaration, a trust or revocation
    list, or a file holding a QR text) or --text holds: its fields, the signers as it names
    them, its attachments and QR claims. Nothing is verified (that is cfl verify)."""
    if (file is None) == (claim_text is None):
        raise click.UsageError("give either FILE or --text TEXT")
    if file is not None:
        source = "<stdin>" if str(file) == "-" else str(file)
        inspection = inspect_bytes(read_bytes(file, max_bytes=MAX_INPUT_BYTES), source=source)
    else:
        assert claim_text is not None
        inspection = inspect_text(text_option_value(claim_text), source="<text>")
    if output_format == "json":
        ui(ctx).result(json_document("inspect", inspection_json(inspection)), nl=False)
    else:
        ui(ctx).result(inspection_text(inspection), nl=False)
