"""The signed bundle of a declaration: ``{"declaration": {...}, "signatures": [...]}``.

The JWS envelope itself (signature entries, header policy, signing input) is
:mod:`cfl.signing.jws`; a bundle is that envelope with the declaration as its content, and its
``digest`` (SHA-256 of the declaration's JCS bytes) is what a QR claim binds to.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from typing import Any

from cfl.declaration.view import DeclarationView
from cfl.signing.jcs import canonical_bytes, parse_canonicalisable, plain_canonical_bytes
from cfl.signing.jws import (
    MAX_BUNDLE_BYTES,
    SignatureEntry,
    parse_signed_document,
    signed_document_from_json,
)

#: The content member of a bundle.
CONTENT_KEY = "declaration"


@dataclass(frozen=True)
class Bundle:
    """A parsed signed bundle. ``digest`` (SHA-256 of ``payload``) is what claims bind to."""

    declaration: dict[str, Any]
    signatures: tuple[SignatureEntry, ...]
    payload: bytes
    digest: bytes

    @functools.cached_property
    def view(self) -> DeclarationView:
        """The declaration read through :class:`~cfl.declaration.view.DeclarationView`, one
        view for every check and fact of a verification (its extension and validity window
        are found once)."""
        return DeclarationView.of(self.declaration)


def parse_bundle(data: bytes, *, source: str = "<bundle>") -> Bundle:
    """Parse a signed bundle strictly (size bound first, duplicate keys refused).

    Only the structure is checked here; whether the signatures verify and whom they come
    from is :func:`cfl.verification.verify`'s job.
    """
    document = parse_signed_document(data, content_key=CONTENT_KEY, source=source)
    return Bundle(
        declaration=document.content,
        signatures=document.signatures,
        payload=document.payload,
        digest=hashlib.sha256(document.payload).digest(),
    )


def read_bundle(data: bytes, *, source: str = "<bundle>") -> Bundle:
    """The same :class:`Bundle` (or the same error) as
    :func:`parse_bundle`, with one parse and the cheapest exact JCS.

    The bytes are parsed once (:func:`cfl.signing.jcs.parse_canonicalisable`), the structure
    and the signature entries are checked by :func:`cfl.signing.jws.signed_document_from_json`
    itself, and the payload comes from :func:`cfl.signing.jcs.plain_canonical_bytes` when the
    parse proved that exact, else from :func:`cfl.signing.jcs.canonical_bytes`.
    ``tests/test_verify_fast_path.py`` shows both readers agree.
    """
    value, plain = parse_canonicalisable(data, source=source, max_bytes=MAX_BUNDLE_BYTES)
    declaration = value.get("declaration") if isinstance(value, dict) else None
    if not isinstance(declaration, dict):  # let the envelope say what is wrong
        document = signed_document_from_json(value, content_key="declaration", source=source)
        declaration = document.content
    # The structure and signature entries are the envelope's business; the declaration is
    # swapped for an empty object there only so that its JCS bytes are computed once, here.
    shell = dict(value)
    shell["declaration"] = {}
    document = signed_document_from_json(shell, content_key="declaration", source=source)
    payload = plain_canonical_bytes(declaration) if plain else canonical_bytes(declaration)
    return Bundle(declaration=declaration, signatures=document.signatures, payload=payload,
                  digest=hashlib.sha256(payload).digest())
