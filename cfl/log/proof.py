"""C2SP tlog-proof: an offline proof that an entry is in a log, for a label or a file.

Text format (``c2sp.org/tlog-proof@v1``), lines ending in a newline::

    c2sp.org/tlog-proof@v1
    extra <base64 of opaque data>          (optional)
    index <leaf index, decimal>
    <base64 hash>                          (the inclusion path, leaf's sibling first)
    …
                                           (an empty line)
    <the signed checkpoint, verbatim, with any witness cosignatures>

In cfl the ``extra`` line carries the log entry itself (:mod:`cfl.log.entries`), so that the
proof alone says what was logged. It is never trusted as such: :func:`verify_log_proof`
hashes it (or the entry the caller hands in) into the leaf whose inclusion it checks, and
the caller compares the decoded entry with the declaration it verifies.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cfl.log.checkpoint import Checkpoint, SignedCheckpoint, open_checkpoint
from cfl.log.entries import BundleEntry, decode_entry
from cfl.log.errors import LogFormatError, LogVerificationError
from cfl.log.hashing import (
    MAX_PROOF_HASHES,
    HashReader,
    check_size,
    inclusion_proof,
    leaf_hash,
    verify_inclusion,
)
from cfl.log.note import MAX_NOTE_BYTES, VerifierKey, b64decode_strict, b64encode
from cfl.log.witness import Cosignature, WitnessPolicy, verify_cosignatures

PROOF_HEADER = "c2sp.org/tlog-proof@v1"
#: Bound on the extra data (a cfl entry is under 100 bytes).
MAX_EXTRA_BYTES = 4096
#: Bound on a whole proof, checked before it is parsed.
MAX_PROOF_BYTES = MAX_NOTE_BYTES + 8192
#: The file extension c2sp.org/tlog-proof recommends.
PROOF_FILE_SUFFIX = ".tlog-proof"
_INDEX = re.compile("index (0|[1-9][0-9]{0,18})")


def sidecar_path(document: Path) -> Path:
    """Where the proof of a document file travels beside it: the file's name with
    :data:`PROOF_FILE_SUFFIX` appended (``battery.bundle.json`` →
    ``battery.bundle.json.tlog-proof``), as detached signatures travel beside what they sign.
    A name only: nothing is read or written."""
    return document.with_name(document.name + PROOF_FILE_SUFFIX)


@dataclass(frozen=True)
class LogProof:
    """A parsed (not yet verified) tlog-proof."""

    index: int
    inclusion: tuple[bytes, ...]
    checkpoint: bytes
    extra: bytes | None = None

    def to_bytes(self) -> bytes:
        lines = [PROOF_HEADER]
        if self.extra is not None:
            lines.append(f"extra {b64encode(self.extra)}")
        lines.append(f"index {self.index}")
        lines.extend(b64encode(item) for item in self.inclusion)
        head = "".join(line + "\n" for line in lines) + "\n"
        return head.encode("ascii") + self.checkpoint


def parse_log_proof(data: bytes) -> LogProof:
    """A tlog-proof's parts, or :class:`LogFormatError` (``proof_malformed``)."""

    def bad(why: str) -> LogFormatError:
        return LogFormatError(f"not a {PROOF_HEADER} proof: {why}", code="proof_malformed")

    if not isinstance(data, bytes | bytearray):
        raise bad("expected bytes")
    if len(data) > MAX_PROOF_BYTES:
        raise LogFormatError(f"the proof is {len(data)} bytes, more than {MAX_PROOF_BYTES}",
                             code="proof_malformed")
    head, separator, checkpoint = bytes(data).partition(b"\n\n")
    if not separator:
        raise bad("no empty line before the checkpoint")
    try:
        lines = head.decode("ascii").split("\n")
    except UnicodeDecodeError:
        raise bad("the lines before the checkpoint are not ASCII") from None
    if lines[0] != PROOF_HEADER:
        raise bad(f"the first line is not {PROOF_HEADER!r}")
    position = 1
    extra = None
    if len(lines) > position and lines[position].startswith("extra "):
        extra = b64decode_strict(lines[position][len("extra "):], what="the extra data",
                                 code="proof_malformed")
        if len(extra) > MAX_EXTRA_BYTES:
            raise bad(f"the extra data is more than {MAX_EXTRA_BYTES} bytes")
        position += 1
    match = _INDEX.fullmatch(lines[position]) if len(lines) > position else None
    if match is None:
        raise bad("no 'index <n>' line")
    index = check_size(int(match[1]), what="leaf index")
    hashes = lines[position + 1:]
    if len(hashes) > MAX_PROOF_HASHES:
        raise bad(f"more than {MAX_PROOF_HASHES} inclusion proof hashes")
    inclusion = []
    for number, line in enumerate(hashes):
        value = b64decode_strict(line, what=f"inclusion proof hash #{number}",
                                 code="proof_malformed")
        if len(value) != 32:
            raise bad(f"inclusion proof hash #{number} is not 32 bytes")
        inclusion.append(value)
    if not checkpoint:
        raise bad("no checkpoint after the empty line")
    return LogProof(index, tuple(inclusion), checkpoint, extra)


