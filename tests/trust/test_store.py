"""The trust store is linearizable and private (ADR 0123): writes compare and swap under an
exclusive lock, the stored version never goes down, no verifier accepts a list older than
one stored before it began, and a store other users may write is refused."""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import time
from pathlib import Path
from typing import Any

import pytest
from signing_world import AT, SIGNED_AT, world

from cfl.signing.jws import bundle_to_bytes
from cfl.trust.context import build_trust_context
from cfl.trust.store import (
    DirectoryTrustStore,
    InsecureTrustStoreError,
    MemoryTrustStore,
    read_stored_trust,
    remember_trust,
    stored_version,
    trust_list_name,
)
from cfl.trust.trust_list import sign_trust_list
from cfl.verification import Status, verify


def _version(number: int, *, operator: str = "Test scheme operator") -> bytes:
    document = {**world().trust_list_document}
    document["trustList"] = {**document["trustList"], "operator": operator}
    return bundle_to_bytes(sign_trust_list(document, world().operator, at=SIGNED_AT,
                                           version=number))


@pytest.mark.parametrize("store_kind", ["memory", "directory"])
def test_a_lower_or_conflicting_version_is_never_written(tmp_path: Path, store_kind: str
                                                        ) -> None:
    store = MemoryTrustStore() if store_kind == "memory" else DirectoryTrustStore(tmp_path)
    name = trust_list_name(world().operator.kid)
    assert remember_trust(store, [(name, _version(3))]).written == (name,)
    assert remember_trust(store, [(name, _version(2))]).kept == (name,)
    assert remember_trust(store, [(name, _version(3, operator="Other"))]).kept == (name,)
    assert remember_trust(store, [(name, _version(3))]).kept == (name,)
    assert stored_version(store.read(name) or b"") == stored_version(_version(3))
    assert remember_trust(store, [(name, _version(4))]).written == (name,)
    assert (stored_version(store.read(name) or b"") or (0,))[0] == 4


def test_an_unreadable_stored_file_is_replaced_by_an_accepted_list() -> None:
    store = MemoryTrustStore()
    name = trust_list_name(world().operator.kid)
    store.write(name, b"{not json")
    assert remember_trust(store, [(name, _version(1))]).written == (name,)


def test_a_verifier_that_read_before_a_newer_list_was_stored_does_not_roll_it_back() -> None:
    """Before: each verifier wrote what it had accepted, whatever had been stored meanwhile."""
    store = MemoryTrustStore()
    anchor = world().operator.public_key
    slow = build_trust_context(_version(2), anchor=anchor, at=AT,
                               stored=read_stored_trust(store, anchor.kid))
    fast = build_trust_context(_version(5), anchor=anchor, at=AT,
                               stored=read_stored_trust(store, anchor.kid))
    remember_trust(store, fast.updates)
    outcome = remember_trust(store, slow.updates)
    assert outcome.kept == (trust_list_name(anchor.kid),) and outcome.written == ()
    later = build_trust_context(_version(2), anchor=anchor, at=AT,
                                stored=read_stored_trust(store, anchor.kid))
    assert later.trust_list is None
    assert "trust_list_rollback" in [row.code for row in later.rows]


# --------------------------------------------------------------------------- private

def test_a_folder_others_may_write_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "store"
    folder.mkdir()
    folder.chmod(0o777)
    store = DirectoryTrustStore(folder)
    for action in (store.names, lambda: store.read("x.json"),
                   lambda: store.write("x.json", b"{}")):
        with pytest.raises(InsecureTrustStoreError) as info:
            action()
        assert "chmod go-w" in str(info.value) and str(folder) in str(info.value)
    assert list(folder.iterdir()) == []


def test_a_stored_file_others_may_write_is_refused(tmp_path: Path) -> None:
    store = DirectoryTrustStore(tmp_path / "store")
    name = trust_list_name(world().operator.kid)
    remember_trust(store, [(name, _version(1))])
    (tmp_path / "store" / name).chmod(0o666)
    with pytest.raises(InsecureTrustStoreError) as info:
        read_stored_trust(store, world().operator.kid)
    assert name in str(info.value) and info.value.code == "trust_store_insecure"


