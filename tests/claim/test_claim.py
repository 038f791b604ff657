"""The compact claim: encoding, text form, strict bounded decoding, verification rows."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import math
import uuid
from decimal import Decimal

import cbor2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from label_world import bundle, claim_text
from signing_world import AT, SIGNED_AT, codes, world

from cfl.claim.decode import decode_claim, decode_claim_text
from cfl.claim.encode import sign_claim
from cfl.claim.issue import claim_from_declaration
from cfl.claim.model import CompactClaim, sig_structure
from cfl.claim.text import DEFAULT_RESOLVER, MAX_CLAIM_BYTES, claim_bytes_from_text, claim_to_text
from cfl.errors import CflError, InputError
from cfl.signing.b64url import b64url_decode
from cfl.signing.keys import LocalSigner
from cfl.trust.trust_list import TrustList
from cfl.verification.claim_check import verify_claim


def make_claim(signer: LocalSigner, **changes: object) -> CompactClaim:
    claim = claim_from_declaration(world().declaration(), digest=bundle().digest,
                                   issuer_kid=signer.kid, at=SIGNED_AT)
    return dataclasses.replace(claim, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize("alg", ["EdDSA", "ES256"])
def test_round_trip_through_text(alg: str) -> None:
    signer = LocalSigner.generate(alg)
    claim = make_claim(signer)
    text = claim_to_text(sign_claim(claim, signer))
    decoded = decode_claim_text(text)
    assert decoded.claim == claim
    assert decoded.alg == alg
    assert decoded.signature_valid(signer.public_key)
    assert not decoded.signature_valid(LocalSigner.generate(alg).public_key)


def test_claim_reflects_the_declaration() -> None:
    claim = make_claim(world().certifier)
    assert claim.declaration_id == uuid.UUID("3f1c2a9e-5b7d-4e8f-9a0b-1c2d3e4f5a6b")
    assert claim.value == Decimal("55.71")
    assert claim.unit == "kilowatt hour"
    assert claim.product_id == "urn:gtin:06901234567892"
    assert claim.valid_until == dt.datetime(2028, 12, 31, tzinfo=dt.UTC)
    assert claim.valid_from == dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    assert claim.digest == hashlib.sha256(bundle().payload).digest()


def test_validity_start_defaults_to_the_reference_period_end() -> None:
    """PACT v3, as the bundle's validity row (cfl.declaration.view.validity_window)."""
    from cfl.declaration.view import validity_window

    declaration = world().declaration()
    del declaration["validityPeriodStart"], declaration["validityPeriodEnd"]
    claim = claim_from_declaration(declaration, digest=bytes(32), issuer_kid=world().certifier.kid,
                                   at=SIGNED_AT)
    assert claim.valid_from == dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    assert claim.valid_until == dt.datetime(2029, 1, 1, tzinfo=dt.UTC)
    assert (claim.valid_from, claim.valid_until) == validity_window(declaration).bounds


def _not_yet_valid_claim() -> tuple[str, dict[str, object]]:
    """A claim (and its declaration) valid from 2026-05-01: after signing, after AT."""
    from cfl.signing.jcs import sha256_digest

    declaration = world().declaration()
    declaration["validityPeriodStart"] = "2026-05-01T00:00:00Z"
    signer = world().certifier
    claim = claim_from_declaration(declaration, digest=sha256_digest(declaration),
                                   issuer_kid=signer.kid, at=SIGNED_AT)
    return claim_to_text(sign_claim(claim, signer)), declaration


def test_a_claim_is_not_valid_before_its_validity_start() -> None:
    """The QR alone says so (before, only the bundle's validity row caught it)."""
    text, _ = _not_yet_valid_claim()
    report = verify_claim(text, world().context(), at=AT)
    assert report.bottom_line.value == "FAILED"
    assert codes(report) == ["declaration_not_yet_valid"]
    assert "2026-05-01T00:00:00Z" in report.summary()
    on_the_day = verify_claim(text, world().context(at=dt.datetime(2026, 5, 1, tzinfo=dt.UTC)),
                              at=dt.datetime(2026, 5, 1, tzinfo=dt.UTC))
    assert on_the_day.passed, on_the_day.summary()


def test_the_bundle_and_the_claim_agree_on_the_validity_start() -> None:
    from cfl.verification.claim_check import binding_rows

    signer = world().certifier
    moved = make_claim(signer, valid_from=dt.datetime(2026, 2, 1, tzinfo=dt.UTC))
    signed = decode_claim(sign_claim(moved, signer))
    rows = binding_rows(signed, bundle())
    assert [(row.code, row.status.value) for row in rows] == [
        ("claim_bound", "PASSED"), ("claim_disagrees", "FAILED")]
    assert rows[1].message.endswith("differ in valid_from")


