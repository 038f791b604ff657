"""A small log for the log tests (tests/log/): a log key, three witnesses, a stranger, and
cfl entries. Keys come from fixed seeds (fast, and failures reproduce)."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import uuid
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import ed25519

from cfl.log.checkpoint import Checkpoint, SignedCheckpoint, open_checkpoint, sign_checkpoint
from cfl.log.entries import bundle_entry, encode_entry
from cfl.log.hashing import MemoryTree
from cfl.log.note import NoteSigner
from cfl.log.witness import Cosigner, WitnessPolicy, add_cosignatures
from cfl.signing.keys import LocalSigner

ORIGIN = "log.example.org/cfl-test-suite"
AT = dt.datetime(2026, 3, 10, 12, tzinfo=dt.UTC)


def signer(name: str) -> LocalSigner:
    seed = hashlib.sha256(f"cfl log test suite {name}".encode()).digest()
    return LocalSigner(ed25519.Ed25519PrivateKey.from_private_bytes(seed))


def entry(index: int) -> bytes:
    return encode_entry(bundle_entry(
        declaration_digest=hashlib.sha256(b"declaration %d" % index).digest(),
        declaration_id=uuid.uuid5(uuid.NAMESPACE_URL, f"urn:test:{index}"),
        signer_kid=signer("certifier").kid,
        accepted_at=AT - dt.timedelta(days=1) + dt.timedelta(seconds=index)))


@dataclass(frozen=True)
class LogWorld:
    log: NoteSigner
    stranger: NoteSigner
    witnesses: tuple[Cosigner, ...]
    entries: tuple[bytes, ...]

    def tree(self, size: int) -> MemoryTree:
        tree = MemoryTree()
        tree.extend(self.entries[:size])
        return tree

    def checkpoint(self, size: int, tree: MemoryTree | None = None) -> Checkpoint:
        return Checkpoint(ORIGIN, size, (tree or self.tree(size)).root(size))

    def signed(self, size: int, *, witnesses: int = 0, tree: MemoryTree | None = None,
               at: dt.datetime = AT) -> bytes:
        point = self.checkpoint(size, tree)
        note = sign_checkpoint(point, self.log)
        cosignatures = [cosigner.cosign(point, at=at) for cosigner in self.witnesses[:witnesses]]
        return add_cosignatures(note, cosignatures) if cosignatures else note

    def opened(self, note: bytes) -> SignedCheckpoint:
        return open_checkpoint(note, origin=ORIGIN, log_keys=[self.log.verifier_key])

    def policy(self, quorum: int) -> WitnessPolicy:
        return WitnessPolicy(tuple(w.verifier_key for w in self.witnesses), quorum)


@functools.cache
def _world() -> LogWorld:
    return LogWorld(
        log=NoteSigner(ORIGIN, signer("log")),
        stranger=NoteSigner(ORIGIN, signer("stranger")),
        witnesses=tuple(Cosigner(f"witness-{n}.example.org", signer(f"witness-{n}"))
                        for n in range(1, 4)),
        entries=tuple(entry(index) for index in range(1100)),
    )


def log_world() -> LogWorld:
    return _world()
