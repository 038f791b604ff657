"""A witness (``cfl log witness serve``): cosigns a log's checkpoints over the
c2sp.org/tlog-witness ``add-checkpoint`` protocol, only when each is consistent with the
latest one it cosigned for that log.

The protocol logic is the library's (:func:`cfl.log.witness.witness_add_checkpoint`); this
module keeps the witness's state — the latest cosigned checkpoint per origin — in a SQLite
file, and reads, checks and stores it in one ``BEGIN IMMEDIATE`` transaction, so two
concurrent requests can never both be checked against the same old size (which would let a
log roll the witness back).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cfl.log.checkpoint import Checkpoint
from cfl.log.errors import WitnessError
from cfl.log.note import MAX_NOTE_BYTES, VerifierKey
from cfl.log.witness import Cosigner, witness_add_checkpoint

STATE_FILE = "witness.sqlite3"
#: Bound on a request body (a checkpoint note and up to 63 proof lines), read before parsing.
MAX_REQUEST_BYTES = MAX_NOTE_BYTES + 8192
TEXT = "text/plain; charset=utf-8"


class WitnessService:
    """A witness's cosigner, the logs it knows (origin → log keys) and its stored state."""

    def __init__(self, cosigner: Cosigner, logs: Mapping[str, Sequence[VerifierKey]],
                 state: Path, *, clock: Callable[[], dt.datetime]) -> None:
        self.cosigner = cosigner
        self.logs = {origin: tuple(keys) for origin, keys in logs.items()}
        self.clock = clock
        state.mkdir(parents=True, exist_ok=True)
        self._path = state / STATE_FILE
        self._lock = threading.Lock()
        with sqlite3.connect(self._path) as connection:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("CREATE TABLE IF NOT EXISTS latest (origin TEXT PRIMARY KEY, "
                               "size INTEGER NOT NULL, root BLOB NOT NULL, "
                               "cosigned_at INTEGER NOT NULL)")

    def latest(self, origin: str) -> Checkpoint | None:
        with sqlite3.connect(self._path) as connection:
            row = connection.execute("SELECT size, root FROM latest WHERE origin = ?",
                                     (origin,)).fetchone()
        return None if row is None else Checkpoint(origin, int(row[0]), bytes(row[1]))

    def add_checkpoint(self, body: bytes) -> tuple[int, bytes]:
        """The HTTP status and body of an ``add-checkpoint`` request."""
        at = self.clock()
        with self._lock, sqlite3.connect(self._path, isolation_level=None,
                                         timeout=30) as connection:
            connection.execute("BEGIN IMMEDIATE")
            try:
                def stored(origin: str) -> Checkpoint | None:
                    row = connection.execute("SELECT size, root FROM latest WHERE origin = ?",
                                             (origin,)).fetchone()
                    return None if row is None else Checkpoint(origin, int(row[0]),
                                                               bytes(row[1]))

                response = witness_add_checkpoint(body, logs=self.logs, latest=stored,
                                                  cosigner=self.cosigner, at=at)
                point = response.checkpoint
                connection.execute(
                    "INSERT INTO latest (origin, size, root, cosigned_at) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (origin) DO UPDATE SET size = excluded.size, "
                    "root = excluded.root, cosigned_at = excluded.cosigned_at",
                    (point.origin, point.size, point.root_hash, int(at.timestamp())))
                connection.execute("COMMIT")
            except WitnessError as exc:
                connection.execute("ROLLBACK")
                body_text = (f"{exc.latest_size}\n" if exc.latest_size is not None
                             else f"{exc.code}: {exc.message}\n")
                return exc.http_status, body_text.encode("utf-8")
            except BaseException:
                connection.execute("ROLLBACK")
                raise
        return 200, response.body


def witness_app(service: WitnessService) -> Any:
    """The witness's HTTP face: ``POST /add-checkpoint``."""

    async def add_checkpoint(request: Request) -> Response:
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_REQUEST_BYTES:
            return Response(b"request too large\n", status_code=413, media_type=TEXT)
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_REQUEST_BYTES:
                return Response(b"request too large\n", status_code=413, media_type=TEXT)
        status, answer = await run_in_threadpool(service.add_checkpoint, bytes(body))
        return Response(answer, status_code=status, media_type=TEXT,
                        headers={"Cache-Control": "no-store"})

    return Starlette(routes=[Route("/add-checkpoint", add_checkpoint, methods=["POST"])])
