"""Trust: the scheme operator's signed trust list, the local trust store, and signer checks.

A trust list names the certification bodies a scheme operator has accredited (and the
manufacturers whose co-signatures it vouches for): each entry a public key (JWK, kid = RFC
7638 thumbprint), name, roles (``certifier``, ``manufacturer``: what a signature by the key
may be), accreditation, scope (product categories, optionally rule sets), validity window and
status. The list has a version and
an expiry and is a detached JWS (``typ`` ``cfl-trustlist+jws``) by the operator's key, which
the verifier pins as its *anchor*. A :class:`TrustStore` remembers the highest version
accepted per anchor, so an older list is refused (rollback).

:func:`load_trust_context` turns the bytes of a list (and of revocation lists) into a
:class:`TrustContext`: the accepted list, or None, plus the report rows about the list
itself. :func:`signer_rows` checks one signature against that context; bundle and claim
verification both use it.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from cfl.signing.jcs import canonical_bytes
from cfl.signing.jws import (
    MAX_BUNDLE_BYTES,
    ROLES,
    TYP_TRUST_LIST,
    SignedDocument,
    parse_signed_document,
    sign_content,
    signature_problem,
    signed_document_from_json,
    validate_content,
)
from cfl.errors import CflError, InputError
from cfl.io.jsonio import loads_strict
from cfl.signing.keys import PublicKey, Signer
from cfl.trust.revocation import RevocationList, verify_revocation_list
from cfl.timeutil import format_time, parse_time
from cfl.verification.report import CheckRow, Status, error_text

#: Bound on a trust list file, checked before parsing.
MAX_TRUST_LIST_BYTES = 8 * MAX_BUNDLE_BYTES
CONTENT_KEY = "trustList"
SCHEMA = "trustlist.schema.json"
STATUSES = ("active", "suspended", "withdrawn")
#: The role an entry has unless the operator says otherwise (``cfl trust add --role``).
DEFAULT_ROLES = ("certifier",)
#: Clock skew tolerated for "issued"/"signed" times slightly in the future.
CLOCK_SKEW = dt.timedelta(minutes=5)


@dataclass(frozen=True)
class Accreditation:
    accreditor: str
    number: str

    def __str__(self) -> str:
        return f"{self.accreditor}:{self.number}"


@dataclass(frozen=True)
class TrustEntry:
    """One listed key in a trust list: a certifier's, a manufacturer's, or both.

    ``roles`` says what a signature by this key may be (ADR 0060): only a ``certifier``
    entry can certify a declaration, sign a QR claim or publish a revocation list; a
    ``manufacturer`` entry only lets a verifier check that manufacturer's co-signature.
    """

    kid: str
    public_key: PublicKey
    name: str
    accreditation: Accreditation
    scope_categories: tuple[str, ...]
    scope_rule_sets: tuple[str, ...]
    valid_from: dt.datetime
    valid_until: dt.datetime
    status: str
    roles: tuple[str, ...]

    def valid_at(self, when: dt.datetime) -> bool:
        return self.valid_from <= when <= self.valid_until

    def has_role(self, role: str) -> bool:
        return role in self.roles

    @property
    def roles_text(self) -> str:
        return " and ".join(self.roles)

    @functools.cached_property
    def window_text(self) -> str:
        """The validity window as report text (computed once per accepted list)."""
        return f"{format_time(self.valid_from)} to {format_time(self.valid_until)}"


@dataclass(frozen=True)
class TrustList:
    """An accepted (signature-checked) trust list."""

    operator: str
    version: int
    issued: dt.datetime
    expires: dt.datetime
    entries: tuple[TrustEntry, ...]
    digest: bytes

    def find(self, kid: str) -> TrustEntry | None:
        return self._by_kid.get(kid)

    @functools.cached_property
    def _by_kid(self) -> dict[str, TrustEntry]:
        """Entries by kid (a kid is listed at most once: :func:`trust_list_from_content`)."""
        by_kid: dict[str, TrustEntry] = {}
        for entry in self.entries:
            by_kid.setdefault(entry.kid, entry)  # the first wins, as a linear search would
        return by_kid


def trust_list_from_content(content: dict[str, Any], *, source: str) -> TrustList:
    """Schema-check the signed content and build the object (signature not checked here)."""
    _require_roles(content, source=source)
    validate_content(content, schema_name=SCHEMA, source=source, root=CONTENT_KEY)
    entries: list[TrustEntry] = []
    for i, raw in enumerate(content["entries"]):
        where = f"$.{CONTENT_KEY}.entries[{i}]"
        try:
            key = PublicKey.from_jwk(raw["publicKey"], source=source)
        except InputError as exc:
            raise InputError(exc.message, source=source, location=f"{where}.publicKey",
                             code=exc.code) from None
        if key.kid != raw["kid"]:
            raise InputError("'kid' is not the RFC 7638 thumbprint of 'publicKey'",
                             source=source, location=f"{where}.kid", code="bad_kid")
        if any(entry.kid == key.kid for entry in entries):
            raise InputError(f"the key {key.kid} is listed twice", source=source,
                             location=f"{where}.kid", code="duplicate_entry")
        valid_from, valid_until = parse_time(raw["validFrom"]), parse_time(raw["validUntil"])
        if valid_until <= valid_from:
            raise InputError("'validUntil' must be after 'validFrom'", source=source,
                             location=f"{where}.validUntil", code="bad_window")
        entries.append(TrustEntry(
            kid=key.kid, public_key=key, name=raw["name"],
            accreditation=Accreditation(raw["accreditation"]["accreditor"],
                                        raw["accreditation"]["number"]),
            scope_categories=tuple(raw["scope"]["productCategories"]),
            scope_rule_sets=tuple(raw["scope"].get("ruleSets", ())),
            valid_from=valid_from, valid_until=valid_until, status=raw["status"],
            roles=_ordered_roles(raw["roles"]),
        ))
    return TrustList(
        operator=content["operator"], version=content["version"],
        issued=parse_time(content["issued"]), expires=parse_time(content["expires"]),
        entries=tuple(entries), digest=hashlib.sha256(canonical_bytes(content)).digest(),
    )


def _require_roles(content: Any, *, source: str) -> None:
    """An entry without ``roles`` (written before roles existed) is refused with what to do,
    not read as a certifier: such a list may name a manufacturer only so that its
    co-signatures can be checked, and reading it as a certifier would make it one (ADR 0060).
    """
    entries = content.get("entries") if isinstance(content, dict) else None
    for i, raw in enumerate(entries if isinstance(entries, list) else []):
        if isinstance(raw, dict) and "roles" not in raw:
            raise InputError(
                "the entry has no 'roles' (a list written before entries had roles); say "
                "what the key may sign: add \"roles\": [\"certifier\"] or [\"manufacturer\"] "
                "to each entry, or add the entry again with cfl trust add --role, then sign "
                "the list again", source=source, location=f"$.{CONTENT_KEY}.entries[{i}]",
                code="trust_entry_without_roles")


def _ordered_roles(roles: Sequence[str]) -> tuple[str, ...]:
    """``roles`` in the fixed order of :data:`~cfl.signing.jws.ROLES`, each once."""
    return tuple(role for role in ROLES if role in roles)


# --------------------------------------------------------------------------- editing (operator)


def new_trust_list(operator: str, *, expires: dt.datetime, at: dt.datetime) -> dict[str, Any]:
    """An empty, unsigned trust list document (version 1)."""
    content = {"operator": operator, "version": 1, "issued": format_time(at),
               "expires": format_time(expires), "entries": []}
    validate_content(content, schema_name=SCHEMA, source="<new trust list>", root=CONTENT_KEY)
    return {CONTENT_KEY: content, "signatures": []}


def read_trust_list_document(data: bytes, *, source: str) -> dict[str, Any]:
    """A trust list document (signed or not) for editing; its content is schema-checked."""
    value = loads_strict(data, source=source, max_bytes=MAX_TRUST_LIST_BYTES)
    document = signed_document_from_json(value, content_key=CONTENT_KEY, source=source)
    trust_list_from_content(document.content, source=source)
    return {CONTENT_KEY: document.content,
            "signatures": [entry.to_json() for entry in document.signatures]}


def add_trust_entry(
    document: dict[str, Any], key: PublicKey, *, name: str, accreditation: Accreditation,
    categories: Sequence[str], rule_sets: Sequence[str] = (), valid_from: dt.datetime,
    valid_until: dt.datetime, status: str = "active", source: str = "<trust list>",
    roles: Sequence[str] = DEFAULT_ROLES,
) -> dict[str, Any]:
    """The document with one more entry (or the entry for ``key`` replaced), unsigned.

    ``roles`` (``certifier``, ``manufacturer`` or both) says what a signature by ``key`` may
    be; a manufacturer is listed only so that its co-signatures can be checked.

    The first edit after a release starts the next version, so a signed list is never
    re-issued under its old version number.
    """
    content = dict(document[CONTENT_KEY])
    if document.get("signatures"):
        content["version"] = content["version"] + 1
    unknown = [role for role in roles if role not in ROLES]
    if unknown or not roles:
        raise InputError(f"roles must be one or more of {', '.join(ROLES)} (got "
                         f"{', '.join(map(repr, roles)) or 'none'})", source=source,
                         code="bad_role")
    entry = {
        "kid": key.kid, "publicKey": dict(key.jwk), "name": name,
        "roles": list(_ordered_roles(roles)),
        "accreditation": {"accreditor": accreditation.accreditor,
                          "number": accreditation.number},
        "scope": {"productCategories": list(categories), "ruleSets": list(rule_sets)},
        "validFrom": format_time(valid_from), "validUntil": format_time(valid_until),
        "status": status,
    }
    content["entries"] = [e for e in content["entries"] if e.get("kid") != key.kid] + [entry]
    trust_list_from_content(content, source=source)
    return {CONTENT_KEY: content, "signatures": []}


def sign_trust_list(
    document: dict[str, Any], signer: Signer, *, at: dt.datetime, version: int | None = None,
    expires: dt.datetime | None = None, source: str = "<trust list>",
) -> dict[str, Any]:
    """Issue the list: set ``issued`` (and optionally version/expiry) and sign it."""
    content = dict(document[CONTENT_KEY])
    content["issued"] = format_time(at)
    if version is not None:
        content["version"] = version
    if expires is not None:
        content["expires"] = format_time(expires)
    trust_list = trust_list_from_content(content, source=source)
    if trust_list.expires <= at:
        raise InputError(f"expires {format_time(trust_list.expires)}, before it is issued; "
                         "give a later --expires", source=source, code="already_expired")
    return {CONTENT_KEY: content,
            "signatures": [sign_content(content, signer, typ=TYP_TRUST_LIST, at=at)]}


# --------------------------------------------------------------------------- the local store


class TrustStore(Protocol):
    """Where a verifier keeps the last accepted trust list and revocation lists."""

    def read(self, name: str) -> bytes | None: ...

    def write(self, name: str, data: bytes) -> None: ...


class DirectoryTrustStore:
    """A :class:`TrustStore` in a folder; files are written atomically (mode 0600)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def read(self, name: str) -> bytes | None:
        from cfl.io.jsonio import read_bytes

        target = self.path / name
        if not target.is_file():
            return None
        return read_bytes(target, max_bytes=MAX_TRUST_LIST_BYTES)

    def write(self, name: str, data: bytes) -> None:
        from cfl.io.atomic import write_atomic

        try:
            self.path.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise CflError(f"{self.path}: cannot create the trust store ({exc.strerror})",
                           code="trust_store") from None
        write_atomic(self.path / name, data, mode=0o600)

    def __repr__(self) -> str:
        return f"DirectoryTrustStore({str(self.path)!r})"


