"""Benchmark: batch signing of 2,000 declarations (what `cfl sign DIR -o OUT --jobs N` does).

Run as ``python bench/sign.py`` (``CFL_BENCH_COUNT`` changes the number of declarations).
Prints, from one run:

* the limit: raw Ed25519 signing plus RFC 8785 canonicalisation (the ``rfc8785`` package) of
  each declaration, CPU per declaration, measured here on the same declarations;
* batch signing with one process (``sign_files``, jobs 1: read, parse, validate, JCS,
  signature, QR claim and its signature, ledger record, atomic write): wall time and CPU per
  declaration, and the ratio to the limit (target ≤ 1.5);
* the same with two worker processes: wall time and the ratio to one process (target ≤ 0.6),
  CPU of the parent and its workers together;
* where one declaration's time goes, each stage measured alone.

The key is decrypted once before the batch (PBKDF2, 600,000 rounds: about half a second, not
part of either figure).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import resource
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import rfc8785

from cfl.bundle.ledger import Ledger
from cfl.bundle.sign import (
    SigningHeaders,
    SignTask,
    _issue_claim,
    _require_valid_declaration_fast,
    sign_document_bytes,
    sign_files,
)
from cfl.io.atomic import write_atomic
from cfl.signing.jcs import parse_canonicalisable, plain_canonical_bytes
from cfl.signing.jws import MAX_BUNDLE_BYTES
from cfl.signing.keys import LocalSigner

FIXTURE = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "declarations" / \
    "battery-pack.json"
AT = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
COUNT = int(os.environ.get("CFL_BENCH_COUNT", "2000"))
CPU_LIMIT = 1.5
WALL_LIMIT = 0.6


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (forked workers included)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def write_declarations(folder: Path, count: int) -> list[Path]:
    template = json.loads(FIXTURE.read_text(encoding="utf-8"))
    paths = []
    for number in range(count):
        template["id"] = f"3f1c2a9e-5b7d-4e8f-9a0b-{number:012d}"
        template["extensions"][0]["data"]["productNames"]["en"] = f"LFP pack SKU-{number:05d}"
        path = folder / f"SKU-{number:05d}.json"
        path.write_text(json.dumps(template, ensure_ascii=False, indent=2), encoding="utf-8")
        paths.append(path)
    return paths


def reference_per_declaration(signer: LocalSigner, paths: list[Path]) -> float:
    """CPU seconds per declaration of rfc8785 + raw Ed25519 over the parsed declarations."""
    values = [json.loads(path.read_bytes()) for path in paths]
    for value in values[:50]:
        signer.sign(rfc8785.dumps(value))
    start = time.process_time()
    for value in values:
        signer.sign(rfc8785.dumps(value))
    return (time.process_time() - start) / len(values)


def signing_work_per_declaration(signer: LocalSigner, paths: list[Path]) -> float:
    """CPU seconds per declaration of the signing work alone: file bytes in memory to
    bundle bytes (parse, validate, JCS, JWS signature, QR claim), no file system."""
    data = [path.read_bytes() for path in paths]
    headers = SigningHeaders(signer, role="certifier", at=AT)
    start = time.process_time()
    for item in data:
        sign_document_bytes(item, signer, role="certifier", at=AT, headers=headers)
    return (time.process_time() - start) / len(data)


def batch(signer: LocalSigner, paths: list[Path], out: Path, jobs: int) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of signing ``paths`` into the empty folder ``out``."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir()
    ledger = Ledger(out.parent / f"ledger-{jobs}.jsonl")
    ledger.path.unlink(missing_ok=True)
    tasks = [SignTask(i, path, out / path.name) for i, path in enumerate(paths)]
    cpu, wall = cpu_seconds(), time.perf_counter()
    result = sign_files(tasks, signer, role="certifier", at=AT, jobs=jobs,
                        record=ledger.append)
    wall, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
    assert result.count("signed") == len(paths), result.failed[:1]
    return wall, cpu


def stage(name: str, function: Callable[[], object], count: int = 2000) -> None:
    for _ in range(100):
        function()
    start = time.process_time()
    for _ in range(count):
        function()
    print(f"    {name:34} {(time.process_time() - start) / count * 1e6:7.1f} µs")


def stages(signer: LocalSigner, path: Path) -> None:
    data = path.read_bytes()
    headers = SigningHeaders(signer, role="certifier", at=AT)
    value, _ = parse_canonicalisable(data, source="x", max_bytes=MAX_BUNDLE_BYTES)
    payload = plain_canonical_bytes(value)
    print("  one declaration, each stage alone (CPU):")
    stage("read the file", path.read_bytes)
    stage("strict parse (one parse)", lambda: parse_canonicalisable(
        data, source="x", max_bytes=MAX_BUNDLE_BYTES))
    stage("validate (schema + cross-field)", lambda: _require_valid_declaration_fast(
        value, source="x"))
    stage("JCS (exact fast path)", lambda: plain_canonical_bytes(value))
    stage("JCS (rfc8785, the reference's)", lambda: rfc8785.dumps(value))
    stage("JWS signature (Ed25519)", lambda: headers.entry(payload))
    stage("QR claim (CBOR + Ed25519)", lambda: _issue_claim(
        value, payload, signer, at=AT, source="x", required=False))
    stage("sha256", lambda: hashlib.sha256(payload).digest())
    stage("all of it, bytes to bundle bytes", lambda: sign_document_bytes(
        data, signer, role="certifier", at=AT, headers=headers))


def main() -> None:
    signer = LocalSigner.generate("EdDSA")
    with tempfile.TemporaryDirectory(prefix="cfl-bench-sign-") as scratch:
        root = Path(scratch)
        (root / "in").mkdir()
        paths = write_declarations(root / "in", COUNT)
        batch(signer, paths[:100], root / "warm", 1)  # imports, caches
        limit = reference_per_declaration(signer, paths)
        work = signing_work_per_declaration(signer, paths)
        one_wall, one_cpu = batch(signer, paths, root / "out1", 1)
        two_wall, two_cpu = batch(signer, paths, root / "out2", 2)
        per = one_cpu / COUNT
        print(f"batch signing of {COUNT} declarations ({os.cpu_count()} cores, load "
              f"{os.getloadavg()[0]:.1f})")
        print(f"  limit: rfc8785 + raw Ed25519 sign       {limit * 1e6:7.1f} µs CPU/declaration")
        print(f"  signing work (bytes to bundle bytes)     {work * 1e6:7.1f} µs CPU/declaration")
        print(f"  --jobs 1, files included: {one_wall:6.2f} s wall, {per * 1e6:7.1f} µs "
              f"CPU/declaration, {COUNT / one_wall:5.0f}/s")
        print(f"  --jobs 2, files included: {two_wall:6.2f} s wall, "
              f"{two_cpu / COUNT * 1e6:7.1f} µs CPU/declaration (parent and workers), "
              f"{COUNT / two_wall:5.0f}/s")
        verdict = {True: "met", False: "NOT met"}
        print(f"  signing work / limit:            {work / limit:5.2f} (target ≤ {CPU_LIMIT}) "
              f"{verdict[work / limit <= CPU_LIMIT]}")
        print(f"  --jobs 1 CPU with files / limit: {per / limit:5.2f} (target ≤ {CPU_LIMIT}) "
              f"{verdict[per / limit <= CPU_LIMIT]}")
        print(f"  wall --jobs 2 / --jobs 1:        {two_wall / one_wall:5.2f} (target ≤ "
              f"{WALL_LIMIT}) {verdict[two_wall / one_wall <= WALL_LIMIT]}")
        stages(signer, paths[0])
        print("  one bundle written atomically and durably (cfl.io.atomic), CPU:")
        stage("write_atomic (temp file, fsync, rename)",
              lambda: write_atomic(root / "one.json", paths[0].read_bytes()), 300)


if __name__ == "__main__":
    main()
