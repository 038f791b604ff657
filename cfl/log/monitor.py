"""One step of a log monitor: from the checkpoint it last accepted to a new one, checking
that the log only grew and that every new entry is what it should be.

:func:`monitor_step` opens the new checkpoint (log key, origin, witness quorum if a policy
is given), reads the tree back through :class:`~cfl.log.tiles.TileHashReader` (every tile
checked against the new checkpoint), recomputes the previous root from the new tree — the
previous tree must be its prefix — and then fetches the entry bundles of every new entry,
checks each entry against its leaf hash and hands it to the caller's entry check. Network
and storage stay outside: tiles and entry bundles come from the caller's functions, and the
caller stores the returned checkpoint as the next step's previous one, only when the step
passed.

Misbehaviour of the log has its own codes, with both signed notes as evidence:
``log_fork`` (two trees of one size), ``log_rewritten`` (a larger tree that does not extend
the previous one), ``checkpoint_rollback`` (a smaller tree).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from cfl.errors import CflError
from cfl.log.checkpoint import SignedCheckpoint, open_checkpoint
from cfl.log.entries import LogEntry, decode_entry
from cfl.log.errors import LogVerificationError
from cfl.log.hashing import leaf_hash, root_hash
from cfl.log.note import VerifierKey
from cfl.log.tiles import (
    MAX_ENTRY_BYTES,
    EntryBundleId,
    TileFetcher,
    TileHashReader,
    entry_bundles,
    parse_entry_bundle,
)
from cfl.log.witness import Cosignature, WitnessPolicy, verify_cosignatures

#: Checks one new entry (its index and bytes); raises a CflError to refuse it.
EntryChecker = Callable[[int, bytes], None]
EntryBundleFetcher = Callable[[EntryBundleId], bytes]


@dataclass(frozen=True)
class MonitorResult:
    """A passed step: the checkpoint to store, and what was checked."""

    checkpoint: SignedCheckpoint
    previous_size: int
    entries_checked: int
    tiles_fetched: int
    bundles_fetched: int
    cosignatures: tuple[Cosignature, ...]


def monitor_step(previous: SignedCheckpoint | None, new_checkpoint: bytes, *, origin: str,
                 log_keys: Sequence[VerifierKey], fetch_tile: TileFetcher,
                 fetch_entries: EntryBundleFetcher, check_entry: EntryChecker,
                 at: dt.datetime, witnesses: WitnessPolicy | None = None,
                 max_entry_bytes: int = MAX_ENTRY_BYTES) -> MonitorResult:
    """Move a monitor from ``previous`` (None at the start) to ``new_checkpoint``.

    Raises :class:`~cfl.log.errors.LogVerificationError`: ``checkpoint_signature``,
    ``checkpoint_origin``, ``cosignature_quorum`` for a checkpoint not to be trusted;
    ``checkpoint_rollback``, ``log_fork``, ``log_rewritten`` for a log that went back or
    rewrote its history; ``tile_mismatch`` and ``entry_mismatch`` for tiles and entries
    that do not hash to the checkpoint; ``entry_rejected`` (the index in the message, the
    checker's error as the cause) for an entry the checker refused.
    """
    signed = open_checkpoint(new_checkpoint, origin=origin, log_keys=log_keys)
    cosignatures = () if witnesses is None else verify_cosignatures(signed, witnesses, at=at)
    new = signed.checkpoint
    old_size = 0
    if previous is not None:
        old = previous.checkpoint
        evidence = (previous.note, signed.note)
        if old.origin != new.origin:
            raise LogVerificationError(f"the previous checkpoint is of log {old.origin!r}",
                                       code="checkpoint_origin")
        if new.size < old.size:
            raise LogVerificationError(f"the log went back from {old.size} to {new.size} "
                                       "leaves", code="checkpoint_rollback", evidence=evidence)
        if new.size == old.size:
            if new.root_hash != old.root_hash:
                raise LogVerificationError(f"the log signed two different trees of {new.size} "
                                           "leaves (a split view)", code="log_fork",
                                           evidence=evidence)
            return MonitorResult(signed, old.size, 0, 0, 0, cosignatures)
        old_size = old.size
    reader = TileHashReader(new.size, new.root_hash, fetch_tile)
    if previous is not None and root_hash(old_size, reader) != previous.checkpoint.root_hash:
        raise LogVerificationError(f"the tree of {new.size} leaves does not extend the "
                                   f"previous tree of {old_size} leaves (rewritten history)",
                                   code="log_rewritten", evidence=(previous.note, signed.note))
    checked = bundles = 0
    for bundle in entry_bundles(old_size, new.size, new.size):
        entries = parse_entry_bundle(fetch_entries(bundle), bundle,
                                     max_entry_bytes=max_entry_bytes)
        bundles += 1
        leaves = reader.tile_hashes(0, bundle.index)
        first = max(old_size - bundle.first_entry, 0)
        for offset in range(first, bundle.width):
            index = bundle.first_entry + offset
            entry = entries[offset]
            if leaf_hash(entry) != leaves[offset]:
                raise LogVerificationError(f"entry {index} does not hash to its leaf in the "
                                           "checkpoint's tree", code="entry_mismatch")
            try:
                check_entry(index, entry)
            except CflError as exc:
                raise LogVerificationError(f"entry {index} is refused: {exc}",
                                           code="entry_rejected") from exc
            checked += 1
    return MonitorResult(signed, old_size, checked, reader.tiles_fetched, bundles,
                         cosignatures)


def cfl_entry_checker(on_entry: Callable[[int, LogEntry], None] | None = None,
                      ) -> EntryChecker:
    """An entry check for cfl's own logs: each entry must decode as a cfl log entry
    (:mod:`cfl.log.entries`); ``on_entry`` then sees it (to index it, or to compare it with
    the bundles and lists the monitor can fetch) and may raise to refuse it."""

    def check(index: int, data: bytes) -> None:
        entry = decode_entry(data)
        if on_entry is not None:
            on_entry(index, entry)

    return check
