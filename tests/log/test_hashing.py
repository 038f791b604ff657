"""RFC 6962 / RFC 9162 hashing and proofs: published vectors, a real CT log, the recursive
definition of the RFC, and properties over random trees."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import merkle_reference as reference
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cfl.errors import InputError, TamperedError
from cfl.log.errors import LogFormatError, LogStoreError, LogVerificationError
from cfl.log.hashing import (
    EMPTY_ROOT,
    MAX_PROOF_HASHES,
    MAX_TREE_SIZE,
    MemoryTree,
    NodeId,
    consistency_proof,
    hashes_to_store,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_from_inclusion_proof,
    root_hash,
    stored_node_count,
    tree_hash,
    verify_consistency,
    verify_inclusion,
)

PUBLISHED = Path(__file__).resolve().parents[1] / "vectors" / "log" / "published"
RFC = json.loads((PUBLISHED / "rfc6962.json").read_text(encoding="utf-8"))
ARGON = json.loads((PUBLISHED / "ct-argon2020.json").read_text(encoding="utf-8"))
LEAVES = [bytes.fromhex(leaf) for leaf in RFC["leaves_hex"]]


def _tree(entries: list[bytes]) -> MemoryTree:
    tree = MemoryTree()
    tree.extend(entries)
    return tree


def _entries(count: int) -> list[bytes]:
    return [f"leaf {index}".encode() for index in range(count)]


# ------------------------------------------------------------------------- published


@pytest.mark.parametrize("item", RFC["hashes"], ids=lambda item: item["what"])
def test_the_published_leaf_and_node_hashes(item: dict[str, Any]) -> None:
    if item["function"] == "empty_root":
        got = EMPTY_ROOT
    elif item["function"] == "leaf":
        got = leaf_hash(bytes.fromhex(item["input_hex"]))
    else:
        left, right = (bytes.fromhex(part) for part in item["input_hex"])
        got = node_hash(left, right)
    assert got.hex() == item["hash_hex"]


@pytest.mark.parametrize("size", range(1, 9))
def test_the_published_roots_of_every_prefix(size: int) -> None:
    expected = RFC["roots_hex"][size - 1]
    assert _tree(LEAVES).root(size).hex() == expected
    assert tree_hash([leaf_hash(leaf) for leaf in LEAVES[:size]]).hex() == expected
    assert reference.mth(LEAVES[:size]).hex() == expected


@pytest.mark.parametrize("item", RFC["inclusion"],
                         ids=lambda item: f"{item['index']}-of-{item['size']}")
def test_the_published_inclusion_proofs(item: dict[str, Any]) -> None:
    tree = _tree(LEAVES)
    index, size = item["index"], item["size"]
    path = [bytes.fromhex(value) for value in item["path_hex"]]
    assert tree.inclusion_proof(index, size) == path
    verify_inclusion(index, size, leaf_hash(LEAVES[index]), path, tree.root(size))


@pytest.mark.parametrize("item", RFC["consistency"],
                         ids=lambda item: f"{item['old']}-to-{item['new']}")
def test_the_published_consistency_proofs(item: dict[str, Any]) -> None:
    tree = _tree(LEAVES)
    old, new = item["old"], item["new"]
    proof = [bytes.fromhex(value) for value in item["proof_hex"]]
    assert tree.consistency_proof(old, new) == proof
    verify_consistency(old, new, tree.root(old), tree.root(new), proof)


def test_a_real_certificate_transparency_log() -> None:
    """Entry 10000 of Google's Argon 2020 log, and consistency between two of its trees of
    3.6 and 962 million entries: the hashing is RFC 6962's, bit for bit."""
    root = base64.b64decode(ARGON["root_hash"])
    leaf = leaf_hash(base64.b64decode(ARGON["leaf_input"]))
    path = [base64.b64decode(value) for value in ARGON["audit_path"]]
    verify_inclusion(ARGON["leaf_index"], ARGON["tree_size"], leaf, path, root)
    proof = [base64.b64decode(value) for value in ARGON["consistency"]]
    old_root = base64.b64decode(ARGON["old_root_hash"])
    verify_consistency(ARGON["old_tree_size"], ARGON["tree_size"], old_root, root, proof)
    with pytest.raises(LogVerificationError) as caught:
        verify_inclusion(ARGON["leaf_index"] + 1, ARGON["tree_size"], leaf, path, root)
    assert caught.value.code == "inclusion_proof_invalid"
    with pytest.raises(LogVerificationError) as caught:
        verify_consistency(ARGON["old_tree_size"] + 1, ARGON["tree_size"], old_root, root,
                           proof)
    assert caught.value.code == "consistency_proof_invalid"