def create_log_proof(index: int, checkpoint_note: bytes, checkpoint: Checkpoint,
                     read: HashReader, *, extra: bytes | None = None) -> bytes:
    """The tlog-proof of entry ``index`` in the tree ``checkpoint`` states (whose signed
    note, with any cosignatures, is ``checkpoint_note``), its path read from the log's
    stored hashes. In cfl, ``extra`` is the entry's bytes."""
    if extra is not None and len(extra) > MAX_EXTRA_BYTES:
        raise LogFormatError(f"the extra data is more than {MAX_EXTRA_BYTES} bytes",
                             code="proof_malformed")
    path = inclusion_proof(index, checkpoint.size, read)
    return LogProof(index, tuple(path), checkpoint_note, extra).to_bytes()


def check_proof_subject(data: bytes, declaration_digest: bytes) -> LogProof:
    """The parsed proof if its entry (the extra data) is a bundle entry of the declaration
    with ``declaration_digest``; a :class:`LogFormatError` for a malformed proof or entry, a
    :class:`LogVerificationError` (``proof_entry_mismatch``) for a proof about another
    document. Nothing is verified against a key: this only keeps a proof from travelling
    with the wrong bundle (a label, a sidecar file)."""
    proof = parse_log_proof(data)
    if proof.extra is None:
        raise LogFormatError("the proof carries no entry (no 'extra' line)",
                             code="proof_malformed")
    entry = decode_entry(proof.extra)
    if not isinstance(entry, BundleEntry) or entry.declaration_digest != declaration_digest:
        raise LogVerificationError("the proof is about another document than this bundle",
                                   code="proof_entry_mismatch")
    return proof


@dataclass(frozen=True)
class VerifiedLogProof:
    """What a verified proof establishes: the entry (its bytes) is at ``index`` in the tree
    of the log-signed ``checkpoint``, cosigned by ``cosignatures``."""

    index: int
    entry: bytes
    checkpoint: SignedCheckpoint
    cosignatures: tuple[Cosignature, ...]


def verify_log_proof(data: bytes, *, origin: str, log_keys: Sequence[VerifierKey],
                     at: dt.datetime, entry: bytes | None = None,
                     witnesses: WitnessPolicy | None = None) -> VerifiedLogProof:
    """Verify a tlog-proof offline against the trusted log keys and origin.

    The entry is ``entry`` if given (and must equal the proof's extra data if that is
    there: ``proof_entry_mismatch``), else the extra data. Checked, in order: the format
    (``proof_malformed``), the log's signature and origin (``checkpoint_signature``,
    ``checkpoint_origin``), the witness quorum if a policy is given
    (``cosignature_quorum``), the inclusion of the entry's leaf hash at the index
    (``inclusion_proof_invalid``).
    """
    proof = parse_log_proof(data)
    if entry is None:
        if proof.extra is None:
            raise LogFormatError("the proof carries no entry (no 'extra' line) and none was "
                                 "given", code="proof_malformed")
        entry = proof.extra
    elif proof.extra is not None and proof.extra != entry:
        raise LogVerificationError("the proof is about another entry than the one given",
                                   code="proof_entry_mismatch")
    signed = open_checkpoint(proof.checkpoint, origin=origin, log_keys=log_keys)
    cosignatures = () if witnesses is None else verify_cosignatures(signed, witnesses, at=at)
    verify_inclusion(proof.index, signed.checkpoint.size, leaf_hash(entry), proof.inclusion,
                     signed.checkpoint.root_hash)
    return VerifiedLogProof(proof.index, entry, signed, cosignatures)
