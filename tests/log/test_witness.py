"""Witness cosignatures (cosignature/v1) and k-of-n policies, and the add-checkpoint
protocol of c2sp.org/tlog-witness with the HTTP status of each refusal."""

from __future__ import annotations

import datetime as dt

import pytest
from log_world import AT, ORIGIN, LogWorld, signer

from cfl.log.checkpoint import Checkpoint, sign_checkpoint
from cfl.log.errors import LogFormatError, LogVerificationError, WitnessError
from cfl.log.hashing import EMPTY_ROOT, MemoryTree
from cfl.log.note import (
    SIG_ED25519,
    NoteSigner,
    VerifierKey,
    cosignature_message,
    open_note,
    parse_note,
)
from cfl.log.witness import (
    AddCheckpointRequest,
    Cosigner,
    WitnessPolicy,
    add_cosignatures,
    parse_add_checkpoint,
    parse_witness_response,
    verify_cosignatures,
    witness_add_checkpoint,
)
from cfl.signing.keys import LocalSigner


def test_a_cosignature_is_a_timestamped_signature_over_the_header_and_body(
        world: LogWorld) -> None:
    witness = world.witnesses[0]
    point = world.checkpoint(300)
    line = witness.cosign(point, at=AT)
    timestamp = int(AT.timestamp())
    assert line.signature[:8] == timestamp.to_bytes(8, "big")
    message = cosignature_message(point.text, timestamp)
    assert message.startswith(f"cosignature/v1\ntime {timestamp}\n{ORIGIN}\n300\n".encode())
    assert witness.verifier_key.public_key.verify(line.signature[8:], message)
    assert witness.verifier_key.text.split("+")[2].startswith("B")  # type byte 0x04


@pytest.mark.parametrize(("count", "quorum"), [(3, 2), (2, 2), (3, 3), (1, 1), (0, 0)])
def test_k_of_n_witnesses(world: LogWorld, count: int, quorum: int) -> None:
    signed = world.opened(world.signed(300, witnesses=count))
    found = verify_cosignatures(signed, world.policy(quorum), at=AT)
    assert len(found) == (count if quorum else 0)
    assert all(cosignature.time == AT for cosignature in found)


@pytest.mark.parametrize(("count", "quorum"), [(1, 2), (0, 1), (2, 3)])
def test_too_few_witnesses(world: LogWorld, count: int, quorum: int) -> None:
    signed = world.opened(world.signed(300, witnesses=count))
    with pytest.raises(LogVerificationError) as caught:
        verify_cosignatures(signed, world.policy(quorum), at=AT)
    assert caught.value.code == "cosignature_quorum"


def test_an_untrusted_witness_does_not_count(world: LogWorld) -> None:
    impostor = Cosigner(world.witnesses[1].name, signer("impostor"))
    point = world.checkpoint(300)
    note = add_cosignatures(world.signed(300, witnesses=1), [impostor.cosign(point, at=AT)])
    with pytest.raises(LogVerificationError) as caught:
        verify_cosignatures(world.opened(note), world.policy(2), at=AT)
    assert caught.value.code == "cosignature_quorum"


def test_an_altered_cosignature_of_a_trusted_witness_refuses_the_checkpoint(
        world: LogWorld) -> None:
    point = world.checkpoint(300)
    line = world.witnesses[1].cosign(point, at=AT)
    bad = type(line)(line.name, line.key_id, line.signature[:20] + b"\x00" +
                     line.signature[21:])
    note = add_cosignatures(world.signed(300, witnesses=1), [bad])
    with pytest.raises(LogVerificationError) as caught:
        verify_cosignatures(world.opened(note), world.policy(1), at=AT)
    assert caught.value.code == "note_signature_invalid"
    other_time = type(line)(line.name, line.key_id,
                            (int(AT.timestamp()) + 1).to_bytes(8, "big") + line.signature[8:])
    note = add_cosignatures(world.signed(300), [other_time])
    with pytest.raises(LogVerificationError):
        verify_cosignatures(world.opened(note), world.policy(1), at=AT)


def test_cosignatures_outside_the_time_window_do_not_count(world: LogWorld) -> None:
    future = world.opened(world.signed(300, witnesses=2, at=AT + dt.timedelta(hours=1)))
    with pytest.raises(LogVerificationError) as caught:
        verify_cosignatures(future, world.policy(1), at=AT)
    assert caught.value.code == "cosignature_quorum"
    assert "outside" in caught.value.message
    verify_cosignatures(future, world.policy(2), at=AT + dt.timedelta(minutes=58))
    old = world.opened(world.signed(300, witnesses=2))
    with pytest.raises(LogVerificationError):
        verify_cosignatures(old, world.policy(1), at=AT, not_before=AT + dt.timedelta(days=1))


def test_policies_are_checked(world: LogWorld) -> None:
    keys = tuple(w.verifier_key for w in world.witnesses)
    with pytest.raises(LogFormatError):
        WitnessPolicy(keys, 4)
    with pytest.raises(LogFormatError):
        WitnessPolicy(keys, -1)
    with pytest.raises(LogFormatError):
        WitnessPolicy((keys[0], keys[0]), 1)
    with pytest.raises(LogFormatError):
        WitnessPolicy((world.log.verifier_key,), 1)  # a checkpoint key, not a witness key
    with pytest.raises(LogFormatError):
        Cosigner("es256", LocalSigner.generate("ES256"))


