"""The compact QR claim (formats 1 and 2): its statements and code tables, encoding and
signing, strict decoding, the text form, and issuing one for a declaration."""

from __future__ import annotations

from cfl.claim.decode import decode_claim, decode_claim_text
from cfl.claim.encode import sign_claim
from cfl.claim.issue import claim_differences, claim_from_declaration
from cfl.claim.model import (
    CLAIM_FORMAT_2,
    CLAIM_FORMAT_VERSION,
    CompactClaim,
    SignedClaim,
    binding_digest,
)
from cfl.claim.text import DEFAULT_RESOLVER, check_resolver, claim_bytes_from_text, claim_to_text

__all__ = [
    "CLAIM_FORMAT_2",
    "CLAIM_FORMAT_VERSION",
    "DEFAULT_RESOLVER",
    "CompactClaim",
    "SignedClaim",
    "binding_digest",
    "check_resolver",
    "claim_bytes_from_text",
    "claim_differences",
    "claim_from_declaration",
    "claim_to_text",
    "decode_claim",
    "decode_claim_text",
    "sign_claim",
]
