"""Roles in the trust list (certifier, manufacturer) and manufacturer co-signatures.

A key listed only as a manufacturer never certifies (bundle or QR claim) nor publishes
revocations; a certifier's key never passes as a manufacturer's; a listed manufacturer's
co-signature is checked like any other; an unlisted one is INDETERMINATE, or NOT_CHECKED
under ``VerificationPolicy(ignore_unlisted_cosigners=True)`` (ADRs 0060, 0061).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
from typing import Any

import pytest
from signing_world import AT, SIGNED_AT, World, codes, world

from cfl.bundle.sign import sign_bundle
from cfl.claim.encode import sign_claim
from cfl.claim.issue import claim_from_declaration
from cfl.claim.text import claim_to_text
from cfl.errors import InputError
from cfl.report.model import Status, VerificationReport
from cfl.signing.jws import TYP_TRUST_LIST, bundle_to_bytes, sign_content
from cfl.signing.keys import LocalSigner
from cfl.trust.context import TrustContext, load_trust_context
from cfl.trust.revocation import revoke
from cfl.trust.trust_list import (
    Accreditation,
    add_trust_entry,
    sign_trust_list,
    trust_list_from_content,
)
from cfl.verification.bundle_check import verify_bundle
from cfl.verification.claim_check import verify_claim
from cfl.verification.policy import VerificationPolicy

IGNORE_UNLISTED = VerificationPolicy(ignore_unlisted_cosigners=True)
START = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
END = dt.datetime(2028, 1, 1, tzinfo=dt.UTC)


@dataclasses.dataclass(frozen=True)
class Makers:
    """The signing world plus manufacturers listed with roles."""

    maker: LocalSigner            # listed as manufacturer only
    dual: LocalSigner             # listed as certifier and manufacturer
    suspended_maker: LocalSigner  # listed as manufacturer, suspended
    trust_list: bytes


def _add(document: dict[str, Any], signer: LocalSigner, name: str, roles: tuple[str, ...],
         status: str = "active") -> dict[str, Any]:
    return add_trust_entry(document, signer.public_key, name=name,
                           accreditation=Accreditation("USCC", f"USCC-{name}"),
                           categories=["lithium-ion-battery"], valid_from=START,
                           valid_until=END, status=status, roles=roles)


@functools.cache
def makers() -> Makers:
    w = world()
    maker, dual, suspended = (LocalSigner.generate("EdDSA") for _ in range(3))
    document = _add(w.trust_list_document, maker, "Maker", ("manufacturer",))
    document = _add(document, dual, "Dual", ("manufacturer", "certifier"))
    document = _add(document, suspended, "Paused", ("manufacturer",), status="suspended")
    signed = sign_trust_list(document, w.operator, at=SIGNED_AT)
    return Makers(maker, dual, suspended, bundle_to_bytes(signed))


def context(*revocations: bytes) -> TrustContext:
    w = world()
    return w.context(trust_list=makers().trust_list,
                     revocations=(w.revocations, *revocations))


def signed_by(*signers: tuple[LocalSigner, str]) -> bytes:
    """The fixture declaration signed by each (signer, role) in turn."""
    document: dict[str, Any] = world().declaration()
    for signer, role in signers:
        document = sign_bundle(document, signer, role=role, at=SIGNED_AT)
    return bundle_to_bytes(document)


def verify(data: bytes, policy: VerificationPolicy | None = None,
           trust: TrustContext | None = None) -> VerificationReport:
    return verify_bundle(data, trust or context(), at=AT,
                         policy=policy or VerificationPolicy())


def rows_of(report: VerificationReport, subject_start: str) -> list[tuple[str, str]]:
    return [(row.status.value, row.code) for row in report.rows
            if (row.subject or "").startswith(subject_start)]


# ----------------------------------------------------------------- the list itself


def test_entries_carry_roles_default_certifier_in_a_fixed_order() -> None:
    w = world()
    content = json.loads(makers().trust_list)["trustList"]
    roles = {entry["name"]: entry["roles"] for entry in content["entries"]}
    assert roles["C1"] == ["certifier"]          # add_trust_entry's default
    assert roles["Maker"] == ["manufacturer"]
    assert roles["Dual"] == ["certifier", "manufacturer"]
    parsed = trust_list_from_content(content, source="list.json")
    entry = parsed.find(w.certifier.kid)
    assert entry is not None and entry.roles == ("certifier",)
    dual = parsed.find(makers().dual.kid)
    assert dual is not None and dual.has_role("manufacturer") and dual.has_role("certifier")


@pytest.mark.parametrize("roles", [(), ("auditor",), ("certifier", "notary")])
def test_a_role_outside_the_vocabulary_is_refused(roles: tuple[str, ...]) -> None:
    w = world()
    with pytest.raises(InputError) as info:
        add_trust_entry(w.trust_list_document, w.stranger.public_key, name="X",
                        accreditation=Accreditation("CNAS", "1"), categories=["steel"],
                        valid_from=START, valid_until=END, roles=roles)
    assert info.value.code == "bad_role"


def test_an_entry_without_roles_is_refused_with_what_to_do() -> None:
    """Lists written before roles existed are not read as certifier lists (ADR 0060)."""
    w = world()
    content = json.loads(json.dumps(w.trust_list_document["trustList"]))
    del content["entries"][1]["roles"]
    with pytest.raises(InputError) as info:
        trust_list_from_content(content, source="old.json")
    assert info.value.code == "trust_entry_without_roles"
    assert info.value.location == "$.trustList.entries[1]"
    assert "--role" in info.value.message and '"roles"' in info.value.message
    old = bundle_to_bytes({"trustList": content, "signatures": [
        sign_content(content, w.operator, typ=TYP_TRUST_LIST, at=SIGNED_AT)]})
    trust = w.context(trust_list=old)
    assert trust.trust_list is None
    assert [row.code for row in trust.rows] == ["trust_entry_without_roles"]


def test_roles_are_a_schema_requirement_too() -> None:
    w = world()
    content = json.loads(json.dumps(w.trust_list_document["trustList"]))
    content["entries"][0]["roles"] = ["certifier", "certifier"]
    with pytest.raises(InputError) as info:
        trust_list_from_content(content, source="list.json")
    assert info.value.code == "schema_invalid"


# ----------------------------------------------------------------- certifying needs the role


def test_a_manufacturer_only_entry_signing_as_certifier_fails() -> None:
    report = verify(signed_by((makers().maker, "certifier")))
    assert report.bottom_line is Status.FAILED
    assert "signer_wrong_role" in codes(report)
    assert "certified" not in codes(report, "PASSED")
    wrong = next(row for row in report.rows if row.code == "signer_wrong_role")
    assert "manufacturer only" in wrong.message


def test_a_manufacturer_only_entry_cannot_certify_beside_its_own_co_signature() -> None:
    """Signing in both roles with a manufacturer key certifies nothing."""
    maker = makers().maker
    report = verify(signed_by((maker, "manufacturer"), (maker, "certifier")), IGNORE_UNLISTED)
    assert report.bottom_line is Status.FAILED
    assert codes(report) == ["signer_wrong_role"]


def test_a_manufacturer_key_signing_a_claim_fails() -> None:
    maker = makers().maker
    declaration = world().declaration()
    from cfl.signing.jcs import sha256_digest

    claim = claim_from_declaration(declaration, digest=sha256_digest(declaration),
                                   issuer_kid=maker.kid, at=SIGNED_AT)
    report = verify_claim(claim_to_text(sign_claim(claim, maker)), context(), at=AT)
    assert report.bottom_line is Status.FAILED
    assert codes(report) == ["signer_wrong_role"]


def test_a_certifier_only_key_co_signing_as_manufacturer_fails() -> None:
    w = world()
    report = verify(signed_by((w.certifier, "certifier"), (w.other_certifier, "manufacturer")))
    assert report.bottom_line is Status.FAILED
    assert rows_of(report, "signature[1]")[:2] == [("PASSED", "signature_valid"),
                                                  ("FAILED", "signer_wrong_role")]
    assert "certified" in codes(report, "PASSED")  # the certifier's part still passed


def test_an_entry_with_both_roles_certifies_and_co_signs() -> None:
    dual = makers().dual
    revocations = bundle_to_bytes(revoke(None, dual, declaration_id=None, reason=None,
                                         at=SIGNED_AT))
    report = verify(signed_by((dual, "manufacturer"), (dual, "certifier")),
                    trust=context(revocations))
    assert report.bottom_line is Status.PASSED, report.summary()


def test_a_manufacturer_cannot_publish_revocation_lists() -> None:
    maker = makers().maker
    revocations = bundle_to_bytes(revoke(None, maker, declaration_id=None, reason=None,
                                         at=SIGNED_AT))
    trust = context(revocations)
    rejected = [row for row in trust.rows if row.check == "revocation-list"]
    assert [row.code for row in rejected] == ["revocation_list_untrusted"]
    assert "not a certifier" in rejected[0].message


# ----------------------------------------------------------------- co-signatures


def test_certifier_and_listed_manufacturer_co_signature_pass() -> None:
    w = world()
    report = verify(signed_by((makers().maker, "manufacturer"), (w.certifier, "certifier")))
    assert report.bottom_line is Status.PASSED, report.summary()
    assert rows_of(report, "signature[0]") == [
        ("PASSED", "signature_valid"), ("PASSED", "signer_trusted"),
        ("PASSED", "signer_valid_at_signing"), ("PASSED", "signer_valid"),
        ("PASSED", "scope_covered")]  # no revocation row: a manufacturer publishes none
    assert "certified" in codes(report, "PASSED")


@pytest.mark.parametrize("policy", [VerificationPolicy(), IGNORE_UNLISTED])
def test_a_listed_manufacturer_whose_signature_does_not_verify_fails(
        policy: VerificationPolicy) -> None:
    w = world()
    bundle = json.loads(signed_by((makers().maker, "manufacturer"), (w.certifier, "certifier")))
    bad = bytearray(bundle["signatures"][0]["signature"].encode())
    bad[5] = ord("A") if bad[5] != ord("A") else ord("B")
    bundle["signatures"][0]["signature"] = bad.decode()
    report = verify(bundle_to_bytes(bundle), policy)
    assert report.bottom_line is Status.FAILED
    assert codes(report) == ["signature_invalid"]


def test_a_suspended_manufacturer_co_signature_fails() -> None:
    w = world()
    report = verify(signed_by((makers().suspended_maker, "manufacturer"),
                              (w.certifier, "certifier")))
    assert codes(report) == ["signer_suspended"]


def test_an_unlisted_co_signer_is_indeterminate_by_default() -> None:
    w = world()
    report = verify(signed_by((w.stranger, "manufacturer"), (w.certifier, "certifier")))
    assert report.bottom_line is Status.INDETERMINATE
    assert codes(report, "INDETERMINATE") == ["signer_unknown"]
    unknown = next(row for row in report.rows if row.code == "signer_unknown")
    assert "role manufacturer" in unknown.message


def test_an_unlisted_co_signer_is_not_checked_under_the_policy() -> None:
    w = world()
    report = verify(signed_by((w.stranger, "manufacturer"), (w.certifier, "certifier")),
                    IGNORE_UNLISTED)
    assert report.bottom_line is Status.PASSED, report.summary()
    assert [row.code for row in report.not_checked] == ["cosigner_not_checked"]
    assert "1 not checked by policy: cosigner_not_checked" in report.summary()
    checked = len(report.rows) - 1
    assert f"all {checked} checks passed" in report.summary()
    assert report.to_json()["rows"][6]["status"] == "NOT_CHECKED"
    report.raise_for_status()


@pytest.mark.parametrize("policy", [VerificationPolicy(), IGNORE_UNLISTED])
@pytest.mark.parametrize("maker", ["listed", "unlisted"])
def test_a_manufacturer_signature_alone_never_passes(policy: VerificationPolicy, maker: str
                                                     ) -> None:
    signer = makers().maker if maker == "listed" else world().stranger
    report = verify(signed_by((signer, "manufacturer")), policy)
    assert report.bottom_line is Status.FAILED
    assert "no_certifier_signature" in codes(report)


def test_the_policy_does_not_excuse_an_untrusted_certifier() -> None:
    w = world()
    report = verify(signed_by((makers().maker, "manufacturer"), (w.stranger, "certifier")),
                    IGNORE_UNLISTED)
    assert report.bottom_line is Status.FAILED
    assert codes(report) == ["signer_untrusted"]


def test_a_report_of_only_unchecked_rows_is_not_passed() -> None:
    from cfl.report.model import CheckRow

    row = CheckRow("signature", Status.NOT_CHECKED, "cosigner_not_checked", "not checked")
    assert VerificationReport("x", AT, (row,)).bottom_line is Status.INDETERMINATE


def test_without_a_trust_list_a_co_signature_is_not_called_unlisted() -> None:
    """No accepted list: nothing is known, so the policy has nothing to ignore."""
    w: World = world()
    trust = load_trust_context(None, anchor=w.operator.public_key, at=AT)
    report = verify(signed_by((makers().maker, "manufacturer"), (w.certifier, "certifier")),
                    IGNORE_UNLISTED, trust=trust)
    assert report.bottom_line is Status.INDETERMINATE
    assert "cosigner_not_checked" not in [row.code for row in report.rows]
