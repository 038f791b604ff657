"""Where a verifier remembers the trust lists and revocation lists it has accepted.

The store is read once before a verification (:func:`read_stored_trust`) and written once
after it (:func:`remember_trust`); building the :class:`~cfl.trust.context.TrustContext` and
verifying in between touch no files.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import platformdirs

from cfl.errors import CflError
from cfl.io.atomic import write_atomic
from cfl.io.jsonio import read_bytes
from cfl.signing.jws import MAX_BUNDLE_BYTES

#: Bound on a stored file (a trust list or a revocation list), checked before reading.
MAX_STORED_BYTES = 8 * MAX_BUNDLE_BYTES
_REVOCATIONS_PREFIX = "revocations-"


class TrustStore(Protocol):
    """Where a verifier keeps the last accepted trust list and revocation lists."""

    def read(self, name: str) -> bytes | None: ...

    def write(self, name: str, data: bytes) -> None: ...

    def names(self) -> Iterable[str]: ...


class DirectoryTrustStore:
    """A :class:`TrustStore` in a folder; files are written atomically (mode 0600)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def read(self, name: str) -> bytes | None:
        target = self.path / name
        if not target.is_file():
            return None
        return read_bytes(target, max_bytes=MAX_STORED_BYTES)

    def write(self, name: str, data: bytes) -> None:
        try:
            self.path.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise CflError(f"{self.path}: cannot create the trust store ({exc.strerror})",
                           code="trust_store") from None
        write_atomic(self.path / name, data, mode=0o600)

    def names(self) -> list[str]:
        try:
            return sorted(entry.name for entry in self.path.iterdir() if entry.is_file())
        except OSError:
            return []

    def __repr__(self) -> str:
        return f"DirectoryTrustStore({str(self.path)!r})"


class MemoryTrustStore:
    """A :class:`TrustStore` in memory (tests, one-shot verifications)."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def read(self, name: str) -> bytes | None:
        return self.files.get(name)

    def write(self, name: str, data: bytes) -> None:
        self.files[name] = data

    def names(self) -> list[str]:
        return sorted(self.files)


def default_trust_store_path() -> Path:
    return Path(platformdirs.user_cache_dir("cfl")) / "trust"


def trust_list_name(anchor_kid: str) -> str:
    return f"trustlist-{anchor_kid}.json"


def revocations_name(issuer_kid: str) -> str:
    return f"{_REVOCATIONS_PREFIX}{issuer_kid}.json"


@dataclass(frozen=True)
class StoredTrust:
    """What a store held for one anchor when it was read: the trust list accepted last and
    every stored revocation list (checked against the trust list when the context is built).
    """

    trust_list: bytes | None = None
    revocations: tuple[bytes, ...] = ()


#: Nothing stored: a one-shot verification (or the first one).
NOTHING_STORED = StoredTrust()


def read_stored_trust(store: TrustStore | None, anchor_kid: str) -> StoredTrust:
    """Read what ``store`` holds for the anchor ``anchor_kid`` (once, before verifying)."""
    if store is None:
        return NOTHING_STORED
    revocations = tuple(
        data for name in store.names()
        if name.startswith(_REVOCATIONS_PREFIX) and (data := store.read(name)) is not None
    )
    return StoredTrust(store.read(trust_list_name(anchor_kid)), revocations)


def remember_trust(store: TrustStore | None, updates: Iterable[tuple[str, bytes]]) -> None:
    """Write the newly accepted lists (a context's ``updates``) to ``store``."""
    if store is None:
        return
    for name, data in updates:
        store.write(name, data)
