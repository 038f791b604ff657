"""A monitor of a register's transparency log (``cfl log monitor``): from the checkpoint it
saw last to the register's latest one, over the register's tiles (C2SP tlog-tiles), checking
that the log only grew and that every new entry is what it should be.

One run is one :func:`~cfl.log.monitor.monitor_step` with the network and the state folder
around it:

* the latest checkpoint, the tiles and the entry bundles are fetched from the log's URL
  (every response bounded before it is parsed) and checked by the library against the log's
  key and origin, and the previous root against the new tree;
* every new entry is checked as its purpose demands (:class:`EntryChecks`): a bundle entry
  names a bundle the register serves, whose declaration has the logged digest and id, signed
  by the logged certifier, listed as a certifier in the trust list on the day it was
  accepted, with a signature that verifies; no declaration id is logged twice with two
  digests; a revocation-list entry comes from a listed certifier and its version grows;
* only when all of it passed is the new checkpoint stored (``STATE/checkpoint``), with the
  ids and list versions seen (``STATE/monitor.sqlite3``). A fork, a rewritten history or a
  rollback keeps the state as it was and writes both signed notes to ``STATE/evidence/``.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from cfl.bundle.model import read_bundle
from cfl.errors import CflError, InputError
from cfl.interop.pact_client import tls_verification
from cfl.io.atomic import write_atomic
from cfl.log.checkpoint import SignedCheckpoint, open_checkpoint
from cfl.log.entries import BundleEntry, ListEntry, LogEntry, decode_entry
from cfl.log.errors import LogVerificationError
from cfl.log.monitor import MonitorResult, monitor_step
from cfl.log.note import MAX_NOTE_BYTES, VerifierKey
from cfl.log.tiles import FULL_TILE_BYTES, TILE_WIDTH, EntryBundleId, TileId
from cfl.log.witness import WitnessPolicy
from cfl.signing.jws import MAX_BUNDLE_BYTES, TYP_DECLARATION, signature_problem
from cfl.timeutil import format_time
from cfl.trust.revocation import declaration_key
from cfl.trust.trust_list import TrustList

CHECKPOINT_FILE = "checkpoint"
INDEX_FILE = "monitor.sqlite3"
EVIDENCE_DIR = "evidence"
#: Codes that prove the log contradicted itself (the monitor's loudest outcome).
MISBEHAVIOUR = frozenset({"log_fork", "log_rewritten", "checkpoint_rollback",
                          "checkpoint_inconsistent"})
#: The largest entry a cfl entry bundle holds (entries are 82 or 90 bytes).
MAX_CFL_ENTRY = 4096


class MonitorFetchError(CflError):
    """The log (or the register beside it) could not be read: no verdict on the log."""

    code = "monitor_fetch"


@dataclass(frozen=True)
class LogEndpoints:
    """Where a register's log and its bundles are: ``log`` is the tlog-tiles prefix,
    ``register`` the register's base URL (bundles at ``/api/bundles/<digest>``)."""

    log: str
    register: str

    @classmethod
    def of(cls, url: str) -> LogEndpoints:
        """From the log's URL (``…/log``) or the register's base URL."""
        if not url.startswith(("https://", "http://")):
            raise InputError(f"{url[:80]!r} is not an http(s) URL of a log", source="URL",
                             code="bad_url")
        base = url.rstrip("/")
        if base.rsplit("/", 1)[-1] == "log":
            return cls(base, base.rsplit("/", 1)[0])
        return cls(base + "/log", base)


@dataclass(frozen=True)
class MonitorOutcome:
    """A passed run: the stored checkpoint and what was checked."""

    origin: str
    previous_size: int
    size: int
    entries: int
    bundles: int
    lists: int
    tiles: int
    entry_bundles: int
    seconds: float


