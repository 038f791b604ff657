"""Row builders shared by the bundle, claim and label checks."""

from __future__ import annotations

import datetime as dt

from cfl.errors import CflError
from cfl.io.kinds import DECLARATION, SIGNED_BUNDLE, document_kind_of, wrong_kind_error
from cfl.report.model import CheckRow, Status, error_text
from cfl.signing.jws import MAX_BUNDLE_BYTES
from cfl.timeutil import format_time


def not_well_formed_row(check: str, error: CflError, source: str, what: str) -> CheckRow:
    """The FAILED row for a part that cannot be read: ``the WHAT is not well-formed: …``,
    with the error's own code and its place in the file (the file named once)."""
    return CheckRow(check, Status.FAILED, error.code,
                    f"the {what} is not well-formed: {error_text(error, source)}",
                    subject=source)


def unreadable_bundle_row(data: bytes, error: CflError, source: str) -> CheckRow:
    """The FAILED ``input`` row for bytes that are not a signed bundle: what kind of file
    they are when recognisably another (an unsigned declaration must be signed first), else
    what is wrong in them; the file is named once, as the row's subject."""
    kind = document_kind_of(data) if len(data) <= MAX_BUNDLE_BYTES else None
    if kind == DECLARATION:
        return CheckRow("input", Status.FAILED, "unsigned_declaration",
                        "is a declaration that has not been signed, not a signed bundle; it "
                        "must be signed first: `cfl sign FILE --key CERTIFIER_KEY --role "
                        "certifier -o bundle.json` makes the signed bundle to verify",
                        subject=source)
    if kind is not None and kind != SIGNED_BUNDLE:
        problem = wrong_kind_error(data, (SIGNED_BUNDLE,), source=source)
        if problem is not None:
            return CheckRow("input", Status.FAILED, problem.code,
                            error_text(problem, source), subject=source)
    return not_well_formed_row("input", error, source, "bundle")


def validity_row(
    start: dt.datetime | None, end: dt.datetime | None, at: dt.datetime,
    subject: str | None = None,
) -> CheckRow:
    """Whether ``at`` falls within a declaration's validity period."""
    if end is None:
        return CheckRow("validity", Status.INDETERMINATE, "validity_unknown",
                        "the declaration's validity period cannot be determined",
                        subject=subject)
    if start is not None and at < start:
        return CheckRow("validity", Status.FAILED, "declaration_not_yet_valid",
                        f"the declaration is valid from {format_time(start)}, after "
                        f"{format_time(at)}", subject=subject)
    if at > end:
        return CheckRow("validity", Status.FAILED, "declaration_expired",
                        f"the declaration's validity ended {format_time(end)}", subject=subject)
    since = f"from {format_time(start)} " if start is not None else ""
    return CheckRow("validity", Status.PASSED, "declaration_valid",
                    f"the declaration is valid {since}until {format_time(end)}",
                    subject=subject)
