"""Signed bundles: structure, JCS payload, signing rules, parsing bounds, JOSE interop."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from jwcrypto import jwk, jws
from shared_reference import reference_files
from signing_world import FIXTURE, SIGNED_AT, world

from cfl.bundle.model import parse_bundle
from cfl.bundle.sign import sign_bundle
from cfl.errors import InputError, InvalidDeclarationError
from cfl.io.jsonio import load_json_file
from cfl.signing.b64url import b64url_decode, b64url_encode
from cfl.signing.jcs import canonical_bytes
from cfl.signing.jws import (
    MAX_BUNDLE_BYTES,
    ROLE_HEADER,
    TYP_DECLARATION,
    bundle_to_bytes,
    header_problem,
)
from cfl.signing.keys import JWS_ALG_BY_KEY_ALG, LocalSigner


def _test_declarations() -> list[Any]:
    fixtures = sorted((FIXTURE.parent).glob("*.json"))
    return fixtures + reference_files("pact/v3.0.3/examples", "example-*.json")


@pytest.mark.parametrize("path", _test_declarations(), ids=lambda p: p.name)
def test_jcs_bytes_equal_the_rfc8785_package(path: Path) -> None:
    value = load_json_file(path)
    # The reference: rfc8785 over the same document parsed the ordinary way.
    expected = rfc8785.dumps(json.loads(path.read_bytes()))
    assert canonical_bytes(value) == expected


def test_a_signed_bundle_has_the_agreed_shape() -> None:
    w = world()
    bundle = w.bundle()
    assert set(bundle) == {"declaration", "signatures"}
    assert bundle["declaration"] == w.declaration()
    (entry,) = bundle["signatures"]
    assert set(entry) == {"protected", "header", "signature"}
    assert set(entry["header"]) == {"cfl.claim"}  # the certifier's QR claim (ADR 0025)
    header = json.loads(b64url_decode(entry["protected"]))
    assert header == {"alg": "Ed25519", "kid": w.certifier.kid, "typ": TYP_DECLARATION,
                      "iat": int(SIGNED_AT.timestamp()), ROLE_HEADER: "certifier"}
    assert len(b64url_decode(entry["signature"])) == 64


def test_parse_bundle_gives_payload_digest_and_entries() -> None:
    w = world()
    parsed = parse_bundle(w.bundle_bytes(), source="b.json")
    assert parsed.payload == canonical_bytes(w.declaration())
    import hashlib

    assert parsed.digest == hashlib.sha256(parsed.payload).digest()
    (entry,) = parsed.signatures
    assert (entry.alg, entry.kid, entry.role) == ("Ed25519", w.certifier.kid, "certifier")
    assert entry.signed_at == SIGNED_AT
    assert w.certifier.public_key.verify(entry.signature, entry.signing_input(parsed.payload))
    assert header_problem(entry, typ=TYP_DECLARATION) is None


def test_signing_a_bundle_adds_a_signature_and_keeps_the_declaration() -> None:
    w = world()
    first = w.bundle(w.certifier, role="manufacturer")
    as_written = json.loads(bundle_to_bytes(first))
    second = sign_bundle(as_written, w.certifier_es256, role="certifier",
                         at=SIGNED_AT + dt.timedelta(hours=1))
    assert second["declaration"] == first["declaration"]
    assert second["signatures"][0] == first["signatures"][0]
    assert len(second["signatures"]) == 2
    parsed = parse_bundle(bundle_to_bytes(second))
    assert [e.role for e in parsed.signatures] == ["manufacturer", "certifier"]


def test_the_same_key_and_role_cannot_sign_twice() -> None:
    w = world()
    with pytest.raises(InputError) as info:
        sign_bundle(w.bundle(), w.certifier, role="certifier", at=SIGNED_AT)
    assert info.value.code == "already_signed"


def test_an_invalid_declaration_is_not_signed() -> None:
    w = world()
    declaration = w.declaration()
    del declaration["pcf"]["declaredUnitAmount"]
    with pytest.raises(InvalidDeclarationError):
        sign_bundle(declaration, w.certifier, role="certifier", at=SIGNED_AT)


def test_an_unknown_role_is_refused() -> None:
    with pytest.raises(InputError) as info:
        sign_bundle(world().declaration(), world().certifier, role="notary", at=SIGNED_AT)
    assert info.value.code == "bad_role"


def test_decimal_numbers_survive_writing_and_reading() -> None:
    w = world()
    declaration = w.declaration()
    declaration["extensions"][0]["data"]["electricity"]["factorYear"] = 2021
    bundle = sign_bundle(declaration, w.certifier, role="certifier", at=SIGNED_AT)
    data = bundle_to_bytes(bundle)
    assert parse_bundle(data).payload == canonical_bytes(declaration)


@pytest.mark.parametrize(("mutate", "code"), [
    (lambda b: b.update(extra=1), "bad_bundle"),
    (lambda b: b.update(signatures={}), "bad_bundle"),
    (lambda b: b.update(declaration=[]), "bad_bundle"),
    (lambda b: b["signatures"][0].update(payload="e30"), "attached_payload"),
    (lambda b: b["signatures"][0].update(signature="a+b/"), "bad_base64url"),
    (lambda b: b["signatures"][0].update(protected="e30"), "bad_header"),
    (lambda b: b["signatures"][0].update(protected=b64url_encode(b"[1]")), "bad_header"),
    (lambda b: b["signatures"].extend([b["signatures"][0]] * 16), "too_many_signatures"),
    (lambda b: b["signatures"][0].update(header={"kid": "x"}), "bad_header"),
])
def test_structural_problems_are_input_errors(mutate: Any, code: str) -> None:
    bundle = world().bundle()
    mutate(bundle)
    with pytest.raises(InputError) as info:
        parse_bundle(bundle_to_bytes(bundle), source="b.json")
    assert info.value.code == code
    assert str(info.value).startswith("b.json: $")


def test_the_size_bound_is_one_mebibyte() -> None:
    with pytest.raises(InputError) as info:
        parse_bundle(b" " * (MAX_BUNDLE_BYTES + 1))
    assert info.value.code == "too_large"


# ----------------------------------------------------------------- interoperability


@pytest.mark.parametrize("alg", ["EdDSA", "ES256"])
def test_an_independent_jose_library_verifies_our_signatures(alg: str) -> None:
    signer = LocalSigner.generate(alg)
    bundle = sign_bundle(world().declaration(), signer, role="certifier", at=SIGNED_AT)
    data = json.loads(bundle_to_bytes(bundle))
    payload = rfc8785.dumps(data["declaration"])  # re-attach the JCS payload
    general = {"payload": b64url_encode(payload), "signatures": data["signatures"]}
    token = jws.JWS()
    token.deserialize(json.dumps(general))
    token.verify(jwk.JWK(**signer.public_key.jwk), alg=JWS_ALG_BY_KEY_ALG[alg])
    assert token.payload == payload
    with pytest.raises(jws.InvalidJWSSignature):
        other = jws.JWS()
        general["payload"] = b64url_encode(payload.replace(b"Illustrative", b"Xllustrative"))
        other.deserialize(json.dumps(general))
        other.verify(jwk.JWK(**signer.public_key.jwk), alg=JWS_ALG_BY_KEY_ALG[alg])


def test_new_signatures_carry_the_fully_specified_algorithm() -> None:
    """RFC 9864: a new Ed25519 signature says ``Ed25519``, not the polymorphic ``EdDSA``."""
    w = world()
    bundle = sign_bundle(w.declaration(), w.certifier, role="certifier", at=SIGNED_AT)
    header = json.loads(b64url_decode(bundle["signatures"][0]["protected"]))
    assert header["alg"] == "Ed25519"
    es256 = LocalSigner.generate("ES256")
    bundle = sign_bundle(w.declaration(), es256, role="certifier", at=SIGNED_AT)
    assert json.loads(b64url_decode(bundle["signatures"][0]["protected"]))["alg"] == "ES256"


@pytest.mark.parametrize("alg", ["EdDSA", "Ed25519"])
def test_we_verify_a_signature_made_by_an_independent_jose_library(alg: str) -> None:
    """Both the fully-specified ``Ed25519`` and the older ``EdDSA`` verify."""
    key = jwk.JWK.generate(kty="OKP", crv="Ed25519")
    public = json.loads(key.export_public())
    from cfl.signing.keys import PublicKey

    ours = PublicKey.from_jwk(public)
    declaration = world().declaration()
    token = jws.JWS(canonical_bytes(declaration))
    header = {"alg": alg, "kid": ours.kid, "typ": TYP_DECLARATION, "iat": 1773100800,
              ROLE_HEADER: "certifier"}
    token.add_signature(key, alg=alg, protected=json.dumps(header))
    general = json.loads(token.serialize())
    entry = {"protected": general["protected"], "signature": general["signature"]}
    parsed = parse_bundle(bundle_to_bytes({"declaration": declaration, "signatures": [entry]}))
    (signature,) = parsed.signatures
    assert ours.verify(signature.signature, signature.signing_input(parsed.payload))


def test_a_far_future_declaration_still_gets_its_claim(battery_declaration: dict[str, Any]
                                                        ) -> None:
    """Its default validity end (reference end + 3 years) leaves the calendar: the claim says
    the last representable instant instead of silently not being issued."""
    import datetime as dt

    from cfl.bundle.claim import claim_in_bundle
    from cfl.signing.keys import LocalSigner
    from cfl.timeutil import END_OF_CALENDAR

    battery_declaration["pcf"]["referencePeriodStart"] = "9997-01-01T00:00:00Z"
    battery_declaration["pcf"]["referencePeriodEnd"] = "9998-01-01T00:00:00Z"
    battery_declaration["validityPeriodStart"] = "9998-01-01T00:00:00Z"
    del battery_declaration["validityPeriodEnd"]
    signer = LocalSigner.generate()
    bundle = sign_bundle(battery_declaration, signer, role="certifier",
                         at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC))
    claim = claim_in_bundle(parse_bundle(bundle_to_bytes(bundle)), source="t").claim
    assert claim.valid_until == END_OF_CALENDAR


def test_fractional_validity_seconds_still_bind_the_claim(battery_declaration: dict[str, Any]
                                                          ) -> None:
    """The claim carries whole seconds; a declaration with fractions must still agree."""
    import datetime as dt

    from cfl.bundle.claim import claim_in_bundle
    from cfl.signing.keys import LocalSigner

    battery_declaration["validityPeriodEnd"] = "2028-12-31T00:00:00.750Z"
    bundle = sign_bundle(battery_declaration, LocalSigner.generate(), role="certifier",
                         at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC))
    claim = claim_in_bundle(parse_bundle(bundle_to_bytes(bundle)), source="t").claim
    assert claim.valid_until == dt.datetime(2028, 12, 31, tzinfo=dt.UTC)
