"""Signed documents: JWS (General JSON Serialization, detached payload) over JCS bytes.

A signed bundle is ``{"declaration": {...}, "signatures": [entry, ...]}``. Each entry is one
JWS signature object ``{"protected": B64URL(header), "signature": B64URL(sig)}``. The only
unprotected ``"header"`` member allowed is ``"cfl.claim"`` on a certifier's entry: the compact
QR claim issued at signing (self-authenticating COSE, never used for the bundle's own checks).
The JWS payload is the RFC 8785 bytes of ``declaration``, detached: the signing input is
``ASCII(protected) || "." || BASE64URL(JCS(declaration))`` as RFC 7515 §5.1 requires, so any
JOSE library verifies a signature by re-attaching that payload.

Trust lists and revocation lists use the same shape under another content key
(``trustList``, ``revocationList``) and another ``typ``; the parsing and signing code here is
shared. See ``docs/bundle-format.md`` for the normative description.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from dataclasses import dataclass
from typing import Any

from cfl.errors import InputError
from cfl.findings import json_path
from cfl.io.jsonio import loads_strict
from cfl.io.resources import load_schema
from cfl.io.schema_formats import format_checker
from cfl.signing.b64url import b64url_decode, b64url_encode
from cfl.signing.jcs import canonical_bytes, json_plain
from cfl.signing.keys import JWS_ALG_BY_KEY_ALG, KEY_ALG_BY_JWS_ALG, PublicKey, Signer

#: Size bound on a signed bundle, checked before parsing (declarations are a few KiB).
MAX_BUNDLE_BYTES = 1024 * 1024
#: At most this many signatures in one document.
MAX_SIGNATURES = 16
#: Bound on one base64url protected header and one base64url signature.
MAX_PROTECTED_CHARS = 4096
MAX_SIGNATURE_CHARS = 1024

TYP_DECLARATION = "cfl-declaration+jws"
TYP_TRUST_LIST = "cfl-trustlist+jws"
TYP_REVOCATIONS = "cfl-revocations+jws"
#: A certifier's attestation of requirements that need a manual check (cfl.recognition).
TYP_ATTESTATION = "cfl-attestation+jws"
#: Protected-header member holding the signer's role in a bundle (not critical: see ADR 0012).
ROLE_HEADER = "cfl.role"
ROLES = ("certifier", "manufacturer")

#: Header members that carry or point to keys: never honoured, always refused.
KEY_HEADERS = frozenset({"jwk", "jku", "x5c", "x5u", "x5t", "x5t#S256"})
#: The one unprotected-header member allowed: the certifier's compact claim (base64url of the
#: COSE_Sign1 bytes), issued when signing (ADR 0025). Never used for the bundle's checks.
CLAIM_HEADER = "cfl.claim"
#: Bound on that member (a claim is at most 512 bytes: 683 base64url characters).
MAX_CLAIM_HEADER_CHARS = 700
#: Latest signing time a header may state: 9999-12-31T23:59:59Z (later is not a date).
MAX_IAT = 253402300799
#: A key id: the base64url RFC 7638 SHA-256 thumbprint of the key (nothing else is echoed).
_KID = re.compile(r"[A-Za-z0-9_-]{43}")
#: The protected-header members cfl writes and understands.
KNOWN_HEADERS = frozenset({"alg", "kid", "typ", "iat", ROLE_HEADER})


@dataclass(frozen=True)
class SignatureEntry:
    """One JWS General JSON Serialization signature entry, payload detached."""

    protected: str
    header: dict[str, Any]
    signature: bytes
    unprotected: dict[str, Any] | None

    @property
    def alg(self) -> str:
        return str(self.header["alg"])

    @property
    def key_alg(self) -> str | None:
        """The key algorithm this signature needs (``EdDSA`` for both ``Ed25519`` and the
        older ``EdDSA``), or None for an algorithm cfl does not accept."""
        return KEY_ALG_BY_JWS_ALG.get(self.alg)

    @property
    def kid(self) -> str:
        return str(self.header["kid"])

    @property
    def role(self) -> str:
        """The signer's role (``certifier`` or ``manufacturer``), ``""`` if not stated."""
        role = self.header.get(ROLE_HEADER, "")
        return role if isinstance(role, str) else ""

    @property
    def typ(self) -> str:
        typ = self.header.get("typ", "")
        return typ if isinstance(typ, str) else ""

    @property
    def claim(self) -> str | None:
        """The compact claim (base64url COSE) carried in the unprotected header, if any."""
        value = (self.unprotected or {}).get(CLAIM_HEADER)
        return value if isinstance(value, str) else None

    @property
    def signed_at(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(int(self.header["iat"]), dt.UTC)

    def signing_input(self, payload: bytes) -> bytes:
        """RFC 7515 signing input for this entry over ``payload``."""
        return self.protected.encode("ascii") + b"." + b64url_encode(payload).encode("ascii")

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"protected": self.protected}
        if self.unprotected is not None:
            out["header"] = self.unprotected
        out["signature"] = b64url_encode(self.signature)
        return out