def test_tagging_rule_and_text_form() -> None:
    """Always tag 18 (first byte 0xD2), so the decimal number has no leading-zero ambiguity."""
    signer = world().certifier
    encoded = sign_claim(make_claim(signer), signer)
    assert encoded[:2] == b"\xd2\x84"
    text = claim_to_text(encoded)
    resolver, digits = text[: len(DEFAULT_RESOLVER)], text[len(DEFAULT_RESOLVER):]
    assert resolver == DEFAULT_RESOLVER and digits.isdigit() and digits[0] != "0"
    assert int(digits).to_bytes(len(encoded), "big") == encoded
    assert claim_bytes_from_text(text) == encoded
    outer = cbor2.loads(encoded)
    protected, unprotected, payload, signature = outer.value
    assert dict(cbor2.loads(protected)) == {1: -8, 4: b64url_decode(signer.kid)[:8]}
    assert unprotected == {}
    assert signer.public_key.verify(signature, sig_structure(protected, payload))
    assert cbor2.loads(sig_structure(protected, payload))[0] == "Signature1"


def test_untagged_or_non_deterministic_claims_are_refused() -> None:
    signer = world().certifier
    encoded = sign_claim(make_claim(signer), signer)
    outer = cbor2.loads(encoded)
    untagged = cbor2.dumps(list(outer.value))
    with pytest.raises(InputError) as info:
        decode_claim(untagged)
    assert info.value.code == "bad_claim"
    protected, _, payload, signature = outer.value
    long_form = b"\xd2\x84" + cbor2.dumps(protected) + b"\xa0" + b"\x59" + len(payload).to_bytes(
        2, "big") + payload + cbor2.dumps(signature)
    with pytest.raises(InputError) as info:
        decode_claim(long_form)
    assert info.value.code == "claim_not_deterministic"


def test_decimal_fraction_must_be_normalised() -> None:
    signer = world().certifier
    encoded = sign_claim(make_claim(signer), signer)
    protected, _, payload, _ = cbor2.loads(encoded).value
    fields = dict(cbor2.loads(payload))
    fields[7] = cbor2.CBORTag(4, [-3, 55710])
    bad_payload = cbor2.dumps(fields, canonical=True)
    forged = cbor2.dumps(cbor2.CBORTag(18, [protected, {}, bad_payload,
                                            signer.sign(sig_structure(protected, bad_payload))]))
    with pytest.raises(InputError, match="normalised"):
        decode_claim(forged)


def test_resolver_must_be_uppercase_alphanumeric() -> None:
    signer = world().certifier
    encoded = sign_claim(make_claim(signer), signer)
    for bad in ("https://cfl.example/v/", "HTTPS://CFL.EXAMPLE/V", "HTTPS://CFL_X/V/"):
        with pytest.raises(InputError) as info:
            claim_to_text(encoded, bad)
        assert info.value.code == "bad_resolver"
    assert claim_to_text(encoded, "HTTPS://VERIFY.CNAS.EXAMPLE:8443/C/").startswith("HTTPS")


@pytest.mark.parametrize("text, code", [
    ("HTTPS://CFL.EXAMPLE/V/", "bad_claim_text"),
    ("HTTPS://CFL.EXAMPLE/V/0123", "bad_claim_text"),
    ("HTTPS://CFL.EXAMPLE/V/12a3", "bad_claim_text"),
    ("1234", "bad_claim_text"),
    ("HTTPS://CFL.EXAMPLE/V/" + "9" * 2000, "claim_too_large"),
    ("HTTPS://CFL.EXAMPLE/V/" + "9" * 1240, "claim_too_large"),
    ("HTTPS://CFL.EXAMPLE/V/12345", "bad_claim"),
])
def test_bad_texts_are_clean_errors(text: str, code: str) -> None:
    with pytest.raises(InputError) as info:
        decode_claim_text(text)
    assert info.value.code == code
    assert "<text>" in str(info.value)


def test_oversized_bytes_refused_before_parsing() -> None:
    with pytest.raises(InputError) as info:
        decode_claim(b"\xd2\x84" + b"\x00" * MAX_CLAIM_BYTES)
    assert info.value.code == "claim_too_large"


@settings(max_examples=50, deadline=None)
@given(st.data())
def test_truncated_claims_raise_clean_errors(data: st.DataObject) -> None:
    encoded = claim_bytes_from_text(claim_text())
    cut = data.draw(st.integers(min_value=0, max_value=len(encoded) - 1))
    with pytest.raises(CflError):
        decode_claim(encoded[:cut])
    text = claim_text()
    with pytest.raises(CflError):
        decode_claim_text(text[: len(DEFAULT_RESOLVER) + cut])


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=700))
def test_random_bytes_raise_clean_errors(raw: bytes) -> None:
    with pytest.raises(CflError):
        decode_claim(b"\xd2\x84" + raw)
    with pytest.raises(CflError):
        decode_claim(raw)


