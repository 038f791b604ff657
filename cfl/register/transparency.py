"""The register's transparency log: what it appends, when it signs a checkpoint, how it
collects witness cosignatures, and the proofs and tiles it serves (docs/transparency-log.md,
docs/cli-register.md "The transparency log").

* :meth:`RegisterLog.hook` is a storage hook (:data:`~cfl.register.storage.AppendHook`):
  inside the transaction that stores an accepted bundle or revocation list it appends the
  entry (:mod:`cfl.log.entries`), so the two commit together or not at all.
* :meth:`RegisterLog.tick` signs a checkpoint of the current tree with the register's log
  key when one is due — at least every ``checkpoint_seconds`` while there are new entries,
  or at once after ``checkpoint_entries`` of them — after checking that the stored hashes
  still give the root of the last checkpoint it signed (a store that changed under it is
  refused, never signed over). With witnesses configured it first collects their
  cosignatures (c2sp.org/tlog-witness ``add-checkpoint``) and keeps the note with them.
* :meth:`RegisterLog.proof` is the tlog-proof of a logged document against the latest
  checkpoint, with the entry as its extra data.

Time comes from the register's clock; the only network calls are to the configured
witnesses, each bounded by a timeout.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import httpx
from sqlalchemy import Connection

from cfl.errors import CflError, InputError
from cfl.log.checkpoint import Checkpoint, parse_checkpoint_text, sign_checkpoint
from cfl.log.entries import LogEntry, bundle_entry, encode_entry, list_entry
from cfl.log.errors import LogFormatError
from cfl.log.hashing import consistency_proof, root_hash
from cfl.log.note import NoteSignature, NoteSigner, VerifierKey, parse_note, parse_verifier_key
from cfl.log.proof import create_log_proof
from cfl.log.tiles import EntryBundleId, TileId, entry_bundle, parse_tile_path
from cfl.log.witness import AddCheckpointRequest, add_cosignatures, parse_witness_response
from cfl.register.log_store import LogStore, LogUnavailable, StoredCheckpoint
from cfl.register.storage import Disclosure

LOG = logging.getLogger("cfl.register")
#: Bound on a witness's answer (a few signature lines).
MAX_WITNESS_RESPONSE = 16 * 1024


@dataclass(frozen=True)
class WitnessEndpoint:
    """A witness the register asks to cosign its checkpoints: its verifier key (type 0x04)
    and the URL prefix of its ``add-checkpoint`` endpoint."""

    key: VerifierKey
    url: str

    @classmethod
    def parse(cls, text: str, *, source: str = "<config>") -> WitnessEndpoint:
        """``"<verifier key> <URL>"``, as the config file's ``[log] witnesses`` lists it."""
        parts = text.split()
        if len(parts) != 2 or not parts[1].startswith(("https://", "http://")):
            raise InputError(f"{text[:80]!r}: a witness is '<verifier key> <https URL>'",
                             source=source, location="[log].witnesses", code="bad_config")
        try:
            key = parse_verifier_key(parts[0])
        except LogFormatError as exc:
            raise InputError(exc.message, source=source, location="[log].witnesses",
                             code="bad_config") from None
        if key.sig_type != 0x04:
            raise InputError(f"{key.name}: a witness key is a cosignature/v1 key (type 0x04)",
                             source=source, location="[log].witnesses", code="bad_config")
        return cls(key, parts[1].rstrip("/"))


@dataclass(frozen=True)
class LogProofAnswer:
    """What the register can say about a logged document: its index and entry, and the
    tlog-proof once a checkpoint includes it (None before)."""

    index: int
    entry: bytes
    proof: bytes | None
    checkpoint_size: int


def entry_of(disclosure: Disclosure) -> LogEntry:
    """The log entry of an accepted document."""
    at = dt.datetime.fromtimestamp(disclosure.at, dt.UTC)
    if disclosure.kind == "bundle":
        return bundle_entry(declaration_digest=bytes.fromhex(disclosure.digest),
                            declaration_id=disclosure.subject, signer_kid=disclosure.signer,
                            accepted_at=at)
    if disclosure.kind == "revocations":
        return list_entry(kind="revocation-list", issuer_kid=disclosure.signer,
                          version=disclosure.version, digest=bytes.fromhex(disclosure.digest),
                          accepted_at=at)
    if disclosure.kind == "status-list":
        return list_entry(kind="status-list", issuer_kid=disclosure.signer,
                          version=disclosure.version, digest=bytes.fromhex(disclosure.digest),
                          accepted_at=at)
    raise LogUnavailable(f"the log has no entry type for a {disclosure.kind!r} disclosure")


