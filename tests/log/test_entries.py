"""cfl's log entries: one encoding per entry, every byte string decodes to at most one."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cfl.log.entries import (
    BUNDLE_ENTRY_BYTES,
    LIST_ENTRY_BYTES,
    BundleEntry,
    ListEntry,
    bundle_entry,
    decode_entry,
    encode_entry,
    list_entry,
)
from cfl.log.errors import LogFormatError
from cfl.signing.b64url import b64url_encode

KID = b64url_encode(hashlib.sha256(b"certifier").digest())
DIGEST = hashlib.sha256(b"declaration").digest()
AT = dt.datetime(2026, 3, 10, 8, 30, 15, tzinfo=dt.UTC)


def test_a_bundle_entry_and_its_layout() -> None:
    entry = bundle_entry(declaration_digest=DIGEST,
                         declaration_id="3F1C2A9E-5B7D-4E8F-9A0B-1C2D3E4F5A6B",
                         signer_kid=KID, accepted_at=AT.replace(microsecond=999))
    data = encode_entry(entry)
    assert len(data) == BUNDLE_ENTRY_BYTES
    assert data[:2] == b"\x01\x01"
    assert data[2:34] == DIGEST
    assert data[34:50] == uuid.UUID("3f1c2a9e-5b7d-4e8f-9a0b-1c2d3e4f5a6b").bytes
    assert data[50:82] == hashlib.sha256(b"certifier").digest()
    assert int.from_bytes(data[82:], "big") == 1773131415  # 2026-03-10T08:30:15Z
    assert decode_entry(data) == entry
    assert entry.accepted_at == AT


@pytest.mark.parametrize("kind", ["revocation-list", "status-list"])
def test_a_list_entry_and_its_layout(kind: str) -> None:
    entry = list_entry(kind=kind, issuer_kid=KID, version=42, digest=DIGEST,  # type: ignore[arg-type]
                       accepted_at=AT.astimezone(dt.timezone(dt.timedelta(hours=8))))
    data = encode_entry(entry)
    assert len(data) == LIST_ENTRY_BYTES
    assert data[:2] == bytes((1, 2 if kind == "revocation-list" else 3))
    assert int.from_bytes(data[34:42], "big") == 42
    assert decode_entry(data) == entry


@settings(max_examples=200, deadline=None)
@given(digest=st.binary(min_size=32, max_size=32), kid=st.binary(min_size=32, max_size=32),
       declaration=st.uuids(), seconds=st.integers(0, 253402300799),
       version=st.integers(0, 2**64 - 1))
def test_every_entry_round_trips(digest: bytes, kid: bytes, declaration: uuid.UUID,
                                 seconds: int, version: int) -> None:
    at = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=seconds)
    for entry in (BundleEntry(digest, declaration, b64url_encode(kid), at),
                  ListEntry("status-list", b64url_encode(kid), version, digest, at)):
        assert decode_entry(encode_entry(entry)) == entry


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=100))
def test_every_byte_string_decodes_to_at_most_one_entry(data: bytes) -> None:
    try:
        entry = decode_entry(data)
    except LogFormatError as exc:
        assert exc.code == "entry_malformed"
        return
    assert encode_entry(entry) == data


@pytest.mark.parametrize(("data", "why"), [
    (b"", "empty"),
    (b"\x01", "no type"),
    (b"\x02\x01" + bytes(88), "unknown version"),
    (b"\x01\x04" + bytes(88), "unknown type"),
    (b"\x01\x01" + bytes(87), "short bundle"),
    (b"\x01\x01" + bytes(89), "long bundle"),
    (b"\x01\x02" + bytes(88), "a list entry with a bundle's length"),
    (b"\x01\x02" + bytes(72) + b"\xff" * 8, "a time past 9999"),
])
def test_what_is_not_an_entry(data: bytes, why: str) -> None:
    with pytest.raises(LogFormatError) as caught:
        decode_entry(data)
    assert caught.value.code == "entry_malformed", why


def test_fields_are_checked_when_an_entry_is_made() -> None:
    good = {"declaration_digest": DIGEST, "declaration_id": uuid.uuid4(), "signer_kid": KID,
            "accepted_at": AT}
    for field, value in [("declaration_digest", DIGEST[:31]), ("declaration_id", "nope"),
                         ("signer_kid", "not-a-kid"), ("signer_kid", KID + "A"),
                         ("accepted_at", AT.replace(tzinfo=None)),
                         ("accepted_at", dt.datetime(1969, 12, 31, tzinfo=dt.UTC))]:
        with pytest.raises(LogFormatError) as caught:
            bundle_entry(**{**good, field: value})  # type: ignore[arg-type]
        assert caught.value.code == "entry_malformed", field
    with pytest.raises(LogFormatError):
        BundleEntry(DIGEST, uuid.uuid4(), KID, AT.replace(microsecond=1))
    with pytest.raises(LogFormatError):
        list_entry(kind="crl", issuer_kid=KID, version=1, digest=DIGEST,  # type: ignore[arg-type]
                   accepted_at=AT)
    with pytest.raises(LogFormatError):
        list_entry(kind="status-list", issuer_kid=KID, version=-1, digest=DIGEST,
                   accepted_at=AT)
