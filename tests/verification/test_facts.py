"""The facts a report was about: read from what was verified, issuer named by the trust list,
shown first only when PASSED, marked unverified otherwise; the JSON form has its schema."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
from label_world import bundle_bytes, claim_text, label_pdf, other_declaration
from signing_world import AT, SIGNED_AT, world

from cfl.bundle.sign import sign_bundle
from cfl.io.resources import load_schema
from cfl.report.model import REPORT_FORMAT
from cfl.report.render import report_json, report_text
from cfl.signing.jws import bundle_to_bytes
from cfl.verification import verify


def _schema() -> dict[str, Any]:
    schema: dict[str, Any] = load_schema("verification-report.schema.json")
    return schema


def test_a_verified_bundle_states_its_facts_with_the_trust_list_issuer() -> None:
    declaration = world().declaration()
    data = declaration["extensions"][0]["data"]
    report = verify(bundle_bytes(), world().context(), at=AT, source="b.json")
    assert report.passed, report.summary()
    facts = report.facts
    assert facts is not None and facts.origin == "bundle"
    assert facts.declaration_id == declaration["id"]
    assert facts.product_id == declaration["productIds"][0]
    assert facts.product_names == {k: data["productNames"][k] for k in ("zh", "en")}
    assert facts.value == str(declaration["pcf"]["pcfExcludingBiogenicUptake"])
    assert facts.unit == declaration["pcf"]["declaredUnitOfMeasurement"]
    assert facts.category == "lithium-ion-battery"
    assert facts.category_names == {"zh": "锂离子电池", "en": "Lithium-ion battery"}
    assert facts.rule_set_names["en"] == "GB/T 24067-2024"
    assert facts.grade is None and facts.grade_illustrative is None  # not graded
    # the name comes from the trust list's entry, never from the declaration's free text
    assert facts.issuer_name == "C1" and facts.issuer_accreditation == "CNAS:CNAS-C1"
    assert facts.issuer_name != data.get("verification", {}).get("bodyName")
    assert facts.issuer_kid == world().certifier.public_key.kid
    assert facts.valid_from is not None and facts.valid_until is not None
    assert facts.signed_at is not None


def test_passed_text_leads_with_the_facts() -> None:
    report = verify(bundle_bytes(), world().context(), at=AT, source="b.json")
    text = report_text(report)
    lines = text.splitlines()
    assert lines[0].startswith("VERIFIED FACTS")
    assert any(line.split() == ["issuer", "C1,", "CNAS:CNAS-C1"] for line in lines[:14])
    assert "UNVERIFIED" not in text


def test_a_failed_report_marks_its_facts_unverified_after_the_rows() -> None:
    report = verify(_tampered_bundle(), world().context(), at=AT, source="t.json")
    assert not report.passed
    text = report_text(report)
    assert not text.startswith("VERIFIED")
    assert text.index(report.summary()) < text.index("UNVERIFIED")
    assert report.facts is not None and report.facts.value == "1.0"
    out = json.loads(report_json(report))
    assert out["facts"]["verified"] is False
    jsonschema.validate(out, _schema())


def _tampered_bundle() -> bytes:
    """The bundle with its signed figure changed (the signature no longer verifies)."""
    data = json.loads(bundle_bytes())
    data["declaration"]["pcf"]["pcfExcludingBiogenicUptake"] = "1.0"
    return json.dumps(data).encode()


def test_a_qr_text_states_the_claims_statements() -> None:
    report = verify(claim_text(), world().context(), at=AT)
    assert report.passed, report.summary()
    facts = report.facts
    assert facts is not None and facts.origin == "claim"
    declaration = world().declaration()
    assert facts.declaration_id == declaration["id"]
    assert facts.product_names == {} and facts.product_id == declaration["productIds"][0]
    assert facts.issuer_name == "C1"
    out = json.loads(report_json(report))
    assert out["format"] == REPORT_FORMAT and out["facts"]["verified"] is True
    jsonschema.validate(out, _schema())


def test_a_label_pdf_states_its_embedded_declarations_facts() -> None:
    report = verify(label_pdf("standard"), world().context(), at=AT, source="l.pdf")
    assert report.passed, report.summary()
    assert report.facts is not None and report.facts.origin == "bundle"
    jsonschema.validate(json.loads(report_json(report)), _schema())


def test_unreadable_input_has_no_facts() -> None:
    report = verify(b"{}", world().context(), at=AT)
    assert report.facts is None
    assert json.loads(report_json(report))["facts"] is None


def test_a_graded_declaration_states_its_grade_and_whether_thresholds_are_illustrative(
) -> None:
    declaration = other_declaration()
    declaration["extensions"][0]["data"]["grade"] = {
        "class": "D", "ruleSetId": "gbt-24067-2024", "source": "illustrative thresholds",
        "illustrative": True}
    signed = bundle_to_bytes(sign_bundle(declaration, world().certifier, role="certifier",
                                         at=SIGNED_AT))
    report = verify(signed, world().context(), at=AT)
    assert report.facts is not None
    assert report.facts.grade == "D" and report.facts.grade_illustrative is True
    assert "D (illustrative thresholds)" in report_text(report)