class MemoryTrustStore:
    """A :class:`TrustStore` in memory (tests, one-shot verifications)."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def read(self, name: str) -> bytes | None:
        return self.files.get(name)

    def write(self, name: str, data: bytes) -> None:
        self.files[name] = data


def default_trust_store_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("cfl")) / "trust"


def _trust_list_name(anchor_kid: str) -> str:
    return f"trustlist-{anchor_kid}.json"


def _revocations_name(issuer_kid: str) -> str:
    return f"revocations-{issuer_kid}.json"


# --------------------------------------------------------------------------- the context


@dataclass(frozen=True)
class TrustContext:
    """What a verifier trusts at time ``at``: the accepted trust list (None if none could
    be accepted), the rows about the list and the revocation lists, and the newest verified
    revocation list per certifier kid."""

    trust_list: TrustList | None
    rows: tuple[CheckRow, ...]
    at: dt.datetime
    revocation_lists: dict[str, RevocationList] = field(default_factory=dict, hash=False)
    store: TrustStore | None = field(default=None, compare=False, hash=False)

    def find(self, kid: str) -> TrustEntry | None:
        return self.trust_list.find(kid) if self.trust_list is not None else None

    def key_for(self, kid: str) -> PublicKey | None:
        entry = self.find(kid)
        return entry.public_key if entry is not None else None

    def certifier_key_for(self, kid: str) -> PublicKey | None:
        """The key of ``kid`` if it is listed with role ``certifier`` (only certifiers
        publish revocation lists)."""
        entry = self.find(kid)
        return entry.public_key if entry is not None and entry.has_role("certifier") else None

    def revocations_for(self, kid: str) -> RevocationList | None:
        """The newest verified revocation list of certifier ``kid`` (given or stored)."""
        given = self.revocation_lists.get(kid)
        if given is not None or self.store is None:
            return given
        data = self.store.read(_revocations_name(kid))
        if data is None:
            return None
        try:
            return verify_revocation_list(data, key_for=self.certifier_key_for,
                                          source="<trust store>")
        except CflError:
            return None


def load_trust_context(
    trust_list: bytes | None, *, anchor: PublicKey, at: dt.datetime,
    store: TrustStore | None = None, revocations: Sequence[bytes] = (),
    source: str = "<trust list>", revocation_sources: Sequence[str] | None = None,
) -> TrustContext:
    """Check a trust list (or the stored one, if ``trust_list`` is None) against the
    pinned ``anchor`` at time ``at``, and the given revocation lists against it.

    Never raises for a bad list: problems become FAILED/INDETERMINATE rows and the
    context then holds no trust list. A newly accepted list or revocation list is written
    to ``store``.
    """
    rows: list[CheckRow] = []
    stored_bytes = store.read(_trust_list_name(anchor.kid)) if store is not None else None
    stored: TrustList | None = None
    if stored_bytes is not None:
        try:
            stored = _verified_trust_list(stored_bytes, anchor, source="<trust store>")
        except CflError as exc:
            rows.append(CheckRow(
                "trust-list-rollback", Status.FAILED, "trust_store_corrupt",
                f"the stored trust list for this anchor cannot be read ({exc}); remove it "
                "from the trust store and verify again", subject=source))
            return TrustContext(None, tuple(rows), at, store=store)
    if trust_list is None and stored_bytes is None:
        rows.append(CheckRow(
            "trust-list-signature", Status.INDETERMINATE, "trust_list_missing",
            "no trust list was given and none is stored for this anchor; signers cannot be "
            "checked", subject=source))
        return TrustContext(None, tuple(rows), at, store=store)
    if trust_list is None:
        assert stored is not None
        accepted, source = stored, "<trust store>"
    else:
        try:
            accepted = _verified_trust_list(trust_list, anchor, source=source)
        except _ListRejected as exc:
            rows.append(CheckRow("trust-list-signature", Status.FAILED, exc.code, str(exc),
                                 subject=source))
            return TrustContext(None, tuple(rows), at, store=store)
        except CflError as exc:
            rows.append(CheckRow("trust-list-signature", Status.FAILED,
                                 getattr(exc, "code", "bad_trust_list"),
                                 f"the trust list is malformed: {error_text(exc, source)}",
                                 subject=source))
            return TrustContext(None, tuple(rows), at, store=store)
    rows.append(CheckRow(
        "trust-list-signature", Status.PASSED, "trust_list_signed",
        f"the trust list of {accepted.operator} (version {accepted.version}) is signed by the "
        f"pinned anchor {anchor.kid}", subject=source))
    rows.append(_freshness_row(accepted, at, source))
    rollback = _rollback_row(accepted, stored, source)
    rows.append(rollback)
    ok = all(row.status is Status.PASSED for row in rows)
    if not ok:
        return TrustContext(None, tuple(rows), at, store=store)
    if store is not None and trust_list is not None and (
        stored is None or accepted.version > stored.version
    ):
        store.write(_trust_list_name(anchor.kid), trust_list)
    context = TrustContext(accepted, tuple(rows), at, store=store)
    return _with_revocations(context, revocations, revocation_sources)


class _ListRejected(CflError):
    pass


def _verified_trust_list(data: bytes, anchor: PublicKey, *, source: str) -> TrustList:
    document: SignedDocument = parse_signed_document(
        data, content_key=CONTENT_KEY, source=source, max_bytes=MAX_TRUST_LIST_BYTES)
    candidates = [entry for entry in document.signatures if entry.kid == anchor.kid]
    if not candidates:
        raise _ListRejected("the trust list is not signed by the pinned anchor "
                            f"{anchor.kid}", code="trust_list_signature")
    problems = [signature_problem(entry, document.payload, anchor, typ=TYP_TRUST_LIST)
                for entry in candidates]
    if all(problem is not None for problem in problems):
        first = next(problem for problem in problems if problem is not None)
        raise _ListRejected(f"the trust list's signature by the anchor is not valid: "
                            f"{first[1]}", code="trust_list_signature")
    return trust_list_from_content(document.content, source=source)


def _freshness_row(trust_list: TrustList, at: dt.datetime, source: str) -> CheckRow:
    if at > trust_list.expires:
        return CheckRow("trust-list-validity", Status.FAILED, "trust_list_expired",
                        f"the trust list expired {format_time(trust_list.expires)} "
                        f"({describe_age(trust_list.expires, at)} ago); get a current one",
                        subject=source)
    if trust_list.issued > at + CLOCK_SKEW:
        return CheckRow("trust-list-validity", Status.FAILED, "trust_list_not_yet_valid",
                        f"the trust list is issued {format_time(trust_list.issued)}, after the "
                        f"verification time {format_time(at)}", subject=source)
    return CheckRow("trust-list-validity", Status.PASSED, "trust_list_fresh",
                    f"the trust list was issued {format_time(trust_list.issued)} "
                    f"({describe_age(trust_list.issued, at)} old) and expires "
                    f"{format_time(trust_list.expires)}", subject=source)


def _rollback_row(accepted: TrustList, stored: TrustList | None, source: str) -> CheckRow:
    if stored is None:
        return CheckRow("trust-list-rollback", Status.PASSED, "trust_list_first_seen",
                        f"no earlier trust list from this anchor is stored; version "
                        f"{accepted.version} is the first seen", subject=source)
    if accepted.version < stored.version:
        return CheckRow("trust-list-rollback", Status.FAILED, "trust_list_rollback",
                        f"the trust list is version {accepted.version}, older than version "
                        f"{stored.version} already accepted (rollback refused)", subject=source)
    if accepted.version == stored.version and accepted.digest != stored.digest:
        return CheckRow("trust-list-rollback", Status.FAILED, "trust_list_version_conflict",
                        f"the trust list is version {accepted.version} but differs from the "
                        "stored list with the same version", subject=source)
    return CheckRow("trust-list-rollback", Status.PASSED, "trust_list_not_rolled_back",
                    f"version {accepted.version} is not older than the stored version "
                    f"{stored.version}", subject=source)


def _with_revocations(
    context: TrustContext, revocations: Sequence[bytes], sources: Sequence[str] | None
) -> TrustContext:
    rows = list(context.rows)
    newest: dict[str, RevocationList] = {}
    raw_by_issuer: dict[str, bytes] = {}
    names = list(sources) if sources is not None else []
    for i, data in enumerate(revocations):
        name = names[i] if i < len(names) else f"<revocations {i + 1}>"
        try:
            revocation_list = verify_revocation_list(data, key_for=context.certifier_key_for,
                                                     source=name)
        except CflError as exc:
            rows.append(CheckRow("revocation-list", Status.FAILED,
                                 getattr(exc, "code", "bad_revocation_list"),
                                 "the revocation list is not acceptable: "
                                 f"{error_text(exc, name)}", subject=name))
            continue
        issuer = revocation_list.issuer
        if issuer in newest and _conflicting(revocation_list, newest[issuer]):
            rows.append(_revocation_conflict_row(revocation_list, name))
        if issuer not in newest or revocation_list.version > newest[issuer].version:
            newest[issuer] = revocation_list
            raw_by_issuer[issuer] = data
    store = context.store
    for issuer, revocation_list in list(newest.items()):
        stored = context.revocations_for(issuer)  # reads the store (given is not yet set)
        if stored is not None and _conflicting(revocation_list, stored):
            rows.append(_revocation_conflict_row(revocation_list, "<trust store>"))
        if stored is not None and stored.version > revocation_list.version:
            newest[issuer] = stored
        elif store is not None and (stored is None or revocation_list.version > stored.version):
            store.write(_revocations_name(issuer), raw_by_issuer[issuer])
    return TrustContext(context.trust_list, tuple(rows), context.at, newest, store)


def _conflicting(one: RevocationList, other: RevocationList) -> bool:
    """Two lists of one certifier with the same version but other content: which one holds
    is unknowable, so neither is taken on trust (as for trust lists)."""
    return one.version == other.version and one.digest != other.digest


def _revocation_conflict_row(revocation_list: RevocationList, name: str) -> CheckRow:
    return CheckRow("revocation-list", Status.FAILED, "revocation_list_version_conflict",
                    f"two different revocation lists of certifier {revocation_list.issuer} "
                    f"carry version {revocation_list.version}", subject=name)


# --------------------------------------------------------------------------- signer checks


def signer_rows(
    trust: TrustContext, *, kid: str, verify: Callable[[PublicKey], bool],
    product_category: str | None, rule_set: str | None, signed_at: dt.datetime,
    at: dt.datetime, declaration_id: str, alg: str | None = None, subject: str | None = None,
    role: str = "certifier",
) -> list[CheckRow]:
    """Rows for one signature in ``role``: signature valid, signer trusted in that role,
    valid at signing time and at ``at``, in scope, and (for a certifier) the declaration
    not revoked.

    ``kid`` is only a hint to find the key: ``verify(key)`` decides. A signature that
    verifies under another trusted key than the one its kid names is FAILED
    (``kid_mismatch``). ``alg``, if given, must match the key type. The entry must list
    ``role`` (else ``signer_wrong_role``): a key listed as a manufacturer never passes as a
    certifier, and the other way round (ADR 0060).
    """
    def row(check: str, status: Status, code: str, message: str) -> CheckRow:
        return CheckRow(check, status, code, message, subject=subject)

    if trust.trust_list is None:
        return [row("signer-trusted", Status.INDETERMINATE, "trust_list_unavailable",
                    "no trust list was accepted, so the signer cannot be checked")]
    entry = trust.find(kid)
    if entry is None:
        if _verifies_under_other_key(trust, kid, verify, alg):
            return [row("signature", Status.FAILED, "kid_mismatch",
                        f"the signature names key {kid} but was made with another listed key")]
        return [row("signer-trusted", Status.FAILED, "signer_untrusted",
                    f"the signing key {kid} is not in the trust list of "
                    f"{trust.trust_list.operator}")]
    if alg is not None and alg != entry.public_key.alg:
        return [row("signature", Status.FAILED, "alg_key_mismatch",
                    f"the signature says {alg} but {entry.name}'s key is an "
                    f"{entry.public_key.alg} key")]
    if not verify(entry.public_key):
        if _verifies_under_other_key(trust, kid, verify, alg):
            return [row("signature", Status.FAILED, "kid_mismatch",
                        f"the signature names {entry.name}'s key {kid} but was made with "
                        "another listed key")]
        return [row("signature", Status.FAILED, "signature_invalid",
                    "the signature does not verify")]
    who = f"{entry.name} ({entry.accreditation})"
    rows = [row("signature", Status.PASSED, "signature_valid",
                f"the signature verifies with the key of {entry.name} ({kid})")]
    if not entry.has_role(role):
        rows.append(row("signer-trusted", Status.FAILED, "signer_wrong_role",
                        f"{who} is listed in the trust list of {trust.trust_list.operator} as "
                        f"{entry.roles_text} only, so its signature cannot count as a {role}'s"))
    elif entry.status == "active":
        rows.append(row("signer-trusted", Status.PASSED, "signer_trusted",
                        f"{who} is an active {role} entry of the trust list of "
                        f"{trust.trust_list.operator}"))
    else:
        rows.append(row("signer-trusted", Status.FAILED, f"signer_{entry.status}",
                        f"{who} is {entry.status} in the trust list"))
    rows.append(_window_row(entry, signed_at, at, at_signing=True, row=row))
    rows.append(_window_row(entry, at, at, at_signing=False, row=row))
    rows.append(_scope_row(entry, product_category, rule_set, row=row))
    if role == "certifier":  # revocation lists are a certifier's (a manufacturer has none)
        rows.append(revocation_row(trust, kid=kid, declaration_id=declaration_id, at=at,
                                   subject=subject))
    return rows


_RowMaker = Callable[[str, Status, str, str], CheckRow]


def _verifies_under_other_key(
    trust: TrustContext, kid: str, verify: Callable[[PublicKey], bool], alg: str | None
) -> bool:
    assert trust.trust_list is not None
    return any(
        other.kid != kid and (alg is None or other.public_key.alg == alg)
        and verify(other.public_key)
        for other in trust.trust_list.entries
    )


def _window_row(
    entry: TrustEntry, when: dt.datetime, at: dt.datetime, *, at_signing: bool, row: _RowMaker
) -> CheckRow:
    check = "signer-valid-at-signing" if at_signing else "signer-valid-at-time"
    suffix = "_at_signing" if at_signing else ""
    what = "signing time" if at_signing else "verification time"
    window = entry.window_text
    when_text = format_time(when)
    if at_signing and when > at + CLOCK_SKEW:
        return row(check, Status.FAILED, "signed_in_future",
                   f"the signing time {when_text} is after the verification time "
                   f"{format_time(at)}")
    if when < entry.valid_from:
        return row(check, Status.FAILED, f"signer_not_yet_valid{suffix}",
                   f"the {what} {when_text} is before the signer's validity ({window})")
    if when > entry.valid_until:
        return row(check, Status.FAILED, f"signer_expired{suffix}",
                   f"the {what} {when_text} is after the signer's validity ({window})")
    return row(check, Status.PASSED, f"signer_valid{suffix}",
               f"the {what} {when_text} is within the signer's validity ({window})")


def _scope_row(
    entry: TrustEntry, category: str | None, rule_set: str | None, *, row: _RowMaker
) -> CheckRow:
    if category is None:
        return row("signer-scope", Status.INDETERMINATE, "scope_unknown",
                   "the declaration names no product category, so the signer's scope cannot "
                   "be checked")
    if category not in entry.scope_categories:
        return row("signer-scope", Status.FAILED, "scope_category",
                   f"{entry.name} is not accredited for {category!r} (scope: "
                   f"{', '.join(entry.scope_categories)})")
    if entry.scope_rule_sets:
        if rule_set is None:
            return row("signer-scope", Status.INDETERMINATE, "scope_unknown",
                       "the declaration names no rule set, but the signer's scope is "
                       "restricted to rule sets")
        if rule_set not in entry.scope_rule_sets:
            return row("signer-scope", Status.FAILED, "scope_rule_set",
                       f"{entry.name} is not accredited for rule set {rule_set!r} (rule sets: "
                       f"{', '.join(entry.scope_rule_sets)})")
    covered = category + (f" under {rule_set}" if rule_set and entry.scope_rule_sets else "")
    return row("signer-scope", Status.PASSED, "scope_covered",
               f"{entry.name}'s accreditation covers {covered}")


def revocation_row(
    trust: TrustContext, *, kid: str, declaration_id: str, at: dt.datetime,
    subject: str | None = None,
) -> CheckRow:
    """Whether ``declaration_id`` is revoked by certifier ``kid``, with the list's age."""
    revocation_list = trust.revocations_for(kid)
    if revocation_list is None:
        return CheckRow("revocation", Status.INDETERMINATE, "revocation_unavailable",
                        "no revocation list from this certifier was given or is stored, so "
                        "revocation cannot be checked", subject=subject)
    age = (f"revocation list version {revocation_list.version}, issued "
           f"{format_time(revocation_list.issued)}, "
           f"{describe_age(revocation_list.issued, at)} old")
    hit = revocation_list.find(declaration_id)
    if hit is not None and hit.revoked_at <= at:
        return CheckRow("revocation", Status.FAILED, "revoked",
                        f"declaration {declaration_id} was revoked {format_time(hit.revoked_at)}:"
                        f" {hit.reason} ({age})", subject=subject)
    return CheckRow("revocation", Status.PASSED, "not_revoked",
                    f"declaration {declaration_id} is not revoked ({age})", subject=subject)


def describe_age(then: dt.datetime, now: dt.datetime) -> str:
    """A short human age: ``3 days``, ``5 hours``, ``12 minutes``."""
    seconds = abs(int((now - then).total_seconds()))
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{seconds} second{'s' if seconds != 1 else ''}"
