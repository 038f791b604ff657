"""``cfl log monitor`` against a real register: consistent growth passes; an entry changed in
the database, a history rewritten with recomputed hashes, and a deleted entry are each caught
with their own exit status (3: does not verify; 4: the log contradicts itself, with both
signed checkpoints kept as evidence)."""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import re
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner, Result
from merkle_reference import mth
from merkle_reference import path as reference_path
from register_world import RegisterWorld, RunningRegister, start_register

from cfl.bundle.claim import claim_in_bundle
from cfl.bundle.model import parse_bundle
from cfl.cli.jsonout import OUTPUT_SCHEMAS
from cfl.cli.main import cli
from cfl.io.resources import load_schema
from cfl.log.hashing import NodeId, hashes_to_store, leaf_hash
from cfl.log.note import parse_note
from cfl.log.proof import parse_log_proof
from cfl.log.tiles import EntryBundleId, parse_entry_bundle
from cfl.signing.jws import bundle_to_bytes
from cfl.signing.keys import LocalSigner, write_key_pair
from cfl.trust.logs import transparency_log_json
from cfl.trust.trust_list import add_transparency_log, sign_trust_list

ORIGIN = "monitor.test/log"


@pytest.fixture()
def running(world: RegisterWorld, tmp_path: Path) -> Iterator[RunningRegister]:
    register = start_register(world, tmp_path / "serve", tls=False,
                              extra=["--log-origin", ORIGIN])
    try:
        yield register
    finally:
        register.stop()


def _trust_with_log(world: RegisterWorld, register: RunningRegister, folder: Path) -> Path:
    with register.client() as http:
        key = http.get("/healthz").json()["log"]["verifierKey"]
    document = json.loads(world.trust_list.read_bytes())
    item = transparency_log_json(origin=ORIGIN, url=f"{register.url}/log", log_keys=[key],
                                 valid_from=world.at - dt.timedelta(days=1),
                                 valid_until=world.at + dt.timedelta(days=365))
    document = add_transparency_log(document, item)
    path = folder / "trust-with-log.json"
    path.write_bytes(bundle_to_bytes(sign_trust_list(document, world.operator, at=world.at)))
    return path


def _monitor(register: RunningRegister, state: Path, trust: Path, world: RegisterWorld,
             *extra: str) -> Result:
    return CliRunner().invoke(cli, ["log", "monitor", f"{register.url}/log", "--state",
                                    str(state), "--trust", str(trust), "--anchor",
                                    str(world.anchor), *extra])


def _publish(register: RunningRegister, *paths: Path) -> None:
    result = CliRunner().invoke(cli, ["publish", *map(str, paths), "--to", register.url,
                                      "--no-proofs"])
    assert result.exit_code == 0, result.output


