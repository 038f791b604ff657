"""What is printed is what was signed: a label PDF whose printed figures differ from the
signed declaration, or that was changed after it was produced, does not pass."""

from __future__ import annotations

import dataclasses
import io

import pypdf
from label_world import bundle, bundle_bytes, claim_text, label_pdf, other_declaration
from pypdf.generic import ArrayObject, DecodedStreamObject, NameObject
from signing_world import AT, SIGNED_AT, world

from cfl.bundle.model import parse_bundle
from cfl.bundle.sign import sign_bundle
from cfl.label.render import LabelRenderer, make_claim_text, prepare_label
from cfl.label.templates import load_template
from cfl.report.model import Status
from cfl.signing.jws import bundle_to_bytes
from cfl.verification import verify


def _failed(report: object) -> list[str]:
    return [r.code for r in report.rows if r.status is Status.FAILED]  # type: ignore[attr-defined]


def _overpaint(pdf: bytes) -> bytes:
    """The attack: an incremental update appends a content stream that paints a white box
    and another figure over the printed value, and a highlighted grade box; the original
    bytes (and the signed bundle in them) stay as they were."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    writer = pypdf.PdfWriter(reader, incremental=True)
    page = writer.pages[0]
    paint = DecodedStreamObject()
    paint.set_data(b"q 1 1 1 rg 5 85 160 40 re f 0 0 0 rg BT /Helv 40 Tf 8 95 Td (2437) Tj ET"
                   b" 0 0 0 rg 8 40 30 14 re f 1 1 1 rg BT /Helv 10 Tf 18 44 Td (A) Tj ET Q")
    contents = page["/Contents"]
    page[NameObject("/Contents")] = ArrayObject([
        *(contents if isinstance(contents, ArrayObject) else [contents]),
        writer._add_object(paint)])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_the_label_as_produced_prints_what_was_signed() -> None:
    report = verify(label_pdf("standard"), world().context(), at=AT, source="l.pdf")
    assert report.passed, report.summary()
    agrees = next(r for r in report.rows if r.code == "label_printed_agrees")
    assert agrees.message.startswith("page 1 prints the signed value and unit")


def test_a_figure_painted_over_in_an_incremental_update_does_not_pass() -> None:
    original = label_pdf("standard")
    attacked = _overpaint(original)
    assert attacked.startswith(original)  # the signed bytes are untouched
    report = verify(attacked, world().context(), at=AT, source="attacked.pdf")
    assert not report.passed
    assert "label_incremental_update" in _failed(report)
    assert "retake" not in report.summary()
    assert report.facts is not None and not report.to_json()["facts"]["verified"]


def _printed_with(**fields: str) -> bytes:
    content = prepare_label(bundle(), bundle_bytes(), claim_text())
    content = dataclasses.replace(content, base_fields={**content.base_fields, **fields})
    return LabelRenderer(load_template("standard")).render([content])


def test_a_label_printing_another_value_than_the_signed_one_fails() -> None:
    signed = str(world().declaration()["pcf"]["pcfExcludingBiogenicUptake"])
    report = verify(_printed_with(value="5" + signed), world().context(), at=AT)
    # the page drawn again from the signed bundle differs too (ADR 0132)
    assert _failed(report) == ["label_printed_mismatch", "label_drawing_differs"]
    row = next(r for r in report.rows if r.code == "label_printed_mismatch")
    assert "value" in row.message and signed in row.message
    assert "数值" in row.message_in("zh")


def test_a_label_printing_another_grade_than_the_signed_one_fails() -> None:
    declaration = other_declaration()
    declaration["extensions"][0]["data"]["grade"] = {
        "class": "D", "ruleSetId": "gbt-24067-2024", "source": "illustrative thresholds",
        "illustrative": True}
    signed = sign_bundle(declaration, world().certifier, role="certifier", at=SIGNED_AT)
    data = bundle_to_bytes(signed)
    parsed = parse_bundle(data)
    text = make_claim_text(parsed, world().certifier, at=SIGNED_AT)
    content = prepare_label(parsed, data, text)
    honest = LabelRenderer(load_template("standard")).render([content])
    assert verify(honest, world().context(), at=AT).passed
    fresh = prepare_label(parsed, data, text)  # (a content caches its fields once drawn)
    content = dataclasses.replace(fresh, base_fields={**fresh.base_fields, "grade": "A"})
    forged = LabelRenderer(load_template("standard")).render([content])
    report = verify(forged, world().context(), at=AT)
    # the page drawn again from the signed bundle differs too (ADR 0132)
    assert _failed(report) == ["label_printed_mismatch", "label_drawing_differs"]
    assert "grade ('D')" in report.summary()
    assert "等级" in next(r for r in report.rows if r.code == "label_printed_mismatch"
                        ).message_in("zh")


def test_a_label_printing_another_unit_or_product_than_the_signed_one_fails() -> None:
    declaration = world().declaration()
    content = prepare_label(bundle(), bundle_bytes(), claim_text())
    other_unit = {**content.coded, "unit": "megajoule"}
    report = verify(LabelRenderer(load_template("standard")).render(
        [dataclasses.replace(content, coded=other_unit)]), world().context(), at=AT)
    # the page drawn again from the signed bundle differs too (ADR 0132)
    assert _failed(report) == ["label_printed_mismatch", "label_drawing_differs"]
    assert "unit" in report.summary()
    fresh = prepare_label(bundle(), bundle_bytes(), claim_text())
    other_product = {**fresh.base_fields, "product_id": "urn:gtin:09999999999999"}
    report = verify(LabelRenderer(load_template("standard")).render(
        [dataclasses.replace(fresh, base_fields=other_product)]), world().context(), at=AT)
    # the page drawn again from the signed bundle differs too (ADR 0132)
    assert _failed(report) == ["label_printed_mismatch", "label_drawing_differs"]
    assert declaration["productIds"][0] in report.summary()
