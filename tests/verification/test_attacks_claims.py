"""Attacks on the compact claim (QR text and COSE bytes): each is refused, never PASSED.

The COSE structures below are signed with the trusted certifier's key, so a decoder that
were lax about the structure would accept them: only the structure is wrong.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

import cbor2
import pytest
from label_world import bundle, bundle_bytes
from signing_world import AT, DECLARATION_ID, SIGNED_AT, codes, world

from cfl.bundle.claim import claim_in_bundle
from cfl.bundle.model import parse_bundle
from cfl.bundle.sign import sign_bundle
from cfl.claim.decode import decode_claim
from cfl.claim.encode import sign_claim
from cfl.claim.issue import claim_from_declaration
from cfl.claim.model import CompactClaim, sig_structure
from cfl.claim.text import DEFAULT_RESOLVER
from cfl.errors import InputError
from cfl.report.model import Status
from cfl.signing.b64url import b64url_decode, b64url_encode
from cfl.signing.jws import bundle_to_bytes
from cfl.signing.keys import LocalSigner
from cfl.trust.revocation import revoke
from cfl.verification.bundle_check import verify_bundle
from cfl.verification.claim_check import verify_claim

#: Order of the P-256 group and of the Ed25519 base point.
P256_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
ED25519_L = 2**252 + 27742317777372353535851937790883648493


def make_claim(signer: LocalSigner, **changes: Any) -> CompactClaim:
    claim = claim_from_declaration(world().declaration(), digest=bundle().digest,
                                   issuer_kid=signer.kid, at=SIGNED_AT)
    return dataclasses.replace(claim, **changes)


def signed_parts(signer: LocalSigner | None = None) -> tuple[bytes, bytes]:
    """(protected, payload) of a good claim by ``signer`` (the certifier by default)."""
    signer = signer or world().certifier
    protected, _, payload, _ = cbor2.loads(sign_claim(make_claim(signer), signer)).value
    return protected, payload


def cose(protected: bytes, payload: bytes, *, unprotected: Any = None,
         signer: LocalSigner | None = None) -> bytes:
    """A tagged COSE_Sign1 with a valid signature by the certifier over these bytes."""
    signer = signer or world().certifier
    signature = signer.sign(sig_structure(protected, payload))
    return cbor2.dumps(cbor2.CBORTag(18, [protected, {} if unprotected is None else unprotected,
                                          payload, signature]))


def payload_with(**changes: Any) -> bytes:
    """The good payload with map entries changed (key → value; None removes)."""
    _, payload = signed_parts()
    fields = dict(cbor2.loads(payload))
    for key, value in changes.items():
        number = int(key[1:])
        if value is None:
            fields.pop(number)
        else:
            fields[number] = value
    return cbor2.dumps(fields, canonical=True)


def assert_refused(encoded: bytes, *codes_allowed: str) -> None:
    with pytest.raises(InputError) as info:
        decode_claim(encoded)
    assert info.value.code in codes_allowed, info.value
    report = verify_claim(encoded, world().context(), at=AT)
    assert report.bottom_line is Status.FAILED


# ----------------------------------------------------------------- revocation


@pytest.mark.parametrize("declaration_case", ["upper", "lower"])
@pytest.mark.parametrize("listed_case", ["upper", "lower"])
def test_a_revoked_declaration_fails_from_its_claim_whatever_the_id_case(
        declaration_case: str, listed_case: str) -> None:
    """The claim carries the id as 16 bytes, so its text is always lower case: a
    revocation listing the declaration's upper-case id must still catch it."""
    w = world()
    declaration = w.declaration()
    if declaration_case == "upper":
        declaration["id"] = declaration["id"].upper()
    signed = bundle_to_bytes(sign_bundle(declaration, w.certifier, role="certifier",
                                         at=SIGNED_AT))
    listed = DECLARATION_ID.upper() if listed_case == "upper" else DECLARATION_ID
    revoked = bundle_to_bytes(revoke(w.revocations, w.certifier, declaration_id=listed,
                                     reason="wrong factor", at=SIGNED_AT))
    context = w.context(revocations=(revoked,))
    claim = claim_in_bundle(parse_bundle(signed))
    for report in (verify_claim(claim.encoded, context, at=AT),
                   verify_claim(claim.to_text(), context, at=AT),
                   verify_bundle(signed, context, at=AT)):
        assert report.bottom_line is Status.FAILED, report.summary()
        assert "revoked" in codes(report)


# ----------------------------------------------------------------- COSE structure


