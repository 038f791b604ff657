"""A tampered input costs a bounded number of signature verifications whatever the size of
the trust list; the kid-hint index finds the same entries a linear search would."""

from __future__ import annotations

import dataclasses

import pytest
from signing_world import AT, DECLARATION_ID, SIGNED_AT, world

from cfl.bundle.claim import claim_in_bundle
from cfl.bundle.model import parse_bundle
from cfl.claim.model import SignedClaim
from cfl.report.model import Status
from cfl.signing.b64url import b64url_decode
from cfl.signing.keys import LocalSigner, PublicKey
from cfl.trust.context import TrustContext
from cfl.trust.trust_list import TrustEntry
from cfl.verification.claim_check import verify_claim
from cfl.verification.signer import MAX_OTHER_KEYS, signer_rows


def _large_context(extra: int) -> tuple[TrustContext, TrustEntry]:
    """The world's context with ``extra`` more Ed25519 certifiers listed."""
    context = world().context()
    assert context.trust_list is not None
    template = context.trust_list.entries[0]
    more = []
    for _ in range(extra):
        key = LocalSigner.generate().public_key
        more.append(dataclasses.replace(template, kid=key.kid, public_key=key))
    trust_list = dataclasses.replace(context.trust_list,
                                     entries=context.trust_list.entries + tuple(more))
    return dataclasses.replace(context, trust_list=trust_list), template


def _count_rows(context: TrustContext, kid: str, signer: LocalSigner) -> tuple[str, int]:
    data = b"claim bytes"
    signature = signer.sign(data)
    calls = []

    def verify(key: PublicKey) -> bool:
        calls.append(key.kid)
        return key.verify(signature, data)

    rows = signer_rows(context, kid=kid, verify=verify, product_category="lithium-ion-battery",
                       rule_set="gbt-24067-2024", signed_at=SIGNED_AT, at=AT,
                       declaration_id=DECLARATION_ID)
    return rows[0].code, len(calls)


def test_a_forged_kid_costs_a_bounded_number_of_verifications_in_a_large_list() -> None:
    w = world()
    context, _ = _large_context(200)
    code, calls = _count_rows(context, w.certifier.kid, w.stranger)
    assert code == "signature_invalid"
    assert calls <= MAX_OTHER_KEYS + 1
    code, calls = _count_rows(context, w.stranger.kid, w.stranger)
    assert code == "signer_untrusted"
    assert calls <= MAX_OTHER_KEYS


def test_a_large_list_no_longer_names_the_other_key_but_still_fails() -> None:
    # In a small list every other key is tried (kid_mismatch); in a large one only keys
    # sharing the kid's first bytes are, so the same forgery is signature_invalid: FAILED
    # either way, and the cost no longer grows with the list.
    w = world()
    small = w.context()
    assert _count_rows(small, w.certifier.kid, w.other_certifier)[0] == "kid_mismatch"
    large, _ = _large_context(200)
    code, calls = _count_rows(large, w.certifier.kid, w.other_certifier)
    assert code == "signature_invalid" and calls == 1


def test_the_hint_index_agrees_with_a_linear_search() -> None:
    context, template = _large_context(50)
    trust_list = context.trust_list
    assert trust_list is not None
    for length in (1, 4, 8):
        for entry in trust_list.entries[:10]:
            hint = b64url_decode(entry.kid, what="kid")[:length]
            linear = tuple(e for e in trust_list.entries
                           if b64url_decode(e.kid, what="kid")[:length] == hint)
            assert trust_list.with_hint(hint) == linear
    assert trust_list.with_hint(b"") == ()
    assert trust_list.with_hint(b"\x00" * 8 + b"x") == ()
    assert template in trust_list.with_hint(b64url_decode(template.kid, what="kid"))


def test_a_claim_in_a_large_list_is_found_by_its_hint_and_verified_once() -> None:
    w = world()
    context, _ = _large_context(300)
    signed = claim_in_bundle(parse_bundle(w.bundle_bytes()))
    calls = []
    real = SignedClaim.signature_valid

    def counted(self: SignedClaim, key: PublicKey) -> bool:
        calls.append(key.kid)
        return real(self, key)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(SignedClaim, "signature_valid", counted)
        report = verify_claim(signed.encoded, context, at=AT)
    assert report.bottom_line is Status.PASSED
    assert calls == [w.certifier.kid]
