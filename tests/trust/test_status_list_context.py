"""Status lists in the trust context and the trust store: signed by a certifier of the trust
list, the newest version per certifier, never rolled back, fresh until their nextUpdate."""

from __future__ import annotations

import datetime as dt
import zlib

import pytest
from signing_world import AT, SIGNED_AT, world

from cfl.errors import InputError
from cfl.report.model import Status
from cfl.signing.b64url import b64url_encode
from cfl.signing.jws import bundle_to_bytes, sign_content
from cfl.signing.keys import LocalSigner
from cfl.trust.context import build_trust_context
from cfl.trust.status_list import (
    CONTENT_KEY,
    STATUS_LIST_SIZE_STEP,
    TYP_STATUS_LIST,
    issue_status_list,
    next_status_list,
    verify_status_list,
)
from cfl.trust.store import MemoryTrustStore, read_stored_trust, remember_trust, status_list_name
from cfl.trust.trust_list import Accreditation, add_trust_entry, sign_trust_list

YEAR = dt.timedelta(days=366)


def _list(version: int, revoked: tuple[int, ...] = (), *, signer: LocalSigner | None = None,
          size: int = 64, next_update: dt.timedelta | None = YEAR) -> bytes:
    return bundle_to_bytes(issue_status_list(signer or world().certifier, size=size,
                                             revoked=revoked, version=version, at=SIGNED_AT,
                                             next_update=next_update))


def _context(*lists: bytes, store: MemoryTrustStore | None = None, trust: bytes | None = None):
    w = world()
    stored = read_stored_trust(store, w.operator.kid)
    return build_trust_context(w.trust_list if trust is None else trust,
                               anchor=w.operator.public_key, at=AT, stored=stored,
                               status_lists=lists,
                               status_list_sources=[f"list{i}.json" for i in range(len(lists))])


def test_a_certifier_list_is_taken_and_remembered() -> None:
    w = world()
    store = MemoryTrustStore()
    context = _context(_list(2, (5,)), store=store)
    assert context.status_list_for(w.certifier.kid).version == 2
    assert context.status_list_sources[w.certifier.kid] == "list0.json"
    assert status_list_name(w.certifier.kid) in remember_trust(store, context.updates).written
    again = _context(store=store)  # only the stored one
    assert again.status_list_for(w.certifier.kid).is_revoked(5)


def test_an_older_list_after_a_newer_one_is_not_taken() -> None:
    """Rollback: version 1 (bit clear) offered after version 2 (bit set) was stored."""
    w = world()
    store = MemoryTrustStore()
    remember_trust(store, _context(_list(2, (5,)), store=store).updates)
    context = _context(_list(1), store=store)
    chosen = context.status_list_for(w.certifier.kid)
    assert chosen.version == 2 and chosen.is_revoked(5)
    assert not any(name == status_list_name(w.certifier.kid) for name, _ in context.updates)
    # and the store's compare-and-swap refuses the older file outright
    assert remember_trust(store, [(status_list_name(w.certifier.kid), _list(1))]).kept
    assert verify_status_list(store.files[status_list_name(w.certifier.kid)],
                              key_for=context.certifier_key_for).version == 2


def test_the_newest_given_wins_and_two_alike_versions_conflict() -> None:
    w = world()
    context = _context(_list(1), _list(3, (1,)), _list(2))
    assert context.status_list_for(w.certifier.kid).version == 3
    clash = _context(_list(2, (1,)), _list(2, (2,)))
    assert [r.code for r in clash.rows if r.status is Status.FAILED] == [
        "status_list_version_conflict"]


def test_a_list_signed_by_a_manufacturer_only_key_is_refused() -> None:
    w = world()
    maker = LocalSigner.generate("EdDSA")
    document = add_trust_entry(w.trust_list_document, maker.public_key, name="Maker",
                               accreditation=Accreditation("CNAS", "M1"),
                               categories=["lithium-ion-battery"],
                               roles=("manufacturer",),
                               valid_from=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
                               valid_until=dt.datetime(2028, 1, 1, tzinfo=dt.UTC))
    trust = bundle_to_bytes(sign_trust_list(document, w.operator, at=SIGNED_AT))
    context = _context(_list(1, signer=maker), trust=trust)
    assert context.status_list_for(maker.kid) is None
    failed = [r for r in context.rows if r.status is Status.FAILED]
    assert [(r.code, r.check, r.subject) for r in failed] == [
        ("bad_status_list", "revocation-list", "list0.json")]
    assert "not a certifier in the trust list" in failed[0].message


def test_unsigned_untrusted_and_malformed_lists_are_bad_status_lists_naming_the_file() -> None:
    w = world()
    good = issue_status_list(w.certifier, size=64, revoked=(), version=1, at=SIGNED_AT)
    unsigned = bundle_to_bytes({CONTENT_KEY: good[CONTENT_KEY], "signatures": [
        sign_content(good[CONTENT_KEY], w.stranger, typ=TYP_STATUS_LIST, at=SIGNED_AT)]})
    for data in (unsigned, _list(1, signer=w.stranger), b"{", b"x" * 10):
        context = _context(data)
        failed = [r for r in context.rows if r.status is Status.FAILED]
        assert [(r.code, r.subject) for r in failed] == [("bad_status_list", "list0.json")]
        assert failed[0].message.startswith("the status list is not acceptable")
        assert "状态列表不可接受" in failed[0].message_in("zh")


