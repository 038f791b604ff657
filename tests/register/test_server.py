"""The register over HTTP: a real ``cfl serve`` process on 127.0.0.1, driven with httpx and
``cfl publish``: publishing, bundles, the resolver page, the register's pages and feeds, the
trust files, bounds, errors and headers, and a kill in the middle of publishing."""

from __future__ import annotations

import json
import re
import sqlite3
import threading
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from register_world import RegisterWorld, RunningRegister, start_register

from cfl.cli.main import cli


def _publish(register: RunningRegister, *paths: Path) -> Any:
    return CliRunner().invoke(cli, ["publish", *map(str, paths), "--to", register.url])


@pytest.fixture(scope="module")
def published(http_register: RunningRegister, world: RegisterWorld) -> RunningRegister:
    result = _publish(http_register, *world.bundles)
    assert result.exit_code == 0, result.output
    assert result.stdout.count("created") == len(world.bundles)
    return http_register


def test_one_command_starts_on_sqlite_in_wal_mode(published: RunningRegister) -> None:
    database = published.data_dir / "register.sqlite3"
    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with published.client() as http:
        health = http.get("/healthz").json()
    assert health["status"] == "ok" and health["trustList"]["accepted"]


def test_publishing_again_is_one_entry_and_a_refusal_names_its_reasons(
        published: RunningRegister, world: RegisterWorld, tmp_path: Path) -> None:
    again = _publish(published, world.bundles[0])
    assert again.exit_code == 0 and "unchanged" in again.stdout
    document, _ = world.new_bundle(50)
    stranger = tmp_path / "stranger.json"
    stranger.write_bytes(world.sign(document, world.stranger))
    refused = _publish(published, stranger)
    assert refused.exit_code == 1
    assert "signer_untrusted" in refused.stderr
    with published.client() as http:
        response = http.post("/api/bundles", content=stranger.read_bytes(),
                             headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "publish_refused" and "signer_untrusted" in body["reasons"]
    assert body["report"]["bottomLine"] == "FAILED"
    assert http_count(published) == len(world.bundles)


def http_count(register: RunningRegister) -> int:
    with register.client() as http:
        return len(http.get("/feed.json", params={"after": 0}).json()["items"])


def test_bundles_by_digest_and_by_id_with_etags(published: RunningRegister,
                                                world: RegisterWorld) -> None:
    data = world.bundles[0].read_bytes()
    digest = json.loads(data)["declaration"]["id"]
    with published.client() as http:
        by_id = http.get(f"/api/bundles/{digest}")
        assert by_id.status_code == 200 and by_id.content == data
        tag = by_id.headers["etag"]
        by_digest = http.get(f"/api/bundles/{tag.strip(chr(34))}")
        assert by_digest.content == data
        assert by_digest.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert http.get(f"/api/bundles/{tag.strip(chr(34))}",
                        headers={"If-None-Match": tag}).status_code == 304
        missing = http.get(f"/api/bundles/{'0' * 64}")
        assert missing.status_code == 404 and missing.json()["code"] == "NotFound"
        bad = http.get("/api/bundles/not-a-key")
        assert bad.status_code == 400 and bad.json()["code"] == "bad_key"


def test_the_resolver_page_and_its_headers(published: RunningRegister) -> None:
    with published.client() as http:
        page = http.get("/V/12345")
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        policy = page.headers["content-security-policy"]
        assert "connect-src 'self'" in policy and "frame-ancestors 'none'" in policy
        assert "default-src 'none'" in policy
        assert page.headers["strict-transport-security"].startswith("max-age=")
        assert page.headers["x-content-type-options"] == "nosniff"
        assert http.get("/V/99", headers={"If-None-Match": page.headers["etag"]}
                        ).status_code == 304
        assert b"cfl-data" in page.content  # no third-party requests: nothing to load
        assert not re.search(rb"\s(src|href|action)=", page.content)


def test_register_pages_search_and_declaration(published: RunningRegister,
                                               world: RegisterWorld) -> None:
    first = world.declarations[0]
    with published.client() as http:
        home = http.get("/")
        assert home.status_code == 200 and "LFP battery pack 0" in home.text
        assert "style-src 'self'" in home.headers["content-security-policy"]
        found = http.get("/", params={"q": first["productIds"][0]})
        assert found.text.count('href="/d/') == 1 and first["id"] in found.text
        assert "LFP battery pack" not in http.get("/", params={"category": "cement"}).text
        paged = http.get("/", params={"q": "battery"}).text
        assert paged.count('href="/d/') == len(world.bundles)
        page = http.get(f"/d/{first['id']}")
        assert page.status_code == 200
        for text in ("LFP battery pack 0", "磷酸铁锂动力电池包", "42.71", "Battery CB",
                     "bundle.json", "label.pdf", "pact.json"):
            assert text in page.text, text
        png = http.get(f"/d/{first['id']}/label.png")
        assert png.content[:8] == b"\x89PNG\r\n\x1a\n"
        pdf = http.get(f"/d/{first['id']}/label.pdf")
        assert pdf.content[:5] == b"%PDF-"
        pact = http.get(f"/d/{first['id']}/pact.json").json()
        assert pact["id"] == first["id"] and "extensions" not in pact
        unknown = http.get("/d/7a0e0a53-6a3b-4a77-9d51-6f5f08a7c0b1")
        assert unknown.status_code == 404 and "text/html" in unknown.headers["content-type"]


def test_what_a_signer_wrote_is_escaped(published: RunningRegister, world: RegisterWorld,
                                        tmp_path: Path) -> None:
    document, _ = world.new_bundle(60)
    document["extensions"][0]["data"]["productNames"]["en"] = "<script>alert(1)</script>"
    path = tmp_path / "xss.json"
    path.write_bytes(world.sign(document))
    assert _publish(published, path).exit_code == 0
    with published.client() as http:
        page = http.get(f"/d/{document['id']}").text
        home = http.get("/", params={"q": "alert"}).text
    for html in (page, home):
        assert "<script>alert" not in html and "&lt;script&gt;alert(1)" in html


def test_feeds_and_revocations(published: RunningRegister, world: RegisterWorld,
                               tmp_path: Path) -> None:
    revoked_id = world.declarations[1]["id"]
    revocations = tmp_path / "revocations-v2.json"
    revocations.write_bytes(world.revocation_list(revoked_id))
    result = _publish(published, revocations)
    assert result.exit_code == 0 and "created" in result.stdout
    with published.client() as http:
        feed = http.get("/feed.json").json()
        kinds = [item["_cfl"]["kind"] for item in feed["items"]]
        assert kinds[0] == "revoked" and "disclosed" in kinds
        atom = ET.fromstring(http.get("/feed.atom").content)
        assert atom.tag == "{http://www.w3.org/2005/Atom}feed"
        after = http.get("/feed.json", params={"after": 0}).json()
        assert after["items"][0]["_cfl"]["seq"] == 1 and "next_url" in after
        assert "REVOKED" in http.get(f"/d/{revoked_id}").text
        index = http.get("/trust/revocations.json").json()["revocationLists"]
        assert [entry["version"] for entry in index] == [2]
        served = http.get(f"/trust/revocations/{world.certifier.kid}.json")
        assert served.content == revocations.read_bytes()
        assert http.get("/trust/trust-list.json").content == world.trust_list.read_bytes()
        data = http.get("/trust/page-data.json").json()
        assert data["revocations"][world.certifier.kid]["version"] == 2
    older = _publish(published, world.revocations)
    assert older.exit_code == 1 and "revocation_list_outdated" in older.stderr


def test_bounds_and_errors_are_json(published: RunningRegister) -> None:
    with published.client() as http:
        big = http.post("/api/bundles", content=b"{" + b" " * (3 * 1024 * 1024) + b"}",
                        headers={"Content-Type": "application/json"})
        assert big.status_code == 413 and big.json()["code"] == "too_large"
        broken = http.post("/api/bundles", content=b'{"declaration": [',
                           headers={"Content-Type": "application/json"})
        assert broken.status_code == 422 and broken.json()["code"] == "publish_refused"
        assert http.get("/nothing/here").json()["code"] == "NotFound"
        wrong = http.put("/api/bundles", content=b"{}")
        assert wrong.status_code == 405 and wrong.json()["code"] == "MethodNotAllowed"
        xml = http.post("/api/bundles", content=b"<x/>", headers={"Content-Type": "text/xml"})
        assert xml.status_code == 400 and xml.json()["code"] == "bad_content_type"
        assert http.get("/", params={"valid_on": "yesterday"}).status_code == 400


def test_the_access_log_holds_no_query_and_no_secret(published: RunningRegister) -> None:
    with published.client() as http:
        http.get("/", params={"q": "secret-search-words"})
        http.post("/auth/token", data={"grant_type": "client_credentials",
                                       "client_secret": "do-not-log-me"})
    log = published.log.read_text()
    lines = [json.loads(line) for line in log.splitlines() if line.startswith('{"time"')]
    assert any(line["path"] == "/" for line in lines)
    assert "secret-search-words" not in log and "do-not-log-me" not in log


def test_requests_over_the_rate_limit_get_429(world: RegisterWorld, tmp_path: Path) -> None:
    config = tmp_path / "register.toml"
    config.write_text("[limits]\nrequests_per_minute = 5\n")
    running = start_register(world, tmp_path, tls=False, extra=["--config", str(config)])
    try:
        with running.client() as http:
            statuses = [http.get("/V/1").status_code for _ in range(12)]
            limited = http.get("/V/1")
        assert 429 in statuses and limited.status_code == 429
        assert limited.json()["code"] == "TooManyRequests"
        assert int(limited.headers["retry-after"]) >= 1
    finally:
        running.stop()


def test_killing_the_server_mid_publish_loses_nothing_acknowledged(
        world: RegisterWorld, tmp_path: Path) -> None:
    running = start_register(world, tmp_path / "first", tls=False)
    bundles = [world.new_bundle(100 + n)[1] for n in range(40)]
    acknowledged: list[str] = []
    stop = threading.Event()

    def publish_all() -> None:
        with httpx.Client(base_url=running.url, timeout=10) as http:
            for data in bundles:
                if stop.is_set():
                    return
                try:
                    response = http.post("/api/bundles", content=data,
                                         headers={"Content-Type": "application/json"})
                except httpx.HTTPError:
                    return
                if response.status_code == 201:
                    acknowledged.append(response.json()["declarationId"])

    thread = threading.Thread(target=publish_all)
    thread.start()
    while len(acknowledged) < 10 and thread.is_alive():
        threading.Event().wait(0.01)
    running.stop(kill=True)  # SIGKILL: no shutdown, mid-request
    stop.set()
    thread.join(30)
    assert 10 <= len(acknowledged) < len(bundles)
    database = running.data_dir / "register.sqlite3"
    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = {row[0] for row in connection.execute("SELECT declaration_id FROM declarations")}
        orphans = connection.execute(
            "SELECT count(*) FROM declaration_keys WHERE seq NOT IN (SELECT seq FROM "
            "declarations)").fetchone()[0]
        feed = connection.execute("SELECT count(*) FROM feed WHERE kind = 'disclosed'"
                                  ).fetchone()[0]
    assert set(acknowledged) <= stored
    assert orphans == 0 and feed == len(stored)
    again = start_register(world, tmp_path / "second", tls=False, data_dir=running.data_dir)
    try:
        with again.client() as http:
            for declaration_id in acknowledged:
                assert http.get(f"/api/bundles/{declaration_id}").status_code == 200
    finally:
        again.stop()
