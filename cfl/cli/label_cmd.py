"""``cfl label``: render label PDFs (one bundle, or a batch) from a template."""

from __future__ import annotations

import datetime as dt
import difflib
import os
import sys
from pathlib import Path

import click

from cfl.cli.config_cmd import project_config
from cfl.cli.jsonout import json_document
from cfl.cli.keys_cmd import open_signer, passphrase_option
from cfl.cli.options import (
    CflCommand,
    at_option,
    effective_resolver,
    format_option,
    jobs_option,
    load_public_key_arg,
    resolver_option,
    resume_option,
)
from cfl.cli.options import output_name as describe_output
from cfl.cli.ui import summary_option, ui
from cfl.errors import InputError
from cfl.io.atomic import write_atomic
from cfl.io.jsonio import read_bytes
from cfl.label.batch import BatchItem, collect_items, read_label_proof, render_batch
from cfl.label.render import SignerNames, render_label
from cfl.label.templates import builtin_template_names, load_template
from cfl.log.proof import sidecar_path
from cfl.signing.jws import MAX_BUNDLE_BYTES
from cfl.trust.context import build_trust_context
from cfl.trust.resolvers import resolver_problem
from cfl.trust.trust_list import MAX_TRUST_LIST_BYTES, TrustList

DEFAULT_TEMPLATE = "standard"


def _check_template(ctx: click.Context, param: click.Parameter, value: str | None) -> str:
    """A built-in template name, a name in cfl.toml's ``templates`` folder, or a template
    file; a mistyped name is a usage mistake."""
    value = value or DEFAULT_TEMPLATE
    if value.endswith((".yaml", ".yml")) or Path(value).is_file():
        return value  # a file: read and checked (exit 1 with the place) when used
    folder = project_config(ctx).settings.get("templates")
    if folder is not None and isinstance(folder.value, str):
        own = Path(folder.value) / f"{value}.yaml"
        if own.is_file():
            return str(own)
    names = builtin_template_names()
    if value not in names:
        close = difflib.get_close_matches(value, names, n=1, cutoff=0.5)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise click.BadParameter(f"no template named {value!r}; {hint}built-in templates: "
                                 f"{', '.join(names)} (or give a .yaml file)")
    return value


@click.command(cls=CflCommand, deprecated_options={"--batch": ""})
@click.argument("inputs", nargs=-1, metavar="[BUNDLE|DIR|CSV]...",
                type=click.Path(path_type=Path, allow_dash=True))
@click.option("--template", "template", default=None, callback=_check_template,
              help="Built-in template name (sticker, standard, sheet), a name in cfl.toml's "
              "templates folder, or a template .yaml (cfl.toml: template; default standard).")
@click.option("-o", "--output", "output_name", default="-",
              type=click.Path(allow_dash=True),
              help="PDF to write (`-` is standard output, for one bundle). For several: one "
              "multi-page PDF, or a folder (ending in '/') with one PDF each.")
@click.option("--trust", "trust_list", type=click.Path(path_type=Path, dir_okay=False,
                                                       allow_dash=True),
              default=None, help="The signed trust list (cfl.toml: trust): names every signer "
              "on the label, and gives the resolver. Needs --anchor.")
@click.option("--anchor", type=click.Path(path_type=Path, allow_dash=True), default=None,
              help="The scheme operator's public JWK (or key folder) that pins --trust "
              "(cfl.toml: anchor).")
@click.option("--key", type=click.Path(path_type=Path), default=None,
              help="Only for a certifier labelling directly or for bundles without a claim: "
              "the certifier's key issues the QR claim now (it must have signed the "
              "bundles). Without it the claim issued at signing is used.")
@resolver_option
@click.option("--font", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              default=None, help="A TTF/TTC font replacing the bundled CJK font.")
@click.option("--proof", type=click.Path(path_type=Path, dir_okay=False, allow_dash=True),
              default=None, help="The bundle's proof of disclosure (a .tlog-proof from cfl "
              "publish) to embed beside it; default: BUNDLE.tlog-proof when it exists (for "
              "several bundles, each one's).")