def _checkpoint_size(register: RunningRegister, size: int) -> None:
    """Wait (bounded) for the register's checkpoint loop to sign a tree of ``size``."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with register.client() as http:
            note = http.get("/log/checkpoint")
        if note.status_code == 200 and note.text.split("\n")[1] == str(size):
            return
        time.sleep(0.1)
    raise AssertionError(f"no checkpoint of {size} entries")


def _database(register: RunningRegister) -> sqlite3.Connection:
    return sqlite3.connect(register.data_dir / "register.sqlite3", timeout=30)


def _rewrite(register: RunningRegister, change: int | None = None,
             drop_last: bool = False) -> None:
    """What a register operator with the database could do: change one entry (or drop the
    last), recompute every stored hash so the tree is whole again, and remove the signed
    checkpoints so that the register signs the new tree."""
    with _database(register) as connection:
        entries = [bytes(row[0]) for row in connection.execute(
            "SELECT entry FROM log_entries ORDER BY idx")]
        if change is not None:
            entry = bytearray(entries[change])
            entry[-1] ^= 1  # accepted a second later
            entries[change] = bytes(entry)
            connection.execute("UPDATE log_entries SET entry = ? WHERE idx = ?",
                               (entries[change], change))
        if drop_last:
            entries.pop()
            connection.execute("DELETE FROM log_entries WHERE idx = ?", (len(entries),))
        stored: dict[NodeId, bytes] = {}
        for index, entry in enumerate(entries):
            stored.update(hashes_to_store(index, leaf_hash(entry),
                                          lambda nodes: [stored[n] for n in nodes]))
        connection.execute("DELETE FROM log_hashes")
        connection.executemany("INSERT INTO log_hashes (level, idx, hash) VALUES (?, ?, ?)",
                               [(level, index, value)
                                for (level, index), value in stored.items()])
        connection.execute("UPDATE log_state SET size = ?", (len(entries),))
        connection.execute("DELETE FROM log_checkpoints")


def test_a_monitor_follows_the_log_and_catches_every_rewrite(
        running: RunningRegister, world: RegisterWorld, tmp_path: Path) -> None:
    trust = _trust_with_log(world, running, tmp_path)
    _publish(running, *world.bundles[:2])
    _checkpoint_size(running, 3)  # the revocation list and two bundles
    state = tmp_path / "state"
    first = _monitor(running, state, trust, world)
    assert first.exit_code == 0, first.output
    assert "3 entries (was 0); 3 new entries checked (2 bundle(s) verified, 1 revocation" \
        in first.stdout
    _publish(running, world.bundles[2])
    _checkpoint_size(running, 4)
    grown = _monitor(running, state, trust, world, "--format", "json")
    assert grown.exit_code == 0, grown.output
    _assert_log_output(json.loads(grown.stdout), outcome="consistent", size=4,
                       previousSize=3, entries=1, bundles=1, bundlesVerified=True)

    # an entry changed in the database, hashes untouched: whoever reads it sees it
    with _database(running) as connection:
        original = connection.execute("SELECT entry FROM log_entries WHERE idx = 1"
                                      ).fetchone()[0]
        connection.execute("UPDATE log_entries SET entry = ? WHERE idx = 1",
                           (original[:-1] + bytes([original[-1] ^ 1]),))
    fresh = _monitor(running, tmp_path / "fresh", trust, world)
    assert fresh.exit_code == 3, fresh.output
    assert "entry_mismatch" in fresh.stderr
    with _database(running) as connection:
        connection.execute("UPDATE log_entries SET entry = ? WHERE idx = 1", (original,))

    # the same change with every hash recomputed: the register signs another tree of the
    # same size, which the monitor holding the old checkpoint calls a fork
    _rewrite(running, change=1)
    _checkpoint_size(running, 4)
    forked = _monitor(running, state, trust, world)
    assert forked.exit_code == 4, forked.output
    assert "LOG MISBEHAVED" in forked.stderr and "log_fork" in forked.stderr
    evidence = sorted((state / "evidence").iterdir())
    assert len(evidence) == 1
    previous = (evidence[0] / "previous.checkpoint").read_bytes()
    new = (evidence[0] / "new.checkpoint").read_bytes()
    assert previous.split(b"\n")[:2] == new.split(b"\n")[:2] == [ORIGIN.encode(), b"4"]
    assert previous.split(b"\n")[2] != new.split(b"\n")[2]  # two roots, both signed
    # the stored state did not move: the fork is reported again, not accepted
    again = _monitor(running, state, trust, world, "--format", "json")
    assert again.exit_code == 4
    _assert_log_output(json.loads(again.stdout), outcome="misbehaved", code="log_fork",
                       evidence=str(state / "evidence"))


def _assert_log_output(document: dict[str, object], **expected: object) -> None:
    schema = load_schema(OUTPUT_SCHEMAS["log"])
    assert document["format"] == schema["$id"]
    assert not list(jsonschema.Draft202012Validator(schema).iter_errors(document))
    for name, value in expected.items():
        assert document[name] == value, (name, document)


def test_a_deleted_entry_is_a_rollback_then_a_rewritten_history(
        running: RunningRegister, world: RegisterWorld, tmp_path: Path) -> None:
    trust = _trust_with_log(world, running, tmp_path)
    _publish(running, *world.bundles[:2])
    _checkpoint_size(running, 3)
    state = tmp_path / "state"
    assert _monitor(running, state, trust, world, "--entries-only").exit_code == 0
    _rewrite(running, drop_last=True)
    _checkpoint_size(running, 2)
    rolled_back = _monitor(running, state, trust, world)
    assert rolled_back.exit_code == 4 and "checkpoint_rollback" in rolled_back.stderr
    # the register goes on: another bundle makes the tree as large as before, but the
    # monitor's tree is not its prefix
    _publish(running, world.bundles[3])
    _checkpoint_size(running, 3)
    rewritten = _monitor(running, state, trust, world)
    assert rewritten.exit_code == 4 and "log_fork" in rewritten.stderr
    _publish(running, world.bundles[2])
    _checkpoint_size(running, 4)
    longer = _monitor(running, state, trust, world)
    assert longer.exit_code == 4 and "log_rewritten" in longer.stderr


def test_a_monitor_without_the_trust_list_and_a_bad_url(running: RunningRegister,
                                                        tmp_path: Path) -> None:
    with running.client() as http:
        key = http.get("/healthz").json()["log"]["verifierKey"]
    _checkpoint_size(running, 1)
    result = CliRunner().invoke(cli, ["log", "monitor", running.url, "--state",
                                      str(tmp_path / "s"), "--log-key", key])
    assert result.exit_code == 0, result.output
    assert "1 entries (was 0)" in result.stdout
    refused = CliRunner().invoke(cli, ["log", "monitor", running.url, "--state",
                                       str(tmp_path / "s4"), "--log-key", key, "--origin",
                                       "other.test/log", "--format", "json"])
    assert refused.exit_code == 3, refused.output
    _assert_log_output(json.loads(refused.stdout), outcome="refused")
    write_key_pair(tmp_path / "witness", LocalSigner.generate("EdDSA"),
                   b"a witness passphrase")
    witness = CliRunner().invoke(cli, ["log", "witness", "key", "--key",
                                       str(tmp_path / "witness"), "--name", "w.example",
                                       "--format", "json"])
    assert witness.exit_code == 0, witness.output
    _assert_log_output(json.loads(witness.stdout), action="witness-key", name="w.example")
    assert json.loads(witness.stdout)["verifierKey"].startswith("w.example+")
    wrong = CliRunner().invoke(cli, ["log", "monitor", running.url, "--state",
                                     str(tmp_path / "s2"), "--log-key",
                                     key.replace("monitor.test", "other.test", 1)])
    assert wrong.exit_code != 0
    gone = CliRunner().invoke(cli, ["log", "monitor", "http://127.0.0.1:9/log", "--state",
                                    str(tmp_path / "s3"), "--log-key", key])
    assert gone.exit_code == 1 and "ConnectError" in gone.output


def test_a_published_bundle_carries_its_proof_into_the_label_and_the_verification(
        running: RunningRegister, world: RegisterWorld, tmp_path: Path) -> None:
    trust = _trust_with_log(world, running, tmp_path)
    bundle = tmp_path / "battery.bundle.json"
    bundle.write_bytes(world.bundles[0].read_bytes())
    published = CliRunner().invoke(cli, ["publish", str(bundle), "--to", running.url])
    assert published.exit_code == 0, published.output
    proof = parse_log_proof((tmp_path / "battery.bundle.json.tlog-proof").read_bytes())
    # an independent reading of RFC 6962 (the RFC's recursion over the register's entries,
    # read from its tiles) agrees with the proof's path and with the signed root
    with running.client() as http:
        entries = parse_entry_bundle(http.get(f"/log/{EntryBundleId(0, 2).path}").content,
                                     EntryBundleId(0, 2))
    note = parse_note(proof.checkpoint)
    size, root = note.text.split("\n")[1:3]
    assert int(size) == 2 and base64.b64decode(root) == mth(entries)
    assert list(proof.inclusion) == reference_path(proof.index, entries)
    assert entries[proof.index] == proof.extra
    label = tmp_path / "label.pdf"
    labelled = CliRunner().invoke(cli, ["label", str(bundle), "-o", str(label),
                                        "--template", "sticker"])
    assert labelled.exit_code == 0, labelled.output
    for subject in (label, bundle):
        verified = CliRunner().invoke(cli, ["verify", str(subject), "--trust", str(trust),
                                            "--anchor", str(world.anchor), "--revocations",
                                            str(world.revocations), "--trust-store",
                                            str(tmp_path / "store")])
        assert verified.exit_code == 0, verified.output
        assert f"disclosed in {ORIGIN} as entry 1 (checkpoint size 2, time" in verified.output
    bare = tmp_path / "bare.bundle.json"
    bare.write_bytes(bundle.read_bytes())
    required = CliRunner().invoke(cli, ["verify", str(bare), "--trust", str(trust), "--anchor",
                                        str(world.anchor), "--revocations",
                                        str(world.revocations), "--trust-store",
                                        str(tmp_path / "store"), "--require-disclosure"])
    assert required.exit_code == 1 and "disclosure in" in required.output


def test_the_registers_page_checks_the_proof_of_disclosure_in_the_browser(
        running: RunningRegister, world: RegisterWorld, tmp_path: Path) -> None:
    """Headless Chromium opens /V/<digits>: the page fetches the bundle and its proof from the
    register and checks the proof in WebCrypto against the log its trust list names."""
    chromium = shutil.which("chromium")
    if chromium is None:
        if os.environ.get("CFL_REQUIRE_BROWSER") == "1":
            pytest.fail("Chromium is not installed, and CFL_REQUIRE_BROWSER=1 requires it")
        pytest.skip("Chromium is not installed; set CFL_REQUIRE_BROWSER=1 to make this a failure")
    trust = _trust_with_log(world, running, tmp_path)
    _publish(running, trust, world.bundles[0])  # the list naming the log, then a bundle
    _checkpoint_size(running, 2)

    def rows(data: bytes) -> list[tuple[str, str]]:
        digits = claim_in_bundle(parse_bundle(data)).to_text().rsplit("/", 1)[1]
        done = subprocess.run(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-background-networking", "--disable-component-update",
             "--virtual-time-budget=10000", f"--user-data-dir={tmp_path / 'profile'}",
             "--dump-dom", f"{running.url}/V/{digits}"],
            capture_output=True, text=True, timeout=90, check=False)
        assert done.returncode == 0, done.stderr[-2000:]
        assert 'id="js-error"' not in done.stdout
        return re.findall(r'data-code="([a-z_]+)" data-status="([A-Z_]+)"', done.stdout)

    published = rows(world.bundles[0].read_bytes())
    assert ("disclosed", "PASSED") in published, published
    assert all(status == "PASSED" for _, status in published)
    _, unpublished = world.new_bundle(71)
    assert ("disclosure_missing", "NOT_CHECKED") in rows(unpublished)
