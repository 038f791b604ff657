"""A monitor step: following an honest log across tile boundaries, and catching a fork,
rewritten history, a rollback, tampered tiles and entries, and entries its check refuses."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from log_world import AT, ORIGIN, LogWorld

from cfl.errors import InputError
from cfl.log.checkpoint import SignedCheckpoint
from cfl.log.entries import LogEntry
from cfl.log.errors import LogFormatError, LogVerificationError
from cfl.log.hashing import MemoryTree
from cfl.log.monitor import MonitorResult, cfl_entry_checker, monitor_step
from cfl.log.tiles import (
    EntryBundleId,
    TileId,
    entry_bundle,
    entry_bundles,
    new_tiles,
    tile_data,
)


class PublishedLog:
    """What a log serves: its tiles and entry bundles, as published at each checkpoint."""

    def __init__(self, world: LogWorld, entries: list[bytes] | None = None) -> None:
        self.world = world
        self.entries = list(world.entries if entries is None else entries)
        self.tree = MemoryTree()
        self.tiles: dict[TileId, bytes] = {}
        self.bundles: dict[EntryBundleId, bytes] = {}
        self.fetches: list[object] = []

    def grow(self, size: int, *, witnesses: int = 0) -> bytes:
        old = self.tree.size
        self.tree.extend(self.entries[old:size])
        for tile in new_tiles(old, size):
            self.tiles[tile] = tile_data(tile, self.tree)
        for bundle in entry_bundles(old, size, size):
            first = bundle.first_entry
            self.bundles[bundle] = entry_bundle(self.entries[first:first + bundle.width])
        return self.world.signed(size, witnesses=witnesses, tree=self.tree)

    def fetch_tile(self, tile: TileId) -> bytes:
        self.fetches.append(tile)
        return self.tiles[tile]

    def fetch_entries(self, bundle: EntryBundleId) -> bytes:
        self.fetches.append(bundle)
        return self.bundles[bundle]


def _step(world: LogWorld, log: PublishedLog, previous: SignedCheckpoint | None,
          note: bytes, check: Callable[[int, bytes], None] | None = None,
          **options: object) -> MonitorResult:
    seen: list[int] = []

    def record(index: int, data: bytes) -> None:
        seen.append(index)
        if check is not None:
            check(index, data)

    result = monitor_step(previous, note, origin=ORIGIN, log_keys=[world.log.verifier_key],
                          fetch_tile=log.fetch_tile, fetch_entries=log.fetch_entries,
                          check_entry=record, at=AT, **options)  # type: ignore[arg-type]
    first = 0 if previous is None else previous.checkpoint.size
    assert seen == list(range(first, result.checkpoint.checkpoint.size))
    return result


def test_a_monitor_follows_an_honest_log_across_tile_boundaries(world: LogWorld) -> None:
    log = PublishedLog(world)
    previous = None
    for size in (1, 255, 256, 257, 300, 511, 512, 513, 1000, 1000, 1100):
        result = _step(world, log, previous, log.grow(size))
        assert result.entries_checked == size - (0 if previous is None
                                                 else previous.checkpoint.size)
        previous = result.checkpoint
    assert previous is not None and previous.checkpoint.size == 1100


def test_a_monitor_checks_cfl_entries(world: LogWorld) -> None:
    log = PublishedLog(world)
    seen: list[tuple[int, LogEntry]] = []
    checker = cfl_entry_checker(lambda index, entry: seen.append((index, entry)))
    _step(world, log, None, log.grow(300), checker)
    assert [index for index, _ in seen] == list(range(300))
    broken = PublishedLog(world, [*world.entries[:10], b"not an entry", *world.entries[11:]])
    with pytest.raises(LogVerificationError) as caught:
        _step(world, broken, None, broken.grow(20), cfl_entry_checker())
    assert caught.value.code == "entry_rejected"
    assert "entry 10" in caught.value.message
    assert isinstance(caught.value.__cause__, LogFormatError)


def test_an_entry_the_check_refuses(world: LogWorld) -> None:
    log = PublishedLog(world)

    def refuse_42(index: int, data: bytes) -> None:
        if index == 42:
            raise InputError("not the declaration the register accepted", code="bad_input")

    with pytest.raises(LogVerificationError) as caught:
        _step(world, log, None, log.grow(100), refuse_42)
    assert caught.value.code == "entry_rejected"


def test_a_fork_is_reported_with_both_checkpoints(world: LogWorld) -> None:
    log = PublishedLog(world)
    first = _step(world, log, None, log.grow(300)).checkpoint
    forked = PublishedLog(world, [*world.entries[:299], b"another entry"])
    note = forked.grow(300)
    with pytest.raises(LogVerificationError) as caught:
        _step(world, forked, first, note)
    assert caught.value.code == "log_fork"
    assert caught.value.evidence == (first.note, note)


def test_rewritten_history_is_reported(world: LogWorld) -> None:
    log = PublishedLog(world)
    first = _step(world, log, None, log.grow(300)).checkpoint
    rewritten = PublishedLog(world, [world.entries[0] + b"!", *world.entries[1:]])
    note = rewritten.grow(600)
    with pytest.raises(LogVerificationError) as caught:
        _step(world, rewritten, first, note)
    assert caught.value.code == "log_rewritten"
    assert caught.value.evidence == (first.note, note)


def test_a_rollback_is_reported(world: LogWorld) -> None:
    log = PublishedLog(world)
    older = log.grow(200)
    latest = _step(world, log, None, log.grow(300)).checkpoint
    with pytest.raises(LogVerificationError) as caught:
        _step(world, log, latest, older)
    assert caught.value.code == "checkpoint_rollback"


def test_tampered_tiles_and_entries_are_refused(world: LogWorld) -> None:
    log = PublishedLog(world)
    first = _step(world, log, None, log.grow(256)).checkpoint
    note = log.grow(600)
    tile = TileId(0, 1)
    data = bytearray(log.tiles[tile])
    data[100] ^= 1
    log.tiles[tile] = bytes(data)
    with pytest.raises(LogVerificationError) as caught:
        _step(world, log, first, note)
    assert caught.value.code == "tile_mismatch"

    log = PublishedLog(world)
    first = _step(world, log, None, log.grow(256)).checkpoint
    note = log.grow(600)
    bundle = EntryBundleId(1)
    log.bundles[bundle] = entry_bundle([*world.entries[256:300], b"swapped",
                                        *world.entries[301:512]])
    with pytest.raises(LogVerificationError) as caught:
        _step(world, log, first, note)
    assert caught.value.code == "entry_mismatch"
    assert "entry 300" in caught.value.message


def test_a_checkpoint_without_the_witness_quorum_is_not_followed(world: LogWorld) -> None:
    log = PublishedLog(world)
    note = log.grow(300, witnesses=1)
    with pytest.raises(LogVerificationError) as caught:
        _step(world, log, None, note, witnesses=world.policy(2))
    assert caught.value.code == "cosignature_quorum"
    assert log.fetches == []  # nothing fetched for a checkpoint not trusted
    result = _step(world, log, None, log.grow(300, witnesses=2), witnesses=world.policy(2))
    assert len(result.cosignatures) == 2


def test_an_unchanged_log_costs_no_fetch(world: LogWorld) -> None:
    log = PublishedLog(world)
    first = _step(world, log, None, log.grow(300)).checkpoint
    log.fetches.clear()
    result = _step(world, log, first, world.signed(300, tree=log.tree))
    assert (result.entries_checked, log.fetches) == (0, [])


def test_catching_up_fetches_each_tile_and_bundle_once(world: LogWorld) -> None:
    log = PublishedLog(world)
    first = _step(world, log, None, log.grow(100)).checkpoint
    log.fetches.clear()
    result = _step(world, log, first, log.grow(1100))
    assert len(log.fetches) == len(set(log.fetches))
    assert result.bundles_fetched == 5  # entries 100..1099 are in bundles 0 to 4
