"""The QR claim a certifier issued when signing a bundle (carried in its signature's
unprotected ``cfl.claim`` header, ADR 0025), taken out and checked before it is printed."""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from cfl.bundle.model import Bundle
from cfl.claim.decode import decode_claim
from cfl.claim.issue import claim_differences
from cfl.claim.model import CLAIM_FORMAT_2, SignedClaim, binding_digest
from cfl.errors import InputError
from cfl.signing.b64url import b64url_decode


def claim_in_bundle(bundle: Bundle, *, source: str = "<bundle>") -> SignedClaim:
    """The compact claim a certifier issued when signing ``bundle`` (its ``cfl.claim``
    unprotected header, ADR 0025), checked against the bundle before it goes on a label.

    The claim must decode strictly, name the signature's key (kid hint) and algorithm, be
    bound to this declaration (digest) and agree with it. Its signature can only be checked
    against a trust list, which is what verifying the label does; nothing here trusts it.
    """
    problems: list[str] = []
    for index, entry in enumerate(bundle.signatures):
        encoded = entry.claim
        if encoded is None or entry.role != "certifier":
            continue
        where = f"$.signatures[{index}].header.cfl.claim"
        try:
            signed = decode_claim(b64url_decode(encoded, what="'cfl.claim'"),
                                  source=f"{source} {where}")
        except InputError as exc:
            problems.append(f"{where}: {exc.message}")
            continue
        if not signed.claim.names_issuer(entry.kid) or signed.alg != entry.key_alg:
            problems.append(f"{where}: the claim names another key than its signature")
            continue
        problem = claim_binding(signed, bundle).problem
        if problem is not None:
            problems.append(f"{where}: {problem}")
            continue
        return signed
    if problems:
        raise InputError(f"carries no usable QR claim ({'; '.join(problems)}); ask the "
                         "certifier to sign it again (cfl sign --role certifier)",
                         source=source, code="bad_bundle_claim")
    raise InputError("carries no QR claim: it was signed without one (by an older cfl, or "
                     "for a declaration without the cfl extension). Ask the certifier to "
                     "sign it again with cfl sign --role certifier, or, as the certifier, "
                     "pass --key", source=source, code="no_bundle_claim")


@dataclass(frozen=True)
class ClaimBinding:
    """How a claim relates to a bundle: ``bound`` (format 1: the claim's digest is the
    declaration's; format 2: its binding is that of the declaration and the issuer's
    certifier signature), the fields in which they differ, or why the declaration cannot be
    compared at all."""

    bound: bool
    differences: tuple[str, ...] = ()
    incomparable: str | None = None

    @property
    def problem(self) -> str | None:
        """Why the claim does not belong to the bundle, or None when it is bound and agrees."""
        if not self.bound:
            return ("the claim's SHA-256 (or binding) does not match the bundle's declaration "
                    "and certifier signature: the claim belongs to another declaration, or "
                    "the bundle was altered")
        if self.incomparable is not None:
            return f"the bundle's declaration cannot be compared: {self.incomparable}"
        if self.differences:
            return f"the claim and the declaration differ in {', '.join(self.differences)}"
        return None


def claim_binding(signed: SignedClaim, bundle: Bundle, *, issuer_kid: str | None = None,
                  entry: int | None = None) -> ClaimBinding:
    """Compare ``signed`` with ``bundle``: the digest (format 1) or the binding (format 2)
    first, then every agreeing field.

    A format-2 claim is bound when its binding is that of the bundle's declaration and the
    signature bytes of one of the bundle's certifier signatures: the one by ``issuer_kid``
    (the key the claim's signature verified under, when the caller knows it), else any
    whose kid starts with the claim's kid hint; ``entry`` restricts it to one signature
    entry (the one that carries the claim)."""
    if not _bound(signed, bundle, issuer_kid, entry):
        return ClaimBinding(bound=False)
    try:
        return ClaimBinding(True, tuple(claim_differences(signed.claim, bundle.declaration)))
    except InputError as exc:
        return ClaimBinding(True, incomparable=str(exc))


def _bound(signed: SignedClaim, bundle: Bundle, issuer_kid: str | None,
           entry: int | None) -> bool:
    claim = signed.claim
    if claim.version != CLAIM_FORMAT_2:
        return claim.digest == bundle.digest
    for index, candidate in enumerate(bundle.signatures):
        if entry is not None and index != entry:
            continue
        if candidate.role != "certifier":
            continue
        if (candidate.kid != issuer_kid) if issuer_kid is not None \
                else not claim.names_issuer(candidate.kid):
            continue
        if hmac.compare_digest(binding_digest(bundle.digest, candidate.signature),
                               claim.digest):
            return True
    return False
