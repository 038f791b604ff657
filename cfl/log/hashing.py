"""RFC 6962 / RFC 9162 Merkle tree hashing, proofs from stored hashes, and their checks.

The tree is the one of RFC 9162 §2.1.1: a leaf hash is ``SHA-256(0x00 || data)``, an
interior node ``SHA-256(0x01 || left || right)``, the hash of an empty tree ``SHA-256()``,
and a tree of ``n`` leaves splits at the largest power of two below ``n``.

**Stored hashes.** A log keeps the hash of every *complete* subtree: the node at ``level``
``h`` and ``index`` ``i`` (a :data:`NodeId` ``(h, i)``) is the hash of leaves
``[i * 2**h, (i + 1) * 2**h)``. Appending a leaf adds its leaf hash and one node per level
its index closes (:func:`hashes_to_store`); nothing stored ever changes. Every root, proof
and tile is computed from these nodes, read through a :data:`HashReader` — a function that
takes a list of node ids and returns their hashes in the same order — so a database table
``(level, index) → hash`` backs a log as well as the in-memory :class:`MemoryTree`. The
functions read each batch of nodes with one call.

**Checks.** :func:`verify_inclusion` and :func:`verify_consistency` are the algorithms of
RFC 9162 §2.1.3.2 and §2.1.4.2, bit for bit; they raise
:class:`~cfl.log.errors.LogVerificationError` and accept only 32-byte hashes, sizes up to
:data:`MAX_TREE_SIZE` and proofs of at most :data:`MAX_PROOF_HASHES` hashes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

from cfl.log.errors import LogFormatError, LogStoreError, LogVerificationError

HASH_SIZE = 32
#: The largest tree (and so the largest leaf index + 1) cfl handles: the int64 bound the
#: Go reference implementations use, so that every size fits a signed 64-bit column.
MAX_TREE_SIZE = 2**63 - 1
#: No proof in a tree of at most :data:`MAX_TREE_SIZE` leaves has more hashes than this.
MAX_PROOF_HASHES = 64
#: The root of the empty tree, ``SHA-256()`` (RFC 9162 §2.1.1).
EMPTY_ROOT = hashlib.sha256(b"").digest()

#: A stored node: ``(level, index)``, the complete subtree over leaves
#: ``[index * 2**level, (index + 1) * 2**level)``.
NodeId = tuple[int, int]
#: Reads stored nodes: given node ids, their hashes in the same order.
HashReader = Callable[[Sequence[NodeId]], Sequence[bytes]]

_sha256 = hashlib.sha256


def leaf_hash(data: bytes) -> bytes:
    """``SHA-256(0x00 || data)``: the hash of one log entry."""
    return _sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """``SHA-256(0x01 || left || right)``: an interior node."""
    return _sha256(b"\x01" + left + right).digest()


def tree_hash(leaf_hashes: Sequence[bytes]) -> bytes:
    """The Merkle tree hash (RFC 9162 §2.1.1) of leaves given by their leaf hashes."""
    if not leaf_hashes:
        return EMPTY_ROOT
    level = list(leaf_hashes)
    # Hash pairs level by level; an odd last node rises unchanged, which is the same tree
    # as splitting at the largest power of two (the last subtree is the one left over).
    while len(level) > 1:
        paired = [_sha256(b"\x01" + level[i] + level[i + 1]).digest()
                  for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


# ------------------------------------------------------------------------- bounds


def check_size(size: int, *, what: str = "tree size") -> int:
    """``size`` if it is an int in ``[0, MAX_TREE_SIZE]``; else a :class:`LogFormatError`."""
    if not isinstance(size, int) or isinstance(size, bool) or not 0 <= size <= MAX_TREE_SIZE:
        raise LogFormatError(f"{what} must be an integer from 0 to {MAX_TREE_SIZE}, not "
                             f"{size!r}", code="tree_size_invalid")
    return size


def check_hash(value: bytes, *, what: str = "hash") -> bytes:
    if not isinstance(value, bytes | bytearray) or len(value) != HASH_SIZE:
        got = len(value) if isinstance(value, bytes | bytearray) else type(value).__name__
        raise LogFormatError(f"{what} must be {HASH_SIZE} bytes, got {got}",
                             code="hash_malformed")
    return bytes(value)


def _check_proof(proof: Sequence[bytes], what: str) -> list[bytes]:
    if len(proof) > MAX_PROOF_HASHES:
        raise LogFormatError(f"{what} has {len(proof)} hashes; no tree needs more than "
                             f"{MAX_PROOF_HASHES}", code="proof_too_long")
    path = list(proof)
    if all(type(item) is bytes and len(item) == HASH_SIZE for item in path):
        return path  # the usual case, checked in one pass
    return [check_hash(item, what=f"{what} hash #{number}")
            for number, item in enumerate(path)]


# ------------------------------------------------------------------------- ranges


def _largest_power_of_two_below(n: int) -> int:
    """The largest power of two strictly below ``n`` (``n`` ≥ 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def _range_nodes(start: int, end: int) -> list[NodeId]:
    """The complete subtrees whose fold is ``MTH(D[start:end])``, largest (leftmost) first.

    ``start`` is a multiple of a power of two at least ``end - start`` (true of every range
    RFC 9162 proofs use), so the subtrees follow the binary digits of ``end - start``.
    """
    nodes = []
    width = end - start
    while width:
        level = width.bit_length() - 1
        nodes.append((level, start >> level))
        start += 1 << level
        width -= 1 << level
    return nodes


def _fold(hashes: Sequence[bytes]) -> bytes:
    """``H(h1, H(h2, … H(h_{m-1}, h_m)))``: the hash of a range from its subtrees."""
    result = hashes[-1]
    for value in reversed(hashes[:-1]):
        result = node_hash(value, result)
    return result


def _read_ranges(ranges: Sequence[tuple[int, int]], read: HashReader) -> list[bytes]:
    """``MTH`` of each range, reading every stored node needed with one call."""
    per_range = [_range_nodes(start, end) for start, end in ranges]
    wanted = sorted({node for nodes in per_range for node in nodes})
    got = read(wanted) if wanted else []
    if len(got) != len(wanted):
        raise LogStoreError(f"the hash store returned {len(got)} hashes for {len(wanted)} "
                            "nodes")
    found = {node: check_hash(value, what=f"stored hash {node}")
             for node, value in zip(wanted, got, strict=True)}
    return [_fold([found[node] for node in nodes]) for nodes in per_range]


# ------------------------------------------------------------------------- storing


def hashes_to_store(index: int, leaf: bytes, read: HashReader) -> list[tuple[NodeId, bytes]]:
    """The nodes to store when the leaf with hash ``leaf`` is appended at ``index``: its
    own node ``(0, index)`` and one node for every level its index completes. Reads the
    left siblings it needs (already stored) with one call."""
    check_size(index, what="leaf index")
    if index >= MAX_TREE_SIZE:
        raise LogFormatError("the log is full", code="tree_size_invalid")
    check_hash(leaf, what="leaf hash")
    closes = (~index & (index + 1)).bit_length() - 1  # trailing one bits of index
    siblings = [(level, (index >> level) - 1) for level in range(closes)]
    got = list(read(siblings)) if siblings else []
    if len(got) != len(siblings):
        raise LogStoreError(f"the hash store returned {len(got)} hashes for "
                            f"{len(siblings)} nodes")
    stored = [((0, index), leaf)]
    current = leaf
    for level, left in enumerate(got):
        current = node_hash(check_hash(left, what="stored hash"), current)
        stored.append(((level + 1, index >> (level + 1)), current))
    return stored


def stored_node_count(size: int) -> int:
    """How many nodes a tree of ``size`` leaves stores (``2·size − popcount(size)``)."""
    check_size(size)
    return 2 * size - size.bit_count()


# ------------------------------------------------------------------------- computing


def root_hash(size: int, read: HashReader) -> bytes:
    """The root hash of the tree of the first ``size`` leaves."""
    check_size(size)
    if size == 0:
        return EMPTY_ROOT
    return _read_ranges([(0, size)], read)[0]


def _inclusion_ranges(index: int, start: int, end: int) -> list[tuple[int, int]]:
    """The ranges whose hashes form ``PATH(index, D[start:end])`` (RFC 9162 §2.1.3.1),
    leaf sibling first."""
    ranges: list[tuple[int, int]] = []
    while end - start > 1:
        split = start + _largest_power_of_two_below(end - start)
        if index < split:
            ranges.append((split, end))
            end = split
        else:
            ranges.append((start, split))
            start = split
    ranges.reverse()
    return ranges


def inclusion_proof(index: int, size: int, read: HashReader) -> list[bytes]:
    """The audit path of leaf ``index`` in the tree of ``size`` leaves (RFC 9162
    §2.1.3.1), from the leaf's sibling up to the root's child."""
    check_size(size)
    check_size(index, what="leaf index")
    if index >= size:
        raise LogFormatError(f"leaf index {index} is not in a tree of {size} leaves",
                             code="tree_size_invalid")
    return _read_ranges(_inclusion_ranges(index, 0, size), read)


def _consistency_ranges(old: int, start: int, end: int, whole: bool) -> list[tuple[int, int]]:
    """The ranges whose hashes form ``SUBPROOF(old, D[start:end], whole)`` (RFC 9162
    §2.1.4.1), in proof order."""
    ranges: list[tuple[int, int]] = []
    while old != end - start:
        split = _largest_power_of_two_below(end - start)
        if old <= split:
            ranges.append((start + split, end))
            end = start + split
        else:
            ranges.append((start, start + split))
            start += split
            old -= split
            whole = False
    if not whole:
        ranges.append((start, end))
    ranges.reverse()
    return ranges


def consistency_proof(old_size: int, new_size: int, read: HashReader) -> list[bytes]:
    """The proof that the tree of ``old_size`` leaves is a prefix of the tree of
    ``new_size`` leaves (RFC 9162 §2.1.4.1); empty when ``old_size`` is 0 or equal."""
    check_size(new_size)
    check_size(old_size, what="old tree size")
    if old_size > new_size:
        raise LogFormatError(f"old size {old_size} is larger than new size {new_size}",
                             code="tree_size_invalid")
    if old_size == 0 or old_size == new_size:
        return []
    return _read_ranges(_consistency_ranges(old_size, 0, new_size, True), read)


# ------------------------------------------------------------------------- verifying


def root_from_inclusion_proof(index: int, size: int, leaf: bytes,
                              proof: Sequence[bytes]) -> bytes:
    """The root that ``proof`` leads to from ``leaf`` at ``index`` in a tree of ``size``
    leaves (RFC 9162 §2.1.3.2 steps 1–4), or :class:`LogVerificationError` when the proof
    cannot be a path of that tree (too long, too short, index beyond the size)."""
    check_size(size)
    check_size(index, what="leaf index")
    check_hash(leaf, what="leaf hash")
    path = _check_proof(proof, "inclusion proof")
    if index >= size:
        raise LogVerificationError(f"leaf index {index} is not in a tree of {size} leaves",
                                   code="inclusion_proof_invalid")
    fn, sn, result = index, size - 1, leaf
    for sibling in path:  # node hashes inline: this loop is what every proof check costs
        if sn == 0:
            raise LogVerificationError("the inclusion proof is longer than the tree is high",
                                       code="inclusion_proof_invalid")
        if fn & 1 or fn == sn:
            result = _sha256(b"\x01" + sibling + result).digest()
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            result = _sha256(b"\x01" + result + sibling).digest()
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise LogVerificationError("the inclusion proof is shorter than the tree is high",
                                   code="inclusion_proof_invalid")
    return result


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes],
                     root: bytes) -> None:
    """Check that ``proof`` shows the leaf hash ``leaf`` at ``index`` in the tree of
    ``size`` leaves with root ``root`` (RFC 9162 §2.1.3.2)."""
    check_hash(root, what="root hash")
    if root_from_inclusion_proof(index, size, leaf, proof) != root:
        raise LogVerificationError(f"the inclusion proof of leaf {index} does not lead to "
                                   f"the root of the tree of {size} leaves",
                                   code="inclusion_proof_invalid")


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes,
                       proof: Sequence[bytes]) -> None:
    """Check that ``proof`` shows the tree ``(old_size, old_root)`` is a prefix of the tree
    ``(new_size, new_root)`` (RFC 9162 §2.1.4.2). Equal sizes need equal roots and an empty
    proof; an empty old tree (root ``SHA-256()``) is a prefix of every tree."""
    check_size(new_size)
    check_size(old_size, what="old tree size")
    check_hash(old_root, what="old root hash")
    check_hash(new_root, what="new root hash")
    path = _check_proof(proof, "consistency proof")

    def fail(why: str) -> LogVerificationError:
        return LogVerificationError(f"the consistency proof from {old_size} to {new_size} "
                                    f"leaves does not verify: {why}",
                                    code="consistency_proof_invalid")

    if old_size > new_size:
        raise fail("the old tree is larger")
    if old_size == new_size:
        if path:
            raise fail("equal sizes need an empty proof")
        if old_root != new_root:
            raise fail("equal sizes with different roots")
        return
    if old_size == 0:
        if path:
            raise fail("an empty old tree needs an empty proof")
        if old_root != EMPTY_ROOT:
            raise fail("the old root is not the empty tree's")
        return
    if not path:
        raise fail("the proof is empty")
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is a subtree
        path = [old_root, *path]
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for node in path[1:]:
        if sn == 0:
            raise fail("the proof is too long")
        if fn & 1 or fn == sn:
            fr = _sha256(b"\x01" + node + fr).digest()
            sr = _sha256(b"\x01" + node + sr).digest()
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = _sha256(b"\x01" + sr + node).digest()
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise fail("the proof is too short")
    if fr != old_root:
        raise fail("it does not lead to the old root")
    if sr != new_root:
        raise fail("it does not lead to the new root")


