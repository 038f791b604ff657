"""tlog-tiles: paths, which tiles a tree has around the 256 boundaries, tile contents from
stored hashes, entry bundles, and reading a tree back from tiles verified against its
checkpoint."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cfl.log.errors import LogFormatError, LogVerificationError
from cfl.log.hashing import MemoryTree, consistency_proof, inclusion_proof, root_hash
from cfl.log.tiles import (
    FULL_TILE_BYTES,
    TILE_WIDTH,
    EntryBundleId,
    TileHashReader,
    TileId,
    entry_bundle,
    entry_bundles,
    new_tiles,
    parse_entry_bundle,
    parse_tile_path,
    partial_tiles,
    split_tile,
    tile_data,
    tiles_for_size,
)

BOUNDARY_SIZES = [1, 2, 255, 256, 257, 511, 512, 513, 65535, 65536, 65537, 70000]


def _tree(size: int) -> MemoryTree:
    tree = MemoryTree()
    tree.extend(f"leaf {index}".encode() for index in range(size))
    return tree


TREE = _tree(70000)


def _published(size: int) -> dict[TileId, bytes]:
    return {tile: tile_data(tile, TREE) for tile in tiles_for_size(size)}


# ------------------------------------------------------------------------- paths


@pytest.mark.parametrize(("tile", "path"), [
    (TileId(0, 0), "tile/0/000"),
    (TileId(0, 1234067), "tile/0/x001/x234/067"),  # the example of c2sp.org/tlog-tiles
    (TileId(3, 5, 17), "tile/3/005.p/17"),
    (TileId(1, 1000), "tile/1/x001/000"),
    (TileId(63, 999), "tile/63/999"),
    (EntryBundleId(273, 112), "tile/entries/273.p/112"),
    (EntryBundleId(1_000_000), "tile/entries/x001/x000/000"),
])
def test_paths_and_back(tile: TileId | EntryBundleId, path: str) -> None:
    assert tile.path == path
    assert parse_tile_path(path) == tile


@pytest.mark.parametrize("path", [
    "tile/0/5", "tile/0/0005", "tile/0/x000/005", "tile/00/000", "tile/64/000",
    "tile/0/000.p/0", "tile/0/000.p/256", "tile/0/000.p/017", "tile/0/x123/x456",
    "tile/data/000", "tile/0/-01", "tile/0/000/", "/tile/0/000", "tile/0/000.p/",
    "tile/entries/000.p/300", "tile/0/x001/x234/067\n", "tile/0/X001/234", "tile/0/ 001",
])
def test_paths_that_are_not_canonical_are_refused(path: str) -> None:
    with pytest.raises(LogFormatError) as caught:
        parse_tile_path(path)
    assert caught.value.code == "tile_path_invalid"


@settings(max_examples=200, deadline=None)
@given(level=st.integers(0, 63), index=st.integers(0, 10**15), width=st.integers(1, 256))
def test_every_tile_path_round_trips(level: int, index: int, width: int) -> None:
    tile = TileId(level, index, width)
    assert parse_tile_path(tile.path) == tile
    bundle = EntryBundleId(index, width)
    assert parse_tile_path(bundle.path) == bundle


# ------------------------------------------------------------------------- which tiles


def test_the_70000_entry_example_of_the_specification() -> None:
    tiles = list(tiles_for_size(70000))
    full = [tile for tile in tiles if not tile.partial]
    assert sum(1 for tile in full if tile.level == 0) == 273
    assert sum(1 for tile in full if tile.level == 1) == 1
    assert [(tile.level, tile.width) for tile in tiles if tile.partial] == \
        [(0, 112), (1, 17), (2, 1)]


@pytest.mark.parametrize(("size", "expected"), [
    (0, []),
    (1, ["tile/0/000.p/1"]),
    (255, ["tile/0/000.p/255"]),
    (256, ["tile/0/000", "tile/1/000.p/1"]),
    (257, ["tile/0/000", "tile/0/001.p/1", "tile/1/000.p/1"]),
    (511, ["tile/0/000", "tile/0/001.p/255", "tile/1/000.p/1"]),
    (512, ["tile/0/000", "tile/0/001", "tile/1/000.p/2"]),
    (65536, [*(f"tile/0/{n:03d}" for n in range(256)), "tile/1/000", "tile/2/000.p/1"]),
])
def test_tiles_around_the_boundaries(size: int, expected: list[str]) -> None:
    assert [tile.path for tile in tiles_for_size(size)] == expected


@settings(max_examples=200, deadline=None)
@given(sizes=st.lists(st.integers(0, 200_000), min_size=1, max_size=6))
def test_new_tiles_as_a_log_grows_add_up_to_its_tiles(sizes: list[int]) -> None:
    """Publishing new_tiles(old, new) at every growth leaves exactly the tiles of the final
    tree once each superseded partial tile is dropped, and every tile published is one of
    the tree it was published for."""
    published: set[TileId] = set()
    old = 0
    for size in sorted(sizes):
        fresh = list(new_tiles(old, size))
        assert len(fresh) == len(set(fresh))
        current = set(tiles_for_size(size))
        assert set(fresh) <= current
        published |= set(fresh)
        assert current <= published
        old = size
    final = set(tiles_for_size(old))
    superseded = {tile for tile in published - final}
    assert all(tile.partial for tile in superseded)


def test_entry_bundles_for_a_range() -> None:
    assert entry_bundles(0, 0, 0) == []
    assert entry_bundles(250, 260, 300) == [EntryBundleId(0), EntryBundleId(1, 44)]
    assert entry_bundles(256, 512, 512) == [EntryBundleId(1)]
    assert entry_bundles(0, 513, 513) == [EntryBundleId(0), EntryBundleId(1),
                                          EntryBundleId(2, 1)]
    with pytest.raises(LogFormatError):
        entry_bundles(5, 4, 10)
    with pytest.raises(LogFormatError):
        entry_bundles(0, 11, 10)


# ------------------------------------------------------------------------- contents


def test_a_tile_is_the_stored_hashes_of_its_level() -> None:
    tree = _tree(300)
    level0 = tile_data(TileId(0, 1, 44), tree)
    assert level0 == b"".join(tree([(0, index) for index in range(256, 300)]))
    level1 = tile_data(TileId(1, 0, 1), tree)
    assert level1 == tree.root(256)
    assert tile_data(TileId(0, 0), tree)[:32 * 44] == tile_data(TileId(0, 0, 44), tree)


def test_tile_bytes_are_checked_for_their_width() -> None:
    tile = TileId(0, 0, 3)
    assert len(split_tile(bytes(96), tile)) == 3
    assert len(split_tile(bytes(FULL_TILE_BYTES), tile)) == 3  # the full tile, later
    for wrong in (bytes(95), bytes(97), bytes(128), b""):
        with pytest.raises(LogFormatError) as caught:
            split_tile(wrong, tile)
        assert caught.value.code == "tile_malformed"
    with pytest.raises(LogFormatError):
        split_tile(bytes(96), TileId(0, 0))


def test_entry_bundles_round_trip_and_refuse_what_is_not_one() -> None:
    entries = [b"", b"a", bytes(300), bytes(range(256)) * 2]
    data = entry_bundle(entries)
    assert data[:5] == b"\x00\x00\x00\x01a"
    assert parse_entry_bundle(data, EntryBundleId(0, 4)) == entries
    full = entry_bundle([b"%d" % n for n in range(256)])
    assert parse_entry_bundle(full, EntryBundleId(0, 7)) == [b"%d" % n for n in range(7)]
    for bad in (data[:-1], data + b"\x00", data + b"\x00\x00", b"\x00"):
        with pytest.raises(LogFormatError) as caught:
            parse_entry_bundle(bad, EntryBundleId(0, 4))
        assert caught.value.code == "entry_bundle_malformed"
    with pytest.raises(LogFormatError):
        parse_entry_bundle(data, EntryBundleId(0, 5))
    with pytest.raises(LogFormatError):
        parse_entry_bundle(data, EntryBundleId(0, 4), max_entry_bytes=100)
    with pytest.raises(LogFormatError):
        parse_entry_bundle(full + entry_bundle([b"x"]), EntryBundleId(0))
    with pytest.raises(LogFormatError):
        entry_bundle([])
    with pytest.raises(LogFormatError):
        entry_bundle([bytes(65536)])
    with pytest.raises(LogFormatError):
        parse_entry_bundle(bytes(256 * 65537 + 1), EntryBundleId(0))


# ------------------------------------------------------------------------- reading back


@pytest.mark.parametrize("size", BOUNDARY_SIZES)
def test_a_tree_read_back_from_its_tiles_gives_the_same_proofs(size: int) -> None:
    tiles = _published(size)
    reader = TileHashReader(size, TREE.root(size), tiles.__getitem__)
    chooser = random.Random(size)
    for index in chooser.sample(range(size), min(size, 25)) + [0, size - 1]:
        assert inclusion_proof(index, size, reader) == TREE.inclusion_proof(index, size)
    for old in chooser.sample(range(size + 1), min(size + 1, 25)) + [size]:
        assert root_hash(old, reader) == TREE.root(old)
        assert consistency_proof(old, size, reader) == TREE.consistency_proof(old, size)
    assert reader.tile_hashes(0, (size - 1) // TILE_WIDTH)[-1] == TREE([(0, size - 1)])[0]


@pytest.mark.parametrize("size", [1, 255, 256, 257, 513, 65536, 65537])
def test_every_altered_tile_is_refused(size: int) -> None:
    """A single flipped bit in any tile a proof needs is caught before a hash is used."""
    tiles = _published(size)
    for target in tiles:
        altered = dict(tiles)
        data = bytearray(altered[target])
        data[len(data) // 2] ^= 0x01
        altered[target] = bytes(data)
        reader = TileHashReader(size, TREE.root(size), altered.__getitem__)
        start = target.index * TILE_WIDTH ** (target.level + 1)
        index = min(start + target.width * TILE_WIDTH ** target.level // 2, size - 1)
        with pytest.raises(LogVerificationError) as caught:
            reader([(0, index)])  # the leaf hash, as a monitor reads it
            inclusion_proof(index, size, reader)
        assert caught.value.code == "tile_mismatch"


def test_tiles_of_another_tree_are_refused() -> None:
    tiles = _published(300)
    with pytest.raises(LogVerificationError) as caught:
        root_hash(300, TileHashReader(300, TREE.root(299), tiles.__getitem__))
    assert caught.value.code == "tile_mismatch"
    forged = _tree(256)  # the same first 256 entries, then others
    forged.extend([b"x"] * 44)
    swapped = {**tiles, TileId(0, 1, 44): tile_data(TileId(0, 1, 44), forged)}
    with pytest.raises(LogVerificationError):
        TileHashReader(300, TREE.root(300), swapped.__getitem__)([(0, 299)])


def test_a_full_tile_may_stand_in_for_a_partial_one() -> None:
    """Once a log grew past a checkpoint's partial tile, the client fetches the full tile;
    its prefix is the partial tile, and it verifies against the older checkpoint."""
    tiles = _published(70000)
    size = 300

    def fetch(tile: TileId) -> bytes:
        return tiles[TileId(tile.level, tile.index)] if tile.partial and \
            TileId(tile.level, tile.index) in tiles else tiles[tile]

    reader = TileHashReader(size, TREE.root(size), fetch)
    assert inclusion_proof(299, size, reader) == TREE.inclusion_proof(299, size)


def test_the_empty_tree_and_nodes_outside_the_tree() -> None:
    reader = TileHashReader(0, root_hash(0, TREE), {}.__getitem__)
    assert root_hash(0, reader) == root_hash(0, TREE)
    with pytest.raises(LogVerificationError) as caught:
        TileHashReader(0, TREE.root(1), {}.__getitem__)
    assert caught.value.code == "tile_mismatch"
    reader = TileHashReader(300, TREE.root(300), _published(300).__getitem__)
    for node in [(0, 300), (1, 150), (9, 0), (-1, 0), (0, -1)]:
        with pytest.raises(LogFormatError):
            reader([node])


def test_each_tile_is_fetched_once_while_it_is_kept() -> None:
    tiles = _published(70000)
    fetched: list[TileId] = []

    def fetch(tile: TileId) -> bytes:
        fetched.append(tile)
        return tiles[tile]

    reader = TileHashReader(70000, TREE.root(70000), fetch)
    for index in range(0, 70000, 997):
        inclusion_proof(index, 70000, reader)
    assert len(fetched) == len(set(fetched))
    assert set(partial_tiles(70000)) <= set(fetched)
