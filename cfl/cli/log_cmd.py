"""``cfl log``: watch a register's transparency log (``monitor``) and cosign its checkpoints
as a witness (``witness serve``, ``witness key``)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from cfl.cli.jsonout import json_document
from cfl.cli.keys_cmd import open_signer, passphrase_option
from cfl.cli.options import at_option, format_option, load_public_key_arg
from cfl.cli.ui import ui
from cfl.errors import CflError, InputError
from cfl.io.jsonio import read_bytes
from cfl.log.errors import LogFormatError, LogVerificationError
from cfl.log.note import SIG_COSIGNATURE_V1, VerifierKey, parse_verifier_key
from cfl.log.witness import Cosigner, WitnessPolicy
from cfl.register.monitor import EVIDENCE_DIR, MISBEHAVIOUR, LogEndpoints, run_monitor
from cfl.register.witness_service import WitnessService, witness_app
from cfl.signing.keys import load_public_key
from cfl.trust.context import build_trust_context
from cfl.trust.logs import TransparencyLog
from cfl.trust.trust_list import MAX_TRUST_LIST_BYTES, TrustList

#: ``cfl log monitor`` exit statuses: all consistent; could not check; an entry, tile or
#: checkpoint that does not verify; the log contradicted itself (fork, rewritten history).
EXIT_OK, EXIT_ERROR, EXIT_REFUSED, EXIT_MISBEHAVED = 0, 1, 3, 4


@click.group("log")
def log_group() -> None:
    """A register's transparency log: monitor it, witness it."""


def _verifier_keys(texts: tuple[str, ...], option: str) -> list[VerifierKey]:
    keys = []
    for text in texts:
        try:
            keys.append(parse_verifier_key(text))
        except LogFormatError as exc:
            raise click.UsageError(f"{option} {text[:60]!r}: {exc.message}") from None
    return keys


def _listed_log(trust_list: TrustList, url: str, origin: str | None) -> TransparencyLog:
    logs = trust_list.transparency_logs
    if origin is not None:
        found = [log for log in logs if log.origin == origin]
    else:
        wanted = LogEndpoints.of(url).log
        found = [log for log in logs if LogEndpoints.of(log.url).log == wanted] or (
            list(logs) if len(logs) == 1 else [])
    if not found:
        names = ", ".join(log.origin for log in logs) or "none"
        raise InputError(f"the trust list names no log at {url} (it names: {names}); give "
                         "--origin, or --log-key without --trust", code="log_not_listed")
    return found[0]


@log_group.command()
@click.argument("url")
@click.option("--state", "state", required=True,
              type=click.Path(path_type=Path, file_okay=False),
              help="Folder keeping the last checkpoint seen, the ids and list versions seen, "
              "and evidence of misbehaviour.")
@click.option("--trust", "trust_list",
              type=click.Path(path_type=Path, dir_okay=False, allow_dash=True),
              help="The scheme's signed trust list: the log's key, origin and witnesses, and "
              "the certifiers every bundle must be signed by.")
@click.option("--anchor", type=click.Path(path_type=Path, allow_dash=True),
              help="The operator's public key the trust list must be signed by.")
@click.option("--origin", help="Which of the trust list's logs (default: the one at URL).")
@click.option("--log-key", "log_keys", multiple=True, metavar="VKEY",
              help="The log's verifier key, without a trust list (repeatable).")
@click.option("--witness", "witnesses", multiple=True, metavar="VKEY",
              help="A witness key whose cosignature counts (with --log-key; repeatable).")
@click.option("--quorum", type=click.IntRange(min=0), default=0, show_default=True,
              help="Cosignatures required of --witness keys.")
@click.option("--entries-only", is_flag=True, help="Check the entries without fetching and "
              "verifying the bundles they name.")
