"""The register's transparency log in its database: the log's tables (``log_state``,
``log_entries``, ``log_hashes``, ``log_checkpoints``) behind one small class, the same for
SQLite and PostgreSQL.

**Appending** happens inside the transaction that stores a disclosure
(:meth:`LogStore.append` takes that transaction's connection): it locks the one
``log_state`` row (``SELECT … FOR UPDATE`` on PostgreSQL; on SQLite the disclosure's own
writes already hold the database's single write lock), reads the left siblings the new leaf
completes, and writes the entry, its hashes and the new size. So entries get consecutive
indexes in commit order whichever process appends them, and a disclosure and its entry are
committed together or not at all.

Everything else reads committed rows: stored hashes never change, so a hash read once is
right forever.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, and_, bindparam, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from cfl.errors import CflError
from cfl.log.hashing import HashReader, NodeId, hashes_to_store, leaf_hash
from cfl.log.tiles import TILE_HEIGHT, TILE_WIDTH, EntryBundleId, TileId
from cfl.register import schema
from cfl.register.storage import _storage_errors

S = schema.log_state
E = schema.log_entries
H = schema.log_hashes
C = schema.log_checkpoints
#: The one row of ``log_state``.
STATE_ROW = 1
# The statements of an append, built once (an append is the log's hot path: building
# SQLAlchemy expressions per call cost more than running them).
_LOCK_SIZE = select(S.c.size).where(S.c.id == STATE_ROW).with_for_update()
_INSERT_HASHES = insert(H)
_INSERT_ENTRY = insert(E)
_SET_SIZE = update(S).where(S.c.id == STATE_ROW).values(size=bindparam("new_size"))


@functools.lru_cache(maxsize=64)
def _siblings_query(count: int) -> Any:
    """The SELECT of ``count`` stored nodes given as bound (level, index) pairs."""
    return select(H.c.level, H.c.idx, H.c.hash).where(or_(*(
        and_(H.c.level == bindparam(f"l{n}"), H.c.idx == bindparam(f"i{n}"))
        for n in range(count))))


class LogUnavailable(CflError):
    """The log's tables are missing a row they must hold, or hold hashes that contradict a
    checkpoint the register signed: the register must not sign or serve proofs from them
    (HTTP 503)."""

    code = "log_unavailable"


@dataclass(frozen=True)
class StoredCheckpoint:
    size: int
    note: bytes
    signed_at: int


def _read_nodes(connection: Connection, nodes: Sequence[NodeId]) -> list[bytes]:
    """The stored hashes of ``nodes``, in order (one SELECT)."""
    by_level: dict[int, list[int]] = defaultdict(list)
    for level, index in nodes:
        by_level[level].append(index)
    condition = or_(*(and_(H.c.level == level, H.c.idx.in_(indexes))
                      for level, indexes in by_level.items()))
    found = {(int(level), int(index)): bytes(value) for level, index, value in
             connection.execute(select(H.c.level, H.c.idx, H.c.hash).where(condition))}
    missing = [node for node in nodes if node not in found]
    if missing:
        raise LogUnavailable(f"the log's hash table lacks {len(missing)} stored hash(es), "
                             f"e.g. level {missing[0][0]} index {missing[0][1]}")
    return [found[node] for node in nodes]


class LogStore:
    """The log's rows in the register's database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # ------------------------------------------------------------------ state
    def stored_origin(self) -> str | None:
        with _storage_errors(), self.engine.connect() as connection:
            row = connection.execute(select(S.c.origin).where(S.c.id == STATE_ROW)).first()
        return None if row is None else str(row[0])

    def start(self, origin: str) -> None:
        """Create the state row of a new log named ``origin`` (nothing if it exists)."""
        try:
            with _storage_errors(), self.engine.begin() as connection:
                if connection.execute(select(S.c.id).where(S.c.id == STATE_ROW)).first():
                    return
                connection.execute(insert(S).values(id=STATE_ROW, origin=origin, size=0))
        except IntegrityError:
            return  # another process created it at the same moment

    def size(self) -> int:
        with _storage_errors(), self.engine.connect() as connection:
            row = connection.execute(select(S.c.size).where(S.c.id == STATE_ROW)).first()
        if row is None:
            raise LogUnavailable("the log has no state row (the register was not started)")
        return int(row[0])

    # ------------------------------------------------------------------ appending
    def append(self, connection: Connection, entry: bytes, lookup: str) -> int:
        """Append ``entry`` inside the caller's transaction; its index."""
        row = connection.execute(_LOCK_SIZE).first()
        if row is None:
            raise LogUnavailable("the log has no state row (the register was not started)")
        index = int(row[0])

        def read(nodes: Sequence[NodeId]) -> list[bytes]:
            params = {}
            for n, (level, position) in enumerate(nodes):
                params[f"l{n}"], params[f"i{n}"] = level, position
            found = {(int(level), int(position)): bytes(value) for level, position, value
                     in connection.execute(_siblings_query(len(nodes)), params)}
            if len(found) != len(nodes):
                raise LogUnavailable(f"the log's hash table lacks a left sibling of entry "
                                     f"{index}")
            return [found[node] for node in nodes]

        nodes = hashes_to_store(index, leaf_hash(entry), read)
        connection.execute(_INSERT_HASHES, [{"level": level, "idx": position, "hash": value}
                                            for (level, position), value in nodes])
        connection.execute(_INSERT_ENTRY, {"idx": index, "entry": entry, "lookup": lookup})
        connection.execute(_SET_SIZE, {"new_size": index + 1})
        return index

    # ------------------------------------------------------------------ reading
    def reader(self) -> HashReader:
        """A :data:`~cfl.log.hashing.HashReader` over the committed hashes."""

        def read(nodes: Sequence[NodeId]) -> list[bytes]:
            if not nodes:
                return []
            with _storage_errors(), self.engine.connect() as connection:
                return _read_nodes(connection, nodes)

        return read

    def tile(self, tile: TileId) -> bytes | None:
        """A tile's bytes, or None while its hashes are not all stored yet."""
        level = TILE_HEIGHT * tile.level
        first = tile.index * TILE_WIDTH
        with _storage_errors(), self.engine.connect() as connection:
            rows = connection.execute(
                select(H.c.hash).where(H.c.level == level, H.c.idx >= first,
                                       H.c.idx < first + tile.width).order_by(H.c.idx)).all()
        if len(rows) != tile.width:
            return None
        return b"".join(bytes(row[0]) for row in rows)

    def entries(self, bundle: EntryBundleId) -> list[bytes] | None:
        """The entries of an entry bundle, or None while they are not all stored yet."""
        first = bundle.first_entry
        with _storage_errors(), self.engine.connect() as connection:
            rows = connection.execute(
                select(E.c.entry).where(E.c.idx >= first, E.c.idx < first + bundle.width)
                .order_by(E.c.idx)).all()
        if len(rows) != bundle.width:
            return None
        return [bytes(row[0]) for row in rows]

    def find(self, lookup: str) -> tuple[int, bytes] | None:
        """The first entry logged under ``lookup`` (a hex digest): its index and bytes."""
        with _storage_errors(), self.engine.connect() as connection:
            row = connection.execute(select(E.c.idx, E.c.entry).where(E.c.lookup == lookup)
                                     .order_by(E.c.idx).limit(1)).first()
        return None if row is None else (int(row[0]), bytes(row[1]))

    def entry(self, index: int) -> bytes | None:
        with _storage_errors(), self.engine.connect() as connection:
            row = connection.execute(select(E.c.entry).where(E.c.idx == index)).first()
        return None if row is None else bytes(row[0])

    # ------------------------------------------------------------------ checkpoints
    def latest_checkpoint(self) -> StoredCheckpoint | None:
        with _storage_errors(), self.engine.connect() as connection:
            row = connection.execute(select(C.c.size, C.c.note, C.c.signed_at)
                                     .order_by(C.c.size.desc()).limit(1)).first()
        return None if row is None else StoredCheckpoint(int(row[0]), bytes(row[1]),
                                                         int(row[2]))

    def checkpoint_count(self) -> int:
        with _storage_errors(), self.engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(C)).scalar_one())

    def add_checkpoint(self, size: int, note: bytes, *, at: int) -> bool:
        """Keep a signed checkpoint; False if one of that size is kept already (signed by
        another process of the same register)."""
        try:
            with _storage_errors(), self.engine.begin() as connection:
                connection.execute(insert(C).values(size=size, note=note, signed_at=at))
        except IntegrityError:
            return False
        return True
