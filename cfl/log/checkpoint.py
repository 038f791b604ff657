"""C2SP tlog-checkpoint: the signed tree head of a log, and what a client does with a new
one.

A checkpoint is a signed note whose text is the log's **origin** (one line naming the log),
its **tree size** (decimal, no leading zeros) and its **root hash** (base64 of 32 bytes),
then optional non-empty **extension lines**. The log signs it with an Ed25519 note key whose
name is the origin (:func:`sign_checkpoint`); a client opens it with the log's trusted
verifier keys and the origin it expects (:func:`open_checkpoint`), and moves from the
checkpoint it stored to a new one only if the new one extends it
(:func:`check_checkpoint_update`): a smaller tree is refused as ``checkpoint_rollback``, a
tree that the stored one is not a prefix of as ``checkpoint_inconsistent`` — with both
signed notes as evidence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from cfl.log.errors import LogFormatError, LogVerificationError
from cfl.log.hashing import (
    MAX_TREE_SIZE,
    check_hash,
    check_size,
    verify_consistency,
)
from cfl.log.note import (
    NoteSignature,
    NoteSigner,
    OpenedNote,
    VerifierKey,
    b64decode_strict,
    b64encode,
    open_note,
    parse_note,
    sign_note,
    valid_key_name,
)

#: Bound on a checkpoint's text (origin, size, root and extension lines).
MAX_CHECKPOINT_TEXT = 8 * 1024
#: Bound on its extension lines.
MAX_EXTENSION_LINES = 16
_SIZE = re.compile("0|[1-9][0-9]{0,18}")


@dataclass(frozen=True)
class Checkpoint:
    """A log's tree head: origin, tree size, root hash and extension lines."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.origin, str) or not self.origin or "\n" in self.origin:
            raise LogFormatError("a checkpoint origin is one non-empty line",
                                 code="checkpoint_malformed")
        check_size(self.size)
        check_hash(self.root_hash, what="root hash")
        if len(self.extensions) > MAX_EXTENSION_LINES or any(
                not line or "\n" in line for line in self.extensions):
            raise LogFormatError(f"a checkpoint has at most {MAX_EXTENSION_LINES} extension "
                                 "lines, none of them empty", code="checkpoint_malformed")

    @property
    def text(self) -> str:
        """The note text: origin, size, root hash, extension lines, each ending in a
        newline."""
        lines = [self.origin, str(self.size), b64encode(self.root_hash), *self.extensions]
        return "".join(line + "\n" for line in lines)


def parse_checkpoint_text(text: str) -> Checkpoint:
    """The checkpoint a note text states (not verified: open the note first)."""
    if not isinstance(text, str) or len(text.encode("utf-8")) > MAX_CHECKPOINT_TEXT:
        raise LogFormatError(f"a checkpoint's text is at most {MAX_CHECKPOINT_TEXT} bytes",
                             code="checkpoint_malformed")
    if not text.endswith("\n"):
        raise LogFormatError("a checkpoint's text ends with a newline",
                             code="checkpoint_malformed")
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise LogFormatError("a checkpoint has an origin, a tree size and a root hash line",
                             code="checkpoint_malformed")
    origin, size_text, root_text, *extensions = lines
    if not origin:
        raise LogFormatError("the checkpoint's origin line is empty",
                             code="checkpoint_malformed")
    if _SIZE.fullmatch(size_text) is None or int(size_text) > MAX_TREE_SIZE:
        raise LogFormatError(f"the checkpoint's tree size {size_text!r} is not a decimal "
                             f"number from 0 to {MAX_TREE_SIZE} without leading zeros",
                             code="checkpoint_malformed")
    root = b64decode_strict(root_text, what="the checkpoint's root hash",
                            code="checkpoint_malformed")
    if len(root) != 32:
        raise LogFormatError("the checkpoint's root hash is not 32 bytes",
                             code="checkpoint_malformed")
    return Checkpoint(origin, int(size_text), root, tuple(extensions))


@dataclass(frozen=True)
class SignedCheckpoint:
    """A checkpoint whose log signature verified, with the note it came in (as received)
    and the signature lines of keys that were not checked (witness cosignatures among
    them)."""

    checkpoint: Checkpoint
    note: bytes
    opened: OpenedNote

    @property
    def other_signatures(self) -> tuple[NoteSignature, ...]:
        return self.opened.unverified