@jobs_option
@resume_option
@passphrase_option
@at_option
@format_option
@summary_option
@click.pass_context
def label(ctx: click.Context, inputs: tuple[Path, ...], template: str, output_name: str,
          trust_list: Path | None, anchor: Path | None, key: Path | None,
          resolver: str | None, font: Path | None, proof: Path | None, jobs: int,
          resume: bool, passphrase_file: Path | None, at: dt.datetime,
          output_format: str) -> None:
    """Render a label PDF for a signed BUNDLE, or labels for many: several bundles, a
    folder of bundles (*.json) or a CSV with a 'bundle' column (and optionally 'name').

    The QR carries the compact claim the certifier issued when signing (cfl sign --role
    certifier), or one issued now with --key; the PDF embeds the signed bundle. With
    --trust and --anchor every signer is named from the trust list, and the QR gets the
    trust list's resolver unless --resolver (or cfl.toml) says otherwise.
    """
    if not inputs:
        raise click.UsageError("give the signed bundle to label, or several, a folder or a "
                               "CSV")
    font_path = str(font) if font is not None else None
    names, accepted = _trust_list_names(ctx, trust_list, anchor, at)
    chosen = effective_resolver(resolver, accepted.resolver if accepted else None)
    problem = resolver_problem(chosen, accepted.resolvers if accepted else ())
    if problem is not None:
        ui(ctx).warn(problem, loud=True)
    output = Path(output_name)
    to_directory = output_name.endswith(("/", os.sep)) or output.is_dir()
    single = len(inputs) == 1 and (str(inputs[0]) == "-" or (
        inputs[0].is_file() and inputs[0].suffix.lower() != ".csv"))
    out = ui(ctx)
    if single:
        if to_directory:
            raise click.BadParameter(
                f"{output_name} is a folder; one BUNDLE makes one PDF: give a file name such "
                "as label.pdf (a folder of PDFs is for several bundles)", param_hint="-o")
        if output_name == "-" and sys.stdout.isatty():
            raise click.UsageError("a PDF would be written to the terminal; give -o FILE.pdf")
        bundle = inputs[0]
        source = "<stdin>" if str(bundle) == "-" else str(bundle)
        data = read_bytes(bundle, max_bytes=MAX_BUNDLE_BYTES)
        signer = open_signer(key, passphrase_file) if key is not None else None
        if proof is None and str(bundle) != "-" and sidecar_path(bundle).is_file():
            proof = sidecar_path(bundle)
        proof_bytes = (read_label_proof(proof, data, source=source)
                       if proof is not None else None)
        pdf = render_label(data, template=load_template(template), signer=signer, at=at,
                           resolver=chosen, font_path=font_path, source=source,
                           signer_names=names, proof=proof_bytes)
        write_atomic(output, pdf)
        _report(output_format, output_name, template, chosen, written=1, skipped=0)
        return
    if output_name == "-":
        raise click.UsageError("several bundles make several labels: give -o labels.pdf (one "
                               "PDF, a page each) or -o labels/ (a PDF each)")
    if proof is not None:
        raise click.UsageError("--proof is for one bundle; several bundles take each one's "
                               "BUNDLE.tlog-proof beside it")
    items = _items(inputs)
    signer = open_signer(key, passphrase_file) if key is not None else None
    done = [0]
    out.interrupted = lambda: (
        f"wrote {done[0]} of {len(items)} label(s) to {describe_output(output)}; run the "
        "same command with --resume to skip the labels already complete" if to_directory
        else f"stopped after {done[0]} of {len(items)} label(s); nothing was written to "
        f"{describe_output(output)} (one PDF is written whole or not at all); run the same "
        "command with --resume to skip checking the inputs already checked")
    with out.progress(len(items), "labels") as advance:
        def progress(count: int) -> None:
            done[0] += count
            advance(count)

        result = render_batch(items, template=template, signer=signer, at=at, output=output,
                              resolver=chosen, jobs=jobs, resume=resume, font_path=font_path,
                              progress=progress, to_directory=to_directory,
                              signer_names=names)
    out.interrupted = None
    _report(output_format, str(result.output), template, chosen, written=result.written,
            skipped=result.skipped)


def _items(inputs: tuple[Path, ...]) -> list[BatchItem]:
    """The labels of a batch: every bundle named, every folder's *.json, every CSV's rows."""
    items: list[BatchItem] = []
    for path in inputs:
        if str(path) == "-":
            raise click.UsageError("standard input (-) is one bundle; it cannot be part of a "
                                   "batch")
        if path.is_dir() or path.suffix.lower() == ".csv":
            items.extend(collect_items(path))
        elif path.exists():
            items.append(BatchItem(path.stem, path))
        else:
            raise InputError("does not exist; expected a signed bundle, a folder of bundles "
                             "or a CSV file", source=str(path), code="not_found")
    seen: dict[str, Path] = {}
    for item in items:
        if item.problem is None and item.name in seen and seen[item.name] != item.bundle_path:
            raise click.UsageError(f"{seen[item.name]} and {item.bundle_path} would both make "
                                   f"the label {item.name!r}; rename one of them")
        seen.setdefault(item.name, item.bundle_path)
    return items


def _trust_list_names(ctx: click.Context, trust_list: Path | None, anchor: Path | None,
                      at: dt.datetime) -> tuple[SignerNames | None, TrustList | None]:
    """Signer names (kid → name, accreditation) and the trust list (its resolvers), when it
    is given and accepted at ``at``; None (with a warning) otherwise."""
    if trust_list is None and anchor is None:
        return None, None
    if trust_list is None or anchor is None:
        raise click.UsageError("signers are named from a trust list pinned by its anchor: "
                               "give both --trust FILE and --anchor JWK (or neither)")
    context = build_trust_context(read_bytes(trust_list, max_bytes=MAX_TRUST_LIST_BYTES),
                                  anchor=load_public_key_arg(anchor), at=at,
                                  source=str(trust_list))
    accepted: TrustList | None = context.trust_list
    if accepted is None:
        reasons = "; ".join(row.message for row in context.rows
                            if row.status.value != "PASSED")
        ui(ctx).warn(f"{trust_list}: the trust list is not accepted ({reasons}); the label "
                     "names no certifier (never the declaration's own text)")
        return None, None
    names = {entry.kid: (entry.name, str(entry.accreditation)) for entry in accepted.entries}
    return names, accepted


def _report(output_format: str, output: str, template: str, resolver: str, *, written: int,
            skipped: int) -> None:
    out = ui()
    if output_format == "json":
        click.echo(json_document("label", {
            "output": describe_output(output), "template": template, "resolver": resolver,
            "totals": {"written": written, "skipped": skipped}}), nl=False,
            err=output == "-")
        return
    if output != "-":
        out.note(f"wrote {written} label(s), skipped {skipped} already complete; output: "
                 f"{describe_output(output)} ({template})")
