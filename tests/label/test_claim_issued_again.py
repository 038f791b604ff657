"""A claim issued again at label time (cfl label --key) keeps the format and status index of
the claim the certifier's signature carries: the index is the ledger's to assign."""

from __future__ import annotations

from signing_world import SIGNED_AT, world

from cfl.bundle.claim import claim_binding, claim_in_bundle
from cfl.bundle.model import parse_bundle
from cfl.bundle.sign import sign_bundle
from cfl.claim.decode import decode_claim_text
from cfl.label.render import make_claim_text
from cfl.signing.jws import bundle_to_bytes


def test_a_format_2_claim_issued_again_keeps_its_index_and_binding() -> None:
    w = world()
    bundle = parse_bundle(bundle_to_bytes(sign_bundle(
        w.declaration(), w.certifier, role="certifier", at=SIGNED_AT, status_index=9)))
    again = decode_claim_text(make_claim_text(bundle, w.certifier, at=SIGNED_AT))
    assert again.claim.version == 2 and again.claim.status_index == 9
    assert again.claim.digest == claim_in_bundle(bundle).claim.digest
    assert claim_binding(again, bundle, issuer_kid=w.certifier.kid).bound


def test_a_format_1_claim_issued_again_stays_format_1() -> None:
    w = world()
    bundle = parse_bundle(w.bundle_bytes())
    again = decode_claim_text(make_claim_text(bundle, w.certifier, at=SIGNED_AT))
    assert again.claim.version == 1 and again.claim.status_index is None
