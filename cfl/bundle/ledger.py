"""The certifier's ledger: an append-only local record of what it signed and revoked.

One JSON object per line (JSON Lines, UTF-8), never rewritten, only appended to:

- ``{"kind": "signed", "id", "digest", "product", "signedAt", "kid", "role"}`` for every
  declaration signed (``digest`` is ``sha256:`` and the hex SHA-256 of the declaration's
  RFC 8785 bytes, the value a format-1 QR claim binds), with ``statusIndex`` when its claim
  is format 2 (the declaration's index in the certifier's status list, ADR 0142);
- ``{"kind": "status-indexes", "kid", "first", "count", "reservedAt"}`` for every block of
  status indexes reserved before signing (:meth:`Ledger.reserve_status_indexes`): the next
  index of a key is one more than the largest its signed lines and reservations hold, so
  two signing commands never hand out the same index;
- ``{"kind": "revoked", "id", "reason", "revokedAt", "version"}`` for every declaration
  revoked, with the revocation list version that first lists it;
- ``{"kind": "revocation-list", "version", "issued", "digest", "entries", "file"}`` for
  every revocation list issued;
- ``{"kind": "status-list", "version", "issued", "digest", "size", "revoked", "file"}`` for
  every status list issued.

``cfl revoke`` refuses an id the ledger never saw signed (unless forced) and always continues
the last revocation list the ledger records, so a list is never silently started again at
version 1. Appending takes an exclusive lock, writes whole lines in one call and syncs, so
two commands appending at once never interleave and an interrupted one leaves at most a last
line without its newline, which readers skip.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cfl.errors import InputError, OutputError
from cfl.timeutil import format_time
from cfl.trust.revocation import declaration_key

LEDGER_FILE = "ledger.jsonl"
#: Bound on one ledger line (a record is a few hundred bytes).
MAX_LINE_BYTES = 64 * 1024
KINDS = ("signed", "revoked", "revocation-list", "status-indexes", "status-list")
#: Status indexes are below this (a format-2 claim's bound, ADR 0142).
MAX_STATUS_INDEXES = 2**27

try:  # POSIX; elsewhere appends rely on O_APPEND alone
    import fcntl
except ImportError:  # pragma: no cover - not on the platforms CI runs
    fcntl = None  # type: ignore[assignment]


def default_ledger_path(key: Path) -> Path:
    """``ledger.jsonl`` in the key's folder (the folder itself, or a ``private.pem``'s)."""
    folder = key if key.is_dir() else key.parent
    return folder / LEDGER_FILE


def signed_record(*, declaration_id: str, digest: bytes, product: str, signed_at: dt.datetime,
                  kid: str, role: str, status_index: int | None = None) -> dict[str, Any]:
    record: dict[str, Any] = {
        "kind": "signed", "id": declaration_id, "digest": "sha256:" + digest.hex(),
        "product": product, "signedAt": format_time(signed_at), "kid": kid, "role": role}
    if status_index is not None:
        record["statusIndex"] = status_index
    return record


def status_indexes_record(*, kid: str, first: int, count: int,
                          reserved_at: dt.datetime) -> dict[str, Any]:
    return {"kind": "status-indexes", "kid": kid, "first": first, "count": count,
            "reservedAt": format_time(reserved_at)}


def revoked_record(*, declaration_id: str, reason: str, revoked_at: str,
                   version: int) -> dict[str, Any]:
    return {"kind": "revoked", "id": declaration_id, "reason": reason,
            "revokedAt": revoked_at, "version": version}


def revocation_list_record(*, version: int, issued: str, digest: bytes, entries: int,
                           file: str) -> dict[str, Any]:
    return {"kind": "revocation-list", "version": version, "issued": issued,
            "digest": "sha256:" + digest.hex(), "entries": entries, "file": file}


def status_list_record(*, version: int, issued: str, digest: bytes, size: int, revoked: int,
                       file: str) -> dict[str, Any]:
    """A status list the certifier issued (``cfl revoke --status-list``, ADR 0143)."""
    return {"kind": "status-list", "version": version, "issued": issued,
            "digest": "sha256:" + digest.hex(), "size": size, "revoked": revoked, "file": file}


@dataclass(frozen=True)
class LedgerState:
    """What a ledger says: declarations signed and revoked (by canonical id), the last
    revocation list issued, and the number of lines skipped as unreadable."""

    signed: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    revoked: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    last_list: Mapping[str, Any] | None = None
    skipped_lines: int = 0
    #: Every status index each declaration (by canonical id) was signed with, per key:
    #: ``{id: {kid: (index, ...)}}`` (a declaration signed again gets a new index, and a
    #: revocation must set every one of them).
    status_indexes: Mapping[str, Mapping[str, tuple[int, ...]]] = field(default_factory=dict)
    #: The next free status index of each key that has one.
    next_status_index: Mapping[str, int] = field(default_factory=dict)
    #: The last status list issued (``version``, ``size``, ``file`` …), if any.
    last_status_list: Mapping[str, Any] | None = None

    def was_signed(self, key: str) -> bool:
        return key in self.signed


class Ledger:
    """A ledger file (created on the first append, mode 0600)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def append(self, records: Sequence[Mapping[str, Any]]) -> None:
        """Append ``records`` as whole lines, under an exclusive lock, then sync."""
        if not records:
            return
        data = _lines(records)
        with self._appending() as fd:
            _ends_with_newline_or_fix(fd, self.path)
            _write_all(fd, data)
            os.fsync(fd)

    @contextlib.contextmanager
    def _appending(self) -> Iterator[int]:
        """The ledger open for appending (created with mode 0600), under its exclusive lock;
        an OS error on the way is an :class:`OutputError` naming the ledger."""
        if not self.path.parent.is_dir():
            raise OutputError(f"{self.path}: the ledger's folder {self.path.parent} does not "
                              "exist")
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        except OSError as exc:
            raise OutputError(f"{self.path}: cannot append to the ledger "
                              f"({exc.strerror})") from None
        try:
            with _locked(fd):
                yield fd
        except OSError as exc:
            raise OutputError(f"{self.path}: cannot append to the ledger "
                              f"({exc.strerror})") from None
        finally:
            os.close(fd)

    def reserve_status_indexes(self, kid: str, count: int, *, at: dt.datetime) -> int:
        """Reserve ``count`` consecutive status indexes for ``kid`` and return the first.

        Under the ledger's exclusive lock the ledger is read, the next index taken as one
        more than the largest any signed line or reservation of ``kid`` holds (0 for the
        first), and the reservation appended and synced before the lock is released, so
        concurrent signing commands get disjoint blocks. An index reserved but not used
        (a failed or interrupted signature) stays unused: a gap in the status list."""
        if count < 1:
            raise ValueError("reserve at least one status index")
        with self._appending() as fd:
            first = self.next_status_index(kid)
            if first + count > MAX_STATUS_INDEXES:
                raise OutputError(
                    f"{self.path}: the key {kid} has used {first} status indexes; "
                    f"{count} more would pass the limit of {MAX_STATUS_INDEXES} a "
                    "claim can carry (sign with a new key)")
            _ends_with_newline_or_fix(fd, self.path)
            _write_all(fd, _lines([status_indexes_record(
                kid=kid, first=first, count=count, reserved_at=at)]))
            os.fsync(fd)
        return first

    def next_status_index(self, kid: str) -> int:
        """The next status index of ``kid``: what :meth:`read` says, found by reading the
        ledger backwards only as far as the key's last reservation (every reservation was
        computed, under the lock, from everything before it), so reserving costs the lines
        signed since, not the whole ledger."""
        next_index = 0
        for raw in _lines_backwards(self.path):
            record = _parse_line(raw)
            if record is None or record.get("kid") != kid:
                continue
            if record["kind"] == "status-indexes":
                reserved: int = record["first"] + record["count"]
                return max(next_index, reserved)
            index = record.get("statusIndex") if record["kind"] == "signed" else None
            if index is not None:
                next_index = max(next_index, index + 1)
        return next_index

    def records(self) -> Iterator[tuple[int, dict[str, Any] | None]]:
        """Every line as (line number, record); None for a line that cannot be read (a
        torn last line, or one edited by hand)."""
        if not self.path.exists():
            return
        try:
            handle = self.path.open("rb")
        except OSError as exc:
            raise InputError(f"cannot be read ({exc.strerror})", source=str(self.path),
                             code="unreadable") from None
        with handle:
            for number, raw in enumerate(_bounded_lines(handle), start=1):
                yield number, _parse_line(raw)

    def read(self) -> LedgerState:
        """What the ledger records (later lines win for the same id)."""
        signed: dict[str, dict[str, Any]] = {}
        revoked: dict[str, dict[str, Any]] = {}
        last_list: dict[str, Any] | None = None
        skipped = 0
        indexes: dict[str, dict[str, tuple[int, ...]]] = {}
        next_index: dict[str, int] = {}
        last_status_list: dict[str, Any] | None = None
        for _, record in self.records():
            if record is None:
                skipped += 1
                continue
            kind = record["kind"]
            if kind == "signed":
                key = declaration_key(record["id"])
                signed[key] = record
                index = record.get("statusIndex")
                if index is not None:
                    kid = record["kid"]
                    by_kid = indexes.setdefault(key, {})
                    by_kid[kid] = (*by_kid.get(kid, ()), index)
                    next_index[kid] = max(next_index.get(kid, 0), index + 1)
            elif kind == "revoked":
                revoked.setdefault(declaration_key(record["id"]), record)
            elif kind == "status-indexes":
                kid = record["kid"]
                next_index[kid] = max(next_index.get(kid, 0),
                                      record["first"] + record["count"])
            elif kind == "status-list":
                if last_status_list is None or \
                        record["version"] >= last_status_list["version"]:
                    last_status_list = record
            elif last_list is None or record["version"] >= last_list["version"]:
                last_list = record
        return LedgerState(signed, revoked, last_list, skipped, indexes, next_index,
                           last_status_list)


