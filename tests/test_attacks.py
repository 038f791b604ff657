"""Every attack of issue 3: each comes out FAILED, with its own reason code, never PASSED."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from signing_world import AT, DECLARATION_ID, SIGNED_AT, codes, world

from cfl.canonical import canonical_bytes
from cfl.encoding import b64url_decode, b64url_encode
from cfl.envelope import MAX_BUNDLE_BYTES, TYP_DECLARATION, bundle_to_bytes, sign_bundle
from cfl.jsonio import loads_strict
from cfl.keys import LocalSigner
from cfl.revocation import revoke
from cfl.trust import Accreditation, MemoryTrustStore, add_trust_entry, sign_trust_list
from cfl.verify import Status, VerificationReport, verify_bundle


def verify(data: bytes, **context: Any) -> VerificationReport:
    return verify_bundle(data, world().context(**context), at=context.get("at", AT))


def assert_failed_with(report: VerificationReport, code: str) -> None:
    assert report.bottom_line is Status.FAILED, report.summary()
    assert code in codes(report), [row.to_json() for row in report.rows]


def forged_entry(declaration: dict[str, Any], header: dict[str, Any],
                 signer: LocalSigner | None) -> dict[str, Any]:
    """A signature entry with an arbitrary protected header, signed by ``signer``."""
    protected = b64url_encode(json.dumps(header).encode())
    signing_input = (protected + "." + b64url_encode(canonical_bytes(declaration))).encode()
    signature = signer.sign(signing_input) if signer is not None else b""
    return {"protected": protected, "signature": b64url_encode(signature)}


def header_for(signer: LocalSigner, **changes: Any) -> dict[str, Any]:
    header = {"alg": signer.alg, "kid": signer.kid, "typ": TYP_DECLARATION,
              "iat": int(SIGNED_AT.timestamp()), "cfl.role": "certifier"}
    header.update(changes)
    return header


def with_entries(*entries: dict[str, Any]) -> bytes:
    return bundle_to_bytes({"declaration": world().declaration(), "signatures": list(entries)})


def test_the_untouched_bundle_passes() -> None:
    report = verify(world().bundle_bytes())
    assert report.bottom_line is Status.PASSED, [r.to_json() for r in report.rows]


# ----------------------------------------------------------------- tampering


def test_one_byte_changed_in_a_declaration_value() -> None:
    data = world().bundle_bytes()
    assert data.count(b"Illustrative test fixture") == 1
    assert_failed_with(verify(data.replace(b"Illustrative test fixture",
                                           b"Illustrative test fixturf")), "signature_invalid")


def test_one_byte_changed_in_the_signature() -> None:
    bundle = world().bundle()
    signature = bytearray(b64url_decode(bundle["signatures"][0]["signature"]))
    signature[10] ^= 0x01
    bundle["signatures"][0]["signature"] = b64url_encode(bytes(signature))
    assert_failed_with(verify(bundle_to_bytes(bundle)), "signature_invalid")


def test_one_byte_changed_in_the_protected_header() -> None:
    bundle = world().bundle()
    header = bytearray(b64url_decode(bundle["signatures"][0]["protected"]))
    index = header.index(b'"iat":') + 7  # a digit of the signing time
    header[index] = ord("1") if header[index] != ord("1") else ord("2")
    bundle["signatures"][0]["protected"] = b64url_encode(bytes(header))
    assert_failed_with(verify(bundle_to_bytes(bundle)), "signature_invalid")


# ----------------------------------------------------------------- algorithm and key confusion


def test_alg_none() -> None:
    w = world()
    entry = forged_entry(w.declaration(), header_for(w.certifier, alg="none"), None)
    assert_failed_with(verify(with_entries(entry)), "alg_none")


def test_hs256_with_the_public_key_as_hmac_secret() -> None:
    w = world()
    declaration = w.declaration()
    header = header_for(w.certifier, alg="HS256")
    protected = b64url_encode(json.dumps(header).encode())
    signing_input = (protected + "." + b64url_encode(canonical_bytes(declaration))).encode()
    for secret in (json.dumps(w.certifier.public_key.jwk).encode(),
                   b64url_decode(w.certifier.public_key.jwk["x"])):
        tag = hmac.new(secret, signing_input, hashlib.sha256).digest()
        entry = {"protected": protected, "signature": b64url_encode(tag)}
        assert_failed_with(verify(with_entries(entry)), "alg_hmac")


def test_kid_naming_another_trusted_key() -> None:
    w = world()
    # Signed by C3 (trusted, cement only) but claiming to be C1 (in scope).
    entry = forged_entry(w.declaration(), header_for(w.certifier, kid=w.certifier.kid),
                         w.other_certifier)
    report = verify(with_entries(entry))
    assert_failed_with(report, "kid_mismatch")
    assert "signature_valid" not in codes(report, "PASSED")


def test_alg_that_does_not_match_the_key_type() -> None:
    w = world()
    entry = forged_entry(w.declaration(), header_for(w.certifier, alg="ES256"),
                         w.certifier_es256)
    assert_failed_with(verify(with_entries(entry)), "alg_key_mismatch")


@pytest.mark.parametrize("member", ["jwk", "x5c", "jku", "x5u"])
def test_key_material_in_the_protected_header(member: str) -> None:
    w = world()
    values = {"jwk": w.stranger.public_key.jwk, "x5c": ["MIIB"],
              "jku": "https://evil.example/keys", "x5u": "https://evil.example/cert"}
    header = header_for(w.stranger, **{member: values[member]})
    entry = forged_entry(w.declaration(), header, w.stranger)
    assert_failed_with(verify(with_entries(entry)), "key_in_header")


def test_key_material_in_the_unprotected_header() -> None:
    w = world()
    entry = w.bundle()["signatures"][0]
    entry["header"] = {"jwk": w.stranger.public_key.jwk}
    assert_failed_with(verify(with_entries(entry)), "key_in_header")


def test_a_critical_header_is_refused() -> None:
    w = world()
    header = header_for(w.certifier, crit=["exp"], exp=1)
    entry = forged_entry(w.declaration(), header, w.certifier)
    assert_failed_with(verify(with_entries(entry)), "header_unsupported")


def test_a_trust_list_signature_is_not_a_declaration_signature() -> None:
    w = world()
    entry = forged_entry(w.declaration(), header_for(w.certifier, typ="cfl-trustlist+jws"),
                         w.certifier)
    assert_failed_with(verify(with_entries(entry)), "typ_mismatch")


def test_es256_signature_in_der_form() -> None:
    w = world()
    bundle = w.bundle(w.certifier_es256)
    raw = b64url_decode(bundle["signatures"][0]["signature"])
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    bundle["signatures"][0]["signature"] = b64url_encode(der)
    assert_failed_with(verify(bundle_to_bytes(bundle)), "signature_der")


# ----------------------------------------------------------------- malformed input


@pytest.mark.parametrize("where", ["declaration", "top", "header"])
def test_duplicate_json_keys(where: str) -> None:
    data = world().bundle_bytes()
    if where == "declaration":
        data = data.replace(b'"companyName":', b'"companyName": "Evil Co.", "companyName":', 1)
    elif where == "top":
        data = data.replace(b'{\n  "declaration":', b'{"signatures": [], "declaration":', 1)
    else:
        bundle = world().bundle()
        header = b64url_decode(bundle["signatures"][0]["protected"])
        forged = header.replace(b'{"alg":', b'{"alg":"none","alg":', 1)
        bundle["signatures"][0]["protected"] = b64url_encode(forged)
        data = bundle_to_bytes(bundle)
    assert_failed_with(verify(data), "duplicate_key")


@pytest.mark.parametrize("keep", [1, 100, 0.5, 0.99])
def test_truncated_input(keep: float) -> None:
    data = world().bundle_bytes()
    cut = int(keep) if keep >= 1 else int(len(data) * keep)
    assert_failed_with(verify(data[:cut]), "malformed_json")


def test_empty_input() -> None:
    assert_failed_with(verify(b""), "empty")


def test_oversized_input_is_refused_before_parsing() -> None:
    # Not even JSON: a parser would say "malformed", the size bound answers first.
    assert_failed_with(verify(b"{" * (MAX_BUNDLE_BYTES + 1)), "too_large")


def test_a_deeply_nested_declaration_is_refused() -> None:
    data = world().bundle_bytes().replace(b'"companyName":', b'"deep": ' + b"[" * 200
                                          + b"]" * 200 + b', "companyName":', 1)
    assert_failed_with(verify(data), "too_deep")


# ----------------------------------------------------------------- trust


def test_signature_by_an_untrusted_key() -> None:
    assert_failed_with(verify(world().bundle_bytes(world().stranger)), "signer_untrusted")


def test_trusted_key_outside_its_category_scope() -> None:
    assert_failed_with(verify(world().bundle_bytes(world().other_certifier)), "scope_category")


def test_trusted_key_outside_its_rule_set_scope() -> None:
    w = world()
    declaration = w.declaration()
    declaration["extensions"][0]["data"]["ruleSet"] = {"id": "iso-14067-2018"}
    bundle = sign_bundle(declaration, w.certifier_es256, role="certifier", at=SIGNED_AT)
    assert_failed_with(verify(bundle_to_bytes(bundle)), "scope_rule_set")


def test_key_used_before_its_valid_from() -> None:
    report = verify(world().bundle_bytes(world().future_certifier))
    assert_failed_with(report, "signer_not_yet_valid_at_signing")
    assert "signer_not_yet_valid" in codes(report)


def test_key_used_after_its_valid_until() -> None:
    assert_failed_with(verify(world().bundle_bytes(world().expired_certifier)),
                       "signer_expired_at_signing")


def test_key_valid_at_signing_but_expired_at_verification() -> None:
    w = world()
    data = w.bundle_bytes(w.expired_certifier, at=dt.datetime(2025, 6, 1, tzinfo=dt.UTC))
    report = verify(data)
    assert_failed_with(report, "signer_expired")
    assert "signer_valid_at_signing" in codes(report, "PASSED")


def test_signing_time_after_the_verification_time() -> None:
    data = world().bundle_bytes(at=AT + dt.timedelta(days=2))
    assert_failed_with(verify(data), "signed_in_future")


def test_revoked_declaration() -> None:
    w = world()
    revoked = bundle_to_bytes(revoke(w.revocations, w.certifier, declaration_id=DECLARATION_ID,
                                     reason="data error", at=SIGNED_AT + dt.timedelta(days=1)))
    report = verify(w.bundle_bytes(), revocations=(w.revocations, revoked))
    assert_failed_with(report, "revoked")


def test_expired_trust_list() -> None:
    w = world()
    at = dt.datetime(2027, 2, 1, tzinfo=dt.UTC)
    assert_failed_with(verify(w.bundle_bytes(), at=at), "trust_list_expired")


def test_rolled_back_trust_list() -> None:
    w = world()
    newer = add_trust_entry(w.trust_list_document, w.stranger.public_key, name="C9",
                            accreditation=Accreditation("CNAS", "CNAS-C9"),
                            categories=["steel"], valid_from=SIGNED_AT,
                            valid_until=AT + dt.timedelta(days=30))
    v2 = bundle_to_bytes(sign_trust_list(newer, w.operator, at=SIGNED_AT))
    store = MemoryTrustStore()
    assert w.context(trust_list=v2, store=store).trust_list is not None
    assert_failed_with(verify(w.bundle_bytes(), store=store), "trust_list_rollback")


@pytest.mark.parametrize("signer", ["stranger", "certifier"])
def test_trust_list_signed_by_someone_else_than_the_anchor(signer: str) -> None:
    w = world()
    forged = bundle_to_bytes(sign_trust_list(w.trust_list_document, getattr(w, signer),
                                             at=SIGNED_AT))
    assert_failed_with(verify(w.bundle_bytes(), trust_list=forged), "trust_list_signature")


def test_trust_list_altered_after_signing() -> None:
    w = world()
    altered = w.trust_list.replace(b'"cement"', b'"steel"', 1)
    assert altered != w.trust_list
    assert_failed_with(verify(w.bundle_bytes(), trust_list=altered), "trust_list_signature")


def test_a_bundle_without_a_certifier_signature_is_not_passed() -> None:
    w = world()
    assert_failed_with(verify(with_entries()), "no_certifier_signature")
    manufacturer_only = w.bundle_bytes(role="manufacturer")
    assert verify(manufacturer_only).bottom_line is Status.FAILED


# ----------------------------------------------------------------- random damage


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_random_byte_flips_never_pass_a_changed_bundle(data: st.DataObject) -> None:
    original = _compact_bundle()
    index = data.draw(st.integers(0, len(original) - 1), label="index")
    mask = data.draw(st.integers(1, 255), label="xor")
    damaged = bytearray(original)
    damaged[index] ^= mask
    report = verify_bundle(bytes(damaged), world().context(), at=AT)
    if report.bottom_line is Status.PASSED:  # only possible if nothing that matters changed
        assert _without_claims(loads_strict(bytes(damaged))) == _without_claims(
            loads_strict(original))


def _without_claims(bundle: Any) -> Any:
    """The bundle without the certifier's unprotected ``cfl.claim`` header (ADR 0025): the
    bundle's checks never use it; a QR claim is verified on its own (tests/test_claim.py)."""
    for entry in bundle["signatures"]:
        entry.pop("header", None)
    return bundle


def _compact_bundle() -> bytes:
    return json.dumps(world().bundle(), separators=(",", ":"), ensure_ascii=False).encode()
