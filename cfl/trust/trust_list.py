"""The scheme operator's signed trust list: its model, reading, editing and signing.

A trust list names the certification bodies a scheme operator has accredited (and the
manufacturers whose co-signatures it vouches for): each entry a public key (JWK, kid = RFC
7638 thumbprint), name, roles (``certifier``, ``manufacturer``: what a signature by the key
may be), accreditation, scope (product categories, optionally rule sets), validity window and
status. The list has a version and an expiry and is a detached JWS (``typ``
``cfl-trustlist+jws``) by the operator's key, which the verifier pins as its *anchor*.
Accepting a list (signature, freshness, rollback against the stored one) is
:mod:`cfl.trust.context`'s job; checking a signer against it, :mod:`cfl.verification`'s.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cfl.errors import InputError
from cfl.io.jsonio import loads_strict
from cfl.signing.b64url import b64url_decode
from cfl.signing.jcs import canonical_bytes
from cfl.signing.jws import (
    MAX_BUNDLE_BYTES,
    ROLES,
    TYP_TRUST_LIST,
    sign_content,
    signed_document_from_json,
    validate_content,
)
from cfl.signing.keys import PublicKey, Signer
from cfl.timeutil import format_time, parse_time
from cfl.trust.logs import MEMBER as LOGS_MEMBER
from cfl.trust.logs import TransparencyLog, transparency_logs_from_content
from cfl.trust.resolvers import ResolverPrefix, parse_resolver

#: Bound on a trust list file, checked before parsing.
MAX_TRUST_LIST_BYTES = 8 * MAX_BUNDLE_BYTES
CONTENT_KEY = "trustList"
SCHEMA = "trustlist.schema.json"
STATUSES = ("active", "suspended", "withdrawn")
#: The role an entry has unless the operator says otherwise (``cfl trust add --role``).
DEFAULT_ROLES = ("certifier",)


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
    #: The longest a revocation list of this certifier counts as current after its issue
    #: time, whatever its ``nextUpdate`` says (``revocationMaxAge``, ADR 0139); None: the
    #: list's own ``nextUpdate``, else the default (:mod:`cfl.trust.revocation`).
    revocation_max_age: dt.timedelta | None = None

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
    #: The scheme's resolver URL for QR codes, if the operator names one.
    resolver: str | None = None
    #: The register logs a verifier believes (:mod:`cfl.trust.logs`).
    transparency_logs: tuple[TransparencyLog, ...] = ()
    #: Every URL prefix the scheme's QR codes may carry (``resolver`` and ``resolvers``), in
    #: the form they are compared in (:mod:`cfl.trust.resolvers`); empty when the list names
    #: none.
    resolvers: tuple[ResolverPrefix, ...] = ()

    def find(self, kid: str) -> TrustEntry | None:
        return self._by_kid.get(kid)

    def with_hint(self, hint: bytes) -> tuple[TrustEntry, ...]:
        """The entries whose kid (the decoded RFC 7638 thumbprint) starts with ``hint``, in
        list order: an index built once per hint length, so a lookup does not decode every
        entry's kid."""
        if not hint:
            return ()
        index = self._by_hint.get(len(hint))
        if index is None:
            grouped: dict[bytes, list[TrustEntry]] = {}
            for raw, entry in self._raw_kids:
                grouped.setdefault(raw[:len(hint)], []).append(entry)
            index = {prefix: tuple(entries) for prefix, entries in grouped.items()}
            self._by_hint[len(hint)] = index
        return index.get(hint, ())

    @functools.cached_property
    def _raw_kids(self) -> tuple[tuple[bytes, TrustEntry], ...]:
        """Each entry with its kid decoded (a kid is a checked base64url thumbprint)."""
        return tuple((b64url_decode(entry.kid, what="kid"), entry) for entry in self.entries)

    @functools.cached_property
    def _by_hint(self) -> dict[int, dict[bytes, tuple[TrustEntry, ...]]]:
        """Per hint length, the entries by kid prefix (filled by :meth:`with_hint`)."""
        return {}

    @functools.cached_property
    def _by_kid(self) -> dict[str, TrustEntry]:
        """Entries by kid (a kid is listed at most once: :func:`trust_list_from_content`)."""
        by_kid: dict[str, TrustEntry] = {}
        for entry in self.entries:
            by_kid.setdefault(entry.kid, entry)  # the first wins, as a linear search would
        return by_kid


def trust_list_from_content(content: dict[str, Any], *, source: str,
                            payload: bytes | None = None) -> TrustList:
    """Schema-check the signed content and build the object (signature not checked here).
    ``payload``: the content's JCS bytes when the caller has them already."""
    _require_roles(content, source=source)
    validate_content(content, schema_name=SCHEMA, source=source, root=CONTENT_KEY)
    entries: list[TrustEntry] = []
    seen: set[str] = set()
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
        if key.kid in seen:
            raise InputError(f"the key {key.kid} is listed twice", source=source,
                             location=f"{where}.kid", code="duplicate_entry")
        seen.add(key.kid)
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
            revocation_max_age=(dt.timedelta(days=raw["revocationMaxAge"])
                                if "revocationMaxAge" in raw else None),
        ))
    return TrustList(
        operator=content["operator"], version=content["version"],
        issued=parse_time(content["issued"]), expires=parse_time(content["expires"]),
        entries=tuple(entries),
        digest=hashlib.sha256(canonical_bytes(content) if payload is None else payload).digest(),
        resolver=content.get("resolver"),
        transparency_logs=transparency_logs_from_content(content, source=source),
        resolvers=named_resolvers(content, source=source),
    )


