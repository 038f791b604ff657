"""The signed bundle of a declaration: reading it, signing a declaration (with its QR
claim), and the claim a certifier's signature carries."""

from cfl.bundle.claim import ClaimBinding, claim_binding, claim_in_bundle
from cfl.bundle.model import Bundle, parse_bundle, read_bundle
from cfl.bundle.sign import sign_bundle

__all__ = [
    "Bundle",
    "ClaimBinding",
    "claim_binding",
    "claim_in_bundle",
    "parse_bundle",
    "read_bundle",
    "sign_bundle",
]
