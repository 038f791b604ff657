"""Whether a QR text's resolver is one the trust list names for its scheme (ADR 0138).

The text form puts an uppercase URL before the claim's digits: the address a phone opens
when it scans the code. A genuine claim can be printed behind any address, so the address
is checked on its own: an ``https`` prefix the accepted trust list names (compared as a
browser reaches it, :mod:`cfl.trust.resolvers`) is PASSED; any other is FAILED, and
INDETERMINATE only when there is nothing to compare with (no accepted trust list, or one that
names no resolver); a plain ``http`` address is FAILED whatever the list names.
"""

from __future__ import annotations

from cfl.report.model import CheckRow
from cfl.report.reasons import row
from cfl.trust.context import TrustContext
from cfl.trust.resolvers import insecure, named_resolver


def resolver_row(resolver: str, trust: TrustContext, *, subject: str | None = None
                 ) -> CheckRow:
    """The ``resolver`` row of a QR text whose resolver URL (everything up to its last
    ``/``) is ``resolver``."""
    if insecure(resolver):
        return row("resolver_unknown", form="insecure", url=resolver, subject=subject)
    if trust.trust_list is None:
        return row("resolver_unknown", form="no_trust_list", url=resolver, subject=subject)
    operator = trust.trust_list.operator
    if not trust.resolvers:
        return row("resolver_unknown", form="unnamed", url=resolver, operator=operator,
                   subject=subject)
    if named_resolver(trust.resolvers, resolver) is None:
        return row("resolver_unknown", url=resolver, operator=operator,
                   named=", ".join(prefix.text for prefix in trust.resolvers),
                   subject=subject)
    return row("resolver_named", url=resolver, operator=operator, subject=subject)


__all__ = ["resolver_row"]
