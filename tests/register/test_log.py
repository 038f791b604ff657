"""The transparency log inside the register, on SQLite and PostgreSQL: one entry per accepted
bundle and revocation list in the same transaction, consecutive indexes under concurrent
appends, checkpoints signed when due and never over a changed store, tiles and entry
bundles that a verifying reader accepts, proofs that verify (and that the RFC's own
recursion agrees with), and the HTTP routes with their cache headers."""

from __future__ import annotations

import asyncio
import hashlib
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from merkle_reference import mth
from merkle_reference import path as reference_path
from register_world import LOG_PASSPHRASE, RegisterWorld, RunningRegister, now
from sqlalchemy import update

from cfl.cli.main import cli
from cfl.errors import InputError
from cfl.log import (
    MemoryTree,
    TileHashReader,
    cfl_entry_checker,
    decode_entry,
    monitor_step,
    parse_verifier_key,
    verify_log_proof,
)
from cfl.log.entries import BundleEntry, ListEntry
from cfl.log.hashing import stored_node_count
from cfl.log.proof import parse_log_proof, sidecar_path
from cfl.register import schema
from cfl.register.app import Register, create_app
from cfl.register.config import load_config
from cfl.register.log_store import LogUnavailable
from cfl.register.publish import publish_bundle, publish_revocations
from cfl.register.server import build_register
from cfl.register.storage import Disclosure
from cfl.register.transparency import RegisterLog, checkpoint_of


class AppClient:
    """Requests to the application in-process (httpx's ASGI transport; no lifespan, so no
    checkpoint loop: the tests sign checkpoints themselves)."""

    def __init__(self, app: Any, base_url: str = "https://testserver") -> None:
        self.app, self.base_url = app, base_url

    def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        async def send() -> httpx.Response:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app),
                                         base_url=self.base_url) as client:
                return await client.request(method, url, **kwargs)

        return asyncio.run(send())

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self._send("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self._send("POST", url, **kwargs)


@pytest.fixture()
def register(database: str, tmp_path: Path, world: RegisterWorld) -> Iterator[Register]:
    """A register on each engine, built in-process, whose checkpoints are due at once."""
    config = load_config(None, {
        "data_dir": tmp_path / "data", "database": None if database.startswith("sqlite")
        else database, "trust_list": world.trust_list, "anchor": world.anchor,
        "revocations": [world.revocations], "log_origin": "register.example.org/log",
        "checkpoint_seconds": 1e-6, "proof_wait_seconds": 0.0})
    built = build_register(config, log_passphrase=LOG_PASSPHRASE.encode())
    try:
        yield built
    finally:
        built.storage.close()


def _log(register: Register) -> RegisterLog:
    assert register.log is not None
    return register.log


def _publish(register: Register, data: bytes) -> str:
    outcome = publish_bundle(data, storage=register.storage, trust=register.trust, at=now(),
                             hooks=register.hooks)
    return str(outcome.details["digest"])


def _entries(register: Register) -> list[bytes]:
    with _log(register).store.engine.connect() as connection:
        return [bytes(row[0]) for row in connection.execute(
            schema.log_entries.select().with_only_columns(schema.log_entries.c.entry)
            .order_by(schema.log_entries.c.idx))]


def test_every_accepted_document_is_one_entry_committed_with_it(register: Register,
                                                                world: RegisterWorld) -> None:
    log = _log(register)
    assert log.store.size() == 1  # the revocation list given at start
    first = _entries(register)[0]
    listed = decode_entry(first)
    assert isinstance(listed, ListEntry) and listed.issuer_kid == world.certifier.kid
    digests = [_publish(register, path.read_bytes()) for path in world.bundles]
    _publish(register, world.bundles[0].read_bytes())  # the same bundle again: no entry
    entries = _entries(register)
    assert log.store.size() == len(entries) == 1 + len(world.bundles)
    for entry, digest, document in zip(entries[1:], digests, world.declarations, strict=True):
        decoded = decode_entry(entry)
        assert isinstance(decoded, BundleEntry)
        assert decoded.declaration_digest.hex() == digest
        assert str(decoded.declaration_id) == document["id"]
        assert decoded.signer_kid == world.certifier.kid
    with log.store.engine.connect() as connection:
        hashes = connection.execute(schema.log_hashes.select()).all()
    assert len(hashes) == stored_node_count(len(entries))
    # a newer revocation list is one more entry, of type revocation list, version 2
    publish_revocations(world.revocation_list(), storage=register.storage,
                        trust=register.trust, at=now(), hooks=register.hooks)
    assert log.store.size() == len(entries) + 1


def test_a_failing_append_stores_neither_the_bundle_nor_the_entry(register: Register,
                                                                  world: RegisterWorld) -> None:
    log = _log(register)

    def refuse(connection: object, disclosure: Disclosure) -> None:
        raise LogUnavailable("refused")

    with pytest.raises(LogUnavailable):
        publish_bundle(world.bundles[0].read_bytes(), storage=register.storage,
                       trust=register.trust, at=now(), hooks=(log.hook, refuse))
    assert register.storage.count() == 0 and log.store.size() == 1


def test_concurrent_appends_get_consecutive_indexes_and_one_tree(register: Register) -> None:
    log = _log(register)
    errors: list[BaseException] = []

    def append(worker: int) -> None:
        try:
            for n in range(15):
                digest = hashlib.sha256(f"{worker}-{n}".encode()).hexdigest()
                with register.storage._write() as connection:  # type: ignore[attr-defined]
                    log.hook(connection, Disclosure(
                        "bundle", 0, f"00000000-0000-4000-8000-{worker:04d}{n:08d}", b"",
                        1_800_000_000, digest, "A" * 43))
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=append, args=(worker,)) for worker in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    entries = _entries(register)
    assert len(entries) == log.store.size() == 1 + 6 * 15
    tree = MemoryTree()
    tree.extend(entries)
    log.tick()
    checkpoint = log.latest_note()
    assert checkpoint is not None
    assert tree.root().hex() == _root_of(checkpoint).hex() == mth(entries).hex()