# ------------------------------------------------------------------------- the RFC's text


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 31, 33, 100])
def test_every_proof_equals_the_recursive_definition(size: int) -> None:
    entries = _entries(size)
    tree = _tree(entries)
    assert tree.root() == reference.mth(entries)
    for index in range(size):
        assert tree.inclusion_proof(index) == reference.path(index, entries)
    for old in range(1, size + 1):
        assert tree.consistency_proof(old) == reference.proof(old, entries)
        assert tree.root(old) == reference.mth(entries[:old])


# ------------------------------------------------------------------------- properties


@settings(max_examples=300, deadline=None)
@given(size=st.integers(1, 1100), data=st.data())
def test_every_inclusion_proof_verifies_and_no_altered_one_does(size: int,
                                                                data: st.DataObject) -> None:
    tree = _tree(_entries(size))
    root = tree.root()
    index = data.draw(st.integers(0, size - 1), label="index")
    leaf = leaf_hash(f"leaf {index}".encode())
    proof = tree.inclusion_proof(index)
    verify_inclusion(index, size, leaf, proof, root)
    altered = []
    if proof:
        position = data.draw(st.integers(0, len(proof) - 1), label="position")
        bit = data.draw(st.integers(0, 255), label="bit")
        flipped = list(proof)
        flipped[position] = bytes([flipped[position][0] ^ (1 << bit % 8)]) + \
            flipped[position][1:]
        altered += [(index, size, leaf, flipped), (index, size, leaf, proof[:-1]),
                    (index, size, leaf, proof + [proof[0]]), (index, size, leaf, proof[1:])]
    # another tree height (a size with the same path shape, 257 for 258, may verify: the
    # size a proof is checked at always comes from the signed checkpoint with the root)
    altered += [(index, size * 2, leaf, proof), (index, size // 2, leaf, proof)]
    if size > 1:
        wrong = (index + data.draw(st.integers(1, size - 1), label="shift")) % size
        altered.append((wrong, size, leaf, proof))
    altered.append((index, size, leaf_hash(b"another entry"), proof))
    for args in altered:
        with pytest.raises(LogVerificationError):
            verify_inclusion(*args, root)


@settings(max_examples=300, deadline=None)
@given(size=st.integers(1, 1100), data=st.data())
def test_consistency_between_random_sizes_and_never_for_altered_proofs(
        size: int, data: st.DataObject) -> None:
    tree = _tree(_entries(size))
    old = data.draw(st.integers(0, size), label="old size")
    proof = tree.consistency_proof(old)
    old_root, new_root = tree.root(old), tree.root()
    verify_consistency(old, size, old_root, new_root, proof)
    if not proof:
        return
    position = data.draw(st.integers(0, len(proof) - 1), label="position")
    flipped = list(proof)
    flipped[position] = bytes([flipped[position][0] ^ 0x10]) + flipped[position][1:]
    for args in [(old, size, old_root, new_root, flipped),
                 (old, size, old_root, new_root, proof[:-1]),
                 (old, size, old_root, new_root, [*proof, proof[0]]),
                 (old, size, new_root, old_root, proof),
                 (old, size, old_root, leaf_hash(b"x"), proof),
                 (old, size * 2, old_root, new_root, proof)]:
        if args[0] == args[1] and args[2] == args[3] and not args[4]:
            continue  # an equal pair with an empty proof is consistent
        with pytest.raises(LogVerificationError) as caught:
            verify_consistency(*args)
        assert caught.value.code == "consistency_proof_invalid"


@settings(max_examples=100, deadline=None)
@given(entries=st.lists(st.binary(max_size=40), min_size=1, max_size=300))
def test_arbitrary_entries_hash_as_the_recursive_definition(entries: list[bytes]) -> None:
    tree = _tree(entries)
    assert tree.root() == reference.mth(entries)
    assert tree_hash([leaf_hash(entry) for entry in entries]) == reference.mth(entries)


# ------------------------------------------------------------------------- a database


class DictStore:
    """A store keyed by (level, index), as a database table would be, that counts reads."""

    def __init__(self) -> None:
        self.rows: dict[NodeId, bytes] = {}
        self.reads = 0

    def __call__(self, nodes: list[NodeId]) -> list[bytes]:
        self.reads += 1
        return [self.rows[node] for node in nodes]


def test_a_store_of_its_own_gets_the_same_tree_with_one_read_per_question() -> None:
    store, tree = DictStore(), MemoryTree()
    for index, entry in enumerate(_entries(1000)):
        for node, value in hashes_to_store(index, leaf_hash(entry), store):
            assert node not in store.rows  # nothing stored is ever rewritten
            store.rows[node] = value
        tree.append(entry)
    assert len(store.rows) == stored_node_count(1000) == 2 * 1000 - bin(1000).count("1")
    store.reads = 0
    assert root_hash(1000, store) == tree.root()
    assert inclusion_proof(777, 1000, store) == tree.inclusion_proof(777)
    assert consistency_proof(333, 1000, store) == tree.consistency_proof(333)
    assert store.reads == 3


def test_a_store_that_loses_a_node_is_named_as_the_fault() -> None:
    store = DictStore()
    with pytest.raises(KeyError):
        root_hash(3, store)

    def short(nodes: list[NodeId]) -> list[bytes]:
        return []

    with pytest.raises(LogStoreError) as caught:
        root_hash(3, short)
    assert caught.value.code == "store_incomplete"
    with pytest.raises(LogStoreError):
        _tree(_entries(2))([(0, 5)])
    with pytest.raises(LogStoreError):
        _tree(_entries(2))([(0, -1)])


# ------------------------------------------------------------------------- bounds


def test_the_empty_tree() -> None:
    assert MemoryTree().root() == EMPTY_ROOT == hashlib.sha256(b"").digest()
    verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    verify_consistency(0, 5, EMPTY_ROOT, _tree(_entries(5)).root(), [])
    with pytest.raises(LogVerificationError):
        verify_consistency(0, 5, leaf_hash(b"x"), _tree(_entries(5)).root(), [])
    with pytest.raises(LogVerificationError):
        verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT])
    with pytest.raises(LogVerificationError):
        verify_inclusion(0, 0, leaf_hash(b""), [], EMPTY_ROOT)


