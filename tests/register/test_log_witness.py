"""The witness service and the register's witness round: checkpoints are cosigned only when
consistent with the last one cosigned (state kept atomically), refusals carry the
c2sp.org/tlog-witness statuses, and a register collects the cosignatures into the
checkpoint it serves and the proofs it gives."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
from pathlib import Path

import httpx
from log_world import signer
from register_world import LOG_PASSPHRASE, RegisterWorld

from cfl.log import (
    AddCheckpointRequest,
    Checkpoint,
    Cosigner,
    MemoryTree,
    WitnessPolicy,
    parse_verifier_key,
    sign_checkpoint,
    verify_log_proof,
)
from cfl.log.note import NoteSigner
from cfl.register.config import load_config
from cfl.register.server import build_register
from cfl.register.storage import Disclosure
from cfl.register.transparency import WitnessEndpoint, checkpoint_of
from cfl.register.witness_service import WitnessService, witness_app

AT = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


def _service(tmp_path: Path, log_key: NoteSigner) -> WitnessService:
    return WitnessService(Cosigner("witness.test", signer("witness")),
                          {log_key.name: [log_key.verifier_key]}, tmp_path / "witness",
                          clock=lambda: AT)


def test_a_witness_cosigns_only_consistent_checkpoints(tmp_path: Path) -> None:
    log_key = NoteSigner("log.test/log", signer("log"))
    service = _service(tmp_path, log_key)
    leaves = [hashlib.sha256(b"%d" % n).digest() for n in range(5)]
    tree = MemoryTree()
    for leaf in leaves:
        tree.append(leaf)
    first = sign_checkpoint(Checkpoint(log_key.name, 3, tree.root(3)), log_key)
    status, body = service.add_checkpoint(AddCheckpointRequest(0, (), first).to_bytes())
    assert status == 200 and body.startswith("— witness.test ".encode())
    latest = service.latest(log_key.name)
    assert latest is not None and latest.size == 3
    # the next one from the wrong old size: 409 with the size the witness holds
    second = sign_checkpoint(Checkpoint(log_key.name, 5, tree.root(5)), log_key)
    status, body = service.add_checkpoint(AddCheckpointRequest(0, (), second).to_bytes())
    assert (status, body) == (409, b"3\n")
    proof = tuple(tree.consistency_proof(3, 5))
    assert service.add_checkpoint(AddCheckpointRequest(3, proof, second).to_bytes())[0] == 200
    # a fork of size 5: refused, the stored state unchanged
    other = MemoryTree()
    for leaf in leaves[:4] + [b"x" * 32]:
        other.append(leaf)
    fork = sign_checkpoint(Checkpoint(log_key.name, 5, other.root(5)), log_key)
    assert service.add_checkpoint(AddCheckpointRequest(5, (), fork).to_bytes())[0] == 409
    stranger = sign_checkpoint(Checkpoint("other.test/log", 1, tree.root(1)),
                               NoteSigner("other.test/log", signer("other")))
    assert service.add_checkpoint(AddCheckpointRequest(0, (), stranger).to_bytes())[0] == 404
    assert service.add_checkpoint(b"old x\n\n")[0] == 400
    stored = service.latest(log_key.name)
    assert stored is not None and stored.root_hash == tree.root(5)


def test_the_witness_over_http(tmp_path: Path) -> None:
    log_key = NoteSigner("log.test/log", signer("log"))
    app = witness_app(_service(tmp_path, log_key))
    note = sign_checkpoint(Checkpoint(log_key.name, 0, hashlib.sha256().digest()), log_key)

    async def post(body: bytes) -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://witness") as client:
            return await client.post("/add-checkpoint", content=body)

    answer = asyncio.run(post(AddCheckpointRequest(0, (), note).to_bytes()))
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
    assert asyncio.run(post(b"x" * (300 * 1024))).status_code == 413


def test_the_register_collects_cosignatures_into_its_checkpoints_and_proofs(
        tmp_path: Path, world: RegisterWorld) -> None:
    witness_signer = Cosigner("witness.test", signer("witness"))
    config = load_config(None, {
        "data_dir": tmp_path / "data", "trust_list": world.trust_list,
        "anchor": world.anchor, "log_origin": "register.test/log", "checkpoint_seconds": 1e-6,
        "witnesses": [f"{witness_signer.verifier_key.text} https://witness.test"]})
    register = build_register(config, log_passphrase=LOG_PASSPHRASE.encode())
    log = register.log
    assert log is not None
    service = WitnessService(witness_signer, {log.origin: [parse_verifier_key(
        log.verifier_key)]}, tmp_path / "witness", clock=lambda: AT)
    calls: list[str] = []

    def post(url: str, body: bytes, timeout: float) -> tuple[int, bytes]:
        calls.append(url)
        return service.add_checkpoint(body)

    log._post = post  # the witness answers in-process
    try:
        for n in range(3):
            with register.storage._write() as connection:  # type: ignore[attr-defined]
                log.hook(connection, Disclosure(
                    "bundle", 0, f"00000000-0000-4000-8000-{n:012d}", b"", 1_800_000_000,
                    hashlib.sha256(b"%d" % n).hexdigest(), world.certifier.kid))
            log.tick()
        assert calls == ["https://witness.test/add-checkpoint"] * 3
        note = log.latest_note()
        assert note is not None and "— witness.test ".encode() in note
        answer = log.proof(hashlib.sha256(b"1").hexdigest())
        assert answer is not None and answer.proof is not None
        policy = WitnessPolicy((witness_signer.verifier_key,), 1)
        verified = verify_log_proof(answer.proof, origin=log.origin,
                                    log_keys=[parse_verifier_key(log.verifier_key)],
                                    at=AT, witnesses=policy)
        assert len(verified.cosignatures) == 1
        service_state = service.latest(log.origin)
        assert service_state is not None and service_state.size == checkpoint_of(note).size
        # a witness that does not answer leaves the next checkpoint without its cosignature
        log._post = lambda url, body, timeout: (503, b"down\n")
        with register.storage._write() as connection:  # type: ignore[attr-defined]
            log.hook(connection, Disclosure(
                "bundle", 0, "00000000-0000-4000-8000-000000000099", b"", 1_800_000_000,
                hashlib.sha256(b"99").hexdigest(), world.certifier.kid))
        bare = log.tick()
        assert bare is not None and "— witness.test ".encode() not in bare
        assert WitnessEndpoint.parse(config.witnesses[0]).url == "https://witness.test"
    finally:
        register.storage.close()
