"""Claim format 2 (ADR 0142, docs/claim-format.md §7): the positional array, the 4-byte kid
hint under -19/-9, day dates rounded inward, the 16-byte binding to the certifier's JWS
signature, the status index; strict decoding and the attacks it must refuse."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import re
from pathlib import Path
from typing import Any

import cbor2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from signing_world import AT, SIGNED_AT, world

from cfl.bundle.claim import claim_binding, claim_in_bundle
from cfl.bundle.model import Bundle, parse_bundle
from cfl.bundle.sign import sign_bundle
from cfl.claim.decode import decode_claim, decode_claim_text, names_format_2
from cfl.claim.encode import normalised_product_id, sign_claim
from cfl.claim.issue import claim_differences, claim_from_declaration
from cfl.claim.model import (
    CLAIM_FORMAT_2,
    COSE_ALG_2_BY_NAME,
    COSE_ALG_BY_NAME,
    DAY_EPOCH,
    KID_HINT_BYTES_2,
    MAX_STATUS_INDEX,
    binding_digest,
    protected_bytes,
    sig_structure,
    sign1_bytes,
)
from cfl.claim.text import claim_to_text
from cfl.declaration.identifiers import gtin_check_digit_valid
from cfl.errors import CflError, InputError
from cfl.report.render import report_text
from cfl.signing.b64url import b64url_decode
from cfl.signing.jws import bundle_to_bytes
from cfl.signing.keys import LocalSigner
from cfl.trust.context import TrustContext, load_trust_context
from cfl.trust.status_list import issue_status_list
from cfl.trust.store import MemoryTrustStore
from cfl.trust.trust_list import TrustList
from cfl.verification.claim_check import verify_claim

INDEX = 42


def f2_bundle(signer: LocalSigner | None = None, *, index: int = INDEX,
              declaration: dict[str, Any] | None = None) -> Bundle:
    w = world()
    signed = sign_bundle(declaration or w.declaration(), signer or w.certifier,
                         role="certifier", at=SIGNED_AT, status_index=index)
    return parse_bundle(bundle_to_bytes(signed))


def f2_claim(signer: LocalSigner | None = None, **options: Any) -> bytes:
    return claim_in_bundle(f2_bundle(signer, **options)).encoded


def context(*, revoked: tuple[int, ...] = ()) -> TrustContext:
    """The test world's trust inputs with C1's and C2's status lists."""
    w = world()
    lists = [bundle_to_bytes(issue_status_list(signer, size=1024, revoked=revoked, version=1,
                                               at=SIGNED_AT, next_update=dt.timedelta(days=90)))
             for signer in (w.certifier, w.certifier_es256)]
    return load_trust_context(w.trust_list, anchor=w.operator.public_key, at=AT,
                              store=MemoryTrustStore(), revocations=(w.revocations,),
                              status_lists=lists)


def codes(report: Any) -> list[str]:
    return [row.code for row in report.rows if row.status.value != "PASSED"]


def resign(payload: bytes, *, alg: int = COSE_ALG_2_BY_NAME["EdDSA"],
           kid: bytes | None = None, signer: LocalSigner | None = None) -> bytes:
    """A claim with ``payload`` under ``{1: alg, 4: kid}``, correctly signed (C1 by
    default), so that only the payload or header decides."""
    signer = signer or world().certifier
    kid = b64url_decode(signer.kid)[:KID_HINT_BYTES_2] if kid is None else kid
    protected = protected_bytes(alg, kid)
    return sign1_bytes(protected, payload, signer.sign(sig_structure(protected, payload)))


def items() -> list[Any]:
    value = cbor2.loads(decode_claim(f2_claim()).payload)
    assert isinstance(value, list)
    return value


def changed(index: int, value: Any) -> bytes:
    new = items()
    new[index] = value
    return cbor2.dumps(new, canonical=True)


def refused(data: bytes) -> InputError:
    with pytest.raises(InputError) as caught:
        decode_claim(data)
    return caught.value


# --------------------------------------------------------------------------- codec


