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

from cfl.bundle.sign import sign_bundle
from cfl.io.jsonio import loads_strict
from cfl.report.model import Status, VerificationReport
from cfl.signing.b64url import b64url_decode, b64url_encode
from cfl.signing.jcs import canonical_bytes
from cfl.signing.jws import MAX_BUNDLE_BYTES, TYP_DECLARATION, bundle_to_bytes
from cfl.signing.keys import LocalSigner
from cfl.trust.revocation import revoke
from cfl.trust.store import MemoryTrustStore
from cfl.trust.trust_list import Accreditation, add_trust_entry, sign_trust_list
from cfl.verification.bundle_check import verify_bundle


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
    """The bundle without the certifier's unprotected ``cfl.claim.codec`` header (ADR 0025): the
    bundle's checks never use it; a QR claim is verified on its own (tests/claim/test_claim.py)."""
    for entry in bundle["signatures"]:
        entry.pop("header", None)
    return bundle


def _compact_bundle() -> bytes:
    return json.dumps(world().bundle(), separators=(",", ":"), ensure_ascii=False).encode()


# ----------------------------------------------------------------- red team (brief G)


def _uppercase_id_bundle() -> bytes:
    w = world()
    declaration = w.declaration()
    declaration["id"] = declaration["id"].upper()  # the schema accepts either case
    return bundle_to_bytes(sign_bundle(declaration, w.certifier, role="certifier",
                                       at=SIGNED_AT))


@pytest.mark.parametrize("listed", [DECLARATION_ID.upper(), DECLARATION_ID,
                                    "urn:uuid:" + DECLARATION_ID])
def test_a_revocation_matches_the_declaration_id_whatever_its_spelling(listed: str) -> None:
    """A UUID is the same declaration in upper or lower case: a revocation listing one
    spelling revokes a declaration written in the other (the claim path always has the
    lower-case form, so a case-sensitive match let a revoked label pass)."""
    w = world()
    revoked = bundle_to_bytes(revoke(w.revocations, w.certifier, declaration_id=listed,
                                     reason="data error", at=SIGNED_AT))
    for data in (_uppercase_id_bundle(), w.bundle_bytes()):
        assert_failed_with(verify(data, revocations=(revoked,)), "revoked")


def test_the_same_declaration_cannot_be_revoked_twice_under_two_spellings() -> None:
    from cfl.errors import InputError

    w = world()
    once = bundle_to_bytes(revoke(w.revocations, w.certifier, declaration_id=DECLARATION_ID,
                                  reason="data error", at=SIGNED_AT))
    with pytest.raises(InputError) as info:
        revoke(once, w.certifier, declaration_id=DECLARATION_ID.upper(), reason="again",
               at=SIGNED_AT)
    assert info.value.code == "already_revoked"


def test_a_signing_time_beyond_the_calendar_is_a_clean_row() -> None:
    """``iat`` after 9999-12-31 cannot be a date: a row, never an exception."""
    w = world()
    for iat in (2**39, 253402300800):
        entry = forged_entry(w.declaration(), header_for(w.certifier, iat=iat), w.certifier)
        assert_failed_with(verify(with_entries(entry)), "bad_header")


@pytest.mark.parametrize(("path", "value"), [
    (("validityPeriodEnd",), "9999-12-31T23:59:59-23:59"),
    (("validityPeriodEnd",), "0001-01-01T00:00:00+01:00"),
    (("validityPeriodStart",), "9999-12-31T23:59:59-23:59"),
    (("pcf", "referencePeriodEnd"), "9999-06-01T00:00:00Z"),
])
def test_times_at_the_edge_of_the_calendar_are_rows_not_exceptions(
        path: tuple[str, ...], value: str) -> None:
    """A forged (unsigned) bundle must not be able to make the verifier raise."""
    bundle = world().bundle()
    target = bundle["declaration"]
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    report = verify(bundle_to_bytes(bundle))
    assert report.bottom_line is Status.FAILED
    assert "signature_invalid" in codes(report)


def test_the_same_signature_entry_twice_is_refused() -> None:
    """bundle-format.md §3.3: the same key does not sign a bundle twice in the same role."""
    entry = world().bundle()["signatures"][0]
    assert_failed_with(verify(with_entries(entry, entry)), "duplicate_signature")
    resigned = dict(entry, signature=entry["signature"])
    resigned["protected"] = b64url_encode(canonical_bytes(
        {**json.loads(b64url_decode(entry["protected"])), "iat": int(SIGNED_AT.timestamp()) + 1}))
    assert_failed_with(verify(with_entries(entry, resigned)), "duplicate_signature")