#: Bytes read at a time when the ledger is read backwards.
_BACKWARDS_BLOCK = 64 * 1024


def _lines_backwards(path: Path) -> Iterator[bytes]:
    """The ledger's lines, last first, each with its newline (a torn last line without
    one is yielded as it is, and :func:`_parse_line` skips it); a line longer than
    :data:`MAX_LINE_BYTES` is yielded empty, as :func:`_bounded_lines` does."""
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        return
    except OSError as exc:
        raise InputError(f"cannot be read ({exc.strerror})", source=str(path),
                         code="unreadable") from None
    with handle:
        end = handle.seek(0, os.SEEK_END)
        buffer = b""
        skipping = False  # inside an overlong line: its bytes are dropped, not kept
        while end > 0:
            start = max(0, end - _BACKWARDS_BLOCK)
            handle.seek(start)
            block = handle.read(end - start)
            end = start
            if skipping:
                found = block.rfind(b"\n")
                if found < 0:
                    continue
                yield b""
                skipping, block = False, block[:found + 1]
            buffer = block + buffer
            cut = buffer.rfind(b"\n", 0, len(buffer) - 1)
            while cut >= 0:
                yield _bounded(buffer[cut + 1:])
                buffer = buffer[:cut + 1]
                cut = buffer.rfind(b"\n", 0, len(buffer) - 1)
            if len(buffer) > MAX_LINE_BYTES + 1:
                buffer, skipping = b"", True
        if skipping:
            yield b""
        elif buffer:
            yield _bounded(buffer)


