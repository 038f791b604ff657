"""tlog-proof: the exact text format, creating a proof from a log's hashes, and verifying it
offline against the log key, the origin and a witness policy."""

from __future__ import annotations

import base64

import pytest
from log_world import AT, ORIGIN, LogWorld

from cfl.log.entries import BundleEntry, decode_entry
from cfl.log.errors import LogFormatError, LogVerificationError
from cfl.log.hashing import MAX_PROOF_HASHES, leaf_hash
from cfl.log.proof import (
    MAX_EXTRA_BYTES,
    PROOF_HEADER,
    LogProof,
    create_log_proof,
    parse_log_proof,
    verify_log_proof,
)

#: The example of c2sp.org/tlog-proof, signatures shortened there as here.
SPEC_EXAMPLE = """c2sp.org/tlog-proof@v1
extra YWdlLXYxLjIuMS1kYXJ3aW4tYXJtNjQudGFyLmd6
index 73894
gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ=
B95lDa8R83lS8n0eG+o0buTxRKQTYFi//1U8anccXmA=

example.com/fancylog
109482
sFodV/vSp5O8n9a8QpW6PRY97tfOSW5bsc2Xl/EQi08=

\u2014 example.com/fancylog hI2DJw==
"""


def test_the_text_format() -> None:
    proof = parse_log_proof(SPEC_EXAMPLE.encode())
    assert proof.index == 73894
    assert proof.extra == b"age-v1.2.1-darwin-arm64.tar.gz"
    assert len(proof.inclusion) == 2
    assert proof.checkpoint.startswith(b"example.com/fancylog\n109482\n")
    assert proof.to_bytes() == SPEC_EXAMPLE.encode()
    bare = LogProof(0, (), "log\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n"
                    "\u2014 x AAAAAA==\n".encode())
    assert bare.to_bytes().startswith(b"c2sp.org/tlog-proof@v1\nindex 0\n\nlog\n0\n")
    assert parse_log_proof(bare.to_bytes()) == bare


def _proof(world: LogWorld, index: int = 257, size: int = 300, witnesses: int = 2,
           extra: bool = True) -> bytes:
    tree = world.tree(size)
    return create_log_proof(index, world.signed(size, witnesses=witnesses),
                            world.checkpoint(size, tree), tree,
                            extra=world.entries[index] if extra else None)


def _verify(world: LogWorld, data: bytes, *, quorum: int | None = 2,
            entry: bytes | None = None) -> object:
    return verify_log_proof(data, origin=ORIGIN, log_keys=[world.log.verifier_key], at=AT,
                            entry=entry, witnesses=None if quorum is None
                            else world.policy(quorum))


def test_a_proof_verifies_offline_and_says_what_was_logged(world: LogWorld) -> None:
    data = _proof(world)
    verified = verify_log_proof(data, origin=ORIGIN, log_keys=[world.log.verifier_key], at=AT,
                                witnesses=world.policy(2))
    assert verified.index == 257
    assert verified.checkpoint.checkpoint.size == 300
    assert len(verified.cosignatures) == 2
    entry = decode_entry(verified.entry)
    assert isinstance(entry, BundleEntry)
    assert entry.declaration_digest == decode_entry(world.entries[257]).declaration_digest  # type: ignore[union-attr]
    assert len(data) < 1200


@pytest.mark.parametrize(("index", "size"), [(0, 1), (0, 2), (1, 2), (255, 256), (256, 257),
                                             (0, 1000), (999, 1000), (511, 513)])
def test_proofs_at_the_edges(world: LogWorld, index: int, size: int) -> None:
    data = _proof(world, index, size, witnesses=0, extra=False)
    _verify(world, data, quorum=None, entry=world.entries[index])
    with pytest.raises(LogVerificationError):
        _verify(world, data, quorum=None, entry=world.entries[(index + 1) % size] + b"x")


def test_a_proof_without_extra_needs_the_entry(world: LogWorld) -> None:
    data = _proof(world, extra=False)
    _verify(world, data, entry=world.entries[257])
    with pytest.raises(LogFormatError) as caught:
        _verify(world, data)
    assert caught.value.code == "proof_malformed"


