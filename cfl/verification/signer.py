"""The rows about one signer: signature valid, signer trusted in its role, valid at signing
time and now, in scope, and (for a certifier) the declaration not revoked.

Bundle, claim and label verification all check signers here, against an immutable
:class:`~cfl.trust.context.TrustContext`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Protocol

from cfl.errors import InputError
from cfl.report.model import CheckRow
from cfl.report.reasons import Age, ArgValue, Terms, row_with
from cfl.report.reasons import row as reason_row
from cfl.signing.b64url import b64url_decode
from cfl.signing.keys import PublicKey
from cfl.timeutil import CLOCK_SKEW
from cfl.trust.context import TrustContext
from cfl.trust.trust_list import TrustEntry


def signer_rows(
    trust: TrustContext, *, kid: str, verify: Callable[[PublicKey], bool],
    product_category: str | None, rule_set: str | None, signed_at: dt.datetime,
    at: dt.datetime, declaration_id: str | None, alg: str | None = None,
    subject: str | None = None, role: str = "certifier", status_index: int | None = None,
) -> list[CheckRow]:
    """Rows for one signature in ``role``: signature valid, signer trusted in that role,
    valid at signing time and at ``at``, in scope, and (for a certifier) the declaration
    not revoked.

    ``kid`` is only a hint to find the key: ``verify(key)`` decides. A signature that
    does not verify under the key its kid names is FAILED: ``kid_mismatch`` if a bounded
    search finds another listed key that made it, else ``signature_invalid``. ``alg``, if
    given, must match the key type. The entry must list ``role`` (else
    ``signer_wrong_role``): a key listed as a manufacturer never passes as a certifier, and
    the other way round (ADR 0060). A certifier's declaration is checked for revocation by
    its id (``declaration_id``, if known) in the certifier's revocation list and by its
    ``status_index`` (format 2, if known) in the certifier's status list (ADR 0143).
    """
    def row(code: str, form: str = "", /, **args: ArgValue) -> CheckRow:
        return row_with(code, args, form=form, subject=subject)

    if trust.trust_list is None:
        return [row("trust_list_unavailable")]
    operator = trust.trust_list.operator
    entry = trust.find(kid)
    if entry is None:
        if _verifies_under_other_key(trust, kid, verify, alg):
            return [row("kid_mismatch", "unlisted", kid=kid)]
        return [row("signer_untrusted", kid=kid, operator=operator)]
    if alg is not None and alg != entry.public_key.alg:
        return [row("alg_key_mismatch", alg=alg, signer=entry.name,
                    key_alg=entry.public_key.alg)]
    if not verify(entry.public_key):
        if _verifies_under_other_key(trust, kid, verify, alg):
            return [row("kid_mismatch", signer=entry.name, kid=kid)]
        return [row("signature_invalid")]
    accreditation = str(entry.accreditation)
    rows = [row("signature_valid", signer=entry.name, kid=kid)]
    if not entry.has_role(role):
        rows.append(row("signer_wrong_role", signer=entry.name, accreditation=accreditation,
                        operator=operator, roles=Terms(entry.roles), role=Terms((role,))))
    elif entry.status == "active":
        rows.append(row("signer_trusted", signer=entry.name, accreditation=accreditation,
                        role=Terms((role,)), operator=operator))
    else:
        rows.append(row(f"signer_{entry.status}", signer=entry.name,
                        accreditation=accreditation))
    rows.append(_window_row(entry, signed_at, at, at_signing=True, row=row))
    rows.append(_window_row(entry, at, at, at_signing=False, row=row))
    rows.append(_scope_row(entry, product_category, rule_set, row=row))
    if role == "certifier":  # revocation lists are a certifier's (a manufacturer has none)
        if declaration_id or status_index is None:
            rows.append(revocation_row(trust, kid=kid, declaration_id=declaration_id or "",
                                       at=at, subject=subject))
        if status_index is not None:
            rows.append(status_row(trust, kid=kid, index=status_index, at=at,
                                   subject=subject))
    return rows


class _RowMaker(Protocol):
    def __call__(self, code: str, form: str = "", /, **args: ArgValue) -> CheckRow: ...


#: A trust list this small is searched whole for the key that did make a signature whose
#: kid names another (the ``kid_mismatch`` diagnostic): at most this many extra
#: verifications. A larger list is searched only among the entries sharing the kid's first
#: :data:`HINT_BYTES` bytes, at most :data:`MAX_OTHER_KEYS` of them (ADR 0141).
MAX_OTHER_KEYS = 8
HINT_BYTES = 8


def _verifies_under_other_key(
    trust: TrustContext, kid: str, verify: Callable[[PublicKey], bool], alg: str | None
) -> bool:
    """True if a listed key other than ``kid``'s verifies the signature: a bounded search,
    so a tampered input never costs more than ``MAX_OTHER_KEYS`` extra verifications."""
    trust_list = trust.trust_list
    assert trust_list is not None
    if len(trust_list.entries) <= MAX_OTHER_KEYS + 1:
        others: Sequence[TrustEntry] = trust_list.entries
    else:
        try:
            hint = b64url_decode(kid, what="kid")[:HINT_BYTES]
        except InputError:
            return False
        others = trust_list.with_hint(hint) if len(hint) == HINT_BYTES else ()
    tried = 0
    for other in others:
        if other.kid == kid or (alg is not None and other.public_key.alg != alg):
            continue
        if tried == MAX_OTHER_KEYS:
            return False
        tried += 1
        if verify(other.public_key):
            return True
    return False


def _window_row(
    entry: TrustEntry, when: dt.datetime, at: dt.datetime, *, at_signing: bool, row: _RowMaker
) -> CheckRow:
    suffix = "_at_signing" if at_signing else ""
    if at_signing and when > at + CLOCK_SKEW:
        return row("signed_in_future", when=when, at=at)
    if when < entry.valid_from:
        code = f"signer_not_yet_valid{suffix}"
    elif when > entry.valid_until:
        code = f"signer_expired{suffix}"
    else:
        code = f"signer_valid{suffix}"
    return row(code, when=when, valid_from=entry.valid_from, valid_until=entry.valid_until)


def _scope_row(
    entry: TrustEntry, category: str | None, rule_set: str | None, *, row: _RowMaker
) -> CheckRow:
    if category is None:
        return row("scope_unknown")
    if category not in entry.scope_categories:
        return row("scope_category", signer=entry.name, category=category,
                   scope=", ".join(entry.scope_categories))
    if entry.scope_rule_sets:
        if rule_set is None:
            return row("scope_unknown", "rule_set")
        if rule_set not in entry.scope_rule_sets:
            return row("scope_rule_set", signer=entry.name, rule_set=rule_set,
                       rule_sets=", ".join(entry.scope_rule_sets))
    if rule_set and entry.scope_rule_sets:
        return row("scope_covered", "rule_set", signer=entry.name, category=category,
                   rule_set=rule_set)
    return row("scope_covered", signer=entry.name, category=category)


def revocation_row(
    trust: TrustContext, *, kid: str, declaration_id: str, at: dt.datetime,
    subject: str | None = None,
) -> CheckRow:
    """Whether ``declaration_id`` is revoked by certifier ``kid``, with the list's age."""
    revocation_list = trust.revocations_for(kid)
    if revocation_list is None:
        return reason_row("revocation_unavailable", subject=subject)
    version, issued, age = revocation_list.version, revocation_list.issued, \
        Age(revocation_list.issued, at)
    hit = revocation_list.find(declaration_id)
    if hit is not None and hit.revoked_at <= at:
        return reason_row("revoked", declaration=declaration_id, revoked_at=hit.revoked_at,
                          reason=hit.reason, version=version, issued=issued, age=age,
                          subject=subject)
    currency = trust.list_currency(kid, issued=issued, next_update=revocation_list.next_update)
    if at > currency.until:
        # a later version may revoke it: the list cannot say it is not revoked
        if currency.max_age is not None:
            return reason_row("revocation_stale", form="max_age", declaration=declaration_id,
                              version=version, issued=issued, age=age, due=currency.until,
                              max_age=Age(issued, issued + currency.max_age),
                              subject=subject)
        return reason_row("revocation_stale", form="" if revocation_list.next_update else "age",
                          declaration=declaration_id, version=version, issued=issued, age=age,
                          due=currency.until, subject=subject)
    return reason_row("not_revoked", declaration=declaration_id, version=version,
                      issued=issued, age=age, subject=subject)


