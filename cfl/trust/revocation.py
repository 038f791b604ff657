"""Revocation lists: a certifier's signed list of the declarations it has revoked.

File form: ``{"revocationList": {"issuer": KID, "version": N, "issued": TIME, "entries":
[{"id", "reason", "revokedAt"}]}, "signatures": [JWS entry]}``, signed (``typ``
``cfl-revocations+jws``) by the certifier key whose kid is ``issuer``. A verifier accepts a
list only if that kid is in its trust list and the signature verifies with the listed key,
then uses the newest version it has been given or has stored.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from cfl.errors import InputError
from cfl.io.jsonio import loads_strict
from cfl.signing.jcs import canonical_bytes
from cfl.signing.jws import (
    MAX_BUNDLE_BYTES,
    TYP_REVOCATIONS,
    parse_signed_document,
    sign_content,
    signature_problem,
    signed_document_from_json,
    validate_content,
)
from cfl.signing.keys import PublicKey, Signer
from cfl.timeutil import format_time, parse_time

#: How long after its issue time a list without ``nextUpdate`` (an older one) still counts
#: as current: past it the list cannot show that a declaration is not revoked.
MAX_AGE_WITHOUT_NEXT_UPDATE = dt.timedelta(days=45)
#: How long after its issue time a new list says its next version will come, by default:
#: the same span, so a list means the same whichever version of cfl wrote it.
DEFAULT_NEXT_UPDATE = MAX_AGE_WITHOUT_NEXT_UPDATE
#: Bound on a revocation list file, checked before parsing.
MAX_REVOCATION_BYTES = 8 * MAX_BUNDLE_BYTES
CONTENT_KEY = "revocationList"
SCHEMA = "revocations.schema.json"


#: How a list's currency was decided (:class:`Currency`): by its ``nextUpdate``, by the
#: default age of a list without one, or by the maximum age the trust list sets for its
#: issuer (ADR 0139).
BY_NEXT_UPDATE, BY_DEFAULT_AGE, BY_MAX_AGE = "next_update", "default_age", "max_age"


@dataclass(frozen=True)
class Currency:
    """Until when a signed list (revocations, statuses) can show that a declaration is not
    revoked, and what decided it (``by``: :data:`BY_NEXT_UPDATE`, :data:`BY_DEFAULT_AGE`
    or :data:`BY_MAX_AGE`, then ``max_age`` is the trust list's bound)."""

    until: dt.datetime
    by: str
    max_age: dt.timedelta | None = None


def list_currency(issued: dt.datetime, next_update: dt.datetime | None,
                  max_age: dt.timedelta | None = None) -> Currency:
    """The rule of ADR 0136 and 0139: a list is current until its ``next_update``, or
    :data:`MAX_AGE_WITHOUT_NEXT_UPDATE` after ``issued`` without one; a ``max_age`` the trust
    list sets for the issuer cuts either short (never lengthens a ``next_update``)."""
    own = (Currency(next_update, BY_NEXT_UPDATE) if next_update is not None
           else Currency(issued + MAX_AGE_WITHOUT_NEXT_UPDATE, BY_DEFAULT_AGE))
    if max_age is None:
        return own
    if next_update is None or issued + max_age < next_update:
        return Currency(issued + max_age, BY_MAX_AGE, max_age)
    return own


@dataclass(frozen=True)
class RevocationEntry:
    id: str
    reason: str
    revoked_at: dt.datetime


@dataclass(frozen=True)
class RevocationList:
    """A verified revocation list of one certifier (``issuer`` is its kid)."""

    issuer: str
    version: int
    issued: dt.datetime
    entries: tuple[RevocationEntry, ...]
    digest: bytes
    #: When the next version is due (None in lists made before the field existed).
    next_update: dt.datetime | None = None

    @property
    def current_until(self) -> dt.datetime:
        """Until when the list can show a declaration is not revoked: its ``nextUpdate``,
        else its issue time plus :data:`MAX_AGE_WITHOUT_NEXT_UPDATE`."""
        if self.next_update is not None:
            return self.next_update
        return self.issued + MAX_AGE_WITHOUT_NEXT_UPDATE

    def find(self, declaration_id: str) -> RevocationEntry | None:
        """The entry revoking ``declaration_id``; UUIDs match whatever their spelling
        (case, ``urn:uuid:``), since a claim always carries the canonical lower-case form
        while a declaration or a list may spell it in upper case."""
        return self._by_id.get(declaration_key(declaration_id))

    @functools.cached_property
    def _by_id(self) -> dict[str, RevocationEntry]:
        by_id: dict[str, RevocationEntry] = {}
        for entry in self.entries:
            by_id.setdefault(declaration_key(entry.id), entry)
        return by_id


def declaration_key(declaration_id: str) -> str:
    """The form in which declaration ids are compared: a UUID (any case, with or without
    hyphens, braces or ``urn:uuid:``) as its canonical lower-case text, anything else as
    written."""
    try:
        return str(uuid.UUID(declaration_id))
    except (ValueError, TypeError, AttributeError):
        return declaration_id


def revocation_list_from_content(content: dict[str, Any], *, source: str) -> RevocationList:
    """Schema-check the signed content and build the object (signature not checked here)."""
    validate_content(content, schema_name=SCHEMA, source=source, root=CONTENT_KEY)
    seen: set[str] = set()
    entries = []
    for i, raw in enumerate(content["entries"]):
        key = declaration_key(raw["id"])
        if key in seen:
            raise InputError(f"declaration id {raw['id']!r} is listed twice", source=source,
                             location=f"$.{CONTENT_KEY}.entries[{i}].id",
                             code="duplicate_entry")
        seen.add(key)
        entries.append(RevocationEntry(raw["id"], raw["reason"], parse_time(raw["revokedAt"])))
    return RevocationList(
        issuer=content["issuer"], version=content["version"],
        issued=parse_time(content["issued"]), entries=tuple(entries),
        digest=hashlib.sha256(canonical_bytes(content)).digest(),
        next_update=parse_time(content["nextUpdate"]) if "nextUpdate" in content else None,
    )


def verify_revocation_list(
    data: bytes, *, key_for: Callable[[str], PublicKey | None], source: str = "<revocations>"
) -> RevocationList:
    """Parse and verify a signed revocation list; ``key_for(kid)`` gives the trusted key.

    Raises :class:`InputError` with code ``revocation_list_untrusted`` (issuer not a
    certifier in the trust list: ``key_for`` gives None), ``revocation_list_signature``
    (no valid signature by the issuer) or the parsing/schema code.
    """
    document = parse_signed_document(data, content_key=CONTENT_KEY, source=source,
                                     max_bytes=MAX_REVOCATION_BYTES)
    # The signature is checked before the content is read: an unsigned list costs one
    # lookup and at most one signature per entry, never a schema check of its content.
    issuer = document.content.get("issuer")
    if not isinstance(issuer, str):
        raise InputError("names no issuer (a certifier's key id)", source=source,
                         location=f"$.{CONTENT_KEY}.issuer", code="schema_invalid")
    key = key_for(issuer)
    if key is None:
        raise InputError(f"is issued by {issuer}, which is not a certifier in the trust list",
                         source=source, code="revocation_list_untrusted")
    if not any(entry.kid == issuer and signature_problem(
            entry, document.payload, key, typ=TYP_REVOCATIONS) is None
            for entry in document.signatures):
        raise InputError("has no valid signature by its issuer", source=source,
                         code="revocation_list_signature")
    return revocation_list_from_content(document.content, source=source)


def revoke(
    existing: bytes | None, signer: Signer, *, declaration_id: str | None,
    reason: str | None, at: dt.datetime, source: str = "<revocations>",
    next_update: dt.timedelta = DEFAULT_NEXT_UPDATE,
) -> dict[str, Any]:
    """A new version of ``signer``'s revocation list, with ``declaration_id`` added.

    ``existing`` is the current signed list (or None to start one); it must be the
    signer's own and its signature must verify. With ``declaration_id`` None the list is
    re-issued unchanged but with a new version and issue time (a fresh, empty list to start).
    """
    if declaration_id is not None and not reason:
        raise InputError("a reason is required to revoke a declaration", code="missing_reason")
    wanted = [(declaration_id, reason or "")] if declaration_id is not None else []
    update = revoke_many(existing, signer, revocations=wanted, at=at, source=source,
                         reissue=True, next_update=next_update)
    if update.already:
        raise InputError(f"already revokes {declaration_id!r}", source=source,
                         code="already_revoked")
    assert update.document is not None  # re-issued even when nothing was added
    return update.document


@dataclass(frozen=True)
class KnownList:
    """The last revocation list a certifier issued, as its own records (the ledger) know
    it: the version and the entries (``{"id", "reason", "revokedAt"}``)."""

    version: int
    entries: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class RevocationUpdate:
    """The outcome of :func:`revoke_many`: the new signed list (None when every id was
    revoked already and nothing changed), its version, the ids added and those the list
    already revoked, and the number of entries in all."""

    document: dict[str, Any] | None
    version: int
    added: tuple[str, ...]
    already: tuple[str, ...]
    entries: int


def revoke_many(
    existing: bytes | None, signer: Signer, *, revocations: Sequence[tuple[str, str]],
    at: dt.datetime, source: str = "<revocations>", known: KnownList | None = None,
    reissue: bool = False, next_update: dt.timedelta = DEFAULT_NEXT_UPDATE,
) -> RevocationUpdate:
    """The next version of ``signer``'s revocation list with every ``(id, reason)`` of
    ``revocations`` added; ids it already revokes are left as they are.

    The list continues from ``existing`` (the current signed list: the signer's own, its
    signature verifying), else from ``known`` (the signer's own records of its last list),
    else it starts at version 1. ``existing`` older than ``known`` is refused
    (``stale_revocation_list``): extending an old copy would drop later revocations. When
    nothing is added the list is re-issued only with ``reissue`` (a new version and issue
    time); otherwise ``document`` is None. The list says its next version comes within
    ``next_update`` of ``at`` (``nextUpdate``).
    """
    if next_update <= dt.timedelta(0):
        raise InputError("the next update must come after the issue time", source=source,
                         code="bad_next_update")
    if existing is not None:
        current, raw_entries = _own_current_list(existing, signer, source=source)
        if known is not None and current.version < known.version:
            raise InputError(
                f"holds version {current.version} of the revocation list, but version "
                f"{known.version} was issued since (the certifier's ledger records it): this "
                "is an older copy, and extending it would drop the later revocations; give "
                "the current list", source=source, code="stale_revocation_list")
        version = current.version
        entries = [dict(e) for e in raw_entries]
    elif known is not None:
        version, entries = known.version, [dict(e) for e in known.entries]
    else:
        version, entries = 0, []
    listed = {declaration_key(e["id"]) for e in entries}
    added: list[str] = []
    already: list[str] = []
    for declaration_id, reason in revocations:
        if not reason:
            raise InputError("a reason is required to revoke a declaration",
                             code="missing_reason")
        key = declaration_key(declaration_id)
        if key in listed:
            already.append(declaration_id)
            continue
        listed.add(key)
        added.append(declaration_id)
        entries.append({"id": declaration_id, "reason": reason, "revokedAt": format_time(at)})
    if not added and not reissue and version > 0:
        return RevocationUpdate(None, version, (), tuple(already), len(entries))
    content = {"issuer": signer.kid, "version": version + 1, "issued": format_time(at),
               "nextUpdate": format_time(at + next_update), "entries": entries}
    validate_content(content, schema_name=SCHEMA, source=source, root=CONTENT_KEY)
    document = {CONTENT_KEY: content,
                "signatures": [sign_content(content, signer, typ=TYP_REVOCATIONS, at=at)]}
    return RevocationUpdate(document, version + 1, tuple(added), tuple(already), len(entries))


def _own_current_list(existing: bytes, signer: Signer, *, source: str
                      ) -> tuple[RevocationList, list[dict[str, Any]]]:
    """``existing`` read as ``signer``'s own list whose signature verifies (else refused),
    and its entries exactly as written."""
    value = loads_strict(existing, source=source, max_bytes=MAX_REVOCATION_BYTES)
    document = signed_document_from_json(value, content_key=CONTENT_KEY, source=source)
    current = revocation_list_from_content(document.content, source=source)
    if current.issuer != signer.kid:
        raise InputError(f"belongs to another certifier ({current.issuer}); this key is "
                         f"{signer.kid}", source=source, code="wrong_issuer")
    if not any(entry.kid == signer.kid and signature_problem(
            entry, document.payload, signer.public_key, typ=TYP_REVOCATIONS) is None
            for entry in document.signatures):
        raise InputError("is not validly signed by this key; refusing to extend it",
                         source=source, code="revocation_list_signature")
    return current, list(document.content["entries"])