@click.option("--ca-file", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="CA certificate(s) to trust for the register's TLS certificate.")
@at_option
@format_option
def monitor(url: str, state: Path, trust_list: Path | None, anchor: Path | None,
            origin: str | None, log_keys: tuple[str, ...], witnesses: tuple[str, ...],
            quorum: int, entries_only: bool, ca_file: Path | None, at: dt.datetime,
            output_format: str) -> None:
    """Check the log at URL (a register's /log, or the register itself) from the last
    checkpoint seen in --state to its latest: the new tree extends the old one, every tile
    and entry hashes to the checkpoint, and every new entry is a bundle the register serves
    that verifies against the trust list, or a certifier's revocation list whose version
    grows. Stores the new checkpoint only when all of it passed.

    Exit 0: consistent. 1: could not check. 3: something does not verify (an entry, a
    tile, a bundle, a signature). 4: THE LOG CONTRADICTS ITSELF (a fork, a rewritten or
    rolled-back history): both signed checkpoints are kept in STATE/evidence/.
    """
    listed: TrustList | None = None
    if trust_list is not None:
        if anchor is None:
            raise click.UsageError("--trust needs --anchor (the operator's public key)")
        context = build_trust_context(read_bytes(trust_list, max_bytes=MAX_TRUST_LIST_BYTES),
                                      anchor=load_public_key_arg(anchor), at=at,
                                      source=str(trust_list))
        if context.trust_list is None:
            reasons = "; ".join(row.code for row in context.rows)
            raise InputError(f"the trust list is not accepted ({reasons})",
                             source=str(trust_list), code="trust_list_refused")
        listed = context.trust_list
    keys = _verifier_keys(log_keys, "--log-key")
    policy: WitnessPolicy | None = None
    if keys:
        log_origin = origin or keys[0].name
        if quorum:
            policy = WitnessPolicy(tuple(_verifier_keys(witnesses, "--witness")), quorum)
    elif listed is not None:
        log = _listed_log(listed, url, origin)
        log_origin, keys = log.origin, list(log.log_keys)
        policy = log.witnesses if log.witnesses.quorum else None
    else:
        raise click.UsageError("give the log's key: --trust and --anchor, or --log-key")
    try:
        outcome = run_monitor(url, state, origin=log_origin, log_keys=keys, at=at,
                              trust_list=listed, witnesses=policy,
                              check_bundles=not entries_only,
                              verify=str(ca_file) if ca_file is not None else True)
    except LogVerificationError as exc:
        misbehaved = exc.code in MISBEHAVIOUR
        if output_format == "json":
            ui().result(json_document("log", {
                "action": "monitor", "outcome": "misbehaved" if misbehaved else "refused",
                "origin": log_origin, "code": exc.code, "message": exc.message,
                "evidence": str(state / EVIDENCE_DIR) if misbehaved and exc.evidence
                else None}), nl=False)
        if misbehaved:
            click.echo(f"LOG MISBEHAVED: {log_origin}: {exc.code}: {exc.message}", err=True)
            if exc.evidence:
                click.echo(f"  both signed checkpoints are kept in {state / EVIDENCE_DIR}/ "
                           "(evidence for anyone: the log's key signed both)", err=True)
            raise SystemExit(EXIT_MISBEHAVED) from None
        cause = f" ({exc.__cause__})" if isinstance(exc.__cause__, CflError) else ""
        click.echo(f"REFUSED: {log_origin}: {exc.code}: {exc.message}{cause}", err=True)
        raise SystemExit(EXIT_REFUSED) from None
    if output_format == "json":
        ui().result(json_document("log", {
            "action": "monitor", "outcome": "consistent", "origin": outcome.origin,
            "previousSize": outcome.previous_size, "size": outcome.size,
            "entries": outcome.entries, "bundles": outcome.bundles,
            "bundlesVerified": not entries_only, "revocationLists": outcome.lists,
            "tiles": outcome.tiles, "entryBundles": outcome.entry_bundles,
            "seconds": round(outcome.seconds, 3)}), nl=False)
        return
    checked = (f"{outcome.bundles} bundle(s) "
               + ("checked" if entries_only else "verified")
               + f", {outcome.lists} revocation list(s)")
    ui().total(f"ok: {outcome.origin}: {outcome.size} entries (was {outcome.previous_size}); "
               f"{outcome.entries} new entries checked ({checked}); {outcome.tiles} tiles, "
               f"{outcome.entry_bundles} entry bundles, {outcome.seconds:.2f} s")


@log_group.group()
def witness() -> None:
    """Cosign a log's checkpoints as a witness (c2sp.org/tlog-witness)."""


@witness.command("key")
@click.option("--key", required=True, type=click.Path(path_type=Path),
              help="The witness's Ed25519 key folder (cfl keys generate).")
@click.option("--name", required=True, help="The witness's name, e.g. witness.example.org.")
@format_option
def witness_key(key: Path, name: str, output_format: str) -> None:
    """Print the witness's verifier key (what a register's [log] witnesses and a trust
    list's witnesses list)."""
    try:
        print_key = VerifierKey.from_public_key(name, load_public_key(key), SIG_COSIGNATURE_V1)
    except LogFormatError as exc:
        raise InputError(exc.message, source=str(key), code=exc.code) from None
    if output_format == "json":
        ui().result(json_document("log", {"action": "witness-key", "name": name,
                                          "verifierKey": print_key.text}), nl=False)
        return
    ui().result(print_key.text)


@witness.command("serve")
@click.option("--key", required=True, type=click.Path(path_type=Path),
              help="The witness's Ed25519 key folder (cfl keys generate).")
@click.option("--name", required=True, help="The witness's name, e.g. witness.example.org.")
@click.option("--log", "logs", required=True, multiple=True, metavar="VKEY",
              help="A log to witness, by its verifier key (its name is the log's origin; "
              "repeatable).")
@click.option("--state", required=True, type=click.Path(path_type=Path, file_okay=False),
              help="Folder keeping the latest checkpoint cosigned per log.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=int, default=8010, show_default=True, help="Port.")
@passphrase_option
def witness_serve(key: Path, name: str, logs: tuple[str, ...], state: Path, host: str,
                  port: int, passphrase_file: Path | None) -> None:
    """Serve POST /add-checkpoint: cosign each checkpoint of a listed log that is consistent
    with the latest one cosigned for it (refusals per c2sp.org/tlog-witness)."""
    import uvicorn  # the server itself, only when serving

    known: dict[str, list[VerifierKey]] = {}
    for log_key in _verifier_keys(logs, "--log"):
        known.setdefault(log_key.name, []).append(log_key)
    cosigner = Cosigner(name, open_signer(key, passphrase_file))
    service = WitnessService(cosigner, known, state,
                             clock=lambda: dt.datetime.now(dt.UTC).replace(microsecond=0))
    click.echo(f"witness {cosigner.verifier_key.text} on http://{host}:{port}/add-checkpoint "
               f"for {', '.join(sorted(known))}", err=True)
    uvicorn.run(witness_app(service), host=host, port=port, log_level="info",
                server_header=False)