def sign_checkpoint(checkpoint: Checkpoint, signer: NoteSigner, *,
                    keep: Sequence[NoteSignature] = ()) -> bytes:
    """The signed note of ``checkpoint``, signed by the log key ``signer`` (whose name
    must be the origin: :func:`check_log_key_name`)."""
    check_log_key_name(checkpoint.origin, signer)
    return sign_note(checkpoint.text, [signer], keep=keep)


def check_log_key_name(origin: str, signer: NoteSigner) -> None:
    """Refuse a log key whose name is not the origin (c2sp.org/tlog-checkpoint: the key name
    SHOULD be the origin; cfl makes it so for its own logs)."""
    if not valid_key_name(origin):
        raise LogFormatError(f"{origin!r} cannot be a key name (no spaces, no '+')",
                             code="checkpoint_malformed")
    if signer.name != origin:
        raise LogFormatError(f"the log key is named {signer.name!r}, not the origin "
                             f"{origin!r}", code="checkpoint_malformed")


def open_checkpoint(data: bytes, *, origin: str,
                    log_keys: Sequence[VerifierKey]) -> SignedCheckpoint:
    """Open a signed checkpoint of the log ``origin``: a signature of one of ``log_keys``
    must verify (``checkpoint_signature`` otherwise), and the body must be a checkpoint of
    that origin (``checkpoint_origin``). Other signatures are not checked here (witness
    cosignatures: :func:`cfl.log.witness.verify_cosignatures`)."""
    if not log_keys:
        raise LogFormatError("no log key to check the checkpoint with", code="vkey_malformed")
    note = parse_note(data)
    try:
        opened = open_note(note, log_keys)
    except LogVerificationError as exc:
        raise LogVerificationError(f"the checkpoint is not signed by the log's key: "
                                   f"{exc.message}", code="checkpoint_signature") from None
    checkpoint = parse_checkpoint_text(opened.text)
    if checkpoint.origin != origin:
        raise LogVerificationError(f"the checkpoint is of log {checkpoint.origin!r}, not "
                                   f"{origin!r}", code="checkpoint_origin")
    return SignedCheckpoint(checkpoint, bytes(data), opened)


def check_checkpoint_update(stored: SignedCheckpoint | None, new: SignedCheckpoint,
                            proof: Sequence[bytes]) -> SignedCheckpoint:
    """The checkpoint to keep after seeing ``new`` when ``stored`` was the latest seen:
    ``new`` if it extends ``stored`` (``proof`` is the consistency proof from the stored
    size to the new size), ``stored`` if ``new`` is the same tree.

    Refused, with both notes as ``evidence``: a smaller tree (``checkpoint_rollback``; if
    ``proof`` is given for that case — from the new size to the stored size — and it does
    not verify, ``checkpoint_inconsistent``), the same size with another root, or a proof
    that does not verify (``checkpoint_inconsistent``).
    """
    if stored is None:
        return new
    old, latest = stored.checkpoint, new.checkpoint
    if old.origin != latest.origin:
        raise LogVerificationError(f"the checkpoint is of log {latest.origin!r}, not "
                                   f"{old.origin!r}", code="checkpoint_origin")
    evidence = (stored.note, new.note)
    if latest.size < old.size:
        if proof:
            try:
                verify_consistency(latest.size, old.size, latest.root_hash, old.root_hash,
                                   proof)
            except LogVerificationError:
                raise LogVerificationError(
                    f"the checkpoint of {latest.size} leaves contradicts the stored one of "
                    f"{old.size} leaves", code="checkpoint_inconsistent",
                    evidence=evidence) from None
        raise LogVerificationError(f"the checkpoint's tree ({latest.size} leaves) is smaller "
                                   f"than the stored one ({old.size} leaves)",
                                   code="checkpoint_rollback", evidence=evidence)
    try:
        verify_consistency(old.size, latest.size, old.root_hash, latest.root_hash, proof)
    except LogVerificationError:
        why = ("has another root for the same size" if old.size == latest.size
               else "does not extend the stored tree")
        raise LogVerificationError(f"the checkpoint of {latest.size} leaves {why} "
                                   f"({old.size} leaves)", code="checkpoint_inconsistent",
                                   evidence=evidence) from None
    return stored if old.size == latest.size else new