def checkpoint_of(note: bytes) -> Checkpoint:
    """The checkpoint a note the register signed states (its own notes: not re-verified)."""
    return parse_checkpoint_text(parse_note(note).text)


class RegisterLog:
    """The register's log: appending, signing checkpoints, witnesses, proofs, tiles."""

    def __init__(self, store: LogStore, signer: NoteSigner, *,
                 clock: Callable[[], dt.datetime], checkpoint_seconds: float = 1.0,
                 checkpoint_entries: int = 256, witnesses: Sequence[WitnessEndpoint] = (),
                 witness_timeout: float = 5.0,
                 post: Callable[[str, bytes, float], tuple[int, bytes]] | None = None) -> None:
        self.store = store
        self.signer = signer
        self.clock = clock
        self.checkpoint_seconds = checkpoint_seconds
        self.checkpoint_entries = checkpoint_entries
        self.witnesses = tuple(witnesses)
        self.witness_timeout = witness_timeout
        self._post = post or _http_post
        self._lock = threading.Lock()
        self._last_signed = -float("inf")  # monotonic time of the last checkpoint signed here
        self._witness_sizes: dict[str, int] = {}
        #: The size of the latest checkpoint kept (signed here or by another process).
        self.published_size = -1
        self._event: asyncio.Event | None = None
        self._notified_size = -1

    @property
    def origin(self) -> str:
        return self.signer.name

    @property
    def verifier_key(self) -> str:
        """The log key as a verifier key (what the trust list's ``logKeys`` lists)."""
        return self.signer.verifier_key.text

    # ------------------------------------------------------------------ appending
    def hook(self, connection: Connection, disclosure: Disclosure) -> None:
        """Append the disclosure's entry inside its transaction."""
        self.store.append(connection, encode_entry(entry_of(disclosure)), disclosure.digest)

    # ------------------------------------------------------------------ checkpoints
    def tick(self) -> bytes | None:
        """Sign a checkpoint if one is due (see the module); the new note, or None."""
        with self._lock:
            latest = self.store.latest_checkpoint()
            size = self.store.size()
            signed = -1 if latest is None else latest.size
            self.published_size = max(self.published_size, signed)
            waited = time.monotonic() - self._last_signed
            due = latest is None or (size > signed and (
                waited >= self.checkpoint_seconds or size - signed >= self.checkpoint_entries))
            if not due:
                return None
            note = self._sign(size, latest)
            self._last_signed = time.monotonic()
            self.published_size = max(self.published_size, size)
            return note

    def _sign(self, size: int, previous: StoredCheckpoint | None) -> bytes:
        reader = self.store.reader()
        if previous is not None:
            old = checkpoint_of(previous.note)
            if old.origin != self.origin or size < old.size or \
                    root_hash(old.size, reader) != old.root_hash:
                raise LogUnavailable(
                    f"the log's stored hashes no longer give the root of the checkpoint of "
                    f"{old.size} entries it signed; it will not sign over a changed history "
                    "(restore the database from a backup)")
        checkpoint = Checkpoint(self.origin, size, root_hash(size, reader))
        note = sign_checkpoint(checkpoint, self.signer)
        if self.witnesses:
            note = self._cosigned(note, checkpoint)
        if not self.store.add_checkpoint(size, note, at=int(self.clock().timestamp())):
            kept = self.store.latest_checkpoint()
            return kept.note if kept is not None else note
        LOG.info("log %s: checkpoint of %d entries", self.origin, size)
        return note

    def _cosigned(self, note: bytes, checkpoint: Checkpoint) -> bytes:
        lines: list[NoteSignature] = []
        reader = self.store.reader()
        for witness in self.witnesses:
            try:
                lines += self._ask_witness(witness, note, checkpoint, reader)
            except (CflError, httpx.HTTPError, ValueError) as exc:
                LOG.warning("witness %s did not cosign checkpoint %d: %s", witness.key.name,
                            checkpoint.size, exc)
        return add_cosignatures(note, lines) if lines else note

    def _ask_witness(self, witness: WitnessEndpoint, note: bytes, checkpoint: Checkpoint,
                     reader: Callable[..., Sequence[bytes]]) -> list[NoteSignature]:
        old = self._witness_sizes.get(witness.key.name, 0)
        for _ in range(2):  # a 409 names the size the witness holds: retry once from there
            old = min(old, checkpoint.size)
            body = AddCheckpointRequest(
                old, tuple(consistency_proof(old, checkpoint.size, reader)), note).to_bytes()
            status, answer = self._post(f"{witness.url}/add-checkpoint", body,
                                        self.witness_timeout)
            if status == 409 and answer.strip().isdigit() and len(answer) < 24:
                old = int(answer.strip())
                continue
            if status != 200:
                raise LogUnavailable(f"HTTP {status}: {answer[:200]!r}")
            found = [line for line in parse_witness_response(answer)
                     if (line.name, line.key_id) == (witness.key.name, witness.key.key_id)
                     and witness.key.verify(checkpoint.text, line.signature)]
            if not found:
                raise LogUnavailable("its answer holds no valid cosignature of its key")
            self._witness_sizes[witness.key.name] = checkpoint.size
            return found[:1]
        raise LogUnavailable("it insists on another old size")

    # ------------------------------------------------------------------ waiting (async)
    def notify(self) -> None:
        """Wake those waiting for a checkpoint (call from the event loop's thread)."""
        if self.published_size != self._notified_size:
            self._notified_size = self.published_size
            if self._event is not None:
                event, self._event = self._event, None
                event.set()

    async def wait_for_size(self, size: int, timeout: float) -> bool:
        """Wait (at most ``timeout`` seconds) until a checkpoint of at least ``size`` entries
        is kept; whether one is."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.published_size < size:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            if self._event is None:
                self._event = asyncio.Event()
            try:
                await asyncio.wait_for(self._event.wait(), remaining)
            except TimeoutError:
                return self.published_size >= size
        return True

    # ------------------------------------------------------------------ serving
    def latest_note(self) -> bytes | None:
        latest = self.store.latest_checkpoint()
        return None if latest is None else latest.note

    def proof(self, lookup: str) -> LogProofAnswer | None:
        """The proof of the document logged under ``lookup`` (a hex digest), or None if no
        entry has that digest."""
        found = self.store.find(lookup)
        if found is None:
            return None
        index, entry = found
        latest = self.store.latest_checkpoint()
        if latest is None or latest.size <= index:
            return LogProofAnswer(index, entry, None, 0 if latest is None else latest.size)
        self.published_size = max(self.published_size, latest.size)
        checkpoint = checkpoint_of(latest.note)
        proof = create_log_proof(index, latest.note, checkpoint, self.store.reader(),
                                 extra=entry)
        return LogProofAnswer(index, entry, proof, latest.size)

    def tile(self, path: str) -> tuple[bytes, bool] | None:
        """The tile or entry bundle at ``tile/…`` (its bytes, and whether it is full), or
        None while it does not exist; a path that is not a tlog-tiles path is an
        :class:`~cfl.log.errors.LogFormatError`."""
        tile = parse_tile_path(path)
        if isinstance(tile, TileId):
            data = self.store.tile(tile)
            return None if data is None else (data, not tile.partial)
        assert isinstance(tile, EntryBundleId)
        entries = self.store.entries(tile)
        return None if entries is None else (entry_bundle(entries), not tile.partial)

    def describe(self) -> dict[str, object]:
        latest = self.store.latest_checkpoint()
        return {"origin": self.origin, "verifierKey": self.verifier_key,
                "size": self.store.size(),
                "checkpointSize": None if latest is None else latest.size,
                "witnesses": [w.key.text for w in self.witnesses]}


def _http_post(url: str, body: bytes, timeout: float) -> tuple[int, bytes]:
    with httpx.Client(timeout=timeout, follow_redirects=False) as http, \
            http.stream("POST", url, content=body) as response:
        data = b""
        for chunk in response.iter_bytes():
            data += chunk
            if len(data) > MAX_WITNESS_RESPONSE:
                raise LogUnavailable(f"the witness at {url} answered more than "
                                     f"{MAX_WITNESS_RESPONSE} bytes")
        return response.status_code, data
