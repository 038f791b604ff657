"""The verification report: one row per check, a status each, and one bottom line.

Kept apart from :mod:`cfl.verify` so that :mod:`cfl.trust` (which produces rows about the
trust list) and :mod:`cfl.verify` (which runs every check) can both use it without an import
cycle. Import the names from :mod:`cfl.verify`; they are re-exported there.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from typing import Any

from cfl.errors import (
    ExpiredError,
    RevokedError,
    TamperedError,
    UntrustedError,
    VerificationError,
)
from cfl.timeutil import format_time


class Status(enum.Enum):
    """The outcome of one check, and of a whole report."""

    PASSED = "PASSED"
    FAILED = "FAILED"
    INDETERMINATE = "INDETERMINATE"


@dataclass(frozen=True)
class CheckRow:
    """One check: its name, outcome, stable reason ``code`` and a human sentence.

    ``subject`` says what the row is about when a report holds several of a kind (for
    example ``signature[1]`` or a trust-list file name).
    """

    check: str
    status: Status
    code: str
    message: str
    subject: str | None = None

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


@dataclass(frozen=True)
class VerificationReport:
    """What was verified (``subject``), at which time, and the rows of every check."""

    subject: str
    at: dt.datetime
    rows: tuple[CheckRow, ...]

    @property
    def bottom_line(self) -> Status:
        """FAILED if any row failed, else INDETERMINATE if any is; PASSED needs ≥ 1 row."""
        statuses = {row.status for row in self.rows}
        if Status.FAILED in statuses:
            return Status.FAILED
        if Status.INDETERMINATE in statuses or not self.rows:
            return Status.INDETERMINATE
        return Status.PASSED

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
            return f"{head}: all {len(self.rows)} checks passed at {format_time(self.at)}"
        row = self.first(line)
        if row is None:  # empty report
            return f"{head}: nothing was checked"
        return f"{head}: {row.message} [{row.code}]"

    def to_json(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "at": format_time(self.at),
            "bottomLine": self.bottom_line.value,
            "summary": self.summary(),
            "rows": [row.to_json() for row in self.rows],
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