@settings(max_examples=50, deadline=None)
@given(st.text(max_size=1500))
def test_random_texts_raise_clean_errors(text: str) -> None:
    with pytest.raises(CflError):
        decode_claim_text(text)


@settings(max_examples=50, deadline=None)
@given(st.integers(min_value=0, max_value=len(claim_text()) - 1),
       st.integers(min_value=0, max_value=255))
def test_flipped_bytes_never_verify(position: int, value: int) -> None:
    encoded = bytearray(claim_bytes_from_text(claim_text()))
    index = position % len(encoded)
    if encoded[index] == value:
        return
    encoded[index] = value
    try:
        signed = decode_claim(bytes(encoded))
    except CflError:
        return
    assert not signed.signature_valid(world().certifier.public_key)


def test_size_and_digit_ratio() -> None:
    encoded = claim_bytes_from_text(claim_text())
    digits = len(claim_text()) - len(DEFAULT_RESOLVER)
    assert len(encoded) < 240
    assert digits == math.ceil(len(encoded) * 8 * math.log10(2)) or digits == math.floor(
        len(encoded) * 8 * math.log10(2)) + 1


def test_verify_claim_passes_with_trusted_certifier() -> None:
    report = verify_claim(claim_text(), world().context(), at=AT)
    assert report.bottom_line.value == "PASSED", report.summary()
    checks = {row.check for row in report.rows}
    assert {"claim", "signature", "signer-trusted", "validity"} <= checks


def test_verify_claim_with_bundle_checks_binding() -> None:
    report = verify_claim(claim_text(), world().context(), at=AT, bundle=bundle())
    assert report.passed, report.summary()
    assert "claim_bound" in codes(report, "PASSED")
    assert "claim_agrees" in codes(report, "PASSED")
    mismatched = verify_claim(claim_text(), world().context(), at=AT, bundle=bundle("other"))
    assert mismatched.bottom_line.value == "FAILED"
    assert codes(mismatched) == ["claim_digest_mismatch"]


def test_verify_claim_untrusted_signer_and_expiry() -> None:
    stranger = world().stranger
    text = claim_to_text(sign_claim(make_claim(stranger), stranger))
    report = verify_claim(text, world().context(), at=AT)
    assert codes(report) == ["signer_untrusted"]
    late = verify_claim(claim_text(), world().context(at=AT), at=dt.datetime(
        2029, 1, 2, tzinfo=dt.UTC))
    assert "declaration_expired" in codes(late)


def test_verify_claim_bad_text_is_one_failed_row() -> None:
    report = verify_claim("HTTPS://CFL.EXAMPLE/V/42", world().context(), at=AT)
    assert report.bottom_line.value == "FAILED"
    assert len(report.rows) == 1 and report.rows[0].check == "claim"
    row = report.rows[0]
    assert row.subject == "<text>" and "<text>" not in row.message  # the file once


def test_signer_must_match_issuer() -> None:
    claim = make_claim(world().certifier)
    with pytest.raises(InputError) as info:
        sign_claim(claim, world().stranger)
    assert info.value.code == "claim_issuer_mismatch"


WORKED_EXAMPLE = (
    "d2844da201270448d481b6b4c1fb276ca05865ad010102503f1c2a9e5b7d4e8f9a0b1c2d3e4f5a6b03582082"
    "0869c29b0bdf26f147c5833f019d40912eeb13af75ee6542515f3074f1788a051b00000646d1a28ad4060107"
    "c482211915c3080409010a020b010d1a6ef953800e1a69af5f000f1a69a3818058402e300e7de62fb0385ea0"
    "36dfebfb8cd9431908186d5fd3cea7d48188cdccb5da43969f9958671becf0385cb24b6f2393f04942203e4a"
    "206acde5d03b2fd5ce07"
)


def test_worked_example_bytes() -> None:
    """The example of docs/claim-format.md §6, byte for byte (Ed25519 is deterministic)."""
    from cryptography.hazmat.primitives.asymmetric import ed25519

    from cfl.signing.jcs import sha256_digest

    signer = LocalSigner(ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(32))))
    declaration = world().declaration()
    claim = claim_from_declaration(declaration, digest=sha256_digest(declaration),
                                   issuer_kid=signer.kid, at=SIGNED_AT)
    encoded = sign_claim(claim, signer)
    assert encoded.hex() == WORKED_EXAMPLE
    assert claim_to_text(encoded).startswith("HTTPS://CFL.EXAMPLE/V/7041746105851703865946739")


