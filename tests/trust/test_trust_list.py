"""Trust lists: editing, signing, the trust store, the rows about the list, signer_rows."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from signing_world import AT, DECLARATION_ID, SIGNED_AT, world

from cfl.errors import InputError
from cfl.report.model import CheckRow, Status
from cfl.signing.jws import bundle_to_bytes
from cfl.signing.keys import LocalSigner
from cfl.trust.context import load_trust_context
from cfl.trust.store import DirectoryTrustStore, MemoryTrustStore
from cfl.trust.trust_list import (
    Accreditation,
    add_trust_entry,
    new_trust_list,
    read_trust_list_document,
    sign_trust_list,
)
from cfl.verification.signer import signer_rows


def test_an_accepted_list_gives_three_passed_rows_and_its_entries() -> None:
    w = world()
    context = w.context()
    assert context.trust_list is not None
    assert context.trust_list.version == 1
    assert [row.code for row in context.rows] == [
        "trust_list_signed", "trust_list_fresh", "trust_list_first_seen"]
    assert "31 days old" in context.rows[1].message
    entry = context.find(w.certifier.kid)
    assert entry is not None and entry.accreditation == Accreditation("CNAS", "CNAS-C1")
    assert entry.scope_categories == ("lithium-ion-battery",)
    assert context.find(w.stranger.kid) is None


def test_no_list_given_and_none_stored_is_indeterminate() -> None:
    w = world()
    context = load_trust_context(None, anchor=w.operator.public_key, at=AT,
                                 store=MemoryTrustStore())
    assert context.trust_list is None
    assert [(r.status, r.code) for r in context.rows] == [
        (Status.INDETERMINATE, "trust_list_missing")]


def test_the_store_keeps_the_accepted_list_and_serves_it_later(tmp_path: Path) -> None:
    w = world()
    store = DirectoryTrustStore(tmp_path / "store")
    assert w.context(store=store).trust_list is not None
    files = list((tmp_path / "store").iterdir())
    assert {f.name for f in files} == {f"trustlist-{w.operator.kid}.json",
                                       f"revocations-{w.certifier.kid}.json", ".lock"}
    assert all(f.stat().st_mode & 0o077 == 0 for f in files)
    later = load_trust_context(None, anchor=w.operator.public_key, at=AT, store=store)
    assert later.trust_list is not None and later.trust_list.version == 1
    assert later.revocations_for(w.certifier.kid) is not None


def _version_2() -> bytes:
    w = world()
    document = add_trust_entry(w.trust_list_document, w.stranger.public_key, name="C9",
                               accreditation=Accreditation("CNAS", "CNAS-C9"),
                               categories=["steel"], valid_from=SIGNED_AT,
                               valid_until=AT + dt.timedelta(days=30))
    assert document["trustList"]["version"] == 2  # the first edit after a release
    assert document["signatures"] == []
    return bundle_to_bytes(sign_trust_list(document, w.operator, at=SIGNED_AT))


def test_newer_versions_replace_older_ones_and_older_ones_are_refused() -> None:
    w = world()
    store = MemoryTrustStore()
    assert w.context(store=store).trust_list is not None
    v2 = w.context(trust_list=_version_2(), store=store)
    assert v2.trust_list is not None and v2.trust_list.version == 2
    assert v2.rows[2].code == "trust_list_not_rolled_back"
    rolled_back = w.context(store=store)
    assert rolled_back.trust_list is None
    assert rolled_back.rows[2].code == "trust_list_rollback"


def test_same_version_with_different_content_is_refused() -> None:
    w = world()
    store = MemoryTrustStore()
    w.context(trust_list=_version_2(), store=store)
    conflicting = sign_trust_list(w.trust_list_document, w.operator, at=SIGNED_AT, version=2)
    context = w.context(trust_list=bundle_to_bytes(conflicting), store=store)
    assert context.trust_list is None
    assert context.rows[2].code == "trust_list_version_conflict"


def test_a_corrupt_store_is_reported() -> None:
    w = world()
    store = MemoryTrustStore()
    store.write(f"trustlist-{w.operator.kid}.json", b"{")
    context = w.context(store=store)
    assert context.trust_list is None and context.rows[0].code == "trust_store_corrupt"


def test_a_malformed_list_is_a_failed_row_not_an_exception() -> None:
    w = world()
    context = w.context(trust_list=b'{"trustList": {}, "signatures": []}')
    assert context.trust_list is None
    assert context.rows[0].status is Status.FAILED
    assert context.rows[0].code == "trust_list_signature"


def test_editing_checks_the_schema() -> None:
    w = world()
    document = new_trust_list("Op", expires=AT, at=SIGNED_AT)
    with pytest.raises(InputError) as info:
        add_trust_entry(document, w.certifier.public_key, name="", accreditation=Accreditation(
            "CNAS", "1"), categories=["lithium-ion-battery"], valid_from=SIGNED_AT,
            valid_until=AT)
    assert info.value.code == "schema_invalid"
    assert info.value.location == "$.trustList.entries[0].name"
    with pytest.raises(InputError) as info:
        add_trust_entry(document, w.certifier.public_key, name="X", accreditation=Accreditation(
            "CNAS", "1"), categories=["lithium-ion-battery"], valid_from=AT,
            valid_until=SIGNED_AT)
    assert info.value.code == "bad_window"


def test_a_list_cannot_be_signed_already_expired() -> None:
    w = world()
    with pytest.raises(InputError) as info:
        sign_trust_list(w.trust_list_document, w.operator, at=dt.datetime(2027, 6, 1,
                                                                          tzinfo=dt.UTC))
    assert info.value.code == "already_expired"


def test_a_listed_kid_must_match_its_key() -> None:
    w = world()
    document = dict(w.trust_list_document)
    content = dict(document["trustList"])
    entries = [dict(e) for e in content["entries"]]
    entries[0]["kid"] = w.stranger.kid
    content["entries"] = entries
    data = bundle_to_bytes({"trustList": content, "signatures": []})
    with pytest.raises(InputError) as info:
        read_trust_list_document(data, source="list.json")
    assert info.value.code == "bad_kid"


# ----------------------------------------------------------------- signer_rows (claim reuse)


def _rows(signer: LocalSigner, *, kid: str | None = None, category: str = "lithium-ion-battery",
          rule_set: str | None = "gbt-24067-2024", at: dt.datetime = AT) -> list[CheckRow]:
    data = b"claim bytes"
    signature = signer.sign(data)
    return signer_rows(world().context(at=at), kid=kid or signer.kid,
                       verify=lambda key: key.verify(signature, data),
                       product_category=category, rule_set=rule_set, signed_at=SIGNED_AT,
                       at=at, declaration_id=DECLARATION_ID)


def test_signer_rows_for_a_good_signer() -> None:
    rows = _rows(world().certifier)
    assert [(r.check, r.status) for r in rows] == [
        ("signature", Status.PASSED), ("signer-trusted", Status.PASSED),
        ("signer-valid-at-signing", Status.PASSED), ("signer-valid-at-time", Status.PASSED),
        ("signer-scope", Status.PASSED), ("revocation", Status.PASSED)]


def test_signer_rows_without_a_revocation_list_are_indeterminate() -> None:
    rows = _rows(world().certifier_es256)
    assert rows[-1].status is Status.INDETERMINATE
    assert rows[-1].code == "revocation_unavailable"


def test_signer_rows_kid_is_only_a_hint() -> None:
    w = world()
    assert _rows(w.other_certifier, kid=w.certifier.kid)[0].code == "kid_mismatch"
    assert _rows(w.stranger, kid=w.certifier.kid)[0].code == "signature_invalid"
    assert _rows(w.stranger)[0].code == "signer_untrusted"


def test_signer_rows_scope() -> None:
    w = world()
    assert _rows(w.certifier, category="cement")[4].code == "scope_category"
    assert _rows(w.certifier_es256, rule_set="iso-14067-2018")[4].code == "scope_rule_set"
    assert _rows(w.certifier_es256, rule_set=None)[4].code == "scope_unknown"
    assert _rows(w.certifier, rule_set=None)[4].code == "scope_covered"  # C1 is unrestricted


def test_signer_rows_for_a_suspended_signer() -> None:
    w = world()
    document = add_trust_entry(w.trust_list_document, w.certifier.public_key, name="C1",
                               accreditation=Accreditation("CNAS", "CNAS-C1"),
                               categories=["lithium-ion-battery"], status="suspended",
                               valid_from=SIGNED_AT - dt.timedelta(days=9),
                               valid_until=AT + dt.timedelta(days=9))
    data = bundle_to_bytes(sign_trust_list(document, w.operator, at=SIGNED_AT))
    signature = w.certifier.sign(b"x")
    rows = signer_rows(w.context(trust_list=data), kid=w.certifier.kid,
                       verify=lambda key: key.verify(signature, b"x"),
                       product_category="lithium-ion-battery", rule_set=None,
                       signed_at=SIGNED_AT, at=AT, declaration_id="d")
    assert rows[1].status is Status.FAILED and rows[1].code == "signer_suspended"


def test_lookup_by_kid_finds_every_entry_like_a_linear_search() -> None:
    w = world()
    trust_list = w.context().trust_list
    assert trust_list is not None
    for entry in trust_list.entries:
        assert trust_list.find(entry.kid) is next(
            e for e in trust_list.entries if e.kid == entry.kid)
    assert trust_list.find("") is None
    assert trust_list.find(w.stranger.kid) is None


def test_window_text_is_the_formatted_validity_window() -> None:
    from cfl.timeutil import format_time

    entry = world().context().find(world().certifier.kid)
    assert entry is not None
    assert entry.window_text == \
        f"{format_time(entry.valid_from)} to {format_time(entry.valid_until)}"
