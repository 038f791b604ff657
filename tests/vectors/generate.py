"""Regenerate the published test vectors in this folder, deterministically, from fixed keys.

    python3 tests/vectors/generate.py          # rewrite every file of the set
    python3 tests/vectors/generate.py --check  # exit 1 if a committed file differs

Every key comes from a fixed seed (Ed25519) or a fixed private scalar (ES256) written in
``keys/private-test-keys.json``: they are PUBLISHED TEST KEYS, never to be trusted for
anything. Ed25519 signatures are deterministic by design (RFC 8032); ES256 signatures are made
with deterministic ECDSA (RFC 6979, ``cryptography``'s ``deterministic_signing``), so the
whole set, ES256 included, is byte-for-byte reproducible. A verifier accepts any valid
ES256 signature; only this generator depends on RFC 6979.

The expected outcome of every vector is written here by hand (``expect``), never computed by
running the verifier: ``tests/test_vectors.py`` checks the library against it.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import hmac
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cbor2
import yaml
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import (
    encode_dss_signature,
)

from cfl.bundle.claim import claim_in_bundle
from cfl.bundle.model import parse_bundle
from cfl.bundle.sign import sign_bundle
from cfl.claim.model import (
    CLAIM_FORMAT_2,
    COSE_ALG_2_BY_NAME,
    COSE_ALG_BY_NAME,
    binding_digest,
    protected_bytes,
    sig_structure,
    sign1_bytes,
)
from cfl.claim.text import DEFAULT_RESOLVER, claim_to_text
from cfl.io.jsonio import load_json_file
from cfl.signing.b64url import b64url_decode, b64url_encode
from cfl.signing.jcs import canonical_bytes
from cfl.signing.jws import TYP_DECLARATION, bundle_to_bytes
from cfl.signing.keys import LocalSigner
from cfl.timeutil import format_time
from cfl.trust.revocation import revoke
from cfl.trust.status_list import issue_status_list
from cfl.trust.trust_list import Accreditation, add_trust_entry, new_trust_list, sign_trust_list

HERE = Path(__file__).resolve().parent
FIXTURE = HERE.parent / "fixtures" / "declarations" / "battery-pack.json"

#: Signing time of every document; the default verification time is a month later.
SIGNED_AT = dt.datetime(2026, 3, 10, tzinfo=dt.UTC)
AT = dt.datetime(2026, 4, 10, tzinfo=dt.UTC)
DECLARATION_ID = "3f1c2a9e-5b7d-4e8f-9a0b-1c2d3e4f5a6b"
P256_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551

WARNING = ("PUBLISHED TEST KEYS: these private seeds and scalars are public on purpose, so "
           "that anyone can regenerate the test vectors. Never trust, list or use them for "
           "anything else.")


# --------------------------------------------------------------------------- keys


Signer = LocalSigner  # ES256 is deterministic (RFC 6979) in cfl.signing.keys


def _seed(name: str) -> bytes:
    return hashlib.sha256(f"cfl test vector key {name}".encode()).digest()


#: name -> (what the key is in the set, how its private part is derived)
ED25519_KEYS: dict[str, tuple[str, bytes]] = {
    "operator": ("trust-list operator: the pinned anchor", _seed("operator")),
    # The key of the worked example in docs/claim-format.md §6 (seed 00 01 02 … 1f).
    "certifier-ed25519": ("certifier C1: lithium-ion-battery, any rule set",
                          bytes(range(32))),
    "certifier-cement": ("certifier C3: listed for cement only", _seed("certifier-cement")),
    "certifier-expired": ("certifier C5: listed 2024-01-01 to 2026-01-01",
                          _seed("certifier-expired")),
    "manufacturer": ("manufacturer M1: listed with role manufacturer only",
                     _seed("manufacturer")),
    "stranger": ("not in the trust list", _seed("stranger")),
}
ES256_SCALAR = int.from_bytes(_seed("certifier-es256"), "big") % P256_N
ES256_ROLE = "certifier C2: lithium-ion-battery and pv-module, rule set gbt-24067-2024 only"


@dataclass(frozen=True)
class Keys:
    operator: Signer
    c1: Signer
    c2: Signer
    cement: Signer
    expired: Signer
    manufacturer: Signer
    stranger: Signer


def make_keys() -> Keys:
    ed = {name: LocalSigner(ed25519.Ed25519PrivateKey.from_private_bytes(seed))
          for name, (_, seed) in ED25519_KEYS.items()}
    es256 = LocalSigner(ec.derive_private_key(ES256_SCALAR, ec.SECP256R1()))
    return Keys(ed["operator"], ed["certifier-ed25519"], es256,
                ed["certifier-cement"], ed["certifier-expired"], ed["manufacturer"],
                ed["stranger"])


def key_files(keys: Keys) -> dict[str, bytes]:
    signers = {"operator": keys.operator, "certifier-ed25519": keys.c1,
               "certifier-es256": keys.c2, "certifier-cement": keys.cement,
               "certifier-expired": keys.expired, "manufacturer": keys.manufacturer,
               "stranger": keys.stranger}
    files = {f"keys/{name}.jwk.json": _json(signer.public_key.jwk)
             for name, signer in signers.items()}
    private: dict[str, Any] = {}
    for name, (role, seed) in ED25519_KEYS.items():
        private[name] = {"alg": "EdDSA", "role": role, "kid": signers[name].kid,
                         "seed_hex": seed.hex(),
                         "derivation": ("bytes 00 01 02 ... 1f" if seed == bytes(range(32))
                                        else f'SHA-256("cfl test vector key {name}")')}
    private["certifier-es256"] = {
        "alg": "ES256", "role": ES256_ROLE, "kid": keys.c2.kid,
        "d_hex": f"{ES256_SCALAR:064x}",
        "derivation": 'SHA-256("cfl test vector key certifier-es256") mod n (P-256 order)'}
    files["keys/private-test-keys.json"] = _json({"warning": WARNING, "keys": private})
    return files


# --------------------------------------------------------------------------- trust inputs


def trust_documents(keys: Keys) -> dict[str, bytes]:
    start, end = dt.datetime(2025, 1, 1, tzinfo=dt.UTC), dt.datetime(2028, 1, 1, tzinfo=dt.UTC)
    doc = new_trust_list("Test vector scheme operator",
                         expires=dt.datetime(2026, 12, 31, tzinfo=dt.UTC), at=SIGNED_AT,
                         resolver=DEFAULT_RESOLVER)

    def entry(signer: Signer, name: str, categories: list[str], *,
              rule_sets: tuple[str, ...] = (), valid_from: dt.datetime = start,
              valid_until: dt.datetime = end, roles: tuple[str, ...] = ("certifier",)) -> None:
        nonlocal doc
        doc = add_trust_entry(doc, signer.public_key, name=name,
                              accreditation=Accreditation("CNAS", f"CNAS-{name}"),
                              categories=categories, rule_sets=rule_sets, roles=roles,
                              valid_from=valid_from, valid_until=valid_until)

    entry(keys.c1, "C1", ["lithium-ion-battery"])
    entry(keys.c2, "C2", ["lithium-ion-battery", "pv-module"], rule_sets=("gbt-24067-2024",))
    entry(keys.cement, "C3", ["cement"])
    entry(keys.expired, "C5", ["lithium-ion-battery"],
          valid_from=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
          valid_until=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    entry(keys.manufacturer, "M1", ["lithium-ion-battery"], roles=("manufacturer",))
    c1_empty = bundle_to_bytes(revoke(None, keys.c1, declaration_id=None, reason=None,
                                      at=SIGNED_AT))
    return {
        "trust/trust-list.json": bundle_to_bytes(sign_trust_list(doc, keys.operator,
                                                                 at=SIGNED_AT)),
        "trust/trust-list-signed-by-stranger.json": bundle_to_bytes(
            sign_trust_list(doc, keys.stranger, at=SIGNED_AT)),
        "trust/revocations-certifier-ed25519-v1.json": c1_empty,
        "trust/revocations-certifier-ed25519-v2-revoked.json": bundle_to_bytes(revoke(
            c1_empty, keys.c1, declaration_id=DECLARATION_ID, reason="wrong emission factor",
            at=SIGNED_AT + dt.timedelta(days=2))),
        "trust/revocations-certifier-es256-v1.json": bundle_to_bytes(
            revoke(None, keys.c2, declaration_id=None, reason=None, at=SIGNED_AT)),
        **status_list_documents(keys),
    }


#: Status indexes of the format-2 vectors' claims, and the size of their status lists.
F2_INDEX = 7
F2_OTHER_INDEX = 8
F2_ES256_INDEX = 3
STATUS_LIST_SIZE = 1024


def status_list_documents(keys: Keys) -> dict[str, bytes]:
    """C1's and C2's status lists: version 1 with nothing revoked, and C1's version 2 with
    the format-2 claim's index set."""
    def status_list(signer: Signer, revoked: list[int], version: int) -> bytes:
        return bundle_to_bytes(issue_status_list(
            signer, size=STATUS_LIST_SIZE, revoked=revoked, version=version,
            at=SIGNED_AT + dt.timedelta(days=2 * (version - 1)),
            next_update=dt.timedelta(days=60)))

    return {
        "trust/status-certifier-ed25519-v1.json": status_list(keys.c1, [], 1),
        "trust/status-certifier-ed25519-v2-revoked.json": status_list(keys.c1, [F2_INDEX], 2),
        "trust/status-certifier-es256-v1.json": status_list(keys.c2, [], 1),
    }


