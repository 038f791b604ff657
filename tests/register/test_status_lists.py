"""Status lists at the register, on SQLite and PostgreSQL: published like revocation lists
(signed by a certifier of the trust list, newer versions only), served newest per certifier
with an ETag, logged as status-list entries, and used to judge format-2 bundles; a bundle is
found by the binding its format-2 claim carries."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import httpx
import pytest
from alembic import command
from alembic.config import Config
from register_world import LOG_PASSPHRASE, RegisterWorld, declaration, now
from sqlalchemy import insert

from cfl.bundle.claim import claim_in_bundle
from cfl.bundle.model import parse_bundle
from cfl.bundle.sign import sign_bundle
from cfl.errors import InputError
from cfl.log.entries import ListEntry, decode_entry
from cfl.register import schema
from cfl.register.app import Register, create_app
from cfl.register.config import database_url, load_config
from cfl.register.publish import (
    PublishRefused,
    publish_bundle,
    publish_revocations,
    publish_status_list,
)
from cfl.register.records import record_of
from cfl.register.server import build_register
from cfl.register.storage import SqlStorage, create_register_engine
from cfl.signing.jws import bundle_to_bytes
from cfl.signing.keys import LocalSigner, load_public_key
from cfl.trust.context import build_trust_context
from cfl.trust.status_list import issue_status_list
from cfl.verification import verify


class AppClient:
    """Requests to the application in-process (httpx's ASGI transport)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        async def send() -> httpx.Response:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app),
                                         base_url="https://testserver") as client:
                return await client.request(method, url, **kwargs)

        return asyncio.run(send())


@pytest.fixture()
def register(database: str, tmp_path: Path, world: RegisterWorld) -> Iterator[Register]:
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


def _status_list(world: RegisterWorld, version: int, revoked: tuple[int, ...] = (), *,
                 signer: LocalSigner | None = None, size: int = 4096) -> bytes:
    return bundle_to_bytes(issue_status_list(signer or world.certifier, size=size,
                                             revoked=revoked, version=version,
                                             at=world.at - dt.timedelta(hours=1)))


def _format_2_bundle(world: RegisterWorld, n: int, index: int) -> bytes:
    return bundle_to_bytes(sign_bundle(declaration(n, at=world.at), world.certifier,
                                       role="certifier", at=world.at - dt.timedelta(hours=1),
                                       status_index=index))


def test_a_status_list_is_published_served_with_an_etag_and_logged(
        register: Register, world: RegisterWorld) -> None:
    client = AppClient(create_app(register))
    data = _status_list(world, 1, (3,))
    posted = client.request("POST", "/api/status-lists", content=data,
                            headers={"Content-Type": "application/json"})
    assert posted.status_code == 201, posted.text
    body = posted.json()
    assert (body["kind"], body["version"], body["size"]) == ("status-list", 1, 4096)
    again = client.request("POST", "/api/status-lists", content=data)
    assert again.status_code == 200 and again.json()["status"] == "unchanged"
    served = client.request("GET", f"/trust/status-lists/{world.certifier.kid}.json")
    assert served.status_code == 200 and served.content == data
    assert served.headers["etag"] == f'"{body["sha256"]}"'
    assert "max-age" in served.headers["cache-control"]
    cached = client.request("GET", f"/trust/status-lists/{world.certifier.kid}.json",
                            headers={"If-None-Match": served.headers["etag"]})
    assert cached.status_code == 304
    index = client.request("GET", "/trust/status-lists.json").json()["statusLists"]
    assert [(e["issuer"], e["version"]) for e in index] == [(world.certifier.kid, 1)]
    assert client.request("GET", "/trust/status-lists/nobody.json").status_code == 404
    assert register.log is not None
    with register.log.store.engine.connect() as connection:
        rows = connection.execute(schema.log_entries.select().where(
            schema.log_entries.c.lookup == body["sha256"])).all()
    [entry] = [decode_entry(bytes(row.entry)) for row in rows]
    assert isinstance(entry, ListEntry)
    assert (entry.kind, entry.version, entry.issuer_kid) == ("status-list", 1,
                                                             world.certifier.kid)


