"""The label, the QR claim and the verification report agree on when a declaration is
valid, with and without the optional PACT validity fields, including 29 February.

Both used to disagree: a label printed ``created`` as "valid from" when
``validityPeriodStart`` was absent (claim and report use ``pcf.referencePeriodEnd``), and a
declaration whose reference period ended on 29 February with no ``validityPeriodEnd`` signed
fine but could not be labelled ("day is out of range for month").
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pypdfium2 as pdfium
import pytest
from signing_world import SIGNED_AT, world

from cfl.bundle.claim import claim_in_bundle
from cfl.bundle.model import parse_bundle
from cfl.bundle.sign import sign_bundle
from cfl.claim.text import claim_to_text
from cfl.label.render import LabelRenderer, prepare_label
from cfl.label.templates import load_template
from cfl.signing.jws import bundle_to_bytes
from cfl.timeutil import format_time
from cfl.verification import Status, verify

UTC = dt.UTC


def _declaration(*, start: bool, end: bool, leap: bool) -> dict[str, Any]:
    declaration = world().declaration()
    if leap:  # a reference period that ends on 29 February
        declaration["pcf"]["referencePeriodStart"] = "2023-03-01T00:00:00Z"
        declaration["pcf"]["referencePeriodEnd"] = "2024-02-29T00:00:00Z"
        declaration["validityPeriodStart"] = "2024-03-01T00:00:00Z"
        declaration["validityPeriodEnd"] = "2027-02-01T00:00:00Z"
    if not start:
        del declaration["validityPeriodStart"]
    if not end:
        del declaration["validityPeriodEnd"]
    return declaration


CASES = {
    # name: (start stated, end stated, leap) → (expected start, expected end)
    "both-stated": ((True, True, False), (dt.datetime(2026, 3, 1, tzinfo=UTC),
                                          dt.datetime(2028, 12, 31, tzinfo=UTC))),
    "no-start": ((False, True, False), (dt.datetime(2026, 1, 1, tzinfo=UTC),
                                        dt.datetime(2028, 12, 31, tzinfo=UTC))),
    "no-end": ((True, False, False), (dt.datetime(2026, 3, 1, tzinfo=UTC),
                                      dt.datetime(2029, 1, 1, tzinfo=UTC))),
    "neither": ((False, False, False), (dt.datetime(2026, 1, 1, tzinfo=UTC),
                                        dt.datetime(2029, 1, 1, tzinfo=UTC))),
    "29-february-neither": ((False, False, True), (dt.datetime(2024, 2, 29, tzinfo=UTC),
                                                   dt.datetime(2027, 2, 28, tzinfo=UTC))),
    "29-february-no-end": ((True, False, True), (dt.datetime(2024, 3, 1, tzinfo=UTC),
                                                 dt.datetime(2027, 2, 28, tzinfo=UTC))),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_label_claim_and_report_agree_on_the_validity_window(case: str) -> None:
    (start, end, leap), (expected_start, expected_end) = CASES[case]
    w = world()
    data = bundle_to_bytes(sign_bundle(_declaration(start=start, end=end, leap=leap),
                                       w.certifier, role="certifier", at=SIGNED_AT))
    bundle = parse_bundle(data)

    claim = claim_in_bundle(bundle).claim
    assert (claim.valid_from, claim.valid_until) == (expected_start, expected_end)

    content = prepare_label(bundle, data, claim_to_text(claim_in_bundle(bundle).encoded))
    assert content.base_fields["valid_from"] == expected_start.date().isoformat()
    assert content.base_fields["valid_until"] == expected_end.date().isoformat()

    at = expected_start + dt.timedelta(days=1)
    report = verify(data, w.context(at=at), source="bundle.json")
    validity = next(row for row in report.rows if row.check == "validity")
    assert validity.status is Status.PASSED
    assert f"from {format_time(expected_start)} until {format_time(expected_end)}" in \
        validity.message


def test_a_29_february_declaration_without_an_end_is_labelled_with_its_dates() -> None:
    """The printed sheet shows the window the claim and the report state."""
    w = world()
    data = bundle_to_bytes(sign_bundle(_declaration(start=False, end=False, leap=True),
                                       w.certifier, role="certifier", at=SIGNED_AT))
    bundle = parse_bundle(data)
    text = claim_to_text(claim_in_bundle(bundle).encoded)
    pdf = LabelRenderer(load_template("sheet")).render([prepare_label(bundle, data, text)])
    document = pdfium.PdfDocument(pdf)
    try:
        printed = document[0].get_textpage().get_text_range()
    finally:
        document.close()
    assert "2024-02-29" in printed and "2027-02-28" in printed
    assert "2026-03-01" not in printed  # the declaration's `created`, never a validity date
