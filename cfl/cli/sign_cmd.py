"""``cfl sign``: validate declarations and add a signature (making signed bundles), one file
or thousands, with the passphrase asked once and every signature kept in the ledger."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from cfl.bundle.ledger import Ledger, default_ledger_path
from cfl.bundle.sign import BatchSignResult, SignOutcome, SignTask, sign_files, sign_one
from cfl.cli.jsonout import json_document
from cfl.cli.keys_cmd import open_signer, passphrase_option
from cfl.cli.options import (
    at_option,
    expand_inputs,
    format_option,
    jobs_option,
    list_option,
    output_name,
    read_list_file,
)
from cfl.cli.ui import summary_option, ui
from cfl.declaration.schema import check_declaration, is_signed_bundle
from cfl.errors import InputError, InvalidDeclarationError
from cfl.findings import is_blocking
from cfl.io.atomic import write_atomic
from cfl.io.jsonio import loads_strict, read_bytes
from cfl.io.kinds import DECLARATION, SIGNED_BUNDLE, require_kind
from cfl.signing.jws import MAX_BUNDLE_BYTES, ROLES, signed_document_from_json
from cfl.signing.keys import read_private_key_file
from cfl.timeutil import format_time


def require_signable(document: dict[str, Any], *, source: str) -> None:
    """Refuse a malformed bundle or an invalid declaration before any key is opened, so
    nobody types a passphrase for a document that cannot be signed."""
    if is_signed_bundle(document):
        declaration = signed_document_from_json(document, content_key="declaration",
                                                source=source).content
    else:
        declaration = document
    findings = check_declaration(declaration, source=source)
    if is_blocking(findings):
        raise InvalidDeclarationError(
            f"is not a valid declaration ({len(findings)} problem(s); run `cfl validate`); "
            f"first: {findings[0]}", list(findings), source=source)


@click.command()
@click.argument("inputs", nargs=-1, type=click.Path(path_type=Path, allow_dash=True))
@list_option
@click.option("--key", required=True, type=click.Path(path_type=Path),
              help="Signing key: a key folder or its private.pem (cfl.toml: key).")
@click.option("--role", required=True, type=click.Choice(ROLES), help="The signer's role.")
@click.option("-o", "--output", default=None,
              type=click.Path(path_type=Path, allow_dash=True),
              help="The bundle to write for one input (default: standard output), or the "
              "folder for several (each bundle named after its input: DIR/<name>.json).")
@jobs_option
@click.option("--again", is_flag=True,
              help="Sign again where the output already holds the same declaration signed "
              "by this key in this role (by default such outputs are left as they are).")
@click.option("--ledger", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="The ledger every signature is recorded in (cfl.toml: ledger; default: "
              "ledger.jsonl in the key's folder).")
@click.option("--claim-format", type=click.Choice(["1", "2"]), default="2",
              show_default=True,
              help="The QR claim a certifier issues: 2, bound to this signature and revoked "
              "by the status list (each declaration gets the next status index from the "
              "ledger), or 1, the older and larger claim revoked by declaration id.")
@passphrase_option
@at_option
@format_option
@summary_option
@click.pass_context
def sign(ctx: click.Context, inputs: tuple[Path, ...], list_file: Path | None, key: Path,
         role: str, output: Path | None, jobs: int, again: bool, ledger: Path | None,
         claim_format: str, passphrase_file: Path | None, at: dt.datetime,
         output_format: str) -> None:
    """Validate each INPUT (a declaration or a signed bundle; a folder stands for its
    *.json files) and add a signature.

    Signing a bundle adds one signature beside the others; the declaration is never changed.
    A certifier's signature also carries the compact QR claim, issued with the same key at
    the same --at, so labels can be printed without the key (cfl label). The passphrase is
    asked once; every signature is recorded in the ledger before its bundle is written
    (cfl revoke reads it), with the status index of its QR claim (claim format 2, the
    default: the next index of this key in the ledger). An output that already holds the
    same declaration signed by this key in this role is left as it is, so running a batch
    again (after an interruption, or unchanged) signs only what is missing. Exit 1 if any
    input failed.
    """
    names: list[str | Path] = [*inputs, *(read_list_file(list_file) if list_file else [])]
    if not names:
        raise click.UsageError("give the declarations to sign: files, folders or --list FILE")
    files = expand_inputs(names, what="declarations or bundles")
    several = len(files) > 1 or any(str(n) != "-" and Path(n).is_dir() for n in names)
    ledger_path = ledger or default_ledger_path(key)
    record = Ledger(ledger_path).append
    out = ui(ctx)
    if not several:
        _sign_one(ctx, files[0], output, key=key, role=role, passphrase_file=passphrase_file,
                  at=at, again=again, ledger=ledger_path, output_format=output_format,
                  claim_format=claim_format)
        return
    if output is None or str(output) == "-":
        raise click.UsageError(f"{len(files)} inputs make {len(files)} bundles: give the "
                               "folder to write them to with -o DIR")
    if output.exists() and not output.is_dir():
        raise click.BadParameter(f"{output} is a file; several inputs need a folder",
                                 param_hint="-o")
    tasks = _tasks(files, output)
    read_private_key_file(key)  # a wrong key file is said before the passphrase is asked
    signer = open_signer(key, passphrase_file)
    try:
        output.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise click.ClickException(f"{output}: cannot create the folder ({exc.strerror})"
                                   ) from None
    done: list[SignOutcome] = []
    out.interrupted = lambda: _interrupted_text(done, len(tasks), output)
    with out.progress(len(tasks), "signing") as advance:
        def finished(outcome: SignOutcome) -> None:
            done.append(outcome)
            advance(1)

        result = sign_files(tasks, signer, role=role, at=at, jobs=jobs, record=record,
                            again=again, on_outcome=finished,
                            reserve=_reserver(ledger_path, signer.kid, at, claim_format))
    out.interrupted = None
    _report(result, signer.kid, role, at, ledger_path, output, output_format)
    if result.failed:
        ctx.exit(1)


def _reserver(ledger: Path, kid: str, at: dt.datetime, claim_format: str
              ) -> Callable[[int], int] | None:
    """Status indexes from the ledger for claim format 2 (None: format 1)."""
    if claim_format != "2":
        return None
    book = Ledger(ledger)
    return lambda count: book.reserve_status_indexes(kid, count, at=at)


def _tasks(files: list[Path], output: Path) -> list[SignTask]:
    """One task per input, the bundle named after it; two inputs that would write the same
    bundle (or stdin in a batch) are refused before anything is signed."""
    seen: dict[str, Path] = {}
    tasks = []
    for index, path in enumerate(files):
        if str(path) == "-":
            raise click.UsageError("standard input (-) is one input; it cannot be part of a "
                                   "batch")
        name = path.name if path.suffix.lower() == ".json" else path.name + ".json"
        if name in seen:
            raise click.UsageError(f"{seen[name]} and {path} would both be written to "
                                   f"{output / name}; rename one of them")
        seen[name] = path
        tasks.append(SignTask(index, path, output / name))
    return tasks


def _sign_one(ctx: click.Context, path: Path, output: Path | None, *, key: Path, role: str,
              passphrase_file: Path | None, at: dt.datetime, again: bool, ledger: Path,
              output_format: str, claim_format: str) -> None:
    """One input: checked before the passphrase is asked; the bundle to -o (a file, a
    folder, or standard output)."""
    source = "<stdin>" if str(path) == "-" else str(path)
    target = output if output is not None else Path("-")
    if str(target) != "-" and target.is_dir():
        if str(path) == "-":
            raise click.BadParameter(f"{target} is a folder; a bundle read from standard "
                                     "input needs a file name", param_hint="-o")
        target = target / (path.name if path.suffix.lower() == ".json" else path.name + ".json")
    data = read_bytes(path, max_bytes=MAX_BUNDLE_BYTES)
    document = loads_strict(data, source=source, max_bytes=MAX_BUNDLE_BYTES)
    if not isinstance(document, dict):
        raise InputError("expected a JSON object (a declaration or a signed bundle)",
                         source=source, location="$", code="wrong_type")
    require_kind(document, (DECLARATION, SIGNED_BUNDLE), source=source,
                 wanted="declaration or signed bundle")
    require_signable(document, source=source)  # before the key file and the passphrase
    signer = open_signer(key, passphrase_file)
    outcome, bundle = sign_one(data, target, signer, role=role, at=at,
                               record=Ledger(ledger).append, again=again, source=source,
                               reserve=_reserver(ledger, signer.kid, at, claim_format))
    if str(target) == "-" and bundle is not None:
        write_atomic("-", bundle)
    out = ui(ctx)
    if output_format == "json":
        text = json_document("sign", _json(BatchSignResult((outcome,)), signer.kid, role, at,
                                           ledger, target))
        click.echo(text, nl=False, err=str(target) == "-")
        return
    if role == "certifier" and outcome.status != "skipped":
        out.note("issued the QR claim (cfl label needs no key)" if outcome.claim_issued else
                 "no QR claim issued: the declaration lacks the cfl extension a claim needs")
    if outcome.status == "skipped":
        out.note(f"{output_name(target)} already holds this declaration signed by "
                 f"{signer.kid} as {role}; left as it is (--again signs it again)")
    elif str(target) != "-":
        verb = "replaced" if outcome.status == "replaced" else "wrote"
        out.note(f"signed as {role} with {signer.kid}; {verb} {output_name(target)}; "
                 f"recorded in {ledger}")


def _interrupted_text(done: list[SignOutcome], total: int, output: Path) -> str:
    signed = sum(1 for o in done if o.status in ("signed", "replaced"))
    skipped = sum(1 for o in done if o.status == "skipped")
    return (f"signed {signed} of {total} declaration(s) into {output} ({skipped} already "
            "signed); run the same command again to sign the rest: bundles already signed "
            "are left as they are")


def _json(result: BatchSignResult, kid: str, role: str, at: dt.datetime, ledger: Path,
          output: Path) -> dict[str, Any]:
    return {
        "signer": kid, "role": role, "at": format_time(at), "ledger": str(ledger),
        "output": output_name(output),
        "items": [{
            "source": str(o.task.source), "target": output_name(o.task.target),
            "status": o.status, "id": o.declaration_id, "claimIssued": o.claim_issued,
            "statusIndex": o.status_index,
            **({"error": {"code": o.code, "message": o.message}} if o.message else {}),
        } for o in result.outcomes],
        "totals": _totals(result),
    }


def _totals(result: BatchSignResult) -> dict[str, int]:
    return {"inputs": len(result.outcomes), "signed": result.count("signed"),
            "replaced": result.count("replaced"), "skipped": result.count("skipped"),
            "failed": result.count("failed")}


def _report(result: BatchSignResult, kid: str, role: str, at: dt.datetime, ledger: Path,
            output: Path, output_format: str) -> None:
    out = ui()
    if output_format == "json":
        out.result(json_document("sign", _json(result, kid, role, at, ledger, output)),
                   nl=False)
        return
    for outcome in result.outcomes:
        if outcome.status == "failed":
            click.echo(f"error: {outcome.message}", err=True)
        else:
            out.item(f"{outcome.status:8} {outcome.task.source} → {outcome.task.target}")
    totals = _totals(result)
    out.total(f"{totals['inputs']} input(s): {totals['signed']} signed, {totals['replaced']} "
              f"replaced, {totals['skipped']} already signed, {totals['failed']} failed "
              f"(signer {kid} as {role}; bundles in {output}; ledger {ledger})")
