"""``cfl trust``: a scheme operator keeps and signs its trust list of certifiers."""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import click

from cfl.claim.model import CATEGORY_CODES, RULE_SET_CODES
from cfl.cli.keys_cmd import open_signer, passphrase_option
from cfl.cli.options import TIME, at_option, format_option, output_name
from cfl.errors import InputError
from cfl.io.atomic import write_atomic
from cfl.io.jsonio import dumps_pretty, read_bytes
from cfl.io.kinds import TRUST_LIST, wrong_kind_error
from cfl.signing.jws import ROLES, bundle_to_bytes
from cfl.signing.keys import load_public_key
from cfl.timeutil import format_time
from cfl.trust.trust_list import (
    CONTENT_KEY,
    DEFAULT_ROLES,
    MAX_TRUST_LIST_BYTES,
    STATUSES,
    Accreditation,
    add_trust_entry,
    new_trust_list,
    read_trust_list_document,
    sign_trust_list,
    trust_list_from_content,
)

LIST_PATH = click.Path(dir_okay=False, path_type=Path)


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
            click.echo(f"warning: {option}: {value!r} is not a {what} cfl knows; {hint}"
                       f"(known: {', '.join(names)}). Declarations of other ids are out of "
                       "this scope.", err=True)


@click.group()
def trust() -> None:
    """Trust lists of accredited certifiers: init, add, sign, show."""


@trust.command()
@click.option("-o", "--output", required=True, type=LIST_PATH, help="Trust list file to create.")
@click.option("--name", required=True, help="The scheme operator's name.")
@click.option("--expires", required=True, type=TIME, help="Expiry of the list (RFC 3339).")
@at_option
def init(output: Path, name: str, expires: dt.datetime, at: dt.datetime) -> None:
    """Start an empty, unsigned trust list (version 1)."""
    if output.exists():
        raise click.UsageError(f"{output} already exists; refusing to replace it")
    if expires <= at:
        raise click.BadParameter(f"{format_time(expires)} is not after the issue time "
                                 f"{format_time(at)}; the list would be expired at once",
                                 param_hint="--expires")
    write_atomic(output, bundle_to_bytes(new_trust_list(name, expires=expires, at=at)))
    click.echo(f"wrote {output_name(output)}: empty trust list of {name}, version 1", err=True)


@trust.command()
@click.argument("trust_list", type=LIST_PATH)
@click.option("--jwk", required=True, type=click.Path(path_type=Path),
              help="The certifier's (or manufacturer's) public JWK file (or key folder).")
@click.option("--name", required=True, help="The certification body's (or manufacturer's) name.")
@click.option("--role", "roles", type=click.Choice(ROLES), multiple=True,
              help="What the key may sign: certifier (certifies declarations, issues QR "
              "claims and revocation lists) or manufacturer (co-signs; never certifies). "
              "Repeatable; default certifier.")
@click.option("--accreditation", required=True, type=AccreditationParam(),
              help="ACCREDITOR:NUMBER, e.g. CNAS:CNAS-C123 (for a manufacturer: its "
              "registration, e.g. USCC:91310000XXXXXXXXXX).")
@click.option("--scope", required=True, help="Product categories, comma-separated.")
@click.option("--rule-sets", default=None,
              help="Restrict the scope to these rule set ids, comma-separated.")
@click.option("--valid-from", required=True, type=TIME)
@click.option("--valid-until", required=True, type=TIME)
@click.option("--status", type=click.Choice(STATUSES), default="active", show_default=True)
def add(trust_list: Path, jwk: Path, name: str, roles: tuple[str, ...],
        accreditation: Accreditation, scope: str, rule_sets: str | None,
        valid_from: dt.datetime, valid_until: dt.datetime, status: str) -> None:
    """Add (or replace) a certifier or manufacturer entry; the list must be signed again
    afterwards."""
    categories = _split(scope)
    if not categories:
        raise click.UsageError("--scope needs at least one product category")
    _warn_unknown("--scope", "product category", categories, CATEGORY_CODES)
    _warn_unknown("--rule-sets", "rule set", _split(rule_sets), RULE_SET_CODES)
    key = load_public_key(jwk)
    document = add_trust_entry(
        _read(trust_list), key, name=name, accreditation=accreditation,
        categories=categories, rule_sets=_split(rule_sets), valid_from=valid_from,
        valid_until=valid_until, status=status, source=str(trust_list),
        roles=roles or DEFAULT_ROLES,
    )
    write_atomic(trust_list, bundle_to_bytes(document))
    click.echo(f"added {name} ({key.kid}) as {' and '.join(roles or DEFAULT_ROLES)} to "
               f"{trust_list} (version {document[CONTENT_KEY]['version']}, unsigned)",
               err=True)


@trust.command("sign")
@click.argument("trust_list", type=LIST_PATH)
@click.option("--key", required=True, type=click.Path(path_type=Path),
              help="The operator's key folder or private.pem.")
@click.option("--version", type=click.IntRange(min=1), default=None,
              help="Version number to issue (default: the list's own).")
@click.option("--expires", type=TIME, default=None, help="New expiry (RFC 3339).")
@click.option("-o", "--output", required=True, type=LIST_PATH, help="Signed trust list to write.")
@passphrase_option
@at_option
def sign_command(trust_list: Path, key: Path, version: int | None, expires: dt.datetime | None,
                 output: Path, passphrase_file: Path | None, at: dt.datetime) -> None:
    """Issue the trust list: set its issue time and sign it with the operator's key."""
    document = _read(trust_list)
    signer = open_signer(key, passphrase_file)
    signed = sign_trust_list(document, signer, at=at, version=version, expires=expires,
                             source=str(trust_list))
    write_atomic(output, bundle_to_bytes(signed))
    content = signed[CONTENT_KEY]
    click.echo(f"signed version {content['version']} with {signer.kid}; wrote "
               f"{output_name(output)}",
               err=True)


@trust.command()
@click.argument("trust_list", type=LIST_PATH)
@format_option
def show(trust_list: Path, output_format: str) -> None:
    """Show a trust list's entries (the signature is not checked here; `cfl verify` does)."""
    document = _read(trust_list)
    if output_format == "json":
        click.echo(dumps_pretty(document[CONTENT_KEY]), nl=False)
        return
    parsed = trust_list_from_content(document[CONTENT_KEY], source=str(trust_list))
    count = len(document["signatures"])
    click.echo(f"{parsed.operator}: version {parsed.version}, issued "
               f"{format_time(parsed.issued)}, expires {format_time(parsed.expires)}, "
               f"{f'{count} signature(s)' if count else 'unsigned'}")
    for entry in parsed.entries:
        rule_sets = f"; rule sets {', '.join(entry.scope_rule_sets)}" if entry.scope_rule_sets \
            else ""
        click.echo(f"- {entry.name} [{entry.status}] {entry.roles_text}, "
                   f"{entry.accreditation}, kid {entry.kid}\n"
                   f"  scope {', '.join(entry.scope_categories)}{rule_sets}; valid "
                   f"{format_time(entry.valid_from)} to {format_time(entry.valid_until)}")
