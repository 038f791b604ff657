"""Keys and the ``Signer`` interface, RFC 8785 canonical bytes, and the generic JWS envelope
that bundles, trust lists and revocation lists share."""

from __future__ import annotations

from cfl.signing.jcs import canonical_bytes
from cfl.signing.jws import (
    SignatureEntry,
    SignedDocument,
    bundle_to_bytes,
    parse_signed_document,
    sign_content,
    signature_problem,
)
from cfl.signing.keys import (
    LocalSigner,
    PublicKey,
    Signer,
    load_public_key,
    load_signer,
    write_key_pair,
)

__all__ = [
    "LocalSigner",
    "PublicKey",
    "SignatureEntry",
    "SignedDocument",
    "Signer",
    "bundle_to_bytes",
    "canonical_bytes",
    "load_public_key",
    "load_signer",
    "parse_signed_document",
    "sign_content",
    "signature_problem",
    "write_key_pair",
]
