"""PACT import (v2.x and v3.x) and export (plain PACT v3).

Import accepts a single ``ProductFootprint`` or an API response ``{"data": [...]}`` (or
``{"data": {...}}``). v3 footprints are taken as they are; v2 footprints are converted to v3
following the PACT v2.3 → v3.0 field map (renamed fields, decimal strings for the former
numbers, ``productCategoryCpc`` → ``productClassifications``, ``assurance`` →
``verification``). Fields v3 removed or that cannot be converted faithfully (``version``,
``updated``, ``landManagementGhgEmissions``, which v3 splits three ways, …) are dropped and
each drop is reported as an :class:`ImportNote`, so nothing disappears silently. Every result
is checked as a declaration (a plain PACT import carries no cfl extension: recognition data is
then simply missing).

Export writes plain PACT v3: the cfl extension is dropped unless ``keep_cfl_extension`` is set
(other extensions and unknown fields are kept), see ADR 0003.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from cfl.declaration.friendly import PACT_SPEC_VERSION, decimal_text
from cfl.declaration.model import Declaration
from cfl.declaration.view import is_cfl_extension
from cfl.errors import CflError, InputError, InvalidDeclarationError
from cfl.findings import Finding, Severity
from cfl.io.kinds import DECLARATION, require_kind

#: Bound on the footprints of one API response.
MAX_FOOTPRINTS = 10_000

_V2_RENAMED_PCF = {
    "declaredUnit": "declaredUnitOfMeasurement",
    "unitaryProductAmount": "declaredUnitAmount",
    "pCfExcludingBiogenic": "pcfExcludingBiogenicUptake",
    "pCfIncludingBiogenic": "pcfIncludingBiogenicUptake",
    "dLucGhgEmissions": "landUseChangeGhgEmissions",
    "iLucGhgEmissions": "landCarbonLeakage",
    "otherBiogenicGhgEmissions": "biogenicNonCO2Emissions",
    "biogenicCarbonWithdrawal": "biogenicCO2Uptake",
}
_V2_DROPPED_PCF = {
    "landManagementGhgEmissions": "v3 splits it into landManagementFossilGhgEmissions, "
    "landManagementBiogenicCO2Emissions and landManagementBiogenicCO2Removals; the v2 total "
    "cannot be split faithfully",
    "biogenicAccountingMethodology": "removed in v3 (use crossSectoralStandards and comment)",
    "uncertaintyAssessmentDescription": "removed in v3",
    "characterizationFactors": "replaced by ipccCharacterizationFactors",
    "ipccCharacterizationFactorsSources": "renamed ipccCharacterizationFactors",
    "crossSectoralStandardsUsed": "replaced by crossSectoralStandards",
    "assurance": "replaced by verification",
}
_V2_DECIMAL_PCF = ("exemptedEmissionsPercent", "primaryDataShare")
_V2_STANDARDS = {
    "GHG Protocol Product standard": "GHGP-Product",
    "ISO Standard 14067": "ISO14067",
    "ISO Standard 14044": "ISO14040-44",
}
_V2_COVERAGE = {"product level": "product level", "PCF system": "PCF calculation model"}


@dataclass(frozen=True)
class ImportNote:
    """Something the import changed or dropped, at a JSON path of the input footprint."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


@dataclass(frozen=True)
class ImportedFootprint:
    index: int | None  # position in the API response's data list, None for a single footprint
    source_spec_version: str
    declaration: Declaration
    notes: tuple[ImportNote, ...]


def footprints_of(document: Any, *, source: str | None = None) -> list[tuple[int | None, Any]]:
    """The footprints in a single-footprint document or an API response."""
    if isinstance(document, dict) and "data" in document and "pcf" not in document:
        data = document["data"]
        if isinstance(data, list):
            if not data:
                raise InputError("holds an empty \"data\" list; no footprint to import",
                                 source=source, location="$.data", code="empty")
            if len(data) > MAX_FOOTPRINTS:
                raise InputError(f"holds {len(data)} footprints; at most {MAX_FOOTPRINTS}",
                                 source=source, location="$.data", code="too_large")
            return list(enumerate(data))
        return [(None, data)]
    require_kind(document, (DECLARATION,), source=source,
                 wanted="PACT footprint or PACT API response")
    return [(None, document)]


