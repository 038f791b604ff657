"""Benchmark: the transparency-log core against raw SHA-256 and raw Ed25519, on one core.

Run as ``python bench/log.py``. Prints, from one run:

* raw SHA-256 (of a 91-byte leaf input) per second, and raw Ed25519 sign and verify per
  second — the limits everything else is measured against;
* appends per second into an in-memory tree with stored hashes (:class:`MemoryTree`), and
  through :func:`hashes_to_store` into a dict standing in for a database table — an append
  costs two SHA-256 on average (the leaf, and one node per level its index completes), so
  the ideal ratio to raw SHA-256 is 0.5;
* inclusion proofs generated and verified per second in a tree of 10⁶ entries (a proof of
  20 hashes costs 21 SHA-256 to verify: ideal ratio 1/21), consistency proofs likewise;
* checkpoints signed and opened per second, and whole tlog-proofs verified offline per
  second (one log signature and two witness cosignatures: ideal ratio 1/3 of raw Ed25519
  verify);
* the size of a proof at 10⁶ and 10⁸ entries, computed (binary path, and the tlog-proof
  text with the entry, the checkpoint, the log signature and two cosignatures);
* catching up 100,000 new entries' worth of tiles and entry bundles with
  :func:`monitor_step` (every tile checked against the checkpoint, every entry against its
  leaf, and, in the second line, every entry decoded), in entries per second and as a ratio
  to raw SHA-256 (ideal about 0.5: a leaf hash and a node hash per entry);
* **the log inside the register** (SQLite, WAL, ``synchronous=FULL``, the register's own
  storage and log code): appends per second, each in its own committed transaction as a
  publish makes it (the limit: the same number of one-row transactions, fsync'd alike), and
  in transactions of 5,000; then a monitor catching up 100,000 new entries over HTTP from
  the register's own tile routes (served by uvicorn in another process on the other core),
  against the same catch-up from tiles held in memory.

Each figure is measured in rounds interleaved with its limit (the limit, the figure, the
limit, …) and each keeps its best round, so that another process taking the core for a
while skews neither side of a ratio.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import httpx
from cryptography.hazmat.primitives.asymmetric import ed25519
from sqlalchemy import insert

from cfl.log.checkpoint import Checkpoint, open_checkpoint, sign_checkpoint
from cfl.log.entries import bundle_entry, encode_entry
from cfl.log.hashing import (
    MemoryTree,
    NodeId,
    hashes_to_store,
    leaf_hash,
    root_hash,
    verify_consistency,
    verify_inclusion,
)
from cfl.log.monitor import cfl_entry_checker, monitor_step
from cfl.log.note import NoteSigner
from cfl.log.proof import LogProof, create_log_proof, verify_log_proof
from cfl.log.tiles import EntryBundleId, TileId, entry_bundle, entry_bundles, new_tiles, tile_data
from cfl.log.witness import Cosigner, WitnessPolicy, add_cosignatures
from cfl.register import schema
from cfl.register.log_store import LogStore
from cfl.register.storage import Disclosure, SqlStorage
from cfl.register.transparency import RegisterLog
from cfl.signing.keys import LocalSigner

SECONDS = float(os.environ.get("CFL_BENCH_SECONDS", "1.0"))
ROUNDS = 5
AT = dt.datetime(2026, 3, 10, tzinfo=dt.UTC)
ORIGIN = "register.example.org/cfl/log"
TREE_SIZE = 1_000_000
APPENDS = 200_000
CATCH_UP_FROM, CATCH_UP = 50_000, 100_000


def _round(function: Callable[[], object], seconds: float) -> float:
    count, start = 0, time.perf_counter()
    while True:
        for _ in range(20):
            function()
        count += 20
        now = time.perf_counter()
        if now >= start + seconds:
            return count / (now - start)


def paired_rates(limit: Callable[[], object], work: Callable[[], object]
                 ) -> tuple[float, float]:
    """Calls per second of ``limit`` and of ``work``, measured in interleaved rounds, the
    best round of each."""
    for _ in range(10):
        limit()
        work()
    best_limit = best_work = 0.0
    for _ in range(ROUNDS):
        best_limit = max(best_limit, _round(limit, SECONDS / ROUNDS))
        best_work = max(best_work, _round(work, SECONDS / ROUNDS))
    return best_limit, best_work


def paired_durations(limit: Callable[[], object], work: Callable[[], object], rounds: int = 3
                     ) -> tuple[float, float]:
    """The shortest duration of ``limit`` and of ``work`` over interleaved runs."""
    best_limit = best_work = math.inf
    for _ in range(rounds):
        start = time.perf_counter()
        limit()
        best_limit = min(best_limit, time.perf_counter() - start)
        start = time.perf_counter()
        work()
        best_work = min(best_work, time.perf_counter() - start)
    return best_limit, best_work


def signer(name: str) -> LocalSigner:
    seed = hashlib.sha256(f"cfl log bench {name}".encode()).digest()
    return LocalSigner(ed25519.Ed25519PrivateKey.from_private_bytes(seed))


def entries(count: int, kid: str) -> list[bytes]:
    return [encode_entry(bundle_entry(
        declaration_digest=hashlib.sha256(index.to_bytes(8, "big")).digest(),
        declaration_id=uuid.UUID(int=index), signer_kid=kid,
        accepted_at=AT + dt.timedelta(seconds=index))) for index in range(count)]


def main() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    log_key, certifier = signer("log"), signer("certifier")
    log = NoteSigner(ORIGIN, log_key)
    witnesses = [Cosigner(f"witness-{n}.example.org", signer(f"witness-{n}")) for n in (1, 2)]
    policy = WitnessPolicy(tuple(w.verifier_key for w in witnesses), 2)
    data = entries(TREE_SIZE + CATCH_UP, certifier.kid)
    sample = b"\x00" + data[0]
    lines: list[str] = []

    def sha256_once() -> bytes:
        return hashlib.sha256(sample).digest()

    def sha256_all(count: int) -> Callable[[], object]:
        return lambda: [hashlib.sha256(b"\x00" + entry).digest() for entry in data[:count]]

    # ---- appends (the limit: hashing the same entries in a loop)
    tree = MemoryTree()
    tree.extend(data[:TREE_SIZE])

    def memory_appends() -> None:
        MemoryTree().extend(data[:APPENDS])

    rows: dict[NodeId, bytes] = {}

    def read(nodes: list[NodeId]) -> list[bytes]:
        return [rows[node] for node in nodes]

    def store_appends() -> None:
        rows.clear()
        for index, entry in enumerate(data[:APPENDS]):
            for node, value in hashes_to_store(index, leaf_hash(entry), read):
                rows[node] = value

    limit, work = paired_durations(sha256_all(APPENDS), memory_appends)
    sha_loop = APPENDS / limit
    lines.append(f"raw SHA-256 ({len(sample)} bytes, a loop)  {sha_loop:12.0f}/s")
    lines.append(f"append, MemoryTree               {APPENDS / work:12.0f}/s   ratio "
                 f"{limit / work:.3f} of raw SHA-256 (ideal 0.5: two hashes per append)")
    limit, work = paired_durations(sha256_all(APPENDS), store_appends)
    lines.append(f"append, hashes_to_store + dict   {APPENDS / work:12.0f}/s   ratio "
                 f"{limit / work:.3f}")

    # ---- proofs in a tree of 10^6
    root = tree.root()
    index = 765_432
    leaf = leaf_hash(data[index])
    path = tree.inclusion_proof(index)
    old = 333_333
    old_root, consistency = tree.root(old), tree.consistency_proof(old)
    sha, prove = paired_rates(sha256_once, lambda: tree.inclusion_proof(index))
    lines.insert(0, f"raw SHA-256 ({len(sample)} bytes, a call)  {sha:12.0f}/s")
    lines.append(f"inclusion proof, make (10^6)     {prove:12.0f}/s   ({len(path)} hashes)")
    sha, check = paired_rates(sha256_once,
                              lambda: verify_inclusion(index, TREE_SIZE, leaf, path, root))
    lines.append(f"inclusion proof, verify          {check:12.0f}/s   ratio {check / sha:.3f} "
                 f"(ideal {1 / (len(path) + 1):.3f})")
    _, prove_consistency = paired_rates(sha256_once, lambda: tree.consistency_proof(old))
    lines.append(f"consistency proof, make          {prove_consistency:12.0f}/s   "
                 f"({len(consistency)} hashes)")
    sha, check_consistency = paired_rates(sha256_once, lambda: verify_consistency(
        old, TREE_SIZE, old_root, root, consistency))
    lines.append(f"consistency proof, verify        {check_consistency:12.0f}/s   ratio "
                 f"{check_consistency / sha:.3f} (ideal {1 / (len(consistency) + 1):.3f})")

    # ---- checkpoints and offline proofs (the limit: raw Ed25519)
    message = b"x" * 120
    signature = log_key.sign(message)
    public = log_key.public_key
    point = Checkpoint(ORIGIN, TREE_SIZE, root)
    note = add_cosignatures(sign_checkpoint(point, log),
                            [w.cosign(point, at=AT) for w in witnesses])
    ed_sign, sign_rate = paired_rates(lambda: log_key.sign(message),
                                      lambda: sign_checkpoint(point, log))
    lines.append(f"raw Ed25519 sign                 {ed_sign:12.0f}/s")
    lines.append(f"checkpoint, sign                 {sign_rate:12.0f}/s   ratio "
                 f"{sign_rate / ed_sign:.3f} of raw Ed25519 sign")
    ed_verify, open_rate = paired_rates(
        lambda: public.verify(signature, message),
        lambda: open_checkpoint(note, origin=ORIGIN, log_keys=[log.verifier_key]))
    lines.append(f"raw Ed25519 verify               {ed_verify:12.0f}/s")
    lines.append(f"checkpoint, open (log key)       {open_rate:12.0f}/s   ratio "
                 f"{open_rate / ed_verify:.3f} of raw Ed25519 verify")
    proof = create_log_proof(index, note, point, tree, extra=data[index])
    ed_verify, proof_rate = paired_rates(
        lambda: public.verify(signature, message),
        lambda: verify_log_proof(proof, origin=ORIGIN, log_keys=[log.verifier_key], at=AT,
                                 witnesses=policy))
    lines.append(f"tlog-proof, verify (log + 2 of 2 witnesses + inclusion) {proof_rate:8.0f}/s"
                 f"   ratio {proof_rate / ed_verify:.3f} (ideal 0.333: three signatures)")

    # ---- sizes at 10^6 and 10^8 (the longest path: ceil(log2 n) hashes)
    for entries_count in (10**6, 10**8):
        hashes = math.ceil(math.log2(entries_count))
        big = Checkpoint(ORIGIN, entries_count, root)
        big_note = add_cosignatures(sign_checkpoint(big, log),
                                    [w.cosign(big, at=AT) for w in witnesses])
        text = LogProof(entries_count - 1, (root,) * hashes, big_note, data[0]).to_bytes()
        lines.append(f"proof at {entries_count:>11,} entries: {hashes} hashes, {32 * hashes} "
                     f"bytes binary, tlog-proof text {len(text)} bytes (entry, checkpoint, "
                     "2 cosignatures)")

    # ---- catching up 100,000 entries (the limit: hashing those entries in a loop)
    before = MemoryTree()
    before.extend(data[:CATCH_UP_FROM])
    after = MemoryTree()
    after.extend(data[:CATCH_UP_FROM + CATCH_UP])
    size = after.size
    tiles = {tile: tile_data(tile, after) for tile in new_tiles(0, size)}
    bundles = {bundle: entry_bundle(data[bundle.first_entry:bundle.first_entry + bundle.width])
               for bundle in entry_bundles(0, size, size)}
    previous = open_checkpoint(sign_checkpoint(Checkpoint(ORIGIN, CATCH_UP_FROM,
                                                          before.root()), log),
                               origin=ORIGIN, log_keys=[log.verifier_key])
    latest = sign_checkpoint(Checkpoint(ORIGIN, size, after.root()), log)

    def catch_up(check: Callable[[int, bytes], None]) -> Callable[[], object]:
        def run() -> None:
            result = monitor_step(previous, latest, origin=ORIGIN,
                                  log_keys=[log.verifier_key], fetch_tile=tiles.__getitem__,
                                  fetch_entries=bundles.__getitem__, check_entry=check, at=AT)
            assert result.entries_checked == CATCH_UP
        return run

    def no_check(index: int, entry: bytes) -> None:
        return None

    for label, check in (("no entry check", no_check),
                         ("entries decoded", cfl_entry_checker())):
        limit, work = paired_durations(sha256_all(CATCH_UP), catch_up(check))
        lines.append(f"catch-up of {CATCH_UP:,} entries (from {CATCH_UP_FROM:,}), {label:<16}"
                     f"{CATCH_UP / work:10.0f} entries/s   ratio {limit / work:.3f} of raw "
                     f"SHA-256 ({work:.2f} s)")

    print(f"one core; entries are {len(data[0])}-byte cfl bundle entries")
    print("\n".join(lines))
    register_figures(data, log, tiles, bundles)


# ----------------------------------------------------------------------- inside the register
REGISTER_APPENDS = int(os.environ.get("CFL_BENCH_REGISTER_APPENDS", "1000"))


def _disclosure(index: int, kid: str) -> Disclosure:
    return Disclosure("bundle", 0, str(uuid.UUID(int=index)), b"", 1_800_000_000 + index,
                      hashlib.sha256(index.to_bytes(8, "big")).hexdigest(), kid)


def register_figures(data: list[bytes], log: NoteSigner, tiles: dict[TileId, bytes],
                     bundles: dict[EntryBundleId, bytes]) -> None:
    folder = Path(tempfile.mkdtemp(prefix="cfl-bench-log-"))
    database = folder / "register.sqlite3"
    storage = SqlStorage.open(f"sqlite:///{database}")
    store = LogStore(storage.engine)
    store.start(ORIGIN)
    register_log = RegisterLog(store, log, clock=lambda: AT)
    kid = signer("certifier").kid
    print(f"\nthe log inside the register (SQLite in {folder}, WAL, synchronous=FULL)")

    def bare_transactions() -> None:
        for n in range(REGISTER_APPENDS):
            with storage._write() as connection:
                connection.execute(insert(schema.feed).values(
                    kind="bench", declaration_id=str(n), digest=None, at=0, detail=""))

    def appends(first: int) -> Callable[[], None]:
        def run() -> None:
            for n in range(first, first + REGISTER_APPENDS):
                with storage._write() as connection:
                    register_log.hook(connection, _disclosure(n, kid))
        return run

    start = time.perf_counter()
    bare_transactions()
    bare = time.perf_counter() - start
    start = time.perf_counter()
    appends(0)()
    own = time.perf_counter() - start
    start = time.perf_counter()
    bare_transactions()
    bare = min(bare, time.perf_counter() - start)
    print(f"  one-row transactions (the limit)    {REGISTER_APPENDS / bare:10.0f}/s")
    print(f"  appends, one transaction each       {REGISTER_APPENDS / own:10.0f}/s   ratio "
          f"{bare / own:.3f} of one-row transactions")
    # fill 100,000 more in transactions of 5,000 (what a burst of publishes costs the log)
    before = store.size()
    start = time.perf_counter()
    for first in range(before, before + CATCH_UP, 5000):
        with storage._write() as connection:
            for n in range(first, first + 5000):
                register_log.hook(connection, _disclosure(n, kid))
    filled = time.perf_counter() - start
    print(f"  appends, 5,000 per transaction      {CATCH_UP / filled:10.0f}/s")
    previous_note = register_log.tick()
    assert previous_note is not None
    # the previous checkpoint is the one at `before`: sign it by hand for the monitor
    previous = open_checkpoint(sign_checkpoint(Checkpoint(
        ORIGIN, before, root_hash(before, store.reader())), log), origin=ORIGIN,
        log_keys=[log.verifier_key])
    storage.close()
    port = _free_port()
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(database), str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    cores = list(range(os.cpu_count() or 1))
    if hasattr(os, "sched_setaffinity") and len(cores) > 1:  # server and monitor: one core each
        os.sched_setaffinity(server.pid, {cores[0]})
        os.sched_setaffinity(0, {cores[-1]})
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                if httpx.get(f"{base}/log/checkpoint", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        with httpx.Client(base_url=base, timeout=30) as http:
            def fetch(item: TileId | EntryBundleId) -> bytes:
                response = http.get(f"/log/{item.path}")
                response.raise_for_status()
                return response.content

            def over_http() -> None:
                result = monitor_step(previous, http.get("/log/checkpoint").content,
                                      origin=ORIGIN, log_keys=[log.verifier_key],
                                      fetch_tile=fetch, fetch_entries=fetch,
                                      check_entry=cfl_entry_checker(), at=AT)
                assert result.entries_checked == CATCH_UP

            start = time.perf_counter()
            over_http()
            http_time = time.perf_counter() - start
    finally:
        server.terminate()
        server.wait(20)
    # the limit: the same catch-up from tiles in memory (the core bench's tree, same size)
    memory_previous = open_checkpoint(sign_checkpoint(Checkpoint(
        ORIGIN, CATCH_UP_FROM, _memory_root(data, CATCH_UP_FROM)), log), origin=ORIGIN,
        log_keys=[log.verifier_key])
    latest = sign_checkpoint(Checkpoint(ORIGIN, CATCH_UP_FROM + CATCH_UP,
                                        _memory_root(data, CATCH_UP_FROM + CATCH_UP)), log)
    start = time.perf_counter()
    monitor_step(memory_previous, latest, origin=ORIGIN, log_keys=[log.verifier_key],
                 fetch_tile=tiles.__getitem__, fetch_entries=bundles.__getitem__,
                 check_entry=cfl_entry_checker(), at=AT)
    memory_time = time.perf_counter() - start
    print(f"  monitor catch-up of {CATCH_UP:,} entries over the register's tiles (HTTP, "
          f"entries decoded): {http_time:.2f} s ({CATCH_UP / http_time:,.0f} entries/s); "
          f"from memory {memory_time:.2f} s; ratio {memory_time / http_time:.3f}")


def _memory_root(data: list[bytes], size: int) -> bytes:
    tree = MemoryTree()
    tree.extend(data[:size])
    return tree.root()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve_log(database: str, port: int) -> None:
    """The register's log routes over its database (what ``cfl serve`` serves at /log)."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.routing import Route

    from cfl.register import log_routes

    storage = SqlStorage.open(f"sqlite:///{database}", migrate_schema=False)
    register_log = RegisterLog(LogStore(storage.engine), NoteSigner(ORIGIN, signer("log")),
                               clock=lambda: AT)
    app = Starlette(routes=[Route("/log/checkpoint", log_routes.checkpoint),
                            Route("/log/tile/{path:path}", log_routes.tile)])
    app.state.register = SimpleNamespace(log=register_log)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve"]:
        serve_log(sys.argv[2], int(sys.argv[3]))
    else:
        main()