ANCHOR = "keys/operator.jwk.json"
TRUST_LIST = "trust/trust-list.json"
REVOCATIONS = ["trust/revocations-certifier-ed25519-v1.json",
               "trust/revocations-certifier-es256-v1.json"]
REVOKED = ["trust/revocations-certifier-ed25519-v2-revoked.json",
           "trust/revocations-certifier-es256-v1.json"]
STATUS_LISTS = ["trust/status-certifier-ed25519-v1.json",
                "trust/status-certifier-es256-v1.json"]
STATUS_REVOKED = ["trust/status-certifier-ed25519-v2-revoked.json",
                  "trust/status-certifier-es256-v1.json"]


# --------------------------------------------------------------------------- vectors


@dataclass
class Vector:
    id: str
    description: str
    files: dict[str, str]
    bottom_line: str
    reason: str | None
    at: dt.datetime = AT
    trust_list: str = TRUST_LIST
    revocations: list[str] = field(default_factory=lambda: list(REVOCATIONS))
    policy: str = "strict"
    #: Signed status lists (format-2 claims are revoked by status index, ADR 0142).
    status_lists: list[str] = field(default_factory=list)

    def manifest_entry(self) -> dict[str, Any]:
        trust: dict[str, Any] = {"anchor": ANCHOR, "trust_list": self.trust_list,
                                 "revocations": self.revocations}
        if self.status_lists:
            trust["status_lists"] = self.status_lists
        return {
            "id": self.id, "description": self.description, "files": self.files,
            "at": format_time(self.at),
            "trust": trust,
            "policy": self.policy,
            "expect": {"bottom_line": self.bottom_line, "reason": self.reason},
        }