@pytest.mark.parametrize(("alg", "cose"), [("EdDSA", -19), ("ES256", -9)])
def test_a_format_2_claim_round_trips_under_the_fully_specified_algorithm(
        alg: str, cose: int) -> None:
    w = world()
    signer = w.certifier if alg == "EdDSA" else w.certifier_es256
    bundle = f2_bundle(signer)
    signed = claim_in_bundle(bundle)
    assert signed.claim.version == CLAIM_FORMAT_2 and signed.cose_alg == cose
    assert signed.alg == alg and signed.signature_valid(signer.public_key)
    assert cbor2.loads(signed.protected) == {1: cose, 4: b64url_decode(signer.kid)[:4]}
    decoded = decode_claim_text(signed.to_text())
    assert decoded.claim == signed.claim
    claim = decoded.claim
    assert claim.declaration_id is None and claim.status_index == INDEX
    assert len(claim.digest) == 16 and len(claim.issuer_kid_hint) == 4
    assert claim.product_id == "urn:gtin:06901234567892"
    assert claim.issued_at == SIGNED_AT
    signature = b64url_decode(bundle.signatures[0].to_json()["signature"])
    assert claim.digest == binding_digest(bundle.digest, signature)
    assert claim.digest == hashlib.sha256(b"cfl-claim-2" + bundle.digest
                                          + signature).digest()[:16]


def test_the_array_holds_14_items_in_the_documented_order() -> None:
    assert items() == [
        2, items()[1], bytes.fromhex("0646d1a28ad4"), 1, items()[4], 4, 1, 2, 1, None,
        (SIGNED_AT - DAY_EPOCH).days, -9, 1027, INDEX]
    assert str(items()[4]) == "55.71"


def test_without_a_status_index_the_library_keeps_issuing_format_1() -> None:
    w = world()
    signed = claim_in_bundle(parse_bundle(w.bundle_bytes()))
    assert signed.claim.version == 1 and signed.cose_alg == -8
    assert signed.claim.status_index is None and signed.claim.declaration_id is not None


def test_a_graded_gtin_13_claim_is_far_smaller_than_format_1() -> None:
    w = world()
    declaration = w.declaration()
    declaration["productIds"] = ["urn:gtin:6901234567892"]
    format_1 = claim_from_declaration(declaration, digest=bytes(32), issuer_kid=w.certifier.kid,
                                      at=SIGNED_AT)
    format_2 = claim_from_declaration(declaration, digest=bytes(32), issuer_kid=w.certifier.kid,
                                      at=SIGNED_AT, status_index=123_456, signature=bytes(64))
    size_1 = len(sign_claim(dataclasses.replace(format_1, grade="A"), w.certifier))
    size_2 = len(sign_claim(dataclasses.replace(format_2, grade="A"), w.certifier))
    assert size_2 <= 134 < 186 <= size_1


@pytest.mark.parametrize(("start", "end", "valid_from", "valid_until"), [
    ("2026-03-01T00:00:00Z", "2028-12-31T00:00:00Z", "2026-03-01", "2028-12-31"),
    ("2026-03-01T00:00:01Z", "2028-12-31T23:59:59Z", "2026-03-02", "2028-12-31"),
    ("2026-03-01T12:00:00+08:00", "2028-12-31T06:00:00-05:00", "2026-03-02", "2028-12-31"),
])
def test_days_are_rounded_inward(start: str, end: str, valid_from: str,
                                 valid_until: str) -> None:
    declaration = world().declaration()
    declaration.update(validityPeriodStart=start, validityPeriodEnd=end)
    claim = decode_claim(f2_claim(declaration=declaration)).claim
    assert claim.valid_from == dt.datetime.fromisoformat(valid_from).replace(tzinfo=dt.UTC)
    assert claim.valid_until == dt.datetime.fromisoformat(valid_until).replace(tzinfo=dt.UTC)
    assert claim_differences(claim, declaration) == []


def test_a_validity_shorter_than_a_whole_day_cannot_be_carried() -> None:
    declaration = world().declaration()
    declaration.update(validityPeriodStart="2026-03-01T01:00:00Z",
                       validityPeriodEnd="2026-03-01T23:00:00Z")
    with pytest.raises(InputError) as caught:
        f2_bundle(declaration=declaration)
    assert caught.value.code == "claim_field_invalid"