@dataclass(frozen=True)
class SignedDocument:
    """A parsed signed document: its content, signatures and the signed (JCS) bytes."""

    content_key: str
    content: dict[str, Any]
    signatures: tuple[SignatureEntry, ...]
    payload: bytes


# --------------------------------------------------------------------------- parsing


def parse_signed_document(
    data: bytes, *, content_key: str, source: str, max_bytes: int = MAX_BUNDLE_BYTES
) -> SignedDocument:
    """Parse ``{content_key: {...}, "signatures": [...]}`` strictly and with bounds."""
    value = loads_strict(data, source=source, max_bytes=max_bytes)
    return signed_document_from_json(value, content_key=content_key, source=source)


def signed_document_from_json(
    value: Any, *, content_key: str, source: str
) -> SignedDocument:
    """The structural checks of :func:`parse_signed_document` on an already parsed value."""
    if not isinstance(value, dict):
        raise _bad(f"expected a JSON object with {content_key!r} and 'signatures'", source, "$")
    extra = sorted(set(value) - {content_key, "signatures"})
    if extra:
        raise _bad(f"unexpected member {extra[0]!r}; only {content_key!r} and 'signatures' "
                   "are allowed", source, "$")
    content = value.get(content_key)
    if not isinstance(content, dict):
        raise _bad(f"{content_key!r} must be a JSON object", source, f"$.{content_key}")
    raw_signatures = value.get("signatures")
    if not isinstance(raw_signatures, list):
        raise _bad("'signatures' must be an array", source, "$.signatures")
    if len(raw_signatures) > MAX_SIGNATURES:
        raise _bad(f"holds {len(raw_signatures)} signatures; at most {MAX_SIGNATURES} are "
                   "accepted", source, "$.signatures", code="too_many_signatures")
    signatures = tuple(
        _parse_entry(entry, source=source, location=f"$.signatures[{i}]")
        for i, entry in enumerate(raw_signatures)
    )
    _refuse_repeated_signers(signatures, source=source)
    payload = canonical_bytes(content)
    return SignedDocument(content_key, content, signatures, payload)


def _refuse_repeated_signers(signatures: tuple[SignatureEntry, ...], *, source: str) -> None:
    """The same key signs a document at most once in the same role (§3.3): a repeated
    entry is refused, not counted twice or silently ignored."""
    seen: set[tuple[str, object]] = set()
    for i, entry in enumerate(signatures):
        role = entry.header.get(ROLE_HEADER)
        signer = (entry.kid, role if isinstance(role, str) else repr(role))
        if signer in seen:
            raise _bad(f"key {entry.kid} signs this document twice in the same role",
                       source, f"$.signatures[{i}]", code="duplicate_signature")
        seen.add(signer)


