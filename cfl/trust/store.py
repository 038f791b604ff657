"""Where a verifier remembers the trust lists and revocation lists it has accepted.

The store is read once before a verification (:func:`read_stored_trust`) and written once
after it (:func:`remember_trust`); building the :class:`~cfl.trust.context.TrustContext` and
verifying in between touch no files.

Many verifiers may share one store (ADR 0123). Writes are linearizable: :func:`remember_trust`
takes the store's exclusive lock, reads each file again under it and writes a list only if
its version is higher than the stored one (compare-and-swap), so the stored version never
goes down, and a list is never replaced by another with the same version. Reading needs no
lock (every file is replaced whole, atomically). A :class:`DirectoryTrustStore` refuses a
folder or file that other users may write: whoever can write the store can roll it back.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import platformdirs

from cfl.errors import CflError
from cfl.io.atomic import CLOSE_ON_EXEC, NO_FOLLOW, lock_file, output_error, write_atomic
from cfl.io.jsonio import loads_strict, read_bytes
from cfl.signing.jcs import canonical_bytes
from cfl.signing.jws import MAX_BUNDLE_BYTES

#: Bound on a stored file (a trust list or a revocation list), checked before reading.
MAX_STORED_BYTES = 8 * MAX_BUNDLE_BYTES
_REVOCATIONS_PREFIX = "revocations-"
_STATUS_LIST_PREFIX = "statuslist-"
STORE_SOURCE = "<trust store>"


#: The lock file in a store folder (never a stored list).
LOCK_NAME = ".lock"


class TrustStore(Protocol):
    """Where a verifier keeps the last accepted trust list and revocation lists.

    A store shared by several verifiers also has ``locked()``, a context manager holding its
    exclusive write lock (:class:`DirectoryTrustStore`, :class:`MemoryTrustStore`):
    :func:`remember_trust` compares and writes under it."""

    def read(self, name: str) -> bytes | None: ...

    def write(self, name: str, data: bytes) -> None: ...

    def names(self) -> Iterable[str]: ...


class InsecureTrustStoreError(CflError):
    """The store folder or a stored file may be written by other users."""

    code = "trust_store_insecure"


class DirectoryTrustStore:
    """A :class:`TrustStore` in a folder; files are written atomically (mode 0600) under an
    exclusive lock (``flock`` on ``.lock`` in the folder). The folder and its files must be
    writable by their owner alone, and owned by the user running cfl (or root)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def read(self, name: str) -> bytes | None:
        target = self.path / name
        self._check_folder()
        if not target.is_file():
            return None
        _check_private(target, "file")
        return read_bytes(target, max_bytes=MAX_STORED_BYTES)

    def write(self, name: str, data: bytes) -> None:
        self._make()
        write_atomic(self.path / name, data, mode=0o600)

    def names(self) -> list[str]:
        self._check_folder()
        try:
            return sorted(entry.name for entry in self.path.iterdir()
                          if entry.is_file() and entry.name != LOCK_NAME)
        except OSError:
            return []

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the store's exclusive lock (other processes' writes wait for it)."""
        self._make()
        lock = self.path / LOCK_NAME
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT | NO_FOLLOW | CLOSE_ON_EXEC, 0o600)
        except OSError as exc:
            raise output_error(lock, exc, doing="cannot lock the trust store") from None
        try:
            lock_file(fd, wait=True)
            yield
        finally:
            os.close(fd)  # releases the lock

    def _make(self) -> None:
        try:
            self.path.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise CflError(f"{self.path}: cannot create the trust store ({exc.strerror})",
                           code="trust_store") from None
        self._check_folder()

    def _check_folder(self) -> None:
        if self.path.exists():
            _check_private(self.path, "folder")

    def __repr__(self) -> str:
        return f"DirectoryTrustStore({str(self.path)!r})"


def _check_private(path: Path, what: str) -> None:
    """Refuse ``path`` if a user other than its owner may write it, if it belongs to another
    user (who could change that), or, for a stored file, if it is not a plain file."""
    try:  # the folder may be reached through a link (its target is checked); a file may not
        info = os.stat(path) if what == "folder" else os.lstat(path)
    except OSError as exc:
        raise CflError(f"{path}: cannot read the trust store ({exc.strerror})",
                       code="trust_store") from None
    mode = stat.S_IMODE(info.st_mode)
    problem = None
    if what == "file" and not stat.S_ISREG(info.st_mode):
        problem = "is not a plain file (a link?)"
    elif mode & (stat.S_IWGRP | stat.S_IWOTH):
        problem = (f"is writable by other users (mode {mode:04o}); fix it with "
                   f"chmod go-w {path}")
    elif hasattr(os, "getuid") and info.st_uid not in (os.getuid(), 0):
        problem = (f"belongs to another user (uid {info.st_uid}), who could change it; use "
                   "a trust store of your own (--trust-store)")
    if problem is not None:
        raise InsecureTrustStoreError(
            f"{path}: the trust store {what} {problem}. Whoever can write the trust store "
            "can replace the lists a verifier remembers and roll back its trust list, so cfl "
            "does not use it", code="trust_store_insecure")


class MemoryTrustStore:
    """A :class:`TrustStore` in memory (tests, one-shot verifications)."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def read(self, name: str) -> bytes | None:
        return self.files.get(name)

    def write(self, name: str, data: bytes) -> None:
        self.files[name] = data

    def names(self) -> list[str]:
        return sorted(self.files)

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        with self._lock:
            yield


