"""The declaration domain object and the cross-field rules a schema cannot express.

A :class:`Declaration` is a PACT v3 ``ProductFootprint`` (optionally carrying the one cfl
extension) that passed :func:`cfl.declaration.schema.check_declaration` without error. It keeps the
original document — unknown fields included — so re-serialising it gives the same RFC 8785
bytes, and exposes the quantities as :class:`~decimal.Decimal` (never float).

The semantic checks (:func:`semantic_findings`) and their tolerance:

* **Agreement tolerance.** Two figures "agree" when they differ by no more than the rounding of
  the printed figures — half a unit in the last decimal place of each operand, multiplied by
  its GWP factor where one applies; a zero counts as exact — plus :data:`RELATIVE_TOLERANCE`
  (0.5 %) of the larger magnitude. So ``"55.71"`` agrees with ``50 + 0.1×29.8 + 0.01×273``
  and ``"-1.23"`` with ``0.384 + (-1.61)``.
* PACT totals identity ``pcfIncludingBiogenicUptake = pcfExcludingBiogenicUptake +
  biogenicCO2Uptake`` (when ``biogenicCO2Uptake`` is present): **error** on cfl declarations,
  **warning** on plain PACT footprints (the official PACT v2.3 example breaks it).
* The component sum of ``pcfExcludingBiogenicUptake`` given in the PACT v3 openapi
  ``x-comment``: **warning** only — the comment is informative and the official PACT v3
  examples do not satisfy it (ADR 0001).
* cfl extension: stage sum = ``pcfExcludingBiogenicUptake`` and fossil gas masses × GWP100 of
  the declared report = ``fossilGhgEmissions``: **errors**; a species missing from the GWP
  table makes the gas check a warning that it could not be done.
* Reference period start < end; validity start < end; at most one geography field: **errors**.
* Checks that go beyond what PACT's schema enforces — validity end ≤ reference period end +
  3 years, GTIN and USCC check digits, ISO 3166 codes — are **errors** on cfl declarations
  (those with the cfl extension) and **warnings** on plain PACT footprints, so every document
  PACT accepts (official examples 3 and 4 exceed the 3-year window; example 1 has a GTIN with
  a wrong check digit) can still be imported.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from cfl.errors import InputError, InvalidDeclarationError
from cfl.findings import Finding, Severity, is_blocking, json_path
from cfl.declaration.gwp import GAS_KEYS, REPORTS, gwp_table
from cfl.declaration.identifiers import (
    GTIN_URN_PREFIX,
    USCC_URN_PREFIX,
    country_problem,
    gtin_problem,
    subdivision_problem,
    uscc_problem,
)
from cfl.io.jsonio import MAX_JSON_BYTES, loads_strict, read_bytes
from cfl.timeutil import END_OF_CALENDAR, add_years, parse_time_or_none

CFL_EXTENSION_SCHEMA = "urn:cfl:schema:cfl-extension:1"
CFL_EXTENSION_SPEC_VERSION = "2.0.0"

#: Relative part of the agreement tolerance (see the module docstring).
RELATIVE_TOLERANCE = Decimal("0.005")
#: PACT v3: without a validity period a footprint is valid for 3 years after referencePeriodEnd.
DEFAULT_VALIDITY_YEARS = 3

GEOGRAPHY_FIELDS = ("geographyRegionOrSubregion", "geographyCountry", "geographyCountrySubdivision")
STAGE_KEYS = ("rawMaterial", "production", "distribution", "use", "endOfLife")
SPECIES_LIST_KEYS = ("hfcs", "pfcs")
#: Components of pcfExcludingBiogenicUptake per the PACT v3 openapi x-comment.
PCF_COMPONENT_KEYS = (
    "fossilGhgEmissions", "landUseChangeGhgEmissions", "landManagementBiogenicCO2Emissions",
    "landManagementBiogenicCO2Removals", "technologicalCO2Removals", "ccsTechnologicalCO2Capture",
    "biogenicNonCO2Emissions",
)

_DECIMAL = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?")


# --------------------------------------------------------------------------- small helpers

def parse_decimal_string(text: str) -> Decimal | None:
    """A strict decimal string (``"-12.50"``) as Decimal, else ``None`` (no exponent, no '+')."""
    if len(text) > 40 or _DECIMAL.fullmatch(text) is None:
        return None
    return Decimal(text)


def _dec(obj: Any, key: str) -> Decimal | None:
    if type(obj) is not dict and not isinstance(obj, Mapping):  # the common case first
        return None
    value = obj.get(key)
    if type(value) is not str and not isinstance(value, str):
        return None
    if len(value) > 40 or _DECIMAL.fullmatch(value) is None:  # parse_decimal_string, inline
        return None
    return Decimal(value)


def _time(obj: Any, key: str) -> dt.datetime | None:
    if type(obj) is not dict and not isinstance(obj, Mapping):
        return None
    return parse_time_or_none(obj.get(key))


def _half_unit(value: Decimal) -> Decimal:
    """Half a unit in the last printed place ("0.35" → 0.005); a zero is taken as exact."""
    if not value:
        return _ZERO
    exponent = value.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    if places < len(_HALF_UNITS):
        return _HALF_UNITS[places]
    return Decimal(5).scaleb(-places - 1)


_ZERO = Decimal(0)
#: ``_half_unit`` by number of decimal places (the common ones, computed once).
_HALF_UNITS = tuple(Decimal(5).scaleb(-places - 1) for places in range(48))


def figures_agree(
    expected: Decimal, terms: Sequence[tuple[Decimal, Decimal]]
) -> tuple[bool, Decimal]:
    """Whether ``expected`` equals Σ value × factor within the agreement tolerance.

    Returns ``(agrees, computed_sum)``; the tolerance is the rounding of every printed figure
    (scaled by its factor) plus :data:`RELATIVE_TOLERANCE` of the larger magnitude.
    """
    total = spread = _ZERO  # summed left to right from zero, as sum() would (same rounding)
    for value, factor in terms:
        total += value * factor
        spread += _half_unit(value) * abs(factor)
    tolerance = _half_unit(expected) + spread
    tolerance += RELATIVE_TOLERANCE * max(abs(expected), abs(total))
    return abs(expected - total) <= tolerance, total


def _fmt(value: Decimal) -> str:
    """A Decimal for messages, in plain notation (never ``1E+1``)."""
    if value == value.to_integral_value():
        return format(value.normalize(), "f")
    return format(value, "f")


# --------------------------------------------------------------------------- extension access

def cfl_extension_entries(document: Mapping[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    """``(index, extension)`` of every extension whose dataSchema is the cfl extension."""
    extensions = document.get("extensions")
    if not isinstance(extensions, list):
        return []
    return [
        (i, ext) for i, ext in enumerate(extensions)
        if isinstance(ext, dict) and ext.get("dataSchema") == CFL_EXTENSION_SCHEMA
    ]


def cfl_extension(document: Mapping[str, Any]) -> dict[str, Any] | None:
    """The cfl extension data of a raw document, or ``None`` if it carries none."""
    for _, ext in cfl_extension_entries(document):
        data = ext.get("data")
        return data if isinstance(data, dict) else None
    return None


def gas_co2e(gases: Mapping[str, Any], report: str, *, fossil_only: bool = True) -> Decimal:
    """CO2e (kg) of a cfl ``gases`` object under GWP100 of ``report`` (AR4/AR5/AR6).

    Accepts the extension's raw data (decimal strings, ``hfcs``/``pfcs`` species lists) or
    :attr:`Declaration.gases` (Decimals by key or species). With ``fossil_only`` biogenic CO2
    and non-fossil CH4 are left out, matching PACT's ``fossilGhgEmissions``. Raises
    :class:`InputError` (code ``unknown_gwp``) for a species the cited table lacks.
    """
    table = gwp_table()
    total = Decimal(0)
    terms = _gas_terms(gases, report, fossil_only=fossil_only, table_factor=table.factor)
    for value, factor in terms:
        total += value * factor
    return total


def _as_decimal(value: Any) -> Decimal | None:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, str):
        return parse_decimal_string(value)
    return None


_NON_FOSSIL_GASES = {"co2Biogenic": "CO2", "ch4NonFossil": "CH4_nonfossil"}


def _gas_terms(gases: Mapping[str, Any], report: str, *, fossil_only: bool,
               table_factor: Callable[[str, str], Decimal]) -> list[tuple[Decimal, Decimal]]:
    """(mass, GWP100) pairs; keys are extension gas keys or HFC/PFC species names."""
    terms: list[tuple[Decimal, Decimal]] = []
    for key, value in gases.items():
        if key in SPECIES_LIST_KEYS:
            for item in value if isinstance(value, list) else []:
                if isinstance(item, Mapping):
                    mass = _as_decimal(item.get("mass"))
                    if mass is not None:
                        terms.append((mass, table_factor(str(item.get("species")), report)))
            continue
        mass = _as_decimal(value)
        if mass is None:
            continue
        if key in _NON_FOSSIL_GASES:
            if fossil_only:
                continue
            name = _NON_FOSSIL_GASES[key]
        else:
            name = GAS_KEYS.get(key, key)  # otherwise an HFC/PFC species name
        terms.append((mass, table_factor(name, report)))
    return terms


# --------------------------------------------------------------------------- semantic checks

class _Collector:
    def __init__(self, *, errors_only: bool = False) -> None:
        self.findings: list[Finding] = []
        #: Only errors are wanted: checks that can only warn are skipped.
        self.errors_only = errors_only

    def add(self, code: str, message: str, parts: Sequence[str | int],
            severity: Severity = Severity.ERROR) -> None:
        if severity is Severity.ERROR or not self.errors_only:
            self.findings.append(Finding(code, message, json_path(parts), severity))

    def wants(self, severity: Severity) -> bool:
        """Whether a finding of ``severity`` would be kept (else its check can be skipped)."""
        return severity is Severity.ERROR or not self.errors_only


def semantic_findings(
    document: Mapping[str, Any], *, errors_only: bool = False
) -> list[Finding]:
    """Cross-field findings of a declaration (unsorted; see the module docstring).

    With ``errors_only`` the result is exactly the ERROR findings of the full call, and the
    checks that can only produce warnings are not run (verification needs no more).
    """
    out = _Collector(errors_only=errors_only)
    pcf = document.get("pcf")
    pcf = pcf if isinstance(pcf, Mapping) else {}
    entries = cfl_extension_entries(document)
    for index, _ in entries[1:]:
        out.add("duplicate_cfl_extension",
                f"a declaration carries at most one cfl extension ({CFL_EXTENSION_SCHEMA}); "
                f"the first is at $.extensions[{entries[0][0]}]", ["extensions", index])
    strict = Severity.ERROR if entries else Severity.WARNING
    _check_totals(pcf, out, strict)
    _check_periods(document, pcf, out, strict)
    _check_geography(pcf, out, strict)
    _check_identifiers(document, out, strict)
    _check_quality(pcf, out)
    if entries and isinstance(entries[0][1].get("data"), Mapping):
        index = entries[0][0]
        _check_extension(pcf, entries[0][1]["data"], ["extensions", index, "data"], out)
    return out.findings


def _check_totals(pcf: Mapping[str, Any], out: _Collector, strict: Severity) -> None:
    excluding = _dec(pcf, "pcfExcludingBiogenicUptake")
    including = _dec(pcf, "pcfIncludingBiogenicUptake")
    uptake = _dec(pcf, "biogenicCO2Uptake")
    if excluding is not None and including is not None and uptake is not None:
        ok, total = figures_agree(including, [(excluding, Decimal(1)), (uptake, Decimal(1))])
        if not ok:
            out.add("pcf_totals_identity",
                    f"pcfIncludingBiogenicUptake is {_fmt(including)} but "
                    f"pcfExcludingBiogenicUptake + biogenicCO2Uptake = {_fmt(total)}; "
                    "PACT requires them to be equal", ["pcf", "pcfIncludingBiogenicUptake"],
                    strict)
    if excluding is not None and out.wants(Severity.WARNING):
        parts = [(v, Decimal(1)) for k in PCF_COMPONENT_KEYS if (v := _dec(pcf, k)) is not None]
        if parts:
            ok, total = figures_agree(excluding, parts)
            if not ok:
                out.add("pcf_component_sum",
                        f"pcfExcludingBiogenicUptake is {_fmt(excluding)} but the sum of its "
                        f"components ({', '.join(PCF_COMPONENT_KEYS)}) is {_fmt(total)} "
                        "(PACT v3 openapi x-comment; informative, so a warning)",
                        ["pcf", "pcfExcludingBiogenicUptake"], Severity.WARNING)


def _check_periods(document: Mapping[str, Any], pcf: Mapping[str, Any], out: _Collector,
                   strict: Severity) -> None:
    ref_start = _time(pcf, "referencePeriodStart")
    ref_end = _time(pcf, "referencePeriodEnd")
    if ref_start is not None and ref_end is not None and not ref_start < ref_end:
        out.add("reference_period_order",
                f"referencePeriodStart ({pcf['referencePeriodStart']}) must be before "
                f"referencePeriodEnd ({pcf['referencePeriodEnd']})", ["pcf", "referencePeriodEnd"])
    start = _time(document, "validityPeriodStart")
    end = _time(document, "validityPeriodEnd")
    if start is not None and end is not None and not start < end:
        out.add("validity_period_order",
                f"validityPeriodStart ({document['validityPeriodStart']}) must be before "
                f"validityPeriodEnd ({document['validityPeriodEnd']})", ["validityPeriodEnd"])
    if end is not None and ref_end is not None and out.wants(strict):
        limit = add_years(ref_end, DEFAULT_VALIDITY_YEARS) or END_OF_CALENDAR
        if end > limit:
            out.add("validity_too_long",
                    f"validityPeriodEnd ({document['validityPeriodEnd']}) is after "
                    f"referencePeriodEnd + {DEFAULT_VALIDITY_YEARS} years "
                    f"({limit.isoformat()}), the longest validity PACT v3 gives by default",
                    ["validityPeriodEnd"], strict)


def _check_geography(pcf: Mapping[str, Any], out: _Collector, strict: Severity) -> None:
    present = [k for k in GEOGRAPHY_FIELDS if k in pcf]
    if len(present) > 1:
        out.add("geography_conflict",
                f"at most one geography field may be set; found {', '.join(present)}",
                ["pcf", present[1]])
    country = pcf.get("geographyCountry")
    if isinstance(country, str) and len(country) == 2 and country.isupper():
        problem = country_problem(country)
        if problem:
            out.add("unknown_country", problem, ["pcf", "geographyCountry"], strict)
    subdivision = pcf.get("geographyCountrySubdivision")
    if isinstance(subdivision, str):
        problem = subdivision_problem(subdivision)
        if problem:
            out.add("unknown_country", problem, ["pcf", "geographyCountrySubdivision"], strict)


def _check_identifiers(document: Mapping[str, Any], out: _Collector, strict: Severity) -> None:
    if not out.wants(strict):
        return
    for key, prefix, check, code in (
        ("productIds", GTIN_URN_PREFIX, gtin_problem, "bad_gtin"),
        ("companyIds", USCC_URN_PREFIX, uscc_problem, "bad_uscc"),
    ):
        values = document.get(key)
        if not isinstance(values, list):
            continue
        for i, value in enumerate(values):
            if isinstance(value, str) and value.lower().startswith(prefix):
                problem = check(value[len(prefix):])
                if problem:
                    out.add(code, problem, [key, i], strict)


def _check_quality(pcf: Mapping[str, Any], out: _Collector) -> None:
    dqi = pcf.get("dqi")
    if isinstance(dqi, Mapping):
        for key in ("technologicalDQR", "geographicalDQR", "temporalDQR"):
            value = _dec(dqi, key)
            if value is not None and not Decimal(1) <= value <= Decimal(5):
                out.add("dqr_out_of_range", f"{key} is {dqi[key]}; PACT requires 1 to 5",
                        ["pcf", "dqi", key])
    for key in ("primaryDataShare", "exemptedEmissionsPercent"):
        value = _dec(pcf, key)
        if value is not None and value > 100:
            out.add("percent_out_of_range", f"{key} is {pcf[key]}; a percentage is at most 100",
                    ["pcf", key])


def _check_extension(pcf: Mapping[str, Any], data: Mapping[str, Any],
                     base: list[str | int], out: _Collector) -> None:
    report = data.get("gwpReport")
    if report not in REPORTS:
        report = None  # the schema reports it
    factors = pcf.get("ipccCharacterizationFactors")
    if isinstance(report, str) and isinstance(factors, list) and factors and report not in factors:
        out.add("gwp_report_mismatch",
                f"gwpReport is {report} but pcf.ipccCharacterizationFactors lists "
                f"{', '.join(str(f) for f in factors)}", [*base, "gwpReport"])
    excluding = _dec(pcf, "pcfExcludingBiogenicUptake")
    stages = data.get("stages")
    if isinstance(stages, Mapping) and excluding is not None:
        values = [(v, Decimal(1)) for k in STAGE_KEYS if (v := _dec(stages, k)) is not None]
        if values:
            ok, total = figures_agree(excluding, values)
            if not ok:
                out.add("stage_sum_mismatch",
                        f"the life-cycle stages add up to {_fmt(total)} but "
                        f"pcfExcludingBiogenicUptake is {_fmt(excluding)}", [*base, "stages"])
        if data.get("boundary") in ("cradle-to-gate", "gate-to-gate") \
                and out.wants(Severity.WARNING):
            for key in ("use", "endOfLife"):
                value = _dec(stages, key)
                if value is not None and value != 0:
                    out.add("stage_outside_boundary",
                            f"stage {key} is {stages[key]} but the boundary is "
                            f"{data['boundary']}, which excludes it", [*base, "stages", key],
                            Severity.WARNING)
    gases = data.get("gases")
    fossil = _dec(pcf, "fossilGhgEmissions")
    if isinstance(gases, Mapping) and isinstance(report, str) and fossil is not None:
        table = gwp_table()
        try:
            terms = _gas_terms(gases, report, fossil_only=True, table_factor=table.factor)
        except InputError as exc:
            out.add("gwp_unknown_species",
                    f"the gas check could not be done: {exc.message}", [*base, "gases"],
                    Severity.WARNING)
            return
        if terms:
            ok, total = figures_agree(fossil, terms)
            if not ok:
                out.add("gas_sum_mismatch",
                        f"the fossil gas masses × GWP100 ({report}) give {_fmt(total)} kg CO2e "
                        f"but pcf.fossilGhgEmissions is {_fmt(fossil)}", [*base, "gases"])


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
    def effective_validity_start(self) -> dt.datetime:
        """``validityPeriodStart``, or ``referencePeriodEnd`` when absent (PACT v3)."""
        return self.validity_start or self.reference_period_end

    @property
    def effective_validity_end(self) -> dt.datetime:
        """``validityPeriodEnd``, or ``referencePeriodEnd`` + 3 years when absent (PACT v3)."""
        if self.validity_end is not None:
            return self.validity_end
        return (add_years(self.reference_period_end, DEFAULT_VALIDITY_YEARS)
                or END_OF_CALENDAR)

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
        from cfl.declaration.schema import check_declaration

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
            value = _dec(pcf, key)
            assert value is not None, key
            return value

        def need_time(obj: Mapping[str, Any], key: str) -> dt.datetime:
            value = _time(obj, key)
            assert value is not None, key
            return value

        ext = cfl_extension(doc)
        ext_view: Mapping[str, Any] = ext or {}
        rule_set = ext_view.get("ruleSet") or {}
        grade = ext_view.get("grade") or {}
        stages = {k: v for k in STAGE_KEYS
                  if (v := _dec(ext_view.get("stages") or {}, k)) is not None}
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
            validity_start=_time(doc, "validityPeriodStart"),
            validity_end=_time(doc, "validityPeriodEnd"),
            geography=geography,
            ipcc_characterization_factors=tuple(pcf["ipccCharacterizationFactors"]),
            extension=ext,
            product_category=ext_view.get("productCategory"),
            rule_set_id=rule_set.get("id"),
            product_rule=rule_set.get("productRule"),
            boundary=ext_view.get("boundary"),
            gwp_report=ext_view.get("gwpReport"),
            hs_code=ext_view.get("hsCode"),
            grade_class=grade.get("class"),
            product_names=dict(ext_view.get("productNames") or {}),
            stages=stages,
            gases=_gas_map(ext_view.get("gases") or {}),
            illustrative=bool(ext_view.get("illustrative", False)),
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
                mass = _as_decimal(item.get("mass")) if isinstance(item, Mapping) else None
                if mass is not None:
                    species = str(item["species"])
                    out[species] = out.get(species, Decimal(0)) + mass
        else:
            mass = _as_decimal(value)
            if mass is not None:
                out[key] = mass
    return out


def load_declaration_file(path: str | Path, *, max_bytes: int = MAX_JSON_BYTES) -> Declaration:
    """Read (strict, bounded JSON; ``-`` is stdin), check and build a declaration."""
    source = "<stdin>" if str(path) == "-" else str(path)
    document = loads_strict(read_bytes(path, max_bytes=max_bytes), source=source,
                            max_bytes=max_bytes)
    from cfl.declaration.schema import is_signed_bundle

    if is_signed_bundle(document):
        raise InputError(
            "is a signed bundle, not a bare declaration; use `cfl verify` for bundles (or "
            "take its \"declaration\" member)", source=source, code="is_bundle")
    from cfl.io.kinds import DECLARATION, require_kind

    require_kind(document, (DECLARATION,), source=source)
    return Declaration.from_json(document, source=source)