def v2_to_v3(footprint: Mapping[str, Any], *, source: str | None = None,
             base: str = "$") -> tuple[dict[str, Any], list[ImportNote]]:
    """Convert one PACT v2.x footprint to v3.0 (a new dict) and say what changed."""
    notes: list[ImportNote] = []
    out: dict[str, Any] = {}
    for key, value in footprint.items():
        if key == "specVersion":
            out[key] = PACT_SPEC_VERSION
        elif key in ("version", "updated"):
            notes.append(ImportNote(f"{base}.{key}", "dropped: footprints are immutable in "
                                    "v3 (a change is a new id with precedingPfIds)"))
        elif key == "statusComment":
            if value:
                existing = footprint.get("comment") or ""
                out["comment"] = (f"{existing}\n" if existing else "") + f"Status: {value}"
                notes.append(ImportNote(f"{base}.statusComment", "moved into comment"))
        elif key == "productCategoryCpc":
            if "productClassifications" not in footprint:
                out["productClassifications"] = [f"urn:pact:productclassification:un-cpc:{value}"]
                notes.append(ImportNote(f"{base}.productCategoryCpc",
                                        "converted to productClassifications"))
        elif key == "comment" and "comment" in out:
            continue
        elif key == "pcf" and isinstance(value, Mapping):
            out["pcf"] = _v2_pcf(value, notes, source, f"{base}.pcf")
        else:
            out[key] = copy.deepcopy(value)
    return out, notes