def test_a_good_out_of_scope_certifier_and_a_bad_certifier_signature_fail() -> None:
    w = world()
    out_of_scope = w.bundle(w.other_certifier)["signatures"][0]
    bad = w.bundle()["signatures"][0]
    bad = dict(bad, signature=b64url_encode(bytes(64)))
    report = verify(with_entries(out_of_scope, bad))
    assert_failed_with(report, "scope_category")
    assert "signature_invalid" in codes(report)
    assert "certified" not in codes(report, "PASSED")


def test_a_good_certifier_signature_does_not_hide_a_bad_one() -> None:
    w = world()
    good = w.bundle()["signatures"][0]
    forged = forged_entry(w.declaration(), header_for(w.stranger), w.stranger)
    assert_failed_with(verify(with_entries(good, forged)), "signer_untrusted")


@pytest.mark.parametrize("status", ["suspended", "withdrawn"])
def test_a_certifier_no_longer_active_in_the_trust_list(status: str) -> None:
    w = world()
    document = add_trust_entry(w.trust_list_document, w.certifier.public_key, name="C1",
                               accreditation=Accreditation("CNAS", "CNAS-C1"),
                               categories=["lithium-ion-battery"], status=status,
                               valid_from=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
                               valid_until=dt.datetime(2028, 1, 1, tzinfo=dt.UTC))
    listed = bundle_to_bytes(sign_trust_list(document, w.operator, at=SIGNED_AT))
    assert_failed_with(verify(w.bundle_bytes(), trust_list=listed), f"signer_{status}")


@pytest.mark.parametrize("kid", ["upper", "zero-width", "trailing-space", "hint-only"])
def test_a_kid_spelled_differently_never_passes(kid: str) -> None:
    w = world()
    spelled = {"upper": w.certifier.kid.upper(), "zero-width": "\u200b" + w.certifier.kid,
               "trailing-space": w.certifier.kid + " ", "hint-only": w.certifier.kid[:11]}[kid]
    entry = forged_entry(w.declaration(), header_for(w.certifier, kid=spelled), w.certifier)
    report = verify(with_entries(entry))
    assert report.bottom_line is Status.FAILED
    assert "signature_valid" not in codes(report, "PASSED")


@pytest.mark.parametrize(("changes", "code"), [
    ({"alg": "NONE"}, "alg_none"),
    ({"alg": "hs512"}, "alg_hmac"),
    ({"alg": "eddsa"}, "alg_unsupported"),
    ({"alg": "ed25519"}, "alg_unsupported"),
    ({"alg": "ES256"}, "alg_key_mismatch"),
    ({"typ": TYP_DECLARATION.upper()}, "typ_mismatch"),
    ({"typ": "application/" + TYP_DECLARATION}, "typ_mismatch"),
    ({"cfl.role": "Certifier"}, "bad_role"),
    ({"cfl.role": ["certifier"]}, "bad_role"),
    ({"iat": 1773100800.0}, "bad_header"),
    ({"iat": "1773100800"}, "bad_header"),
    ({"iat": True}, "bad_header"),
])
def test_header_values_in_another_spelling_are_refused(changes: dict[str, Any],
                                                       code: str) -> None:
    w = world()
    entry = forged_entry(w.declaration(), header_for(w.certifier, **changes), w.certifier)
    assert_failed_with(verify(with_entries(entry)), code)


@pytest.mark.parametrize("member", ["protected", "signature"])
@pytest.mark.parametrize("spelling", ["padded", "trailing-bits", "standard-alphabet"])
def test_base64url_must_be_unpadded_and_canonical(member: str, spelling: str) -> None:
    w = world()
    header = json.dumps(header_for(w.certifier)).encode()
    while len(b64url_encode(header)) % 4 != 2:  # leave unused low bits in the last character
        header += b" "
    protected = b64url_encode(header)
    signing_input = (protected + "." + b64url_encode(canonical_bytes(w.declaration()))).encode()
    entry = {"protected": protected, "signature": b64url_encode(w.certifier.sign(signing_input))}
    assert verify(with_entries(entry)).bottom_line is not Status.FAILED  # as written: fine
    text = entry[member]
    if spelling == "padded":
        text += "=="
    elif spelling == "trailing-bits":  # the same bytes, with another unused low bit set
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        text = text[:-1] + alphabet[alphabet.index(text[-1]) ^ 1]
    else:
        text = text[:-1] + "+"
    entry[member] = text
    assert_failed_with(verify(with_entries(entry)), "bad_base64url")


