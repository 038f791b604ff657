"""The entries of cfl's disclosure log: one per accepted bundle, revocation list or status
list, as a fixed-layout byte string that is the leaf data of the Merkle tree.

Layout (all integers big-endian; ``docs/transparency-log.md`` §2 is the specification):

=========  =====  ==========================================================================
offset     bytes  field
=========  =====  ==========================================================================
0          1      format version, ``0x01``
1          1      entry type: ``0x01`` bundle, ``0x02`` revocation list, ``0x03`` status list
**bundle (0x01), 90 bytes in all**
2          32     declaration digest: SHA-256 of the declaration's RFC 8785 bytes (what the
                  QR claim's digest is)
34         16     declaration id: the UUID's 16 bytes (RFC 9562 byte order)
50         32     signer kid: the RFC 7638 thumbprint's 32 SHA-256 bytes (the kid is their
                  base64url)
82         8      accepted at: seconds since 1970-01-01T00:00:00Z, unsigned
**revocation list (0x02) or status list (0x03), 82 bytes in all**
2          32     issuer kid: 32 thumbprint bytes, as above
34         8      list version, unsigned
42         32     list digest: SHA-256 of the list's signed content bytes
74         8      accepted at, as above
=========  =====  ==========================================================================

Every field has a fixed length, so an entry has exactly one encoding and every byte string
decodes to at most one entry; a longer or shorter string, an unknown version or type is
refused (``entry_malformed``). A new field means a new format version.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Literal, TypeVar

from cfl.errors import InputError
from cfl.log.errors import LogFormatError
from cfl.signing.b64url import b64url_decode, b64url_encode

ENTRY_FORMAT_VERSION = 1
TYPE_BUNDLE = 0x01
TYPE_REVOCATION_LIST = 0x02
TYPE_STATUS_LIST = 0x03
BUNDLE_ENTRY_BYTES = 90
LIST_ENTRY_BYTES = 82
#: The latest time an entry can state (the calendar's end, 9999-12-31T23:59:59Z).
MAX_ENTRY_TIME = 253402300799
MAX_LIST_VERSION = 2**64 - 1

ListKind = Literal["revocation-list", "status-list"]
_TYPE_BY_KIND: dict[str, int] = {"revocation-list": TYPE_REVOCATION_LIST,
                                 "status-list": TYPE_STATUS_LIST}
_KIND_BY_TYPE: dict[int, ListKind] = {TYPE_REVOCATION_LIST: "revocation-list",
                                      TYPE_STATUS_LIST: "status-list"}
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class BundleEntry:
    """The register accepted a signed bundle."""

    declaration_digest: bytes
    declaration_id: uuid.UUID
    #: The certifier's kid (RFC 7638 thumbprint, base64url): who signed what was accepted.
    signer_kid: str
    accepted_at: dt.datetime

    def __post_init__(self) -> None:
        _check_digest(self.declaration_digest, "declaration digest")
        if not isinstance(self.declaration_id, uuid.UUID):
            raise LogFormatError("the declaration id must be a UUID", code="entry_malformed")
        _kid_bytes(self.signer_kid)
        _seconds(self.accepted_at)


@dataclass(frozen=True)
class ListEntry:
    """The register accepted a revocation list or a status list."""

    kind: ListKind
    issuer_kid: str
    version: int
    digest: bytes
    accepted_at: dt.datetime

    def __post_init__(self) -> None:
        if self.kind not in _TYPE_BY_KIND:
            raise LogFormatError(f"unknown list kind {self.kind!r}", code="entry_malformed")
        _kid_bytes(self.issuer_kid)
        if not (isinstance(self.version, int) and 0 <= self.version <= MAX_LIST_VERSION):
            raise LogFormatError(f"list version must be 0 to {MAX_LIST_VERSION}",
                                 code="entry_malformed")
        _check_digest(self.digest, "list digest")
        _seconds(self.accepted_at)


LogEntry = BundleEntry | ListEntry


def encode_entry(entry: LogEntry) -> bytes:
    """The entry's bytes (the leaf data hashed into the tree)."""
    if isinstance(entry, BundleEntry):
        return b"".join((
            bytes((ENTRY_FORMAT_VERSION, TYPE_BUNDLE)),
            entry.declaration_digest,
            entry.declaration_id.bytes,
            _kid_bytes(entry.signer_kid),
            _seconds(entry.accepted_at).to_bytes(8, "big"),
        ))
    if isinstance(entry, ListEntry):
        return b"".join((
            bytes((ENTRY_FORMAT_VERSION, _TYPE_BY_KIND[entry.kind])),
            _kid_bytes(entry.issuer_kid),
            entry.version.to_bytes(8, "big"),
            entry.digest,
            _seconds(entry.accepted_at).to_bytes(8, "big"),
        ))
    raise TypeError(f"not a log entry: {type(entry).__name__}")


