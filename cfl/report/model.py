"""The verification report: one row per check, a status each, and one bottom line.

The vocabulary of every check cfl makes: :mod:`cfl.trust` writes the rows about the trust
list and revocation lists it accepted, :mod:`cfl.verification` the rows about a bundle, a
claim or a label, and the report joins them. It sits below both (ADR 0080).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from cfl.errors import (
    CflError,
    ExpiredError,
    InputError,
    RevokedError,
    TamperedError,
    UntrustedError,
    VerificationError,
)
from cfl.timeutil import format_time


class Status(enum.Enum):
    """The outcome of one check, and of a whole report.

    ``NOT_CHECKED`` is a row's status only, never a bottom line: something the verifier's
    policy chose not to check (an unlisted manufacturer's co-signature under
    ``VerificationPolicy(ignore_unlisted_cosigners=True)``, ADR 0061). Such a row is shown
    but does not count towards the bottom line.
    """

    PASSED = "PASSED"
    FAILED = "FAILED"
    INDETERMINATE = "INDETERMINATE"
    NOT_CHECKED = "NOT_CHECKED"


class Wording(Protocol):
    """How a row's sentence is made from its arguments in a language: supplied by the
    reason-code registry (:mod:`cfl.report.reasons`), which builds the rows."""

    def render(self, args: Mapping[str, Any], language: str) -> str: ...


@dataclass(frozen=True)
class CheckRow:
    """One check: its name, outcome, stable reason ``code`` and the ``args`` of its sentence.

    ``subject`` says what the row is about when a report holds several of a kind (for
    example ``signature[1]`` or a trust-list file name). Rows are built by the registry
    (:func:`cfl.report.reasons.row`), and the sentence is rendered only when it is shown
    (:attr:`message`, :meth:`message_in`) by the ``wording`` it gives the row: the template
    of ``code`` (its ``form``), or for a code from an error the frame named ``form``.
    ``text``, if given, is a sentence taken as it is instead (a row made by hand).
    """

    check: str
    status: Status
    code: str
    text: str | None = None
    subject: str | None = None
    args: Mapping[str, Any] = field(default_factory=dict, hash=False)
    form: str = ""
    wording: Wording | None = field(default=None, compare=False, hash=False, repr=False)

    @property
    def message(self) -> str:
        """The sentence in English (what reports print)."""
        return self.message_in("en")

    def message_in(self, language: str) -> str:
        """The sentence in ``language`` (``en`` or ``zh``, :data:`cfl.report.reasons.LANGUAGES`);
        a row made with ``text`` has that sentence in every language."""
        if self.text is not None:
            return self.text
        if self.wording is None:
            return self.code
        return self.wording.render(self.args, language)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "check": self.check,
            "status": self.status.value,
            "code": self.code,
            "message": self.message,
        }
        if self.subject is not None:
            out["subject"] = self.subject
        return out


def error_text(error: CflError, subject: str | None) -> str:
    """An error's text for a row about ``subject``: the place in the file and the message,
    without the file's name when the row already names it (its subject), so that a line
    shows the file once (``steel.json: $: unexpected member``), not twice."""
    if not isinstance(error, InputError):
        return str(error)
    source = error.source
    if source is not None and subject is not None and (
        source == subject or source.startswith(f"{subject} (")
    ):
        source = None
    where = ": ".join(part for part in (source, error.location) if part)
    return f"{where}: {error.message}" if where else error.message


#: reason code → the exception a raising caller gets when that row is the first failure.
_ERROR_BY_CODE: dict[str, type[VerificationError]] = {
    "revoked": RevokedError,
    "signer_expired": ExpiredError,
    "signer_not_yet_valid": ExpiredError,
    "signer_expired_at_signing": ExpiredError,
    "signer_not_yet_valid_at_signing": ExpiredError,
    "declaration_expired": ExpiredError,
    "declaration_not_yet_valid": ExpiredError,
    "trust_list_expired": ExpiredError,
    "signer_untrusted": UntrustedError,
    "signer_suspended": UntrustedError,
    "signer_withdrawn": UntrustedError,
    "scope_category": UntrustedError,
    "scope_rule_set": UntrustedError,
    "no_certifier_signature": UntrustedError,
    "trust_list_signature": UntrustedError,
    "trust_list_rollback": UntrustedError,
    "signature_invalid": TamperedError,
    "signature_der": TamperedError,
    "kid_mismatch": TamperedError,
    "duplicate_key": TamperedError,
}


#: The version of the JSON form of a report (``format`` of :meth:`VerificationReport.to_json`,
#: schemas/verification-report.schema.json).
REPORT_FORMAT = "urn:cfl:schema:verification-report:2"
#: The version of the JSON form of a report's facts (``facts.format`` in the JSON report,
#: schemas/verification-report.schema.json).
FACTS_FORMAT = "urn:cfl:verified-facts:2"


@dataclass(frozen=True)
class VerifiedFacts:
    """What a report's checks were about, as the signed document states it: the figures a
    person compares with what is printed. ``origin`` says where they were read: ``bundle``
    (the signed declaration) or ``claim`` (the QR claim's statements only, which name no
    product and carry no thresholds flag). Names are by language (``zh``, ``en``); issuer
    name and accreditation come from the trust-list entry of the key that signed, never from
    the document. The facts are verified only when the report they belong to PASSED.
    ``resolver`` is the address of the QR code the claim was read from (format 2)."""

    origin: str
    declaration_id: str | None
    product_id: str | None
    product_names: Mapping[str, str]
    category: str | None
    category_names: Mapping[str, str]
    rule_set: str | None
    rule_set_names: Mapping[str, str]
    value: str | None
    unit: str | None
    unit_amount: str | None
    boundary: str | None
    grade: str | None
    grade_illustrative: bool | None
    valid_from: dt.datetime | None
    valid_until: dt.datetime | None
    issuer_kid: str | None
    issuer_name: str | None
    issuer_accreditation: str | None
    signed_at: dt.datetime | None
    #: The status index a format-2 QR claim states (None for a bundle or a format-1 claim).
    status_index: int | None = None
    #: The URL the claim was read behind: the resolver of the QR text (what a phone opens),
    #: None when no QR text was read (a bundle, COSE bytes). Shown whether or not it is one
    #: the trust list names (the ``resolver`` row says).
    resolver: str | None = None

    def to_json(self, *, verified: bool) -> dict[str, Any]:
        """The facts as JSON: every member present (null when the source does not say)."""
        def when(value: dt.datetime | None) -> str | None:
            return None if value is None else format_time(value)

        return {
            "format": FACTS_FORMAT,
            "verified": verified,
            "origin": self.origin,
            "declarationId": self.declaration_id,
            "productId": self.product_id,
            "productNames": dict(self.product_names),
            "category": self.category,
            "categoryNames": dict(self.category_names),
            "ruleSet": self.rule_set,
            "ruleSetNames": dict(self.rule_set_names),
            "value": self.value,
            "unit": self.unit,
            "unitAmount": self.unit_amount,
            "boundary": self.boundary,
            "grade": self.grade,
            "gradeIllustrative": self.grade_illustrative,
            "validFrom": when(self.valid_from),
            "validUntil": when(self.valid_until),
            "issuer": {"kid": self.issuer_kid, "name": self.issuer_name,
                       "accreditation": self.issuer_accreditation},
            "signedAt": when(self.signed_at),
            "statusIndex": self.status_index,
            "resolver": self.resolver,
        }


@dataclass(frozen=True)
class VerificationReport:
    """What was verified (``subject``), at which time, the rows of every check, and the
    ``facts`` the checks were about (None when nothing could be read)."""

    subject: str
    at: dt.datetime
    rows: tuple[CheckRow, ...]
    facts: VerifiedFacts | None = None

    @property
    def bottom_line(self) -> Status:
        """FAILED if any row failed, else INDETERMINATE if any is; PASSED needs ≥ 1 row
        that was checked (``NOT_CHECKED`` rows do not count)."""
        statuses = {row.status for row in self.rows}
        if Status.FAILED in statuses:
            return Status.FAILED
        if Status.INDETERMINATE in statuses or not statuses - {Status.NOT_CHECKED}:
            return Status.INDETERMINATE
        return Status.PASSED

    @property
    def not_checked(self) -> tuple[CheckRow, ...]:
        """The rows the verifier's policy left unchecked (shown, not counted)."""
        return tuple(row for row in self.rows if row.status is Status.NOT_CHECKED)

    @property
    def passed(self) -> bool:
        return self.bottom_line is Status.PASSED

    def first(self, status: Status) -> CheckRow | None:
        """The first row with ``status`` (the likely cause), or None."""
        return next((row for row in self.rows if row.status is status), None)

    def summary(self) -> str:
        """One line: the bottom line, the subject and, if not PASSED, the first cause."""
        line = self.bottom_line
        head = f"{line.value}: {self.subject}"
        if line is Status.PASSED:
            skipped = len(self.not_checked)
            checked = len(self.rows) - skipped
            tail = (f" ({skipped} not checked by policy: "
                    f"{', '.join(row.code for row in self.not_checked)})" if skipped else "")
            return f"{head}: all {checked} checks passed at {format_time(self.at)}{tail}"
        row = self.first(line)
        if row is None:  # empty report
            return f"{head}: nothing was checked"
        return f"{head}: {row.message} [{row.code}]"

    def to_json(self) -> dict[str, Any]:
        return {
            "format": REPORT_FORMAT,
            "subject": self.subject,
            "at": format_time(self.at),
            "bottomLine": self.bottom_line.value,
            "summary": self.summary(),
            "rows": [row.to_json() for row in self.rows],
            "facts": None if self.facts is None else self.facts.to_json(verified=self.passed),
        }

    def raise_for_status(self) -> None:
        """Return if PASSED; otherwise raise the :class:`VerificationError` subclass that
        fits the first failing (or indeterminate) row."""
        line = self.bottom_line
        if line is Status.PASSED:
            return
        row = self.first(line)
        if line is Status.INDETERMINATE or row is None:
            raise VerificationError(self.summary(), code="indeterminate")
        error = _ERROR_BY_CODE.get(row.code, VerificationError)
        raise error(self.summary(), code=row.code)
