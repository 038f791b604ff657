"""verify_bundle and the VerificationReport: rows, bottom line, summary, JSON, raising."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from signing_world import AT, DECLARATION_ID, SIGNED_AT, codes, world

from cfl.declaration.view import validity_window
from cfl.errors import (
    ExpiredError,
    RevokedError,
    TamperedError,
    UntrustedError,
    VerificationError,
)
from cfl.report.model import CheckRow, Status, VerificationReport
from cfl.signing.jws import ROLE_HEADER, TYP_DECLARATION, bundle_to_bytes, sign_content
from cfl.trust.revocation import revoke
from cfl.verification.bundle_check import verify_bundle
from cfl.verification.rows import validity_row


def test_a_good_bundle_passes_with_one_row_per_check() -> None:
    w = world()
    report = verify_bundle(w.bundle_bytes(), w.context(), at=AT, source="b.json")
    assert report.bottom_line is Status.PASSED
    assert [row.check for row in report.rows] == [
        "input", "schema", "semantic", "trust-list-signature", "trust-list-validity",
        "trust-list-rollback", "signature", "signer-trusted", "signer-valid-at-signing",
        "signer-valid-at-time", "signer-scope", "revocation", "certifier-signature",
        "validity"]
    assert report.summary().startswith("PASSED: b.json: all 14 checks passed")
    report.raise_for_status()


def test_es256_certifier_passes_with_its_revocation_list() -> None:
    w = world()
    revocations = bundle_to_bytes(revoke(None, w.certifier_es256, declaration_id=None,
                                         reason=None, at=SIGNED_AT))
    report = verify_bundle(w.bundle_bytes(w.certifier_es256),
                           w.context(revocations=(revocations,)), at=AT)
    assert report.bottom_line is Status.PASSED, report.summary()


def test_without_a_revocation_list_the_result_is_indeterminate() -> None:
    w = world()
    report = verify_bundle(w.bundle_bytes(), w.context(revocations=()), at=AT)
    assert report.bottom_line is Status.INDETERMINATE
    assert codes(report, "INDETERMINATE") == ["revocation_unavailable"]
    with pytest.raises(VerificationError) as info:
        report.raise_for_status()
    assert info.value.code == "indeterminate"


def test_manufacturer_and_certifier_signatures_side_by_side() -> None:
    w = world()
    from cfl.bundle.sign import sign_bundle

    bundle = sign_bundle(w.bundle(w.stranger, role="manufacturer"), w.certifier,
                         role="certifier", at=SIGNED_AT)
    report = verify_bundle(bundle_to_bytes(bundle), w.context(), at=AT)
    # The certifier's checks pass; the manufacturer's key is unknown to this verifier.
    assert "certified" in codes(report, "PASSED")
    assert codes(report, "INDETERMINATE") == ["signer_unknown"]
    assert report.bottom_line is Status.INDETERMINATE


def test_a_schema_invalid_declaration_fails_even_if_signed() -> None:
    w = world()
    declaration = w.declaration()
    declaration["pcf"]["declaredUnitAmount"] = "5abc"
    entry = sign_content(declaration, w.certifier, typ=TYP_DECLARATION, at=SIGNED_AT,
                         extra_header={ROLE_HEADER: "certifier"})
    data = bundle_to_bytes({"declaration": declaration, "signatures": [entry]})
    report = verify_bundle(data, w.context(), at=AT)
    assert report.bottom_line is Status.FAILED
    assert codes(report)[0] == "schema_invalid"
    assert "signature_valid" in codes(report, "PASSED")


@pytest.mark.parametrize(("at", "code"), [
    (dt.datetime(2026, 2, 1, tzinfo=dt.UTC), "declaration_not_yet_valid"),
    (dt.datetime(2029, 1, 1, tzinfo=dt.UTC), "declaration_expired"),
    (dt.datetime(2027, 1, 1, tzinfo=dt.UTC), "declaration_valid"),
])
def test_validity_row(at: dt.datetime, code: str) -> None:
    start, end = validity_window(world().declaration()).bounds
    assert validity_row(start, end, at).code == code


def test_pact_default_validity_is_reference_period_end_plus_three_years() -> None:
    declaration: dict[str, Any] = {"pcf": {"referencePeriodEnd": "2024-02-29T00:00:00Z"}}
    start, end = validity_window(declaration).bounds
    assert start == dt.datetime(2024, 2, 29, tzinfo=dt.UTC)
    assert end == dt.datetime(2027, 2, 28, tzinfo=dt.UTC)
    assert validity_row(*validity_window({}).bounds, AT).status is Status.INDETERMINATE


def test_an_empty_report_is_never_passed() -> None:
    report = VerificationReport("x", AT, ())
    assert report.bottom_line is Status.INDETERMINATE
    assert "nothing was checked" in report.summary()


@pytest.mark.parametrize(("code", "error"), [
    ("revoked", RevokedError), ("signer_expired", ExpiredError),
    ("signer_untrusted", UntrustedError), ("signature_invalid", TamperedError),
    ("something_else", VerificationError),
])
def test_raise_for_status_picks_the_error_of_the_first_failure(
        code: str, error: type[VerificationError]) -> None:
    rows = (CheckRow("a", Status.PASSED, "ok", "fine"),
            CheckRow("b", Status.INDETERMINATE, "unknown", "?"),
            CheckRow("c", Status.FAILED, code, "bad"))
    with pytest.raises(error) as info:
        VerificationReport("x", AT, rows).raise_for_status()
    assert info.value.code == code


def test_report_json_is_stable() -> None:
    w = world()
    revoked = bundle_to_bytes(revoke(w.revocations, w.certifier, declaration_id=DECLARATION_ID,
                                     reason="r", at=SIGNED_AT))
    report = verify_bundle(w.bundle_bytes(), w.context(revocations=(revoked,)), at=AT,
                           source="b.json")
    value = report.to_json()
    assert value["bottomLine"] == "FAILED" and value["at"] == "2026-04-10T00:00:00Z"
    assert value["subject"] == "b.json"
    failing = [row for row in value["rows"] if row["status"] == "FAILED"]
    assert failing == [{"check": "revocation", "status": "FAILED", "code": "revoked",
                        "message": failing[0]["message"], "subject": "signature[0] (certifier)"}]
    assert value["summary"].endswith("[revoked]")
