"""The rows about one signer: signature valid, signer trusted in its role, valid at signing
time and now, in scope, and (for a certifier) the declaration not revoked.

Bundle, claim and label verification all check signers here, against an immutable
:class:`~cfl.trust.context.TrustContext`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from cfl.report.model import CheckRow, Status
from cfl.signing.keys import PublicKey
from cfl.timeutil import CLOCK_SKEW, describe_age, format_time
from cfl.trust.context import TrustContext
from cfl.trust.trust_list import TrustEntry


def signer_rows(
    trust: TrustContext, *, kid: str, verify: Callable[[PublicKey], bool],
    product_category: str | None, rule_set: str | None, signed_at: dt.datetime,
    at: dt.datetime, declaration_id: str, alg: str | None = None, subject: str | None = None,
    role: str = "certifier",
) -> list[CheckRow]:
    """Rows for one signature in ``role``: signature valid, signer trusted in that role,
    valid at signing time and at ``at``, in scope, and (for a certifier) the declaration
    not revoked.

    ``kid`` is only a hint to find the key: ``verify(key)`` decides. A signature that
    verifies under another trusted key than the one its kid names is FAILED
    (``kid_mismatch``). ``alg``, if given, must match the key type. The entry must list
    ``role`` (else ``signer_wrong_role``): a key listed as a manufacturer never passes as a
    certifier, and the other way round (ADR 0060).
    """
    def row(check: str, status: Status, code: str, message: str) -> CheckRow:
        return CheckRow(check, status, code, message, subject=subject)

    if trust.trust_list is None:
        return [row("signer-trusted", Status.INDETERMINATE, "trust_list_unavailable",
                    "no trust list was accepted, so the signer cannot be checked")]
    entry = trust.find(kid)
    if entry is None:
        if _verifies_under_other_key(trust, kid, verify, alg):
            return [row("signature", Status.FAILED, "kid_mismatch",
                        f"the signature names key {kid} but was made with another listed key")]
        return [row("signer-trusted", Status.FAILED, "signer_untrusted",
                    f"the signing key {kid} is not in the trust list of "
                    f"{trust.trust_list.operator}")]
    if alg is not None and alg != entry.public_key.alg:
        return [row("signature", Status.FAILED, "alg_key_mismatch",
                    f"the signature says {alg} but {entry.name}'s key is an "
                    f"{entry.public_key.alg} key")]
    if not verify(entry.public_key):
        if _verifies_under_other_key(trust, kid, verify, alg):
            return [row("signature", Status.FAILED, "kid_mismatch",
                        f"the signature names {entry.name}'s key {kid} but was made with "
                        "another listed key")]
        return [row("signature", Status.FAILED, "signature_invalid",
                    "the signature does not verify")]
    who = f"{entry.name} ({entry.accreditation})"
    rows = [row("signature", Status.PASSED, "signature_valid",
                f"the signature verifies with the key of {entry.name} ({kid})")]
    if not entry.has_role(role):
        rows.append(row("signer-trusted", Status.FAILED, "signer_wrong_role",
                        f"{who} is listed in the trust list of {trust.trust_list.operator} as "
                        f"{entry.roles_text} only, so its signature cannot count as a {role}'s"))
    elif entry.status == "active":
        rows.append(row("signer-trusted", Status.PASSED, "signer_trusted",
                        f"{who} is an active {role} entry of the trust list of "
                        f"{trust.trust_list.operator}"))
    else:
        rows.append(row("signer-trusted", Status.FAILED, f"signer_{entry.status}",
                        f"{who} is {entry.status} in the trust list"))
    rows.append(_window_row(entry, signed_at, at, at_signing=True, row=row))
    rows.append(_window_row(entry, at, at, at_signing=False, row=row))
    rows.append(_scope_row(entry, product_category, rule_set, row=row))
    if role == "certifier":  # revocation lists are a certifier's (a manufacturer has none)
        rows.append(revocation_row(trust, kid=kid, declaration_id=declaration_id, at=at,
                                   subject=subject))
    return rows


_RowMaker = Callable[[str, Status, str, str], CheckRow]


def _verifies_under_other_key(
    trust: TrustContext, kid: str, verify: Callable[[PublicKey], bool], alg: str | None
) -> bool:
    assert trust.trust_list is not None
    return any(
        other.kid != kid and (alg is None or other.public_key.alg == alg)
        and verify(other.public_key)
        for other in trust.trust_list.entries
    )


def _window_row(
    entry: TrustEntry, when: dt.datetime, at: dt.datetime, *, at_signing: bool, row: _RowMaker
) -> CheckRow:
    check = "signer-valid-at-signing" if at_signing else "signer-valid-at-time"
    suffix = "_at_signing" if at_signing else ""
    what = "signing time" if at_signing else "verification time"
    window = entry.window_text
    when_text = format_time(when)
    if at_signing and when > at + CLOCK_SKEW:
        return row(check, Status.FAILED, "signed_in_future",
                   f"the signing time {when_text} is after the verification time "
                   f"{format_time(at)}")
    if when < entry.valid_from:
        return row(check, Status.FAILED, f"signer_not_yet_valid{suffix}",
                   f"the {what} {when_text} is before the signer's validity ({window})")
    if when > entry.valid_until:
        return row(check, Status.FAILED, f"signer_expired{suffix}",
                   f"the {what} {when_text} is after the signer's validity ({window})")
    return row(check, Status.PASSED, f"signer_valid{suffix}",
               f"the {what} {when_text} is within the signer's validity ({window})")


def _scope_row(
    entry: TrustEntry, category: str | None, rule_set: str | None, *, row: _RowMaker
) -> CheckRow:
    if category is None:
        return row("signer-scope", Status.INDETERMINATE, "scope_unknown",
                   "the declaration names no product category, so the signer's scope cannot "
                   "be checked")
    if category not in entry.scope_categories:
        return row("signer-scope", Status.FAILED, "scope_category",
                   f"{entry.name} is not accredited for {category!r} (scope: "
                   f"{', '.join(entry.scope_categories)})")
    if entry.scope_rule_sets:
        if rule_set is None:
            return row("signer-scope", Status.INDETERMINATE, "scope_unknown",
                       "the declaration names no rule set, but the signer's scope is "
                       "restricted to rule sets")
        if rule_set not in entry.scope_rule_sets:
            return row("signer-scope", Status.FAILED, "scope_rule_set",
                       f"{entry.name} is not accredited for rule set {rule_set!r} (rule sets: "
                       f"{', '.join(entry.scope_rule_sets)})")
    covered = category + (f" under {rule_set}" if rule_set and entry.scope_rule_sets else "")
    return row("signer-scope", Status.PASSED, "scope_covered",
               f"{entry.name}'s accreditation covers {covered}")


def revocation_row(
    trust: TrustContext, *, kid: str, declaration_id: str, at: dt.datetime,
    subject: str | None = None,
) -> CheckRow:
    """Whether ``declaration_id`` is revoked by certifier ``kid``, with the list's age."""
    revocation_list = trust.revocations_for(kid)
    if revocation_list is None:
        return CheckRow("revocation", Status.INDETERMINATE, "revocation_unavailable",
                        "no revocation list from this certifier was given or is stored, so "
                        "revocation cannot be checked", subject=subject)
    age = (f"revocation list version {revocation_list.version}, issued "
           f"{format_time(revocation_list.issued)}, "
           f"{describe_age(revocation_list.issued, at)} old")
    hit = revocation_list.find(declaration_id)
    if hit is not None and hit.revoked_at <= at:
        return CheckRow("revocation", Status.FAILED, "revoked",
                        f"declaration {declaration_id} was revoked {format_time(hit.revoked_at)}:"
                        f" {hit.reason} ({age})", subject=subject)
    return CheckRow("revocation", Status.PASSED, "not_revoked",
                    f"declaration {declaration_id} is not revoked ({age})", subject=subject)
