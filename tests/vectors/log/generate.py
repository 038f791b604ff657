"""Regenerate cfl's transparency-log test vectors in this folder, deterministically.

    python3 tests/vectors/log/generate.py          # rewrite every generated file
    python3 tests/vectors/log/generate.py --check  # exit 1 if a committed file differs

``published/`` is not generated: it holds values other implementations published (RFC 6962
trees, a real Certificate Transparency log, the Go signed-note vectors), copied with their
sources. Everything else comes from here: Merkle trees of ``leaf <i>`` entries around the
256-leaf tile boundaries, tile paths, cfl log entries, and a small cfl log — signed
checkpoints, witness cosignatures, tlog-proofs, add-checkpoint requests — with the outcome a
verifier must reach for each (``manifest.yaml``).

Every key comes from a fixed seed written in ``keys/private-test-keys.json``: PUBLISHED TEST
KEYS, never to be trusted for anything. Ed25519 signatures are deterministic (RFC 8032), so
the set is reproducible byte for byte. Expected outcomes are written here by hand, never
computed by running the verifier; tree values are computed here with the library and
recomputed from the RFC 6962 definition, independently, by ``tests/log/test_vectors.py``.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import sys
import uuid
from pathlib import Path
from typing import Any

import yaml
from cryptography.hazmat.primitives.asymmetric import ed25519

from cfl.log.checkpoint import Checkpoint, sign_checkpoint
from cfl.log.entries import bundle_entry, encode_entry, list_entry
from cfl.log.hashing import MemoryTree, leaf_hash
from cfl.log.note import NoteSigner, sign_note
from cfl.log.proof import LogProof, create_log_proof
from cfl.log.tiles import EntryBundleId, TileId, tile_data, tiles_for_size
from cfl.log.witness import AddCheckpointRequest, Cosigner, add_cosignatures
from cfl.signing.keys import LocalSigner

HERE = Path(__file__).resolve().parent
ORIGIN = "log.example.org/cfl-test"
WITNESSES = ("witness-1.example.org", "witness-2.example.org", "witness-3.example.org")
#: When the log signs and the witnesses cosign; proofs are verified a day later.
SIGNED_AT = dt.datetime(2026, 3, 10, tzinfo=dt.UTC)
AT = dt.datetime(2026, 3, 11, tzinfo=dt.UTC)
#: Sizes of the "leaf <i>" trees: around the tile boundaries (256, 65536).
TREE_SIZES = (1, 2, 3, 7, 8, 255, 256, 257, 511, 512, 513, 65535, 65536, 65537, 70000)
WARNING = ("PUBLISHED TEST KEYS: these private seeds are public on purpose, so that anyone "
           "can regenerate the test vectors. Never trust, list or use them for anything "
           "else.")


def _seed(name: str) -> bytes:
    return hashlib.sha256(f"cfl log test vector key {name}".encode()).digest()


KEY_ROLES = {
    "log": f"the log's checkpoint key, note key name {ORIGIN}",
    "witness-1": f"witness {WITNESSES[0]} (cosignature/v1)",
    "witness-2": f"witness {WITNESSES[1]} (cosignature/v1)",
    "witness-3": f"witness {WITNESSES[2]} (cosignature/v1)",
    "stranger": f"not trusted; signs with the log's key name {ORIGIN}",
    "certifier": "the certifier whose kid the bundle entries carry",
}


def signers() -> dict[str, LocalSigner]:
    return {name: LocalSigner(ed25519.Ed25519PrivateKey.from_private_bytes(_seed(name)))
            for name in KEY_ROLES}


def _json(value: Any) -> bytes:
    return (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


# --------------------------------------------------------------------------- trees


def trees() -> dict[str, bytes]:
    """Roots, a few proofs and every tile (as its SHA-256) of ``leaf <i>`` trees."""
    tree = MemoryTree()
    found: list[dict[str, Any]] = []
    for size in TREE_SIZES:
        while tree.size < size:
            tree.append(f"leaf {tree.size}".encode())
        probes = sorted({0, size // 2, size - 1})
        olds = sorted({1, size // 3, size - 1} - {0})
        found.append({
            "size": size,
            "root_hex": tree.root(size).hex(),
            "inclusion": [{"index": index,
                           "path_hex": [h.hex() for h in tree.inclusion_proof(index, size)]}
                          for index in probes],
            "consistency": [{"old": old, "old_root_hex": tree.root(old).hex(),
                             "proof_hex": [h.hex() for h in tree.consistency_proof(old, size)]}
                            for old in olds if old < size],
            "tiles": [{"path": tile.path,
                       "sha256_hex": hashlib.sha256(tile_data(tile, tree)).hexdigest()}
                      for tile in tiles_for_size(size) if tile.partial or tile.level > 0
                      or tile.index in (0, size // 256 - 1)],
        })
    document = {
        "description": "Merkle trees whose entry i is the ASCII text 'leaf <i>' (no newline): "
                       "the root, inclusion proofs, consistency proofs and tiles (SHA-256 of "
                       "each tile's bytes; for level-0 full tiles only the first and the "
                       "last) at sizes around the 256-entry tile boundaries.",
        "entry_format": "leaf {index}",
        "trees": found,
    }
    return {"trees.json": _json(document)}


def tile_paths() -> dict[str, bytes]:
    paths = [
        {"level": 0, "index": 0, "width": 256, "path": "tile/0/000"},
        {"level": 0, "index": 1234067, "width": 256, "path": "tile/0/x001/x234/067",
         "note": "the example of c2sp.org/tlog-tiles"},
        {"level": 1, "index": 3057500, "width": 256, "path": "tile/1/x003/x057/500"},
        {"level": 2, "index": 1000, "width": 17, "path": "tile/2/x001/000.p/17"},
        {"level": 0, "index": 999, "width": 255, "path": "tile/0/999.p/255"},
        {"entries": True, "index": 273, "width": 112, "path": "tile/entries/273.p/112"},
        {"entries": True, "index": 1000000, "width": 256,
         "path": "tile/entries/x001/x000/000"},
    ]
    for item in paths:
        tile = (EntryBundleId(item["index"], item["width"]) if item.get("entries")
                else TileId(item["level"], item["index"], item["width"]))
        assert tile.path == item["path"], item
    invalid = [
        ("tile/0/5", "an index element has three digits"),
        ("tile/0/x000/005", "no leading x000 element"),
        ("tile/00/000", "no leading zero in the level"),
        ("tile/64/000", "the level is at most 63"),
        ("tile/0/000.p/0", "a partial width is 1 to 255"),
        ("tile/0/000.p/256", "a partial width is 1 to 255"),
        ("tile/0/000.p/017", "no leading zero in the width"),
        ("tile/0/x123/x456", "the last element has no x"),
        ("tile/data/000", "entry bundles are under tile/entries/"),
        ("tile/0/-01", "an index is not negative"),
    ]
    sizes = []
    for size in (0, 1, 255, 256, 257, 65535, 65536, 65537, 70000):
        all_tiles = list(tiles_for_size(size))
        sizes.append({
            "size": size,
            "full_tiles_per_level": [sum(1 for t in all_tiles if t.level == level
                                         and not t.partial)
                                     for level in range(max((t.level for t in all_tiles),
                                                            default=-1) + 1)],
            "partial_tiles": [t.path for t in all_tiles if t.partial],
        })
    document = {
        "description": "tlog-tiles paths: valid ones with the tile they name, invalid ones "
                       "with the rule they break, and the tiles of trees of some sizes "
                       "(c2sp.org/tlog-tiles: a tree of 70,000 entries has 273 full level-0 "
                       "tiles, a partial level-0 tile of width 112, one full level-1 tile, a "
                       "partial level-1 tile of width 17 and a partial level-2 tile of "
                       "width 1).",
        "valid": paths,
        "invalid": [{"path": path, "why": why} for path, why in invalid],
        "sizes": sizes,
    }
    return {"tiles.json": _json(document)}


# --------------------------------------------------------------------------- entries


def log_entries(certifier: LocalSigner, count: int) -> list[bytes]:
    """The entries of the test log: bundles, and a revocation list every 50th entry."""
    entries = []
    for index in range(count):
        at = SIGNED_AT - dt.timedelta(days=30) + dt.timedelta(minutes=index)
        if index % 50 == 49:
            entry = list_entry(kind="revocation-list", issuer_kid=certifier.kid,
                               version=index // 50 + 1,
                               digest=hashlib.sha256(f"revocations {index}".encode()).digest(),
                               accepted_at=at)
        else:
            entry = bundle_entry(
                declaration_digest=hashlib.sha256(f"declaration {index}".encode()).digest(),
                declaration_id=uuid.uuid5(uuid.NAMESPACE_URL, f"urn:test:declaration:{index}"),
                signer_kid=certifier.kid, accepted_at=at)
        entries.append(encode_entry(entry))
    return entries


def entry_vectors(certifier: LocalSigner) -> dict[str, bytes]:
    at = dt.datetime(2026, 3, 10, 8, 30, 15, tzinfo=dt.UTC)
    digest = hashlib.sha256(b"declaration").digest()
    valid = [
        {"type": "bundle",
         "fields": {"declaration_digest_hex": digest.hex(),
                    "declaration_id": "3f1c2a9e-5b7d-4e8f-9a0b-1c2d3e4f5a6b",
                    "signer_kid": certifier.kid, "accepted_at": "2026-03-10T08:30:15Z"},
         "entry": bundle_entry(declaration_digest=digest,
                               declaration_id="3f1c2a9e-5b7d-4e8f-9a0b-1c2d3e4f5a6b",
                               signer_kid=certifier.kid, accepted_at=at)},
        {"type": "revocation-list",
         "fields": {"issuer_kid": certifier.kid, "version": 7,
                    "digest_hex": digest.hex(), "accepted_at": "2026-03-10T08:30:15Z"},
         "entry": list_entry(kind="revocation-list", issuer_kid=certifier.kid, version=7,
                             digest=digest, accepted_at=at)},
        {"type": "status-list",
         "fields": {"issuer_kid": certifier.kid, "version": 2**64 - 1,
                    "digest_hex": digest.hex(), "accepted_at": "1970-01-01T00:00:00Z"},
         "entry": list_entry(kind="status-list", issuer_kid=certifier.kid, version=2**64 - 1,
                             digest=digest,
                             accepted_at=dt.datetime(1970, 1, 1, tzinfo=dt.UTC))},
    ]
    items = []
    for item in valid:
        data = encode_entry(item.pop("entry"))
        items.append({**item, "hex": data.hex(), "leaf_hash_hex": leaf_hash(data).hex()})
    bundle_hex = items[0]["hex"]
    invalid = [
        ("", "empty"),
        ("01", "no type byte"),
        ("02" + bundle_hex[2:], "format version 2 is not known"),
        ("0104" + bundle_hex[4:], "entry type 0x04 is not known"),
        (bundle_hex[:-2], "a bundle entry is 90 bytes (89 here)"),
        (bundle_hex + "00", "a bundle entry is 90 bytes (91 here)"),
        (items[1]["hex"][:-16] + "ffffffffffffffff", "a time past the end of 9999"),
    ]
    document = {
        "description": "cfl log entries (docs/transparency-log.md §2): fields, the entry's "
                       "bytes in hex, and its RFC 6962 leaf hash; then byte strings that are "
                       "not entries.",
        "valid": items,
        "invalid": [{"hex": data, "why": why} for data, why in invalid],
    }
    return {"entries.json": _json(document)}


# --------------------------------------------------------------------------- the log


def _altered(entry: bytes) -> bytes:
    """The entry one second later (its last byte's lowest bit flipped)."""
    return entry[:-1] + bytes([entry[-1] ^ 1])


def log_vectors(keys: dict[str, LocalSigner]) -> tuple[dict[str, bytes], dict[str, Any]]:
    files: dict[str, bytes] = {}
    log = NoteSigner(ORIGIN, keys["log"])
    stranger = NoteSigner(ORIGIN, keys["stranger"])
    cosigners = [Cosigner(name, keys[f"witness-{n}"])
                 for n, name in enumerate(WITNESSES, start=1)]
    entries = log_entries(keys["certifier"], 320)
    tree = MemoryTree()
    tree.extend(entries[:300])

    def checkpoint(size: int, source: MemoryTree = tree, origin: str = ORIGIN) -> Checkpoint:
        return Checkpoint(origin, size, source.root(size))

    def cosigned(point: Checkpoint, witnesses: list[Cosigner]) -> bytes:
        note = sign_checkpoint(point, log)
        when = [SIGNED_AT + dt.timedelta(seconds=n) for n in range(len(witnesses))]
        return add_cosignatures(note, [w.cosign(point, at=t)
                                       for w, t in zip(witnesses, when, strict=True)])

    cp200, cp300 = checkpoint(200), checkpoint(300)
    files["checkpoints/size-200.checkpoint"] = cosigned(cp200, cosigners)
    files["checkpoints/size-300.checkpoint"] = cosigned(cp300, cosigners)
    files["checkpoints/size-300-one-witness.checkpoint"] = cosigned(cp300, cosigners[:1])
    forked = MemoryTree()
    forked.extend(entries[:250] + [_altered(entries[250])] + entries[251:300])
    files["checkpoints/fork-300.checkpoint"] = sign_checkpoint(checkpoint(300, forked), log)
    rewritten = MemoryTree()
    rewritten.extend([_altered(entries[0])] + entries[1:320])
    files["checkpoints/rewritten-320.checkpoint"] = sign_checkpoint(
        checkpoint(320, rewritten), log)
    files["checkpoints/stranger-300.checkpoint"] = sign_checkpoint(cp300, stranger)
    other = Checkpoint("log.example.org/cfl-staging", 300, tree.root(300))
    files["checkpoints/other-origin-300.checkpoint"] = sign_note(other.text, [log])
    bad_cosig = bytearray(files["checkpoints/size-300.checkpoint"])
    line = bad_cosig.rfind(b"\xe2\x80\x94 " + WITNESSES[1].encode())
    flip = line + len("\u2014 ".encode()) + len(WITNESSES[1]) + 1 + 20  # inside the signature
    bad_cosig[flip] = ord("A") if bad_cosig[flip] != ord("A") else ord("B")
    files["checkpoints/size-300-bad-cosignature.checkpoint"] = bytes(bad_cosig)

    updates = [
        ("extends", "size-200", "size-300", tree.consistency_proof(200, 300), None,
         "the stored tree of 200 is a prefix of the new tree of 300"),
        ("same", "size-300", "size-300-one-witness", [], None,
         "the same tree, with fewer cosignatures"),
        ("rollback", "size-300", "size-200", [], "checkpoint_rollback",
         "the new tree is smaller than the stored one"),
        ("fork", "size-300", "fork-300", [], "checkpoint_inconsistent",
         "same size, another root: the log forked"),
        ("rewritten", "size-200", "rewritten-320", rewritten.consistency_proof(200, 320),
         "checkpoint_inconsistent", "the new tree's first entry differs: the proof (from "
         "the rewritten tree) does not lead to the stored root"),
    ]
    update_vectors = [{"id": f"update-{name}", "description": description,
                       "stored": f"checkpoints/{stored}.checkpoint",
                       "new": f"checkpoints/{new}.checkpoint",
                       "proof": [_b64(h) for h in proof],
                       "expect": {"ok": code is None, "code": code}}
                      for name, stored, new, proof, code, description in updates]

    # ---- proofs
    note300 = files["checkpoints/size-300.checkpoint"]
    proof_vectors: list[dict[str, Any]] = []

    def proof(name: str, data: bytes, description: str, code: str | None, *,
              index: int | None = None, entry: bytes | None = None, quorum: int = 2) -> None:
        path = f"proofs/{name}.tlog-proof"
        files[path] = data
        vector: dict[str, Any] = {"id": f"proof-{name}", "description": description,
                                  "file": path, "origin": ORIGIN, "quorum": quorum}
        if entry is not None:
            vector["entry_hex"] = entry.hex()
        vector["expect"] = {"ok": code is None, "code": code}
        if code is None:
            vector["expect"]["index"] = index
        proof_vectors.append(vector)

    valid = create_log_proof(257, note300, cp300, tree, extra=entries[257])
    proof("valid", valid, "entry 257 (past the first tile) of the tree of 300, with the entry "
          "as extra data and three cosignatures", None, index=257)
    proof("valid-last", create_log_proof(299, note300, cp300, tree, extra=entries[299]),
          "the last entry of the tree (a revocation-list entry)", None, index=299)
    proof("valid-no-extra", create_log_proof(0, note300, cp300, tree),
          "entry 0 without extra data; the verifier is given the entry", None, index=0,
          entry=entries[0])
    proof("valid-no-witnesses", create_log_proof(
        5, sign_checkpoint(cp300, log), cp300, tree, extra=entries[5]),
        "no cosignature, and a policy that requires none", None, index=5, quorum=0)
    parsed = LogProof(257, tuple(tree.inclusion_proof(257, 300)), note300, entries[257])
    proof("wrong-index", LogProof(258, parsed.inclusion, note300, entries[257]).to_bytes(),
          "the index of the valid proof changed to 258", "inclusion_proof_invalid")
    flipped = list(parsed.inclusion)
    flipped[3] = bytes([flipped[3][0] ^ 1]) + flipped[3][1:]
    proof("flipped-path", LogProof(257, tuple(flipped), note300, entries[257]).to_bytes(),
          "one bit of the fourth path hash flipped", "inclusion_proof_invalid")
    proof("short-path", LogProof(257, parsed.inclusion[:-1], note300, entries[257]).to_bytes(),
          "the last path hash removed", "inclusion_proof_invalid")
    proof("other-entry", LogProof(257, parsed.inclusion, note300, entries[258]).to_bytes(),
          "the extra data is another entry of the log", "inclusion_proof_invalid")
    proof("entry-mismatch", valid, "the verifier is given another entry than the proof's extra "
          "data", "proof_entry_mismatch", entry=entries[256])
    proof("no-entry", create_log_proof(0, note300, cp300, tree),
          "no extra data and no entry given", "proof_malformed")
    proof("stranger-key", create_log_proof(
        257, files["checkpoints/stranger-300.checkpoint"], cp300, tree, extra=entries[257]),
        "the checkpoint is signed by an untrusted key under the log's name",
        "checkpoint_signature", quorum=0)
    proof("other-origin", create_log_proof(
        257, files["checkpoints/other-origin-300.checkpoint"], cp300, tree,
        extra=entries[257]),
        "the log's key signed a checkpoint of another origin", "checkpoint_origin", quorum=0)
    proof("one-witness", create_log_proof(
        257, files["checkpoints/size-300-one-witness.checkpoint"], cp300, tree,
        extra=entries[257]), "one cosignature where the policy requires two",
        "cosignature_quorum")
    proof("bad-cosignature", create_log_proof(
        257, files["checkpoints/size-300-bad-cosignature.checkpoint"], cp300, tree,
        extra=entries[257]), "the second witness's cosignature is altered",
        "note_signature_invalid")
    proof("bad-header", valid.replace(b"tlog-proof@v1", b"tlog-proof@v2", 1),
          "the first line names another format", "proof_malformed")
    proof("leading-zero-index", valid.replace(b"\nindex 257\n", b"\nindex 0257\n", 1),
          "the index is written with a leading zero", "proof_malformed")
    proof("short-hash", valid.replace(_b64(parsed.inclusion[0]).encode(),
                                      _b64(parsed.inclusion[0][:31]).encode(), 1),
          "a path hash of 31 bytes", "proof_malformed")

    # ---- witness requests (the witness last cosigned the tree of 200)
    request_vectors: list[dict[str, Any]] = []

    def request(name: str, body: bytes, description: str, status: int, code: str | None,
                latest_size: int | None = None) -> None:
        path = f"witness/{name}.add-checkpoint"
        files[path] = body
        request_vectors.append({"id": f"witness-{name}", "description": description,
                                "file": path, "expect": {"status": status, "code": code,
                                                         "latest_size": latest_size}})

    plain300 = sign_checkpoint(cp300, log)
    good = AddCheckpointRequest(200, tuple(tree.consistency_proof(200, 300)), plain300)
    request("ok", good.to_bytes(), "from the stored 200 to 300 with its proof", 200, None)
    request("stale-old-size", AddCheckpointRequest(100, tuple(tree.consistency_proof(100, 300)),
                                                   plain300).to_bytes(),
            "the client believes the witness is at 100", 409, "witness_conflict", 200)
    request("bad-proof", AddCheckpointRequest(200, good.proof[:-1], plain300).to_bytes(),
            "a proof hash missing", 422, "witness_bad_proof")
    request("old-above-new", AddCheckpointRequest(400, (), plain300).to_bytes(),
            "the old size is above the checkpoint's size", 400, "witness_old_size_too_large")
    request("unknown-log", AddCheckpointRequest(0, (), files[
        "checkpoints/other-origin-300.checkpoint"]).to_bytes(),
        "a checkpoint of a log the witness does not know", 404, "witness_unknown_log")
    request("stranger-key", AddCheckpointRequest(200, good.proof, files[
        "checkpoints/stranger-300.checkpoint"]).to_bytes(),
        "a checkpoint not signed by the log's key", 403, "witness_bad_signature")
    request("fork", AddCheckpointRequest(200, tuple(forked.consistency_proof(200, 300)),
                                         files["checkpoints/fork-300.checkpoint"]).to_bytes(),
            "a forked tree of 300 whose first 200 entries match", 200, None)
    request("same-size-other-root", AddCheckpointRequest(
        200, (), sign_checkpoint(Checkpoint(ORIGIN, 200, forked.root(300)), log)).to_bytes(),
        "the stored size with another root", 409, "witness_conflict", 200)
    request("malformed", b"old 200\n" + b"not base64!\n\n" + plain300,
            "a proof line that is not base64", 400, "witness_request_malformed")

    manifest = {
        "origin": ORIGIN,
        "log_key": "keys/log.vkey",
        "witness_keys": [f"keys/witness-{n}.vkey" for n in range(1, 4)],
        "at": "2026-03-11T00:00:00Z",
        "witness_state": {"latest": "checkpoints/size-200.checkpoint"},
        "updates": update_vectors,
        "proofs": proof_vectors,
        "witness_requests": request_vectors,
    }
    return files, manifest


def key_files(keys: dict[str, LocalSigner]) -> dict[str, bytes]:
    files = {}
    for name in KEY_ROLES:
        if name.startswith("witness-"):
            vkey = Cosigner(WITNESSES[int(name[-1]) - 1], keys[name]).verifier_key.text
        elif name in ("log", "stranger"):
            vkey = NoteSigner(ORIGIN, keys[name]).verifier_key.text
        else:
            continue
        files[f"keys/{name}.vkey"] = (vkey + "\n").encode("ascii")
    private = {name: {"role": role, "seed_hex": _seed(name).hex(), "kid": keys[name].kid,
                      "derivation": f'SHA-256("cfl log test vector key {name}")'}
               for name, role in KEY_ROLES.items()}
    files["keys/private-test-keys.json"] = _json({"warning": WARNING, "keys": private})
    return files


def build() -> dict[str, bytes]:
    """Every generated file (path relative to this folder -> bytes)."""
    keys = signers()
    files = {**key_files(keys), **trees(), **tile_paths(), **entry_vectors(keys["certifier"])}
    log_files, manifest = log_vectors(keys)
    files.update(log_files)
    files["manifest.yaml"] = (
        "# cfl transparency-log test vectors: what to verify, with what, and the outcome.\n"
        "# Generated by generate.py; docs/log-test-vectors.md explains every field.\n"
        + yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True, width=100)
    ).encode("utf-8")
    return files


def main(argv: list[str]) -> int:
    files = build()
    if argv[1:] == ["--check"]:
        stale = [path for path, data in files.items()
                 if not (HERE / path).is_file() or (HERE / path).read_bytes() != data]
        for path in stale:
            print(f"differs: {path}", file=sys.stderr)
        return 1 if stale else 0
    for path, data in files.items():
        target = HERE / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    print(f"wrote {len(files)} files")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
