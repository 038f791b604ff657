"""The facts a verification was about (:class:`~cfl.report.model.VerifiedFacts`): read from
the signed declaration of a bundle (through :class:`~cfl.declaration.view.DeclarationView`)
or from a QR claim's statements, with display names from the message catalogues and the
issuer named by the trust-list entry of the key that signed (never by the document)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from cfl.bundle.model import Bundle
from cfl.claim.model import SignedClaim
from cfl.label.templates import load_messages
from cfl.report.model import VerifiedFacts
from cfl.trust.context import TrustContext

#: The languages names are given in.
NAME_LANGUAGES = ("zh", "en")


def _names(prefix: str, ident: str | None) -> Mapping[str, str]:
    """``ident``'s display names by language from templates/messages (empty if unnamed)."""
    if not ident:
        return {}
    catalogues = load_messages().catalogues
    key = f"{prefix}.{ident}"
    return {lang: catalogues[lang][key] for lang in NAME_LANGUAGES
            if key in catalogues.get(lang, {})}


def _text(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float | Decimal | str):
        return str(value)
    return None


def _issuer(trust: TrustContext, kid: str | None) -> tuple[str | None, str | None]:
    entry = trust.find(kid) if kid else None
    if entry is None:
        return None, None
    return entry.name, str(entry.accreditation)


def bundle_facts(bundle: Bundle, trust: TrustContext, *, resolver: str | None = None
                 ) -> VerifiedFacts:
    """The facts of ``bundle``'s declaration; the issuer is the first certifier signature's
    key as the trust list names it; ``resolver``: the URL of the label's QR code, if one was
    read."""
    view = bundle.view
    pcf = view.pcf
    data = view.extension or {}
    raw_grade = data.get("grade")
    grade: Mapping[str, Any] = raw_grade if isinstance(raw_grade, Mapping) else {}
    certifier = next((entry for entry in bundle.signatures if entry.role == "certifier"), None)
    kid = certifier.kid if certifier is not None else None
    name, accreditation = _issuer(trust, kid)
    try:
        signed_at = certifier.signed_at if certifier is not None else None
    except (ValueError, TypeError, KeyError, OverflowError):
        signed_at = None
    window = view.validity
    names = view.product_names
    return VerifiedFacts(
        origin="bundle",
        declaration_id=view.id,
        product_id=view.product_id,
        product_names={lang: names[lang] for lang in NAME_LANGUAGES if lang in names},
        category=view.product_category,
        category_names=_names("category", view.product_category),
        rule_set=view.rule_set_id,
        rule_set_names=_names("ruleset", view.rule_set_id),
        value=_text(pcf.get("pcfExcludingBiogenicUptake")),
        unit=_text(pcf.get("declaredUnitOfMeasurement")),
        unit_amount=_text(pcf.get("declaredUnitAmount")),
        boundary=view.boundary,
        grade=view.grade_class,
        grade_illustrative=(grade.get("illustrative") is True) if view.grade_class else None,
        valid_from=window.start,
        valid_until=window.end,
        issuer_kid=kid,
        issuer_name=name,
        issuer_accreditation=accreditation,
        signed_at=signed_at,
        resolver=resolver,
    )


def claim_facts(signed: SignedClaim, trust: TrustContext, issuer_kid: str | None, *,
                resolver: str | None = None) -> VerifiedFacts:
    """The statements of a QR claim; ``issuer_kid`` is the trusted key found for its hint;
    ``resolver`` the URL the claim was read behind (None for COSE bytes)."""
    claim = signed.claim
    name, accreditation = _issuer(trust, issuer_kid)
    return VerifiedFacts(
        origin="claim",
        declaration_id=None if claim.declaration_id is None else str(claim.declaration_id),
        status_index=claim.status_index,
        product_id=claim.product_id,
        product_names={},
        category=claim.product_category,
        category_names=_names("category", claim.product_category),
        rule_set=claim.rule_set,
        rule_set_names=_names("ruleset", claim.rule_set),
        value=str(claim.value),
        unit=claim.unit,
        unit_amount=str(claim.unit_amount),
        boundary=claim.boundary,
        grade=claim.grade,
        grade_illustrative=None,
        valid_from=claim.valid_from,
        valid_until=claim.valid_until,
        issuer_kid=issuer_kid if name is not None else None,
        issuer_name=name,
        issuer_accreditation=accreditation,
        signed_at=claim.issued_at,
        resolver=resolver,
    )


__all__ = ["NAME_LANGUAGES", "bundle_facts", "claim_facts"]
