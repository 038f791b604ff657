"""C2SP tlog-tiles: tile and entry-bundle paths, their contents from stored hashes, and
reading a tiled log back with every hash verified against a checkpoint.

A tile is a run of up to 256 consecutive hashes at one tree level: the tile at *tile level*
``L`` and index ``N`` holds the stored nodes at tree level ``8·L`` with indices
``N·256 …``, 32 bytes each. A full tile has 256; the rightmost tile of a level in a tree of
size ``s`` is *partial*, ``(s // 256**L) % 256`` wide, and is served at a path ending
``.p/<W>``. Entry bundles (``tile/entries/…``) hold the entries of a level-0 tile, each
prefixed with its length as a big-endian uint16.

:class:`TileHashReader` is the client side: given a checkpoint's size and root and a
function that fetches a tile, it checks the partial tiles (the right edge of the tree)
against the root, then each full tile against its hash in the tile above, and only then
hands out hashes — a :data:`~cfl.log.hashing.HashReader` from which inclusion proofs,
consistency proofs and older roots are computed exactly as from the log's own store. A tile
that does not hash to the checkpoint is refused (``tile_mismatch``).
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from cfl.log.errors import LogFormatError, LogVerificationError
from cfl.log.hashing import (
    EMPTY_ROOT,
    HASH_SIZE,
    HashReader,
    NodeId,
    check_hash,
    check_size,
    node_hash,
    tree_hash,
)

#: Tree levels per tile level, and hashes in a full tile.
TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
#: A full tile's size in bytes (8,192).
FULL_TILE_BYTES = TILE_WIDTH * HASH_SIZE
#: The highest tile level a path may name (c2sp.org/tlog-tiles).
MAX_TILE_LEVEL = 63
#: The longest entry an entry bundle can carry (its length prefix is a uint16).
MAX_ENTRY_BYTES = 0xFFFF
#: Level-0 tiles a :class:`TileHashReader` keeps after verifying them (higher tiles, 1/256
#: as many, are all kept).
LEVEL0_CACHE = 64


@dataclass(frozen=True, order=True)
class TileId:
    """The tile at tile level ``level`` and index ``index``, ``width`` hashes wide."""

    level: int
    index: int
    width: int = TILE_WIDTH

    def __post_init__(self) -> None:
        _check_tile_fields(self.level, self.index, self.width)

    @property
    def partial(self) -> bool:
        return self.width < TILE_WIDTH

    @property
    def path(self) -> str:
        """``tile/<L>/<N>[.p/<W>]``."""
        return f"tile/{self.level}/{_index_path(self.index, self.width)}"

    @property
    def byte_length(self) -> int:
        return self.width * HASH_SIZE


@dataclass(frozen=True, order=True)
class EntryBundleId:
    """The entry bundle of the entries under the level-0 tile ``index``, ``width`` long."""

    index: int
    width: int = TILE_WIDTH

    def __post_init__(self) -> None:
        _check_tile_fields(0, self.index, self.width)

    @property
    def partial(self) -> bool:
        return self.width < TILE_WIDTH

    @property
    def path(self) -> str:
        """``tile/entries/<N>[.p/<W>]``."""
        return f"tile/entries/{_index_path(self.index, self.width)}"

    @property
    def first_entry(self) -> int:
        return self.index * TILE_WIDTH


def _check_tile_fields(level: int, index: int, width: int) -> None:
    if not (isinstance(level, int) and 0 <= level <= MAX_TILE_LEVEL):
        raise LogFormatError(f"tile level must be 0 to {MAX_TILE_LEVEL}, not {level!r}",
                             code="tile_path_invalid")
    if not (isinstance(index, int) and index >= 0):
        raise LogFormatError(f"tile index must be a non-negative integer, not {index!r}",
                             code="tile_path_invalid")
    if not (isinstance(width, int) and 1 <= width <= TILE_WIDTH):
        raise LogFormatError(f"tile width must be 1 to {TILE_WIDTH}, not {width!r}",
                             code="tile_path_invalid")


def _index_path(index: int, width: int) -> str:
    """``N`` as zero-padded three-digit path elements, all but the last ``x``-prefixed."""
    groups = []
    while True:
        groups.append(f"{index % 1000:03d}")
        index //= 1000
        if not index:
            break
    groups.reverse()
    text = "/".join([f"x{group}" for group in groups[:-1]] + groups[-1:])
    return text if width == TILE_WIDTH else f"{text}.p/{width}"


_TILE_PATH = re.compile(
    r"tile/(?:(?P<level>0|[1-9][0-9]?)|(?P<entries>entries))/"
    r"(?P<index>(?:x[0-9]{3}/)*[0-9]{3})(?:\.p/(?P<width>[1-9][0-9]{0,2}))?"
)


def parse_tile_path(path: str) -> TileId | EntryBundleId:
    """The tile or entry bundle a ``tile/…`` path names, refusing any path that is not the
    canonical spelling (leading ``x000`` elements, leading zeros, widths 0 or ≥ 256)."""
    match = _TILE_PATH.fullmatch(path) if isinstance(path, str) else None
    if match is None or len(path) > 200:
        raise LogFormatError(f"{path!r} is not a tlog-tiles path (tile/<L>/<N>[.p/<W>] or "
                             "tile/entries/<N>[.p/<W>])", code="tile_path_invalid")
    index = int(match["index"].replace("x", "").replace("/", ""))
    width = int(match["width"]) if match["width"] else TILE_WIDTH
    if match["width"] and width >= TILE_WIDTH:
        raise LogFormatError(f"{path!r}: a partial width must be below {TILE_WIDTH}",
                             code="tile_path_invalid")
    tile: TileId | EntryBundleId
    if match["entries"]:
        tile = EntryBundleId(index, width)
    else:
        level = int(match["level"])
        if level > MAX_TILE_LEVEL:
            raise LogFormatError(f"{path!r}: tile level above {MAX_TILE_LEVEL}",
                                 code="tile_path_invalid")
        tile = TileId(level, index, width)
    if tile.path != path:
        raise LogFormatError(f"{path!r} is not the canonical path of its tile "
                             f"({tile.path!r})", code="tile_path_invalid")
    return tile


# ------------------------------------------------------------------------- which tiles


def _levels(size: int) -> Iterator[int]:
    level = 0
    while size >> (TILE_HEIGHT * level):
        yield level
        level += 1


def partial_tiles(size: int) -> list[TileId]:
    """The partial tiles of a tree of ``size`` leaves, lowest level first."""
    check_size(size)
    found = []
    for level in _levels(size):
        width = (size >> (TILE_HEIGHT * level)) % TILE_WIDTH
        if width:
            found.append(TileId(level, size >> (TILE_HEIGHT * (level + 1)), width))
    return found


def tiles_for_size(size: int) -> Iterator[TileId]:
    """Every tile of a tree of ``size`` leaves (full, then partial, level by level).

    A generator: a large tree has many level-0 tiles (390,625 at 10⁸ leaves).
    """
    return new_tiles(0, size)


def new_tiles(old_size: int, new_size: int) -> Iterator[TileId]:
    """The tiles a log publishes when it grows from ``old_size`` to ``new_size``: those of
    the new tree that the old tree did not have (new full tiles, and the new partial tile
    of each level whose width changed)."""
    check_size(new_size)
    check_size(old_size, what="old tree size")
    if old_size > new_size:
        raise LogFormatError(f"old size {old_size} is larger than new size {new_size}",
                             code="tree_size_invalid")
    for level in _levels(new_size):
        shift = TILE_HEIGHT * (level + 1)
        old_full, new_full = old_size >> shift, new_size >> shift
        for index in range(old_full, new_full):
            yield TileId(level, index)
        width = (new_size >> (TILE_HEIGHT * level)) % TILE_WIDTH
        old_width = (old_size >> (TILE_HEIGHT * level)) % TILE_WIDTH
        if width and (new_full, width) != (old_full, old_width):
            yield TileId(level, new_full, width)


def entry_bundles(start: int, end: int, size: int) -> list[EntryBundleId]:
    """The entry bundles holding entries ``[start, end)`` of a tree of ``size`` leaves; a
    bundle at the tree's right edge is partial (as wide as the tree has entries there)."""
    check_size(size)
    if not 0 <= start <= end <= size:
        raise LogFormatError(f"entries [{start}, {end}) are not in a tree of {size} leaves",
                             code="tree_size_invalid")
    bundles = []
    for index in range(start // TILE_WIDTH, -(-end // TILE_WIDTH)):
        full = (index + 1) * TILE_WIDTH <= size
        bundles.append(EntryBundleId(index, TILE_WIDTH if full else size % TILE_WIDTH))
    return bundles


# ------------------------------------------------------------------------- contents


def tile_data(tile: TileId, read: HashReader) -> bytes:
    """The bytes of ``tile`` from a log's stored hashes (its nodes at level ``8·L``)."""
    first = tile.index * TILE_WIDTH
    level = TILE_HEIGHT * tile.level
    hashes = read([(level, first + offset) for offset in range(tile.width)])
    if len(hashes) != tile.width:
        raise LogFormatError(f"the hash store returned {len(hashes)} hashes for the "
                             f"{tile.width} of {tile.path}", code="tile_malformed")
    return b"".join(check_hash(value, what="stored hash") for value in hashes)


def split_tile(data: bytes, tile: TileId) -> list[bytes]:
    """The hashes of ``tile`` from its bytes. A full tile's bytes are accepted for a partial
    tile (the partial tile is its prefix: stored hashes never change), as clients fall back
    to the full tile once the log has grown past the partial one."""
    if not isinstance(data, bytes | bytearray):
        raise LogFormatError(f"{tile.path}: expected bytes", code="tile_malformed")
    if len(data) != tile.byte_length and not (tile.partial and len(data) == FULL_TILE_BYTES):
        raise LogFormatError(f"{tile.path}: {len(data)} bytes, expected {tile.byte_length} "
                             f"({tile.width} hashes)", code="tile_malformed")
    view = bytes(data)
    return [view[offset:offset + HASH_SIZE]
            for offset in range(0, tile.byte_length, HASH_SIZE)]


def entry_bundle(entries: Sequence[bytes]) -> bytes:
    """An entry bundle: each entry as a big-endian uint16 length and its bytes."""
    if not 1 <= len(entries) <= TILE_WIDTH:
        raise LogFormatError(f"an entry bundle holds 1 to {TILE_WIDTH} entries, not "
                             f"{len(entries)}", code="entry_bundle_malformed")
    parts = []
    for number, entry in enumerate(entries):
        if len(entry) > MAX_ENTRY_BYTES:
            raise LogFormatError(f"entry #{number} is {len(entry)} bytes; an entry bundle "
                                 f"carries at most {MAX_ENTRY_BYTES}",
                                 code="entry_bundle_malformed")
        parts.append(len(entry).to_bytes(2, "big"))
        parts.append(bytes(entry))
    return b"".join(parts)


def parse_entry_bundle(data: bytes, bundle: EntryBundleId, *,
                       max_entry_bytes: int = MAX_ENTRY_BYTES) -> list[bytes]:
    """The entries of an entry bundle: exactly ``bundle.width`` of them (a full bundle's
    bytes are accepted for a partial one, as for tiles), none longer than
    ``max_entry_bytes``, and nothing after the last."""
    if not isinstance(data, bytes | bytearray):
        raise LogFormatError(f"{bundle.path}: expected bytes", code="entry_bundle_malformed")
    limit = TILE_WIDTH * (2 + max_entry_bytes)
    if len(data) > limit:
        raise LogFormatError(f"{bundle.path}: {len(data)} bytes, more than {TILE_WIDTH} "
                             f"entries of at most {max_entry_bytes} bytes can take",
                             code="entry_bundle_malformed")
    view = memoryview(bytes(data))
    entries: list[bytes] = []
    offset = 0
    while offset < len(view):
        if len(entries) == TILE_WIDTH or offset + 2 > len(view):
            raise LogFormatError(f"{bundle.path}: bytes after the last entry",
                                 code="entry_bundle_malformed")
        length = int.from_bytes(view[offset:offset + 2], "big")
        if length > max_entry_bytes or offset + 2 + length > len(view):
            raise LogFormatError(f"{bundle.path}: entry #{len(entries)} declares {length} "
                                 "bytes, more than there are (or than an entry may have)",
                                 code="entry_bundle_malformed")
        entries.append(bytes(view[offset + 2:offset + 2 + length]))
        offset += 2 + length
    if len(entries) == TILE_WIDTH and bundle.partial:
        entries = entries[:bundle.width]
    if len(entries) != bundle.width:
        raise LogFormatError(f"{bundle.path}: {len(entries)} entries, expected "
                             f"{bundle.width}", code="entry_bundle_malformed")
    return entries


# ------------------------------------------------------------------------- reading back

TileFetcher = Callable[[TileId], bytes]


class TileHashReader:
    """Verified hashes of the tree a checkpoint commits to, read from its tiles.

    ``fetch(tile)`` returns a tile's bytes (from a URL, a directory, a cache — the reader
    does no input or output). Before any hash is handed out, the partial tiles are checked
    against ``root``; each full tile is checked against its hash in the tile above before
    it is used. Calling the reader with node ids returns their hashes, so
    :func:`~cfl.log.hashing.inclusion_proof`, :func:`~cfl.log.hashing.consistency_proof`
    and :func:`~cfl.log.hashing.root_hash` work on it; :meth:`tile_hashes` returns a whole
    verified tile (the leaf hashes of level 0, for checking entry bundles).
    """

    def __init__(self, size: int, root: bytes, fetch: TileFetcher) -> None:
        self.size = check_size(size)
        self.root = check_hash(root, what="root hash")
        self._fetch = fetch
        self._upper: dict[tuple[int, int], list[bytes]] = {}
        self._level0: OrderedDict[int, list[bytes]] = OrderedDict()
        self._partial: dict[int, list[bytes]] = {}
        self._edge_checked = False
        #: How many tiles were fetched and checked.
        self.tiles_fetched = 0
        if self.size == 0:
            self._check_edge()  # no tile to fetch: the root must be the empty tree's

    # ---- which tile, how wide

    def _width(self, level: int, index: int) -> int:
        full = self.size >> (TILE_HEIGHT * (level + 1))
        if index < full:
            return TILE_WIDTH
        width = (self.size >> (TILE_HEIGHT * level)) % TILE_WIDTH
        if index == full and width:
            return width
        raise LogFormatError(f"tile {level}/{index} is not in a tree of {self.size} leaves",
                             code="tree_size_invalid")

    def _get(self, tile: TileId) -> list[bytes]:
        data = self._fetch(tile)
        self.tiles_fetched += 1
        return split_tile(data, tile)

    def _remember(self, level: int, index: int, hashes: list[bytes]) -> None:
        if level:
            self._upper[(level, index)] = hashes
            return
        self._level0[index] = hashes
        self._level0.move_to_end(index)
        while len(self._level0) > LEVEL0_CACHE:
            self._level0.popitem(last=False)

    def _cached(self, level: int, index: int) -> list[bytes] | None:
        if level:
            return self._upper.get((level, index))
        found = self._level0.get(index)
        if found is not None:
            self._level0.move_to_end(index)
        return found

    # ---- checking

    def _check_edge(self) -> None:
        """Fetch the partial tiles and check that they hash to the root."""
        if self._edge_checked:
            return
        if self.size == 0:
            if self.root != EMPTY_ROOT:
                raise LogVerificationError("the checkpoint's root is not the empty tree's",
                                           code="tile_mismatch")
            self._edge_checked = True
            return
        partial = {tile.level: (tile, self._get(tile)) for tile in partial_tiles(self.size)}
        subtrees: list[bytes] = []
        start, remaining = 0, self.size
        while remaining:  # the complete subtrees of [0, size), largest first
            height = remaining.bit_length() - 1
            level, inner = divmod(height, TILE_HEIGHT)
            tile, hashes = partial[level]
            first = (start >> (TILE_HEIGHT * level)) - tile.index * TILE_WIDTH
            run = hashes[first:first + (1 << inner)]
            subtrees.append(run[0] if inner == 0 else tree_hash(run))
            start += 1 << height
            remaining -= 1 << height
        root = subtrees[-1]
        for value in reversed(subtrees[:-1]):
            root = node_hash(value, root)
        if root != self.root:
            raise LogVerificationError(
                "the partial tiles " + ", ".join(tile.path for tile, _ in partial.values())
                + f" do not hash to the checkpoint's root (tree of {self.size} leaves)",
                code="tile_mismatch")
        self._partial = {level: hashes for level, (_, hashes) in partial.items()}
        self._edge_checked = True

    def tile_hashes(self, level: int, index: int) -> list[bytes]:
        """The verified hashes of tile ``level``/``index`` (as wide as the tree has it)."""
        self._check_edge()
        found = self._cached(level, index)
        if found is not None:
            return found
        if self._width(level, index) < TILE_WIDTH:  # the partial tile: checked with the edge
            return self._partial[level]
        tile = TileId(level, index)
        hashes = self._get(tile)
        expected = self.tile_hashes(level + 1, index // TILE_WIDTH)[index % TILE_WIDTH]
        if tree_hash(hashes) != expected:
            raise LogVerificationError(f"{tile.path} does not hash to its entry in the tile "
                                       f"above (tree of {self.size} leaves)",
                                       code="tile_mismatch")
        self._remember(level, index, hashes)
        return hashes

    def __call__(self, nodes: Sequence[NodeId]) -> list[bytes]:
        found = []
        for height, index in nodes:
            if height < 0 or index < 0 or (index + 1) << height > self.size:
                raise LogFormatError(f"node {height}/{index} is not complete in a tree of "
                                     f"{self.size} leaves", code="tree_size_invalid")
            level, inner = divmod(height, TILE_HEIGHT)
            first = index << inner
            hashes = self.tile_hashes(level, first >> TILE_HEIGHT)
            offset = first % TILE_WIDTH
            run = hashes[offset:offset + (1 << inner)]
            found.append(run[0] if inner == 0 else tree_hash(run))
        return found