def test_what_a_verifier_refuses(world: LogWorld) -> None:
    good = parse_log_proof(_proof(world))
    flipped = list(good.inclusion)
    flipped[0] = bytes([flipped[0][0] ^ 0x80]) + flipped[0][1:]
    cases = [
        (LogProof(258, good.inclusion, good.checkpoint, good.extra), "inclusion_proof_invalid"),
        (LogProof(257, tuple(flipped), good.checkpoint, good.extra), "inclusion_proof_invalid"),
        (LogProof(257, good.inclusion[:-1], good.checkpoint, good.extra),
         "inclusion_proof_invalid"),
        (LogProof(257, good.inclusion, good.checkpoint, world.entries[258]),
         "inclusion_proof_invalid"),
        (LogProof(257, good.inclusion, world.signed(300, witnesses=1), good.extra),
         "cosignature_quorum"),
        (LogProof(257, good.inclusion, good.checkpoint.replace(b"\n300\n", b"\n301\n"),
                  good.extra), "checkpoint_signature"),
    ]
    for proof, code in cases:
        with pytest.raises(LogVerificationError) as caught:
            _verify(world, proof.to_bytes())
        assert caught.value.code == code
    with pytest.raises(LogVerificationError) as caught:
        _verify(world, good.to_bytes(), entry=world.entries[258])
    assert caught.value.code == "proof_entry_mismatch"
    with pytest.raises(LogVerificationError) as caught:
        verify_log_proof(good.to_bytes(), origin="log.example.org/other",
                         log_keys=[world.log.verifier_key], at=AT)
    assert caught.value.code == "checkpoint_origin"


@pytest.mark.parametrize("text", [
    b"",
    b"c2sp.org/tlog-proof@v2\nindex 0\n\nx\n",
    b"c2sp.org/tlog-proof@v1\n\n\nx\n",
    b"c2sp.org/tlog-proof@v1\nindex notanumber\n\nx\n",
    b"c2sp.org/tlog-proof@v1\nindex -5\n\nx\n",
    b"c2sp.org/tlog-proof@v1\nindex 05\n\nx\n",
    b"c2sp.org/tlog-proof@v1\nindex 9223372036854775808\n\nx\n",
    b"c2sp.org/tlog-proof@v1\nextra !!notbase64!!\nindex 0\n\nx\n",
    b"c2sp.org/tlog-proof@v1\nindex 0\nextra AAAA\n\nx\n",
    b"c2sp.org/tlog-proof@v1\nindex 0\n!!notbase64!!\n\nx\n",
    b"c2sp.org/tlog-proof@v1\nindex 0\n" + base64.b64encode(bytes(64)) + b"\n\nx\n",
    b"c2sp.org/tlog-proof@v1\nindex 0\n" + (base64.b64encode(bytes(32)) + b"\n") *
    (MAX_PROOF_HASHES + 1) + b"\nx\n",
    b"c2sp.org/tlog-proof@v1\nindex 0\n",
    b"c2sp.org/tlog-proof@v1\nindex 0\n\n",
    "c2sp.org/tlog-proof@v1\nindex 0\u00e9\n\nx\n".encode(),
    b"c2sp.org/tlog-proof@v1\nextra " + base64.b64encode(bytes(MAX_EXTRA_BYTES + 1)) +
    b"\nindex 0\n\nx\n",
])
def test_texts_that_are_not_proofs(text: bytes) -> None:
    with pytest.raises(LogFormatError) as caught:
        parse_log_proof(text)
    assert caught.value.code in ("proof_malformed", "tree_size_invalid", "hash_malformed")
    assert PROOF_HEADER == "c2sp.org/tlog-proof@v1"


def test_an_index_beyond_the_tree(world: LogWorld) -> None:
    good = parse_log_proof(_proof(world))
    with pytest.raises(LogVerificationError):
        _verify(world, LogProof(300, good.inclusion, good.checkpoint, good.extra).to_bytes())
    with pytest.raises(LogFormatError):
        create_log_proof(300, world.signed(300), world.checkpoint(300), world.tree(300))


def test_the_leaf_is_the_entry_hashed(world: LogWorld) -> None:
    data = _proof(world, witnesses=0)
    verified = _verify(world, data, quorum=None)
    assert leaf_hash(verified.entry) == world.tree(300)([(0, 257)])[0]  # type: ignore[attr-defined]
