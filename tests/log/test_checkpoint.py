"""Checkpoints: the body's exact form, signing and opening with the log key and origin, and
moving from a stored checkpoint to a new one (rollback and inconsistency refused)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from log_world import ORIGIN, LogWorld, signer

from cfl.log.checkpoint import (
    Checkpoint,
    check_checkpoint_update,
    open_checkpoint,
    parse_checkpoint_text,
    sign_checkpoint,
)
from cfl.log.errors import LogFormatError, LogVerificationError
from cfl.log.hashing import MAX_TREE_SIZE, leaf_hash
from cfl.log.note import NoteSigner, sign_note

GO = json.loads((Path(__file__).resolve().parents[1] / "vectors" / "log" / "published" /
                 "signed-note.json").read_text(encoding="utf-8"))["checkpoint_body"]


def test_the_go_checkpoint_body() -> None:
    point = parse_checkpoint_text(GO["text"])
    assert point.origin == GO["origin"]
    assert point.size == GO["size"]
    assert point.root_hash == leaf_hash(GO["root_is_leaf_hash_of"].encode())
    assert point.text == GO["text"]


def test_extension_lines_round_trip() -> None:
    point = Checkpoint(ORIGIN, 5, leaf_hash(b"x"), ("ext one", "ext two"))
    assert parse_checkpoint_text(point.text) == point
    assert point.text.endswith("ext one\next two\n")


@pytest.mark.parametrize("text", [
    "",
    "origin\n5\n",
    "origin\n5\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=",  # no final newline
    "\n5\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n",
    "origin\n05\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n",
    "origin\n+5\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n",
    "origin\n0x5\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n",
    "origin\n-1\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n",
    f"origin\n{MAX_TREE_SIZE + 1}\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n",
    "origin\n5\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBTOOBIG=\n",
    "origin\n5\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb1=\n",  # not canonical
    "origin\n5\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40Hmuw\n",  # not 32 bytes
    "origin\n5\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n\n",  # an empty extension line
    "origin\n5\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n" + "e\n" * 17,
])
def test_bodies_that_are_not_checkpoints(text: str) -> None:
    with pytest.raises(LogFormatError) as caught:
        parse_checkpoint_text(text)
    assert caught.value.code == "checkpoint_malformed"


def test_sign_and_open(world: LogWorld) -> None:
    note = world.signed(300)
    signed = open_checkpoint(note, origin=ORIGIN, log_keys=[world.log.verifier_key])
    assert signed.checkpoint == world.checkpoint(300)
    assert signed.note == note
    assert note.decode().startswith(f"{ORIGIN}\n300\n")


def test_a_checkpoint_signed_by_another_key_is_refused(world: LogWorld) -> None:
    note = sign_checkpoint(world.checkpoint(300), world.stranger)
    with pytest.raises(LogVerificationError) as caught:
        open_checkpoint(note, origin=ORIGIN, log_keys=[world.log.verifier_key])
    assert caught.value.code == "checkpoint_signature"
    altered = world.signed(300).replace(b"\n300\n", b"\n301\n")
    with pytest.raises(LogVerificationError) as caught:
        open_checkpoint(altered, origin=ORIGIN, log_keys=[world.log.verifier_key])
    assert caught.value.code == "checkpoint_signature"


def test_a_checkpoint_of_another_origin_is_refused(world: LogWorld) -> None:
    other = Checkpoint("log.example.org/other", 300, world.checkpoint(300).root_hash)
    note = sign_note(other.text, [world.log])  # the right key, another log's body
    with pytest.raises(LogVerificationError) as caught:
        open_checkpoint(note, origin=ORIGIN, log_keys=[world.log.verifier_key])
    assert caught.value.code == "checkpoint_origin"


def test_the_log_key_is_named_after_the_origin(world: LogWorld) -> None:
    misnamed = NoteSigner("log.example.org/other", signer("log"))
    with pytest.raises(LogFormatError):
        sign_checkpoint(world.checkpoint(3), misnamed)
    with pytest.raises(LogFormatError):
        sign_checkpoint(Checkpoint("an origin with spaces", 3, leaf_hash(b"x")), world.log)
    with pytest.raises(LogFormatError):
        open_checkpoint(world.signed(3), origin=ORIGIN, log_keys=[])


def test_cosignatures_are_other_signatures(world: LogWorld) -> None:
    signed = world.opened(world.signed(300, witnesses=3))
    assert [s.name for s in signed.other_signatures] == [w.name for w in world.witnesses]


# ------------------------------------------------------------------------- updates


def test_a_tree_that_grows_replaces_the_stored_one(world: LogWorld) -> None:
    tree = world.tree(300)
    stored, new = world.opened(world.signed(200)), world.opened(world.signed(300))
    assert check_checkpoint_update(None, new, []) is new
    assert check_checkpoint_update(stored, new, tree.consistency_proof(200, 300)) is new
    again = world.opened(world.signed(300, witnesses=1))
    assert check_checkpoint_update(new, again, []) is new


def test_a_smaller_tree_is_a_rollback(world: LogWorld) -> None:
    tree = world.tree(300)
    stored, new = world.opened(world.signed(300)), world.opened(world.signed(200))
    with pytest.raises(LogVerificationError) as caught:
        check_checkpoint_update(stored, new, [])
    assert caught.value.code == "checkpoint_rollback"
    assert caught.value.evidence == (stored.note, new.note)
    with pytest.raises(LogVerificationError) as caught:  # an older tree it extends: stale
        check_checkpoint_update(stored, new, tree.consistency_proof(200, 300))
    assert caught.value.code == "checkpoint_rollback"
    forked = world.tree(199)
    forked.append(b"another entry")
    older = world.opened(world.signed(200, tree=forked))
    with pytest.raises(LogVerificationError) as caught:  # an older tree it contradicts
        check_checkpoint_update(stored, older, tree.consistency_proof(200, 300))
    assert caught.value.code == "checkpoint_inconsistent"


def test_another_root_for_the_same_size_or_a_rewritten_tree_is_inconsistent(
        world: LogWorld) -> None:
    forked = world.tree(299)
    forked.append(b"another entry")
    stored = world.opened(world.signed(300))
    fork = world.opened(world.signed(300, tree=forked))
    with pytest.raises(LogVerificationError) as caught:
        check_checkpoint_update(stored, fork, [])
    assert caught.value.code == "checkpoint_inconsistent"
    assert caught.value.evidence == (stored.note, fork.note)
    rewritten = world.tree(0)
    rewritten.extend([b"rewritten", *world.entries[1:400]])
    new = world.opened(world.signed(400, tree=rewritten))
    with pytest.raises(LogVerificationError) as caught:
        check_checkpoint_update(stored, new, rewritten.consistency_proof(300, 400))
    assert caught.value.code == "checkpoint_inconsistent"
    with pytest.raises(LogVerificationError):  # a proof from the honest tree does not help
        check_checkpoint_update(stored, new, world.tree(400).consistency_proof(300, 400))


def test_the_root_line_is_standard_base64(world: LogWorld) -> None:
    root = world.checkpoint(300).root_hash
    assert world.checkpoint(300).text.split("\n")[2] == base64.b64encode(root).decode()
