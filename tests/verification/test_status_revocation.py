"""A claim's status index is checked in its certifier's status list: a set bit is revoked,
an index at or past the list's size is out of range, a stale list is INDETERMINATE, no list
is INDETERMINATE as for revocation lists, and only the issuer's own list counts."""

from __future__ import annotations

import dataclasses
import datetime as dt

from signing_world import AT, SIGNED_AT, world

from cfl.bundle.claim import claim_in_bundle
from cfl.bundle.model import parse_bundle
from cfl.claim.model import SignedClaim
from cfl.report.model import CheckRow, Status
from cfl.signing.jws import bundle_to_bytes
from cfl.signing.keys import LocalSigner
from cfl.trust.context import TrustContext, load_trust_context
from cfl.trust.status_list import issue_status_list
from cfl.trust.store import MemoryTrustStore
from cfl.verification.claim_check import claim_rows

SIZE = 1024


def _status_list(revoked: tuple[int, ...] = (), *, version: int = 1,
                 signer: LocalSigner | None = None, next_update: int = 366,
                 size: int = SIZE) -> bytes:
    return bundle_to_bytes(issue_status_list(
        signer or world().certifier, size=size, revoked=revoked, version=version,
        at=SIGNED_AT, next_update=dt.timedelta(days=next_update)))


def _context(*status_lists: bytes) -> TrustContext:
    w = world()
    return load_trust_context(w.trust_list, anchor=w.operator.public_key, at=AT,
                              store=MemoryTrustStore(), revocations=(w.revocations,),
                              status_lists=status_lists)


def _claim(index: int, *, with_id: bool = False) -> SignedClaim:
    """The certifier's claim carrying status ``index`` (and, unless ``with_id``, no
    declaration id, as format 2 claims do)."""
    signed = claim_in_bundle(parse_bundle(world().bundle_bytes()))
    claim = dataclasses.replace(signed.claim, status_index=index)
    if not with_id:
        claim = dataclasses.replace(claim, declaration_id=None)
    return dataclasses.replace(signed, claim=claim)


def _revocation_rows(index: int, context: TrustContext, **kwargs: bool) -> list[CheckRow]:
    rows = claim_rows(_claim(index, **kwargs), context, at=AT, include_trust_rows=False)
    return [row for row in rows if row.check == "revocation"]


def test_a_clear_bit_passes_naming_the_list_version() -> None:
    [row] = _revocation_rows(7, _context(_status_list((6, 8), version=4)))
    assert (row.status, row.code, row.form) == (Status.PASSED, "not_revoked", "status_list")
    assert "status index 7" in row.message and "version 4" in row.message


def test_a_set_bit_is_revoked_with_the_same_code_as_an_id_revocation() -> None:
    [row] = _revocation_rows(7, _context(_status_list((7,), version=3)))
    assert (row.status, row.code) == (Status.FAILED, "revoked")
    assert "status list version 3" in row.message
    assert "状态列表第 3 版" in row.message_in("zh")


def test_an_index_at_the_size_is_out_of_range_and_just_below_is_not() -> None:
    context = _context(_status_list((SIZE - 1,)))
    [row] = _revocation_rows(SIZE, context)
    assert (row.status, row.code) == (Status.FAILED, "status_index_out_of_range")
    assert f"0 to {SIZE - 1}" in row.message
    [last] = _revocation_rows(SIZE - 1, context)
    assert last.code == "revoked"


def test_without_a_status_list_the_row_is_indeterminate_like_a_missing_revocation_list() -> None:
    [row] = _revocation_rows(7, _context())
    assert (row.status, row.code) == (Status.INDETERMINATE, "status_list_unavailable")


def test_past_its_next_update_a_clear_bit_is_indeterminate_and_a_set_bit_still_fails() -> None:
    stale = _context(_status_list((5,), next_update=7))
    [row] = _revocation_rows(7, stale)
    assert (row.status, row.code, row.form) == (Status.INDETERMINATE, "revocation_stale",
                                                "status_list")
    assert "2026-03-17T00:00:00Z" in row.message
    [revoked] = _revocation_rows(5, stale)
    assert (revoked.status, revoked.code) == (Status.FAILED, "revoked")


def test_another_certifiers_list_says_nothing_about_this_claim() -> None:
    w = world()
    context = _context(_status_list((7,), signer=w.other_certifier))
    assert context.status_list_for(w.other_certifier.kid) is not None
    [row] = _revocation_rows(7, context)
    assert (row.status, row.code) == (Status.INDETERMINATE, "status_list_unavailable")


def test_a_claim_with_an_id_and_an_index_is_checked_in_both_lists() -> None:
    rows = _revocation_rows(7, _context(_status_list((7,))), with_id=True)
    assert [(r.code, r.form) for r in rows] == [("not_revoked", ""), ("revoked", "status_list")]


def test_a_million_entry_list_is_looked_up_by_one_bit() -> None:
    size = 1_000_000
    context = _context(_status_list((0, 999_999), size=size))
    assert [r.code for r in _revocation_rows(999_999, context)] == ["revoked"]
    assert [r.code for r in _revocation_rows(500_000, context)] == ["not_revoked"]
    assert [r.code for r in _revocation_rows(size, context)] == ["status_index_out_of_range"]