def test_a_stored_link_is_refused(tmp_path: Path) -> None:
    store = DirectoryTrustStore(tmp_path / "store")
    name = trust_list_name(world().operator.kid)
    (tmp_path / "elsewhere.json").write_bytes(_version(1))
    store.write("placeholder", b"")
    os.symlink(tmp_path / "elsewhere.json", tmp_path / "store" / name)
    with pytest.raises(InsecureTrustStoreError, match="not a plain file"):
        store.read(name)


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a folder to another user needs root")
def test_a_folder_of_another_user_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "store"
    folder.mkdir(mode=0o700)
    os.chown(folder, 12345, 12345)
    with pytest.raises(InsecureTrustStoreError, match="another user"):
        DirectoryTrustStore(folder).names()


def test_a_new_store_is_private(tmp_path: Path) -> None:
    store = DirectoryTrustStore(tmp_path / "a" / "store")
    remember_trust(store, [(trust_list_name(world().operator.kid), _version(1))])
    for path in [tmp_path / "a" / "store", *(tmp_path / "a" / "store").iterdir()]:
        assert path.stat().st_mode & 0o077 == 0, path


# --------------------------------------------------------------------------- eight verifiers

VERIFIERS = 8
ROUNDS = 12


def _verifier(index: int, folder: str, lists: list[bytes], bundle: bytes, log: str) -> None:
    """One verifier process: verifies ``bundle`` ROUNDS times with trust lists of mixed
    versions against the shared store, and logs what it saw (times from the system-wide
    monotonic clock, so the logs of all processes compare)."""
    store = DirectoryTrustStore(folder)
    anchor = world().operator.public_key
    name = trust_list_name(anchor.kid)
    chooser = random.Random(index)
    records = []
    for _ in range(ROUNDS):
        version = chooser.randrange(1, len(lists) + 1)
        start = time.monotonic_ns()
        context = build_trust_context(lists[version - 1], anchor=anchor, at=AT,
                                      stored=read_stored_trust(store, anchor.kid),
                                      revocations=(world().revocations,))
        report = verify(bundle, context)
        time.sleep(chooser.random() / 200)  # widen the window between reading and writing
        remember_trust(store, context.updates)
        with store.locked():
            seen = stored_version(store.read(name) or b"")
            seen_at = time.monotonic_ns()
        records.append({"start": start, "given": version,
                        "accepted": context.trust_list.version if context.trust_list else None,
                        "passed": report.bottom_line is Status.PASSED,
                        "seen": seen[0] if seen else None, "seen_at": seen_at})
    Path(log).write_text(json.dumps(records), encoding="utf-8")


def test_eight_verifiers_with_mixed_versions_never_roll_the_store_back(tmp_path: Path) -> None:
    lists = [_version(number) for number in range(1, 7)]
    bundle = world().bundle_bytes()
    folder = tmp_path / "store"
    context = multiprocessing.get_context("fork")
    processes = [context.Process(target=_verifier, args=(i, str(folder), lists, bundle,
                                                         str(tmp_path / f"log-{i}.json")))
                 for i in range(VERIFIERS)]
    try:
        for process in processes:
            process.start()
        deadline = time.monotonic() + 120
        for process in processes:
            process.join(timeout=max(0.0, deadline - time.monotonic()))
    finally:  # bounded: a verifier still running is killed, never waited for at exit
        for process in processes:
            if process.is_alive():
                process.kill()
                process.join(timeout=30)
    assert all(process.exitcode == 0 for process in processes), [
        process.exitcode for process in processes]
    records: list[dict[str, Any]] = []
    for i in range(VERIFIERS):
        records += json.loads((tmp_path / f"log-{i}.json").read_text(encoding="utf-8"))
    # the stored version, read under the lock, never goes down
    observed = sorted((r["seen_at"], r["seen"]) for r in records)
    versions = [version for _, version in observed]
    assert versions == sorted(versions), versions
    # no verification accepts a list older than one stored before it began
    for record in records:
        stored_before = [version for at, version in observed if at < record["start"]]
        if record["accepted"] is not None and stored_before:
            assert record["accepted"] >= max(stored_before), record
        if record["passed"]:
            assert record["accepted"] is not None
    offered = {r["given"] for r in records}
    assert versions[-1] == max(offered)


def test_a_store_folder_reached_through_a_link_is_judged_by_its_target(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir(mode=0o700)
    os.symlink(real, tmp_path / "link")
    store = DirectoryTrustStore(tmp_path / "link")
    assert store.names() == []
    remember_trust(store, [(trust_list_name(world().operator.kid), _version(1))])
    assert [p.name for p in real.iterdir() if p.name != ".lock"] == [
        trust_list_name(world().operator.kid)]
