"""What the register keeps about a disclosed declaration besides its bundle: the fields it
is found by, read once through :class:`~cfl.declaration.view.DeclarationView`."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from cfl.bundle.model import Bundle
from cfl.claim.model import binding_digest
from cfl.declaration.view import DeclarationView
from cfl.errors import InputError
from cfl.trust.context import TrustContext
from cfl.trust.revocation import declaration_key

#: Longest text kept per indexed value (longer values are cut, never refused: the bundle
#: itself is kept whole).
MAX_INDEXED_CHARS = 500
#: Bound on the values of one multi-valued key (product ids, …) that are indexed.
MAX_KEYS_PER_KIND = 100
KEY_KINDS = ("product", "company", "classification", "geography")
_GEOGRAPHY_FIELDS = ("geographyCountry", "geographyRegion", "geographyCountrySubdivision")


@dataclass(frozen=True)
class DisclosureRecord:
    """A verified bundle and everything it is indexed by (times in epoch seconds)."""

    digest: str
    declaration_id: str
    bundle: bytes
    bundle_sha256: str
    footprint: bytes
    certifier_kid: str
    certifier_name: str
    company_name: str
    product_category: str
    rule_set: str
    status: str
    valid_from: int
    valid_until: int
    title: str
    search_text: str
    keys: tuple[tuple[str, str], ...]
    #: The binding (hex) a format-2 claim issued with the certifier signature names.
    claim_binding: str | None = None


def epoch(moment: dt.datetime) -> int:
    return int(moment.timestamp())


def _cut(text: str) -> str:
    return text[:MAX_INDEXED_CHARS]


def _texts(value: Any) -> list[str]:
    if not isinstance(value, list):
        return []
    return [_cut(v) for v in value[:MAX_KEYS_PER_KIND] if isinstance(v, str)]


def title_of(view: DeclarationView) -> str:
    """The product's name as a register page shows it: English and Chinese when both exist."""
    names = view.product_names
    parts = [names[lang] for lang in ("en", "zh") if lang in names]
    if not parts:
        parts = [view.product_name_company or view.product_id or view.id or "?"]
    return _cut(" · ".join(parts))


def record_of(bundle: Bundle, data: bytes, trust: TrustContext, *, source: str
              ) -> DisclosureRecord:
    """The record of a bundle that verified (PASSED) against ``trust``."""
    view = DeclarationView.of(bundle.declaration)
    window = view.validity
    if view.id is None or window.start is None or window.end is None:
        raise InputError("the declaration has no id or no validity window", source=source,
                         code="not_indexable")
    certifier = next((entry for entry in bundle.signatures if entry.role == "certifier"
                      and (found := trust.find(entry.kid)) is not None
                      and found.has_role("certifier")), None)
    listed = trust.find(certifier.kid) if certifier is not None else None
    if certifier is None or listed is None:
        raise InputError("carries no listed certifier signature", source=source,
                         code="no_certifier_signature")
    document = bundle.declaration
    pcf = view.pcf
    keys: list[tuple[str, str]] = []
    for kind, values in (("product", _texts(document.get("productIds"))),
                         ("company", _texts(document.get("companyIds"))),
                         ("classification", _texts(document.get("productClassifications"))),
                         ("geography", [_cut(pcf[name]) for name in _GEOGRAPHY_FIELDS
                                        if isinstance(pcf.get(name), str)])):
        for value in dict.fromkeys(v.lower() for v in values):
            keys.append((kind, value))
    words = [view.id, *view.product_ids, *view.product_names.values(),
             view.product_name_company or "", str(document.get("productDescription", "")),
             view.company_name or "", *_texts(document.get("companyIds"))]
    status = document.get("status")
    return DisclosureRecord(
        digest=bundle.digest.hex(),
        declaration_id=declaration_key(view.id),
        bundle=data,
        bundle_sha256=hashlib.sha256(data).hexdigest(),
        footprint=bundle.payload,  # the declaration's JCS bytes: what was signed
        certifier_kid=listed.kid,
        certifier_name=_cut(listed.name),
        company_name=_cut(view.company_name or ""),
        product_category=_cut(view.product_category or ""),
        rule_set=_cut(view.rule_set_id or ""),
        status=(status if isinstance(status, str) else "Active").lower()[:20],
        valid_from=epoch(window.start),
        valid_until=epoch(window.end),
        title=title_of(view),
        search_text=" ".join(w for w in words if w).lower()[:8000],
        keys=tuple(keys),
        claim_binding=binding_digest(bundle.digest, certifier.signature).hex(),
    )