def test_the_issue_day_is_the_signing_day_floor() -> None:
    w = world()
    signed = sign_bundle(w.declaration(), w.certifier, role="certifier",
                         at=SIGNED_AT + dt.timedelta(hours=23, minutes=59), status_index=1)
    claim = claim_in_bundle(parse_bundle(bundle_to_bytes(signed))).claim
    assert claim.issued_at == SIGNED_AT


@pytest.mark.parametrize(("product", "expected"), [
    ("urn:gtin:6901234567892", "urn:gtin:06901234567892"),
    ("urn:gtin:96385074", "urn:gtin:00000096385074"),
    ("urn:gtin:036000291452", "urn:gtin:00036000291452"),
    ("urn:gtin:10614141000415", "urn:gtin:10614141000415"),
    ("urn:example:sku:17", "urn:example:sku:17"),
])
def test_gtins_are_normalised_to_gtin_14_bytes(product: str, expected: str) -> None:
    declaration = world().declaration()
    declaration["productIds"] = [product]
    claim = decode_claim(f2_claim(declaration=declaration)).claim
    assert claim.product_id == expected == normalised_product_id(product)
    assert claim_differences(claim, declaration) == []


def test_a_gtin_urn_with_a_wrong_check_digit_cannot_be_carried() -> None:
    w = world()
    declaration = w.declaration()
    declaration["productIds"] = ["urn:gtin:6901234567893"]
    with pytest.raises(InputError) as caught:
        claim_from_declaration(declaration, digest=bytes(32), issuer_kid=w.certifier.kid,
                               at=SIGNED_AT, status_index=1, signature=bytes(64))
    assert caught.value.code == "claim_field_invalid"
    assert not gtin_check_digit_valid("6901234567893")


@given(st.sampled_from([8, 12, 13, 14]).flatmap(
    lambda n: st.text(alphabet="0123456789", min_size=n, max_size=n)))
def test_the_check_digit_is_gs1s(digits: str) -> None:
    """GS1: weights 3, 1, 3, … from the digit next to the check digit, for every length."""
    body = [int(d) for d in reversed(digits[:-1])]
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(body))
    assert gtin_check_digit_valid(digits) is ((10 - total % 10) % 10 == int(digits[-1]))
    assert gtin_check_digit_valid("96385074") and gtin_check_digit_valid("4006381333931")


def test_a_status_index_must_be_below_2_27() -> None:
    with pytest.raises(InputError) as caught:
        f2_bundle(index=MAX_STATUS_INDEX)
    assert caught.value.code == "claim_field_invalid"
    assert decode_claim(f2_claim(index=MAX_STATUS_INDEX - 1)).claim.status_index == 2**27 - 1


def test_format_2_needs_the_signature_to_bind_to() -> None:
    w = world()
    with pytest.raises(InputError) as caught:
        claim_from_declaration(w.declaration(), digest=bytes(32), issuer_kid=w.certifier.kid,
                               at=SIGNED_AT, status_index=1)
    assert caught.value.code == "claim_field_missing"


# --------------------------------------------------------------------------- strict decoding