def _parse_entry(entry: Any, *, source: str, location: str) -> SignatureEntry:
    if not isinstance(entry, dict):
        raise _bad("a signature entry must be a JSON object", source, location)
    if "payload" in entry:
        raise _bad("the payload must be detached (no 'payload' member)", source, location,
                   code="attached_payload")
    extra = sorted(set(entry) - {"protected", "header", "signature"})
    if extra:
        raise _bad(f"unexpected member {extra[0]!r} in a signature entry", source, location)
    protected = entry.get("protected")
    if not isinstance(protected, str) or not protected:
        raise _bad("'protected' must be a non-empty base64url string", source,
                   f"{location}.protected")
    if len(protected) > MAX_PROTECTED_CHARS:
        raise _bad(f"'protected' is longer than {MAX_PROTECTED_CHARS} characters", source,
                   f"{location}.protected", code="too_large")
    raw_signature = entry.get("signature")
    if not isinstance(raw_signature, str):
        raise _bad("'signature' must be a base64url string", source, f"{location}.signature")
    if len(raw_signature) > MAX_SIGNATURE_CHARS:
        raise _bad(f"'signature' is longer than {MAX_SIGNATURE_CHARS} characters", source,
                   f"{location}.signature", code="too_large")
    try:
        header_bytes = b64url_decode(protected, what="'protected'")
        signature = b64url_decode(raw_signature, what="'signature'")
    except InputError as exc:
        raise InputError(exc.message, source=source, location=location, code=exc.code) from None
    try:
        header = loads_strict(header_bytes, source=source, max_depth=4)
    except InputError as exc:
        code = exc.code if exc.code == "duplicate_key" else "bad_header"
        raise InputError(f"the protected header {exc.message}", source=source,
                         location=f"{location}.protected", code=code) from None
    if not isinstance(header, dict):
        raise _bad("the protected header must be a JSON object", source,
                   f"{location}.protected", code="bad_header")
    for name in ("alg", "kid"):
        if not isinstance(header.get(name), str):
            raise _bad(f"the protected header needs a string {name!r}", source,
                       f"{location}.protected", code="bad_header")
    if _KID.fullmatch(header["kid"]) is None:
        raise _bad("the protected header's 'kid' must be the key's RFC 7638 thumbprint (43 "
                   "base64url characters)", source, f"{location}.protected", code="bad_kid")
    iat = header.get("iat")
    if not isinstance(iat, int) or isinstance(iat, bool) or not 0 <= iat <= MAX_IAT:
        raise _bad("the protected header needs 'iat', the signing time as a NumericDate "
                   "(integer seconds)", source, f"{location}.protected", code="bad_header")
    unprotected = entry.get("header")
    if unprotected is not None:
        if not isinstance(unprotected, dict):
            raise _bad("'header' must be a JSON object", source, f"{location}.header")
        both = sorted(set(unprotected) & set(header))
        if both:
            raise _bad(f"{both[0]!r} is in both the protected and the unprotected header",
                       source, f"{location}.header", code="bad_header")
        claim = unprotected.get(CLAIM_HEADER)
        if claim is not None and (not isinstance(claim, str)
                                  or len(claim) > MAX_CLAIM_HEADER_CHARS):
            raise _bad(f"'{CLAIM_HEADER}' must be a base64url string of at most "
                       f"{MAX_CLAIM_HEADER_CHARS} characters", source,
                       f"{location}.header", code="bad_header")
    return SignatureEntry(protected=protected, header=header, signature=signature,
                          unprotected=unprotected)


def _bad(message: str, source: str, location: str, *, code: str = "bad_bundle") -> InputError:
    return InputError(message, source=source, location=location, code=code)


# --------------------------------------------------------------------------- header policy


def header_problem(entry: SignatureEntry, *, typ: str) -> tuple[str, str] | None:
    """Why this entry's headers are never acceptable, as ``(code, sentence)``, or None.

    Refused: ``alg: none``, HMAC and any algorithm other than Ed25519/EdDSA/ES256, key
    material or key locations in any header, ``crit`` (cfl defines no critical extension), a
    ``typ`` other than ``typ`` (a revocation list signature is not a declaration signature), and
    protected members cfl does not know, and unprotected members other than the
    certifier's ``cfl.claim`` on a declaration signature.
    """
    alg = entry.alg
    if alg.lower() == "none":
        return "alg_none", "the signature uses 'alg: none' (unsigned), which is never accepted"
    if alg.upper().startswith("HS"):
        return "alg_hmac", (f"the signature uses the HMAC algorithm {alg!r}; only public-key "
                            "signatures (Ed25519, EdDSA, ES256) are accepted")
    if alg not in KEY_ALG_BY_JWS_ALG:
        return "alg_unsupported", (f"the signature algorithm {alg!r} is not supported; "
                                   f"expected one of {', '.join(KEY_ALG_BY_JWS_ALG)}")
    for where, members in (("protected", entry.header), ("unprotected", entry.unprotected or {})):
        keyish = sorted(KEY_HEADERS & set(members))
        if keyish:
            return "key_in_header", (f"the {where} header carries {keyish[0]!r}; keys or key "
                                     "locations inside a document are never trusted")
    headers = set(entry.header) | set(entry.unprotected or {})
    if "crit" in headers or "b64" in headers:
        name = "crit" if "crit" in headers else "b64"
        return "header_unsupported", f"the header member {name!r} is not supported by cfl"
    if entry.typ != typ:
        return "typ_mismatch", (f"the signature's 'typ' is {entry.typ!r}; expected {typ!r} for "
                                "this kind of document")
    unknown = sorted(set(entry.header) - KNOWN_HEADERS)
    if unknown:
        return "header_unsupported", f"the protected header member {unknown[0]!r} is unknown"
    allowed = {CLAIM_HEADER} if typ == TYP_DECLARATION and entry.role == "certifier" else set()
    unknown = sorted(set(entry.unprotected or {}) - allowed)
    if unknown:
        return "header_unsupported", (f"the unprotected header member {unknown[0]!r} is not "
                                      "allowed (only a certifier's 'cfl.claim' is)")
    return None


# --------------------------------------------------------------------------- signing