@pytest.mark.parametrize(("at", "code"), [
    (dt.datetime(2029, 3, 31, 0, 0, 0, tzinfo=dt.UTC), "declaration_valid"),
    (dt.datetime(2029, 3, 31, 0, 0, 1, tzinfo=dt.UTC), "declaration_expired"),
])
def test_the_validity_end_is_inclusive_to_the_second(at: dt.datetime, code: str) -> None:
    from cfl.declaration.view import validity_window
    from cfl.verification.rows import validity_row

    start, end = validity_window(world().declaration()).bounds
    assert end is not None
    at = end + (at - dt.datetime(2029, 3, 31, tzinfo=dt.UTC))
    assert validity_row(start, end, at).code == code


@pytest.mark.parametrize(("offset", "code"), [
    (dt.timedelta(0), None), (dt.timedelta(seconds=1), "trust_list_expired")])
def test_the_trust_list_expiry_is_inclusive_to_the_second(offset: dt.timedelta,
                                                          code: str | None) -> None:
    expires = dt.datetime(2026, 12, 31, tzinfo=dt.UTC)
    report = verify(world().bundle_bytes(), at=expires + offset)
    if code is None:
        assert "trust_list_fresh" in codes(report, "PASSED")
    else:
        assert_failed_with(report, code)


def test_a_signing_time_beyond_the_clock_skew_is_in_the_future() -> None:
    w = world()
    within = w.bundle_bytes(at=AT + dt.timedelta(minutes=5))
    assert "signed_in_future" not in codes(verify(within))
    beyond = w.bundle_bytes(at=AT + dt.timedelta(minutes=5, seconds=1))
    assert_failed_with(verify(beyond), "signed_in_future")


def test_a_small_order_key_in_the_trust_list_cannot_vouch_for_forgeries() -> None:
    """With the Ed25519 identity point as a listed key, anyone can 'sign' anything as that
    certifier (OpenSSL accepts R = identity, S = 0): the whole list is refused instead."""
    from cfl.signing.jws import TYP_REVOCATIONS, TYP_TRUST_LIST, sign_content
    from cfl.signing.keys import jwk_thumbprint

    w = world()
    identity = bytes([1]) + bytes(31)
    jwk = {"crv": "Ed25519", "kty": "OKP", "x": b64url_encode(identity)}
    kid = jwk_thumbprint(jwk)
    content = json.loads(json.dumps(w.trust_list_document["trustList"]))
    content["entries"].append({
        "kid": kid, "publicKey": jwk, "name": "Weak", "status": "active",
        "roles": ["certifier"], "accreditation": {"accreditor": "CNAS", "number": "CNAS-W"},
        "scope": {"productCategories": ["lithium-ion-battery"], "ruleSets": []},
        "validFrom": "2025-01-01T00:00:00Z", "validUntil": "2028-01-01T00:00:00Z"})
    listed = bundle_to_bytes({"trustList": content, "signatures": [
        sign_content(content, w.operator, typ=TYP_TRUST_LIST, at=SIGNED_AT)]})
    forgery = identity + bytes(32)

    def forged(header: dict[str, Any]) -> dict[str, Any]:
        return {"protected": b64url_encode(canonical_bytes(header)),
                "signature": b64url_encode(forgery)}

    iat = int(SIGNED_AT.timestamp())
    revocations = {"issuer": kid, "version": 1, "issued": "2026-03-10T00:00:00Z",
                   "entries": []}
    no_revocations = bundle_to_bytes({"revocationList": revocations, "signatures": [forged(
        {"alg": "EdDSA", "kid": kid, "typ": TYP_REVOCATIONS, "iat": iat})]})
    entry = forged({"alg": "EdDSA", "kid": kid, "typ": TYP_DECLARATION, "iat": iat,
                    "cfl.role": "certifier"})
    report = verify(with_entries(entry), trust_list=listed, revocations=(no_revocations,))
    assert_failed_with(report, "weak_key")