def test_a_witness_key_cannot_pass_for_a_log_key(world: LogWorld) -> None:
    """The cosignature type byte is in the key ID: the same Ed25519 key as a plain note key
    is another key, and a cosignature is not a checkpoint signature."""
    witness = world.witnesses[0]
    as_note_key = VerifierKey.from_public_key(witness.name, witness.verifier_key.public_key,
                                              SIG_ED25519)
    assert as_note_key.key_id != witness.verifier_key.key_id
    note = add_cosignatures(world.signed(300), [witness.cosign(world.checkpoint(300), at=AT)])
    with pytest.raises(LogVerificationError):
        open_note(parse_note(note), [as_note_key])


def test_merging_cosignatures_keeps_each_line_once(world: LogWorld) -> None:
    point = world.checkpoint(300)
    lines = [w.cosign(point, at=AT) for w in world.witnesses]
    note = add_cosignatures(add_cosignatures(world.signed(300), lines[:2]), lines)
    assert len(parse_note(note).signatures) == 4
    body = b"".join(line.line.encode() for line in lines)
    assert parse_witness_response(body) == tuple(lines)
    with pytest.raises(LogFormatError):
        parse_witness_response(b"not a signature\n")


# ------------------------------------------------------------------------- add-checkpoint


class Witness:
    """A witness service's state around witness_add_checkpoint, as the caller keeps it."""

    def __init__(self, world: LogWorld) -> None:
        self.world = world
        self.latest: dict[str, Checkpoint] = {}
        self.cosigner = world.witnesses[0]

    def post(self, body: bytes) -> bytes:
        response = witness_add_checkpoint(
            body, logs={ORIGIN: [self.world.log.verifier_key]}, latest=self.latest.get,
            cosigner=self.cosigner, at=AT)
        self.latest[response.checkpoint.origin] = response.checkpoint
        return response.body


def _request(old: int, proof: list[bytes], note: bytes) -> bytes:
    return AddCheckpointRequest(old, tuple(proof), note).to_bytes()


def test_a_witness_follows_a_growing_log(world: LogWorld) -> None:
    witness = Witness(world)
    tree = world.tree(300)
    body = witness.post(_request(0, [], world.signed(100)))
    lines = parse_witness_response(body)
    signed = world.opened(add_cosignatures(world.signed(100), lines))
    assert len(verify_cosignatures(signed, world.policy(1), at=AT)) == 1
    witness.post(_request(100, tree.consistency_proof(100, 300), world.signed(300)))
    assert witness.latest[ORIGIN].size == 300
    witness.post(_request(300, [], world.signed(300)))  # the same tree again


@pytest.mark.parametrize(("old", "status", "code", "latest_size"), [
    (100, 409, "witness_conflict", 200),
    (400, 400, "witness_old_size_too_large", None),
])
def test_a_wrong_old_size(world: LogWorld, old: int, status: int, code: str,
                          latest_size: int | None) -> None:
    witness = Witness(world)
    witness.post(_request(0, [], world.signed(200)))
    with pytest.raises(WitnessError) as caught:
        witness.post(_request(old, world.tree(300).consistency_proof(min(old, 300), 300)
                              if old <= 300 else [], world.signed(300)))
    assert (caught.value.http_status, caught.value.code, caught.value.latest_size) == \
        (status, code, latest_size)
    assert witness.latest[ORIGIN].size == 200  # nothing stored


def test_a_bad_proof_another_root_an_unknown_log_a_bad_signature(world: LogWorld) -> None:
    witness = Witness(world)
    witness.post(_request(0, [], world.signed(200)))
    proof = world.tree(300).consistency_proof(200, 300)
    cases = [
        (_request(200, proof[:-1], world.signed(300)), 422, "witness_bad_proof"),
        (_request(200, [], world.signed(300)), 422, "witness_bad_proof"),
        (_request(200, [], sign_checkpoint(Checkpoint(ORIGIN, 200, EMPTY_ROOT), world.log)),
         409, "witness_conflict"),
        (_request(200, proof, sign_checkpoint(world.checkpoint(300), world.stranger)), 403,
         "witness_bad_signature"),
    ]
    other = MemoryTree()
    other.append(b"x")
    other_log = Checkpoint("log.example.org/unknown", 1, other.root())
    cases.append((_request(0, [], sign_checkpoint(other_log, NoteSigner(other_log.origin,
                                                                         signer("log")))),
                  404, "witness_unknown_log"))
    for body, status, code in cases:
        with pytest.raises(WitnessError) as caught:
            witness.post(body)
        assert (caught.value.http_status, caught.value.code) == (status, code)
    assert witness.latest[ORIGIN].size == 200


@pytest.mark.parametrize("body", [
    b"",
    b"old 0\n",
    b"old 01\n\nx",
    b"old -1\n\nx",
    b"new 0\n\nx",
    b"old 0\nnot base64\n\nx",
    b"old 0\nAAAA\n\nx",
    b"old 0\n" + b"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n" * 64 + b"\nx",
    b"old 0\n\nnot a checkpoint\n",
    "old 0\n\n\u00e9\n".encode() + b"\xff",
])
def test_malformed_requests_are_400(world: LogWorld, body: bytes) -> None:
    with pytest.raises(WitnessError) as caught:
        Witness(world).post(body)
    assert caught.value.http_status == 400
    assert caught.value.code == "witness_request_malformed"


def test_requests_round_trip(world: LogWorld) -> None:
    proof = world.tree(300).consistency_proof(200, 300)
    request = AddCheckpointRequest(200, tuple(proof), world.signed(300))
    assert parse_add_checkpoint(request.to_bytes()) == request
    assert request.to_bytes().startswith(b"old 200\n")
