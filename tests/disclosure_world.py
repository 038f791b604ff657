"""Proofs of disclosure for the verification and label tests: the signing world's bundle
logged (among others) in the log of tests/log_world.py, and trust lists that name that log
(optional, required, with a witness quorum) or none."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import uuid
from dataclasses import dataclass

from log_world import ORIGIN, log_world
from signing_world import AT, SIGNED_AT, world

from cfl.bundle.model import parse_bundle
from cfl.log.checkpoint import Checkpoint, sign_checkpoint
from cfl.log.entries import bundle_entry, encode_entry
from cfl.log.hashing import MemoryTree
from cfl.log.proof import create_log_proof
from cfl.log.witness import add_cosignatures
from cfl.signing.jws import bundle_to_bytes
from cfl.trust.context import TrustContext
from cfl.trust.logs import transparency_log_json
from cfl.trust.trust_list import add_transparency_log, sign_trust_list

#: The entry of the signing world's bundle, among 6.
INDEX = 4
LOG_URL = "https://log.example.org/cfl-test-suite"


@dataclass(frozen=True)
class Disclosure:
    bundle: bytes
    proof: bytes
    other_proof: bytes  # a valid proof of another declaration's entry
    cosigned_proof: bytes  # the proof with two witness cosignatures (dated AT)


@functools.cache
def disclosure() -> Disclosure:
    bundle = world().bundle_bytes()
    parsed = parse_bundle(bundle)
    logs = log_world()
    entries = [encode_entry(bundle_entry(
        declaration_digest=hashlib.sha256(b"other %d" % n).digest(),
        declaration_id=uuid.UUID(int=n), signer_kid=world().certifier.kid,
        accepted_at=SIGNED_AT)) for n in range(6)]
    entries[INDEX] = encode_entry(bundle_entry(
        declaration_digest=parsed.digest, declaration_id=str(parsed.declaration["id"]),
        signer_kid=world().certifier.kid, accepted_at=SIGNED_AT + dt.timedelta(hours=1)))
    tree = MemoryTree()
    tree.extend(entries)
    point = Checkpoint(ORIGIN, tree.size, tree.root())
    note = sign_checkpoint(point, logs.log)
    cosigned = add_cosignatures(note, [w.cosign(point, at=AT) for w in logs.witnesses[:2]])
    return Disclosure(
        bundle, create_log_proof(INDEX, note, point, tree, extra=entries[INDEX]),
        create_log_proof(1, note, point, tree, extra=entries[1]),
        create_log_proof(INDEX, cosigned, point, tree, extra=entries[INDEX]))


def trust_with_log(*, required: bool = False, quorum: int = 0,
                   valid_until: dt.datetime | None = None) -> bytes:
    logs = log_world()
    item = transparency_log_json(
        origin=ORIGIN, url=LOG_URL, log_keys=[logs.log.verifier_key.text],
        valid_from=SIGNED_AT - dt.timedelta(days=30),
        valid_until=valid_until or AT + dt.timedelta(days=365),
        witness_keys=[w.verifier_key.text for w in logs.witnesses], quorum=quorum,
        required=required)
    document = add_transparency_log(world().trust_list_document, item)
    return bundle_to_bytes(sign_trust_list(document, world().operator, at=SIGNED_AT))


def context(**log_options: object) -> TrustContext:
    return world().context(trust_list=trust_with_log(**log_options))  # type: ignore[arg-type]
