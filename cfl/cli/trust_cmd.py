"""``cfl trust``: a scheme operator keeps and signs its trust list of certifiers."""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import click

from cfl.claim.model import CATEGORY_CODES, RULE_SET_CODES
from cfl.cli.jsonout import json_document
from cfl.cli.keys_cmd import open_signer, passphrase_option
from cfl.cli.options import (
    TIME,
    CflCommand,
    at_option,
    format_option,
    list_resolver_option,
    load_public_key_arg,
    output_name,
)
from cfl.cli.ui import ui
from cfl.errors import InputError
from cfl.io.atomic import write_atomic
from cfl.io.jsonio import read_bytes
from cfl.io.kinds import TRUST_LIST, wrong_kind_error
from cfl.signing.jws import ROLES, bundle_to_bytes
from cfl.timeutil import format_time
from cfl.trust.logs import transparency_log_json
from cfl.trust.trust_list import (
    CONTENT_KEY,
    DEFAULT_ROLES,
    MAX_TRUST_LIST_BYTES,
    STATUSES,
    Accreditation,
    add_transparency_log,
    add_trust_entry,
    issue_version,
    new_trust_list,
    read_trust_list_document,
    sign_trust_list,
    signed_version,
    trust_list_from_content,
)

LIST_PATH = click.Path(dir_okay=False, path_type=Path, allow_dash=True)


def _read(path: Path) -> dict[str, Any]:
    source = "<stdin>" if str(path) == "-" else str(path)
    data = read_bytes(path, max_bytes=MAX_TRUST_LIST_BYTES)
    try:
        return read_trust_list_document(data, source=source)
    except InputError as exc:
        raise wrong_kind_error(data, (TRUST_LIST,), source=source) or exc from None


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


class AccreditationParam(click.ParamType):  # type: ignore[type-arg,unused-ignore]
    """``ACCREDITOR:NUMBER``, e.g. ``CNAS:CNAS-C123``."""

    name = "ACCREDITOR:NUMBER"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None
                ) -> Accreditation:
        if isinstance(value, Accreditation):
            return value
        accreditor, sep, number = str(value).partition(":")
        if not sep or not accreditor.strip() or not number.strip():
            self.fail(f"{value!r} is not ACCREDITOR:NUMBER (e.g. CNAS:CNAS-C123)", param, ctx)
        return Accreditation(accreditor.strip(), number.strip())


def _warn_unknown(option: str, what: str, values: list[str], known: Iterable[str]) -> None:
    """Warn about a value outside cfl's vocabulary: a typo there silently narrows a scope."""
    names = sorted(known)
    for value in values:
        if value not in names:
            close = difflib.get_close_matches(value, names, n=1)
            hint = f"did you mean {close[0]}? " if close else ""
            ui().warn(f"{option}: {value!r} is not a {what} cfl knows; {hint}"
                      f"(known: {', '.join(names)}). Declarations of other ids are out of "
                      "this scope.")


@click.group()
def trust() -> None:
    """Trust lists of accredited certifiers: init, add, sign, show."""


def _summary(action: str, document: dict[str, Any], target: Path, **extra: Any
             ) -> dict[str, Any]:
    content = document[CONTENT_KEY]
    return {"action": action, "file": output_name(target), "operator": content["operator"],
            "version": content["version"], "signed": bool(document.get("signatures")),
            "entries": len(content["entries"]), **extra}


@trust.command()
@click.option("-o", "--output", default="-", show_default=True, type=LIST_PATH,
              help="Trust list file to create (`-` is standard output).")
@click.option("--name", required=True, help="The scheme operator's name.")
@click.option("--expires", required=True, type=TIME, help="Expiry of the list (RFC 3339).")
@list_resolver_option
@at_option
@format_option
def init(output: Path, name: str, expires: dt.datetime, resolvers: tuple[str, ...],
         at: dt.datetime, output_format: str) -> None:
    """Start an empty, unsigned trust list (version 1)."""
    if str(output) != "-" and output.exists():
        raise click.UsageError(f"{output} already exists; refusing to replace it")
    if expires <= at:
        raise click.BadParameter(f"{format_time(expires)} is not after the issue time "
                                 f"{format_time(at)}; the list would be expired at once",
                                 param_hint="--expires")
    document = new_trust_list(name, expires=expires, at=at, resolvers=resolvers)
    write_atomic(output, bundle_to_bytes(document))
    _done(output_format, _summary("init", document, output),
          f"wrote {output_name(output)}: empty trust list of {name}, version 1",
          to_stderr=str(output) == "-")