@pytest.mark.parametrize(("name", "payload", "code"), [
    ("13 items", lambda: cbor2.dumps(items()[:13], canonical=True), "bad_claim"),
    ("15 items", lambda: cbor2.dumps([*items(), 0], canonical=True), "bad_claim"),
    ("indefinite array", lambda: b"\x9f" + cbor2.dumps(items(), canonical=True)[1:] + b"\xff",
     "claim_not_deterministic"),
    ("non-shortest status index",
     lambda: cbor2.dumps(items(), canonical=True)[:-2] + b"\x19\x00\x2a",
     "claim_not_deterministic"),
    ("version 3", lambda: changed(0, 3), "bad_claim_version"),
    ("binding of 32 bytes", lambda: changed(1, bytes(32)), "bad_claim"),
    ("binding as text", lambda: changed(1, "x" * 16), "bad_claim"),
    ("GTIN of 7 bytes", lambda: changed(2, bytes(1) + items()[2]), "bad_claim"),
    ("GTIN of 5 bytes", lambda: changed(2, items()[2][1:]), "bad_claim"),
    ("GTIN check digit", lambda: changed(2, (int.from_bytes(items()[2], "big") + 1)
                                         .to_bytes(6, "big")), "bad_claim"),
    ("GTIN of 15 digits", lambda: changed(2, (10**14 + 7).to_bytes(6, "big")), "bad_claim"),
    ("GTIN as text", lambda: changed(2, "urn:gtin:06901234567892"), "bad_claim"),
    ("empty product", lambda: changed(2, ""), "bad_claim"),
    ("coded category as text", lambda: changed(3, "lithium-ion-battery"), "bad_claim"),
    ("unknown category code", lambda: changed(3, 99), "bad_claim"),
    ("float value", lambda: changed(4, 55.71), "bad_claim"),
    ("non-normalised decimal", lambda: cbor2.dumps(items(), canonical=True).replace(
        bytes.fromhex("c482211915c3"), bytes.fromhex("c482221959ce")), "bad_claim"),
    ("zero unit amount", lambda: changed(6, 0), "bad_claim"),
    ("boundary as text", lambda: changed(7, "cradle-to-gate"), "bad_claim"),
    ("unknown boundary", lambda: changed(7, 9), "bad_claim"),
    ("grade of 21 characters", lambda: changed(9, "A" * 21), "bad_claim"),
    ("grade false", lambda: changed(9, False), "bad_claim"),
    ("far-future issue day", lambda: changed(10, 2**20), "bad_claim"),
    ("negative issue day", lambda: changed(10, -1), "bad_claim"),
    ("valid from 2^16 days back", lambda: changed(11, -(2**16)), "bad_claim"),
    ("valid until 2^16 days on", lambda: changed(12, 2**16), "bad_claim"),
    ("empty validity", lambda: changed(12, items()[11]), "bad_claim"),
    ("validity before 2020", lambda: changed(11, -3000), "bad_claim"),
    ("status index 2^27", lambda: changed(13, 2**27), "bad_claim"),
    ("negative status index", lambda: changed(13, -1), "bad_claim"),
    ("status index as text", lambda: changed(13, "42"), "bad_claim"),
    ("bytes after the array", lambda: cbor2.dumps(items(), canonical=True) + b"\x00",
     "bad_claim"),
])
def test_the_decoder_refuses(name: str, payload: Any, code: str) -> None:
    error = refused(resign(payload()))
    assert error.code == code, (name, error)


@pytest.mark.parametrize("cut", [1, 2, 3, 5, 10, 20, 40])
def test_truncated_arrays_are_bad_claims_never_crashes(cut: int) -> None:
    data = cbor2.dumps(items(), canonical=True)
    assert refused(resign(data[:-cut])).code == "bad_claim"


def test_a_format_2_payload_under_a_format_1_algorithm_is_refused() -> None:
    payload = cbor2.dumps(items(), canonical=True)
    kid8 = b64url_decode(world().certifier.kid)[:8]
    error = refused(resign(payload, alg=COSE_ALG_BY_NAME["EdDSA"], kid=kid8))
    assert error.code == "bad_claim" and "format-2 payload" in error.message


def test_a_format_1_map_under_a_format_2_algorithm_is_refused() -> None:
    format_1 = claim_in_bundle(parse_bundle(world().bundle_bytes()))
    error = refused(resign(format_1.payload))
    assert error.code == "bad_claim" and "format-1 payload" in error.message


def test_an_8_byte_hint_under_minus_19_is_refused() -> None:
    payload = cbor2.dumps(items(), canonical=True)
    error = refused(resign(payload, kid=b64url_decode(world().certifier.kid)[:8]))
    assert error.code == "bad_claim" and "4 bytes" in error.message


def test_a_4_byte_hint_under_minus_8_is_refused() -> None:
    format_1 = claim_in_bundle(parse_bundle(world().bundle_bytes()))
    error = refused(resign(format_1.payload, alg=-8))
    assert error.code == "bad_claim" and "8 bytes" in error.message


def test_an_unknown_algorithm_names_the_format_2_ones() -> None:
    error = refused(resign(cbor2.dumps(items(), canonical=True), alg=-3))
    assert error.code == "bad_claim_alg" and "-19" in error.message


@settings(max_examples=60, deadline=None)
@given(st.binary(min_size=0, max_size=80))
def test_any_array_payload_is_a_clean_outcome(tail: bytes) -> None:
    with contextlib.suppress(CflError):
        decode_claim(resign(b"\x8e\x02" + tail))


