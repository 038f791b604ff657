"""What the register trusts, now: the trust list (given at start or published later), the
certifiers' revocation lists it holds, and the verification page built from them.

A :class:`~cfl.trust.context.TrustContext` is built for one time; the register keeps the one
of the current second (and builds a new one at once after a list it holds changes), so a
revocation published now counts now, and a list published through another process is used
from the next second on. Only revocation lists of certifiers listed in the current trust list
are used (a delisted certifier's list is kept but no longer read).
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cfl.errors import CflError, InputError
from cfl.register.storage import RegisterStorage, StorageTrustStore
from cfl.report.model import CheckRow, Status
from cfl.signing.keys import PublicKey
from cfl.timeutil import format_time
from cfl.trust.context import TrustContext, build_trust_context
from cfl.trust.store import StoredTrust, read_stored_trust, remember_trust, trust_list_name
from cfl.trust.trust_list import TrustList
from cfl.web.page import PageSources, content_security_policy, page_data, render_page

#: Where the page fetches bundles from (same origin).
BUNDLE_API = "/api/bundles/"
#: … and proofs of disclosure.
PROOF_API = "/api/proofs/"


class TrustNotServable(CflError):
    """The register must not start (or serve) with this trust list: it has none, it is
    expired, or it is not signed by the anchor."""

    code = "trust_not_servable"


@dataclass(frozen=True)
class ResolverPage:
    """The verification page served at ``/V/…`` for the current trust data."""

    html: bytes
    etag: str
    csp: str
    fingerprint: str
    gzipped: bytes


def _second(moment: dt.datetime) -> dt.datetime:
    return moment.replace(microsecond=0)


def _refusal(rows: tuple[CheckRow, ...]) -> str:
    return "; ".join(f"{row.code}: {row.message}" for row in rows
                     if row.status is not Status.PASSED)


class RegisterTrust:
    """The register's trust, rebuilt per second; thread-safe."""

    def __init__(self, storage: RegisterStorage, *, anchor: PublicKey,
                 clock: Callable[[], dt.datetime],
                 sources: PageSources | None = None) -> None:
        self.storage = storage
        self.anchor = anchor
        self.clock = clock
        self.sources = sources or PageSources.packaged()
        self._store = StorageTrustStore(storage, at=lambda: int(clock().timestamp()))
        self._lock = threading.Lock()
        self._generation = 0
        self._cached: tuple[dt.datetime, int, TrustContext] | None = None
        self._page: ResolverPage | None = None
        self._trust_bytes: bytes | None = None
        self._trust_source = "<trust list>"

    # ------------------------------------------------------------------ start
    def start(self, trust_list: bytes | None, *, source: str) -> TrustContext:
        """Accept the trust list given at start (or the one stored before, if it is newer),
        remember it, and return the context now; raises :class:`TrustNotServable` with the
        reason when the register would serve wrong verdicts."""
        at = self.clock()
        stored = read_stored_trust(self._store, self.anchor.kid)
        stored = StoredTrust(stored.trust_list, ())
        if trust_list is None and stored.trust_list is None:
            raise TrustNotServable(
                "no trust list: give the scheme operator's signed trust list with --trust "
                "(and its anchor with --anchor); the register verifies every bundle against "
                "it", code="trust_list_missing")
        context = build_trust_context(trust_list, anchor=self.anchor, at=at, stored=stored,
                                      source=source)
        if trust_list is not None and any(row.code == "trust_list_rollback"
                                          for row in context.rows):
            # the register was given a newer list since: keep serving that one
            trust_list, source = None, "<register's stored trust list>"
            context = build_trust_context(None, anchor=self.anchor, at=at, stored=stored,
                                          source=source)
        if context.trust_list is None:
            raise TrustNotServable(f"{source}: the register cannot serve this trust list: "
                                   f"{_refusal(context.rows)}", code="trust_not_servable")
        remember_trust(self._store, [(name, data) for name, data in context.updates
                                     if name == trust_list_name(self.anchor.kid)])
        with self._lock:
            self._trust_bytes = trust_list if trust_list is not None else stored.trust_list
            self._trust_source = source
            self._generation += 1
            self._cached = None
        return self.context(at)

    # ------------------------------------------------------------------ the context
    def invalidate(self) -> None:
        """A list changed: the next request builds a new context (and page)."""
        with self._lock:
            self._generation += 1
            self._cached = None

    def context(self, at: dt.datetime | None = None) -> TrustContext:
        """The context for the second of ``at`` (default: now)."""
        moment = _second(at if at is not None else self.clock())
        with self._lock:
            cached, generation = self._cached, self._generation
            trust_bytes, source = self._trust_bytes, self._trust_source
        if cached is not None and cached[0] == moment and cached[1] == generation:
            return cached[2]
        if trust_bytes is None:
            raise TrustNotServable("the register has not been started with a trust list",
                                   code="trust_list_missing")
        context = self._build(trust_bytes, source, moment)
        with self._lock:
            if self._generation == generation:
                self._cached = (moment, generation, context)
        return context

    def _build(self, trust_bytes: bytes, source: str, at: dt.datetime) -> TrustContext:
        plain = build_trust_context(trust_bytes, anchor=self.anchor, at=at, source=source)
        if plain.trust_list is None:
            return plain
        listed = plain.trust_list
        held = [(issuer, document) for issuer, _, _, document in self.storage.revocation_lists()
                if (entry := listed.find(issuer)) is not None and entry.has_role("certifier")]
        statuses = [(issuer, document) for issuer, _, _, document in self.storage.status_lists()
                    if (entry := listed.find(issuer)) is not None
                    and entry.has_role("certifier")]
        return build_trust_context(
            trust_bytes, anchor=self.anchor, at=at, source=source,
            revocations=[document for _, document in held],
            revocation_sources=[f"<revocations of {issuer}>" for issuer, _ in held],
            status_lists=[document for _, document in statuses],
            status_list_sources=[f"<status list of {issuer}>" for issuer, _ in statuses])

    @property
    def trust_list_bytes(self) -> bytes | None:
        with self._lock:
            return self._trust_bytes

    def trust_list(self) -> TrustList | None:
        return self.context().trust_list

    def servable(self, at: dt.datetime | None = None) -> tuple[bool, str]:
        """Whether verdicts served now are right (a current trust list), and why not."""
        try:
            context = self.context(at)
        except CflError as exc:
            return False, str(exc)
        if context.trust_list is None or any(row.status is not Status.PASSED
                                             for row in context.rows):
            return False, _refusal(context.rows) or "no trust list accepted"
        return True, "ok"

    # ------------------------------------------------------------------ a newer trust list
    def accept_trust_list(self, data: bytes, *, source: str) -> tuple[TrustList, bool]:
        """Serve ``data`` from now on if it is signed by the anchor, current and newer than
        the served list; (list, False) if it is the served list itself."""
        at = self.clock()
        current = self.trust_list_bytes
        stored = StoredTrust(current, ())
        context = build_trust_context(data, anchor=self.anchor, at=at, stored=stored,
                                      source=source)
        if context.trust_list is None or any(row.status is not Status.PASSED
                                             for row in context.rows):
            codes = [row.code for row in context.rows if row.status is not Status.PASSED]
            raise PublishRefusedTrust(f"{source}: the trust list is not accepted: "
                                      f"{_refusal(context.rows)}", codes)
        if current is not None and data == current:
            return context.trust_list, False
        if not context.updates:
            return context.trust_list, False
        remember_trust(self._store, [(name, blob) for name, blob in context.updates
                                     if name == trust_list_name(self.anchor.kid)])
        with self._lock:
            self._trust_bytes, self._trust_source = data, "<published trust list>"
            self._generation += 1
            self._cached = None
        return context.trust_list, True

    # ------------------------------------------------------------------ the page
    def page(self) -> ResolverPage:
        """The verification page for the current trust data (rebuilt when it changes)."""
        context = self.context()
        trust_list = context.trust_list
        if trust_list is None:
            raise TrustNotServable(f"no trust list is accepted now: {_refusal(context.rows)}",
                                   code="trust_not_servable")
        fingerprint = hashlib.sha256(trust_list.digest + b"".join(
            revocations.digest for _, revocations in sorted(context.revocation_lists.items()))
            + b"".join(status.digest for _, status in sorted(context.status_lists.items()))
        ).hexdigest()
        page = self._page
        if page is not None and page.fingerprint == fingerprint:
            return page
        data: dict[str, Any] = page_data(context, trust_list, anchor=self.anchor,
                                         at=self.clock())
        data["register"] = {"bundles": BUNDLE_API, "proofs": PROOF_API}
        html = render_page(data, self.sources, connect="'self'")
        csp = content_security_policy(self.sources.css, self.sources.script, connect="'self'")
        page = ResolverPage(html, hashlib.sha256(html).hexdigest()[:32], csp, fingerprint,
                            gzip.compress(html, compresslevel=9, mtime=0))
        self._page = page
        return page

    def page_data(self) -> dict[str, Any]:
        context = self.context()
        if context.trust_list is None:
            raise TrustNotServable("no trust list is accepted now", code="trust_not_servable")
        data: dict[str, Any] = page_data(context, context.trust_list, anchor=self.anchor,
                                         at=context.at)
        return data

    def describe(self) -> dict[str, Any]:
        trust_list = self.trust_list()
        if trust_list is None:
            return {"accepted": False}
        return {"accepted": True, "operator": trust_list.operator,
                "version": trust_list.version, "issued": format_time(trust_list.issued),
                "expires": format_time(trust_list.expires)}


class PublishRefusedTrust(InputError):
    """A published trust list was not accepted; ``reasons`` holds the row codes."""

    code = "trust_list_refused"

    def __init__(self, message: str, reasons: list[str]) -> None:
        super().__init__(message)
        self.reasons = tuple(reasons)