def _root_of(note: bytes) -> bytes:
    return checkpoint_of(note).root_hash


def test_checkpoints_are_signed_when_due_and_proofs_verify_against_the_log_key(
        register: Register, world: RegisterWorld) -> None:
    log = _log(register)
    key = parse_verifier_key(log.verifier_key)
    assert log.tick() is not None  # the first checkpoint (of the revocation list's entry)
    digest = _publish(register, world.bundles[1].read_bytes())
    pending = log.proof(digest)
    assert pending is not None and pending.proof is None  # not in a checkpoint yet
    log.checkpoint_seconds = 3600.0
    log.checkpoint_entries = 2
    assert log.tick() is None  # one new entry, less than M, and within N seconds
    digest2 = _publish(register, world.bundles[2].read_bytes())
    assert log.tick() is not None  # M entries: due at once
    assert log.tick() is None  # nothing new
    for wanted, document in ((digest, world.declarations[1]),
                             (digest2, world.declarations[2])):
        answer = log.proof(wanted)
        assert answer is not None and answer.proof is not None
        verified = verify_log_proof(answer.proof, origin="register.example.org/log",
                                    log_keys=[key], at=now())
        entry = decode_entry(verified.entry)
        assert isinstance(entry, BundleEntry) and str(entry.declaration_id) == document["id"]
        # the RFC's own recursion, over the entries the register holds, gives the same path
        parsed = parse_log_proof(answer.proof)
        entries = _entries(register)[:verified.checkpoint.checkpoint.size]
        assert list(parsed.inclusion) == reference_path(parsed.index, entries)
    assert log.proof("0" * 64) is None


def test_the_register_never_signs_over_a_changed_store(register: Register,
                                                        world: RegisterWorld) -> None:
    log = _log(register)
    _publish(register, world.bundles[0].read_bytes())
    log.tick()
    _publish(register, world.bundles[1].read_bytes())
    with log.store.engine.begin() as connection:
        connection.execute(update(schema.log_hashes).where(
            schema.log_hashes.c.level == 1, schema.log_hashes.c.idx == 0).values(
            hash=b"\x00" * 32))
    with pytest.raises(LogUnavailable, match="will not sign over a changed history"):
        log.tick()


def test_tiles_and_entry_bundles_read_back_through_a_verifying_monitor(
        register: Register, world: RegisterWorld) -> None:
    log = _log(register)
    for path in world.bundles:
        _publish(register, path.read_bytes())
    log.tick()
    note = log.latest_note()
    assert note is not None
    key = parse_verifier_key(log.verifier_key)
    seen: list[int] = []

    def fetch(tile: object) -> bytes:
        found = log.tile(tile.path)  # type: ignore[attr-defined]
        assert found is not None
        return found[0]

    result = monitor_step(None, note, origin=log.origin, log_keys=[key], fetch_tile=fetch,
                          fetch_entries=fetch, at=now(),
                          check_entry=cfl_entry_checker(lambda index, _: seen.append(index)))
    assert seen == list(range(1 + len(world.bundles)))
    reader = TileHashReader(result.checkpoint.checkpoint.size,
                            result.checkpoint.checkpoint.root_hash, fetch)
    assert len(reader.tile_hashes(0, 0)) == 1 + len(world.bundles)