def test_an_older_status_list_after_a_newer_one_is_refused(
        register: Register, world: RegisterWorld) -> None:
    client = AppClient(create_app(register))
    assert client.request("POST", "/api/status-lists",
                          content=_status_list(world, 2, (3,))).status_code == 201
    older = client.request("POST", "/api/status-lists", content=_status_list(world, 1))
    assert older.status_code == 409 and older.json()["code"] == "status_list_outdated"
    same_version = client.request("POST", "/api/status-lists",
                                  content=_status_list(world, 2, (4,)))
    assert same_version.status_code == 409
    assert same_version.json()["code"] == "status_list_version_conflict"
    served = client.request("GET", f"/trust/status-lists/{world.certifier.kid}.json")
    assert b'"version": 2' in served.content


def test_a_status_list_not_signed_by_a_listed_certifier_is_refused(
        register: Register, world: RegisterWorld) -> None:
    for signer in (world.stranger, world.operator):
        with pytest.raises(PublishRefused) as caught:
            publish_status_list(_status_list(world, 1, signer=signer),
                                storage=register.storage, trust=register.trust, at=now())
        assert caught.value.reasons == ("revocation_list_untrusted",)
    assert register.storage.status_lists() == []


def test_a_format_2_bundle_needs_its_status_list_and_is_found_by_its_binding(
        register: Register, world: RegisterWorld) -> None:
    data = _format_2_bundle(world, 40, 7)
    with pytest.raises(PublishRefused) as caught:
        publish_bundle(data, storage=register.storage, trust=register.trust, at=now())
    assert caught.value.reasons == ("status_list_unavailable",)
    publish_status_list(_status_list(world, 1), storage=register.storage,
                        trust=register.trust, at=now(), hooks=register.hooks)
    outcome = publish_bundle(data, storage=register.storage, trust=register.trust, at=now(),
                             hooks=register.hooks)
    claim = claim_in_bundle(parse_bundle(data)).claim
    assert claim.status_index == 7 and len(claim.digest) == 16
    binding = claim.digest.hex()
    assert register.storage.digest_by_binding(binding) == outcome.details["digest"]
    client = AppClient(create_app(register))
    fetched = client.request("GET", f"/api/bundles/{binding}")
    assert fetched.status_code == 200 and fetched.content == data
    assert "immutable" in fetched.headers["cache-control"]
    assert client.request("GET", f"/d/{binding}", headers={"Accept": "text/html"}
                          ).status_code == 200
    assert client.request("GET", f"/api/bundles/{'0' * 32}").status_code == 404
    proof = client.request("GET", f"/api/proofs/{binding}")
    assert proof.status_code in (200, 202)


def test_a_revoked_status_index_is_refused_at_publishing(
        register: Register, world: RegisterWorld) -> None:
    publish_status_list(_status_list(world, 1, (9,)), storage=register.storage,
                        trust=register.trust, at=now())
    with pytest.raises(PublishRefused) as caught:
        publish_bundle(_format_2_bundle(world, 41, 9), storage=register.storage,
                       trust=register.trust, at=now())
    assert caught.value.reasons == ("revoked",)
    with pytest.raises(PublishRefused) as caught:
        publish_bundle(_format_2_bundle(world, 42, 4096), storage=register.storage,
                       trust=register.trust, at=now())
    assert caught.value.reasons == ("status_index_out_of_range",)


