"""Publishing: only bundles that verify are stored, refusals carry the report's reason codes,
the same bundle twice is one entry; revocation and trust lists replace older ones only."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from register_world import RegisterWorld, now

from cfl.register.publish import (
    PublishRefused,
    publish_bundle,
    publish_revocations,
    publish_trust_list,
)
from cfl.register.storage import ConflictError, SqlStorage
from cfl.register.trust_state import RegisterTrust, TrustNotServable
from cfl.signing.jws import bundle_to_bytes
from cfl.signing.keys import load_public_key


@pytest.fixture()
def trust(storage: SqlStorage, world: RegisterWorld) -> Iterator[RegisterTrust]:
    register_trust = RegisterTrust(storage, anchor=load_public_key(world.anchor), clock=now)
    register_trust.start(world.trust_list.read_bytes(), source="trust-list.json")
    publish_revocations(world.revocations.read_bytes(), storage=storage, trust=register_trust,
                        at=now())
    yield register_trust


def _publish(data: bytes, storage: SqlStorage, trust: RegisterTrust) -> object:
    return publish_bundle(data, storage=storage, trust=trust, at=now())


def test_without_the_certifiers_revocation_list_nothing_is_accepted(
        storage: SqlStorage, world: RegisterWorld) -> None:
    bare = RegisterTrust(storage, anchor=load_public_key(world.anchor), clock=now)
    bare.start(world.trust_list.read_bytes(), source="trust-list.json")
    with pytest.raises(PublishRefused) as caught:
        publish_bundle(world.bundles[0].read_bytes(), storage=storage, trust=bare, at=now())
    assert caught.value.reasons == ("revocation_unavailable",)


def test_a_verified_bundle_is_stored_once(storage: SqlStorage, trust: RegisterTrust,
                                          world: RegisterWorld) -> None:
    data = world.bundles[0].read_bytes()
    first = publish_bundle(data, storage=storage, trust=trust, at=now())
    second = publish_bundle(data, storage=storage, trust=trust, at=now())
    assert first.created and not second.created
    assert first.subject == world.declarations[0]["id"]
    assert storage.count() == 1


def test_a_declaration_with_a_fractional_number_where_pact_allows_one_is_stored(
        storage: SqlStorage, trust: RegisterTrust, world: RegisterWorld) -> None:
    """PACT leaves the pcf object open: a signed declaration may carry ``"comment": 0.5``
    there and verify PASSED. Storing its footprint raised TypeError (a Decimal is not
    JSON), a 500 from ``POST /api/bundles`` (found by the register's fuzz target)."""
    document = json.loads(json.dumps(world.declarations[0]))
    document["id"] = "6a8e2a64-90c3-4f5e-9d0c-1f2e3d4c5b6a"
    document["pcf"]["comment"] = Decimal("0.5")
    outcome = publish_bundle(world.sign(document), storage=storage, trust=trust, at=now())
    assert outcome.created
    stored = storage.declaration_by_id(outcome.subject)
    assert stored is not None
    footprint = json.loads(stored.footprint, parse_float=Decimal)
    assert footprint["pcf"]["comment"] == Decimal("0.5")
    assert footprint["id"] == document["id"]


def _refusal(data: bytes, storage: SqlStorage, trust: RegisterTrust) -> PublishRefused:
    with pytest.raises(PublishRefused) as caught:
        publish_bundle(data, storage=storage, trust=trust, at=now())
    assert storage.count() == 0
    return caught.value


def test_an_untrusted_signer_is_refused(storage: SqlStorage, trust: RegisterTrust,
                                        world: RegisterWorld) -> None:
    document, _ = world.new_bundle(10)
    refusal = _refusal(world.sign(document, world.stranger), storage, trust)
    assert "signer_untrusted" in refusal.reasons
    assert refusal.report is not None and refusal.report.bottom_line.value == "FAILED"


def test_an_out_of_scope_signer_is_refused(storage: SqlStorage, trust: RegisterTrust,
                                           world: RegisterWorld) -> None:
    document, _ = world.new_bundle(11)
    refusal = _refusal(world.sign(document, world.cement_certifier), storage, trust)
    assert "scope_category" in refusal.reasons


def test_a_tampered_bundle_is_refused(storage: SqlStorage, trust: RegisterTrust,
                                      world: RegisterWorld) -> None:
    bundle = json.loads(world.bundles[1].read_bytes())
    bundle["declaration"]["pcf"]["pcfExcludingBiogenicUptake"] = "1.00"
    refusal = _refusal(bundle_to_bytes(bundle), storage, trust)
    assert "signature_invalid" in refusal.reasons


def test_an_expired_declaration_is_refused(storage: SqlStorage, trust: RegisterTrust,
                                           world: RegisterWorld) -> None:
    at = world.at
    document, data = world.new_bundle(
        12, validityPeriodStart=(at - dt.timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        validityPeriodEnd=(at - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"))
    refusal = _refusal(data, storage, trust)
    assert "declaration_expired" in refusal.reasons


def test_a_revoked_declaration_is_refused(storage: SqlStorage, trust: RegisterTrust,
                                          world: RegisterWorld) -> None:
    document, data = world.new_bundle(13)
    outcome = publish_revocations(world.revocation_list(document["id"]), storage=storage,
                                  trust=trust, at=now())
    assert outcome.created
    refusal = _refusal(data, storage, trust)
    assert "revoked" in refusal.reasons


def test_something_else_is_refused_with_a_clear_reason(storage: SqlStorage,
                                                       trust: RegisterTrust) -> None:
    assert _refusal(b"%PDF-1.7 ...", storage, trust).reasons == ("not_a_bundle",)
    assert "malformed" in str(_refusal(b'{"declaration": ', storage, trust).reasons) or \
        _refusal(b'{"declaration": ', storage, trust).reasons


def test_revocation_lists_newer_replace_older_refused(storage: SqlStorage,
                                                      trust: RegisterTrust,
                                                      world: RegisterWorld) -> None:
    newer = world.revocation_list(world.declarations[0]["id"])
    assert publish_revocations(newer, storage=storage, trust=trust, at=now()).created
    assert not publish_revocations(newer, storage=storage, trust=trust, at=now()).created
    with pytest.raises(ConflictError) as caught:
        publish_revocations(world.revocations.read_bytes(), storage=storage, trust=trust,
                            at=now())
    assert caught.value.code == "revocation_list_outdated"
    context = trust.context()
    assert context.revocations_for(world.certifier.kid) is not None
    assert context.revocations_for(world.certifier.kid).version == 2  # type: ignore[union-attr]


def test_a_revocation_list_by_a_stranger_is_refused(storage: SqlStorage, trust: RegisterTrust,
                                                    world: RegisterWorld) -> None:
    from cfl.trust.revocation import revoke

    foreign = bundle_to_bytes(revoke(None, world.stranger, declaration_id=None, reason=None,
                                     at=world.at))
    with pytest.raises(PublishRefused) as caught:
        publish_revocations(foreign, storage=storage, trust=trust, at=now())
    assert caught.value.reasons == ("revocation_list_untrusted",)


def test_a_newer_trust_list_is_served_an_older_one_refused(
        storage: SqlStorage, trust: RegisterTrust, world: RegisterWorld) -> None:
    at = world.at
    newer = world.trust_list_expiring(at + dt.timedelta(days=500), at - dt.timedelta(hours=1),
                                      version=5)
    outcome = publish_trust_list(newer, trust=trust)
    assert outcome.created and outcome.details["version"] == 5
    assert trust.trust_list_bytes == newer
    with pytest.raises(PublishRefused) as caught:
        publish_trust_list(world.trust_list.read_bytes(), trust=trust)
    assert "trust_list_rollback" in caught.value.reasons
    # a restart with the old file keeps serving the newer list the register was given
    again = RegisterTrust(storage, anchor=load_public_key(world.anchor), clock=now)
    again.start(world.trust_list.read_bytes(), source="trust-list.json")
    assert again.trust_list_bytes == newer


def test_no_or_an_expired_trust_list_does_not_start(storage: SqlStorage,
                                                    world: RegisterWorld) -> None:
    fresh = RegisterTrust(storage, anchor=load_public_key(world.anchor), clock=now)
    with pytest.raises(TrustNotServable, match="no trust list"):
        fresh.start(None, source="none")
    at = world.at
    expired = world.trust_list_expiring(at - dt.timedelta(days=1),
                                        at - dt.timedelta(days=30), version=1)
    with pytest.raises(TrustNotServable, match="trust_list_expired"):
        fresh.start(expired, source="old.json")


def test_the_resolver_page_may_fetch_from_its_own_origin_only(trust: RegisterTrust,
                                                              tmp_path: Path) -> None:
    page = trust.page()
    assert "connect-src 'self'" in page.csp
    html = page.html.decode()
    assert "connect-src 'self'" in html
    assert '"register":{"bundles":"/api/bundles/","proofs":"/api/proofs/"}' in html
    assert trust.page() is page  # cached until the trust data changes
