"""Publishing to the register: a signed bundle, a certifier's revocation list or status list,
or the scheme operator's trust list, each accepted only if it verifies against the register's
trust.

A bundle is verified exactly as ``cfl verify`` verifies it (:func:`cfl.verification.verify`,
strict policy) at the time of publishing; anything but PASSED is refused with the report's
reason codes. It is then stored immutably and indexed; publishing the same bundle again is
one entry. A revocation list or status list must be signed by a certifier of the trust list
and be newer than the one served (the same one again changes nothing); a trust list must be
signed by the pinned anchor and be newer.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from cfl.bundle.model import read_bundle
from cfl.errors import CflError, InputError
from cfl.io.jsonio import loads_strict
from cfl.register.records import epoch, record_of
from cfl.register.storage import AppendHook, RegisterStorage
from cfl.register.trust_state import PublishRefusedTrust, RegisterTrust
from cfl.report.model import Status, VerificationReport
from cfl.signing.jws import MAX_BUNDLE_BYTES
from cfl.timeutil import format_time
from cfl.trust.revocation import MAX_REVOCATION_BYTES, declaration_key, verify_revocation_list
from cfl.trust.status_list import MAX_STATUS_LIST_BYTES, verify_status_list
from cfl.verification import verify
from cfl.verification.policy import VerificationPolicy

KIND_BUNDLE = "bundle"
KIND_REVOCATIONS = "revocations"
KIND_TRUST_LIST = "trust-list"
KIND_STATUS_LIST = "status-list"
#: How the register judges a bundle being disclosed: strictly, but without asking for a
#: proof of its disclosure (it has none before the register logs it).
PUBLISH_POLICY = VerificationPolicy(check_disclosure=False)
#: The member that tells what a published JSON document is.
CONTENT_KEYS = {"declaration": KIND_BUNDLE, "revocationList": KIND_REVOCATIONS,
                "trustList": KIND_TRUST_LIST, "statusList": KIND_STATUS_LIST}
#: The largest document any kind may be (each kind is bounded again by its own reader).
MAX_PUBLISHED_BYTES = max(MAX_REVOCATION_BYTES, MAX_STATUS_LIST_BYTES)


class PublishRefused(CflError):
    """The register refuses what was published; ``reasons`` are the report's reason codes
    (of the rows that were not PASSED) or the error's code."""

    code = "publish_refused"

    def __init__(self, message: str, reasons: Sequence[str],
                 report: VerificationReport | None = None) -> None:
        super().__init__(message)
        self.reasons = tuple(reasons)
        self.report = report

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message,
                                "reasons": list(self.reasons)}
        if self.report is not None:
            body["report"] = self.report.to_json()
        return body


@dataclass(frozen=True)
class PublishOutcome:
    """What publishing did: ``created`` False when the very same document was there."""

    kind: str
    subject: str
    sha256: str
    created: bool
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "subject": self.subject, "sha256": self.sha256,
                "status": "created" if self.created else "unchanged", **self.details}


def document_kind(data: bytes, *, source: str) -> str:
    """:data:`KIND_BUNDLE`, :data:`KIND_REVOCATIONS`, :data:`KIND_STATUS_LIST` or
    :data:`KIND_TRUST_LIST`, from the document's content member (a label PDF or anything
    else is refused)."""
    if not data.lstrip()[:1] == b"{":
        raise InputError("is not a JSON document; publish a signed bundle (cfl sign), a "
                         "revocation or status list (cfl revoke) or a trust list (cfl trust "
                         "sign)", source=source, code="not_publishable")
    value = loads_strict(data, source=source, max_bytes=MAX_PUBLISHED_BYTES)
    kinds = [kind for key, kind in CONTENT_KEYS.items()
             if isinstance(value, dict) and key in value]
    if len(kinds) != 1:
        raise InputError("is neither a signed bundle, a revocation list, a status list nor "
                         "a trust list (expected one of the members declaration, "
                         "revocationList, statusList, trustList)", source=source,
                         code="not_publishable")
    return kinds[0]


def _not_passed(report: VerificationReport) -> list[str]:
    line = report.bottom_line
    return [row.code for row in report.rows if row.status is line] or [line.value.lower()]