@dataclass
class EntryChecks:
    """What a monitor checks about each new entry of a cfl log (see the module)."""

    trust_list: TrustList | None
    fetch_bundle: Callable[[str], bytes] | None
    index: sqlite3.Connection
    bundles: int = 0
    lists: int = 0
    problems: list[str] = field(default_factory=list)

    def __call__(self, position: int, entry: LogEntry) -> None:
        if isinstance(entry, BundleEntry):
            self._bundle(position, entry)
            self.bundles += 1
        elif isinstance(entry, ListEntry):
            self._list(position, entry)
            self.lists += 1

    def _bundle(self, position: int, entry: BundleEntry) -> None:
        digest = entry.declaration_digest.hex()
        declaration_id = str(entry.declaration_id)
        seen = self.index.execute("SELECT digest, idx FROM ids WHERE id = ?",
                                  (declaration_id,)).fetchone()
        if seen is not None and seen[0] != digest:
            raise InputError(f"declaration {declaration_id} was logged before (entry "
                             f"{seen[1]}) with another digest", code="declaration_logged_twice")
        if self.fetch_bundle is not None:
            self._verify_bundle(entry, digest, declaration_id)
        if seen is None:
            self.index.execute("INSERT INTO ids (id, digest, idx) VALUES (?, ?, ?)",
                               (declaration_id, digest, position))

    def _verify_bundle(self, entry: BundleEntry, digest: str, declaration_id: str) -> None:
        assert self.fetch_bundle is not None
        data = self.fetch_bundle(digest)
        bundle = read_bundle(data, source=f"bundle {digest}")
        if bundle.digest != entry.declaration_digest:
            raise InputError("the register serves a bundle whose declaration has another "
                             "digest than the logged one", code="bundle_digest_mismatch")
        if declaration_key(str(bundle.declaration.get("id"))) != declaration_id:
            raise InputError("the served bundle's declaration has another id than the logged "
                             "one", code="bundle_id_mismatch")
        signature = next((s for s in bundle.signatures if s.kid == entry.signer_kid
                          and s.role == "certifier"), None)
        if signature is None:
            raise InputError(f"the bundle carries no certifier signature by the logged kid "
                             f"{entry.signer_kid}", code="bundle_signer_mismatch")
        if self.trust_list is None:
            return
        listed = self.trust_list.find(entry.signer_kid)
        if listed is None or not listed.has_role("certifier") or \
                not listed.valid_at(entry.accepted_at):
            raise InputError(f"{entry.signer_kid} was not a listed certifier on "
                             f"{format_time(entry.accepted_at)}", code="signer_untrusted")
        problem = signature_problem(signature, bundle.payload, listed.public_key,
                                    typ=TYP_DECLARATION)
        if problem is not None:
            raise InputError(f"the certifier's signature does not verify ({problem[1]})",
                             code=problem[0])

    def _list(self, position: int, entry: ListEntry) -> None:
        if self.trust_list is not None:
            listed = self.trust_list.find(entry.issuer_kid)
            if listed is None or not listed.has_role("certifier"):
                raise InputError(f"a {entry.kind} of {entry.issuer_kid}, which is not a "
                                 "listed certifier", code="revocation_list_untrusted")
        last = self.index.execute("SELECT version, idx FROM lists WHERE issuer = ? AND "
                                  "kind = ?", (entry.issuer_kid, entry.kind)).fetchone()
        if last is not None and last[1] != position and entry.version <= last[0]:
            raise InputError(f"the {entry.kind} of {entry.issuer_kid} went from version "
                             f"{last[0]} (entry {last[1]}) to {entry.version}",
                             code="list_version_not_growing")
        self.index.execute("INSERT OR REPLACE INTO lists (issuer, kind, version, idx) "
                           "VALUES (?, ?, ?, ?)", (entry.issuer_kid, entry.kind,
                                                   entry.version, position))


