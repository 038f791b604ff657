"""The trust list sets how long a certifier's revocation lists count as current at most
(``revocationMaxAge``, ADR 0139): a list the certifier says is good for a year is stale
after the scheme's maximum age, on the library and the CLI alike."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from signing_world import DECLARATION_ID, SIGNED_AT, world

from cfl.report.model import Status
from cfl.signing.jws import TYP_REVOCATIONS, bundle_to_bytes, sign_content
from cfl.trust.context import TrustContext
from cfl.trust.revocation import BY_DEFAULT_AGE, BY_MAX_AGE, BY_NEXT_UPDATE, list_currency, revoke
from cfl.trust.revocation import CONTENT_KEY as REVOCATIONS_KEY
from cfl.trust.trust_list import CONTENT_KEY, Accreditation, add_trust_entry, sign_trust_list
from cfl.verification.bundle_check import verify_bundle

DAY = dt.timedelta(days=1)


def _trust_list(max_age_days: int | None) -> bytes:
    """The world's trust list with certifier C1's revocation lists current ``max_age_days``
    at most (None: the list sets nothing)."""
    w = world()
    document = copy.deepcopy(w.trust_list_document)
    for entry in document[CONTENT_KEY]["entries"]:
        if entry["kid"] == w.certifier.kid and max_age_days is not None:
            entry["revocationMaxAge"] = max_age_days
    document["signatures"] = []
    return bundle_to_bytes(sign_trust_list(document, w.operator, at=SIGNED_AT))


def _revocations(next_update: dt.timedelta | None) -> bytes:
    w = world()
    document = revoke(None, w.certifier, declaration_id=None, reason=None, at=SIGNED_AT,
                      next_update=next_update or DAY)
    if next_update is not None:
        return bundle_to_bytes(document)
    content = dict(document[REVOCATIONS_KEY])
    del content["nextUpdate"]  # a list as older cfl wrote them
    return bundle_to_bytes({REVOCATIONS_KEY: content, "signatures": [
        sign_content(content, w.certifier, typ=TYP_REVOCATIONS, at=SIGNED_AT)]})


def _context(max_age_days: int | None, next_update: dt.timedelta | None,
             at: dt.datetime) -> TrustContext:
    return world().context(trust_list=_trust_list(max_age_days), at=at,
                           revocations=(_revocations(next_update),))


def _row(max_age_days: int | None, next_update: dt.timedelta | None, after: dt.timedelta
         ) -> tuple[Status, str, str, str]:
    at = SIGNED_AT + after
    report = verify_bundle(world().bundle_bytes(), _context(max_age_days, next_update, at),
                           at=at)
    found = [row for row in report.rows if row.check == "revocation"
             and row.code in ("revocation_stale", "not_revoked", "revoked")]
    assert len(found) == 1, report.rows
    return found[0].status, found[0].code, found[0].form, found[0].message


def test_the_schemes_maximum_age_cuts_a_long_next_update_short() -> None:
    # the certifier promises a list a year; the scheme allows 7 days
    assert _row(7, dt.timedelta(days=366), 6 * DAY)[:2] == (Status.PASSED, "not_revoked")
    status, code, form, message = _row(7, dt.timedelta(days=366), 8 * DAY)
    assert (status, code, form) == (Status.INDETERMINATE, "revocation_stale", "max_age")
    assert "7 days the trust list allows" in message and "2026-03-17T00:00:00Z" in message
    # without the scheme's bound the same list is current
    assert _row(None, dt.timedelta(days=366), 8 * DAY)[:2] == (Status.PASSED, "not_revoked")


def test_a_next_update_before_the_maximum_age_still_decides() -> None:
    status, _, form, _ = _row(90, dt.timedelta(days=7), 8 * DAY)
    assert (status, form) == (Status.INDETERMINATE, "")


def test_the_maximum_age_replaces_the_default_age_of_a_list_without_next_update() -> None:
    assert _row(None, None, 60 * DAY)[:3] == (Status.INDETERMINATE, "revocation_stale", "age")
    assert _row(90, None, 60 * DAY)[:2] == (Status.PASSED, "not_revoked")
    assert _row(90, None, 91 * DAY)[2] == "max_age"


def test_a_revocation_holds_whatever_the_lists_age() -> None:
    w = world()
    revoked = bundle_to_bytes(revoke(None, w.certifier, declaration_id=DECLARATION_ID,
                                     reason="recalculated", at=SIGNED_AT))
    at = SIGNED_AT + 30 * DAY
    context = w.context(trust_list=_trust_list(7), at=at, revocations=(revoked,))
    report = verify_bundle(w.bundle_bytes(), context, at=at)
    assert "revoked" in [row.code for row in report.rows if row.status is Status.FAILED]


@pytest.mark.parametrize(("next_update", "max_age", "until", "by"), [
    (7, None, 7, BY_NEXT_UPDATE), (None, None, 45, BY_DEFAULT_AGE), (366, 30, 30, BY_MAX_AGE),
    (7, 30, 7, BY_NEXT_UPDATE), (None, 90, 90, BY_MAX_AGE), (None, 10, 10, BY_MAX_AGE),
])
def test_the_one_rule_for_revocation_and_status_lists(next_update: int | None,
                                                      max_age: int | None, until: int,
                                                      by: str) -> None:
    currency = list_currency(SIGNED_AT, None if next_update is None
                             else SIGNED_AT + next_update * DAY,
                             None if max_age is None else max_age * DAY)
    assert (currency.until, currency.by) == (SIGNED_AT + until * DAY, by)


def test_the_context_looks_the_maximum_age_up_per_certifier() -> None:
    w = world()
    context = _context(7, dt.timedelta(days=30), SIGNED_AT)
    assert context.revocation_max_age(w.certifier.kid) == 7 * DAY
    assert context.revocation_max_age(w.certifier_es256.kid) is None
    assert context.revocation_max_age("unlisted") is None
    assert context.list_currency(w.certifier.kid, issued=SIGNED_AT,
                                 next_update=SIGNED_AT + 30 * DAY).until == SIGNED_AT + 7 * DAY


def test_an_entry_is_added_with_its_maximum_age() -> None:
    w = world()
    document = add_trust_entry(w.trust_list_document, w.stranger.public_key, name="C9",
                               accreditation=Accreditation("CNAS", "CNAS-C9"),
                               categories=["cement"], valid_from=SIGNED_AT,
                               valid_until=SIGNED_AT + 400 * DAY, revocation_max_age=14)
    assert document[CONTENT_KEY]["entries"][-1]["revocationMaxAge"] == 14