@trust.command(cls=CflCommand, deprecated_options={"--jwk": "--public-key",
                                                   "--rule-sets": "--rule-set"})
@click.argument("trust_list", type=LIST_PATH)
@click.option("--public-key", "public_key", required=True,
              type=click.Path(path_type=Path, allow_dash=True),
              help="The certifier's (or manufacturer's) public JWK file, or its key folder.")
@click.option("--name", required=True, help="The certification body's (or manufacturer's) name.")
@click.option("--role", "roles", type=click.Choice(ROLES), multiple=True,
              help="What the key may sign: certifier (certifies declarations, issues QR "
              "claims and revocation lists) or manufacturer (co-signs; never certifies). "
              "Repeatable; default certifier.")
@click.option("--accreditation", required=True, type=AccreditationParam(),
              help="ACCREDITOR:NUMBER, e.g. CNAS:CNAS-C123 (for a manufacturer: its "
              "registration, e.g. USCC:91310000XXXXXXXXXX).")
@click.option("--scope", required=True, help="Product categories, comma-separated.")
@click.option("--rule-set", "rule_sets", multiple=True, metavar="ID[,ID…]",
              help="Restrict the scope to these rule set ids (repeatable or comma-separated).")
@click.option("--valid-from", required=True, type=TIME,
              help="Start of the entry's validity (RFC 3339): signatures made before it do "
              "not pass.")
@click.option("--valid-until", required=True, type=TIME,
              help="End of the entry's validity (RFC 3339): signatures made after it, and "
              "verifications after it, do not pass.")
@click.option("--status", type=click.Choice(STATUSES), default="active", show_default=True,
              help="active, suspended (temporarily not trusted) or withdrawn (no longer "
              "trusted).")
@click.option("--revocation-max-age", "revocation_max_age", type=click.IntRange(1, 366),
              default=None, metavar="DAYS",
              help="How many days after its issue time a revocation list of this certifier "
              "counts as current at most, whatever its nextUpdate says (default: until its "
              "nextUpdate, or 45 days without one).")
@click.option("-o", "--output", default=None, type=LIST_PATH,
              help="Where to write the edited list (default: TRUST_LIST itself; `-` is "
              "standard output).")
@format_option
def add(trust_list: Path, public_key: Path, name: str, roles: tuple[str, ...],
        accreditation: Accreditation, scope: str, rule_sets: tuple[str, ...],
        valid_from: dt.datetime, valid_until: dt.datetime, status: str,
        revocation_max_age: int | None, output: Path | None, output_format: str) -> None:
    """Add (or replace) a certifier or manufacturer entry; the list must be signed again
    afterwards. Editing a signed list starts its next version, so a signed version number is
    never re-used."""
    categories = _split(scope)
    if not categories:
        raise click.UsageError("--scope needs at least one product category")
    rule_set_ids = [item for value in rule_sets for item in _split(value)]
    _warn_unknown("--scope", "product category", categories, CATEGORY_CODES)
    _warn_unknown("--rule-set", "rule set", rule_set_ids, RULE_SET_CODES)
    key = load_public_key_arg(public_key)
    before = _read(trust_list)
    document = add_trust_entry(
        before, key, name=name, accreditation=accreditation,
        categories=categories, rule_sets=rule_set_ids, valid_from=valid_from,
        valid_until=valid_until, status=status, source=str(trust_list),
        roles=roles or DEFAULT_ROLES, revocation_max_age=revocation_max_age,
    )
    target = output if output is not None else trust_list
    write_atomic(target, bundle_to_bytes(document))
    version = document[CONTENT_KEY]["version"]
    started = " (the next version: the list was signed)" if before.get("signatures") else ""
    _done(output_format, _summary("add", document, target, kid=key.kid),
          f"added {name} ({key.kid}) as {' and '.join(roles or DEFAULT_ROLES)} to "
          f"{output_name(target)} (version {version}{started}, unsigned: run cfl trust sign)",
          to_stderr=str(target) == "-")


