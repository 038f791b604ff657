"""A revocation list always continues: from the current file, else from the certifier's own
records, never from an older copy; ids revoked already are left as they are."""

from __future__ import annotations

import datetime as dt

import pytest
from signing_world import SIGNED_AT, world

from cfl.errors import InputError
from cfl.signing.jws import bundle_to_bytes
from cfl.trust.revocation import (
    CONTENT_KEY,
    KnownList,
    revocation_list_from_content,
    revoke,
    revoke_many,
)

A = "3f1c2a9e-5b7d-4e8f-9a0b-000000000001"
B = "3f1c2a9e-5b7d-4e8f-9a0b-000000000002"
LATER = SIGNED_AT + dt.timedelta(days=1)


def test_several_ids_in_one_new_version() -> None:
    w = world()
    update = revoke_many(w.revocations, w.certifier, revocations=[(A, "r1"), (B, "r2")],
                         at=LATER)
    assert update.document is not None and update.version == 2
    assert update.added == (A, B) and update.already == () and update.entries == 2
    listed = revocation_list_from_content(update.document[CONTENT_KEY], source="x")
    assert [e.id for e in listed.entries] == [A, B]


def test_ids_revoked_already_change_nothing() -> None:
    w = world()
    first = revoke_many(w.revocations, w.certifier, revocations=[(A, "r")], at=LATER)
    assert first.document is not None
    again = revoke_many(bundle_to_bytes(first.document), w.certifier,
                        revocations=[(A.upper(), "r")], at=LATER)
    assert again.document is None and again.already == (A.upper(),) and again.version == 2
    with pytest.raises(InputError) as info:  # the one-id form keeps refusing
        revoke(bundle_to_bytes(first.document), w.certifier, declaration_id=A, reason="r",
               at=LATER)
    assert info.value.code == "already_revoked"


def test_without_the_file_the_list_continues_from_the_known_one() -> None:
    w = world()
    known = KnownList(5, ({"id": A, "reason": "r", "revokedAt": "2026-03-01T00:00:00Z"},))
    update = revoke_many(None, w.certifier, revocations=[(B, "r2")], at=LATER, known=known)
    assert update.document is not None and update.version == 6 and update.entries == 2
    assert update.document[CONTENT_KEY]["entries"][0]["revokedAt"] == "2026-03-01T00:00:00Z"


def test_an_older_copy_than_the_known_list_is_refused() -> None:
    w = world()
    with pytest.raises(InputError) as info:
        revoke_many(w.revocations, w.certifier, revocations=[(A, "r")], at=LATER,
                    known=KnownList(3, ()))
    assert info.value.code == "stale_revocation_list" and "older copy" in info.value.message


def test_a_new_list_starts_at_version_1_and_reissuing_makes_the_next() -> None:
    w = world()
    fresh = revoke_many(None, w.certifier, revocations=[], at=LATER)
    assert fresh.version == 1 and fresh.document is not None
    unchanged = revoke_many(bundle_to_bytes(fresh.document), w.certifier, revocations=[],
                            at=LATER)
    assert unchanged.document is None
    reissued = revoke_many(bundle_to_bytes(fresh.document), w.certifier, revocations=[],
                           at=LATER, reissue=True)
    assert reissued.version == 2
    with pytest.raises(InputError):
        revoke_many(None, w.certifier, revocations=[(A, "")], at=LATER)