def _open_index(state: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(state / INDEX_FILE, isolation_level="DEFERRED")
    connection.execute("CREATE TABLE IF NOT EXISTS ids (id TEXT PRIMARY KEY, digest TEXT NOT "
                       "NULL, idx INTEGER NOT NULL)")
    connection.execute("CREATE TABLE IF NOT EXISTS lists (issuer TEXT, kind TEXT, version "
                       "INTEGER NOT NULL, idx INTEGER NOT NULL, PRIMARY KEY (issuer, kind))")
    connection.commit()
    return connection


def read_state(state: Path, *, origin: str, log_keys: list[VerifierKey]
               ) -> SignedCheckpoint | None:
    """The checkpoint stored by the last passed run (None before the first)."""
    path = state / CHECKPOINT_FILE
    if not path.exists():
        return None
    try:
        data = path.read_bytes()[:MAX_NOTE_BYTES + 1]
    except OSError as exc:
        raise InputError(f"cannot read ({exc.strerror})", source=str(path),
                         code="unreadable") from None
    try:
        return open_checkpoint(data, origin=origin, log_keys=log_keys)
    except CflError as exc:
        raise InputError(f"the stored checkpoint is not one of this log ({exc})",
                         source=str(path), code="monitor_state") from None


def write_evidence(state: Path, error: LogVerificationError, at: dt.datetime) -> Path:
    """Both signed notes of a contradiction, kept for whoever must see them."""
    folder = state / EVIDENCE_DIR / f"{at.strftime('%Y%m%dT%H%M%SZ')}-{error.code}"
    folder.mkdir(parents=True, exist_ok=True)
    names = ("previous.checkpoint", "new.checkpoint")
    for name, note in zip(names, error.evidence, strict=False):
        write_atomic(folder / name, note)
    write_atomic(folder / "reason.txt", f"{error.code}: {error.message}\n")
    return folder


class _Fetcher:
    """Bounded GETs from the log and the register."""

    def __init__(self, http: httpx.Client, endpoints: LogEndpoints) -> None:
        self.http = http
        self.endpoints = endpoints
        self.requests = 0

    def get(self, url: str, limit: int) -> bytes:
        self.requests += 1
        try:
            with self.http.stream("GET", url) as response:
                if response.status_code != 200:
                    raise MonitorFetchError(f"{url}: HTTP {response.status_code}")
                data = bytearray()
                for chunk in response.iter_bytes():
                    data += chunk
                    if len(data) > limit:
                        raise MonitorFetchError(f"{url}: more than {limit} bytes")
                return bytes(data)
        except httpx.HTTPError as exc:
            raise MonitorFetchError(f"{url}: {type(exc).__name__}: {exc}") from None

    def checkpoint(self) -> bytes:
        return self.get(f"{self.endpoints.log}/checkpoint", MAX_NOTE_BYTES)

    def tile(self, tile: TileId) -> bytes:
        return self.get(f"{self.endpoints.log}/{tile.path}", FULL_TILE_BYTES)

    def entries(self, bundle: EntryBundleId) -> bytes:
        return self.get(f"{self.endpoints.log}/{bundle.path}", TILE_WIDTH * (2 + MAX_CFL_ENTRY))

    def bundle(self, digest: str) -> bytes:
        return self.get(f"{self.endpoints.register}/api/bundles/{digest}", MAX_BUNDLE_BYTES)


def run_monitor(url: str, state: Path, *, origin: str, log_keys: list[VerifierKey],
                at: dt.datetime, trust_list: TrustList | None = None,
                witnesses: WitnessPolicy | None = None, check_bundles: bool = True,
                verify: bool | str = True, timeout: float = 30.0) -> MonitorOutcome:
    """One monitoring run (see the module). Raises
    :class:`~cfl.log.errors.LogVerificationError` when the log misbehaved or served what it
    did not sign (its ``code`` says which; :data:`MISBEHAVIOUR` codes write evidence first),
    :class:`MonitorFetchError` when it could not be read."""
    endpoints = LogEndpoints.of(url)
    state.mkdir(parents=True, exist_ok=True)
    previous = read_state(state, origin=origin, log_keys=log_keys)
    started = time.perf_counter()
    with httpx.Client(verify=tls_verification(verify), timeout=timeout,
                      follow_redirects=False) as http, closing(_open_index(state)) as index:
        fetcher = _Fetcher(http, endpoints)
        checks = EntryChecks(trust_list, fetcher.bundle if check_bundles else None, index)

        def check(position: int, data: bytes) -> None:
            checks(position, decode_entry(data))

        try:
            result: MonitorResult = monitor_step(
                previous, fetcher.checkpoint(), origin=origin, log_keys=log_keys,
                fetch_tile=fetcher.tile, fetch_entries=fetcher.entries, check_entry=check,
                at=at, witnesses=witnesses, max_entry_bytes=MAX_CFL_ENTRY)
        except LogVerificationError as exc:
            index.rollback()
            if exc.code in MISBEHAVIOUR and exc.evidence:
                write_evidence(state, exc, at)
            raise
        except BaseException:
            index.rollback()
            raise
        index.commit()
    write_atomic(state / CHECKPOINT_FILE, result.checkpoint.note)
    return MonitorOutcome(origin, result.previous_size, result.checkpoint.checkpoint.size,
                          result.entries_checked, checks.bundles, checks.lists,
                          result.tiles_fetched, result.bundles_fetched,
                          time.perf_counter() - started)


def iter_evidence(state: Path) -> Iterator[Path]:
    folder = state / EVIDENCE_DIR
    return iter(sorted(folder.iterdir())) if folder.is_dir() else iter(())