def decode_entry(data: bytes) -> LogEntry:
    """The entry ``data`` encodes, or :class:`LogFormatError` (``entry_malformed``)."""
    if not isinstance(data, bytes | bytearray) or len(data) < 2:
        raise LogFormatError("a log entry starts with a version and a type byte",
                             code="entry_malformed")
    data = bytes(data)
    version, kind = data[0], data[1]
    if version != ENTRY_FORMAT_VERSION:
        raise LogFormatError(f"log entry format version {version} is not known (this "
                             f"implementation reads version {ENTRY_FORMAT_VERSION})",
                             code="entry_malformed")
    if kind == TYPE_BUNDLE:
        _expect_length(data, BUNDLE_ENTRY_BYTES, "bundle")
        return _decoded(BundleEntry, {
            "declaration_digest": data[2:34],
            "declaration_id": uuid.UUID(bytes=data[34:50]),
            "signer_kid": b64url_encode(data[50:82]),
            "accepted_at": _time(int.from_bytes(data[82:90], "big")),
        })
    list_kind = _KIND_BY_TYPE.get(kind)
    if list_kind is None:
        raise LogFormatError(f"log entry type {kind:#04x} is not known",
                             code="entry_malformed")
    _expect_length(data, LIST_ENTRY_BYTES, list_kind)
    return _decoded(ListEntry, {
        "kind": list_kind,
        "issuer_kid": b64url_encode(data[2:34]),
        "version": int.from_bytes(data[34:42], "big"),
        "digest": data[42:74],
        "accepted_at": _time(int.from_bytes(data[74:82], "big")),
    })


def bundle_entry(*, declaration_digest: bytes, declaration_id: str | uuid.UUID,
                 signer_kid: str, accepted_at: dt.datetime) -> BundleEntry:
    """A bundle entry from the fields the register has at hand: the id may be a UUID's
    text in any spelling, the time any aware datetime (its fraction of a second is
    dropped: entries state whole seconds)."""
    if not isinstance(declaration_id, uuid.UUID):
        try:
            declaration_id = uuid.UUID(str(declaration_id))
        except ValueError:
            raise LogFormatError(f"declaration id {declaration_id!r} is not a UUID",
                                 code="entry_malformed") from None
    return BundleEntry(declaration_digest, declaration_id, signer_kid,
                       _whole_seconds(accepted_at))


def list_entry(*, kind: ListKind, issuer_kid: str, version: int, digest: bytes,
               accepted_at: dt.datetime) -> ListEntry:
    """A revocation-list or status-list entry (the time's fraction of a second dropped)."""
    return ListEntry(kind, issuer_kid, version, digest, _whole_seconds(accepted_at))


# ------------------------------------------------------------------------- fields

_Entry = TypeVar("_Entry", BundleEntry, ListEntry)


def _decoded(cls: type[_Entry], fields: dict[str, object]) -> _Entry:
    """An entry from fields decoded out of fixed-width bytes, which hold by construction
    what ``__post_init__`` checks (32-byte digests, a kid that is 32 bytes' canonical
    base64url, a bounded time): a monitor decodes every entry of a log, so the checks are
    not run twice."""
    entry = object.__new__(cls)
    for name, value in fields.items():
        object.__setattr__(entry, name, value)
    return entry



def _expect_length(data: bytes, length: int, what: str) -> None:
    if len(data) != length:
        raise LogFormatError(f"a {what} log entry is {length} bytes, not {len(data)}",
                             code="entry_malformed")


def _check_digest(value: bytes, what: str) -> None:
    if not isinstance(value, bytes) or len(value) != 32:
        raise LogFormatError(f"the {what} must be 32 bytes (SHA-256)", code="entry_malformed")


def _kid_bytes(kid: str) -> bytes:
    try:
        raw = b64url_decode(kid, what="kid")
    except InputError:
        raw = b""
    if len(raw) != 32:
        raise LogFormatError(f"kid {kid!r} is not an RFC 7638 SHA-256 thumbprint "
                             "(43 base64url characters)", code="entry_malformed")
    return raw


def _seconds(moment: dt.datetime) -> int:
    if not isinstance(moment, dt.datetime) or moment.tzinfo is None:
        raise LogFormatError("an entry time must be a timezone-aware datetime",
                             code="entry_malformed")
    if moment.microsecond:
        raise LogFormatError("an entry time is whole seconds (use bundle_entry or "
                             "list_entry, which drop the fraction)", code="entry_malformed")
    seconds = (moment - _EPOCH) // dt.timedelta(seconds=1)
    if not 0 <= seconds <= MAX_ENTRY_TIME:
        raise LogFormatError("an entry time lies from 1970 to the end of 9999",
                             code="entry_malformed")
    return seconds


def _time(seconds: int) -> dt.datetime:
    if seconds > MAX_ENTRY_TIME:
        raise LogFormatError(f"entry time {seconds} is past the end of 9999",
                             code="entry_malformed")
    return _EPOCH + dt.timedelta(seconds=seconds)


def _whole_seconds(moment: dt.datetime) -> dt.datetime:
    if not isinstance(moment, dt.datetime) or moment.tzinfo is None:
        raise LogFormatError("an entry time must be a timezone-aware datetime",
                             code="entry_malformed")
    return moment.replace(microsecond=0)
