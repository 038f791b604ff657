"""Signing a declaration: validate it, add a JWS signature and, for a certifier, issue the
compact QR claim with the same key at the same time (ADR 0025)."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from cfl.claim.encode import sign_claim
from cfl.claim.issue import claim_from_declaration
from cfl.declaration.schema import check_declaration
from cfl.declaration.view import cfl_extension
from cfl.errors import InputError, InvalidDeclarationError
from cfl.findings import is_blocking
from cfl.signing.b64url import b64url_encode
from cfl.signing.jcs import canonical_bytes
from cfl.signing.jws import (
    CLAIM_HEADER,
    ROLE_HEADER,
    ROLES,
    TYP_DECLARATION,
    sign_content,
    signed_document_from_json,
)
from cfl.signing.keys import Signer


def sign_bundle(
    declaration_or_bundle: dict[str, Any], signer: Signer, *, role: str, at: dt.datetime,
    source: str = "<declaration>", issue_claim: bool | None = None,
) -> dict[str, Any]:
    """Validate the declaration, then return a bundle with one more signature by ``signer``.

    ``declaration_or_bundle`` is a declaration or an existing bundle; an existing bundle's
    declaration and signatures are kept exactly as they are.

    A certifier's signature also carries the compact QR claim (issued with the same key at
    the same time) in its unprotected ``cfl.claim`` header, so labels can be printed without
    the key (ADR 0025). ``issue_claim``: None (default) issues it for a certifier whenever
    the declaration carries the cfl extension (and raises if that declaration cannot carry
    one); True requires it even without the extension (an :class:`InputError` says what is
    missing); False never issues one.
    """
    if role not in ROLES:
        raise InputError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}",
                         code="bad_role")
    if _looks_like_bundle(declaration_or_bundle):
        document = signed_document_from_json(declaration_or_bundle, content_key="declaration",
                                             source=source)
        declaration = document.content
        existing = [entry.to_json() for entry in document.signatures]
        for entry in document.signatures:
            if entry.kid == signer.kid and entry.role == role:
                raise InputError(f"is already signed by this key ({signer.kid}) as {role}",
                                 source=source, code="already_signed")
    else:
        declaration, existing = declaration_or_bundle, []
    _require_valid_declaration(declaration, source=source)
    payload = canonical_bytes(declaration)
    new_entry = sign_content(declaration, signer, typ=TYP_DECLARATION, at=at,
                             extra_header={ROLE_HEADER: role}, payload=payload)
    if issue_claim is not False and role == "certifier":
        claim = _issue_claim(declaration, payload, signer, at=at, source=source,
                             required=issue_claim is True)
        if claim is not None:
            new_entry = {"protected": new_entry["protected"],
                         "header": {CLAIM_HEADER: b64url_encode(claim)},
                         "signature": new_entry["signature"]}
    return {"declaration": declaration, "signatures": [*existing, new_entry]}


def _issue_claim(declaration: dict[str, Any], payload: bytes, signer: Signer, *,
                 at: dt.datetime, source: str, required: bool) -> bytes | None:
    """The claim bytes, or None for a plain PACT declaration (no cfl extension) unless
    ``required``. A cfl declaration that cannot carry a claim is an error, never silence."""
    if not required and cfl_extension(declaration) is None:
        return None
    try:
        claim = claim_from_declaration(declaration, digest=hashlib.sha256(payload).digest(),
                                       issuer_kid=signer.kid, at=at)
    except InputError as exc:
        raise InputError(f"cannot carry a QR claim: {exc.message}", source=source,
                         code=exc.code) from None
    return sign_claim(claim, signer)


def _looks_like_bundle(value: dict[str, Any]) -> bool:
    return "declaration" in value and "signatures" in value


def _require_valid_declaration(declaration: dict[str, Any], *, source: str) -> None:
    findings = check_declaration(declaration, source=source)
    if is_blocking(findings):
        raise InvalidDeclarationError(
            f"is not a valid declaration ({len(findings)} problem(s); run `cfl validate`); "
            f"first: {findings[0]}", list(findings), source=source,
        )