def test_the_worked_example_in_the_document_is_these_bytes() -> None:
    """docs/claim-format.md §6 shows the bytes and text the test above rebuilds."""
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "claim-format.md").read_text("utf-8")
    example = doc.split("## 6. Worked example", 1)[1]
    text = claim_to_text(bytes.fromhex(WORKED_EXAMPLE))
    assert f"\n{text}\n" in example
    assert f"Its text ({len(text)} characters" in example
    assert f"The claim ({len(WORKED_EXAMPLE) // 2} bytes)" in example
    signature = WORKED_EXAMPLE[-128:]
    assert f"{signature[:64]}\n{signature[64:]}" in example


# ----------------------------------------------------------------- kid hint (ADR 0026)


def test_the_protected_header_carries_an_8_byte_kid_hint() -> None:
    signed = decode_claim_text(claim_text())
    assert signed.claim.issuer_kid_hint == b64url_decode(world().certifier.kid)[:8]
    assert len(signed.protected) == 13
    assert signed.claim.names_issuer(world().certifier.kid)
    assert not signed.claim.names_issuer(world().stranger.kid)


def test_keys_sharing_the_hint_are_all_tried_and_the_signature_decides(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Every trusted key 'collides' with the hint: the right one is still found."""
    monkeypatch.setattr(CompactClaim, "names_issuer", lambda self, kid: True)
    w = world()
    report = verify_claim(claim_text(), w.context(), at=AT)
    assert report.passed, report.summary()
    signature = next(row for row in report.rows if row.check == "signature")
    assert w.certifier.kid in signature.message
    es256 = w.certifier_es256
    text = claim_to_text(sign_claim(make_claim(es256), es256))
    es_report = verify_claim(text, w.context(), at=AT)
    assert es256.kid in next(r for r in es_report.rows if r.check == "signature").message


def test_an_untrusted_key_with_a_colliding_hint_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    stranger = world().stranger
    text = claim_to_text(sign_claim(make_claim(stranger), stranger))
    # Every listed entry shares the stranger's hint: the index finds them all as candidates.
    monkeypatch.setattr(TrustList, "with_hint", lambda self, hint: self.entries)
    report = verify_claim(text, world().context(), at=AT)
    assert report.bottom_line.value == "FAILED"
    assert codes(report) == ["signature_invalid"]


def test_a_kid_hint_of_another_length_is_refused() -> None:
    signed = decode_claim_text(claim_text())
    long_header = cbor2.dumps({1: -8, 4: b64url_decode(world().certifier.kid)}, canonical=True)
    forged = cbor2.dumps(cbor2.CBORTag(18, [long_header, {}, signed.payload,
                                            signed.signature]))
    with pytest.raises(InputError, match="first 8 bytes"):
        decode_claim(forged)


# ----------------------------------------------------------------- the two payload readers


@settings(max_examples=50, deadline=None)
@given(st.integers(min_value=0, max_value=100), st.integers(min_value=0, max_value=255))
def test_the_usual_payload_path_agrees_with_the_general_reader(position: int, value: int
                                                               ) -> None:
    """The straight-line reader of usual payloads never accepts what the general reader
    refuses, and reads the same claim where both accept (ADR 0028)."""
    from cfl.claim.decode import _read_payload, _read_usual_payload

    payload = bytearray(decode_claim_text(claim_text()).payload)
    payload[position % len(payload)] = value
    hint = b"12345678"
    usual = _read_usual_payload(bytes(payload), hint)
    try:
        general = _read_payload(bytes(payload), hint)
    except Exception:  # the general reader's own errors (turned into InputError by callers)
        assert usual is None
        return
    assert usual is None or usual == general


@settings(max_examples=50, deadline=None)
@given(st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=6,
                   allow_nan=False, allow_infinity=False),
       st.sampled_from(["A", "Ⅲ", None]), st.text(min_size=1, max_size=30),
       st.sampled_from(["urn:gtin:00000000000017", "urn:x:é", "urn:gtin:123"]),
       st.integers(min_value=0, max_value=253402300799))  # to 9999-12-31T23:59:59Z
def test_varied_claims_round_trip(value: Decimal, grade: str | None, rule_set: str,
                                  product: str, valid_from: int) -> None:
    signer = world().certifier
    claim = make_claim(signer, value=value, grade=grade, rule_set=rule_set,
                       product_id=product,
                       valid_from=dt.datetime.fromtimestamp(valid_from, dt.UTC))
    assert decode_claim(sign_claim(claim, signer)).claim == claim
