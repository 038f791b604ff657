"""Witness cosignatures (c2sp.org/tlog-cosignature, ``cosignature/v1``) and the witness
protocol (c2sp.org/tlog-witness ``add-checkpoint``), as library functions without a server.

A witness is a key that vouches, with a timestamp, that a checkpoint was the largest tree
consistent with everything it had seen of that log. A relying party trusts a checkpoint
only if enough independent witnesses cosigned it (a :class:`WitnessPolicy`, *k* of *n*),
which is what makes a split view — one tree shown to some, another to others — detectable.

Three parts:

* :class:`Cosigner` signs a checkpoint as a witness (Ed25519, signature type ``0x04``,
  ``timestamp || signature`` after the key ID);
* :func:`verify_cosignatures` checks a checkpoint's cosignatures against a policy;
* :func:`witness_add_checkpoint` is what a witness service does with an ``add-checkpoint``
  request body: each refusal is a :class:`~cfl.log.errors.WitnessError` with the HTTP
  status the protocol prescribes. Storing the accepted checkpoint atomically with the check
  of the old size is the caller's part (one database transaction).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from cfl.log.checkpoint import Checkpoint, SignedCheckpoint, parse_checkpoint_text
from cfl.log.errors import LogFormatError, LogVerificationError, WitnessError
from cfl.log.hashing import EMPTY_ROOT, MAX_PROOF_HASHES, verify_consistency
from cfl.log.note import (
    MAX_NOTE_BYTES,
    SIG_COSIGNATURE_V1,
    Note,
    NoteSignature,
    VerifierKey,
    b64decode_strict,
    b64encode,
    cosignature_message,
    cosignature_timestamp,
    format_note,
    open_note,
    parse_note,
)
from cfl.signing.keys import Signer

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
#: How far in the future (by the verifier's clock) a cosignature may be dated and count.
DEFAULT_CLOCK_SKEW = dt.timedelta(minutes=5)


def posix_seconds(moment: dt.datetime) -> int:
    if not isinstance(moment, dt.datetime) or moment.tzinfo is None:
        raise LogFormatError("a time must be a timezone-aware datetime",
                             code="note_malformed")
    return (moment - _EPOCH) // dt.timedelta(seconds=1)


# ------------------------------------------------------------------------- cosigning


class Cosigner:
    """Cosigns checkpoints as witness ``name`` with a cfl Ed25519
    :class:`~cfl.signing.keys.Signer`. Use a key for nothing else: the ``cosignature/v1``
    message does not name the witness."""

    sig_type = SIG_COSIGNATURE_V1

    def __init__(self, name: str, signer: Signer) -> None:
        if signer.alg != "EdDSA":
            raise LogFormatError(f"cosignatures are Ed25519; the key is {signer.alg}",
                                 code="vkey_malformed")
        self.name = name
        self._signer = signer
        self.verifier_key = VerifierKey.from_public_key(name, signer.public_key,
                                                        SIG_COSIGNATURE_V1)

    def cosign(self, checkpoint: Checkpoint, *, at: dt.datetime) -> NoteSignature:
        """The cosignature line over ``checkpoint``, dated ``at``."""
        timestamp = posix_seconds(at)
        if timestamp < 0:
            raise LogFormatError("a cosignature is dated after 1970", code="note_malformed")
        signature = self._signer.sign(cosignature_message(checkpoint.text, timestamp))
        return NoteSignature(self.name, self.verifier_key.key_id,
                             timestamp.to_bytes(8, "big") + signature)

    def __repr__(self) -> str:  # never shows key material
        return f"Cosigner({self.verifier_key.text!r})"


@dataclass(frozen=True)
class Cosignature:
    """A verified cosignature: which witness, and when it cosigned."""

    witness: VerifierKey
    timestamp: int

    @property
    def time(self) -> dt.datetime:
        return _EPOCH + dt.timedelta(seconds=self.timestamp)


@dataclass(frozen=True)
class WitnessPolicy:
    """Trust a checkpoint only if at least ``quorum`` of ``witnesses`` cosigned it."""

    witnesses: tuple[VerifierKey, ...]
    quorum: int

    def __post_init__(self) -> None:
        if any(key.sig_type != SIG_COSIGNATURE_V1 for key in self.witnesses):
            raise LogFormatError("witness keys are cosignature/v1 keys (type 0x04)",
                                 code="vkey_malformed")
        if len({key.public_key.kid for key in self.witnesses}) != len(self.witnesses):
            raise LogFormatError("a witness key is listed twice", code="vkey_ambiguous")
        if not 0 <= self.quorum <= len(self.witnesses):
            raise LogFormatError(f"a quorum of {self.quorum} cannot be met by "
                                 f"{len(self.witnesses)} witnesses", code="vkey_malformed")


def add_cosignatures(note: bytes, signatures: Sequence[NoteSignature]) -> bytes:
    """``note`` with ``signatures`` appended (a line already there is not repeated)."""
    parsed = parse_note(note)
    present = set(parsed.signatures)
    added = [signature for signature in signatures if signature not in present]
    return format_note(parsed.text, [*parsed.signatures, *dict.fromkeys(added)])


def verify_cosignatures(checkpoint: SignedCheckpoint, policy: WitnessPolicy, *,
                        at: dt.datetime, not_before: dt.datetime | None = None,
                        clock_skew: dt.timedelta = DEFAULT_CLOCK_SKEW,
                        ) -> tuple[Cosignature, ...]:
    """The cosignatures of ``policy``'s witnesses on ``checkpoint``; at least
    ``policy.quorum`` of them, or ``cosignature_quorum``.

    A cosignature dated more than ``clock_skew`` after ``at``, or before ``not_before``
    (a freshness bound the caller chooses), does not count. A cosignature of a listed
    witness that does not verify refuses the checkpoint (``note_signature_invalid``).
    """
    if policy.quorum == 0:
        return ()
    try:
        opened = open_note(parse_note(checkpoint.note), policy.witnesses)
        signed = opened.verified
    except LogVerificationError as exc:
        if exc.code != "note_unverified":
            raise
        signed = ()
    latest = posix_seconds(at + clock_skew)
    earliest = None if not_before is None else posix_seconds(not_before)
    counted: list[Cosignature] = []
    skipped = 0
    for key, signature in signed:
        timestamp = cosignature_timestamp(signature.signature)
        assert timestamp is not None  # it verified, so it is a timestamped signature
        if timestamp > latest or (earliest is not None and timestamp < earliest):
            skipped += 1
            continue
        counted.append(Cosignature(key, timestamp))
    if len(counted) < policy.quorum:
        why = f" ({skipped} dated outside the accepted window)" if skipped else ""
        raise LogVerificationError(f"{len(counted)} of the {policy.quorum} witness "
                                   f"cosignatures required are on the checkpoint{why}",
                                   code="cosignature_quorum")
    return tuple(counted)


# ------------------------------------------------------------------------- add-checkpoint


@dataclass(frozen=True)
class AddCheckpointRequest:
    """An ``add-checkpoint`` request: the size the client believes the witness last
    cosigned, the consistency proof from it, and the signed checkpoint."""

    old_size: int
    proof: tuple[bytes, ...]
    checkpoint: bytes

    def to_bytes(self) -> bytes:
        lines = [f"old {self.old_size}\n", *(b64encode(item) + "\n" for item in self.proof),
                 "\n"]
        return "".join(lines).encode("ascii") + self.checkpoint


def parse_add_checkpoint(body: bytes) -> AddCheckpointRequest:
    """An ``add-checkpoint`` body, or :class:`WitnessError` 400."""

    def bad(why: str) -> WitnessError:
        return WitnessError(f"malformed add-checkpoint request: {why}",
                            code="witness_request_malformed", http_status=400)

    if not isinstance(body, bytes | bytearray) or len(body) > MAX_NOTE_BYTES + 8192:
        raise bad("too large")
    head, separator, note = bytes(body).partition(b"\n\n")
    if not separator:
        raise bad("no empty line before the checkpoint")
    try:
        lines = head.decode("ascii").split("\n")
    except UnicodeDecodeError:
        raise bad("the header is not ASCII") from None
    first, proof_lines = lines[0], lines[1:]
    size_text = first.removeprefix("old ")
    if first == size_text or not size_text.isdigit() or (
            size_text != "0" and size_text.startswith("0")) or len(size_text) > 19:
        raise bad("the first line is not 'old <size>'")
    if len(proof_lines) > MAX_PROOF_HASHES - 1:
        raise bad("more than 63 consistency proof lines")
    try:
        proof = tuple(b64decode_strict(line, what="a proof line") for line in proof_lines)
    except LogFormatError as exc:
        raise bad(exc.message) from None
    if any(len(item) != 32 for item in proof):
        raise bad("a proof line is not a 32-byte hash")
    return AddCheckpointRequest(int(size_text), proof, note)


@dataclass(frozen=True)
class WitnessResponse:
    """A cosigned ``add-checkpoint``: the response body's signature lines, and the
    checkpoint the witness must now store as the latest for its origin."""

    signatures: tuple[NoteSignature, ...]
    checkpoint: Checkpoint

    @property
    def body(self) -> bytes:
        return "".join(signature.line for signature in self.signatures).encode("utf-8")


def witness_add_checkpoint(body: bytes, *, logs: Mapping[str, Sequence[VerifierKey]],
                           latest: Callable[[str], Checkpoint | None], cosigner: Cosigner,
                           at: dt.datetime) -> WitnessResponse:
    """What a witness does with an ``add-checkpoint`` body (c2sp.org/tlog-witness).

    ``logs`` maps each known origin to its log keys; ``latest(origin)`` is the checkpoint
    the witness last cosigned for it (None if never). Refusals, as
    :class:`~cfl.log.errors.WitnessError` with ``http_status``: malformed (400), unknown
    origin (404), no valid log signature (403), old size above the checkpoint size (400),
    old size not the latest cosigned size (409, ``latest_size`` set), same size with
    another root (409), consistency proof not verifying (422).
    """
    request = parse_add_checkpoint(body)
    try:
        note: Note = parse_note(request.checkpoint)
        claimed = parse_checkpoint_text(note.text)
    except LogFormatError as exc:
        raise WitnessError(f"malformed checkpoint: {exc.message}",
                           code="witness_request_malformed", http_status=400) from None
    keys = logs.get(claimed.origin)
    if not keys:
        raise WitnessError(f"unknown log {claimed.origin!r}", code="witness_unknown_log",
                           http_status=404)
    try:
        open_note(note, keys)
    except LogVerificationError:
        raise WitnessError("the checkpoint has no valid signature of the log's key",
                           code="witness_bad_signature", http_status=403) from None
    if request.old_size > claimed.size:
        raise WitnessError(f"old size {request.old_size} is larger than the checkpoint's "
                           f"{claimed.size}", code="witness_old_size_too_large",
                           http_status=400)
    stored = latest(claimed.origin)
    stored_size = 0 if stored is None else stored.size
    if request.old_size != stored_size:
        raise WitnessError(f"the latest cosigned size is {stored_size}, not "
                           f"{request.old_size}", code="witness_conflict", http_status=409,
                           latest_size=stored_size)
    stored_root = EMPTY_ROOT if stored is None else stored.root_hash
    if request.old_size == claimed.size and stored is not None \
            and stored.root_hash != claimed.root_hash:
        raise WitnessError("the checkpoint has the latest cosigned size but another root",
                           code="witness_conflict", http_status=409,
                           latest_size=stored_size)
    try:
        verify_consistency(request.old_size, claimed.size, stored_root, claimed.root_hash,
                           request.proof)
    except LogVerificationError:
        raise WitnessError("the consistency proof does not verify",
                           code="witness_bad_proof", http_status=422) from None
    return WitnessResponse((cosigner.cosign(claimed, at=at),), claimed)


def parse_witness_response(body: bytes) -> tuple[NoteSignature, ...]:
    """The cosignature lines of a witness's 200 response (each ``— name base64``)."""
    if not isinstance(body, bytes | bytearray) or not body.endswith(b"\n"):
        raise LogFormatError("a witness response is signature lines ending in a newline",
                             code="note_malformed")
    # the lines parse as the signatures of a note with a placeholder text
    return parse_note(b"placeholder\n\n" + bytes(body)).signatures