def test_alg_or_kid_in_the_unprotected_header_is_refused() -> None:
    protected, payload = signed_parts()
    kid = b64url_decode(world().certifier.kid)[:8]
    only_kid = cbor2.dumps({4: kid}, canonical=True)
    assert_refused(cose(only_kid, payload, unprotected={1: -8}), "bad_claim")
    assert_refused(cose(protected, payload, unprotected={4: kid}), "bad_claim")
    assert_refused(cose(protected, payload, unprotected={1: -8}), "bad_claim")


def test_a_crit_or_any_other_protected_label_is_refused() -> None:
    _, payload = signed_parts()
    kid = b64url_decode(world().certifier.kid)[:8]
    for header in ({1: -8, 2: [99], 4: kid}, {1: -8, 3: 0, 4: kid}, {1: -8}, {4: kid},
                   {1: -8, 4: kid, 99: 1}):
        assert_refused(cose(cbor2.dumps(header, canonical=True), payload), "bad_claim")


@pytest.mark.parametrize("alg", [-9, -35, -36, 0, 1, 5, "EdDSA", -8.0, None])
def test_other_algorithms_are_refused(alg: Any) -> None:
    _, payload = signed_parts()
    kid = b64url_decode(world().certifier.kid)[:8]
    header = cbor2.dumps({1: alg, 4: kid}, canonical=True)
    assert_refused(cose(header, payload), "bad_claim", "bad_claim_alg",
                   "claim_not_deterministic")


def test_es256_named_in_the_header_of_an_ed25519_claim_fails() -> None:
    w = world()
    _, payload = signed_parts()
    header = cbor2.dumps({1: -7, 4: b64url_decode(w.certifier.kid)[:8]}, canonical=True)
    report = verify_claim(cose(header, payload), w.context(), at=AT)
    assert report.bottom_line is Status.FAILED
    assert "signature_valid" not in codes(report, "PASSED")


def test_indefinite_lengths_are_refused() -> None:
    protected, payload = signed_parts()
    signature = world().certifier.sign(sig_structure(protected, payload))
    indefinite_array = (b"\xd2\x9f" + cbor2.dumps(protected) + b"\xa0" + cbor2.dumps(payload)
                        + cbor2.dumps(signature) + b"\xff")
    assert_refused(indefinite_array, "bad_claim")
    fields = cbor2.loads(payload)
    indefinite_map = b"\xbf" + b"".join(cbor2.dumps(k) + cbor2.dumps(v, canonical=True)
                                        for k, v in sorted(fields.items())) + b"\xff"
    assert_refused(cose(protected, indefinite_map), "claim_not_deterministic")
    chunked = bytes(payload)
    chunked_bstr = b"\x5f" + cbor2.dumps(chunked[:10]) + cbor2.dumps(chunked[10:]) + b"\xff"
    assert_refused(b"\xd2\x84" + cbor2.dumps(protected) + b"\xa0" + chunked_bstr
                   + cbor2.dumps(signature), "claim_not_deterministic", "bad_claim")


def test_duplicate_map_keys_are_refused() -> None:
    protected, payload = signed_parts()
    # the payload map with key 5 written twice (and the count raised to match)
    fields = sorted(cbor2.loads(payload).items())
    body = b"".join(cbor2.dumps(k) + cbor2.dumps(v, canonical=True) for k, v in fields)
    again = cbor2.dumps(5) + cbor2.dumps("urn:example:other", canonical=True)
    duplicated = bytes([0xA0 + len(fields) + 1]) + body + again
    assert_refused(cose(protected, duplicated), "claim_not_deterministic", "bad_claim")
    kid = b64url_decode(world().certifier.kid)[:8]
    header = b"\xa3\x01\x27\x01\x27\x04\x48" + kid  # {1: -8, 1: -8, 4: kid}
    assert_refused(cose(header, payload), "bad_claim", "claim_not_deterministic")


