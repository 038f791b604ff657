"""The trust context: what a verifier trusts at one time, built once, then only read.

:func:`build_trust_context` checks a trust list (or the stored one) against the pinned
anchor at time ``at`` and the given and stored revocation lists and status lists against
it, and returns an immutable :class:`TrustContext`: the accepted list (None if none could be
accepted), the report rows about the lists, the newest verified revocation list and status
list per certifier, and the files to remember. It reads and writes no files: the store is
read before (:func:`~cfl.trust.store.read_stored_trust`) and updated after
(:func:`~cfl.trust.store.remember_trust`). :func:`load_trust_context` does the three in one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from cfl.errors import CflError
from cfl.report.model import CheckRow, Status, error_text
from cfl.report.reasons import Age, error_row, problem_row, row
from cfl.signing.jws import TYP_TRUST_LIST, SignedDocument, parse_signed_document, signature_problem
from cfl.signing.keys import PublicKey
from cfl.timeutil import CLOCK_SKEW
from cfl.trust.resolvers import ResolverPrefix
from cfl.trust.revocation import Currency, RevocationList, list_currency, verify_revocation_list
from cfl.trust.status_list import StatusList, verify_status_list
from cfl.trust.store import (
    NOTHING_STORED,
    StoredTrust,
    TrustStore,
    read_stored_trust,
    remember_trust,
    revocations_name,
    status_list_name,
    trust_list_name,
)
from cfl.trust.trust_list import (
    CONTENT_KEY,
    MAX_TRUST_LIST_BYTES,
    TrustEntry,
    TrustList,
    trust_list_from_content,
)

STORE_SOURCE = "<trust store>"


@dataclass(frozen=True)
class TrustContext:
    """What a verifier trusts at time ``at``: the accepted trust list (None if none could
    be accepted), the rows about the trust list, the revocation lists and the status lists,
    the newest verified revocation list and status list per certifier kid, and ``updates``:
    the files a trust store should remember after this verification (name, bytes)."""

    trust_list: TrustList | None
    rows: tuple[CheckRow, ...]
    at: dt.datetime
    revocation_lists: Mapping[str, RevocationList] = field(default_factory=dict, hash=False)
    updates: tuple[tuple[str, bytes], ...] = field(default=(), compare=False, hash=False)
    status_lists: Mapping[str, StatusList] = field(default_factory=dict, hash=False)
    #: The name each status list was given under (a file, or the trust store), by issuer.
    status_list_sources: Mapping[str, str] = field(default_factory=dict, compare=False,
                                                   hash=False)

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
        return self.revocation_lists.get(kid)

    @property
    def resolvers(self) -> tuple[ResolverPrefix, ...]:
        """The URL prefixes the accepted trust list names for QR codes (empty without an
        accepted list, or when it names none)."""
        return self.trust_list.resolvers if self.trust_list is not None else ()

    def revocation_max_age(self, kid: str) -> dt.timedelta | None:
        """The longest a revocation (or status) list of certifier ``kid`` counts as current
        after its issue time, as the trust list sets it for that certifier
        (``revocationMaxAge``, ADR 0139); None when it sets none."""
        entry = self.find(kid)
        return entry.revocation_max_age if entry is not None else None

    def list_currency(self, kid: str, *, issued: dt.datetime,
                      next_update: dt.datetime | None) -> Currency:
        """Until when a list certifier ``kid`` issued at ``issued`` (next update due
        ``next_update``) shows that a declaration is not revoked: the one freshness rule for
        revocation and status lists (ADR 0136, 0139). Past ``until`` such a row is
        INDETERMINATE."""
        return list_currency(issued, next_update, self.revocation_max_age(kid))

    def status_list_for(self, kid: str) -> StatusList | None:
        """The newest verified status list of certifier ``kid`` (given or stored)."""
        return self.status_lists.get(kid)


def load_trust_context(
    trust_list: bytes | None, *, anchor: PublicKey, at: dt.datetime,
    store: TrustStore | None = None, revocations: Sequence[bytes] = (),
    source: str = "<trust list>", revocation_sources: Sequence[str] | None = None,
    status_lists: Sequence[bytes] = (), status_list_sources: Sequence[str] | None = None,
) -> TrustContext:
    """Read ``store``, build the context, and remember the newly accepted lists in ``store``:
    :func:`~cfl.trust.store.read_stored_trust`, :func:`build_trust_context` and
    :func:`~cfl.trust.store.remember_trust` in one call."""
    context = build_trust_context(
        trust_list, anchor=anchor, at=at, stored=read_stored_trust(store, anchor.kid),
        revocations=revocations, source=source, revocation_sources=revocation_sources,
        status_lists=status_lists, status_list_sources=status_list_sources)
    remember_trust(store, context.updates)
    return context


def build_trust_context(
    trust_list: bytes | None, *, anchor: PublicKey, at: dt.datetime,
    stored: StoredTrust = NOTHING_STORED, revocations: Sequence[bytes] = (),
    source: str = "<trust list>", revocation_sources: Sequence[str] | None = None,
    status_lists: Sequence[bytes] = (), status_list_sources: Sequence[str] | None = None,
) -> TrustContext:
    """Check a trust list (or the stored one, if ``trust_list`` is None) against the
    pinned ``anchor`` at time ``at``, and the given and stored revocation lists and status
    lists against it (each must be signed by a certifier of the accepted list; per
    certifier the newest version given or stored is used, and a given one older than the
    stored one never replaces it).

    Never raises for a bad list: problems become FAILED/INDETERMINATE rows and the
    context then holds no trust list. Touches no files.
    """
    rows: list[CheckRow] = []
    stored_list: TrustList | None = None
    if stored.trust_list is not None:
        try:
            stored_list = _verified_trust_list(stored.trust_list, anchor, source=STORE_SOURCE)
        except CflError as exc:
            rows.append(row("trust_store_corrupt", detail=str(exc), subject=source))
            return TrustContext(None, tuple(rows), at)
    if trust_list is None and stored.trust_list is None:
        rows.append(row("trust_list_missing", subject=source))
        return TrustContext(None, tuple(rows), at)
    if trust_list is None:
        assert stored_list is not None
        accepted, source = stored_list, STORE_SOURCE
    else:
        try:
            accepted = _verified_trust_list(trust_list, anchor, source=source)
        except _ListRejected as exc:
            rows.append(exc.row(source))
            return TrustContext(None, tuple(rows), at)
        except CflError as exc:
            rows.append(error_row(exc, check="trust-list-signature", frame="trust-list",
                                  subject=source))
            return TrustContext(None, tuple(rows), at)
    rows.append(row("trust_list_signed", operator=accepted.operator, version=accepted.version,
                    anchor=anchor.kid, subject=source))
    rows.append(_freshness_row(accepted, at, source))
    rows.append(_rollback_row(accepted, stored_list, source))
    if not all(row.status is Status.PASSED for row in rows):
        return TrustContext(None, tuple(rows), at)
    updates: list[tuple[str, bytes]] = []
    if trust_list is not None and (stored_list is None or accepted.version > stored_list.version):
        updates.append((trust_list_name(anchor.kid), trust_list))
    context = TrustContext(accepted, tuple(rows), at)
    revoked = _newest_lists(context, _REVOCATIONS, revocations, revocation_sources,
                            stored.revocations)
    status = _newest_lists(context, _STATUS_LISTS, status_lists, status_list_sources,
                           stored.status_lists)
    return TrustContext(accepted, tuple(rows + revoked.rows + status.rows), at, revoked.lists,
                        tuple(updates + revoked.updates + status.updates), status.lists,
                        status.sources)


class _ListRejected(CflError):
    """The list is not signed by the anchor (``trust_list_signature``): the row's form and
    arguments travel with it."""

    def __init__(self, form: str, **args: str) -> None:
        super().__init__(f"the trust list is rejected: {args}", code="trust_list_signature")
        self.form, self.row_args = form, args

    def row(self, source: str) -> CheckRow:
        return row(self.code, form=self.form, subject=source, **self.row_args)


def _verified_trust_list(data: bytes, anchor: PublicKey, *, source: str) -> TrustList:
    document: SignedDocument = parse_signed_document(
        data, content_key=CONTENT_KEY, source=source, max_bytes=MAX_TRUST_LIST_BYTES)
    candidates = [entry for entry in document.signatures if entry.kid == anchor.kid]
    if not candidates:
        raise _ListRejected("unsigned", anchor=anchor.kid)
    problems = [signature_problem(entry, document.payload, anchor, typ=TYP_TRUST_LIST)
                for entry in candidates]
    if all(problem is not None for problem in problems):
        first = next(problem for problem in problems if problem is not None)
        raise _ListRejected("", detail=first[1])
    return trust_list_from_content(document.content, source=source, payload=document.payload)


def _freshness_row(trust_list: TrustList, at: dt.datetime, source: str) -> CheckRow:
    if at > trust_list.expires:
        return row("trust_list_expired", expires=trust_list.expires,
                   age=Age(trust_list.expires, at), subject=source)
    if trust_list.issued > at + CLOCK_SKEW:
        return row("trust_list_not_yet_valid", issued=trust_list.issued, at=at, subject=source)
    return row("trust_list_fresh", issued=trust_list.issued, age=Age(trust_list.issued, at),
               expires=trust_list.expires, subject=source)


def _rollback_row(accepted: TrustList, stored: TrustList | None, source: str) -> CheckRow:
    if stored is None:
        return row("trust_list_first_seen", version=accepted.version, subject=source)
    if accepted.version < stored.version:
        return row("trust_list_rollback", version=accepted.version,
                   stored_version=stored.version, subject=source)
    if accepted.version == stored.version and accepted.digest != stored.digest:
        return row("trust_list_version_conflict", version=accepted.version, subject=source)
    return row("trust_list_not_rolled_back", version=accepted.version,
               stored_version=stored.version, subject=source)


_Listed = TypeVar("_Listed", RevocationList, StatusList)


@dataclass(frozen=True)
class _ListKind(Generic[_Listed]):
    """What differs between revocation lists and status lists when the newest of each
    certifier is chosen (:func:`_newest_lists`)."""

    verify: Callable[..., _Listed]
    #: The row about a given list that cannot be read or does not verify.
    bad_row: Callable[[CflError, str], CheckRow]
    conflict_code: str
    #: The name of the ``i``-th given list without a source name.
    unnamed: str
    #: The trust store's file name of a certifier's list.
    file_name: Callable[[str], str]


_REVOCATIONS = _ListKind(
    verify=verify_revocation_list,
    bad_row=lambda exc, name: error_row(exc, check="revocation-list", frame="revocation-list",
                                        subject=name),
    conflict_code="revocation_list_version_conflict", unnamed="<revocations {}>",
    file_name=revocations_name)
_STATUS_LISTS = _ListKind(
    verify=verify_status_list,
    bad_row=lambda exc, name: problem_row("bad_status_list", error_text(exc, name),
                                          check="revocation-list", frame="status-list",
                                          subject=name),
    conflict_code="status_list_version_conflict", unnamed="<status list {}>",
    file_name=status_list_name)


@dataclass(frozen=True)
class _Newest(Generic[_Listed]):
    lists: dict[str, _Listed]
    #: Where each list came from: its given name, or the trust store.
    sources: dict[str, str]
    rows: list[CheckRow]
    updates: list[tuple[str, bytes]]


def _newest_lists(context: TrustContext, kind: _ListKind[_Listed], given: Sequence[bytes],
                  sources: Sequence[str] | None, stored: Sequence[bytes]) -> _Newest[_Listed]:
    """The newest verified list of ``kind`` per certifier, given or stored, by the trust
    store's compare-and-swap rules: a stored later version wins, a given later version is
    to be remembered (an update), and two versions alike with other content are refused (a
    conflict row), as for trust lists. A given list that does not verify is a row; a stored
    one that no longer verifies (its certifier was delisted) or cannot be read is ignored."""
    rows: list[CheckRow] = []
    updates: list[tuple[str, bytes]] = []
    newest: dict[str, _Listed] = {}
    raw_by_issuer: dict[str, bytes] = {}
    name_by_issuer: dict[str, str] = {}
    names = list(sources) if sources is not None else []
    for i, data in enumerate(given):
        name = names[i] if i < len(names) else kind.unnamed.format(i + 1)
        try:
            found = kind.verify(data, key_for=context.certifier_key_for, source=name)
        except CflError as exc:
            rows.append(kind.bad_row(exc, name))
            continue
        issuer = found.issuer
        if issuer in newest and _conflicting(found, newest[issuer]):
            rows.append(_conflict_row(kind, found, name))
        if issuer not in newest or found.version > newest[issuer].version:
            newest[issuer], raw_by_issuer[issuer], name_by_issuer[issuer] = found, data, name
    stored_by_issuer: dict[str, _Listed] = {}
    for data in stored:
        try:
            found = kind.verify(data, key_for=context.certifier_key_for, source=STORE_SOURCE)
        except CflError:
            continue
        known = stored_by_issuer.get(found.issuer)
        if known is None or found.version > known.version:
            stored_by_issuer[found.issuer] = found
    for issuer, found in list(newest.items()):
        kept = stored_by_issuer.get(issuer)
        if kept is not None and _conflicting(found, kept):
            rows.append(_conflict_row(kind, found, STORE_SOURCE))
        if kept is not None and kept.version > found.version:
            newest[issuer], name_by_issuer[issuer] = kept, STORE_SOURCE
        elif kept is None or found.version > kept.version:
            updates.append((kind.file_name(issuer), raw_by_issuer[issuer]))
    lists = {**stored_by_issuer, **newest}
    return _Newest(lists, {issuer: name_by_issuer.get(issuer, STORE_SOURCE) for issuer in lists},
                   rows, updates)


def _conflicting(one: RevocationList | StatusList, other: RevocationList | StatusList
                 ) -> bool:
    """Two lists of one certifier with the same version but other content: which one holds
    is unknowable, so neither is taken on trust (as for trust lists)."""
    return one.version == other.version and one.digest != other.digest


def _conflict_row(kind: _ListKind[_Listed], found: _Listed, name: str) -> CheckRow:
    return row(kind.conflict_code, issuer=found.issuer, version=found.version, subject=name)