def test_a_trust_list_issued_after_the_verification_time_is_refused() -> None:
    w = world()
    later = bundle_to_bytes(sign_trust_list(w.trust_list_document, w.operator,
                                            at=AT + dt.timedelta(minutes=6)))
    assert_failed_with(verify(w.bundle_bytes(), trust_list=later), "trust_list_not_yet_valid")


@pytest.mark.parametrize("entry_kid", ["issuer", "signer"])
def test_a_revocation_list_signed_by_another_certifier_is_refused(entry_kid: str) -> None:
    """C3 (trusted) cannot publish, or withhold, C1's revocations."""
    from cfl.signing.jws import TYP_REVOCATIONS

    w = world()
    content = {"issuer": w.certifier.kid, "version": 9, "issued": "2026-03-11T00:00:00Z",
               "entries": []}
    header = {"alg": "EdDSA", "typ": TYP_REVOCATIONS, "iat": int(SIGNED_AT.timestamp()),
              "kid": w.certifier.kid if entry_kid == "issuer" else w.other_certifier.kid}
    protected = b64url_encode(canonical_bytes(header))
    signing_input = (protected + "." + b64url_encode(canonical_bytes(content))).encode()
    forged = bundle_to_bytes({"revocationList": content, "signatures": [
        {"protected": protected,
         "signature": b64url_encode(w.other_certifier.sign(signing_input))}]})
    revoked = bundle_to_bytes(revoke(w.revocations, w.certifier, declaration_id=DECLARATION_ID,
                                     reason="data error", at=SIGNED_AT))
    report = verify(w.bundle_bytes(), revocations=(revoked, forged))
    assert_failed_with(report, "revocation_list_signature")
    assert "revoked" in codes(report)  # the genuine list still counts


@pytest.mark.parametrize(("where", "value"), [
    ("productCategory", "Lithium-ion-battery"),
    ("productCategory", "lithium\u2010ion\u2010battery"),  # U+2010 hyphens
    ("ruleSet", "GBT-24067-2024"),
    ("ruleSet", "gbt\u201124067\u20112024"),  # U+2011 non-breaking hyphens
])
def test_a_category_or_rule_set_in_another_spelling_never_passes(where: str,
                                                                 value: str) -> None:
    """C2 is accredited for lithium-ion-battery under gbt-24067-2024 only: a look-alike
    spelling, signed by C2 itself (without cfl sign's validation), is never taken for the
    accredited one."""
    from cfl.signing.jws import ROLE_HEADER, sign_content

    w = world()
    declaration = w.declaration()
    data = declaration["extensions"][0]["data"]
    if where == "productCategory":
        data["productCategory"] = value
    else:
        data["ruleSet"] = {**data["ruleSet"], "id": value}
    entry = sign_content(declaration, w.certifier_es256, typ=TYP_DECLARATION, at=SIGNED_AT,
                         extra_header={ROLE_HEADER: "certifier"})
    signed = bundle_to_bytes({"declaration": declaration, "signatures": [entry]})
    es256_revocations = bundle_to_bytes(revoke(None, w.certifier_es256, declaration_id=None,
                                               reason=None, at=SIGNED_AT))
    report = verify(signed, revocations=(w.revocations, es256_revocations))
    assert report.bottom_line is Status.FAILED
    assert "schema_invalid" in codes(report)
    scope = next(row for row in report.rows if row.check == "signer-scope")
    assert scope.code in {"scope_category", "scope_rule_set"}


def test_a_revocation_list_of_the_same_version_but_other_content_is_a_conflict() -> None:
    """Version 2 revoking the declaration is stored; another version 2 of the certifier's
    list, which does not revoke it, must not quietly take its place (as for trust lists)."""
    w = world()
    store = MemoryTrustStore()
    revoked = bundle_to_bytes(revoke(w.revocations, w.certifier, declaration_id=DECLARATION_ID,
                                     reason="data error", at=SIGNED_AT))
    other_v2 = bundle_to_bytes(revoke(w.revocations, w.certifier,
                                      declaration_id="00000000-0000-4000-8000-000000000001",
                                      reason="other", at=SIGNED_AT))
    assert_failed_with(verify(w.bundle_bytes(), revocations=(revoked,), store=store),
                       "revoked")
    report = verify(w.bundle_bytes(), revocations=(other_v2,), store=store)
    assert_failed_with(report, "revocation_list_version_conflict")
    both = verify(w.bundle_bytes(), revocations=(other_v2, revoked))
    assert_failed_with(both, "revocation_list_version_conflict")