def test_sizes_hashes_and_proofs_are_bounded() -> None:
    root = leaf_hash(b"x")
    for size in (-1, MAX_TREE_SIZE + 1, True, 1.0):
        with pytest.raises(LogFormatError) as caught:
            verify_inclusion(0, size, root, [], root)  # type: ignore[arg-type]
        assert caught.value.code == "tree_size_invalid"
        assert isinstance(caught.value, InputError)
    with pytest.raises(LogFormatError) as caught:
        verify_inclusion(0, 1, root, [root] * (MAX_PROOF_HASHES + 1), root)
    assert caught.value.code == "proof_too_long"
    with pytest.raises(LogFormatError) as caught:
        verify_inclusion(0, 2, root, [root[:31]], root)
    assert caught.value.code == "hash_malformed"
    with pytest.raises(LogFormatError):
        verify_consistency(1, 2, root, root, [b""])
    with pytest.raises(LogFormatError):
        inclusion_proof(5, 5, _tree(_entries(5)))
    with pytest.raises(LogFormatError):
        consistency_proof(6, 5, _tree(_entries(5)))


def test_proofs_of_the_largest_tree_verify() -> None:
    """At MAX_TREE_SIZE the first leaf's path has 63 hashes and the last leaf's 62 (one per
    other complete subtree); the checks handle them without overflow."""
    size = MAX_TREE_SIZE
    for index, length in ((0, 63), (size - 1, 62), (size // 2, 63)):
        leaf = leaf_hash(b"entry")
        path = [leaf_hash(bytes([n])) for n in range(length)]
        root = root_from_inclusion_proof(index, size, leaf, path)
        verify_inclusion(index, size, leaf, path, root)
        for wrong in (path[:-1], [*path, path[0]]):
            with pytest.raises(LogVerificationError):
                verify_inclusion(index, size, leaf, wrong, root)


def test_verification_failures_are_tampering_errors() -> None:
    tree = _tree(_entries(4))
    with pytest.raises(TamperedError):
        verify_inclusion(1, 4, leaf_hash(b"leaf 2"), tree.inclusion_proof(1), tree.root())
