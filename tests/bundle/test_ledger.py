"""The certifier's ledger: appended whole lines, read back; an interrupted append is skipped."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from cfl.bundle.ledger import (
    Ledger,
    default_ledger_path,
    revocation_list_record,
    revoked_record,
    signed_record,
)

AT = dt.datetime(2026, 3, 10, tzinfo=dt.UTC)
ID = "3f1c2a9e-5b7d-4e8f-9a0b-1c2d3e4f5a6b"


def test_records_are_read_back_by_canonical_id(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger.jsonl")
    assert ledger.read().signed == {} and ledger.read().last_list is None
    ledger.append([signed_record(declaration_id=ID.upper(), digest=b"\x01" * 32,
                                 product="urn:gtin:1", signed_at=AT, kid="k", role="certifier")])
    ledger.append([revoked_record(declaration_id=ID, reason="r", revoked_at="2026-03-11T00:00:00Z",
                                  version=2),
                   revocation_list_record(version=2, issued="2026-03-11T00:00:00Z",
                                          digest=b"\x02" * 32, entries=1, file="/r.json")])
    state = ledger.read()
    assert state.was_signed(ID) and state.signed[ID]["digest"] == "sha256:" + "01" * 32
    assert state.revoked[ID]["reason"] == "r" and state.last_list is not None
    assert state.last_list["version"] == 2 and state.skipped_lines == 0
    assert os.stat(ledger.path).st_mode & 0o777 == 0o600


def test_a_torn_last_line_is_skipped_and_the_next_record_starts_a_line(tmp_path: Path) -> None:
    path = tmp_path / "ledger.jsonl"
    ledger = Ledger(path)
    ledger.append([signed_record(declaration_id=ID, digest=b"\x01" * 32, product="p",
                                 signed_at=AT, kid="k", role="certifier")])
    with path.open("ab") as fh:
        fh.write(b'{"kind": "signed", "id": "half')
    other = "00000000-0000-4000-8000-000000000001"
    ledger.append([signed_record(declaration_id=other, digest=b"\x02" * 32, product="p",
                                 signed_at=AT, kid="k", role="certifier")])
    state = ledger.read()
    assert sorted(state.signed) == [other, ID] and state.skipped_lines == 1
    assert path.read_bytes().endswith(b"\n")


def test_lines_that_are_not_records_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "ledger.jsonl"
    path.write_bytes(b'[1]\n{"kind": "signed"}\n{"kind": "other"}\nnot json\n'
                     + b"x" * 70_000 + b"\n")
    assert Ledger(path).read().skipped_lines == 5


def test_the_default_ledger_is_in_the_key_folder(tmp_path: Path) -> None:
    assert default_ledger_path(tmp_path) == tmp_path / "ledger.jsonl"
    assert default_ledger_path(tmp_path / "private.pem") == tmp_path / "ledger.jsonl"
