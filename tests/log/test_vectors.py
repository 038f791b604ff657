"""The published transparency-log vectors (tests/vectors/log/, docs/log-test-vectors.md):
every manifest entry through the library, tree values recomputed from the RFC's recursive
definition, and the committed set equal to a fresh run of its generator."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import merkle_reference as reference
import pytest
import yaml
from cryptography.hazmat.primitives.asymmetric import ed25519

from cfl.log.checkpoint import check_checkpoint_update, open_checkpoint
from cfl.log.entries import decode_entry, encode_entry
from cfl.log.errors import LogFormatError, LogVerificationError, WitnessError
from cfl.log.hashing import MemoryTree, leaf_hash, verify_consistency, verify_inclusion
from cfl.log.note import parse_verifier_key
from cfl.log.proof import verify_log_proof
from cfl.log.tiles import EntryBundleId, TileId, parse_tile_path, tile_data, tiles_for_size
from cfl.log.witness import (
    Cosigner,
    WitnessPolicy,
    verify_cosignatures,
    witness_add_checkpoint,
)
from cfl.signing.keys import LocalSigner
from cfl.timeutil import parse_time

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "log"
MANIFEST = yaml.safe_load((VECTORS / "manifest.yaml").read_text(encoding="utf-8"))
AT = parse_time(MANIFEST["at"])
ORIGIN = MANIFEST["origin"]
TREES = json.loads((VECTORS / "trees.json").read_text(encoding="utf-8"))
TILES = json.loads((VECTORS / "tiles.json").read_text(encoding="utf-8"))
ENTRIES = json.loads((VECTORS / "entries.json").read_text(encoding="utf-8"))


def _read(path: str) -> bytes:
    return (VECTORS / path).read_bytes()


def _vkey(path: str) -> Any:
    return parse_verifier_key(_read(path).decode("ascii").strip())


LOG_KEY = _vkey(MANIFEST["log_key"])
WITNESS_KEYS = tuple(_vkey(path) for path in MANIFEST["witness_keys"])


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("cfl_log_vectors_generate",
                                                  VECTORS / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _outcome(expect: dict[str, Any], action: Any) -> Any:
    if expect["ok"]:
        return action()
    with pytest.raises((LogFormatError, LogVerificationError)) as caught:
        action()
    assert caught.value.code == expect["code"]
    return None


# ------------------------------------------------------------------------- the log


@pytest.mark.parametrize("vector", MANIFEST["proofs"], ids=[v["id"] for v in MANIFEST["proofs"]])
def test_proof_vector(vector: dict[str, Any]) -> None:
    entry = bytes.fromhex(vector["entry_hex"]) if "entry_hex" in vector else None
    verified = _outcome(vector["expect"], lambda: verify_log_proof(
        _read(vector["file"]), origin=vector["origin"], log_keys=[LOG_KEY], at=AT,
        entry=entry, witnesses=WitnessPolicy(WITNESS_KEYS, vector["quorum"])))
    if verified is not None:
        assert verified.index == vector["expect"]["index"]
        decode_entry(verified.entry)


@pytest.mark.parametrize("vector", MANIFEST["updates"],
                         ids=[v["id"] for v in MANIFEST["updates"]])
def test_update_vector(vector: dict[str, Any]) -> None:
    def update() -> object:
        stored = open_checkpoint(_read(vector["stored"]), origin=ORIGIN, log_keys=[LOG_KEY])
        new = open_checkpoint(_read(vector["new"]), origin=ORIGIN, log_keys=[LOG_KEY])
        proof = [base64.b64decode(item) for item in vector["proof"]]
        return check_checkpoint_update(stored, new, proof)

    _outcome(vector["expect"], update)


@pytest.mark.parametrize("vector", MANIFEST["witness_requests"],
                         ids=[v["id"] for v in MANIFEST["witness_requests"]])
def test_witness_request_vector(vector: dict[str, Any]) -> None:
    latest = open_checkpoint(_read(MANIFEST["witness_state"]["latest"]), origin=ORIGIN,
                             log_keys=[LOG_KEY]).checkpoint
    keys = _generator().signers()
    cosigner = Cosigner(WITNESS_KEYS[0].name, keys["witness-1"])
    assert cosigner.verifier_key == WITNESS_KEYS[0]

    def post() -> object:
        return witness_add_checkpoint(_read(vector["file"]), logs={ORIGIN: [LOG_KEY]},
                                      latest={ORIGIN: latest}.get, cosigner=cosigner, at=AT)

    expect = vector["expect"]
    if expect["status"] == 200:
        assert post() is not None
        return
    with pytest.raises(WitnessError) as caught:
        post()
    assert (caught.value.http_status, caught.value.code, caught.value.latest_size) == \
        (expect["status"], expect["code"], expect["latest_size"])


def test_the_published_keys_are_the_ones_in_the_vkey_files() -> None:
    private = json.loads(_read("keys/private-test-keys.json"))
    assert "PUBLISHED TEST KEYS" in private["warning"]
    for name, item in private["keys"].items():
        signer = LocalSigner(ed25519.Ed25519PrivateKey.from_private_bytes(
            bytes.fromhex(item["seed_hex"])))
        assert signer.kid == item["kid"], name
        if (VECTORS / "keys" / f"{name}.vkey").is_file():
            assert _vkey(f"keys/{name}.vkey").public_key.kid == item["kid"]


# ------------------------------------------------------------------------- trees


def _entries(count: int) -> list[bytes]:
    return [TREES["entry_format"].format(index=index).encode() for index in range(count)]


@pytest.mark.parametrize("item", TREES["trees"], ids=[str(t["size"]) for t in TREES["trees"]])
def test_tree_vector(item: dict[str, Any]) -> None:
    size = item["size"]
    entries = _entries(size)
    root = bytes.fromhex(item["root_hex"])
    if size <= 1024:  # the RFC's recursion, independent of cfl's stored hashes
        assert reference.mth(entries) == root
        for probe in item["inclusion"]:
            assert [h.hex() for h in reference.path(probe["index"], entries)] == \
                probe["path_hex"]
        for probe in item["consistency"]:
            assert [h.hex() for h in reference.proof(probe["old"], entries)] == \
                probe["proof_hex"]
    for probe in item["inclusion"]:
        verify_inclusion(probe["index"], size, leaf_hash(entries[probe["index"]]),
                         [bytes.fromhex(h) for h in probe["path_hex"]], root)
    for probe in item["consistency"]:
        verify_consistency(probe["old"], size, bytes.fromhex(probe["old_root_hex"]), root,
                           [bytes.fromhex(h) for h in probe["proof_hex"]])
    tree = MemoryTree()
    tree.extend(entries)
    assert tree.root() == root
    for tile_item in item["tiles"]:
        tile = parse_tile_path(tile_item["path"])
        assert isinstance(tile, TileId)
        hashes = tree([(8 * tile.level, tile.index * 256 + n) for n in range(tile.width)])
        assert hashlib.sha256(b"".join(hashes)).hexdigest() == tile_item["sha256_hex"]
        assert hashlib.sha256(tile_data(tile, tree)).hexdigest() == tile_item["sha256_hex"]


def test_tile_path_vectors() -> None:
    for item in TILES["valid"]:
        tile = parse_tile_path(item["path"])
        if item.get("entries"):
            assert tile == EntryBundleId(item["index"], item["width"])
        else:
            assert tile == TileId(item["level"], item["index"], item["width"])
    for item in TILES["invalid"]:
        with pytest.raises(LogFormatError):
            parse_tile_path(item["path"])
    for item in TILES["sizes"]:
        tiles = list(tiles_for_size(item["size"]))
        assert [t.path for t in tiles if t.partial] == item["partial_tiles"]
        for level, count in enumerate(item["full_tiles_per_level"]):
            assert sum(1 for t in tiles if t.level == level and not t.partial) == count


def test_entry_vectors() -> None:
    for item in ENTRIES["valid"]:
        data = bytes.fromhex(item["hex"])
        entry = decode_entry(data)
        assert encode_entry(entry) == data
        assert leaf_hash(data).hex() == item["leaf_hash_hex"]
        fields = item["fields"]
        assert entry.accepted_at == parse_time(fields["accepted_at"])
        kid = getattr(entry, "signer_kid", None) or getattr(entry, "issuer_kid", None)
        assert kid == fields.get("signer_kid", fields.get("issuer_kid"))
    for item in ENTRIES["invalid"]:
        with pytest.raises(LogFormatError):
            decode_entry(bytes.fromhex(item["hex"]))


# ------------------------------------------------------------------------- the set


def test_the_committed_vectors_equal_a_fresh_run_of_the_generator() -> None:
    """generate.py is deterministic (Ed25519 is): the committed files are its output byte
    for byte, and the folder holds nothing else but the published values."""
    built = _generator().build()
    for path, data in built.items():
        assert _read(path) == data, f"{path} differs: run python3 tests/vectors/log/generate.py"
    on_disk = {path.relative_to(VECTORS).as_posix() for path in VECTORS.rglob("*")
               if path.is_file() and "__pycache__" not in path.parts}
    published = {f"published/{name}" for name in
                 ("rfc6962.json", "ct-argon2020.json", "signed-note.json")}
    assert on_disk - {"generate.py"} - published == set(built)


def test_the_manifest_names_only_existing_files_and_every_file_is_used() -> None:
    named = {MANIFEST["log_key"], *MANIFEST["witness_keys"],
             MANIFEST["witness_state"]["latest"]}
    named |= {v["file"] for v in MANIFEST["proofs"] + MANIFEST["witness_requests"]}
    named |= {v[key] for v in MANIFEST["updates"] for key in ("stored", "new")}
    for path in named:
        assert (VECTORS / path).is_file(), path
    for folder in ("proofs", "witness"):
        for path in (VECTORS / folder).iterdir():
            assert f"{folder}/{path.name}" in named, f"{folder}/{path.name} is in no vector"


def test_cosignatures_in_the_set_are_dated_when_the_log_signed() -> None:
    signed = open_checkpoint(_read("checkpoints/size-300.checkpoint"), origin=ORIGIN,
                             log_keys=[LOG_KEY])
    found = verify_cosignatures(signed, WitnessPolicy(WITNESS_KEYS, 3), at=AT)
    assert {c.time.date() for c in found} == {dt.date(2026, 3, 10)}
