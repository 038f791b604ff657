"""One way to verify: :func:`verify` takes the bytes a user has (a signed bundle, a label
PDF, a photo of a label's QR code, or the QR text) and returns the report.

What the bytes are is decided from their first bytes (:mod:`cfl.io.sniff`) and, for text,
from the claim's text form, never from a file name. Verifying a bundle or a QR text imports
nothing of the PDF and image stack: :mod:`cfl.verification.label_check` is imported on the
first label or photo only (it costs about 300 ms).
"""

from __future__ import annotations

import datetime as dt
import re

from cfl.errors import InputError
from cfl.io.sniff import is_image, is_pdf
from cfl.report.model import VerificationReport
from cfl.trust.context import TrustContext
from cfl.verification.bundle_check import verify_bundle
from cfl.verification.claim_check import verify_claim
from cfl.verification.policy import STRICT_POLICY, VerificationPolicy

#: A QR text: an uppercase resolver URL ending in "/" and the claim number (checked in full
#: by the claim decoder; this only tells a QR text from a JSON bundle).
_CLAIM_TEXT = re.compile(rb"\s*[A-Za-z][A-Za-z0-9+.-]*://[^\s]*/[0-9]+\s*")
#: Longest input taken for a QR text (longer text is a bundle or nothing).
_MAX_CLAIM_TEXT_BYTES = 2048

INPUT_BUNDLE = "bundle"
INPUT_LABEL = "label PDF"
INPUT_IMAGE = "QR photo"
INPUT_CLAIM_TEXT = "QR text"


def input_kind(data: bytes) -> str:
    """What :func:`verify` takes ``data`` for: :data:`INPUT_LABEL`, :data:`INPUT_IMAGE`,
    :data:`INPUT_CLAIM_TEXT` or (anything else) :data:`INPUT_BUNDLE`."""
    if is_pdf(data):
        return INPUT_LABEL
    if is_image(data):
        return INPUT_IMAGE
    if len(data) <= _MAX_CLAIM_TEXT_BYTES and _CLAIM_TEXT.fullmatch(data):
        return INPUT_CLAIM_TEXT
    return INPUT_BUNDLE


def verify(data: bytes | str, trust: TrustContext, *, at: dt.datetime | None = None,
           source: str = "<input>", policy: VerificationPolicy = STRICT_POLICY,
           proof: bytes | None = None) -> VerificationReport:
    """Verify ``data`` (the bytes of a signed bundle, a label PDF, a PNG/JPEG photo of a
    label's QR code or a QR text; or a QR text as ``str``) against ``trust`` at the time the
    context was built for.

    ``at``, if given, must be ``trust.at``: the trust list's freshness and the signers'
    validity are then judged at one and the same time. ``proof``: a bundle's proof of
    disclosure that travels beside it (a label PDF carries its own). Never raises for bad
    input: every
    problem is a row of the report.
    """
    if at is not None and at != trust.at:
        raise InputError("the verification time differs from the time the trust context was "
                         "built for; build the context for the same time",
                         code="verification_time_mismatch")
    when = trust.at
    if isinstance(data, str):
        return verify_claim(data, trust, at=when, source=source)
    kind = input_kind(data)
    if kind == INPUT_CLAIM_TEXT:
        text = data.decode("utf-8", errors="replace").strip()
        return verify_claim(text, trust, at=when, source=source)
    if kind == INPUT_BUNDLE:
        return verify_bundle(data, trust, at=when, source=source, policy=policy, proof=proof)
    # Imported here, on the first label or photo only: the PDF and image stack costs about
    # 300 ms, which verifying a bundle or a QR text never pays (tests/verification checks it).
    from cfl.verification import label_check

    if kind == INPUT_LABEL:
        report: VerificationReport = label_check.verify_label(data, trust, at=when,
                                                              source=source, policy=policy)
        return report
    image_report: VerificationReport = label_check.verify_qr_image(data, trust, at=when,
                                                                  source=source)
    return image_report
