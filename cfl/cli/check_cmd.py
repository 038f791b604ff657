"""`cfl check`: is a declaration recognised under other rule sets, and if not, what to do?

Exit status: 0 when every target recognises every declaration (with or without conditions),
3 when any target does not or cannot tell, 1 on bad input, 2 on a usage mistake.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from cfl.cli.jsonout import formatted
from cfl.cli.options import (
    CflCommand,
    at_option,
    expand_inputs,
    format_option,
    load_public_key_arg,
)
from cfl.cli.rules_option import registry_for, rules_option
from cfl.io.atomic import write_atomic
from cfl.io.jsonio import dumps_pretty, read_bytes
from cfl.recognition import render
from cfl.recognition.actions import result_json_with_actions
from cfl.recognition.attestation import (
    MAX_ATTESTATION_BYTES,
    NO_ATTESTATIONS,
    check_attestations,
)
from cfl.recognition.engine import check_declaration
from cfl.recognition.html_report import CheckedDeclaration, render_html_report
from cfl.recognition.inputs import read_check_input
from cfl.trust.context import TrustContext, build_trust_context
from cfl.trust.trust_list import MAX_TRUST_LIST_BYTES

#: Exit status when a target does not recognise the declaration (or cannot tell).
EXIT_NOT_RECOGNISED = 3


def _trust(trust_list: Path | None, anchor: Path | None, at: dt.datetime) -> TrustContext | None:
    if trust_list is None and anchor is None:
        return None
    if trust_list is None or anchor is None:
        raise click.UsageError("attestations are checked against a trust list: give both "
                               "--trust FILE and --anchor JWK")
    return build_trust_context(read_bytes(trust_list, max_bytes=MAX_TRUST_LIST_BYTES),
                               anchor=load_public_key_arg(anchor), at=at, source=str(trust_list))


@click.command(cls=CflCommand, deprecated_options={"--against": "--rule-set"})
@click.argument("files", nargs=-1, required=True, type=click.Path(allow_dash=True))
@click.option("--rule-set", "against", metavar="ID[,ID…]",
              help="Target rule set ids, comma-separated.")
@click.option("--all", "all_targets", is_flag=True, help="Check against every rule set.")
@click.option("--attestation", "attestations", multiple=True, metavar="FILE",
              type=click.Path(path_type=Path, dir_okay=False, exists=True, allow_dash=True),
              help="A certifier's signed attestation answering manual checks (repeatable); "
              "used only if bound to the declaration and signed by a certifier of --trust.")
@click.option("--trust", "trust_list", type=click.Path(path_type=Path, dir_okay=False,
                                                       allow_dash=True),
              default=None, help="Signed trust list that the attestations' signers must be in.")
@click.option("--anchor", type=click.Path(path_type=Path, allow_dash=True), default=None,
              help="The scheme operator's public JWK (or key folder) pinning --trust.")
@click.option("--html", "html_out", type=click.Path(path_type=Path, dir_okay=False,
                                                   allow_dash=True),
              default=None, help="Also write one HTML page (declarations × targets, with the "
              "to-do lists) for sharing with a buyer.")
@rules_option
@at_option
@format_option
@click.pass_context
def check(ctx: click.Context, files: tuple[str, ...], against: str | None, all_targets: bool,
          attestations: tuple[Path, ...], trust_list: Path | None, anchor: Path | None,
          html_out: Path | None, rules: tuple[str, ...], at: dt.datetime,
          output_format: str) -> None:
    """Check each FILE (declaration, signed bundle or label PDF) against rule sets.

    Each requirement comes out met, met-after-conversion, not-met, undeterminable or
    not-applicable, with its citation; each target gets a verdict and, unless it recognises
    the declaration, a to-do list (least effort first). Signed attestations (--attestation,
    with --trust and --anchor) answer requirements that need a manual check. Exit 0 if every
    target recognises every declaration, 3 if not. --rules adds rule sets of your own.
    """
    if bool(against) == all_targets:
        raise click.UsageError("give either --rule-set ID[,ID…] or --all")
    targets = None if all_targets else [t.strip() for t in (against or "").split(",") if t.strip()]
    if targets is not None and not targets:
        raise click.UsageError("--rule-set needs at least one rule set id")
    if attestations and len(files) > 1:
        raise click.UsageError("--attestation is bound to one declaration: check one FILE "
                               "at a time with attestations")
    registry = registry_for(rules)
    trust = _trust(trust_list, anchor, at)
    attestation_files = [(str(p), read_bytes(p, max_bytes=MAX_ATTESTATION_BYTES))
                         for p in attestations]
    checked: list[CheckedDeclaration] = []
    for file in expand_inputs(files, pattern=("*.json", "*.pdf"),
                              what="declarations, bundles or labels"):
        loaded = read_check_input(str(file))
        notes = [f"{loaded.source}: read as {loaded.kind}"] + ([loaded.note] if loaded.note
                                                             else [])
        answers = (check_attestations(attestation_files, loaded.declaration, trust)
                   if attestation_files else NO_ATTESTATIONS)
        result = check_declaration(loaded.declaration, targets, at=at, notes=notes,
                                   registry=registry, attestations=answers)
        checked.append(CheckedDeclaration(loaded.source, loaded.declaration, result))
    if html_out is not None:
        write_atomic(html_out, render_html_report(checked))
        click.echo(f"wrote {html_out}", err=True)
    click.echo(formatted("check", _render(checked, output_format, matrix=all_targets),
                         output_format), nl=False)
    if not all(item.result.all_recognised for item in checked):
        ctx.exit(EXIT_NOT_RECOGNISED)


def _render(checked: list[CheckedDeclaration], output_format: str, *, matrix: bool) -> str:
    if len(checked) == 1:
        return render.render_recognition(checked[0].result, output_format, matrix=matrix)
    if output_format == "json":
        return dumps_pretty({"results": [{"file": c.source, **result_json_with_actions(c.result)}
                                         for c in checked]})
    parts = [f"== {c.source}\n" + render.render_recognition(c.result, "text", matrix=matrix)
             for c in checked]
    return "\n".join(parts)

