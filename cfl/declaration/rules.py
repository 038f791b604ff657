"""The cross-field rules a schema cannot express (:func:`semantic_findings`) and their tolerance:

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

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from cfl.declaration.gwp import GAS_KEYS, REPORTS, GwpTable, gwp_table
from cfl.declaration.identifiers import (
    GTIN_URN_PREFIX,
    USCC_URN_PREFIX,
    country_problem,
    gtin_problem,
    subdivision_problem,
    uscc_problem,
)
from cfl.declaration.view import (
    CFL_EXTENSION_SCHEMA,
    DEFAULT_VALIDITY_YEARS,
    cfl_extension_entries,
)
from cfl.errors import InputError
from cfl.findings import Finding, Severity, json_path
from cfl.timeutil import END_OF_CALENDAR, add_years, parse_time_or_none

#: Relative part of the agreement tolerance (see the module docstring).
RELATIVE_TOLERANCE = Decimal("0.005")

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


def decimal_field(obj: Any, key: str) -> Decimal | None:
    if type(obj) is not dict and not isinstance(obj, Mapping):  # the common case first
        return None
    value = obj.get(key)
    if type(value) is not str and not isinstance(value, str):
        return None
    if len(value) > 40 or _DECIMAL.fullmatch(value) is None:  # parse_decimal_string, inline
        return None
    return Decimal(value)


def time_field(obj: Any, key: str) -> dt.datetime | None:
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




def gas_co2e(gases: Mapping[str, Any], report: str, *, fossil_only: bool = True) -> Decimal:
    """CO2e (kg) of a cfl ``gases`` object under GWP100 of ``report`` (AR4/AR5/AR6).

    Accepts the extension's raw data (decimal strings, ``hfcs``/``pfcs`` species lists) or
    :attr:`Declaration.gases` (Decimals by key or species). With ``fossil_only`` biogenic CO2
    and non-fossil CH4 are left out, matching PACT's ``fossilGhgEmissions``. Raises
    :class:`InputError` (code ``unknown_gwp``) for a species the cited table lacks.
    """
    table = gwp_table()
    total = Decimal(0)
    terms = _gas_terms(gases, report, fossil_only=fossil_only, table=table)
    for value, factor in terms:
        total += value * factor
    return total


def as_decimal(value: Any) -> Decimal | None:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, str):
        return parse_decimal_string(value)
    return None


_NON_FOSSIL_GASES = {"co2Biogenic": "CO2", "ch4NonFossil": "CH4_nonfossil"}


def _gas_terms(gases: Mapping[str, Any], report: str, *, fossil_only: bool,
               table: GwpTable) -> list[tuple[Decimal, Decimal]]:
    """(mass, GWP100) pairs; keys are extension gas keys or HFC/PFC species names."""
    terms: list[tuple[Decimal, Decimal]] = []
    factors = table.factors
    for key, value in gases.items():
        if key in SPECIES_LIST_KEYS:
            for item in value if isinstance(value, list) else []:
                if isinstance(item, Mapping):
                    mass = _mass(item.get("mass"))
                    if mass is not None:
                        terms.append((mass, table.factor(str(item.get("species")), report)))
            continue
        mass = _mass(value)
        if mass is None:
            continue
        if key in _NON_FOSSIL_GASES:
            if fossil_only:
                continue
            name = _NON_FOSSIL_GASES[key]
        else:
            name = GAS_KEYS.get(key, key)  # otherwise an HFC/PFC species name
        try:  # table.factor, inline
            factor = factors[name][report]
        except KeyError:
            factor = table.factor(name, report)  # raises the error naming the gas
        terms.append((mass, factor))
    return terms


# --------------------------------------------------------------------------- semantic checks
#
# These run in every bundle verification, so they avoid repeated work: a figure or a time is
# parsed once per call (``_strict``, ``_moment``), a sum that matches exactly skips the tolerance
# arithmetic (``_agree``), and a check that can only warn is skipped when only errors are
# wanted (``_Collector.warnings``). Messages are built only when a finding is added.

_ONE = Decimal(1)
_FIVE = Decimal(5)
_HUNDRED = Decimal(100)
_DECIMAL_MATCH = _DECIMAL.fullmatch
#: ``YYYY-MM-DDTHH:MM:SSZ`` in ASCII digits, the usual form of a time in a declaration.
_UTC_SECONDS_MATCH = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z").fullmatch
_FROM_ISO = dt.datetime.fromisoformat


def _strict(text: str) -> Decimal | None:
    """:func:`parse_decimal_string` of a ``str`` (not a subclass)."""
    if len(text) > 40:
        return None
    return Decimal(text) if _DECIMAL_MATCH(text) is not None else None


def _figure(obj: Mapping[str, Any], key: str) -> Decimal | None:
    """:func:`decimal_field` for an ``obj`` already known to be a Mapping."""
    value = obj.get(key)
    if type(value) is str:
        return _strict(value)
    if not isinstance(value, str):
        return None
    return parse_decimal_string(value)


def _figures(obj: Mapping[str, Any], keys: Sequence[str]) -> list[tuple[Decimal, Decimal]]:
    """``(figure, 1)`` for each of ``keys`` that :func:`_figure` reads from ``obj``, in order."""
    found = []
    for key in keys:
        value = obj.get(key)
        if type(value) is str:
            figure = _strict(value)
        elif isinstance(value, str):
            figure = parse_decimal_string(value)
        else:
            continue
        if figure is not None:
            found.append((figure, _ONE))
    return found


def _mass(value: Any) -> Decimal | None:
    """:func:`as_decimal`, read directly for a ``str``."""
    if type(value) is str:
        return _strict(value)
    return as_decimal(value)


def _moment(value: Any) -> dt.datetime | None:
    """:func:`~cfl.timeutil.parse_time_or_none`, with the usual ``…Z`` form read directly."""
    if type(value) is not str or len(value) > 40 or _UTC_SECONDS_MATCH(value) is None:
        return parse_time_or_none(value)
    try:  # as parse_time reads it, without the detour through "+00:00" (fromisoformat
        return _FROM_ISO(value)  # reads "Z")
    except (ValueError, OverflowError):
        return None


def _agree(expected: Decimal, terms: Sequence[tuple[Decimal, Decimal]]) -> tuple[bool, Decimal]:
    """:func:`figures_agree` for a finite ``expected`` and factors that are 1 or GWP100 values.

    A sum equal to ``expected`` agrees whatever the tolerance (the difference is exactly zero
    and the tolerance is a sum of non-negative terms), so only an inexact sum pays for the
    tolerance; the total is summed exactly as :func:`figures_agree` sums it.
    """
    total = _ZERO
    for value, factor in terms:
        total += value * factor
    if total == expected:
        return True, total
    return figures_agree(expected, terms)


class _Collector:
    __slots__ = ("errors_only", "warnings", "findings")

    def __init__(self, *, errors_only: bool = False) -> None:
        self.findings: list[Finding] = []
        #: Only errors are wanted: checks that can only warn are skipped.
        self.errors_only = errors_only
        #: Whether warnings are kept (a check that can only warn runs only then).
        self.warnings = not errors_only

    def add(self, code: str, message: str, parts: Sequence[str | int],
            severity: Severity = Severity.ERROR) -> None:
        if severity is Severity.ERROR or not self.errors_only:
            self.findings.append(Finding(code, message, json_path(parts), severity))


def semantic_findings(
    document: Mapping[str, Any], *, errors_only: bool = False
) -> list[Finding]:
    """Cross-field findings of a declaration (unsorted; see the module docstring).

    With ``errors_only`` the result is exactly the ERROR findings of the full call, in the
    same order, and the checks that can only produce warnings are not run (verification needs
    no more).
    """
    out = _Collector(errors_only=errors_only)
    pcf = document.get("pcf")
    if type(pcf) is not dict and not isinstance(pcf, Mapping):
        pcf = {}
    entries = cfl_extension_entries(document)
    for index, _ in entries[1:]:
        out.add("duplicate_cfl_extension",
                f"a declaration carries at most one cfl extension ({CFL_EXTENSION_SCHEMA}); "
                f"the first is at $.extensions[{entries[0][0]}]", ["extensions", index])
    strict = Severity.ERROR if entries else Severity.WARNING
    excluding = _figure(pcf, "pcfExcludingBiogenicUptake")
    _check_totals(pcf, excluding, out, strict)
    _check_periods(document, pcf, out, strict)
    _check_geography(pcf, out, strict)
    _check_identifiers(document, out, strict)
    _check_quality(pcf, out)
    if entries:
        data = entries[0][1].get("data")
        if type(data) is dict or isinstance(data, Mapping):
            _check_extension(pcf, excluding, data, ["extensions", entries[0][0], "data"], out)
    return out.findings


def _check_totals(pcf: Mapping[str, Any], excluding: Decimal | None, out: _Collector,
                  strict: Severity) -> None:
    if excluding is not None:
        including = _figure(pcf, "pcfIncludingBiogenicUptake")
        uptake = _figure(pcf, "biogenicCO2Uptake")
        if including is not None and uptake is not None:
            ok, total = _agree(including, [(excluding, _ONE), (uptake, _ONE)])
            if not ok:
                out.add("pcf_totals_identity",
                        f"pcfIncludingBiogenicUptake is {_fmt(including)} but "
                        f"pcfExcludingBiogenicUptake + biogenicCO2Uptake = {_fmt(total)}; "
                        "PACT requires them to be equal", ["pcf", "pcfIncludingBiogenicUptake"],
                        strict)
    if excluding is not None and out.warnings:
        parts = _figures(pcf, PCF_COMPONENT_KEYS)
        if parts:
            ok, total = _agree(excluding, parts)
            if not ok:
                out.add("pcf_component_sum",
                        f"pcfExcludingBiogenicUptake is {_fmt(excluding)} but the sum of its "
                        f"components ({', '.join(PCF_COMPONENT_KEYS)}) is {_fmt(total)} "
                        "(PACT v3 openapi x-comment; informative, so a warning)",
                        ["pcf", "pcfExcludingBiogenicUptake"], Severity.WARNING)


def _check_periods(document: Mapping[str, Any], pcf: Mapping[str, Any], out: _Collector,
                   strict: Severity) -> None:
    ref_start = _moment(pcf.get("referencePeriodStart"))
    ref_end = _moment(pcf.get("referencePeriodEnd"))
    if ref_start is not None and ref_end is not None and not ref_start < ref_end:
        out.add("reference_period_order",
                f"referencePeriodStart ({pcf['referencePeriodStart']}) must be before "
                f"referencePeriodEnd ({pcf['referencePeriodEnd']})", ["pcf", "referencePeriodEnd"])
    if type(document) is dict or isinstance(document, Mapping):  # as time_field reads it
        start = _moment(document.get("validityPeriodStart"))
        end = _moment(document.get("validityPeriodEnd"))
    else:
        start = end = None
    if start is not None and end is not None and not start < end:
        out.add("validity_period_order",
                f"validityPeriodStart ({document['validityPeriodStart']}) must be before "
                f"validityPeriodEnd ({document['validityPeriodEnd']})", ["validityPeriodEnd"])
    if end is not None and ref_end is not None and (strict is Severity.ERROR or out.warnings):
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
    if strict is not Severity.ERROR and not out.warnings:
        return
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


_IDENTIFIER_CHECKS = (
    ("productIds", GTIN_URN_PREFIX, gtin_problem, "bad_gtin"),
    ("companyIds", USCC_URN_PREFIX, uscc_problem, "bad_uscc"),
)


def _check_identifiers(document: Mapping[str, Any], out: _Collector, strict: Severity) -> None:
    if strict is not Severity.ERROR and not out.warnings:
        return
    for key, prefix, check, code in _IDENTIFIER_CHECKS:
        values = document.get(key)
        if not isinstance(values, list):
            continue
        for i, value in enumerate(values):  # a lower-case prefix needs no lower()
            if isinstance(value, str) and (value.startswith(prefix)
                                           or value.lower().startswith(prefix)):
                problem = check(value[len(prefix):])
                if problem:
                    out.add(code, problem, [key, i], strict)


def _check_quality(pcf: Mapping[str, Any], out: _Collector) -> None:
    dqi = pcf.get("dqi")
    if dqi is not None and (type(dqi) is dict or isinstance(dqi, Mapping)):
        for key in ("technologicalDQR", "geographicalDQR", "temporalDQR"):
            value = _figure(dqi, key)
            if value is not None and not _ONE <= value <= _FIVE:
                out.add("dqr_out_of_range", f"{key} is {dqi[key]}; PACT requires 1 to 5",
                        ["pcf", "dqi", key])
    for key in ("primaryDataShare", "exemptedEmissionsPercent"):
        value = _figure(pcf, key)
        if value is not None and value > _HUNDRED:
            out.add("percent_out_of_range", f"{key} is {pcf[key]}; a percentage is at most 100",
                    ["pcf", key])


def _check_extension(pcf: Mapping[str, Any], excluding: Decimal | None, data: Mapping[str, Any],
                     base: list[str | int], out: _Collector) -> None:
    report = data.get("gwpReport")
    if report not in REPORTS:
        report = None  # the schema reports it
    factors = pcf.get("ipccCharacterizationFactors")
    if isinstance(report, str) and isinstance(factors, list) and factors and report not in factors:
        out.add("gwp_report_mismatch",
                f"gwpReport is {report} but pcf.ipccCharacterizationFactors lists "
                f"{', '.join(str(f) for f in factors)}", [*base, "gwpReport"])
    stages = data.get("stages")
    if excluding is not None and (type(stages) is dict or isinstance(stages, Mapping)):
        values = _figures(stages, STAGE_KEYS)
        if values:
            ok, total = _agree(excluding, values)
            if not ok:
                out.add("stage_sum_mismatch",
                        f"the life-cycle stages add up to {_fmt(total)} but "
                        f"pcfExcludingBiogenicUptake is {_fmt(excluding)}", [*base, "stages"])
        if data.get("boundary") in ("cradle-to-gate", "gate-to-gate") \
                and out.warnings:
            for key in ("use", "endOfLife"):
                value = _figure(stages, key)
                if value is not None and value != 0:
                    out.add("stage_outside_boundary",
                            f"stage {key} is {stages[key]} but the boundary is "
                            f"{data['boundary']}, which excludes it", [*base, "stages", key],
                            Severity.WARNING)
    gases = data.get("gases")
    if not isinstance(report, str) or not (type(gases) is dict or isinstance(gases, Mapping)):
        return
    fossil = _figure(pcf, "fossilGhgEmissions")
    if fossil is None:
        return
    table = gwp_table()
    try:
        terms = _gas_terms(gases, report, fossil_only=True, table=table)
    except InputError as exc:
        out.add("gwp_unknown_species",
                f"the gas check could not be done: {exc.message}", [*base, "gases"],
                Severity.WARNING)
        return
    if terms:
        ok, total = _agree(fossil, terms)
        if not ok:
            out.add("gas_sum_mismatch",
                    f"the fossil gas masses × GWP100 ({report}) give {_fmt(total)} kg CO2e "
                    f"but pcf.fossilGhgEmissions is {_fmt(fossil)}", [*base, "gases"])
