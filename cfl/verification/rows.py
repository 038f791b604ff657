"""Row builders shared by the bundle, claim and label checks."""

from __future__ import annotations

import datetime as dt

from cfl.errors import CflError
from cfl.io.kinds import DECLARATION, SIGNED_BUNDLE, document_kind_of, wrong_kind_error
from cfl.report.model import CheckRow
from cfl.report.reasons import error_row, row
from cfl.signing.jws import MAX_BUNDLE_BYTES


def not_well_formed_row(check: str, error: CflError, source: str, frame: str) -> CheckRow:
    """The FAILED row for a part that cannot be read, worded by ``frame`` (``bundle``,
    ``embedded-bundle``, ``qr-claim`` …: ``the PART is not well-formed: …``), with the
    error's own code and its place in the file (the file named once)."""
    return error_row(error, check=check, frame=frame, subject=source)


def unreadable_bundle_row(data: bytes, error: CflError, source: str) -> CheckRow:
    """The FAILED ``input`` row for bytes that are not a signed bundle: what kind of file
    they are when recognisably another (an unsigned declaration must be signed first), else
    what is wrong in them; the file is named once, as the row's subject."""
    kind = document_kind_of(data) if len(data) <= MAX_BUNDLE_BYTES else None
    if kind == DECLARATION:
        return row("unsigned_declaration", subject=source)
    if kind is not None and kind != SIGNED_BUNDLE:
        problem = wrong_kind_error(data, (SIGNED_BUNDLE,), source=source)
        if problem is not None:
            return error_row(problem, check="input", frame="plain", subject=source)
    return not_well_formed_row("input", error, source, "bundle")


def validity_row(
    start: dt.datetime | None, end: dt.datetime | None, at: dt.datetime,
    subject: str | None = None,
) -> CheckRow:
    """Whether ``at`` falls within a declaration's validity period."""
    if end is None:
        return row("validity_unknown", subject=subject)
    if start is not None and at < start:
        return row("declaration_not_yet_valid", start=start, at=at, subject=subject)
    if at > end:
        return row("declaration_expired", end=end, subject=subject)
    if start is None:
        return row("declaration_valid", form="until", end=end, subject=subject)
    return row("declaration_valid", start=start, end=end, subject=subject)
