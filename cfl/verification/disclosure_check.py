"""The disclosure row: is the declaration in a transparency log the scheme trusts?

A proof of disclosure (a C2SP tlog-proof, docs/transparency-log.md §6) travels beside a
bundle file or inside a label PDF (ADR 0103). It is checked offline against the logs the
trust list names (:mod:`cfl.trust.logs`): the checkpoint must be signed by the log's key
under its origin and carry the witness cosignatures the list requires (dated inside the
log's window), the entry must be in the checkpoint's tree at its index, and the entry must be
this declaration's: its digest, its id and its certifier's kid. One row says which:

* ``disclosed`` (PASSED): in LOG as entry N (checkpoint size S, accepted at T);
* ``disclosure_*`` (FAILED): a proof that does not verify, or is about another declaration;
* ``disclosure_missing`` (NOT_CHECKED): no proof where the scheme names a log;
  ``disclosure_required`` (FAILED) when the scheme or the verifier's policy requires one;
* ``disclosure_log_unknown`` (NOT_CHECKED): a proof from a log the trust list does not name.

Without a proof and without a log in the trust list (and no policy requiring one) there is
no row: the scheme has no disclosure to check.
"""

from __future__ import annotations

import datetime as dt

from cfl.bundle.model import Bundle
from cfl.errors import CflError
from cfl.log.checkpoint import parse_checkpoint_text
from cfl.log.entries import BundleEntry, decode_entry
from cfl.log.errors import LogFormatError, LogVerificationError
from cfl.log.note import parse_note
from cfl.log.proof import VerifiedLogProof, parse_log_proof, verify_log_proof
from cfl.report.model import CheckRow
from cfl.report.reasons import row
from cfl.trust.context import TrustContext
from cfl.trust.logs import TransparencyLog
from cfl.trust.revocation import declaration_key
from cfl.verification.policy import STRICT_POLICY, VerificationPolicy

CHECK = "disclosure"


def _proof_origin(proof: bytes) -> str | None:
    """The origin a proof's checkpoint names (unverified: only to find the log)."""
    try:
        return parse_checkpoint_text(parse_note(parse_log_proof(proof).checkpoint).text).origin
    except CflError:
        return None


def disclosure_rows(bundle: Bundle, proof: bytes | None, trust: TrustContext, *,
                    at: dt.datetime, policy: VerificationPolicy = STRICT_POLICY,
                    subject: str | None = None) -> list[CheckRow]:
    """The disclosure row of ``bundle`` (none when there is nothing to check: see the
    module)."""
    if not policy.check_disclosure:
        return []
    logs = trust.trust_list.transparency_logs if trust.trust_list is not None else ()
    required = policy.require_disclosure or any(log.required for log in logs)
    names = ", ".join(log.origin for log in logs) or "a transparency log"
    if proof is None:
        if required:
            return [row("disclosure_required", log=names, subject=subject)]
        if logs:
            return [row("disclosure_missing", log=names, subject=subject)]
        return []
    origin = _proof_origin(proof)
    log = next((log for log in logs if log.origin == origin), None)
    if log is None:
        if origin is None:
            return [row("disclosure_proof_malformed", subject=subject)]
        if required:
            return [row("disclosure_required", log=names, subject=subject)]
        return [row("disclosure_log_unknown", log=origin, subject=subject)]
    return [_checked(bundle, proof, log, at=at, subject=subject)]


def _checked(bundle: Bundle, proof: bytes, log: TransparencyLog, *, at: dt.datetime,
             subject: str | None) -> CheckRow:
    try:
        verified = verify_log_proof(proof, origin=log.origin, log_keys=log.log_keys, at=at,
                                    witnesses=log.witnesses if log.witnesses.quorum else None)
    except LogFormatError:
        return row("disclosure_proof_malformed", subject=subject)
    except LogVerificationError as exc:
        if exc.code == "cosignature_quorum":
            return row("disclosure_quorum", log=log.origin, quorum=log.witnesses.quorum,
                       subject=subject)
        if exc.code == "inclusion_proof_invalid":
            return row("disclosure_inclusion_invalid", log=log.origin, subject=subject)
        return row("disclosure_signature_invalid", log=log.origin, subject=subject)
    when = _checkpoint_time(verified, at)
    if not log.valid_at(when):
        return row("disclosure_log_not_valid", log=log.origin, time=when,
                   window=log.window_text, subject=subject)
    try:
        entry = decode_entry(verified.entry)
    except LogFormatError:
        return row("disclosure_proof_malformed", subject=subject)
    certifiers = {signature.kid for signature in bundle.signatures
                  if signature.role == "certifier"}
    declared = declaration_key(str(bundle.declaration.get("id", "")))
    if not isinstance(entry, BundleEntry) or entry.declaration_digest != bundle.digest or \
            str(entry.declaration_id) != declared or entry.signer_kid not in certifiers:
        return row("disclosure_entry_mismatch", log=log.origin, index=verified.index,
                   subject=subject)
    return row("disclosed", log=log.origin, index=verified.index,
               size=verified.checkpoint.checkpoint.size, time=entry.accepted_at,
               subject=subject)


def _checkpoint_time(verified: VerifiedLogProof, at: dt.datetime) -> dt.datetime:
    """When the checkpoint is known to have existed: its latest counted cosignature, or (no
    witnesses required) the verification time."""
    if verified.cosignatures:
        return max(cosignature.time for cosignature in verified.cosignatures)
    return at