def default_trust_store_path() -> Path:
    return Path(platformdirs.user_cache_dir("cfl")) / "trust"


def trust_list_name(anchor_kid: str) -> str:
    return f"trustlist-{anchor_kid}.json"


def revocations_name(issuer_kid: str) -> str:
    return f"{_REVOCATIONS_PREFIX}{issuer_kid}.json"


def status_list_name(issuer_kid: str) -> str:
    return f"{_STATUS_LIST_PREFIX}{issuer_kid}.json"


@dataclass(frozen=True)
class StoredTrust:
    """What a store held for one anchor when it was read: the trust list accepted last and
    every stored revocation list and status list (checked against the trust list when the
    context is built).
    """

    trust_list: bytes | None = None
    revocations: tuple[bytes, ...] = ()
    status_lists: tuple[bytes, ...] = ()


#: Nothing stored: a one-shot verification (or the first one).
NOTHING_STORED = StoredTrust()


def read_stored_trust(store: TrustStore | None, anchor_kid: str) -> StoredTrust:
    """Read what ``store`` holds for the anchor ``anchor_kid`` (once, before verifying)."""
    if store is None:
        return NOTHING_STORED
    names = list(store.names())
    revocations = tuple(
        data for name in names
        if name.startswith(_REVOCATIONS_PREFIX) and (data := store.read(name)) is not None
    )
    status_lists = tuple(
        data for name in names
        if name.startswith(_STATUS_LIST_PREFIX) and (data := store.read(name)) is not None
    )
    return StoredTrust(store.read(trust_list_name(anchor_kid)), revocations, status_lists)


@dataclass(frozen=True)
class Remembered:
    """What :func:`remember_trust` did with each update: the names written, and the names
    kept as they were because the store meanwhile holds that list's version or a later one
    (another verification stored it between this one's read and its write)."""

    written: tuple[str, ...] = ()
    kept: tuple[str, ...] = ()


def remember_trust(store: TrustStore | None, updates: Iterable[tuple[str, bytes]]
                   ) -> Remembered:
    """Write the newly accepted lists (a context's ``updates``) to ``store``, each only if its
    version is higher than the one stored now: under the store's lock (if it has one), every
    name is read again and compared (compare-and-swap). A lower version, or another list with
    the same version, is never written."""
    if store is None:
        return Remembered()
    pending = list(updates)
    if not pending:
        return Remembered()
    written: list[str] = []
    kept: list[str] = []
    lock = getattr(store, "locked", None)
    with lock() if lock is not None else contextlib.nullcontext():
        for name, data in pending:
            if _supersedes(data, store.read(name)):
                store.write(name, data)
                written.append(name)
            else:
                kept.append(name)
    return Remembered(tuple(written), tuple(kept))


def stored_version(data: bytes) -> tuple[int, bytes] | None:
    """The version and content digest of a stored trust or revocation list (its signature
    was checked when it was accepted), or None if it cannot be read as one."""
    try:
        value: Any = loads_strict(data, source=STORE_SOURCE, max_bytes=MAX_STORED_BYTES)
        content = next(v for k, v in value.items() if k != "signatures")
        version = content["version"]
        if not isinstance(version, int) or isinstance(version, bool):
            return None
        return version, hashlib.sha256(canonical_bytes(content)).digest()
    except (CflError, AttributeError, KeyError, TypeError, StopIteration):
        return None


def _supersedes(new: bytes, current: bytes | None) -> bool:
    """True if ``new`` should replace ``current``: nothing (readable) is stored, or ``new``
    has a higher version."""
    if current is None:
        return True
    old = stored_version(current)
    if old is None:
        return True  # unreadable: refused when read anyway; an accepted list replaces it
    offered = stored_version(new)
    return offered is not None and offered[0] > old[0]