def test_bits_that_inflate_beyond_the_declared_size_are_refused_after_the_signature() -> None:
    w = world()
    content = {"issuer": w.certifier.kid, "version": 1, "issued": "2026-03-10T00:00:00Z",
               "size": 64, "bits": b64url_encode(zlib.compress(b"\0" * 50_000_000, 9))}
    document = {CONTENT_KEY: content, "signatures": [
        sign_content(content, w.certifier, typ=TYP_STATUS_LIST, at=SIGNED_AT)]}
    with pytest.raises(InputError) as caught:
        verify_status_list(bundle_to_bytes(document), key_for=world().context().certifier_key_for)
    assert caught.value.code == "bad_status_list" and "exactly 8 bytes" in caught.value.message
    failed = [r for r in _context(bundle_to_bytes(document)).rows if r.status is Status.FAILED]
    assert [r.code for r in failed] == ["bad_status_list"]


def test_next_update_is_written_checked_and_defaults_like_revocation_lists() -> None:
    w = world()
    key_for = w.context().certifier_key_for
    default = verify_status_list(bundle_to_bytes(issue_status_list(
        w.certifier, size=8, revoked=(), version=1, at=SIGNED_AT)), key_for=key_for)
    assert default.next_update == SIGNED_AT + dt.timedelta(days=45) == default.current_until
    old_style = verify_status_list(_list(1, next_update=None), key_for=key_for)
    assert old_style.next_update is None
    assert old_style.current_until == SIGNED_AT + dt.timedelta(days=45)
    content = dict(issue_status_list(w.certifier, size=8, revoked=(), version=1,
                                     at=SIGNED_AT)[CONTENT_KEY], nextUpdate="2026-03-09T00:00:00Z")
    bad = bundle_to_bytes({CONTENT_KEY: content, "signatures": [
        sign_content(content, w.certifier, typ=TYP_STATUS_LIST, at=SIGNED_AT)]})
    with pytest.raises(InputError) as caught:
        verify_status_list(bad, key_for=key_for)
    assert caught.value.location == "$.statusList.nextUpdate"


def test_the_next_list_continues_grows_and_never_clears_a_bit() -> None:
    w = world()
    first = next_status_list(None, w.certifier, revoked=[3], at=SIGNED_AT)
    assert first.version == 1 and first.size == STATUS_LIST_SIZE_STEP and first.added == (3,)
    data = bundle_to_bytes(first.document)
    same = next_status_list(data, w.certifier, revoked=[3], at=AT)
    assert same.document is None and same.version == 1
    grown = next_status_list(data, w.certifier, revoked=[STATUS_LIST_SIZE_STEP], at=AT)
    assert grown.version == 2 and grown.size == 2 * STATUS_LIST_SIZE_STEP
    status = verify_status_list(bundle_to_bytes(grown.document),
                                key_for=w.context().certifier_key_for)
    assert status.revoked_indexes() == [3, STATUS_LIST_SIZE_STEP]  # bit 3 kept
    handed_out = next_status_list(data, w.certifier, revoked=[], at=AT,
                                  highest_index=3 * STATUS_LIST_SIZE_STEP)
    assert handed_out.size == 4 * STATUS_LIST_SIZE_STEP
    with pytest.raises(InputError) as caught:
        next_status_list(data, w.certifier, revoked=[], at=AT, known=(2, STATUS_LIST_SIZE_STEP))
    assert caught.value.code == "stale_status_list"
    with pytest.raises(InputError) as caught:
        next_status_list(_list(1, signer=w.other_certifier), w.certifier, revoked=[], at=AT)
    assert caught.value.code == "wrong_issuer"
    rebuilt = next_status_list(None, w.certifier, revoked=[3], at=AT,
                               known=(4, 2 * STATUS_LIST_SIZE_STEP))
    assert (rebuilt.version, rebuilt.size) == (5, 2 * STATUS_LIST_SIZE_STEP)


def test_an_unsigned_list_is_refused_before_its_bits_are_inflated() -> None:
    """The signature decides first: bits that would inflate to 50 MB in a list signed by a
    key outside the trust list are never inflated (the refusal is the signature's)."""
    w = world()
    content = {"issuer": w.stranger.kid, "version": 1, "issued": "2026-03-10T00:00:00Z",
               "size": 8, "bits": b64url_encode(zlib.compress(b"\0" * 50_000_000, 9))}
    document = {CONTENT_KEY: content, "signatures": [
        sign_content(content, w.stranger, typ=TYP_STATUS_LIST, at=SIGNED_AT)]}
    with pytest.raises(InputError) as caught:
        verify_status_list(bundle_to_bytes(document), key_for=w.context().certifier_key_for)
    assert caught.value.code == "revocation_list_untrusted"
    forged = dict(content, issuer=w.certifier.kid)
    document = {CONTENT_KEY: forged, "signatures": [
        sign_content(forged, w.stranger, typ=TYP_STATUS_LIST, at=SIGNED_AT)]}
    with pytest.raises(InputError) as caught:
        verify_status_list(bundle_to_bytes(document), key_for=w.context().certifier_key_for)
    assert caught.value.code == "revocation_list_signature"


def test_a_file_over_the_bound_is_refused_before_parsing() -> None:
    w = world()
    data = b'{"statusList": {"bits": "' + b"A" * (4 * 1024 * 1024) + b'"}, "signatures": []}'
    context = _context(data)
    [row] = [r for r in context.rows if r.status is Status.FAILED]
    assert row.code == "bad_status_list"
    assert "at most 4194304 bytes are accepted" in row.message
    assert context.status_list_for(w.certifier.kid) is None
