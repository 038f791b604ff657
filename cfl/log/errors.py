"""The errors of the transparency log, split by who must act, and the table of their codes.

Two kinds, as everywhere in cfl (:mod:`cfl.errors`):

* :class:`LogFormatError` (an :class:`~cfl.errors.InputError`): bytes that are not what they
  claim to be — a malformed signed note, checkpoint, tile, entry bundle, entry, proof or
  verifier key, or one over its size bound. Whoever sent them must fix them.
* :class:`LogVerificationError` (a :class:`~cfl.errors.TamperedError`): well-formed input
  that does not verify — a bad signature, a proof that does not lead to the root, a tile
  that does not hash to the checkpoint, a checkpoint that goes back or contradicts one
  already seen. Some of these are evidence that the log misbehaved; those carry the signed
  notes that prove it in ``evidence``.

Every code is listed in :data:`LOG_ERROR_CODES` with one sentence on what it means, so that a
report (or the register) can register them without reading this package.
"""

from __future__ import annotations

from types import MappingProxyType

from cfl.errors import CflError, InputError, TamperedError

#: Every code this package raises, and what it means.
LOG_ERROR_CODES = MappingProxyType({
    # ---- malformed or oversized input (LogFormatError)
    "tree_size_invalid": "a tree size or index is negative, too large, or not below the size",
    "hash_malformed": "a hash is not 32 bytes, or not canonical base64",
    "proof_too_long": "a Merkle proof has more hashes than any tree can need",
    "note_too_large": "a signed note is larger than the bound, or has too many signatures",
    "note_malformed": "a signed note does not follow the signed-note format",
    "vkey_malformed": "a verifier key is not <name>+<8 hex digits>+<base64 key>, or its key "
                      "ID does not match",
    "vkey_ambiguous": "two trusted keys share a name and a key ID",
    "checkpoint_malformed": "a checkpoint body is not origin, tree size, root hash and "
                            "optional extension lines",
    "tile_path_invalid": "a tile or entry-bundle path is not a tlog-tiles path",
    "tile_malformed": "a tile is not 32 bytes per hash at its width",
    "entry_bundle_malformed": "an entry bundle is not a sequence of length-prefixed entries of "
                              "its width",
    "entry_malformed": "a log entry is not a cfl entry of a known version and type",
    "proof_malformed": "a tlog-proof is not in the c2sp.org/tlog-proof@v1 format",
    "witness_request_malformed": "an add-checkpoint request is not an old size line, proof "
                                 "lines, an empty line and a checkpoint",
    # ---- well-formed but not verifying (LogVerificationError)
    "inclusion_proof_invalid": "the inclusion proof does not lead from the entry to the root",
    "consistency_proof_invalid": "the consistency proof does not show the older tree is a "
                                 "prefix of the newer one",
    "note_signature_invalid": "a signature by a trusted key does not verify",
    "note_unverified": "no signature by a trusted key is on the note",
    "checkpoint_signature": "the checkpoint carries no valid signature of the log's key",
    "checkpoint_origin": "the checkpoint is of another log (its origin line differs)",
    "checkpoint_rollback": "the checkpoint's tree is smaller than one already seen",
    "checkpoint_inconsistent": "the checkpoint contradicts one already seen (same size with "
                               "another root, or a tree the other is not a prefix of)",
    "cosignature_quorum": "fewer trusted witnesses cosigned the checkpoint than the policy "
                          "requires",
    "tile_mismatch": "a tile does not hash to the checkpoint it was fetched for",
    "entry_mismatch": "an entry does not hash to its leaf in the verified tree",
    "entry_rejected": "the caller's entry check refused a logged entry",
    "log_fork": "the log signed two different trees of the same size (a split view)",
    "log_rewritten": "the log signed a larger tree that does not extend a tree it signed "
                     "before (rewritten history)",
    "proof_entry_mismatch": "the entry handed to a proof check differs from the entry the "
                            "proof carries",
    # ---- storage (LogStoreError)
    "store_incomplete": "the hash store did not return a hash for every node asked for",
    # ---- the witness protocol (WitnessError; ``http_status`` per c2sp.org/tlog-witness)
    "witness_unknown_log": "the witness does not know the checkpoint's origin",
    "witness_bad_signature": "no trusted log signature on the submitted checkpoint",
    "witness_old_size_too_large": "the old size is larger than the checkpoint's size",
    "witness_conflict": "the old size is not the size the witness last cosigned, or the same "
                        "size came with another root",
    "witness_bad_proof": "the consistency proof from the old size does not verify",
})


class LogFormatError(InputError):
    """Malformed or oversized transparency-log input (a note, a tile, an entry, a proof)."""

    code = "note_malformed"

    def __init__(self, message: str, *, code: str, source: str | None = None,
                 location: str | None = None) -> None:
        assert code in LOG_ERROR_CODES, code
        super().__init__(message, source=source, location=location, code=code)


class LogVerificationError(TamperedError):
    """Well-formed transparency-log input that does not verify.

    ``evidence`` holds, where the failure proves misbehaviour of the log (a fork, rewritten
    history), the signed notes that prove it, as received.
    """

    code = "inclusion_proof_invalid"

    def __init__(self, message: str, *, code: str, evidence: tuple[bytes, ...] = ()) -> None:
        assert code in LOG_ERROR_CODES, code
        super().__init__(message, code=code)
        self.evidence = evidence


class LogStoreError(CflError):
    """The hash store behind a log did not return what was asked of it (a node that should
    be stored is missing): a fault of the store, not of anyone's input."""

    code = "store_incomplete"


class WitnessError(LogVerificationError):
    """A witness refuses an add-checkpoint request; ``http_status`` is the status
    c2sp.org/tlog-witness prescribes, and ``latest_size`` the size the witness last cosigned
    (sent back with 409 Conflict)."""

    def __init__(self, message: str, *, code: str, http_status: int,
                 latest_size: int | None = None) -> None:
        super().__init__(message, code=code)
        self.http_status = http_status
        self.latest_size = latest_size