def publish_bundle(data: bytes, *, storage: RegisterStorage, trust: RegisterTrust,
                   at: dt.datetime, source: str = "<bundle>",
                   hooks: Sequence[AppendHook] = ()) -> PublishOutcome:
    """Verify ``data`` (a signed bundle) at ``at`` and store it; raises
    :class:`PublishRefused` with the reason codes if it does not PASS."""
    if len(data) > MAX_BUNDLE_BYTES:
        raise PublishRefused(f"{source}: the bundle is {len(data)} bytes; at most "
                             f"{MAX_BUNDLE_BYTES}", ["too_large"])
    if not data.lstrip()[:1] == b"{":
        raise PublishRefused(f"{source}: not a signed bundle (a JSON document)",
                             ["not_a_bundle"])
    context = trust.context(at)
    report = verify(data, context, source=source, policy=PUBLISH_POLICY)
    if report.bottom_line is not Status.PASSED:
        raise PublishRefused(f"refused: {report.summary()}", _not_passed(report), report)
    bundle = read_bundle(data, source=source)
    record = record_of(bundle, data, context, source=source)
    stored, created = storage.add_declaration(record, at=epoch(at), hooks=hooks)
    return PublishOutcome(KIND_BUNDLE, stored.declaration_id, record.bundle_sha256, created, {
        "declarationId": stored.declaration_id, "digest": stored.digest,
        "title": stored.title, "publishedAt": format_time(
            dt.datetime.fromtimestamp(stored.published_at, dt.UTC)),
    })


def publish_revocations(data: bytes, *, storage: RegisterStorage, trust: RegisterTrust,
                        at: dt.datetime, source: str = "<revocations>",
                        hooks: Sequence[AppendHook] = ()) -> PublishOutcome:
    """Accept a certifier's revocation list if a certifier of the trust list signed it and
    it is newer than the served one (the same list again changes nothing)."""
    context = trust.context(at)
    try:
        revocations = verify_revocation_list(data, key_for=context.certifier_key_for,
                                             source=source)
    except InputError as exc:
        raise PublishRefused(str(exc), [exc.code]) from None
    entries = [(declaration_key(entry.id), entry.reason, epoch(entry.revoked_at))
               for entry in revocations.entries]
    sha256 = revocations.digest.hex()
    created = storage.put_revocation_list(revocations.issuer, revocations.version, sha256,
                                          data, entries, at=epoch(at), hooks=hooks)
    if created:
        trust.invalidate()
    return PublishOutcome(KIND_REVOCATIONS, revocations.issuer, sha256, created, {
        "issuer": revocations.issuer, "version": revocations.version,
        "entries": len(entries)})


def publish_status_list(data: bytes, *, storage: RegisterStorage, trust: RegisterTrust,
                        at: dt.datetime, source: str = "<status list>",
                        hooks: Sequence[AppendHook] = ()) -> PublishOutcome:
    """Accept a certifier's status list if a certifier of the trust list signed it (checked
    before its bits are inflated) and it is newer than the served one; it is logged as a
    status-list entry in the same transaction."""
    if len(data) > MAX_STATUS_LIST_BYTES:
        raise PublishRefused(f"{source}: the status list is {len(data)} bytes; at most "
                             f"{MAX_STATUS_LIST_BYTES}", ["too_large"])
    context = trust.context(at)
    try:
        status_list = verify_status_list(data, key_for=context.certifier_key_for,
                                         source=source)
    except InputError as exc:
        raise PublishRefused(str(exc), [exc.code]) from None
    sha256 = status_list.digest.hex()
    created = storage.put_status_list(status_list.issuer, status_list.version, sha256, data,
                                      at=epoch(at), hooks=hooks)
    if created:
        trust.invalidate()
    return PublishOutcome(KIND_STATUS_LIST, status_list.issuer, sha256, created, {
        "issuer": status_list.issuer, "version": status_list.version,
        "size": status_list.size})


def publish_trust_list(data: bytes, *, trust: RegisterTrust, source: str = "<trust list>"
                       ) -> PublishOutcome:
    """Serve a newer trust list signed by the register's anchor."""
    try:
        trust_list, created = trust.accept_trust_list(data, source=source)
    except PublishRefusedTrust as exc:
        raise PublishRefused(exc.message, exc.reasons) from None
    return PublishOutcome(KIND_TRUST_LIST, trust_list.operator,
                          hashlib.sha256(data).hexdigest(), created,
                          {"version": trust_list.version,
                           "expires": format_time(trust_list.expires)})


def publish(data: bytes, *, kind: str, storage: RegisterStorage, trust: RegisterTrust,
            at: dt.datetime, source: str, hooks: Sequence[AppendHook] = ()) -> PublishOutcome:
    """Publish ``data`` as ``kind`` (one of :data:`CONTENT_KEYS`' values)."""
    if kind == KIND_BUNDLE:
        return publish_bundle(data, storage=storage, trust=trust, at=at, source=source,
                              hooks=hooks)
    if kind == KIND_REVOCATIONS:
        return publish_revocations(data, storage=storage, trust=trust, at=at, source=source,
                                   hooks=hooks)
    if kind == KIND_STATUS_LIST:
        return publish_status_list(data, storage=storage, trust=trust, at=at, source=source,
                                   hooks=hooks)
    return publish_trust_list(data, trust=trust, source=source)