def test_the_log_over_http(register: Register, world: RegisterWorld) -> None:
    """Routes in-process (no lifespan: checkpoints are signed by the test, not a loop)."""
    log = _log(register)
    client = AppClient(create_app(register), base_url="https://testserver")
    data = world.bundles[0].read_bytes()
    published = client.post("/api/bundles", content=data,
                            headers={"Content-Type": "application/json"})
    assert published.status_code == 201
    body = published.json()
    digest = body["digest"]
    assert body["log"]["index"] == 1 and "proof" not in body["log"]
    assert body["log"]["proofUrl"].endswith(f"/api/proofs/{digest}")
    pending = client.get(f"/api/proofs/{digest}")
    assert pending.status_code == 202 and pending.json()["code"] == "proof_pending"
    assert pending.headers["retry-after"]
    log.tick()
    proof = client.get(f"/api/proofs/{digest}")
    assert proof.status_code == 200 and proof.headers["x-log-index"] == "1"
    assert proof.content.startswith(b"c2sp.org/tlog-proof@v1\nextra ")
    again = client.post("/api/bundles", content=data,
                        headers={"Content-Type": "application/json"})
    assert again.status_code == 200 and again.json()["log"]["proof"] == proof.text
    assert client.get(f"/api/proofs/{'0' * 64}").status_code == 404
    assert client.get("/api/proofs/nothex").status_code == 400
    checkpoint = client.get("/log/checkpoint")
    assert checkpoint.status_code == 200 and checkpoint.content == log.latest_note()
    assert checkpoint.headers["content-type"] == "text/plain; charset=utf-8"
    assert checkpoint.headers["cache-control"] == "public, max-age=5"
    partial = client.get("/log/tile/0/000.p/2")
    assert partial.status_code == 200 and len(partial.content) == 64
    assert partial.headers["cache-control"] == "public, max-age=60"
    entries = client.get("/log/tile/entries/000.p/2")
    assert entries.status_code == 200 and entries.content.startswith(b"\x00\x52")
    assert client.get("/log/tile/0/000.p/3").status_code == 404  # not there yet
    assert client.get("/log/tile/0/000").status_code == 404
    assert client.get("/log/tile/0/0000").status_code == 400  # not a canonical tile path
    health = client.get("/healthz").json()
    assert health["log"]["origin"] == "register.example.org/log"
    assert health["log"]["verifierKey"] == log.verifier_key


def test_full_tiles_are_immutable(register: Register) -> None:
    log = _log(register)
    for n in range(300):
        with register.storage._write() as connection:  # type: ignore[attr-defined]
            log.hook(connection, Disclosure(
                "bundle", 0, f"00000000-0000-4000-8000-{n:012d}", b"", 1_800_000_000,
                hashlib.sha256(b"%d" % n).hexdigest(), "A" * 43))
    log.tick()
    client = AppClient(create_app(register))
    full = client.get("/log/tile/0/000")
    assert full.status_code == 200 and len(full.content) == 8192
    assert full.headers["cache-control"] == "public, max-age=31536000, immutable"
    bundle = client.get("/log/tile/entries/000")
    assert bundle.status_code == 200
    assert bundle.headers["cache-control"] == "public, max-age=31536000, immutable"


def test_the_origin_is_fixed_on_first_start(tmp_path: Path, world: RegisterWorld) -> None:
    values = {"data_dir": tmp_path / "data", "trust_list": world.trust_list,
              "anchor": world.anchor, "public_url": "https://register.example.org/cfl"}
    first = build_register(load_config(None, values), log_passphrase=LOG_PASSPHRASE.encode())
    assert _log(first).origin == "register.example.org/cfl/log"
    first.storage.close()
    moved = build_register(load_config(None, {**values, "public_url": "https://new.example"}),
                           log_passphrase=LOG_PASSPHRASE.encode())
    assert _log(moved).origin == "register.example.org/cfl/log"  # the stored name stays
    moved.storage.close()
    with pytest.raises(InputError, match="cannot be renamed") as caught:
        build_register(load_config(None, {**values, "log_origin": "other.example/log"}),
                       log_passphrase=LOG_PASSPHRASE.encode())
    assert caught.value.code == "log_origin_changed"


def test_json_of_a_publish_names_the_entry(register: Register, world: RegisterWorld) -> None:
    client = AppClient(create_app(register))
    _log(register).tick()
    answer = client.post("/api/revocations", content=world.revocation_list(),
                         headers={"Content-Type": "application/json"})
    assert answer.status_code == 201
    assert json.loads(answer.content)["log"]["index"] == 1


def test_cfl_publish_writes_each_bundles_proof_beside_it(http_register: RunningRegister,
                                                         world: RegisterWorld,
                                                         tmp_path: Path) -> None:
    copies = []
    for path in world.bundles[:2]:
        copy = tmp_path / path.name
        copy.write_bytes(path.read_bytes())
        copies.append(copy)
    result = CliRunner().invoke(cli, ["publish", *map(str, copies), "--to", http_register.url])
    assert result.exit_code == 0, result.output
    with http_register.client() as http:
        key = parse_verifier_key(http.get("/healthz").json()["log"]["verifierKey"])
    for copy, document in zip(copies, world.declarations, strict=False):
        proof = sidecar_path(copy)
        assert f"{proof}: entry " in result.stdout
        verified = verify_log_proof(proof.read_bytes(), origin=key.name, log_keys=[key],
                                    at=now())
        entry = decode_entry(verified.entry)
        assert isinstance(entry, BundleEntry) and str(entry.declaration_id) == document["id"]