# --------------------------------------------------------------------------- verification


def test_a_format_2_claim_verifies_with_its_bundle_and_names_its_status_index() -> None:
    bundle = f2_bundle()
    report = verify_claim(claim_in_bundle(bundle).encoded, context(), at=AT, bundle=bundle)
    assert report.passed, report.summary()
    assert "claim_bound" in [row.code for row in report.rows]
    alone = verify_claim(claim_in_bundle(bundle).encoded, context(), at=AT)
    assert alone.passed, alone.summary()
    assert alone.facts is not None
    assert alone.facts.declaration_id is None and alone.facts.status_index == INDEX
    assert alone.facts.to_json(verified=True)["statusIndex"] == INDEX
    assert f"status index {INDEX}" in report_text(alone)


def test_a_format_2_claim_is_revoked_by_its_status_index() -> None:
    report = verify_claim(f2_claim(), context(revoked=(INDEX,)), at=AT)
    assert report.bottom_line.value == "FAILED" and "revoked" in codes(report)


def test_a_format_2_claim_with_another_bundle_is_a_digest_mismatch() -> None:
    other = world().declaration()
    other["pcf"] = {**other["pcf"], "pcfExcludingBiogenicUptake": "55.72"}
    report = verify_claim(f2_claim(), context(), at=AT, bundle=f2_bundle(declaration=other))
    assert codes(report) == ["claim_digest_mismatch"]


def test_a_binding_computed_without_the_signature_is_refused() -> None:
    bundle = f2_bundle()
    forged = resign(changed(1, hashlib.sha256(b"cfl-claim-2" + bundle.digest).digest()[:16]))
    report = verify_claim(forged, context(), at=AT, bundle=bundle)
    assert codes(report) == ["claim_digest_mismatch"]


def test_a_format_1_digest_swapped_in_is_refused() -> None:
    bundle = f2_bundle()
    truncated = verify_claim(resign(changed(1, bundle.digest[:16])), context(), at=AT,
                             bundle=bundle)
    assert codes(truncated) == ["claim_digest_mismatch"]
    assert refused(resign(changed(1, bundle.digest))).code == "bad_claim"