# ------------------------------------------------------------------------- memory


class MemoryTree:
    """An append-only tree held in memory: every stored node, by level.

    A :data:`HashReader` itself (call it with node ids), so every function of this module
    and of :mod:`cfl.log.tiles` works on it as on a database-backed store.
    """

    def __init__(self) -> None:
        self._levels: list[list[bytes]] = [[]]

    @property
    def size(self) -> int:
        return len(self._levels[0])

    def append(self, data: bytes) -> int:
        """Append the entry ``data``; return its index."""
        return self.append_leaf_hash(_sha256(b"\x00" + data).digest())

    def append_leaf_hash(self, leaf: bytes) -> int:
        """Append an entry by its leaf hash; return its index."""
        levels = self._levels
        index = len(levels[0])
        levels[0].append(leaf)
        level, position, current = 0, index, leaf
        while position & 1:  # the node hashes inline: appends are the log's hot path
            current = _sha256(b"\x01" + levels[level][position - 1] + current).digest()
            level += 1
            position >>= 1
            if level == len(levels):
                levels.append([])
            levels[level].append(current)
        return index

    def extend(self, entries: Iterable[bytes]) -> None:
        for data in entries:
            self.append(data)

    def __call__(self, nodes: Sequence[NodeId]) -> list[bytes]:
        levels = self._levels
        try:
            found = [levels[level][index] for level, index in nodes]
        except IndexError:
            found = []
        if len(found) != len(nodes) or any(level < 0 or index < 0 for level, index in nodes):
            raise LogStoreError("a requested node is not stored in this tree")
        return found

    def root(self, size: int | None = None) -> bytes:
        return root_hash(self.size if size is None else size, self)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        return inclusion_proof(index, self.size if size is None else size, self)

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        return consistency_proof(old_size, self.size if new_size is None else new_size, self)