def _v2_pcf(pcf: Mapping[str, Any], notes: list[ImportNote], source: str | None,
            base: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pcf.items():
        path = f"{base}.{key}"
        if key in _V2_RENAMED_PCF:
            out[_V2_RENAMED_PCF[key]] = copy.deepcopy(value)
        elif key in _V2_DROPPED_PCF:
            if key in ("characterizationFactors", "ipccCharacterizationFactorsSources",
                       "crossSectoralStandardsUsed", "assurance"):
                continue  # handled below
            shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
            notes.append(ImportNote(path, f"dropped: {_V2_DROPPED_PCF[key]} (was {shown})"))
        elif key in _V2_DECIMAL_PCF:
            out[key] = decimal_text(value, source=source, path=path)
        elif key == "dqi" and isinstance(value, Mapping):
            dqi = {}
            for name, rating in value.items():
                if name in ("technologicalDQR", "temporalDQR", "geographicalDQR"):
                    dqi[name] = decimal_text(rating, source=source, path=f"{path}.{name}")
                else:
                    notes.append(ImportNote(f"{path}.{name}", "dropped: removed in v3"))
            out["dqi"] = dqi
        else:
            out[key] = copy.deepcopy(value)
    factors = pcf.get("ipccCharacterizationFactorsSources")
    if not factors and "characterizationFactors" in pcf:
        factors = [pcf["characterizationFactors"]]
    if factors and "ipccCharacterizationFactors" not in out:
        out["ipccCharacterizationFactors"] = list(factors)
    if "crossSectoralStandards" not in out and isinstance(
            pcf.get("crossSectoralStandardsUsed"), list):
        out["crossSectoralStandards"] = [_V2_STANDARDS.get(s, s)
                                         for s in pcf["crossSectoralStandardsUsed"]]
    if "productMassPerDeclaredUnit" not in out:
        out["productMassPerDeclaredUnit"] = "0"
        notes.append(ImportNote(f"{base}.productMassPerDeclaredUnit",
                                "absent in v2 and required in v3: set to \"0\" (PACT's value "
                                "when mass is not relevant); check it"))
    if "pcfIncludingBiogenicUptake" not in out and "pcfExcludingBiogenicUptake" in out:
        try:
            total = decimal_text(out["pcfExcludingBiogenicUptake"], source=source, path=base)
            uptake = decimal_text(out.get("biogenicCO2Uptake", "0"), source=source, path=base)
            out["pcfIncludingBiogenicUptake"] = decimal_text(
                Decimal(total) + Decimal(uptake), source=source, path=base)
            notes.append(ImportNote(f"{base}.pcfIncludingBiogenicUptake",
                                    "computed as pcfExcludingBiogenicUptake + biogenicCO2Uptake"))
        except InputError:
            pass  # the declaration check reports the bad figure
    assurance = pcf.get("assurance")
    if isinstance(assurance, Mapping):
        if assurance.get("assurance") is True:
            verification = {k: assurance[k] for k in ("providerName", "completedAt",
                                                      "standardName", "comments")
                            if k in assurance}
            coverage = _V2_COVERAGE.get(str(assurance.get("coverage")))
            if coverage:
                verification["coverage"] = coverage
            out["verification"] = verification
            notes.append(ImportNote(f"{base}.assurance", "converted to verification"))
        else:
            notes.append(ImportNote(f"{base}.assurance",
                                    "dropped: not assured (v3 has no negative verification)"))
    return out


def _prefixed(findings: list[Finding], prefix: str) -> list[Finding]:
    return [Finding(f.code, f.message, prefix + f.path[1:], f.severity, f.source, f.rule_id,
                    f.citation, dict(f.extra)) for f in findings]


def import_footprint(footprint: Any, *, source: str | None = None,
                     index: int | None = None) -> ImportedFootprint:
    """One PACT v2.x/v3.x footprint → an :class:`ImportedFootprint` (checked declaration)."""
    base = "$" if index is None else f"$.data[{index}]"
    if not isinstance(footprint, dict):
        raise InputError("expected a PACT ProductFootprint object", source=source,
                         location=base, code="wrong_type")
    version = footprint.get("specVersion")
    if version is None:
        raise InputError("has no specVersion; expected a PACT 2.x or 3.x ProductFootprint "
                         "(\"specVersion\": \"2.3.0\", \"3.0.0\", …)", source=source,
                         location=f"{base}.specVersion", code="unsupported_version")
    if not isinstance(version, str) or version[:2] not in ("2.", "3."):
        raise InputError(f"specVersion is {version!r}; cfl imports PACT 2.x and 3.x footprints",
                         source=source, location=f"{base}.specVersion",
                         code="unsupported_version")
    notes: list[ImportNote] = []
    document: dict[str, Any]
    if version.startswith("2."):
        document, notes = v2_to_v3(footprint, source=source, base=base)
    else:
        document = footprint
    try:
        declaration = Declaration.from_json(document, source=source)
    except InvalidDeclarationError as exc:
        findings = [f for f in exc.findings if isinstance(f, Finding)]
        if index is not None:
            findings = _prefixed(findings, base)
        first = next(f for f in findings if f.severity is Severity.ERROR)
        raise InvalidDeclarationError(
            f"footprint is not importable: {first.path}: {first.message}",
            list(findings), source=source) from None
    return ImportedFootprint(index, version, declaration, tuple(notes))


def import_pact(document: Any, *, source: str | None = None) -> tuple[ImportedFootprint, ...]:
    """All footprints of a PACT document; raises on the first footprint that cannot be used.

    Use :func:`import_pact_each` to keep going past bad footprints.
    """
    results = []
    for index, footprint in footprints_of(document, source=source):
        results.append(import_footprint(footprint, source=source, index=index))
    return tuple(results)


def import_pact_each(
    document: Any, *, source: str | None = None
) -> list[tuple[int | None, ImportedFootprint | CflError]]:
    """Every footprint of a PACT document, each imported or with the error that stopped it."""
    out: list[tuple[int | None, ImportedFootprint | CflError]] = []
    for index, footprint in footprints_of(document, source=source):
        try:
            out.append((index, import_footprint(footprint, source=source, index=index)))
        except CflError as exc:
            out.append((index, exc))
    return out


def export_pact(declaration: Declaration, *, keep_cfl_extension: bool = False) -> dict[str, Any]:
    """A plain PACT v3 ``ProductFootprint`` from a declaration (a new dict).

    The cfl extension is dropped unless ``keep_cfl_extension``; an ``extensions`` list left
    empty is removed (PACT: "if defined, 1 or more").
    """
    document = declaration.to_json()
    if keep_cfl_extension:
        return document
    extensions = document.get("extensions")
    if isinstance(extensions, list):
        kept = [e for e in extensions
                if not is_cfl_extension(e)]
        if kept:
            document["extensions"] = kept
        else:
            del document["extensions"]
    return document