def test_a_swapped_claim_in_the_header_gives_no_status_index_and_ids_still_decide(
        register: Register, world: RegisterWorld) -> None:
    """The cfl.claim header is outside the JWS: a format-2 claim of another bundle put there
    is not bound to this signature and gives no status index (its index, not revoked, is
    never read); the declaration's id revocation, which cfl revoke writes beside the status
    bit, still refuses the bundle."""
    document = declaration(43, at=world.at)
    revoked = json.loads(bundle_to_bytes(sign_bundle(
        document, world.certifier, role="certifier", at=world.at - dt.timedelta(hours=1),
        status_index=11)))
    other = json.loads(_format_2_bundle(world, 44, 12))
    revoked["signatures"][0]["header"]["cfl.claim"] = \
        other["signatures"][0]["header"]["cfl.claim"]
    swapped = bundle_to_bytes(revoked)
    publish_status_list(_status_list(world, 1, (11,)), storage=register.storage,
                        trust=register.trust, at=now())
    report = verify(swapped, register.trust.context(now()))
    assert not any(row.form == "status_list" for row in report.rows)
    publish_revocations(world.revocation_list(document["id"]), storage=register.storage,
                        trust=register.trust, at=now())
    with pytest.raises(PublishRefused) as caught:
        publish_bundle(swapped, storage=register.storage, trust=register.trust, at=now())
    assert caught.value.reasons == ("revoked",)


def test_migrating_a_register_of_before_binds_the_bundles_it_holds(
        database: str, world: RegisterWorld) -> None:
    """A register whose database was made before status lists (revision 0002) gets the
    binding of every bundle it holds when it is migrated."""
    engine = create_register_engine(database_url(database))
    config = Config()
    with resources.as_file(resources.files("cfl.register") / "migrations") as folder:
        config.set_main_option("script_location", str(folder))
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0002")
    data = _format_2_bundle(world, 45, 3)
    context = build_trust_context(world.trust_list.read_bytes(),
                                  anchor=load_public_key(world.anchor), at=now())
    record = record_of(parse_bundle(data), data, context, source="<test>")
    values = {name: getattr(record, name) for name in (
        "digest", "declaration_id", "bundle_sha256", "certifier_kid", "certifier_name",
        "company_name", "product_category", "rule_set", "status", "valid_from",
        "valid_until", "title", "search_text")}
    with engine.begin() as connection:
        seq = connection.execute(insert(schema.declarations).values(published_at=1, **values)
                                 .returning(schema.declarations.c.seq)).scalar_one()
        connection.execute(insert(schema.documents).values(seq=seq, bundle=data,
                                                           footprint=b"{}"))
    engine.dispose()
    storage = SqlStorage.open(database_url(database))  # migrates to the newest revision
    try:
        claim = claim_in_bundle(parse_bundle(data)).claim
        assert record.claim_binding == claim.digest.hex()
        assert storage.digest_by_binding(claim.digest.hex()) == record.digest
    finally:
        storage.close()


def test_status_lists_given_at_start_are_served(database: str, tmp_path: Path,
                                                world: RegisterWorld) -> None:
    status = tmp_path / "status.json"
    status.write_bytes(_status_list(world, 2))
    config = load_config(None, {
        "data_dir": tmp_path / "data", "database": None if database.startswith("sqlite")
        else database, "trust_list": world.trust_list, "anchor": world.anchor,
        "revocations": [world.revocations], "status_lists": [status],
        "log_origin": "register.example.org/log"})
    for _ in range(2):  # a restart with the same list changes nothing
        built = build_register(config, log_passphrase=LOG_PASSPHRASE.encode())
        try:
            held = built.storage.status_list(world.certifier.kid)
            assert held is not None and held[0] == 2
        finally:
            built.storage.close()
    stranger = tmp_path / "stranger.json"
    stranger.write_bytes(_status_list(world, 1, signer=world.stranger))
    refused = dataclasses.replace(config, status_lists=(stranger,))
    with pytest.raises(InputError) as caught:
        build_register(refused, log_passphrase=LOG_PASSPHRASE.encode())
    assert caught.value.code == "status_list_refused"
