"""The declaration domain object: a PACT v3 ``ProductFootprint`` that passed the checks.

A :class:`Declaration` (optionally carrying the one cfl extension) passed
:func:`cfl.declaration.schema.check_declaration` without error. It keeps the original
document — unknown fields included — so re-serialising it gives the same RFC 8785 bytes, and
exposes the quantities as :class:`~decimal.Decimal` (never float). Its extension fields and
validity window come from :mod:`cfl.declaration.view`, the one reader every consumer shares.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from cfl.declaration.rules import (
    GEOGRAPHY_FIELDS,
    SPECIES_LIST_KEYS,
    STAGE_KEYS,
    as_decimal,
    decimal_field,
    time_field,
)
from cfl.declaration.schema import check_declaration, is_signed_bundle
from cfl.declaration.view import DeclarationView, ValidityWindow, validity_window
from cfl.errors import InputError, InvalidDeclarationError
from cfl.findings import Finding, Severity, is_blocking
from cfl.io.jsonio import MAX_JSON_BYTES, loads_strict, read_bytes
from cfl.io.kinds import DECLARATION, require_kind

# --------------------------------------------------------------------------- the model

@dataclass(frozen=True)
class Declaration:
    """A checked declaration. ``document`` is the original JSON object: treat it as read-only
    (use :meth:`to_json` for a copy you may change)."""

    document: dict[str, Any] = field(repr=False)
    id: str
    spec_version: str
    status: str
    created: dt.datetime
    company_name: str
    company_ids: tuple[str, ...]
    product_ids: tuple[str, ...]
    product_name_company: str
    declared_unit: str
    declared_amount: Decimal
    pcf: Decimal
    pcf_including_biogenic_uptake: Decimal
    fossil_ghg_emissions: Decimal
    reference_period_start: dt.datetime
    reference_period_end: dt.datetime
    validity_start: dt.datetime | None
    validity_end: dt.datetime | None
    geography: str | None
    ipcc_characterization_factors: tuple[str, ...]
    extension: dict[str, Any] | None = field(repr=False)
    product_category: str | None
    rule_set_id: str | None
    product_rule: dict[str, Any] | None = field(repr=False)
    boundary: str | None
    gwp_report: str | None
    hs_code: str | None
    grade_class: str | None
    product_names: dict[str, str] = field(repr=False)
    stages: dict[str, Decimal] = field(repr=False)
    gases: dict[str, Decimal] = field(repr=False)
    illustrative: bool
    findings: tuple[Finding, ...] = field(repr=False, compare=False)
    source: str | None = field(default=None, compare=False)

    def __hash__(self) -> int:  # the document is a dict; equal declarations share their id
        return hash(self.id)

    @property
    def validity(self) -> ValidityWindow:
        """The validity window with PACT v3's defaults (:mod:`cfl.declaration.view`)."""
        return validity_window(self.document)

    @property
    def view(self) -> DeclarationView:
        """The shared read-only view of the document (what labels, claims and reports read)."""
        return DeclarationView(self.document)

    @property
    def effective_validity_start(self) -> dt.datetime:
        """``validityPeriodStart``, or ``referencePeriodEnd`` when absent (PACT v3)."""
        start = self.validity.start
        assert start is not None  # a valid declaration has a reference period end
        return start

    @property
    def effective_validity_end(self) -> dt.datetime:
        """``validityPeriodEnd``, or ``referencePeriodEnd`` + 3 years when absent (PACT v3)."""
        end = self.validity.end
        assert end is not None
        return end

    @property
    def is_cfl_declaration(self) -> bool:
        """True if the document carries the cfl extension."""
        return self.extension is not None

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is not Severity.ERROR)

    @classmethod
    def from_json(cls, document: Any, *, source: str | None = None) -> Declaration:
        """Check ``document`` and build the declaration.

        Raises :class:`InvalidDeclarationError` (``.findings`` holds everything found, best
        first) when any finding is an error. The document is deep-copied, so later changes
        to the caller's dict do not reach the declaration.
        """
        findings = check_declaration(document, source=source)
        if is_blocking(findings):
            errors = [f for f in findings if f.severity is Severity.ERROR]
            first = errors[0]
            more = f" (and {len(errors) - 1} more error(s))" if len(errors) > 1 else ""
            raise InvalidDeclarationError(
                f"is not a valid declaration: {first.path}: {first.message}{more}",
                list(findings), source=source)
        assert isinstance(document, dict)
        return cls._build(copy.deepcopy(document), tuple(findings), source)

    @classmethod
    def _build(cls, doc: dict[str, Any], findings: tuple[Finding, ...],
               source: str | None) -> Declaration:
        pcf = doc["pcf"]

        def need_dec(key: str) -> Decimal:
            value = decimal_field(pcf, key)
            assert value is not None, key
            return value

        def need_time(obj: Mapping[str, Any], key: str) -> dt.datetime:
            value = time_field(obj, key)
            assert value is not None, key
            return value

        view = DeclarationView(doc)
        ext = view.extension
        ext_view: Mapping[str, Any] = ext or {}
        rule_set = ext_view.get("ruleSet") or {}
        stages = {k: v for k in STAGE_KEYS
                  if (v := decimal_field(ext_view.get("stages") or {}, k)) is not None}
        geography = next((pcf[k] for k in GEOGRAPHY_FIELDS if k in pcf), None)
        return cls(
            document=doc,
            id=doc["id"],
            spec_version=doc["specVersion"],
            status=doc["status"],
            created=need_time(doc, "created"),
            company_name=doc["companyName"],
            company_ids=tuple(doc["companyIds"]),
            product_ids=tuple(doc["productIds"]),
            product_name_company=doc["productNameCompany"],
            declared_unit=pcf["declaredUnitOfMeasurement"],
            declared_amount=need_dec("declaredUnitAmount"),
            pcf=need_dec("pcfExcludingBiogenicUptake"),
            pcf_including_biogenic_uptake=need_dec("pcfIncludingBiogenicUptake"),
            fossil_ghg_emissions=need_dec("fossilGhgEmissions"),
            reference_period_start=need_time(pcf, "referencePeriodStart"),
            reference_period_end=need_time(pcf, "referencePeriodEnd"),
            validity_start=time_field(doc, "validityPeriodStart"),
            validity_end=time_field(doc, "validityPeriodEnd"),
            geography=geography,
            ipcc_characterization_factors=tuple(pcf["ipccCharacterizationFactors"]),
            extension=ext,
            product_category=view.product_category,
            rule_set_id=view.rule_set_id,
            product_rule=rule_set.get("productRule"),
            boundary=view.boundary,
            gwp_report=ext_view.get("gwpReport"),
            hs_code=ext_view.get("hsCode"),
            grade_class=view.grade_class,
            product_names=view.product_names,
            stages=stages,
            gases=_gas_map(ext_view.get("gases") or {}),
            illustrative=view.illustrative,
            findings=findings,
            source=source,
        )

    def to_json(self) -> dict[str, Any]:
        """A deep copy of the document (unknown fields included)."""
        return copy.deepcopy(self.document)