def _bounded(line: bytes) -> bytes:
    return line if len(line) <= MAX_LINE_BYTES + 1 else b""


def _lines(records: Sequence[Mapping[str, Any]]) -> bytes:
    return "".join(json.dumps(dict(r), ensure_ascii=False, separators=(",", ":")) + "\n"
                   for r in records).encode("utf-8")


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _bounded_lines(handle: Any) -> Iterable[bytes]:
    while True:
        line = handle.readline(MAX_LINE_BYTES + 1)
        if not line:
            return
        if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
            while line and not line.endswith(b"\n"):  # skip the rest of an overlong line
                line = handle.readline(MAX_LINE_BYTES + 1)
            yield b""
            continue
        yield line


_REQUIRED: dict[str, dict[str, type]] = {
    "signed": {"id": str, "digest": str, "signedAt": str, "kid": str, "role": str},
    "revoked": {"id": str, "reason": str, "revokedAt": str, "version": int},
    "revocation-list": {"version": int, "issued": str, "digest": str},
    "status-indexes": {"kid": str, "first": int, "count": int, "reservedAt": str},
    "status-list": {"version": int, "issued": str, "digest": str, "size": int},
}


def _parse_line(raw: bytes) -> dict[str, Any] | None:
    if not raw.endswith(b"\n"):
        return None  # a line an interrupted append left without its end
    try:
        value = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(value, dict) or value.get("kind") not in KINDS:
        return None
    for name, kind in _REQUIRED[value["kind"]].items():
        if not isinstance(value.get(name), kind) or isinstance(value.get(name), bool):
            return None
    if value["kind"] == "status-indexes" and not (
            value["first"] >= 0 and value["count"] > 0
            and value["first"] + value["count"] <= MAX_STATUS_INDEXES):
        return None
    if "statusIndex" in value:
        index = value["statusIndex"]
        if type(index) is not int or not 0 <= index < MAX_STATUS_INDEXES:
            return None
    return value


@contextlib.contextmanager
def _locked(fd: int) -> Iterator[None]:
    if fcntl is None:  # pragma: no cover
        yield
        return
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)


def _ends_with_newline_or_fix(fd: int, path: Path) -> None:
    """If an interrupted append left a last line without its newline, end it, so the next
    record starts a line of its own (the torn line is then skipped by readers)."""
    size = os.fstat(fd).st_size
    if size == 0:
        return
    last = os.pread(fd, 1, size - 1)
    if last != b"\n":
        os.write(fd, b"\n")