@pytest.mark.parametrize(("changes", "codes_allowed"), [
    ({"k7": cbor2.CBORTag(2, b"\x01")}, ("claim_not_deterministic", "bad_claim")),
    ({"k7": cbor2.CBORTag(2, (2**100).to_bytes(13, "big"))}, ("bad_claim",)),
    ({"k7": cbor2.CBORTag(3, b"\x00\x01")}, ("claim_not_deterministic", "bad_claim")),
    ({"k7": 2.5}, ("bad_claim",)),
    ({"k7": cbor2.CBORTag(5, [-1, 111])}, ("bad_claim",)),
    ({"k7": cbor2.CBORTag(30, [1, 0])}, ("bad_claim",)),
    ({"k7": cbor2.CBORTag(4, [-(2**70), 5571])}, ("bad_claim",)),
    ({"k7": cbor2.CBORTag(4, [-2, 10**30 + 1])}, ("bad_claim",)),
    ({"k6": cbor2.CBORTag(4, [0, 1])}, ("bad_claim",)),
    ({"k6": cbor2.CBORTag(55799, 1)}, ("bad_claim",)),
    ({"k13": cbor2.CBORTag(1, 1861833600)}, ("bad_claim",)),
    ({"k13": 2**63}, ("bad_claim",)),
    ({"k14": 2**40}, ("bad_claim",)),
    ({"k1": 2**64 - 1}, ("bad_claim_version",)),
    ({"k2": cbor2.CBORTag(37, b"\x00" * 16)}, ("bad_claim",)),
    ({"k5": [[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]}, ("bad_claim",)),
    ({"k5": 10**14}, ("bad_claim",)),
    ({"k5": "urn:gtin:06901234567892"}, ("bad_claim",)),
    ({"k12": ""}, ("bad_claim",)),
    ({"k11": "gbt-24067-2024"}, ("bad_claim",)),  # a listed text must be its code
    ({"k11": 9999}, ("bad_claim",)),
    ({"k10": 4}, ("bad_claim",)),
    ({"k9": 0}, ("bad_claim",)),
    ({"k4": b"\x00" * 8}, ("bad_claim",)),
    ({"k16": 1}, ("bad_claim",)),
    ({"k13": None}, ("bad_claim",)),
    ({"k15": None}, ("bad_claim",)),  # the validity start is required
    ({"k15": 2**40}, ("bad_claim",)),
    ({"k15": cbor2.CBORTag(1, 1772323200)}, ("bad_claim",)),
    ({"k15": "2026-03-01T00:00:00Z"}, ("bad_claim",)),
])
def test_odd_payload_items_are_refused(changes: dict[str, Any],
                                       codes_allowed: tuple[str, ...]) -> None:
    protected, _ = signed_parts()
    assert_refused(cose(protected, payload_with(**changes)), *codes_allowed)


def test_deep_nesting_is_bounded_before_parsing() -> None:
    protected, _ = signed_parts()
    deep = b"\xd2\x84" + b"\x81" * 400 + b"\x00"
    assert_refused(deep, "bad_claim")
    assert_refused(cose(protected, b"\x81" * 300 + b"\x00"), "bad_claim")


@pytest.mark.parametrize("digits", ["9" * 1234, "1" + "0" * 1233, str(2**4096)])
def test_big_numbers_in_the_qr_text_are_bounded(digits: str) -> None:
    report = verify_claim(DEFAULT_RESOLVER + digits, world().context(), at=AT)
    assert report.bottom_line is Status.FAILED
    assert report.rows[0].code in {"claim_too_large", "bad_claim"}


# ----------------------------------------------------------------- claim vs bundle


@pytest.mark.parametrize(("field", "value"), [
    ("product_id", "urn:gtin:06901234567809"),
    ("value", Decimal("5.571")),
    ("unit", "kilogram"),
    ("unit_amount", Decimal(2)),
    ("boundary", "cradle-to-grave"),
    ("product_category", "pv-module"),
    ("rule_set", "iso-14067-2018"),
    ("grade", "A"),
    ("valid_until", dt.datetime(2030, 1, 1, tzinfo=dt.UTC)),
])
def test_a_claim_bound_to_the_bundle_but_stating_other_facts_fails(field: str,
                                                                    value: Any) -> None:
    """Signed by the trusted certifier, with the right digest: the facts still must agree."""
    w = world()
    forged = sign_claim(make_claim(w.certifier, **{field: value}), w.certifier)
    report = verify_claim(forged, w.context(), at=AT, bundle=bundle())
    assert report.bottom_line is Status.FAILED
    assert "claim_bound" in codes(report, "PASSED")
    assert "claim_disagrees" in codes(report)


def test_a_claim_issued_after_the_verification_time_fails() -> None:
    w = world()
    later = sign_claim(make_claim(w.certifier, issued_at=AT + dt.timedelta(minutes=6)),
                       w.certifier)
    report = verify_claim(later, w.context(), at=AT)
    assert report.bottom_line is Status.FAILED and "signed_in_future" in codes(report)


@pytest.mark.parametrize(("after", "passed"), [(dt.timedelta(0), True),
                                              (dt.timedelta(seconds=1), False)])
def test_the_claim_valid_until_is_inclusive_to_the_second(after: dt.timedelta,
                                                          passed: bool) -> None:
    w = world()
    end = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    claim = sign_claim(make_claim(w.certifier, valid_until=end), w.certifier)
    report = verify_claim(claim, w.context(at=end + after), at=end + after)
    assert report.passed is passed
    assert ("declaration_expired" in codes(report)) is not passed


# ----------------------------------------------------------------- malleability (ADR 0040)


def _high_s(signature: bytes) -> bytes:
    s = int.from_bytes(signature[32:], "big")
    return signature[:32] + (P256_N - s).to_bytes(32, "big")


def _es256_bundle_and_claim() -> tuple[dict[str, Any], bytes]:
    w = world()
    signed = sign_bundle(w.declaration(), w.certifier_es256, role="certifier", at=SIGNED_AT)
    claim = b64url_decode(signed["signatures"][0]["header"]["cfl.claim"])
    revocations = bundle_to_bytes(revoke(None, w.certifier_es256, declaration_id=None,
                                         reason=None, at=SIGNED_AT))
    return {"bundle": signed, "revocations": revocations}, claim


def test_es256_signatures_are_accepted_in_either_s_form_in_jws_and_cose() -> None:
    """ECDSA (r, s) and (r, n − s) both verify; cfl accepts both, in bundles and claims
    alike, as RFC 7518 and RFC 9053 do. Nothing in cfl uses signature bytes as an
    identity, so the second form gains a forger nothing (ADR 0040)."""
    w = world()
    parts, claim = _es256_bundle_and_claim()
    context = w.context(revocations=(w.revocations, parts["revocations"]))
    signed = parts["bundle"]
    for mirror in (False, True):
        entry = dict(signed["signatures"][0])
        raw = b64url_decode(entry["signature"])
        entry["signature"] = b64url_encode(_high_s(raw) if mirror else raw)
        data = bundle_to_bytes({"declaration": signed["declaration"], "signatures": [entry]})
        report = verify_bundle(data, context, at=AT)
        assert report.passed, report.summary()
        encoded = claim[:-64] + (_high_s(claim[-64:]) if mirror else claim[-64:])
        assert verify_claim(encoded, context, at=AT).passed


@pytest.mark.parametrize("change", ["s+n", "s=0", "r=0", "r+n"])
def test_es256_values_outside_the_group_order_are_refused(change: str) -> None:
    w = world()
    parts, claim = _es256_bundle_and_claim()
    context = w.context(revocations=(w.revocations, parts["revocations"]))

    def damaged(signature: bytes) -> bytes:
        r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
        r, s = {"s+n": (r, s + P256_N), "s=0": (r, 0), "r=0": (0, s),
                "r+n": (r + P256_N, s)}[change]
        if r >= 2**256 or s >= 2**256:  # does not fit 32 bytes: the plain form is refused
            r, s = r % 2**256, s % 2**256
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    entry = dict(parts["bundle"]["signatures"][0])
    entry["signature"] = b64url_encode(damaged(b64url_decode(entry["signature"])))
    data = bundle_to_bytes({"declaration": parts["bundle"]["declaration"],
                            "signatures": [entry]})
    assert verify_bundle(data, context, at=AT).bottom_line is Status.FAILED
    forged = claim[:-64] + damaged(claim[-64:])
    assert verify_claim(forged, context, at=AT).bottom_line is Status.FAILED


def test_ed25519_signatures_with_s_beyond_the_group_order_are_refused() -> None:
    """RFC 8032 §5.1.7: S must be below L, so an Ed25519 signature has one form."""
    w = world()

    def mirrored(signature: bytes) -> bytes:
        s = int.from_bytes(signature[32:], "little") + ED25519_L
        return signature[:32] + s.to_bytes(32, "little")

    signed = w.bundle()
    entry = dict(signed["signatures"][0])
    entry["signature"] = b64url_encode(mirrored(b64url_decode(entry["signature"])))
    data = bundle_to_bytes({"declaration": signed["declaration"], "signatures": [entry]})
    report = verify_bundle(data, w.context(), at=AT)
    assert report.bottom_line is Status.FAILED and "signature_invalid" in codes(report)
    claim = claim_in_bundle(parse_bundle(bundle_bytes())).encoded
    forged = claim[:-64] + mirrored(claim[-64:])
    assert verify_claim(forged, w.context(), at=AT).bottom_line is Status.FAILED


def test_a_colliding_kid_hint_never_lends_one_certifier_the_scope_of_another(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """C3 (cement only) signs a battery claim while every listed kid 'shares' its hint:
    the key that verifies is C3's, so C3's scope is checked, not C1's."""
    w = world()
    claim = sign_claim(make_claim(w.other_certifier), w.other_certifier)
    monkeypatch.setattr(CompactClaim, "names_issuer", lambda self, kid: True)
    report = verify_claim(claim, w.context(), at=AT)
    assert report.bottom_line is Status.FAILED
    assert "scope_category" in codes(report)
    signature = next(row for row in report.rows if row.check == "signature")
    assert w.other_certifier.kid in signature.message
