"""Signed lists are verified before their content is read: a list nobody the verifier
trusts signed costs a parse and a signature check, never a schema check of its content
(which took 10 s for an unsigned 8 MiB revocation list)."""

from __future__ import annotations

from typing import Any

import pytest
from signing_world import AT, SIGNED_AT, world

import cfl.trust.revocation as revocation
import cfl.trust.trust_list as trust_list
from cfl.errors import InputError
from cfl.signing.jws import TYP_REVOCATIONS, TYP_TRUST_LIST, bundle_to_bytes, sign_content
from cfl.trust.context import build_trust_context


@pytest.fixture
def no_schema(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Fail if any content is schema-checked from here on; returns the verifier's key lookup
    (the test world and its trust, made before)."""
    key_for = world().context().certifier_key_for

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the content was schema-checked before the signature")

    monkeypatch.setattr(trust_list, "validate_content", refuse)
    monkeypatch.setattr(revocation, "validate_content", refuse)
    return key_for


def test_a_trust_list_not_signed_by_the_anchor_is_never_schema_checked(no_schema: Any
                                                                       ) -> None:
    content = dict(world().trust_list_document["trustList"])
    content["entries"] = [{"anything": i} for i in range(1000)]  # would fail the schema
    forged = bundle_to_bytes({"trustList": content, "signatures": [
        sign_content(content, world().stranger, typ=TYP_TRUST_LIST, at=SIGNED_AT)]})
    context = build_trust_context(forged, anchor=world().operator.public_key, at=AT)
    assert context.trust_list is None
    assert [row.code for row in context.rows] == ["trust_list_signature"]


def test_a_revocation_list_not_signed_by_its_issuer_is_never_schema_checked(
        no_schema: Any) -> None:
    content = {"issuer": world().certifier.kid, "version": 2, "issued": "nonsense",
               "entries": [{"anything": i} for i in range(1000)]}
    forged = bundle_to_bytes({"revocationList": content, "signatures": [
        sign_content(content, world().stranger, typ=TYP_REVOCATIONS, at=SIGNED_AT)]})
    with pytest.raises(InputError) as info:
        revocation.verify_revocation_list(forged, key_for=no_schema)
    assert info.value.code == "revocation_list_signature"
