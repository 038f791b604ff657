"""``cfl label``: render label PDFs (one bundle, or a batch) from a template."""

from __future__ import annotations

import datetime as dt
import difflib
import os
import sys
from pathlib import Path

import click

from cfl.cli.keys_cmd import open_signer, passphrase_option
from cfl.cli.options import at_option, resolver_option
from cfl.cli.options import output_name as describe_output
from cfl.io.atomic import write_atomic
from cfl.io.jsonio import read_bytes
from cfl.label.batch import collect_items, render_batch
from cfl.label.render import render_label
from cfl.label.templates import builtin_template_names, load_template
from cfl.signing.jws import MAX_BUNDLE_BYTES


def _check_template(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """A built-in template name or a template file; a mistyped name is a usage mistake."""
    if value.endswith((".yaml", ".yml")) or Path(value).is_file():
        return value  # a file: read and checked (exit 1 with the place) when used
    names = builtin_template_names()
    if value not in names:
        close = difflib.get_close_matches(value, names, n=1, cutoff=0.5)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise click.BadParameter(f"no template named {value!r}; {hint}built-in templates: "
                                 f"{', '.join(names)} (or give a .yaml file)")
    return value


def stderr_is_terminal() -> bool:
    """True when standard error is a terminal (the batch progress bar is shown only then)."""
    return bool(getattr(sys.stderr, "isatty", lambda: False)())


@click.command()
@click.argument("bundle", required=False,
                type=click.Path(path_type=Path, allow_dash=True, dir_okay=False))
@click.option("--template", "template", default="standard", show_default=True,
              callback=_check_template,
              help="Built-in template name (sticker, standard, sheet) or a template .yaml.")
@click.option("--batch", "batch", type=click.Path(path_type=Path), default=None,
              help="A folder of signed bundles (*.json) or a CSV with a 'bundle' column.")
@click.option("-o", "--output", "output_name", required=True, type=click.Path(),
              help="PDF to write; with --batch a folder (ending in '/') gets one PDF each.")
@click.option("--key", type=click.Path(path_type=Path), default=None,
              help="Only for a certifier labelling directly or for bundles without a claim: "
              "the certifier's key issues the QR claim now (it must have signed the "
              "bundles). Without it the claim issued at signing is used.")
@resolver_option
@click.option("--font", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              default=None, help="A TTF/TTC font replacing the bundled CJK font.")
@click.option("--jobs", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Worker processes for a batch.")
@click.option("--resume", is_flag=True, help="Skip outputs that are already complete.")
@passphrase_option
@at_option
def label(bundle: Path | None, template: str, batch: Path | None, output_name: str,
          key: Path | None,
          resolver: str, font: Path | None, jobs: int, resume: bool,
          passphrase_file: Path | None, at: dt.datetime) -> None:
    """Render a label PDF for BUNDLE, or for every bundle of --batch.

    The QR carries the compact claim the certifier issued when signing (cfl sign --role
    certifier), or one issued now with --key; the PDF embeds the signed bundle.
    """
    if (bundle is None) == (batch is None):
        raise click.UsageError("give either BUNDLE or --batch DIR_OR_CSV")
    font_path = str(font) if font is not None else None
    output = Path(output_name)
    to_directory = output_name.endswith(("/", os.sep)) or output.is_dir()
    if batch is None:
        assert bundle is not None
        if to_directory:
            raise click.BadParameter(
                f"{output_name} is a folder; one BUNDLE makes one PDF: give a file name such "
                "as label.pdf (a folder of PDFs is for --batch)", param_hint="-o")
        source = "<stdin>" if str(bundle) == "-" else str(bundle)
        data = read_bytes(bundle, max_bytes=MAX_BUNDLE_BYTES)
        signer = open_signer(key, passphrase_file) if key is not None else None
        pdf = render_label(data, template=load_template(template), signer=signer, at=at,
                           resolver=resolver, font_path=font_path, source=source)
        write_atomic(output, pdf)
        if output_name != "-":
            click.echo(f"wrote {output} ({template})", err=True)
        return
    items = collect_items(batch)
    signer = open_signer(key, passphrase_file) if key is not None else None
    if not stderr_is_terminal():  # a log file or a pipe gets no progress bar
        result = render_batch(items, template=template, signer=signer, at=at, output=output,
                              resolver=resolver, jobs=jobs, resume=resume,
                              font_path=font_path, to_directory=to_directory)
    else:
        with click.progressbar(length=len(items), label="labels",
                               file=sys.stderr) as bar:
            result = render_batch(items, template=template, signer=signer, at=at,
                                  output=output, resolver=resolver, jobs=jobs, resume=resume,
                                  font_path=font_path, progress=bar.update,
                                  to_directory=to_directory)
    click.echo(f"wrote {result.written} label(s), skipped {result.skipped} already complete; "
               f"output: {describe_output(result.output)}", err=True)