def status_row(
    trust: TrustContext, *, kid: str, index: int, at: dt.datetime, subject: str | None = None,
) -> CheckRow:
    """Whether the declaration with status ``index`` is revoked in certifier ``kid``'s
    status list (one bit): ``revoked`` (a set bit holds whatever the list's age: a later
    version never clears it), ``status_index_out_of_range``, ``revocation_stale`` past the
    list's next update, else ``not_revoked``; ``status_list_unavailable`` without a list."""
    status_list = trust.status_list_for(kid)
    if status_list is None:
        return reason_row("status_list_unavailable", index=index, subject=subject)
    version, issued, age = status_list.version, status_list.issued, Age(status_list.issued, at)
    if not 0 <= index < status_list.size:
        return reason_row("status_index_out_of_range", index=index, version=version,
                          last=status_list.size - 1, subject=subject)
    if status_list.is_revoked(index):
        return reason_row("revoked", form="status_list", index=index, version=version,
                          issued=issued, age=age, subject=subject)
    currency = trust.list_currency(kid, issued=issued, next_update=status_list.next_update)
    if at > currency.until:  # the one freshness rule of revocation lists (ADR 0136, 0139)
        return reason_row("revocation_stale", form="status_list", index=index,
                          version=version, issued=issued, age=age, due=currency.until,
                          subject=subject)
    return reason_row("not_revoked", form="status_list", index=index, version=version,
                      issued=issued, age=age, subject=subject)