def declaration(**changes: Any) -> dict[str, Any]:
    value = load_json_file(FIXTURE)
    assert isinstance(value, dict)
    value.update(changes)
    return value


def signed(signer: Signer, *, role: str = "certifier", at: dt.datetime = SIGNED_AT,
           content: dict[str, Any] | None = None) -> dict[str, Any]:
    return sign_bundle(content or declaration(), signer, role=role, at=at)


def with_older_alg_name(signed_bundle: dict[str, Any], signer: Signer) -> dict[str, Any]:
    """``signed_bundle`` with its one signature made again under the header ``alg`` ``EdDSA``
    (what Ed25519 signatures carried before RFC 9864's ``Ed25519``)."""
    entry = dict(signed_bundle["signatures"][0])
    header = json.loads(b64url_decode(entry["protected"]))
    header["alg"] = "EdDSA"
    entry["protected"] = b64url_encode(canonical_bytes(header))
    signing_input = (entry["protected"] + "." + b64url_encode(
        canonical_bytes(signed_bundle["declaration"]))).encode()
    entry["signature"] = b64url_encode(signer.sign(signing_input))
    return {**signed_bundle, "signatures": [entry]}


def forged(signer: Signer | None, header_changes: dict[str, Any],
           sign: Callable[[bytes], bytes] | None = None) -> bytes:
    """A bundle of the fixture with one signature entry whose protected header is the
    normal certifier header with ``header_changes``, signed by ``signer`` (or ``sign``)."""
    content = declaration()
    header: dict[str, Any] = {"alg": "EdDSA", "kid": "", "typ": TYP_DECLARATION,
                              "iat": int(SIGNED_AT.timestamp()), "cfl.role": "certifier"}
    if signer is not None:
        header.update(alg=signer.alg, kid=signer.kid)
    header.update(header_changes)
    protected = b64url_encode(canonical_bytes(header))
    signing_input = (protected + "." + b64url_encode(canonical_bytes(content))).encode()
    if sign is not None:
        signature = sign(signing_input)
    else:
        signature = signer.sign(signing_input) if signer is not None else b""
    return bundle_to_bytes({"declaration": content, "signatures": [
        {"protected": protected, "signature": b64url_encode(signature)}]})


