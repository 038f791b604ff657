"""Status indexes from the certifier's ledger (ADR 0142): reserved under the ledger's lock,
one more than the largest recorded for the key, disjoint across concurrent signers."""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
from pathlib import Path

import pytest

import cfl.bundle.ledger as ledger_module
from cfl.bundle.ledger import MAX_STATUS_INDEXES, Ledger, signed_record
from cfl.errors import OutputError

AT = dt.datetime(2026, 3, 10, tzinfo=dt.UTC)
ID = "3f1c2a9e-5b7d-4e8f-9a0b-1c2d3e4f5a6b"


def test_indexes_continue_from_the_largest_recorded_for_the_key(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger.jsonl")
    assert ledger.reserve_status_indexes("k1", 3, at=AT) == 0
    assert ledger.reserve_status_indexes("k1", 1, at=AT) == 3
    assert ledger.reserve_status_indexes("k2", 2, at=AT) == 0  # every key its own list
    ledger.append([signed_record(declaration_id=ID, digest=b"\x01" * 32, product="p",
                                 signed_at=AT, kid="k1", role="certifier", status_index=40)])
    assert ledger.reserve_status_indexes("k1", 1, at=AT) == 41
    state = ledger.read()
    assert state.next_status_index == {"k1": 42, "k2": 2}
    assert state.status_indexes[ID] == {"k1": (40,)}
    lines = [json.loads(line) for line in ledger.path.read_text().splitlines()]
    assert lines[0] == {"kind": "status-indexes", "kid": "k1", "first": 0, "count": 3,
                        "reservedAt": "2026-03-10T00:00:00Z"}
    assert lines[3]["statusIndex"] == 40 and state.skipped_lines == 0


def test_a_declaration_signed_again_keeps_every_index_it_was_given(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger.jsonl")
    for index in (0, 5):
        ledger.append([signed_record(declaration_id=ID, digest=b"\x01" * 32, product="p",
                                     signed_at=AT, kid="k", role="certifier",
                                     status_index=index)])
    assert ledger.read().status_indexes[ID] == {"k": (0, 5)}


def test_a_format_1_signature_records_no_status_index(tmp_path: Path) -> None:
    record = signed_record(declaration_id=ID, digest=b"\x01" * 32, product="p", signed_at=AT,
                           kid="k", role="certifier")
    assert "statusIndex" not in record


@pytest.mark.parametrize("line", [
    '{"kind":"status-indexes","kid":"k","first":-1,"count":2,"reservedAt":"x"}',
    '{"kind":"status-indexes","kid":"k","first":0,"count":0,"reservedAt":"x"}',
    '{"kind":"status-indexes","kid":"k","first":134217727,"count":2,"reservedAt":"x"}',
    '{"kind":"status-indexes","kid":"k","first":true,"count":2,"reservedAt":"x"}',
    '{"kind":"signed","id":"i","digest":"d","signedAt":"s","kid":"k","role":"certifier",'
    '"statusIndex":"7"}',
    '{"kind":"signed","id":"i","digest":"d","signedAt":"s","kid":"k","role":"certifier",'
    '"statusIndex":-1}',
])
def test_lines_with_bad_indexes_are_skipped(tmp_path: Path, line: str) -> None:
    path = tmp_path / "ledger.jsonl"
    path.write_text(line + "\n")
    ledger = Ledger(path)
    assert ledger.read().skipped_lines == 1
    assert ledger.reserve_status_indexes("k", 1, at=AT) == 0


def test_the_index_space_of_a_key_is_bounded(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger.jsonl")
    assert ledger.reserve_status_indexes("k", MAX_STATUS_INDEXES - 1, at=AT) == 0
    with pytest.raises(OutputError, match="limit"):
        ledger.reserve_status_indexes("k", 2, at=AT)
    assert ledger.reserve_status_indexes("k", 1, at=AT) == MAX_STATUS_INDEXES - 1


def _reserve_many(path: str, queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    ledger = Ledger(path)
    queue.put([ledger.reserve_status_indexes("k", 3, at=AT) for _ in range(20)])


def test_concurrent_reservations_never_overlap(tmp_path: Path) -> None:
    path = str(tmp_path / "ledger.jsonl")
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    workers = [context.Process(target=_reserve_many, args=(path, queue)) for _ in range(3)]
    for worker in workers:
        worker.start()
    firsts = sorted(first for _ in workers for first in queue.get(timeout=60))
    for worker in workers:
        worker.join(timeout=60)
    assert firsts == list(range(0, 3 * 60, 3))


def test_reading_backwards_finds_what_reading_forwards_finds(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The next index comes from the lines after the key's last reservation, read from the
    end in blocks (small here, so lines straddle them), torn and overlong lines included."""
    monkeypatch.setattr(ledger_module, "_BACKWARDS_BLOCK", 7)
    monkeypatch.setattr(ledger_module, "MAX_LINE_BYTES", 400)
    path = tmp_path / "ledger.jsonl"
    ledger = Ledger(path)
    assert ledger.next_status_index("k1") == 0
    for number in range(5):
        kid = "k1" if number % 2 else "k2"
        first = ledger.reserve_status_indexes(kid, number + 1, at=AT)
        ledger.append([signed_record(declaration_id=f"{ID[:-1]}{number}", digest=bytes(32),
                                     product="p", signed_at=AT, kid=kid, role="certifier",
                                     status_index=first + number)])
        with path.open("ab") as handle:  # an overlong line, then a line torn by a crash
            handle.write(b'{"kind":"signed","x":"' + b"y" * 600 + b'"}\n')
    ledger.append([signed_record(declaration_id=ID, digest=bytes(32), product="p",
                                 signed_at=AT, kid="k1", role="certifier", status_index=90)])
    with path.open("ab") as handle:
        handle.write(b'{"kind":"status-indexes","kid":"k1","first":500')
    state = ledger.read()
    for kid in ("k1", "k2", "k3"):
        assert ledger.next_status_index(kid) == state.next_status_index.get(kid, 0)
    assert ledger.next_status_index("k1") == 91
    lines = list(ledger_module._lines_backwards(path))
    assert lines[::-1] == [line if len(line) <= 401 else b""
                           for line in path.read_bytes().splitlines(keepends=True)]