@trust.command("add-log")
@click.argument("trust_list", type=LIST_PATH)
@click.option("--origin", required=True, help="The log's origin (its checkpoints' first "
              "line and its key's name), as the register prints it.")
@click.option("--url", required=True, help="Where the log's checkpoint and tiles are served "
              "(the register's URL + /log).")
@click.option("--log-key", "log_keys", required=True, multiple=True, metavar="VKEY",
              help="The log's verifier key (<origin>+<key ID>+<key>; repeat during a key "
              "rotation).")
@click.option("--witness", "witnesses", multiple=True, metavar="VKEY",
              help="A witness's verifier key (type 0x04; repeatable).")
@click.option("--quorum", type=click.IntRange(min=0), default=0, show_default=True,
              help="How many of the witnesses must cosign a checkpoint.")
@click.option("--valid-from", required=True, type=TIME,
              help="From when the log's checkpoints count (RFC 3339).")
@click.option("--valid-until", required=True, type=TIME,
              help="Until when (set it to retire or revoke a log key; RFC 3339).")
@click.option("--required", is_flag=True, help="Every declaration must carry a proof of "
              "disclosure in this log (else its verification fails).")
@click.option("-o", "--output", default=None, type=LIST_PATH,
              help="Write the edited list here (default: edit TRUST_LIST in place; - for "
              "standard output).")
@format_option
def add_log(trust_list: Path, origin: str, url: str, log_keys: tuple[str, ...],
            witnesses: tuple[str, ...], quorum: int, valid_from: dt.datetime,
            valid_until: dt.datetime, required: bool, output: Path | None,
            output_format: str) -> None:
    """Add (or replace) a register's transparency log that verifiers believe; the list must
    be signed again afterwards."""
    before = _read(trust_list)
    item = transparency_log_json(origin=origin, url=url, log_keys=log_keys,
                                 valid_from=valid_from, valid_until=valid_until,
                                 witness_keys=witnesses, quorum=quorum, required=required)
    document = add_transparency_log(before, item, source=str(trust_list))
    target = output if output is not None else trust_list
    write_atomic(target, bundle_to_bytes(document))
    version = document[CONTENT_KEY]["version"]
    _done(output_format, _summary("add-log", document, target, origin=origin),
          f"added the log {origin} to {output_name(target)} (version {version}, unsigned: "
          "run cfl trust sign)", to_stderr=str(target) == "-")


@trust.command("sign")
@click.argument("trust_list", type=LIST_PATH)
@click.option("--key", required=True, type=click.Path(path_type=Path),
              help="The operator's key folder or private.pem.")
@click.option("--version", type=click.IntRange(min=1), default=None,
              help="Version number to issue (default: the list's own, or the next after "
              "the last one signed).")
@click.option("--expires", type=TIME, default=None, help="New expiry (RFC 3339).")
@list_resolver_option
@click.option("-o", "--output", default="-", show_default=True, type=LIST_PATH,
              help="Signed trust list to write (`-` is standard output). An existing file "
              "here is the last signed version: the new one continues from it.")
