"""The register's storage, the same tests on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from register_world import RegisterWorld

from cfl.bundle.model import read_bundle
from cfl.register import schema
from cfl.register.records import DisclosureRecord, record_of
from cfl.register.storage import (
    ClientRecord,
    ConflictError,
    Disclosure,
    FootprintFilter,
    SearchCriteria,
    SqlStorage,
)
from cfl.signing.keys import load_public_key
from cfl.trust.context import TrustContext, build_trust_context

AT = 1_800_000_000


def _context(world: RegisterWorld) -> TrustContext:
    return build_trust_context(world.trust_list.read_bytes(),
                               anchor=load_public_key(world.anchor), at=world.at)


def _record(world: RegisterWorld, index: int) -> DisclosureRecord:
    data = world.bundles[index].read_bytes()
    return record_of(read_bundle(data), data, _context(world), source="test")


def test_the_migrations_build_exactly_the_tables_of_the_schema(storage: SqlStorage) -> None:
    with storage.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), schema.metadata)
    assert differences == []


def test_migrating_twice_changes_nothing(database: str) -> None:
    from cfl.register.config import database_url

    for _ in range(2):
        SqlStorage.open(database_url(database)).close()


def test_a_disclosure_is_stored_once_and_found_by_every_key(storage: SqlStorage,
                                                           world: RegisterWorld) -> None:
    record = _record(world, 0)
    stored, created = storage.add_declaration(record, at=AT)
    assert created and stored.bundle == record.bundle
    again, created = storage.add_declaration(record, at=AT + 5)
    assert not created and again.seq == stored.seq and again.published_at == AT
    assert storage.count() == 1
    assert storage.declaration_by_digest(record.digest) == stored
    assert storage.declaration_by_id(record.declaration_id) == stored
    product = world.declarations[0]["productIds"][0]
    for where in (FootprintFilter(product_ids=(product.upper(),)),
                  FootprintFilter(company_ids=("URN:USCC:91350100M000100Y43",)),
                  FootprintFilter(geographies=("cn",)),
                  FootprintFilter(classifications=("urn:pact:productclassification:hs:850760",)),
                  FootprintFilter(valid_on=record.valid_from),
                  FootprintFilter(valid_after=record.valid_from - 1),
                  FootprintFilter(valid_before=record.valid_until + 1),
                  FootprintFilter(status="ACTIVE")):
        assert [row.seq for row in storage.footprints(where, after=0, offset=0, limit=10)] \
            == [stored.seq], where
    for where in (FootprintFilter(product_ids=("urn:bogus",)),
                  FootprintFilter(valid_after=record.valid_from),
                  FootprintFilter(valid_before=record.valid_until),
                  FootprintFilter(status="Deprecated"),
                  FootprintFilter(product_ids=(product,), company_ids=("urn:bogus",))):
        assert storage.footprints(where, after=0, offset=0, limit=10) == [], where
    assert [r.seq for r in storage.search(SearchCriteria(text="battery pack 0"), before=None,
                                          limit=10)] == [stored.seq]
    assert storage.search(SearchCriteria(category="cement"), before=None, limit=10) == []
    assert [e.kind for e in storage.feed(after=0, limit=10)] == ["disclosed"]


def test_another_bundle_of_a_declaration_or_another_declaration_under_its_id_conflicts(
        storage: SqlStorage, world: RegisterWorld) -> None:
    record = _record(world, 0)
    storage.add_declaration(record, at=AT)
    other_bundle = DisclosureRecord(**{**record.__dict__, "bundle": record.bundle + b" ",
                                       "bundle_sha256": "0" * 64})
    with pytest.raises(ConflictError) as caught:
        storage.add_declaration(other_bundle, at=AT)
    assert caught.value.code == "declaration_already_disclosed"
    same_id = DisclosureRecord(**{**_record(world, 1).__dict__,
                                  "declaration_id": record.declaration_id})
    with pytest.raises(ConflictError) as caught:
        storage.add_declaration(same_id, at=AT)
    assert caught.value.code == "declaration_id_taken"
    assert storage.count() == 1


def test_hooks_run_inside_the_transaction_and_a_failing_hook_stores_nothing(
        storage: SqlStorage, world: RegisterWorld) -> None:
    seen: list[Disclosure] = []

    def log(connection: object, disclosure: Disclosure) -> None:
        seen.append(disclosure)

    storage.add_declaration(_record(world, 0), at=AT, hooks=[log])
    assert [d.kind for d in seen] == ["bundle"] and seen[0].document == \
        world.bundles[0].read_bytes()

    def broken(connection: object, disclosure: Disclosure) -> None:
        raise RuntimeError("the log is full")

    with pytest.raises(RuntimeError):
        storage.add_declaration(_record(world, 1), at=AT, hooks=[broken])
    assert storage.count() == 1
    assert len(storage.feed(after=0, limit=10)) == 1
    with storage.engine.connect() as connection:
        keys = connection.execute(schema.declaration_keys.select()).all()
    assert {row.seq for row in keys} == {storage.declaration_by_digest(
        _record(world, 0).digest).seq}  # type: ignore[union-attr]


def test_revocation_lists_newer_replace_older_refused(storage: SqlStorage,
                                                      world: RegisterWorld) -> None:
    record = _record(world, 0)
    storage.add_declaration(record, at=AT)
    issuer = record.certifier_kid
    assert storage.put_revocation_list(issuer, 1, "a" * 64, b"v1", [], at=AT)
    assert not storage.put_revocation_list(issuer, 1, "a" * 64, b"v1", [], at=AT)
    with pytest.raises(ConflictError, match="another revocation list version 1"):
        storage.put_revocation_list(issuer, 1, "b" * 64, b"v1'", [], at=AT)
    assert storage.put_revocation_list(issuer, 2, "c" * 64, b"v2",
                                       [(record.declaration_id, "wrong figure", AT)], at=AT)
    with pytest.raises(ConflictError) as caught:
        storage.put_revocation_list(issuer, 1, "a" * 64, b"v1", [], at=AT)
    assert caught.value.code == "revocation_list_outdated"
    stored = storage.declaration_by_id(record.declaration_id)
    assert stored is not None and stored.revoked_reason == "wrong figure"
    assert storage.footprints(FootprintFilter(), after=0, offset=0, limit=10) == []
    assert [e.kind for e in storage.feed(after=0, limit=10)] == ["disclosed", "revoked"]
    assert storage.revocation_list(issuer) == (2, "c" * 64, b"v2")


def test_pagination_is_keyset_and_offset(storage: SqlStorage, world: RegisterWorld) -> None:
    seqs = [storage.add_declaration(_record(world, i), at=AT + i)[0].seq for i in range(4)]
    first = storage.footprints(FootprintFilter(), after=0, offset=0, limit=2)
    assert [r.seq for r in first] == seqs[:2]
    rest = storage.footprints(FootprintFilter(), after=first[-1].seq, offset=0, limit=10)
    assert [r.seq for r in rest] == seqs[2:]
    assert [r.seq for r in storage.footprints(FootprintFilter(), after=0, offset=3,
                                              limit=10)] == seqs[3:]
    newest = storage.search(SearchCriteria(), before=None, limit=2)
    assert [r.seq for r in newest] == seqs[:1:-1]
    older = storage.search(SearchCriteria(), before=newest[-1].seq, limit=10)
    assert [r.seq for r in older] == seqs[1::-1]


def test_clients_tokens_events_and_the_outbox(storage: SqlStorage) -> None:
    storage.add_client(ClientRecord("c1", "Partner", "sha256$00$00", ("events",), AT,
                                    "https://partner.example/3/events", None, "me", "pw"))
    with pytest.raises(ConflictError):
        storage.add_client(ClientRecord("c1", "Again", "x", ("events",), AT))
    storage.add_token(hashlib.sha256(b"t").hexdigest(), "c1", "events", AT + 60)
    assert storage.token(hashlib.sha256(b"t").hexdigest()) == ("c1", "events", AT + 60)
    body = json.dumps({"id": "e1"}).encode()
    assert storage.add_event("c1", "src", "e1", "t", body, at=AT, answer=b"{}")
    assert not storage.add_event("c1", "src", "e1", "t", body, at=AT, answer=b"{}")
    due = storage.due_outbox(at=AT, limit=10)
    assert [item.body for item in due] == [b"{}"]
    assert storage.due_outbox(at=AT + 1, limit=10) == []  # claimed for a minute
    storage.outbox_done(due[0].seq, state="delivered")
    assert storage.outbox_states() == [(due[0].seq, "delivered", 1)]
    assert storage.remove_client("c1") and not storage.remove_client("c1")
    assert storage.token(hashlib.sha256(b"t").hexdigest()) is None


def test_the_trust_store_keeps_the_newest_trust_list(storage: SqlStorage, tmp_path: Path
                                                     ) -> None:
    storage.write_trust_file("trustlist-x.json", b"one", at=AT)
    storage.write_trust_file("trustlist-x.json", b"two", at=AT)
    assert storage.read_trust_file("trustlist-x.json") == b"two"
    assert storage.trust_file_names() == ["trustlist-x.json"]
    assert storage.read_trust_file("nothing") is None


def test_the_sqlite_database_is_in_wal_mode_with_full_sync(tmp_path: Path) -> None:
    opened = SqlStorage.open(f"sqlite:///{tmp_path / 'r.sqlite3'}")
    try:
        with opened.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2
    finally:
        opened.close()


def test_validity_times_are_epoch_seconds(world: RegisterWorld) -> None:
    record = _record(world, 0)
    start = dt.datetime.fromisoformat(world.declarations[0]["validityPeriodStart"])
    assert record.valid_from == int(start.timestamp())
