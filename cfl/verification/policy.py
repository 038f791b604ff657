"""What a verifier chooses to check beyond the fixed rules."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class VerificationPolicy:
    """What a verifier chooses to check beyond the fixed rules (ADR 0061).

    ``ignore_unlisted_cosigners``: a manufacturer's co-signature whose key is not in the
    trust list is reported as ``NOT_CHECKED`` (``cosigner_not_checked``) instead of
    INDETERMINATE (``signer_unknown``), so it does not hold back the bottom line. Off by
    default: PASSED then means every signature in the bundle was checked. Either way a
    bundle needs a certifier signature that passes every check, and a listed
    manufacturer's signature is always checked (a bad one FAILS).
    """

    ignore_unlisted_cosigners: bool = False
    #: A declaration must carry a proof of disclosure in a log the trust list names: without
    #: one its disclosure row FAILS (``--require-disclosure``; a trust list can require it
    #: for its logs too). Off by default: a missing proof is NOT_CHECKED.
    require_disclosure: bool = False
    #: Whether to look at disclosure at all: off for a register judging a bundle that is
    #: being disclosed (it has no proof yet).
    check_disclosure: bool = True
    #: Every label page's drawing must be compared with the one cfl draws again from the
    #: signed bundle (``--require-drawing``): a page that could not be (no render record,
    #: another cfl version, template or font) adds an INDETERMINATE
    #: ``label_drawing_required`` row. Off by default: such a page's drawing row is
    #: NOT_CHECKED, and only its printed text is compared with what was signed.
    require_drawing: bool = False


#: The default policy: every signature must be checked.
STRICT_POLICY = VerificationPolicy()