@passphrase_option
@at_option
@format_option
def sign_command(trust_list: Path, key: Path, version: int | None, expires: dt.datetime | None,
                 resolvers: tuple[str, ...], output: Path, passphrase_file: Path | None,
                 at: dt.datetime, output_format: str) -> None:
    """Issue the trust list: set its issue time and version and sign it with the operator's
    key.

    The version continues from the last one signed (TRUST_LIST itself if it is signed, and
    the existing -o file): a version number is never issued twice, since a verifier that
    saw one version refuses a different list under the same number. An unsigned TRUST_LIST
    (the draft) is then updated to the signed list, so its next edit (cfl trust add) starts
    the next version.
    """
    document = _read(trust_list)
    last = _last_signed(document, trust_list, output)
    chosen, reused = issue_version(document, last_signed=last[0] if last else None,
                                   requested=version)
    if reused is not None:
        assert last is not None
        if version is not None:
            raise click.BadParameter(
                f"version {version} is not after version {last[0]}, signed already "
                f"({last[1]}): a verifier that saw it refuses a different list under the same "
                f"number (trust_list_version_conflict); give --version {last[0] + 1} or leave "
                "--version out", param_hint="--version")
        ui().warn(f"version {reused} was signed already ({last[1]}); issuing version "
                  f"{chosen} instead, so that verifiers that saw version {reused} accept it")
    signer = open_signer(key, passphrase_file)
    signed = sign_trust_list(document, signer, at=at, version=chosen, expires=expires,
                             source=str(trust_list), resolvers=resolvers)
    data = bundle_to_bytes(signed)
    write_atomic(output, data)
    updated = ""
    if not document.get("signatures") and str(trust_list) != "-" and str(output) != "-" \
            and trust_list.resolve() != output.resolve():  # a draft: it records the release
        write_atomic(trust_list, data)
        updated = f"; {trust_list} now holds the signed list (its next edit starts version " \
                  f"{chosen + 1})"
    _done(output_format, _summary("sign", signed, output, signer=signer.kid),
          f"signed version {chosen} with {signer.kid}; wrote {output_name(output)}{updated}",
          to_stderr=str(output) == "-")


def _last_signed(document: dict[str, Any], trust_list: Path, output: Path
                 ) -> tuple[int, str] | None:
    """The highest signed version among TRUST_LIST (if signed) and the existing output, and
    where it is."""
    found: list[tuple[int, str]] = []
    own = signed_version(document)
    if own is not None:
        found.append((own, str(trust_list)))
    if str(output) != "-" and output.is_file() and (
            str(trust_list) == "-" or output.resolve() != trust_list.resolve()):
        try:
            previous = signed_version(_read(output))
        except InputError as exc:
            raise click.BadParameter(f"{output} exists but cannot be read as a trust list "
                                     f"({exc}); give another -o", param_hint="-o") from None
        if previous is not None:
            found.append((previous, str(output)))
    return max(found) if found else None


def _done(output_format: str, summary: dict[str, Any], message: str, *,
          to_stderr: bool) -> None:
    if output_format == "json":
        click.echo(json_document("trust", summary), nl=False, err=to_stderr)
    else:
        ui().note(message)


@trust.command()
@click.argument("trust_list", type=LIST_PATH)
@format_option
def show(trust_list: Path, output_format: str) -> None:
    """Show a trust list's entries (the signature is not checked here; `cfl verify` does)."""
    document = _read(trust_list)
    if output_format == "json":
        content = document[CONTENT_KEY]
        click.echo(json_document("trust", {
            "action": "show", "file": output_name(trust_list), **content,
            "signed": bool(document["signatures"])}), nl=False)
        return
    parsed = trust_list_from_content(document[CONTENT_KEY], source=str(trust_list))
    count = len(document["signatures"])
    click.echo(f"{parsed.operator}: version {parsed.version}, issued "
               f"{format_time(parsed.issued)}, expires {format_time(parsed.expires)}, "
               f"{f'{count} signature(s)' if count else 'unsigned'}")
    if parsed.resolvers:
        click.echo(f"resolvers: {', '.join(prefix.text for prefix in parsed.resolvers)}")
    for entry in parsed.entries:
        rule_sets = f"; rule sets {', '.join(entry.scope_rule_sets)}" if entry.scope_rule_sets \
            else ""
        click.echo(f"- {entry.name} [{entry.status}] {entry.roles_text}, "
                   f"{entry.accreditation}, kid {entry.kid}\n"
                   f"  scope {', '.join(entry.scope_categories)}{rule_sets}; valid "
                   f"{format_time(entry.valid_from)} to {format_time(entry.valid_until)}"
                   + (f"; revocation lists current {entry.revocation_max_age.days} days at most"
                      if entry.revocation_max_age is not None else ""))
