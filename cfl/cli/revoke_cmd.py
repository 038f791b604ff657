"""``cfl revoke``: add declarations to the certifier's signed revocation list, always as the
next version of the current list, and only declarations its ledger says it signed."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from pathlib import Path

import click

from cfl.bundle.ledger import (
    Ledger,
    LedgerState,
    default_ledger_path,
    revocation_list_record,
    revoked_record,
    status_list_record,
)
from cfl.cli.jsonout import json_document
from cfl.cli.keys_cmd import open_signer, passphrase_option
from cfl.cli.options import (
    CflCommand,
    at_option,
    expand_inputs,
    format_option,
    list_option,
    output_name,
    read_list_file,
)
from cfl.cli.ui import summary_option, ui
from cfl.errors import InputError
from cfl.inspection import declaration_ids
from cfl.inspection.inspect import MAX_INPUT_BYTES
from cfl.io.atomic import write_atomic
from cfl.io.jsonio import read_bytes
from cfl.io.kinds import REVOCATION_LIST, STATUS_LIST, wrong_kind_error
from cfl.signing.jcs import canonical_bytes
from cfl.signing.jws import bundle_to_bytes
from cfl.signing.keys import Signer
from cfl.trust.revocation import (
    CONTENT_KEY,
    DEFAULT_NEXT_UPDATE,
    MAX_REVOCATION_BYTES,
    KnownList,
    declaration_key,
    revoke_many,
)
from cfl.trust.status_list import CONTENT_KEY as STATUS_CONTENT_KEY
from cfl.trust.status_list import (
    MAX_STATUS_LIST_BYTES,
    STATUS_LIST_SIZE_STEP,
    StatusListUpdate,
    next_status_list,
)


def is_declaration_id(text: str) -> bool:
    """True for a UUID in any usual spelling (declaration ids are UUIDs)."""
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


@click.command(cls=CflCommand, deprecated_options={"--id": ""})
@click.argument("items", nargs=-1, metavar="[ITEM]...")
@list_option
@click.option("--reason", default=None, help="Why they are revoked (required with ITEMs).")
@click.option("--key", required=True, type=click.Path(path_type=Path),
              help="The certifier's key folder or private.pem (cfl.toml: key).")
@click.option("-o", "--output", default="revocations.json", show_default=True,
              type=click.Path(dir_okay=False, path_type=Path, allow_dash=True),
              help="The revocation list: continued if it exists (else from the ledger), "
              "written as its next version (cfl.toml: revocations, when it names one file).")
@click.option("--status-list", "status_list", default=None,
              type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the certifier's status list (for format-2 claims): continued "
              "if it exists (else from the ledger), with the status index of every revoked "
              "declaration set; it covers every index handed out, in steps of "
              f"{STATUS_LIST_SIZE_STEP:,} (cfl.toml: status-lists, when it names one file).")
@click.option("--ledger", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="The certifier's ledger (cfl.toml: ledger; default: ledger.jsonl in the "
              "key's folder).")
@click.option("--reissue", is_flag=True,
              help="Issue the list again (the next version, a new issue time) even when "
              "nothing is added, e.g. so that verifiers see a recent one.")
@click.option("--force", is_flag=True,
              help="Revoke ids the ledger does not record as signed, and extend a list older "
              "than the one the ledger records.")
@click.option("--next-update", "next_update_days", type=click.IntRange(1, 366),
              default=DEFAULT_NEXT_UPDATE.days, show_default=True,
              help="Days until the next version is due (the list's nextUpdate): past it, "
              "verifiers holding this list say revocation cannot be confirmed "
              "(revocation_stale); issue a new version (--reissue) before then.")
@passphrase_option
@at_option
@format_option
@summary_option
@click.pass_context
def revoke(ctx: click.Context, items: tuple[str, ...], list_file: Path | None,
           reason: str | None, key: Path, output: Path, status_list: Path | None,
           ledger: Path | None, reissue: bool,
           force: bool, next_update_days: int, passphrase_file: Path | None, at: dt.datetime,
           output_format: str) -> None:
    """Revoke the declarations ITEMs name, in the next version of the certifier's signed
    revocation list.

    An ITEM is a declaration id, a signed bundle, a label PDF (every page's declaration),
    a declaration, or a folder of bundles and labels; --list FILE names more, one per line.
    Each id must be in the ledger of what this certifier signed (--force overrides). The
    list always continues: from OUTPUT if it exists, else from the last list the ledger
    records; only a certifier with neither starts at version 1 (and is told so). Ids
    already revoked are left as they are; with nothing new, nothing is written (--reissue
    issues the next version anyway). Without ITEMs, a first list is started.

    With --status-list the certifier's status list is updated in the same run, by the same
    rules: the next version, continued from the file or the ledger, every bit set that a
    revoked declaration's status index names; a set bit is never cleared and the list never
    shrinks.
    """
    out = ui(ctx)
    names = [*items, *(read_list_file(list_file, is_path=lambda e: not is_declaration_id(e))
                       if list_file else [])]
    if names and not reason:
        raise click.UsageError("--reason is required with the declarations to revoke")
    if not names and reason:
        raise click.UsageError("--reason goes with the declarations to revoke (ITEM...)")
    wanted = _resolve(names)
    ledger_path = ledger or default_ledger_path(key)
    state = Ledger(ledger_path).read()
    if state.skipped_lines:
        out.warn(f"{ledger_path}: {state.skipped_lines} line(s) could not be read and were "
                 "skipped")
    unknown = [(i, where) for i, where in wanted if not state.was_signed(declaration_key(i))]
    if unknown and not force:
        listed = "; ".join(f"{i} ({where})" for i, where in unknown[:10])
        more = f" and {len(unknown) - 10} more" if len(unknown) > 10 else ""
        raise InputError(f"{len(unknown)} declaration(s) were never signed according to the "
                         f"ledger: {listed}{more}. Check the ids, or pass --force to revoke "
                         "them anyway", source=str(ledger_path), code="not_in_ledger")
    if status_list is not None and str(output) != "-" and \
            status_list.resolve() == output.resolve():
        raise click.UsageError("--status-list and -o must be different files")
    existing_status = None
    if status_list is not None and status_list.exists():
        existing_status = read_bytes(status_list, max_bytes=MAX_STATUS_LIST_BYTES)
        problem = wrong_kind_error(existing_status, (STATUS_LIST,), source=str(status_list))
        if problem is not None:
            raise problem
    existing = None
    if str(output) != "-" and output.exists():
        existing = read_bytes(output, max_bytes=MAX_REVOCATION_BYTES)
        problem = wrong_kind_error(existing, (REVOCATION_LIST,), source=str(output))
        if problem is not None:
            raise problem
    known = _known(state)
    signer = open_signer(key, passphrase_file)
    next_update = dt.timedelta(days=next_update_days)
    try:
        update = revoke_many(existing, signer, revocations=[(i, reason or "") for i, _ in wanted],
                             at=at, source=str(output), known=known,
                             reissue=reissue or existing is None,  # a new file is written
                             next_update=next_update)
    except InputError as exc:
        if exc.code != "stale_revocation_list" or not force or existing is None:
            raise
        out.warn(f"{exc}; extending it anyway (--force)")
        update = revoke_many(existing, signer, revocations=[(i, reason or "") for i, _ in wanted],
                             at=at, source=str(output), reissue=reissue,
                             next_update=next_update)
    if existing is None and known is not None:
        last_file = state.last_list.get("file") if state.last_list else None
        out.note(f"continuing the revocation list from the ledger {ledger_path}: version "
                 f"{known.version} was written to {last_file}")
    elif existing is None and update.document is not None:
        out.warn(f"starting a new revocation list at version 1: {output_name(output)} does not "
                 f"exist and the ledger {ledger_path} records no earlier list. If this "
                 "certifier published a list before, give that file with -o instead")
    status_update = None
    if status_list is None:
        indexed = _status_indexes(state, signer.kid)
        unlisted = [i for i in update.added if indexed.get(declaration_key(i))]
        if unlisted:
            out.warn(f"{len(unlisted)} of the declarations revoked carry a status index (their "
                     "QR claims are format 2): their QR codes are revoked only by the status "
                     "list; write it too with --status-list FILE (or status-lists in cfl.toml)",
                     loud=True)
    if status_list is not None:
        status_update = _next_status_list(
            existing_status, signer, state, [i for i, _ in wanted], status_list, at=at,
            reissue=reissue or update.document is not None, next_update=next_update,
            force=force)
    if status_update is not None and status_update.document is not None:
        assert status_list is not None
        status_data = bundle_to_bytes(status_update.document)
        write_atomic(status_list, status_data)  # before the ledger line, as for the list
        status_content = status_update.document[STATUS_CONTENT_KEY]
        if update.document is None:
            Ledger(ledger_path).append([_status_record(status_update, status_content,
                                                       status_list)])
    if update.document is not None:
        data = bundle_to_bytes(update.document)
        write_atomic(output, data)
        content = update.document[CONTENT_KEY]
        status_records = [] if status_update is None or status_update.document is None else [
            _status_record(status_update, status_update.document[STATUS_CONTENT_KEY],
                           status_list or Path("-"))]
        Ledger(ledger_path).append([
            *(revoked_record(declaration_id=e["id"], reason=e["reason"],
                             revoked_at=e["revokedAt"], version=update.version)
              for e in content["entries"] if e["id"] in set(update.added)),
            revocation_list_record(version=update.version, issued=content["issued"],
                                   digest=_digest(content), entries=update.entries,
                                   file=str(output.resolve()) if str(output) != "-" else "-"),
            *status_records,
        ])
    _report(ctx, update.added, update.already, wanted, output, update.version,
            update.entries, written=update.document is not None, ledger=ledger_path,
            output_format=output_format,
            status=None if status_update is None or status_list is None else {
                "list": output_name(status_list), "version": status_update.version,
                "written": status_update.document is not None, "size": status_update.size,
                "set": status_update.revoked, "added": list(status_update.added)})
    if status_update is not None and status_list is not None:
        _report_status_list(status_update, status_list, output_format)


def _next_status_list(existing: bytes | None, signer: Signer, state: LedgerState,
                      wanted: list[str], path: Path, *, at: dt.datetime, reissue: bool,
                      next_update: dt.timedelta, force: bool) -> StatusListUpdate:
    """The certifier's next status list: every status index the ledger records for a
    declaration this key signed that is revoked (before or now) is set; the list covers every
    index the ledger says this key handed out."""
    revoked_keys = set(state.revoked) | {declaration_key(i) for i in wanted}
    indexes = _status_indexes(state, signer.kid)
    revoked = [index for key in revoked_keys for index in indexes.get(key, ())]
    highest = max(_next_index(state, signer.kid, indexes) - 1, -1)
    last = state.last_status_list
    known = None
    if last is not None:
        known = (int(last["version"]), int(last["size"]))
    try:
        return next_status_list(existing, signer, revoked=revoked, at=at, known=known,
                                highest_index=highest, reissue=reissue or existing is None,
                                next_update=next_update, source=str(path))
    except InputError as exc:
        if exc.code != "stale_status_list" or not force:
            raise
        ui().warn(f"{exc}; extending it anyway (--force)")
        return next_status_list(existing, signer, revoked=revoked, at=at,
                                highest_index=highest, reissue=reissue, next_update=next_update,
                                source=str(path))


def _status_indexes(state: LedgerState, kid: str) -> dict[str, tuple[int, ...]]:
    """Status indexes by canonical declaration id of the declarations ``kid`` signed, from
    the ledger's signed lines (``statusIndex``; a line without one, format 1, has none)."""
    by_id = getattr(state, "status_indexes", None)
    if by_id is not None:
        return {key: tuple(per_kid.get(kid, ())) for key, per_kid in by_id.items()}
    found: dict[str, tuple[int, ...]] = {}
    for key, record in state.signed.items():
        index = record.get("statusIndex")
        if record.get("kid") == kid and type(index) is int and index >= 0:
            found[key] = (*found.get(key, ()), index)
    return found


def _next_index(state: LedgerState, kid: str, indexes: dict[str, tuple[int, ...]]) -> int:
    recorded = int(getattr(state, "next_status_index", {}).get(kid, 0))
    return max([recorded, *(max(v) + 1 for v in indexes.values() if v)])


def _status_record(update: StatusListUpdate, content: dict[str, object], path: Path
                   ) -> dict[str, object]:
    return status_list_record(version=update.version, issued=str(content["issued"]),
                              digest=_digest(content), size=update.size,
                              revoked=update.revoked,
                              file=str(path.resolve()) if str(path) != "-" else "-")


def _report_status_list(update: StatusListUpdate, path: Path, output_format: str) -> None:
    if output_format == "json":
        return  # in the JSON document (statusList)
    if update.document is not None:
        ui().note(f"wrote {output_name(path)} (status list version {update.version}, "
                  f"{update.size:,} indexes, {update.revoked} set"
                  + (f", {len(update.added)} new" if update.added else "") + ")")
    else:
        ui().note(f"{output_name(path)} is current (status list version {update.version}, "
                  f"{update.revoked} set)")


def _digest(content: dict[str, object]) -> bytes:
    return hashlib.sha256(canonical_bytes(content)).digest()


def _known(state: LedgerState) -> KnownList | None:
    """The last list the ledger records, with every revocation it records."""
    if state.last_list is None:
        return None
    entries = tuple({"id": r["id"], "reason": r["reason"], "revokedAt": r["revokedAt"]}
                    for r in sorted(state.revoked.values(), key=lambda r: r["version"]))
    return KnownList(int(state.last_list["version"]), entries)


def _resolve(names: list[str]) -> list[tuple[str, str]]:
    """(declaration id, where it came from) for every ITEM, each id once."""
    found: dict[str, tuple[str, str]] = {}
    for name in names:
        path = Path(name)
        if is_declaration_id(name) and not path.exists():
            found.setdefault(declaration_key(name), (name, "given"))
            continue
        if not path.exists():
            raise InputError("is neither a declaration id (the UUID in a declaration's "
                             "\"id\", e.g. 3f1c2a9e-5b7d-4e8f-9a0b-1c2d3e4f5a6b) nor a file",
                             source=name, code="not_found")
        files = expand_inputs([path], pattern="*", what="bundles or labels") \
            if path.is_dir() else [path]
        for file in files:
            if file.name.startswith(".") or file.suffix.lower() not in (".json", ".pdf") \
                    and path.is_dir():
                continue
            for declaration_id in declaration_ids(read_bytes(file, max_bytes=MAX_INPUT_BYTES),
                                                  source=str(file)):
                found.setdefault(declaration_key(declaration_id), (declaration_id, str(file)))
    return list(found.values())


def _report(ctx: click.Context, added: tuple[str, ...], already: tuple[str, ...],
            wanted: list[tuple[str, str]], output: Path, version: int, entries: int, *,
            written: bool, ledger: Path, output_format: str,
            status: dict[str, object] | None = None) -> None:
    out = ui(ctx)
    where = dict(wanted)
    if output_format == "json":
        text = json_document("revoke", {
            "list": output_name(output), "version": version, "written": written,
            "entries": entries, "ledger": str(ledger),
            "revoked": [{"id": i, "from": where.get(i, "given")} for i in added],
            "alreadyRevoked": [{"id": i, "from": where.get(i, "given")} for i in already],
            "totals": {"requested": len(wanted), "revoked": len(added),
                       "alreadyRevoked": len(already)},
            **({"statusList": status} if status is not None else {}),
        })
        click.echo(text, nl=False, err=str(output) == "-")
        return
    for declaration_id in added:
        out.item(f"revoked  {declaration_id} ({where.get(declaration_id, 'given')})")
    for declaration_id in already:
        out.item(f"already  {declaration_id} ({where.get(declaration_id, 'given')})")
    if written:
        what = f"revoked {len(added)}" if wanted else "issued"
        extra = f", {len(already)} already revoked" if already else ""
        out.note(f"{what}{extra}; wrote {output_name(output)} (version {version}, "
                 f"{entries} revoked in all)")
    elif wanted:
        out.note(f"nothing new to revoke ({len(already)} already revoked); "
                 f"{output_name(output)} is unchanged (version {version})")
    else:
        out.note(f"{output_name(output)} is current (version {version}, {entries} revoked); "
                 "nothing to do (--reissue issues it again)")
