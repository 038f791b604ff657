"""The certifier's ledger: an append-only local record of what it signed and revoked.

One JSON object per line (JSON Lines, UTF-8), never rewritten, only appended to:

- ``{"kind": "signed", "id", "digest", "product", "signedAt", "kid", "role"}`` for every
  declaration signed (``digest`` is ``sha256:`` and the hex SHA-256 of the declaration's
  RFC 8785 bytes, the value a QR claim binds);
- ``{"kind": "revoked", "id", "reason", "revokedAt", "version"}`` for every declaration
  revoked, with the revocation list version that first lists it;
- ``{"kind": "revocation-list", "version", "issued", "digest", "entries", "file"}`` for
  every revocation list issued.

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
KINDS = ("signed", "revoked", "revocation-list")

try:  # POSIX; elsewhere appends rely on O_APPEND alone
    import fcntl
except ImportError:  # pragma: no cover - not on the platforms CI runs
    fcntl = None  # type: ignore[assignment]


def default_ledger_path(key: Path) -> Path:
    """``ledger.jsonl`` in the key's folder (the folder itself, or a ``private.pem``'s)."""
    folder = key if key.is_dir() else key.parent
    return folder / LEDGER_FILE


def signed_record(*, declaration_id: str, digest: bytes, product: str, signed_at: dt.datetime,
                  kid: str, role: str) -> dict[str, Any]:
    return {"kind": "signed", "id": declaration_id, "digest": "sha256:" + digest.hex(),
            "product": product, "signedAt": format_time(signed_at), "kid": kid, "role": role}


def revoked_record(*, declaration_id: str, reason: str, revoked_at: str,
                   version: int) -> dict[str, Any]:
    return {"kind": "revoked", "id": declaration_id, "reason": reason,
            "revokedAt": revoked_at, "version": version}


def revocation_list_record(*, version: int, issued: str, digest: bytes, entries: int,
                           file: str) -> dict[str, Any]:
    return {"kind": "revocation-list", "version": version, "issued": issued,
            "digest": "sha256:" + digest.hex(), "entries": entries, "file": file}


@dataclass(frozen=True)
class LedgerState:
    """What a ledger says: declarations signed and revoked (by canonical id), the last
    revocation list issued, and the number of lines skipped as unreadable."""

    signed: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    revoked: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    last_list: Mapping[str, Any] | None = None
    skipped_lines: int = 0

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
        data = "".join(json.dumps(dict(r), ensure_ascii=False, separators=(",", ":")) + "\n"
                       for r in records).encode("utf-8")
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
                _ends_with_newline_or_fix(fd, self.path)
                view = memoryview(data)
                while view:
                    written = os.write(fd, view)
                    view = view[written:]
                os.fsync(fd)
        except OSError as exc:
            raise OutputError(f"{self.path}: cannot append to the ledger "
                              f"({exc.strerror})") from None
        finally:
            os.close(fd)

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
        for _, record in self.records():
            if record is None:
                skipped += 1
                continue
            kind = record["kind"]
            if kind == "signed":
                signed[declaration_key(record["id"])] = record
            elif kind == "revoked":
                revoked.setdefault(declaration_key(record["id"]), record)
            elif last_list is None or record["version"] >= last_list["version"]:
                last_list = record
        return LedgerState(signed, revoked, last_list, skipped)


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
