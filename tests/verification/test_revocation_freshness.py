"""Revocation lists are current only until their ``nextUpdate`` (or, for lists without it,
a maximum age): past it a list cannot show that a declaration is not revoked."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from signing_world import AT, DECLARATION_ID, SIGNED_AT, world

from cfl.errors import InputError
from cfl.report.model import Status
from cfl.signing.jws import TYP_REVOCATIONS, bundle_to_bytes, sign_content
from cfl.trust.revocation import CONTENT_KEY, MAX_AGE_WITHOUT_NEXT_UPDATE, revoke
from cfl.verification.bundle_check import verify_bundle


def _row(revocations: bytes, at: dt.datetime) -> tuple[Status, str, str]:
    w = world()
    report = verify_bundle(w.bundle_bytes(), w.context(at=at, revocations=(revocations,)),
                           at=at)
    found = [row for row in report.rows if row.check == "revocation"]
    assert len(found) == 1
    return found[0].status, found[0].code, found[0].message


def _list(next_update: dt.timedelta, *, revoked: bool = False) -> bytes:
    return bundle_to_bytes(revoke(None, world().certifier,
                                  declaration_id=DECLARATION_ID if revoked else None,
                                  reason="recalculated" if revoked else None, at=SIGNED_AT,
                                  next_update=next_update))


def _without_next_update() -> bytes:
    """A list as cfl wrote them before ``nextUpdate`` existed."""
    document = revoke(None, world().certifier, declaration_id=None, reason=None, at=SIGNED_AT)
    content = dict(document[CONTENT_KEY])
    del content["nextUpdate"]
    signed = {CONTENT_KEY: content, "signatures": [
        sign_content(content, world().certifier, typ=TYP_REVOCATIONS, at=SIGNED_AT)]}
    return bundle_to_bytes(signed)


def test_a_new_list_names_its_next_update() -> None:
    document = revoke(None, world().certifier, declaration_id=None, reason=None, at=SIGNED_AT,
                      next_update=dt.timedelta(days=7))
    assert document[CONTENT_KEY]["nextUpdate"] == "2026-03-17T00:00:00Z"


def test_past_its_next_update_the_row_is_indeterminate() -> None:
    listing = _list(dt.timedelta(days=7))
    assert _row(listing, SIGNED_AT + dt.timedelta(days=6))[:2] == (Status.PASSED, "not_revoked")
    status, code, message = _row(listing, AT)
    assert (status, code) == (Status.INDETERMINATE, "revocation_stale")
    assert "2026-03-17T00:00:00Z" in message and "31 days old" in message


def test_a_stale_list_still_shows_a_revocation() -> None:
    status, code, _ = _row(_list(dt.timedelta(days=7), revoked=True), AT)
    assert (status, code) == (Status.FAILED, "revoked")


def test_an_old_list_without_next_update_is_judged_by_its_age() -> None:
    listing = _without_next_update()
    assert json.loads(listing)[CONTENT_KEY].get("nextUpdate") is None
    assert _row(listing, AT)[:2] == (Status.PASSED, "not_revoked")
    late = SIGNED_AT + MAX_AGE_WITHOUT_NEXT_UPDATE + dt.timedelta(seconds=1)
    status, code, message = _row(listing, late)
    assert (status, code) == (Status.INDETERMINATE, "revocation_stale")
    assert "names no next update" in message


def test_the_next_update_must_follow_the_issue_time() -> None:
    with pytest.raises(InputError) as caught:
        _list(dt.timedelta(0))
    assert caught.value.code == "bad_next_update"