def test_the_binding_is_to_the_signature_of_the_claims_own_issuer(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Another trusted certifier whose kid hint collides (every entry collides here)
    re-signs C1's claim for C1's bundle: its signature verifies, but the bundle holds no
    signature of its key, so the claim is not bound."""
    w = world()
    monkeypatch.setattr(TrustList, "with_hint", lambda self, hint: self.entries)
    bundle = f2_bundle()
    original = claim_in_bundle(bundle)
    copied = resign(original.payload, kid=original.claim.issuer_kid_hint,
                    signer=w.certifier_es256, alg=COSE_ALG_2_BY_NAME["ES256"])
    report = verify_claim(copied, context(), at=AT, bundle=bundle)
    assert "signature_valid" in [row.code for row in report.rows]
    assert codes(report) == ["claim_digest_mismatch"]
    signed = decode_claim(copied)
    assert not claim_binding(signed, bundle, issuer_kid=w.certifier_es256.kid).bound
    assert claim_binding(signed, bundle, issuer_kid=w.certifier.kid).bound
    # the hint alone (no trust list to name the issuer) still needs a certifier signature
    # whose kid starts with it
    assert claim_binding(signed, bundle).bound


def test_a_stranger_reusing_the_hint_fails_on_the_signature() -> None:
    bundle = f2_bundle()
    original = claim_in_bundle(bundle)
    forged = resign(original.payload, kid=original.claim.issuer_kid_hint,
                    signer=world().stranger)
    report = verify_claim(forged, context(), at=AT, bundle=bundle)
    assert codes(report)[0] == "signature_invalid"


def test_a_manufacturer_signature_is_never_what_a_claim_binds_to() -> None:
    w = world()
    cosigned = sign_bundle(w.declaration(), w.other_certifier, role="manufacturer",
                           at=SIGNED_AT)
    bundle = parse_bundle(bundle_to_bytes(cosigned))
    entry = bundle.signatures[0]
    claim = claim_from_declaration(w.declaration(), digest=bundle.digest,
                                   issuer_kid=w.other_certifier.kid, at=SIGNED_AT,
                                   status_index=3, signature=entry.signature)
    signed = decode_claim(sign_claim(claim, w.other_certifier))
    assert not claim_binding(signed, bundle).bound


def test_a_claim_with_its_bundle_agrees_field_for_field() -> None:
    bundle = f2_bundle()
    claim = claim_in_bundle(bundle).claim
    assert claim_differences(claim, bundle.declaration) == []
    moved = dataclasses.replace(claim, valid_until=claim.valid_until + dt.timedelta(days=1))
    assert claim_differences(moved, bundle.declaration) == ["valid_until"]


def test_far_future_days_are_refused_before_any_date_arithmetic() -> None:
    error = refused(resign(changed(10, 2**32)))
    assert error.code == "bad_claim" and error.location == "payload item 10"


def test_the_claim_text_keeps_its_shape() -> None:
    text = claim_to_text(f2_claim())
    assert text.startswith("HTTPS://CFL.EXAMPLE/V/") and text.rsplit("/", 1)[1].isdigit()
    assert decode_claim_text(text).claim.version == 2


# --------------------------------------------------------------------------- the worked example

ROOT = Path(__file__).resolve().parents[2]


def _hex_blocks(section: str) -> list[str]:
    """The hex of every fenced block of ``section`` (annotations after the bytes dropped)."""
    blocks = re.findall(r"```\n(.*?)```", section, re.S)
    return ["".join(re.findall(r"\b[0-9a-f]{2,}\b", "\n".join(
        line.strip().split("  ")[0] for line in block.splitlines()))) for block in blocks]


def test_the_worked_example_is_the_published_vector() -> None:
    doc = (ROOT / "docs" / "claim-format.md").read_text(encoding="utf-8")
    section = doc[doc.index("### 7.5 Worked example"):]
    text = (ROOT / "tests" / "vectors" / "claims" / "f2-eddsa-valid.txt").read_text().strip()
    assert text in section
    signed = decode_claim_text(text)
    bundle = parse_bundle((ROOT / "tests" / "vectors" / "bundles" /
                           "f2-eddsa-valid.json").read_bytes())
    assert claim_binding(signed, bundle).bound
    blocks = _hex_blocks(section)
    jws_signature = bundle.signatures[0].signature
    assert blocks[0] == jws_signature.hex()
    assert binding_digest(bundle.digest, jws_signature).hex() in section
    assert blocks[1] == signed.protected.hex()
    assert blocks[2] == signed.payload.hex()
    assert blocks[3] == signed.signature.hex()
    assert f"({len(signed.encoded)} bytes" in section and f"({len(text)} characters" in section


def test_the_trust_lists_hint_index_answers_a_4_byte_hint() -> None:
    w = world()
    trust_list = context().trust_list
    assert trust_list is not None
    hint = decode_claim(f2_claim()).claim.issuer_kid_hint
    assert [entry.kid for entry in trust_list.with_hint(hint)] == [w.certifier.kid]
    assert trust_list.with_hint(b64url_decode(w.certifier.kid)[:8])[0].kid == w.certifier.kid


def test_a_one_byte_look_tells_a_format_1_claim_and_never_refuses_anything_else() -> None:
    """Bundle verification skips decoding a format-1 claim (it has no status index) by one
    byte of its protected header; anything else, malformed included, is left to decode."""
    w = world()
    for index, expected in ((None, False), (3, True)):
        bundle = sign_bundle(w.declaration(), w.certifier, role="certifier", at=SIGNED_AT,
                             status_index=index)
        claim = claim_in_bundle(parse_bundle(bundle_to_bytes(bundle)))
        assert names_format_2(claim.encoded) is expected
    assert names_format_2(b"") and names_format_2(b"\xd2\x84\x4d\xa2\x02\x27")


# ----------------------------------------------------------------- the two payload readers

def _both_readers(payload: bytes) -> None:
    """The straight-line reader never accepts what the general reader refuses, and reads
    the same claim where both accept (ADR 0028)."""
    from cfl.claim.decode import _read_array_payload, _read_usual_array_payload

    hint = b"1234"
    usual = _read_usual_array_payload(payload, hint)
    try:
        general = _read_array_payload(payload, hint)
    except Exception:  # the general reader's own errors (InputError for callers)
        assert usual is None, payload.hex()
        return
    assert usual is None or usual == general, payload.hex()


def test_the_usual_reader_reads_the_claims_cfl_writes() -> None:
    from cfl.claim.decode import _read_usual_array_payload

    payload = decode_claim(f2_claim()).payload
    assert _read_usual_array_payload(payload, b"1234") is not None
    _both_readers(payload)


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=200), st.integers(min_value=0, max_value=255),
       st.integers(min_value=0, max_value=3))
def test_the_usual_array_reader_agrees_with_the_general_one_byte_by_byte(
        position: int, value: int, more: int) -> None:
    payload = bytearray(decode_claim(f2_claim()).payload)
    payload[position % len(payload)] = value
    if more:  # a byte inserted or removed as well
        at = (position * 7 + more) % len(payload)
        payload[at:at] = b"" if more == 1 else bytes([value ^ more])
        if more == 3:
            del payload[at]
    _both_readers(bytes(payload))


#: Integers around every head boundary and every bound of the days and the index.
_EDGES = [0, 1, 23, 24, 25, 255, 256, 257, 65535, 65536, 2**20 - 1, 2**20, 2**27 - 1, 2**27,
          -1, -24, -25, -256, -257, -65536, -65537, -2**17, 2_916_000, 2_917_000]


def _integer_with_head(value: int, size: int) -> bytes:
    """``value`` (major type 0 or 1) with an argument of ``size`` bytes (0: in the initial
    byte), shortest or not."""
    major, argument = (0, value) if value >= 0 else (0x20, -1 - value)
    if size == 0:
        return bytes([major + argument])
    return bytes([major + 0x17 + size.bit_length()]) + argument.to_bytes(size, "big")


@settings(max_examples=400, deadline=None)
@given(st.integers(min_value=10, max_value=13),
       st.sampled_from(_EDGES) | st.integers(min_value=-70_000, max_value=70_000),
       st.sampled_from([0, 1, 2, 4]))
def test_the_usual_array_reader_agrees_on_days_and_indexes(item: int, value: int,
                                                           size: int) -> None:
    """Every day, offset and index, in its shortest head and in longer ones."""
    argument = value if value >= 0 else -1 - value
    if argument >= 256 ** size and size < 4 and not (size == 0 and argument < 24):
        size = 4 if argument >= 65536 else 2 if argument >= 256 else 1
    if size == 0 and argument >= 24:
        size = 1
    if argument >= 2**32:
        return
    new = items()
    new[item] = 0
    encoded = cbor2.dumps(new, canonical=True)
    tail = b"".join(cbor2.dumps(v, canonical=True) for v in new[item + 1:])
    head = encoded[:len(encoded) - len(tail) - 1]
    _both_readers(head + _integer_with_head(value, size) + tail)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=13),
       st.one_of(st.none(), st.booleans(), st.integers(min_value=-2**70, max_value=2**70),
                 st.text(max_size=30), st.binary(max_size=20), st.floats(allow_nan=False),
                 st.decimals(allow_nan=False, allow_infinity=False, places=3)))
def test_the_usual_array_reader_agrees_on_any_item(item: int, value: Any) -> None:
    try:
        payload = changed(item, value)
    except (cbor2.CBOREncodeError, ValueError, OverflowError):
        return
    _both_readers(payload)


@pytest.mark.parametrize("changes", [
    {9: ""}, {9: "A" * 20}, {9: "A" * 21}, {9: "优"}, {9: "优" * 7},
    {10: -1, 11: 5, 12: 10}, {10: 0, 11: 0, 12: 1}, {10: 0, 11: -1, 12: 1},
    {11: 7, 12: 7}, {11: 8, 12: 7}, {11: -65536, 12: 65535}, {11: -65537, 12: 1},
    {13: -1}, {13: 0}, {13: 65535}, {13: 65536}, {3: 23}, {5: 23}, {7: 23}, {8: 23},
    {6: 0}, {6: -1},
], ids=str)
def test_the_usual_array_reader_agrees_at_the_edges(changes: dict[int, Any]) -> None:
    new = items()
    for index, value in changes.items():
        new[index] = value
    _both_readers(cbor2.dumps(new, canonical=True))
