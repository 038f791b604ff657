"""``cfl verify``: verify signed bundles, label PDFs, QR photos or a QR text against a pinned
trust list; exit by the worst bottom line.

Exit codes: 0 PASSED, 1 FAILED (or an input the command cannot read), 3 INDETERMINATE,
2 usage error. Several subjects (or a folder) are verified against one trust context and
reported one line each, with a totals line.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import click

from cfl import verification
from cfl.cli.jsonout import json_document, with_format
from cfl.cli.options import (
    at_option,
    expand_inputs,
    format_option,
    list_option,
    load_public_key_arg,
    read_list_file,
    text_option_value,
)
from cfl.cli.ui import colour_allowed, summary_option, ui
from cfl.io.jsonio import read_bytes
from cfl.log.proof import MAX_PROOF_BYTES, sidecar_path
from cfl.report.model import Status, VerificationReport
from cfl.report.render import printable, render_report
from cfl.trust.context import build_trust_context
from cfl.trust.revocation import MAX_REVOCATION_BYTES
from cfl.trust.status_list import MAX_STATUS_LIST_BYTES
from cfl.trust.store import (
    DirectoryTrustStore,
    default_trust_store_path,
    read_stored_trust,
    remember_trust,
)
from cfl.trust.trust_list import MAX_TRUST_LIST_BYTES

EXIT_BY_STATUS = {Status.PASSED: 0, Status.FAILED: 1, Status.INDETERMINATE: 3}
#: Bound on any input handed to `cfl verify` before it is dispatched.
MAX_INPUT_BYTES = 16 * 1024 * 1024
#: What a folder given as SUBJECT stands for.
SUBJECT_PATTERNS = ("*.json", "*.pdf", "*.png", "*.jpg", "*.jpeg")


@click.command()
@click.argument("subjects", nargs=-1,
                type=click.Path(path_type=Path, allow_dash=True))
@list_option
@click.option("--text", "claim_text", default=None, metavar="TEXT",
              help="Verify a scanned QR text (a compact claim) instead of a file (- reads it "
              "from standard input).")
@click.option("--trust", "trust_list", type=click.Path(path_type=Path, dir_okay=False,
                                                       allow_dash=True),
              default=None, help="The signed trust list (cfl.toml: trust; default: the last "
              "one accepted for the anchor).")
@click.option("--anchor", required=True, type=click.Path(path_type=Path, allow_dash=True),
              help="The scheme operator's public JWK (or key folder) to pin (cfl.toml: anchor).")
@click.option("--revocations", multiple=True,
              type=click.Path(path_type=Path, dir_okay=False, allow_dash=True),
              help="A certifier's signed revocation list (repeatable; cfl.toml: revocations).")
@click.option("--status-list", "status_lists", multiple=True,
              type=click.Path(path_type=Path, dir_okay=False, allow_dash=True),
              help="A certifier's signed status list, for format-2 claims (repeatable; "
              "cfl.toml: status-lists).")
@click.option("--trust-store", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Folder remembering accepted trust lists, revocation and status lists "
              "(cfl.toml: trust-store; default: the user cache folder).")
@click.option("--ignore-unlisted-cosigners", is_flag=True,
              help="Report a manufacturer's co-signature whose key is not in the trust list "
              "as NOT_CHECKED instead of INDETERMINATE (the certifier's signature must still "
              "pass; a listed manufacturer's signature is always checked).")
@click.option("--proof", type=click.Path(path_type=Path, dir_okay=False, allow_dash=True),
              default=None, help="The bundle's proof of disclosure (.tlog-proof; default: "
              "BUNDLE.tlog-proof beside each bundle when it exists; a label carries its own).")
@click.option("--require-disclosure", is_flag=True,
              help="Fail a declaration without a proof of disclosure in a log the trust list "
              "names (default: such a row is NOT_CHECKED, unless the trust list requires it).")
@click.option("--require-drawing", is_flag=True,
              help="Hold back a label PDF whose pages' drawing cannot be compared with the "
              "one cfl draws again from the signed bundle (no render record, another cfl "
              "version, template or font): INDETERMINATE instead of a NOT_CHECKED row.")
@at_option
@format_option
@summary_option
@click.pass_context
def verify(ctx: click.Context, subjects: tuple[Path, ...], list_file: Path | None,
           claim_text: str | None, trust_list: Path | None, anchor: Path,
           revocations: tuple[Path, ...], status_lists: tuple[Path, ...],
           trust_store: Path | None,
           ignore_unlisted_cosigners: bool, proof: Path | None, require_disclosure: bool,
           require_drawing: bool, at: dt.datetime, output_format: str) -> None:
    """Verify each SUBJECT (a signed bundle, a label PDF or a PNG/JPEG of a label's QR code;
    a folder stands for all of them in it) or --text (a scanned QR text); exit 0 PASSED,
    1 FAILED, 3 INDETERMINATE (the worst of all subjects)."""
    names: list[str | Path] = [*subjects, *(read_list_file(list_file) if list_file else [])]
    if bool(names) == (claim_text is not None):
        raise click.UsageError("give either SUBJECT... (or --list FILE) or --text TEXT")
    files = expand_inputs(names, pattern=SUBJECT_PATTERNS, what="bundles, labels or images") \
        if names else []
    anchor_key = load_public_key_arg(anchor)
    trust_bytes = (read_bytes(trust_list, max_bytes=MAX_TRUST_LIST_BYTES)
                   if trust_list is not None else None)
    revocation_bytes = [read_bytes(p, max_bytes=MAX_REVOCATION_BYTES) for p in revocations]
    status_bytes = [read_bytes(p, max_bytes=MAX_STATUS_LIST_BYTES) for p in status_lists]
    store = DirectoryTrustStore(trust_store or default_trust_store_path())
    trust = build_trust_context(
        trust_bytes, anchor=anchor_key, at=at, stored=read_stored_trust(store, anchor_key.kid),
        revocations=revocation_bytes,
        source=str(trust_list) if trust_list is not None else "<trust store>",
        revocation_sources=[str(p) for p in revocations],
        status_lists=status_bytes, status_list_sources=[str(p) for p in status_lists],
    )
    policy = verification.VerificationPolicy(ignore_unlisted_cosigners=ignore_unlisted_cosigners,
                                             require_disclosure=require_disclosure,
                                             require_drawing=require_drawing)
    if proof is not None and len(files) != 1:
        raise click.UsageError("--proof is for one bundle; several bundles take each one's "
                               "BUNDLE.tlog-proof beside it")
    out = ui(ctx)
    if claim_text is not None:
        reports = [verification.verify(text_option_value(claim_text), trust, source="<text>",
                                       policy=policy)]
    else:
        reports = []
        out.interrupted = lambda: (f"verified {len(reports)} of {len(files)}; nothing was "
                                   "written but the trust store")
        with out.progress(len(files), "verifying") as advance:
            for path in files:
                source = "<stdin>" if str(path) == "-" else str(path)
                data = read_bytes(path, max_bytes=MAX_INPUT_BYTES)
                beside = proof if proof is not None else (
                    sidecar_path(path) if str(path) != "-" and sidecar_path(path).is_file()
                    else None)
                proof_bytes = (read_bytes(beside, max_bytes=MAX_PROOF_BYTES)
                               if beside is not None else None)
                reports.append(verification.verify(data, trust, source=source, policy=policy,
                                                   proof=proof_bytes))
                advance(1)
        out.interrupted = None
    remember_trust(store, trust.updates)
    worst = _worst(reports)
    if len(reports) == 1 and not (files and len(names) == 1 and Path(names[0]).is_dir()):
        _print_one(reports[0], output_format)
    else:
        _print_many(reports, output_format, worst)
    ctx.exit(EXIT_BY_STATUS[worst])


def _worst(reports: list[VerificationReport]) -> Status:
    lines = {report.bottom_line for report in reports}
    for status in (Status.FAILED, Status.INDETERMINATE):
        if status in lines:
            return status
    return Status.PASSED


def _print_one(report: VerificationReport, output_format: str) -> None:
    out = ui()
    if output_format == "json":
        out.result(with_format("verify", render_report(report, "json")), nl=False)
        return
    text = render_report(report, "text")
    if out.quiet or out.summary:
        text = text.rstrip("\n").rsplit("\n", 1)[-1] + "\n"
    stream = click.get_text_stream("stdout")
    click.echo(out.coloured(text, stream), nl=False, color=colour_allowed(stream))


def _totals(reports: list[VerificationReport]) -> dict[str, int]:
    return {"subjects": len(reports),
            "passed": sum(1 for r in reports if r.bottom_line is Status.PASSED),
            "failed": sum(1 for r in reports if r.bottom_line is Status.FAILED),
            "indeterminate": sum(1 for r in reports if r.bottom_line is Status.INDETERMINATE)}


def _print_many(reports: list[VerificationReport], output_format: str, worst: Status) -> None:
    out = ui()
    totals = _totals(reports)
    if output_format == "json":
        document: dict[str, Any] = {"bottomLine": worst.value,
                                    "reports": [report.to_json() for report in reports],
                                    "totals": totals}
        out.result(json_document("verify", document), nl=False)
        return
    for report in reports:
        out.item(printable(report.summary()))
        if report.bottom_line is not Status.PASSED:
            for row in report.rows:
                if row.status is report.bottom_line:
                    subject = f" {row.subject}:" if row.subject else ""
                    out.item(printable(f"    {row.status.value:<13} {row.code}{subject} "
                                       f"{row.message}"))
    out.total(f"{worst.value}: {totals['subjects']} verified: {totals['passed']} PASSED, "
              f"{totals['failed']} FAILED, {totals['indeterminate']} INDETERMINATE")