def claim_text(bundle: dict[str, Any]) -> bytes:
    return (claim_in_bundle(parse_bundle(bundle_to_bytes(bundle))).to_text() + "\n").encode()


def build() -> dict[str, bytes]:
    """Every file of the set (path relative to this folder -> bytes), manifest included."""
    keys = make_keys()
    files: dict[str, bytes] = {**key_files(keys), **trust_documents(keys)}
    vectors: list[Vector] = []

    def bundle(name: str, data: bytes | dict[str, Any], description: str, bottom_line: str,
               reason: str | None, **options: Any) -> None:
        path = f"bundles/{name}.json"
        files[path] = data if isinstance(data, bytes) else bundle_to_bytes(data)
        vectors.append(Vector(f"bundle-{name}", description, {"bundle": path}, bottom_line,
                              reason, **options))

    def claim(name: str, source: dict[str, Any] | bytes, description: str, bottom_line: str,
              reason: str | None, *, with_bundle: str | None = None, **options: Any) -> None:
        path = f"claims/{name}.txt"
        files[path] = source if isinstance(source, bytes) else claim_text(source)
        vector_files = {"claim": path}
        if with_bundle is not None:
            vector_files["bundle"] = f"bundles/{with_bundle}.json"
        vectors.append(Vector(f"claim-{name}", description, vector_files, bottom_line,
                              reason, **options))

    good = signed(keys.c1)
    good_es256 = signed(keys.c2)
    other_value = declaration()
    other_value["pcf"] = {**other_value["pcf"], "pcfExcludingBiogenicUptake": "55.72"}
    good_other = signed(keys.c1, content=other_value)
    short_validity = signed(keys.c1, content=declaration(
        validityPeriodEnd="2026-03-31T00:00:00Z"))

    # ------------------------------------------------------------ valid bundles
    bundle("eddsa-valid", good, "signed by certifier C1 (Ed25519)", "PASSED", None)
    bundle("es256-valid", good_es256, "signed by certifier C2 (ES256, raw R||S)",
           "PASSED", None)
    bundle("eddsa-older-alg-name-valid", with_older_alg_name(good, keys.c1),
           "signed by C1 with the JOSE alg 'EdDSA' that signatures carried before RFC 9864",
           "PASSED", None)
    bundle("certifier-and-manufacturer-valid", sign_bundle(
        signed(keys.manufacturer, role="manufacturer"), keys.c1, role="certifier",
        at=SIGNED_AT), "co-signed by listed manufacturer M1, then certified by C1",
        "PASSED", None)
    bundle("other-declaration-valid", good_other,
           "signed by C1: the fixture with another value (the 'other bundle' of a claim)",
           "PASSED", None)
    unlisted = sign_bundle(signed(keys.stranger, role="manufacturer"), keys.c1,
                           role="certifier", at=SIGNED_AT)
    bundle("unlisted-manufacturer", unlisted,
           "certified by C1, co-signed by a manufacturer key not in the trust list",
           "INDETERMINATE", "signer_unknown")
    vectors.append(Vector(
        "bundle-unlisted-manufacturer-ignored", "the same bundle under the policy 'ignore "
        "unlisted co-signers' (the row is NOT_CHECKED)",
        {"bundle": "bundles/unlisted-manufacturer.json"}, "PASSED", None,
        policy="ignore-unlisted-cosigners"))

    # ------------------------------------------------------------ one defect each
    data = bundle_to_bytes(good)
    assert data.count(b"Illustrative test fixture") == 1
    bundle("tampered-value", data.replace(b"Illustrative test fixture",
                                          b"Illustrative test fixturf"),
           "one byte of a declaration value changed after signing", "FAILED",
           "signature_invalid")
    tampered = copy.deepcopy(good)
    header = bytearray(b64url_decode(tampered["signatures"][0]["protected"]))
    digit = header.index(b'"iat":') + 7
    header[digit] = ord("1") if header[digit] != ord("1") else ord("2")
    tampered["signatures"][0]["protected"] = b64url_encode(bytes(header))
    bundle("tampered-protected-header", tampered,
           "one digit of iat changed in the protected header", "FAILED", "signature_invalid")
    bundle("alg-none", forged(keys.c1, {"alg": "none"}),
           "alg none with an empty signature, kid of C1", "FAILED", "alg_none")
    secret = json.dumps(keys.c1.public_key.jwk).encode()
    bundle("alg-hs256", forged(keys.c1, {"alg": "HS256"}, sign=lambda data: hmac.new(
        secret, data, hashlib.sha256).digest()),
           "HS256 keyed with C1's public JWK text", "FAILED", "alg_hmac")
    der = copy.deepcopy(good_es256)
    raw = b64url_decode(der["signatures"][0]["signature"])
    der["signatures"][0]["signature"] = b64url_encode(encode_dss_signature(
        int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")))
    bundle("es256-der", der, "C2's valid ES256 signature re-encoded as ASN.1 DER", "FAILED",
           "signature_der")
    bundle("kid-of-another-key", forged(keys.cement, {"kid": keys.c1.kid}),
           "signed by C3 (cement only) with the kid of C1 (in scope)", "FAILED",
           "kid_mismatch")
    bundle("alg-key-mismatch", forged(keys.c2, {"kid": keys.c1.kid, "alg": "ES256"}),
           "ES256 signature by C2 under the kid of C1, an Ed25519 key", "FAILED",
           "alg_key_mismatch")
    bundle("key-in-header", forged(keys.stranger, {"jwk": keys.stranger.public_key.jwk}),
           "signed by an unlisted key that puts itself in the protected header (jwk)",
           "FAILED", "key_in_header")
    bundle("typ-trust-list", forged(keys.c1, {"typ": "cfl-trustlist+jws"}),
           "signed by C1 with the trust list's typ", "FAILED", "typ_mismatch")
    bundle("untrusted-key", signed(keys.stranger), "signed by a key not in the trust list",
           "FAILED", "signer_untrusted")
    bundle("out-of-scope-category", signed(keys.cement),
           "signed by C3, listed for cement only", "FAILED", "scope_category")
    rule_set = declaration()
    rule_set["extensions"][0]["data"]["ruleSet"] = {"id": "iso-14067-2018"}
    bundle("out-of-scope-rule-set", signed(keys.c2, content=rule_set),
           "signed by C2 (gbt-24067-2024 only) under iso-14067-2018", "FAILED",
           "scope_rule_set")
    bundle("expired-signer", signed(keys.expired),
           "signed by C5 after its listing ended", "FAILED", "signer_expired_at_signing")
    bundle("signer-expired-since", signed(keys.expired, at=dt.datetime(2025, 6, 1,
                                                                       tzinfo=dt.UTC)),
           "signed by C5 while listed; its listing has ended at the verification time",
           "FAILED", "signer_expired")
    bundle("wrong-role", signed(keys.manufacturer),
           "signed as certifier by M1, listed as manufacturer only", "FAILED",
           "signer_wrong_role")
    bundle("manufacturer-only", signed(keys.manufacturer, role="manufacturer"),
           "signed only by listed manufacturer M1: nobody certified it", "FAILED",
           "no_certifier_signature")
    bundle("signed-in-future", signed(keys.c1, at=AT + dt.timedelta(days=2)),
           "iat two days after the verification time", "FAILED", "signed_in_future")
    bundle("declaration-expired", short_validity,
           "validityPeriodEnd 2026-03-31, verified 2026-04-10", "FAILED",
           "declaration_expired")
    vectors.append(Vector("bundle-eddsa-revoked", "valid bundle; C1's revocation list "
                          "version 2 revokes the declaration",
                          {"bundle": "bundles/eddsa-valid.json"}, "FAILED", "revoked",
                          revocations=list(REVOKED)))
    vectors.append(Vector("bundle-trust-list-expired", "valid bundle verified 2027-02-01, "
                          "after the trust list expired (2026-12-31)",
                          {"bundle": "bundles/eddsa-valid.json"}, "FAILED",
                          "trust_list_expired", at=dt.datetime(2027, 2, 1, tzinfo=dt.UTC)))
    vectors.append(Vector("bundle-trust-list-wrong-signer", "valid bundle; the trust list is "
                          "signed by a key other than the pinned anchor",
                          {"bundle": "bundles/eddsa-valid.json"}, "FAILED",
                          "trust_list_signature",
                          trust_list="trust/trust-list-signed-by-stranger.json"))
    text = bundle_to_bytes(good)
    bundle("truncated", text[: len(text) // 2], "the valid bundle cut in half", "FAILED",
           "malformed_json")
    bundle("duplicate-key", text.replace(b'"companyName":',
                                         b'"companyName": "Evil Co.", "companyName":', 1),
           "a member name twice in the declaration", "FAILED", "duplicate_key")

    # ------------------------------------------------------------ claims
    claim("eddsa-valid", good, "C1's claim with its bundle (bound, agrees)", "PASSED", None,
          with_bundle="eddsa-valid")
    vectors.append(Vector("claim-eddsa-valid-alone", "C1's claim verified offline, without "
                          "the bundle", {"claim": "claims/eddsa-valid.txt"}, "PASSED", None))
    claim("es256-valid", good_es256, "C2's ES256 claim with its bundle", "PASSED", None,
          with_bundle="es256-valid")
    vectors.append(Vector("claim-bound-to-another-bundle", "C1's claim given with another "
                          "bundle of C1 (another value, so another digest)",
                          {"claim": "claims/eddsa-valid.txt",
                           "bundle": "bundles/other-declaration-valid.json"},
                          "FAILED", "claim_digest_mismatch"))
    good_text = claim_text(good).decode().strip()
    claim("truncated", (good_text[:-10] + "\n").encode(),
          "the valid claim text without its last 10 digits", "FAILED", "bad_claim")
    claim("tampered-value", (claim_to_text(_tampered_claim_value(
        claim_in_bundle(parse_bundle(bundle_to_bytes(good))).encoded)) + "\n").encode(),
          "C1's claim with the value 55.71 changed to 55.72 (signature unchanged)", "FAILED",
          "signature_invalid")
    claim("unknown-resolver", (good_text.replace(DEFAULT_RESOLVER,
                                                 "HTTPS://CFL.EXAMPLE.ATTACKER.COM/V/", 1)
                               + "\n").encode(),
          "C1's valid claim behind a resolver the trust list does not name", "FAILED",
          "resolver_unknown")
    claim("http-resolver", (good_text.replace("HTTPS://", "HTTP://", 1) + "\n").encode(),
          "C1's valid claim behind the scheme's resolver over plain http", "FAILED",
          "resolver_unknown")
    claim("untrusted-key", signed(keys.stranger), "issued by a key not in the trust list",
          "FAILED", "signer_untrusted")
    claim("out-of-scope", signed(keys.cement), "issued by C3, listed for cement only",
          "FAILED", "scope_category")
    claim("expired-signer", signed(keys.expired), "issued by C5 after its listing ended",
          "FAILED", "signer_expired_at_signing")
    claim("wrong-role", signed(keys.manufacturer),
          "issued by M1, listed as manufacturer only", "FAILED", "signer_wrong_role")
    vectors.append(Vector("claim-eddsa-revoked", "C1's claim; C1's revocation list version 2 "
                          "revokes the declaration", {"claim": "claims/eddsa-valid.txt"},
                          "FAILED", "revoked", revocations=list(REVOKED)))
    vectors.append(Vector("claim-trust-list-expired", "C1's claim verified 2027-02-01, after "
                          "the trust list expired", {"claim": "claims/eddsa-valid.txt"},
                          "FAILED", "trust_list_expired",
                          at=dt.datetime(2027, 2, 1, tzinfo=dt.UTC)))
    claim("declaration-expired", short_validity,
          "valid until 2026-03-31, verified 2026-04-10", "FAILED", "declaration_expired")

    format_2_vectors(keys, bundle, claim, vectors)
    files["manifest.yaml"] = manifest(vectors)
    return files


def format_2_vectors(keys: Keys, bundle: Callable[..., None], claim: Callable[..., None],
                     vectors: list[Vector]) -> None:
    """Claim format 2 (ADR 0142, docs/claim-format.md §7): valid claims, and one defect
    each, every rejected claim correctly signed by C1 so that only the defect decides."""
    def f2(signer: Signer, index: int, content: dict[str, Any] | None = None
           ) -> dict[str, Any]:
        return sign_bundle(content or declaration(), signer, role="certifier", at=SIGNED_AT,
                           status_index=index)

    lists = {"status_lists": list(STATUS_LISTS)}
    good = f2(keys.c1, F2_INDEX)
    other_value = declaration()
    other_value["pcf"] = {**other_value["pcf"], "pcfExcludingBiogenicUptake": "55.72"}
    bundle("f2-eddsa-valid", good, "signed by C1 with a format-2 claim (status index "
           f"{F2_INDEX})", "PASSED", None, **lists)
    bundle("f2-es256-valid", f2(keys.c2, F2_ES256_INDEX),
           "signed by C2 (ES256) with a format-2 claim", "PASSED", None, **lists)
    bundle("f2-other-declaration-valid", f2(keys.c1, F2_OTHER_INDEX, other_value),
           "signed by C1 with a format-2 claim: the fixture with another value", "PASSED",
           None, **lists)
    claim("f2-eddsa-valid", good, "C1's format-2 claim with its bundle (bound, agrees)",
          "PASSED", None, with_bundle="f2-eddsa-valid", **lists)
    vectors.append(Vector("claim-f2-eddsa-valid-alone", "C1's format-2 claim verified "
                          "offline, without the bundle", {"claim": "claims/f2-eddsa-valid.txt"},
                          "PASSED", None, **lists))
    claim("f2-es256-valid", f2(keys.c2, F2_ES256_INDEX), "C2's format-2 ES256 claim with its "
          "bundle", "PASSED", None, with_bundle="f2-es256-valid", **lists)
    vectors.append(Vector("claim-f2-bound-to-another-bundle", "C1's format-2 claim given "
                          "with another bundle of C1 (another value, so another binding)",
                          {"claim": "claims/f2-eddsa-valid.txt",
                           "bundle": "bundles/f2-other-declaration-valid.json"},
                          "FAILED", "claim_digest_mismatch", **lists))
    vectors.append(Vector("claim-f2-status-revoked", "C1's format-2 claim; C1's status list "
                          f"version 2 sets its index {F2_INDEX}",
                          {"claim": "claims/f2-eddsa-valid.txt"}, "FAILED", "revoked",
                          status_lists=list(STATUS_REVOKED)))
    vectors.append(Vector("claim-f2-no-status-list", "C1's format-2 claim with no status "
                          "list: whether it is revoked cannot be said",
                          {"claim": "claims/f2-eddsa-valid.txt"}, "INDETERMINATE",
                          "status_list_unavailable"))

    signed_claim = claim_in_bundle(parse_bundle(bundle_to_bytes(good)))
    items = cbor2.loads(signed_claim.payload)
    bundle_digest = parse_bundle(bundle_to_bytes(good)).digest
    hint = signed_claim.claim.issuer_kid_hint

    def resigned(payload: bytes, *, alg: int = COSE_ALG_2_BY_NAME["EdDSA"],
                 kid: bytes = hint) -> bytes:
        protected = protected_bytes(alg, kid)
        signature = keys.c1.sign(sig_structure(protected, payload))
        return (claim_to_text(sign1_bytes(protected, payload, signature)) + "\n").encode()

    def changed(index: int, value: Any) -> bytes:
        new = list(items)
        new[index] = value
        return cbor2.dumps(new, canonical=True)

    def bad(name: str, data: bytes, description: str, reason: str = "bad_claim",
            **options: Any) -> None:
        claim(name, data, description, "FAILED", reason, **options)

    assert items[0] == CLAIM_FORMAT_2 and items[13] == F2_INDEX
    bad("f2-binding-without-signature", resigned(changed(1, hashlib.sha256(
        b"cfl-claim-2" + bundle_digest).digest()[:16])),
        "format 2 with a binding computed without the certifier's signature, signed by C1, "
        "given with its bundle", "claim_digest_mismatch", with_bundle="f2-eddsa-valid",
        **lists)
    bad("f2-format-1-digest", resigned(changed(1, bundle_digest)),
        "format 2 carrying format 1's 32-byte declaration SHA-256 as its binding")
    bad("f2-wrong-count", resigned(cbor2.dumps(items[:13], canonical=True)),
        "a format-2 array of 13 items (the status index left out)")
    bad("f2-extra-item", resigned(cbor2.dumps([*items, 0], canonical=True)),
        "a format-2 array of 15 items")
    payload = cbor2.dumps(items, canonical=True)
    assert payload.endswith(bytes([F2_INDEX]))
    bad("f2-non-shortest-head", resigned(payload[:-1] + bytes([0x18, F2_INDEX])),
        "the status index 7 written with a one-byte argument (18 07)",
        "claim_not_deterministic")
    bad("f2-hint-8-bytes", resigned(payload, kid=b64url_decode(keys.c1.kid)[:8]),
        "algorithm -19 with an 8-byte kid hint (format 1's length)")
    bad("f2-under-alg-8", resigned(payload, alg=COSE_ALG_BY_NAME["EdDSA"],
                                   kid=b64url_decode(keys.c1.kid)[:8]),
        "a format-2 array under algorithm -8 (format 1's EdDSA) with an 8-byte hint")
    format_1 = claim_in_bundle(parse_bundle(bundle_to_bytes(signed(keys.c1))))
    bad("f1-under-alg-19", resigned(format_1.payload),
        "a format-1 map under algorithm -19 (format 2's Ed25519) with a 4-byte hint")
    bad("f2-gtin-7-bytes", resigned(changed(2, bytes(1) + items[2])),
        "the GTIN written as 7 bytes")
    bad("f2-gtin-check-digit", resigned(changed(2, (int.from_bytes(items[2], "big") + 1)
                                               .to_bytes(6, "big"))),
        "a GTIN whose check digit is wrong")
    bad("f2-gtin-as-text", resigned(changed(2, "urn:gtin:06901234567892")),
        "the GTIN written as text")
    bad("f2-far-future-day", resigned(changed(10, 2**20)),
        "an issue day 2^20 days after 2020-01-01")
    bad("f2-empty-validity", resigned(changed(12, items[11])),
        "valid until the same day as valid from")
    bad("f2-status-index-too-large", resigned(changed(13, 2**27)),
        "a status index of 2^27")
    bad("f2-float-value", resigned(payload.replace(bytes.fromhex("c482211915c3"),
                                                   bytes.fromhex("fb404bdae147ae147b"), 1)),
        "the value 55.71 as a float")
    bad("f2-boundary-as-text", resigned(changed(7, "cradle-to-gate")),
        "the boundary as text (only a code is allowed)")
    bad("f2-truncated-array", resigned(payload[:-3]),
        "the array cut before its last items (its head still says 14)")
    text = claim_text(good).decode().strip()
    bad("f2-truncated-text", (text[:-10] + "\n").encode(),
        "the valid format-2 claim text without its last 10 digits")
    tampered = bytearray(signed_claim.encoded)
    at_value = tampered.index(bytes.fromhex("c482211915c3"))
    tampered[at_value + 5] = 0xC4
    claim("f2-tampered-value", (claim_to_text(bytes(tampered)) + "\n").encode(),
          "C1's format-2 claim with the value 55.71 changed to 55.72 (signature unchanged)",
          "FAILED", "signature_invalid", **lists)
    other_key_same_payload = signed_claim.payload
    protected = protected_bytes(COSE_ALG_2_BY_NAME["EdDSA"], hint)
    forged_claim = sign1_bytes(protected, other_key_same_payload, keys.stranger.sign(
        sig_structure(protected, other_key_same_payload)))
    claim("f2-signed-by-another-key-with-c1-hint", (claim_to_text(forged_claim) + "\n")
          .encode(), "C1's format-2 payload and kid hint, signed by a key not in the list",
          "FAILED", "signature_invalid", with_bundle="f2-eddsa-valid", **lists)
    assert binding_digest(bundle_digest, b64url_decode(
        good["signatures"][0]["signature"])) == items[1]


def _tampered_claim_value(encoded: bytes) -> bytes:
    """The claim bytes with the value 55.71 (``19 15 c3``) made 55.72: the CBOR stays
    well-formed and deterministic, only the signature no longer covers it."""
    tag = cbor2.loads(encoded)
    protected, unprotected, payload, signature = tag.value
    assert payload.count(bytes.fromhex("c482211915c3")) == 1
    payload = payload.replace(bytes.fromhex("c482211915c3"), bytes.fromhex("c482211915c4"))
    return cbor2.dumps(cbor2.CBORTag(18, [protected, unprotected, payload, signature]))


MANIFEST_HEADER = """\
# Published test vectors for cfl signed bundles and compact QR claims (docs/test-vectors.md).
# Generated by tests/vectors/generate.py from fixed, PUBLISHED test keys; do not edit by hand.
# Each entry: the files (paths relative to this folder), the verification time `at`, the
# trust inputs (pinned anchor JWK, trust list, revocation lists; no stored state), the
# policy, and the expected bottom line with the reason code of the first row (in the order
# of docs/bundle-format.md §6) whose status is the bottom line (null when PASSED).
"""


def manifest(vectors: list[Vector]) -> bytes:
    ids = [vector.id for vector in vectors]
    assert len(ids) == len(set(ids)), "vector ids must be unique"
    body = yaml.safe_dump({"vectors": [vector.manifest_entry() for vector in vectors]},
                          sort_keys=False, allow_unicode=True, width=100)
    return (MANIFEST_HEADER + body).encode()


def _json(value: Any) -> bytes:
    return (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode()


def main(argv: list[str]) -> int:
    files = build()
    if argv[1:] == ["--check"]:
        stale = [path for path, data in files.items()
                 if not (HERE / path).is_file() or (HERE / path).read_bytes() != data]
        for path in stale:
            print(f"differs: {path}", file=sys.stderr)
        return 1 if stale else 0
    for path, data in files.items():
        target = HERE / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    print(f"wrote {len(files)} files, {manifest_count(files)} vectors")
    return 0


def manifest_count(files: dict[str, bytes]) -> int:
    return len(yaml.safe_load(files["manifest.yaml"])["vectors"])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