def _gas_map(gases: Mapping[str, Any]) -> dict[str, Decimal]:
    """Extension ``gases`` → {key or HFC/PFC species: kg of gas}."""
    out: dict[str, Decimal] = {}
    for key, value in gases.items():
        if key in SPECIES_LIST_KEYS and isinstance(value, list):
            for item in value:
                mass = as_decimal(item.get("mass")) if isinstance(item, Mapping) else None
                if mass is not None:
                    species = str(item["species"])
                    out[species] = out.get(species, Decimal(0)) + mass
        else:
            mass = as_decimal(value)
            if mass is not None:
                out[key] = mass
    return out


def load_declaration_file(path: str | Path, *, max_bytes: int = MAX_JSON_BYTES) -> Declaration:
    """Read (strict, bounded JSON; ``-`` is stdin), check and build a declaration."""
    source = "<stdin>" if str(path) == "-" else str(path)
    document = loads_strict(read_bytes(path, max_bytes=max_bytes), source=source,
                            max_bytes=max_bytes)
    if is_signed_bundle(document):
        raise InputError(
            "is a signed bundle, not a bare declaration; use `cfl verify` for bundles (or "
            "take its \"declaration\" member)", source=source, code="is_bundle")
    require_kind(document, (DECLARATION,), source=source)
    return Declaration.from_json(document, source=source)
