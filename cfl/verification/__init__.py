"""Verification: one :func:`verify` for a signed bundle, a label PDF, a photo of a label's
QR code or a QR text, against an immutable :class:`~cfl.trust.context.TrustContext`."""

from cfl.report.model import CheckRow, Status, VerificationReport
from cfl.verification.policy import STRICT_POLICY, VerificationPolicy
from cfl.verification.verify import input_kind, verify

__all__ = [
    "STRICT_POLICY",
    "CheckRow",
    "Status",
    "VerificationPolicy",
    "VerificationReport",
    "input_kind",
    "verify",
]