def named_resolvers(content: dict[str, Any], *, source: str) -> tuple[ResolverPrefix, ...]:
    """The URL prefixes a (schema-checked) trust list content names: its ``resolver`` (the
    one labels print) and its ``resolvers``, each once, in that order."""
    named: list[ResolverPrefix] = []
    texts = ([content["resolver"]] if "resolver" in content else []) + [
        text for text in content.get("resolvers", ())]
    for i, text in enumerate(texts):
        where = ("resolver" if i == 0 and "resolver" in content
                 else f"resolvers[{i - (1 if 'resolver' in content else 0)}]")
        prefix = parse_resolver(text, source=source, location=f"$.{CONTENT_KEY}.{where}")
        if prefix not in named:
            named.append(prefix)
    return tuple(named)


def set_resolvers(content: dict[str, Any], resolvers: Sequence[str]) -> dict[str, Any]:
    """``content`` naming ``resolvers``: the first is ``resolver`` (the one labels print),
    and when there are more, all of them are ``resolvers``; an empty sequence leaves the
    content as it is."""
    if not resolvers:
        return content
    out = {key: value for key, value in content.items() if key != "resolvers"}
    out["resolver"] = resolvers[0]
    if len(resolvers) > 1:
        out["resolvers"] = list(dict.fromkeys(resolvers))
    return out


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


def new_trust_list(operator: str, *, expires: dt.datetime, at: dt.datetime,
                   resolver: str | None = None, resolvers: Sequence[str] = ()
                   ) -> dict[str, Any]:
    """An empty, unsigned trust list document (version 1); ``resolver``: the URL prefix of
    the scheme's QR codes, if the operator names one; ``resolvers``: every prefix its codes
    may carry (:func:`set_resolvers`: the first is the one labels print)."""
    content: dict[str, Any] = {"operator": operator, "version": 1, "issued": format_time(at),
                               "expires": format_time(expires), "entries": []}
    if resolver is not None:
        content["resolver"] = resolver
    content = set_resolvers(content, resolvers)
    validate_content(content, schema_name=SCHEMA, source="<new trust list>", root=CONTENT_KEY)
    named_resolvers(content, source="<new trust list>")
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
    roles: Sequence[str] = DEFAULT_ROLES, revocation_max_age: int | None = None,
) -> dict[str, Any]:
    """The document with one more entry (or the entry for ``key`` replaced), unsigned.

    ``roles`` (``certifier``, ``manufacturer`` or both) says what a signature by ``key`` may
    be; a manufacturer is listed only so that its co-signatures can be checked.
    ``revocation_max_age`` (days): how long a revocation list of this certifier counts as
    current at most after its issue time (ADR 0139).

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
    entry: dict[str, Any] = {
        "kid": key.kid, "publicKey": dict(key.jwk), "name": name,
        "roles": list(_ordered_roles(roles)),
        "accreditation": {"accreditor": accreditation.accreditor,
                          "number": accreditation.number},
        "scope": {"productCategories": list(categories), "ruleSets": list(rule_sets)},
        "validFrom": format_time(valid_from), "validUntil": format_time(valid_until),
        "status": status,
    }
    if revocation_max_age is not None:
        entry["revocationMaxAge"] = revocation_max_age
    content["entries"] = [e for e in content["entries"] if e.get("kid") != key.kid] + [entry]
    trust_list_from_content(content, source=source)
    return {CONTENT_KEY: content, "signatures": []}


def add_transparency_log(document: dict[str, Any], log: dict[str, Any], *,
                         source: str = "<trust list>") -> dict[str, Any]:
    """The document with one more transparency log (or the log of that origin replaced),
    unsigned (``log``: :func:`cfl.trust.logs.transparency_log_json`); the first edit after
    a release starts the next version, as for entries."""
    content = dict(document[CONTENT_KEY])
    if document.get("signatures"):
        content["version"] = content["version"] + 1
    content[LOGS_MEMBER] = [item for item in content.get(LOGS_MEMBER, ())
                            if item.get("origin") != log.get("origin")] + [log]
    trust_list_from_content(content, source=source)
    return {CONTENT_KEY: content, "signatures": []}


def sign_trust_list(
    document: dict[str, Any], signer: Signer, *, at: dt.datetime, version: int | None = None,
    expires: dt.datetime | None = None, source: str = "<trust list>",
    resolver: str | None = None, resolvers: Sequence[str] = (),
) -> dict[str, Any]:
    """Issue the list: set ``issued`` (and optionally version, expiry and resolver) and sign
    it. ``resolvers``, when given, replace the resolvers the list names
    (:func:`set_resolvers`)."""
    content = dict(document[CONTENT_KEY])
    content["issued"] = format_time(at)
    if resolver is not None:
        content["resolver"] = resolver
    content = set_resolvers(content, resolvers)
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


def signed_version(document: dict[str, Any]) -> int | None:
    """The version of a trust list document if it is signed (None for a draft)."""
    if not document.get("signatures"):
        return None
    version = document[CONTENT_KEY].get("version")
    return version if isinstance(version, int) else None


def issue_version(document: dict[str, Any], *, last_signed: int | None,
                  requested: int | None = None) -> tuple[int, int | None]:
    """The version to sign ``document`` under, and the version that would have been re-used
    (None when none would): ``requested`` if given, else the document's own; a version not
    after ``last_signed`` is re-used, and the next one after ``last_signed`` is chosen
    instead (the caller warns, or refuses a ``requested`` one)."""
    own = document[CONTENT_KEY]["version"]
    wanted = requested if requested is not None else own
    if last_signed is not None and wanted <= last_signed:
        return last_signed + 1, wanted
    return wanted, None