def sign_content(
    content: dict[str, Any], signer: Signer, *, typ: str, at: dt.datetime,
    extra_header: dict[str, Any] | None = None, payload: bytes | None = None,
) -> dict[str, Any]:
    """One JWS signature entry (as JSON) over the JCS bytes of ``content`` (``payload``, if
    the caller has them already)."""
    header: dict[str, Any] = {"alg": JWS_ALG_BY_KEY_ALG[signer.alg], "kid": signer.kid,
                              "typ": typ, "iat": int(at.timestamp())}
    header.update(extra_header or {})
    protected = b64url_encode(canonical_bytes(header))
    if payload is None:
        payload = canonical_bytes(content)
    signing_input = protected.encode("ascii") + b"." + b64url_encode(payload).encode("ascii")
    signature = signer.sign(signing_input)
    return {"protected": protected, "signature": b64url_encode(signature)}


# --------------------------------------------------------------------------- writing


def bundle_to_bytes(bundle: dict[str, Any]) -> bytes:
    """Pretty UTF-8 JSON of a bundle (or trust/revocation list), ending in a newline.

    Decimal numbers are written in the form that parses back to the same value, so the JCS
    bytes (and so the signatures) survive the round trip.
    """
    text = json.dumps(json_plain(bundle), indent=2, ensure_ascii=False)
    return (text + "\n").encode("utf-8")


# --------------------------------------------------------------------------- list schemas


@functools.cache
def _validator(schema_name: str) -> Any:
    """The reference (``jsonschema``) validator: it explains what is wrong."""
    import jsonschema  # type: ignore[import-untyped,unused-ignore]  # slow: on first use only

    schema = load_schema(schema_name)
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema, format_checker=format_checker())


@functools.cache
def _fast_validator(schema_name: str) -> Any:
    """The compiled (``jsonschema-rs``) validator, with cfl's own format checks: it only
    says yes or no, ~50 times faster on a national trust list (ADR 0140)."""
    import jsonschema_rs

    checker = format_checker()

    def format_check(name: str) -> Any:
        return lambda value: bool(checker.conforms(value, name))

    formats = {name: format_check(name) for name in checker.checkers}
    return jsonschema_rs.validator_for(load_schema(schema_name), validate_formats=True,
                                       formats=formats)


def validate_content(value: Any, *, schema_name: str, source: str, root: str) -> None:
    """Check a signed list's content against a shipped schema; the first problem (the
    shallowest) is raised as :class:`InputError` with its JSON path under ``root``.

    The compiled validator answers first; the reference validator runs only when it says no
    (to explain, and to decide: content is refused only if the reference refuses it too)."""
    try:
        if _fast_validator(schema_name).is_valid(value):
            return
    except (ValueError, TypeError, OverflowError):  # a value the compiled validator cannot take
        pass
    import jsonschema.exceptions  # type: ignore[import-untyped,unused-ignore]  # see _validator

    errors = list(_validator(schema_name).iter_errors(value))
    if errors:
        error = jsonschema.exceptions.best_match(errors)
        path = json_path([root, *error.absolute_path])
        raise InputError(f"does not match {schema_name}: {error.message}", source=source,
                         location=path, code="schema_invalid")


# --------------------------------------------------------------------------- checking


def looks_like_der(signature: bytes) -> bool:
    """True for an ASN.1 DER ECDSA signature (SEQUENCE of two INTEGERs), 8–72 bytes."""
    return (
        8 <= len(signature) <= 72
        and signature[0] == 0x30
        and signature[1] == len(signature) - 2
        and signature[2] == 0x02
    )


def form_problem(entry: SignatureEntry, *, typ: str) -> tuple[str, str] | None:
    """Why ``entry`` is never acceptable whoever signed it, as ``(code, sentence)``, or None:
    its headers (:func:`header_problem`), or an ES256 signature in DER form."""
    problem = header_problem(entry, typ=typ)
    if problem is not None:
        return problem
    if entry.alg == "ES256" and len(entry.signature) != 64 and looks_like_der(entry.signature):
        return "signature_der", ("the ES256 signature is in ASN.1 DER form; JOSE requires the "
                                 "64-byte raw R‖S form")
    return None


def signature_problem(
    entry: SignatureEntry, payload: bytes, key: PublicKey, *, typ: str
) -> tuple[str, str] | None:
    """Why ``entry`` is not a valid signature of ``payload`` by ``key``, or None.

    Cryptographic failures are opaque: one code, ``signature_invalid``, whatever the cause;
    only the form (DER instead of raw R‖S) and the header policy get their own codes.
    """
    problem = form_problem(entry, typ=typ)
    if problem is not None:
        return problem
    if entry.key_alg != key.alg:
        return "alg_key_mismatch", (f"the signature says {entry.alg} but the signer's key is "
                                    f"an {key.alg} key")
    if not key.verify(entry.signature, entry.signing_input(payload)):
        return "signature_invalid", "the signature does not verify"
    return None
