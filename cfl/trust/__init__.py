"""Trust: the scheme operator's signed trust list, certifiers' revocation lists, the store
that remembers them, and the immutable trust context a verification runs against."""

from __future__ import annotations

from cfl.trust.context import TrustContext, build_trust_context, load_trust_context
from cfl.trust.revocation import RevocationList, revoke, verify_revocation_list
from cfl.trust.store import (
    DirectoryTrustStore,
    InsecureTrustStoreError,
    MemoryTrustStore,
    Remembered,
    StoredTrust,
    TrustStore,
    default_trust_store_path,
    read_stored_trust,
    remember_trust,
)
from cfl.trust.trust_list import (
    Accreditation,
    TrustEntry,
    TrustList,
    add_trust_entry,
    new_trust_list,
    read_trust_list_document,
    sign_trust_list,
)

__all__ = [
    "Accreditation",
    "DirectoryTrustStore",
    "InsecureTrustStoreError",
    "MemoryTrustStore",
    "Remembered",
    "RevocationList",
    "StoredTrust",
    "TrustContext",
    "TrustEntry",
    "TrustList",
    "TrustStore",
    "add_trust_entry",
    "build_trust_context",
    "default_trust_store_path",
    "load_trust_context",
    "new_trust_list",
    "read_stored_trust",
    "read_trust_list_document",
    "remember_trust",
    "revoke",
    "sign_trust_list",
    "verify_revocation_list",
]
