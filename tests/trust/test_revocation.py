"""Revocation lists: issuing, extending, verifying against the trust list."""

from __future__ import annotations

import datetime as dt

import pytest
from signing_world import AT, DECLARATION_ID, SIGNED_AT, world

from cfl.errors import InputError
from cfl.io.jsonio import loads_strict
from cfl.signing.jws import bundle_to_bytes
from cfl.trust.revocation import revoke, verify_revocation_list


def _revoked(existing: bytes | None = None, declaration_id: str = DECLARATION_ID) -> bytes:
    return bundle_to_bytes(revoke(existing or world().revocations, world().certifier,
                                  declaration_id=declaration_id, reason="wrong factor",
                                  at=SIGNED_AT + dt.timedelta(days=2)))


def test_revoking_publishes_the_next_version() -> None:
    w = world()
    data = _revoked()
    content = loads_strict(data)["revocationList"]
    assert content["version"] == 2 and content["issuer"] == w.certifier.kid
    assert content["entries"] == [{"id": DECLARATION_ID, "reason": "wrong factor",
                                   "revokedAt": "2026-03-12T00:00:00Z"}]
    verified = verify_revocation_list(data, key_for=w.context().key_for)
    hit = verified.find(DECLARATION_ID)
    assert hit is not None and hit.reason == "wrong factor"
    again = _revoked(data, "another-id")
    assert [e["id"] for e in loads_strict(again)["revocationList"]["entries"]] == [
        DECLARATION_ID, "another-id"]


def test_revoking_twice_is_refused() -> None:
    with pytest.raises(InputError) as info:
        _revoked(_revoked())
    assert info.value.code == "already_revoked"


def test_a_reason_is_required() -> None:
    with pytest.raises(InputError) as info:
        revoke(None, world().certifier, declaration_id="x", reason="", at=SIGNED_AT)
    assert info.value.code == "missing_reason"


def test_another_certifiers_list_is_not_extended() -> None:
    w = world()
    with pytest.raises(InputError) as info:
        revoke(w.revocations, w.other_certifier, declaration_id="x", reason="r", at=SIGNED_AT)
    assert info.value.code == "wrong_issuer"


def test_a_tampered_list_is_not_extended_or_accepted() -> None:
    w = world()
    tampered = _revoked().replace(b"wrong factor", b"right factor")
    with pytest.raises(InputError) as info:
        revoke(tampered, w.certifier, declaration_id="x", reason="r", at=SIGNED_AT)
    assert info.value.code == "revocation_list_signature"
    with pytest.raises(InputError) as info:
        verify_revocation_list(tampered, key_for=w.context().key_for)
    assert info.value.code == "revocation_list_signature"


def test_a_list_by_an_untrusted_issuer_is_refused() -> None:
    w = world()
    data = bundle_to_bytes(revoke(None, w.stranger, declaration_id=None, reason=None,
                                  at=SIGNED_AT))
    with pytest.raises(InputError) as info:
        verify_revocation_list(data, key_for=w.context().key_for)
    assert info.value.code == "revocation_list_untrusted"
    context = w.context(revocations=(data,))
    assert [r.code for r in context.rows][-1] == "revocation_list_untrusted"


def test_the_newest_list_given_or_stored_is_used() -> None:
    from cfl.trust.store import MemoryTrustStore
    from cfl.verification.signer import revocation_row

    w = world()
    store = MemoryTrustStore()
    newer = _revoked()
    w.context(revocations=(newer,), store=store)
    context = w.context(revocations=(w.revocations,), store=store)  # older given later
    row = revocation_row(context, kid=w.certifier.kid, declaration_id=DECLARATION_ID, at=AT)
    assert row.code == "revoked" and "version 2" in row.message
    assert "29 days old" in row.message


def test_a_revocation_after_the_verification_time_does_not_count() -> None:
    from cfl.verification.signer import revocation_row

    w = world()
    context = w.context(revocations=(_revoked(),))
    before = SIGNED_AT + dt.timedelta(days=1)
    row = revocation_row(context, kid=w.certifier.kid, declaration_id=DECLARATION_ID, at=before)
    assert row.code == "not_revoked"
