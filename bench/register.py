"""Benchmark: the register under load, each endpoint next to a static file served by the same
server in the same run.

Run as ``python bench/register.py``. It builds a register (SQLite, WAL) holding
``CFL_BENCH_ROWS`` (default 100,000) declarations, starts ``cfl serve`` in its own process
pinned to one core (behind a "proxy" that says HTTPS: ``X-Forwarded-Proto`` from 127.0.0.1,
so the PACT API answers without TLS costs on either side), and drives it from the other core
with a small keep-alive HTTP/1.1 load generator (asyncio, raw sockets). It prints, per
endpoint, requests/s and p50/p99 latency, and the ratio to the static file:

* ``GET /static/register.css`` (the static file, Starlette's StaticFiles),
* ``GET /V/<digits>`` (the resolver page),
* ``GET /api/bundles/<digest>`` (a bundle by digest; target ≥ 0.5 of the static file),
* ``GET /3/footprints/<id>`` (PACT GetFootprint, with a bearer token),
* ``GET /3/footprints?classification=…&limit=50`` (a filtered list; target p99 < 50 ms),

then publishes/s (``POST /api/bundles`` of freshly signed bundles: verified, stored, fsync'd).
Requests go to 127.0.0.1 only; every loop is bounded in count and time.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from sqlalchemy import insert

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from register_world import free_port, make_world  # noqa: E402

from cfl.bundle.claim import claim_in_bundle  # noqa: E402
from cfl.bundle.model import parse_bundle  # noqa: E402
from cfl.register import schema  # noqa: E402
from cfl.register.storage import SqlStorage  # noqa: E402

ROWS = int(os.environ.get("CFL_BENCH_ROWS", "100000"))
SECONDS = float(os.environ.get("CFL_BENCH_SECONDS", "5"))
MAX_REQUESTS = 200_000
CONNECTIONS = 8
PUBLISHES = int(os.environ.get("CFL_BENCH_PUBLISHES", "300"))


def fill(database: Path, template: bytes, rows: int) -> tuple[list[str], list[str]]:
    """``rows`` declarations (the template bundle's bytes under distinct digests, ids and
    keys), inserted in one transaction; (digests, ids)."""
    storage = SqlStorage.open(f"sqlite:///{database}")
    declaration = json.loads(template)["declaration"]
    footprint = json.dumps(declaration, ensure_ascii=False, separators=(",", ":")).encode()
    digests, ids = [], []
    now = int(time.time())
    with storage.engine.begin() as connection:
        batch: list[dict[str, object]] = []
        keys: list[dict[str, object]] = []
        documents: list[dict[str, object]] = []
        for i in range(rows):
            digest = hashlib.sha256(f"bench-{i}".encode()).hexdigest()
            declaration_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"bench-{i}"))
            digests.append(digest)
            ids.append(declaration_id)
            batch.append({
                "seq": i + 1, "digest": digest, "declaration_id": declaration_id,
                "bundle_sha256": digest, "published_at": now,
                "certifier_kid": "bench", "certifier_name": "Bench CB",
                "company_name": f"Company {i % 500}", "product_category": "lithium-ion-battery",
                "rule_set": "gbt-24067-2024", "status": "active", "valid_from": now - 86400,
                "valid_until": now + 86400 * 700, "title": f"Bench product {i}",
                "search_text": f"bench product {i} {declaration['companyName'].lower()}"})
            documents.append({"seq": i + 1, "bundle": template, "footprint": footprint})
            keys += [{"kind": "product", "value": f"urn:bench:product:{i}", "seq": i + 1},
                     {"kind": "company", "value": f"urn:bench:company:{i % 500}", "seq": i + 1},
                     {"kind": "classification", "value": f"urn:bench:class:{i % 10}",
                      "seq": i + 1},
                     {"kind": "geography", "value": "cn", "seq": i + 1}]
            if len(batch) == 5000:
                connection.execute(insert(schema.declarations), batch)
                connection.execute(insert(schema.documents), documents)
                connection.execute(insert(schema.declaration_keys), keys)
                batch, keys, documents = [], [], []
        if batch:
            connection.execute(insert(schema.declarations), batch)
            connection.execute(insert(schema.documents), documents)
            connection.execute(insert(schema.declaration_keys), keys)
        connection.exec_driver_sql("ANALYZE")
    storage.close()
    return digests, ids


async def _connection(port: int, paths: list[str], headers: bytes, deadline: float,
                      budget: list[int], latencies: list[float]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.perf_counter() < deadline and budget[0] > 0:
            budget[0] -= 1
            path = random.choice(paths)
            started = time.perf_counter()
            writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode() + headers
                         + b"\r\n")
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            if status != 200:
                raise AssertionError(f"{path}: HTTP {status}: {head[:300]!r}")
            match = re.search(rb"content-length: (\d+)", head, re.I)
            assert match is not None, head
            await reader.readexactly(int(match.group(1)))
            latencies.append(time.perf_counter() - started)
    finally:
        writer.close()


def load(port: int, paths: list[str], headers: dict[str, str] | None = None,
         connections: int = CONNECTIONS) -> tuple[float, float, float]:
    """(requests/s, p50 ms, p99 ms) over ``SECONDS`` with ``connections`` connections."""
    extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items()).encode()
    latencies: list[float] = []

    async def run() -> float:
        await asyncio.gather(*(_connection(port, paths, extra, time.perf_counter() + 0.5,
                                           [500], []) for _ in range(2)))  # warm-up
        started = time.perf_counter()
        deadline = started + SECONDS
        budget = [MAX_REQUESTS]
        await asyncio.gather(*(_connection(port, paths, extra, deadline, budget, latencies)
                               for _ in range(connections)))
        return time.perf_counter() - started

    elapsed = asyncio.run(run())
    latencies.sort()
    p50 = latencies[len(latencies) // 2] * 1000
    p99 = latencies[int(len(latencies) * 0.99)] * 1000
    return len(latencies) / elapsed, p50, p99


def main() -> None:
    os.sched_setaffinity(0, {1})
    folder = Path(tempfile.mkdtemp(prefix="cfl-bench-register-"))
    world = make_world(folder / "world", count=1)
    data = folder / "data"
    data.mkdir()
    print(f"filling {ROWS:,} declarations …", flush=True)
    started = time.perf_counter()
    digests, ids = fill(data / "register.sqlite3", world.bundles[0].read_bytes(), ROWS)
    print(f"  {time.perf_counter() - started:.1f} s")
    config = folder / "register.toml"
    config.write_text("[limits]\nrequests_per_minute = 100000000\n"
                      "publishes_per_minute = 100000000\n")
    port = free_port()
    args = [sys.executable, "-c", "from cfl.cli.main import main; main()", "serve",
            "--config", str(config), "--data", str(data), "--trust", str(world.trust_list),
            "--anchor", str(world.anchor), "--revocations", str(world.revocations),
            "--port", str(port), "--forwarded-allow-ips", "127.0.0.1"]
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    server = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              env=env)
    os.sched_setaffinity(server.pid, {0})
    base = f"http://127.0.0.1:{port}"
    https = {"X-Forwarded-Proto": "https"}
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        result = subprocess.run(
            [*args[:3], "serve", "clients", "add", "bench", "--data", str(data)],
            capture_output=True, text=True, check=True)
        found = dict(re.findall(r"^(client_id|client_secret): (\S+)$", result.stdout, re.M))
        token = httpx.post(f"{base}/auth/token", headers=https,
                           data={"grant_type": "client_credentials"},
                           auth=(found["client_id"], found["client_secret"])).json()[
                               "access_token"]
        auth = {**https, "Authorization": f"Bearer {token}"}
        digits = claim_in_bundle(parse_bundle(world.bundles[0].read_bytes())).to_text()
        digits = digits.rsplit("/", 1)[1]
        sample = random.Random(7)
        lists = [f"/3/footprints?classification=urn:bench:class:{n}&limit=50&x-cfl-after="
                 f"{sample.randrange(max(ROWS - 1000, 1))}" for n in range(10)]
        targets = [
            ("static file /static/register.css", ["/static/register.css"], None, CONNECTIONS),
            ("resolver page /V/<digits>", [f"/V/{digits}"], None, CONNECTIONS),
            ("bundle by digest /api/bundles/<digest>",
             [f"/api/bundles/{d}" for d in sample.sample(digests, min(20000, ROWS))], None,
             CONNECTIONS),
            ("GET /3/footprints/<id>",
             [f"/3/footprints/{i}" for i in sample.sample(ids, min(20000, ROWS))], auth,
             CONNECTIONS),
            ("filtered list ?classification=…&limit=50", lists, auth, CONNECTIONS),
            ("  the same, one client (latency alone)", lists, auth, 1),
        ]
        print(f"\n{ROWS:,} declarations stored; server on core 0, load on core 1, "
              f"{CONNECTIONS} keep-alive connections, {SECONDS:g} s each\n")
        print(f"  {'endpoint':44} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'vs static':>9}")
        static = None
        for name, paths, headers, connections in targets:
            rps, p50, p99 = load(port, paths, headers, connections)
            static = static or rps
            print(f"  {name:44} {rps:9,.0f} {p50:8.2f} {p99:8.2f} {rps / static:9.2f}")
        # publishes/s: freshly signed bundles, verified and stored (fsync per commit)
        bundles = [world.new_bundle(1000 + n)[1] for n in range(PUBLISHES)]
        with httpx.Client(base_url=base, timeout=30) as http:
            http.post("/api/bundles", content=bundles[0],
                      headers={"Content-Type": "application/json"})
            started = time.perf_counter()
            for data_bytes in bundles[1:]:
                response = http.post("/api/bundles", content=data_bytes,
                                     headers={"Content-Type": "application/json"})
                assert response.status_code == 201, response.text
            elapsed = time.perf_counter() - started
        print(f"\n  publishes (verify + store + fsync, one client): "
              f"{(len(bundles) - 1) / elapsed:,.0f}/s")
    finally:
        server.terminate()
        server.wait(20)


if __name__ == "__main__":
    main()
