"""The text rendering never lets a signer's or a file's characters act on a terminal."""

from __future__ import annotations

import base64
import json

from signing_world import AT, world

from cfl.report.model import CheckRow, Status, VerificationReport
from cfl.report.render import printable, product_text, report_json, report_text
from cfl.signing.jws import bundle_to_bytes
from cfl.verification import verify


def test_control_bidi_and_zero_width_characters_are_shown_escaped() -> None:
    assert printable("a\x1b[32mb\nc\u202ed\u200be\ufefff") == \
        "a\\u001b[32mb\\u000ac\\u202ed\\u200be\\ufefff"
    assert printable("磷酸铁锂 LFP ✓ é") == "磷酸铁锂 LFP ✓ é"


def test_a_row_cannot_paint_a_fake_row() -> None:
    row = CheckRow("signature", Status.FAILED, "signature_invalid",
                   "bad\n\x1b[1A\x1b[2KPASSED        signature_valid   fine",
                   subject="sig\x1b[0m")
    text = report_text(VerificationReport("x.json", AT, (row,)))
    assert "\x1b" not in text and text.count("\n") == 2  # one row, one summary line
    assert json.loads(report_json(VerificationReport("x.json", AT, (row,))))["rows"][0][
        "message"] == row.message  # JSON keeps the exact text (escaped by JSON itself)


def test_a_kid_with_escape_sequences_is_refused_when_the_bundle_is_read() -> None:
    bundle = world().bundle()
    entry = bundle["signatures"][0]
    header = json.loads(base64.urlsafe_b64decode(entry["protected"] + "=="))
    header["kid"] = "\x1b[32mPASSED\x1b[0m"
    entry["protected"] = base64.urlsafe_b64encode(
        json.dumps(header).encode()).rstrip(b"=").decode()
    report = verify(bundle_to_bytes(bundle), world().context(), source="b.json")
    assert report.bottom_line is Status.FAILED and report.rows[0].code == "bad_kid"
    assert "\x1b" not in report_text(report)


def test_a_gtin_reads_as_the_digits_under_its_barcode() -> None:
    assert product_text("urn:gtin:06901234567892") == "GTIN-13 6901234567892"
    assert product_text("urn:gtin:6901234567892") == "GTIN-13 6901234567892"
    assert product_text("urn:gtin:00012345678905") == "GTIN-12 012345678905"
    assert product_text("urn:gtin:012345678905") == "GTIN-12 012345678905"
    assert product_text("urn:gtin:00000012345670") == "GTIN-8 12345670"
    assert product_text("urn:gtin:12345670") == "GTIN-8 12345670"
    assert product_text("urn:gtin:16901234567899") == "GTIN-14 16901234567899"
    # anything else is shown as it is
    assert product_text("urn:sku:ACME-1") == "urn:sku:ACME-1"
    assert product_text("urn:gtin:123") == "urn:gtin:123"
    assert product_text(None) is None
