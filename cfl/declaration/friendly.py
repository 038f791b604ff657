"""Friendly input (YAML, JSON or CSV) → a cfl declaration.

The friendly format is documented with a full example in ``docs/cli-declarations.md``. Plain
numbers are allowed and normalised to decimal strings without going through float (the YAML
and JSON readers already give :class:`~decimal.Decimal`); ids are generated as UUID v4 unless
the input gives one; ``created`` is the ``at`` time. The result is checked like any
declaration, and problems are reported at the *input* key that caused them (``$.stages`` rather
than ``$.extensions[0].data.stages``) whenever the mapping is known.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import json
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, NoReturn

from cfl.declaration.model import Declaration
from cfl.declaration.rules import parse_decimal_string
from cfl.declaration.view import CFL_EXTENSION_SCHEMA, CFL_EXTENSION_SPEC_VERSION
from cfl.errors import CflError, InputError, InvalidDeclarationError
from cfl.findings import Finding, json_path
from cfl.io.jsonio import MAX_JSON_BYTES, loads_strict, read_bytes
from cfl.io.kinds import FRIENDLY_INPUT, require_kind
from cfl.io.sniff import binary_kind
from cfl.io.yamlio import loads_yaml
from cfl.timeutil import format_time

PACT_SPEC_VERSION = "3.0.0"
#: Bound on the rows of one CSV batch.
MAX_CSV_ROWS = 100_000
#: A decimal written out may have at most this many characters (the schema's bound).
MAX_DECIMAL_CHARS = 40

#: Life-cycle stages that hold emissions only, so a negative value is refused; endOfLife may
#: be negative (credits for recycling).
EMISSION_ONLY_STAGES = ("rawMaterial", "production", "distribution", "use")
#: A number written with a decimal comma (``0,0228``), said as such.
_DECIMAL_COMMA = re.compile(r"[+-]?[0-9]+,[0-9]+")

#: Other PACT pcf fields a friendly input may give under ``pcfFields`` (decimal-valued).
PCF_DECIMAL_FIELDS = (
    "biogenicCarbonContent", "recycledCarbonContent", "landUseChangeGhgEmissions",
    "landCarbonLeakage", "landManagementFossilGhgEmissions", "landManagementBiogenicCO2Emissions",
    "landManagementBiogenicCO2Removals", "biogenicCO2Uptake", "biogenicNonCO2Emissions",
    "landAreaOccupation", "aircraftGhgEmissions", "packagingGhgEmissions",
    "packagingBiogenicCarbonContent", "outboundLogisticsGhgEmissions",
    "ccsTechnologicalCO2Capture", "technologicalCO2Removals", "ccuCarbonContent",
)
#: Components subtracted from ``pcf`` when ``fossilGhgEmissions`` is not given.
_NON_FOSSIL_COMPONENTS = (
    "landUseChangeGhgEmissions", "landManagementBiogenicCO2Emissions",
    "landManagementBiogenicCO2Removals", "technologicalCO2Removals", "ccsTechnologicalCO2Capture",
    "biogenicNonCO2Emissions",
)

TOP_LEVEL_KEYS = (
    "id", "status", "precedingPfIds", "company", "product", "declaredUnit",
    "productMassPerDeclaredUnit", "referencePeriod", "validity", "geography", "boundary",
    "boundaryDescription", "ruleSet", "gwpReport", "ipccCharacterizationFactors",
    "crossSectoralStandards", "productOrSectorSpecificRules", "pcf", "pcfIncludingBiogenicUptake",
    "fossilGhgEmissions", "fossilCarbonContent", "exemptedEmissionsPercent",
    "exemptedEmissionsDescription", "allocationRulesDescription", "primaryDataShare", "dqi",
    "pcfFields", "stages", "gases", "electricity", "compute", "emissionFactorDatasets",
    "verification", "upstreamDeclarations", "grade", "comment", "illustrative",
)
_SUB_KEYS: dict[str, tuple[str, ...]] = {
    "company": ("name", "ids"),
    "product": ("names", "description", "nameCompany", "category", "hsCode", "ids",
                "classifications"),
    "declaredUnit": ("unit", "amount"),
    "referencePeriod": ("start", "end"),
    "validity": ("start", "end"),
    "dqi": ("technologicalDQR", "geographicalDQR", "temporalDQR"),
    "pcfFields": PCF_DECIMAL_FIELDS,
}
_REQUIRED = ("company", "product", "declaredUnit", "productMassPerDeclaredUnit",
             "referencePeriod", "boundary", "ruleSet", "gwpReport", "pcf", "fossilCarbonContent",
             "exemptedEmissionsPercent")
EXT: tuple[str | int, ...] = ("extensions", 0, "data")


def _did_you_mean(word: str, choices: tuple[str, ...]) -> str:
    match = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"; did you mean {match[0]!r}?" if match else ""


def decimal_text(value: Any, *, source: str | None, path: str) -> str:
    """A number or decimal string from friendly input → a strict decimal string.

    Integers and Decimals are written in plain notation (never through float); strings must
    already be plain decimals. NaN, infinities, exponents beyond range and booleans are errors.
    """
    if isinstance(value, bool) or value is None:
        raise InputError(f"expected a number such as 12.5, got {value!r}", source=source,
                         location=path, code="not_a_number")
    if isinstance(value, int):
        text = str(value)
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise InputError(f"{value} is not a finite number", source=source, location=path,
                             code="non_finite_number")
        exponent = value.as_tuple().exponent
        if value and (value.adjusted() >= 18 or not isinstance(exponent, int)
                      or exponent < -MAX_DECIMAL_CHARS):  # no arithmetic: 1e999999 overflows
            raise InputError(f"{value} is out of range (at most 18 digits before the point, "
                             f"{MAX_DECIMAL_CHARS} characters in all)", source=source,
                             location=path, code="number_out_of_range")
        if abs(value) >= Decimal(10) ** 18:
            raise InputError(f"{value} is out of range (at most 18 digits before the point)",
                             source=source, location=path, code="number_out_of_range")
        text = format(value, "f")
        if len(text) > MAX_DECIMAL_CHARS:
            raise InputError(f"{value} has too many digits (at most {MAX_DECIMAL_CHARS} "
                             "characters)", source=source, location=path,
                             code="number_out_of_range")
    elif isinstance(value, str):
        text = value.strip()
        if parse_decimal_string(text) is None:
            hint = ""
            lowered = text.lower()
            if lowered in ("nan", "inf", "infinity", "-inf", "-infinity", "+inf"):
                hint = " (not a finite number)"
            elif "e" in lowered:
                hint = " (exponents such as 1e400 are not accepted; write the digits)"
            elif _DECIMAL_COMMA.fullmatch(text):
                hint = (f" (a decimal comma? write {text.replace(',', '.')} with a decimal "
                        "point; a spreadsheet set to a language that writes commas in numbers "
                        "needs the column formatted as text with points, or the file saved "
                        "with points)")
            raise InputError(f"expected a number such as 12.5, got {value!r}{hint}",
                             source=source, location=path, code="not_a_number")
    else:
        raise InputError(f"expected a number such as 12.5, got {type(value).__name__}",
                         source=source, location=path, code="not_a_number")
    if text == "-0":
        text = "0"
    return text


class _Builder:
    """Builds the declaration and remembers which input key made each output path."""

    def __init__(self, data: Mapping[str, Any], source: str | None) -> None:
        self.data = data
        self.source = source
        self.origin: dict[str, str] = {}

    def fail(self, message: str, path: tuple[str | int, ...],
             code: str = "bad_input") -> NoReturn:
        raise InputError(message, source=self.source, location=json_path(path), code=code)

    def mapping(self, value: Any, path: tuple[str | int, ...],
                allowed: tuple[str, ...] | None = None) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            self.fail(f"expected a mapping (key: value pairs), got {type(value).__name__}", path)
        if allowed is not None:
            for key in value:
                if key not in allowed:
                    self.fail(f"unknown key {key!r}{_did_you_mean(str(key), allowed)} "
                              f"(allowed: {', '.join(allowed)})", (*path, key), "unknown_key")
        return value

    def decimal(self, value: Any, path: tuple[str | int, ...]) -> str:
        return decimal_text(value, source=self.source, path=json_path(path))

    def text(self, value: Any, path: tuple[str | int, ...]) -> str:
        if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
            self.fail(f"expected text, got {type(value).__name__}", path)
        return str(value)

    def strings(self, value: Any, path: tuple[str | int, ...]) -> list[str]:
        if isinstance(value, str):
            return [value]
        if not isinstance(value, list):
            self.fail(f"expected a list of text, got {type(value).__name__}", path)
        return [self.text(item, (*path, i)) for i, item in enumerate(value)]

    def decimals_in(self, value: Any, path: tuple[str | int, ...]) -> dict[str, Any]:
        """A mapping whose scalar numbers become decimal strings (lists of species too)."""
        mapping = self.mapping(value, path)
        out: dict[str, Any] = {}
        for key, item in mapping.items():
            if isinstance(item, list):
                out[key] = [self.species(entry, (*path, key, i)) for i, entry in enumerate(item)]
            else:
                out[key] = self.decimal(item, (*path, key))
        return out

    def species(self, value: Any, path: tuple[str | int, ...]) -> dict[str, Any]:
        entry = dict(self.mapping(value, path, ("species", "mass")))
        if "mass" in entry:
            entry["mass"] = self.decimal(entry["mass"], (*path, "mass"))
        return entry

    def note(self, out_path: tuple[str | int, ...], in_path: tuple[str | int, ...]) -> None:
        self.origin[json_path(out_path)] = json_path(in_path)


def _geography(builder: _Builder, value: Any) -> tuple[str, str]:
    text = builder.text(value, ("geography",))
    if len(text) == 2 and text.isalpha():
        return "geographyCountry", text.upper()
    if "-" in text and text[:2].isalpha() and text[2] == "-" and len(text) <= 6:
        return "geographyCountrySubdivision", text.upper()
    return "geographyRegionOrSubregion", text


def build_declaration_document(
    data: Any, *, at: dt.datetime, source: str | None = None,
    new_id: Callable[[], str] = lambda: str(uuid.uuid4()),
) -> tuple[dict[str, Any], dict[str, str]]:
    """Friendly input → (declaration document, output path → input path).

    Raises :class:`InputError` for input that cannot be mapped (wrong shapes, unknown keys,
    bad numbers); the declaration itself is checked by :func:`declaration_from_input`.
    """
    require_kind(data, (FRIENDLY_INPUT,), source=source,
                 wanted="friendly input (see docs/cli-declarations.md)")
    b = _Builder(data, source)
    top = b.mapping(data, (), TOP_LEVEL_KEYS)
    for key in _REQUIRED:
        if key not in top:
            b.fail(f"the required key {key!r} is missing", (key,), "missing_field")
    company = b.mapping(top["company"], ("company",), _SUB_KEYS["company"])
    product = b.mapping(top["product"], ("product",), _SUB_KEYS["product"])
    unit = b.mapping(top["declaredUnit"], ("declaredUnit",), _SUB_KEYS["declaredUnit"])
    period = b.mapping(top["referencePeriod"], ("referencePeriod",), _SUB_KEYS["referencePeriod"])
    for key, part in (("company", company), ("product", product)):
        for sub in ("name", "ids") if key == "company" else ("names", "category", "ids"):
            if sub not in part:
                b.fail(f"the required key {sub!r} is missing", (key, sub), "missing_field")
    for sub in ("start", "end"):
        if sub not in period:
            b.fail(f"the required key {sub!r} is missing", ("referencePeriod", sub),
                   "missing_field")
    if "unit" not in unit:
        b.fail("the required key 'unit' is missing", ("declaredUnit", "unit"), "missing_field")

    names = {str(k): b.text(v, ("product", "names", k))
             for k, v in b.mapping(product["names"], ("product", "names")).items()}
    main_name = names.get("en") or names.get("zh") or next(iter(names.values()), "")
    doc: dict[str, Any] = {
        "id": b.text(top["id"], ("id",)) if "id" in top else new_id(),
        "specVersion": PACT_SPEC_VERSION,
    }
    b.note(("id",), ("id",))
    if "precedingPfIds" in top:
        doc["precedingPfIds"] = b.strings(top["precedingPfIds"], ("precedingPfIds",))
        b.note(("precedingPfIds",), ("precedingPfIds",))
    doc["created"] = format_time(at)
    doc["status"] = b.text(top.get("status", "Active"), ("status",))
    b.note(("status",), ("status",))
    if "validity" in top:
        validity = b.mapping(top["validity"], ("validity",), _SUB_KEYS["validity"])
        for sub, key in (("start", "validityPeriodStart"), ("end", "validityPeriodEnd")):
            if sub in validity:
                doc[key] = b.text(validity[sub], ("validity", sub))
                b.note((key,), ("validity", sub))
    doc["companyName"] = b.text(company["name"], ("company", "name"))
    doc["companyIds"] = b.strings(company["ids"], ("company", "ids"))
    b.note(("companyName",), ("company", "name"))
    b.note(("companyIds",), ("company", "ids"))
    description = b.text(product.get("description", main_name), ("product", "description"))
    doc["productDescription"] = description
    doc["productIds"] = b.strings(product["ids"], ("product", "ids"))
    b.note(("productDescription",), ("product", "description"))
    b.note(("productIds",), ("product", "ids"))
    hs_code = b.text(product["hsCode"], ("product", "hsCode")) if "hsCode" in product else None
    if "classifications" in product:
        doc["productClassifications"] = b.strings(product["classifications"],
                                                  ("product", "classifications"))
        b.note(("productClassifications",), ("product", "classifications"))
    elif hs_code is not None:
        doc["productClassifications"] = [f"urn:pact:productclassification:hs:{hs_code}"]
        b.note(("productClassifications",), ("product", "hsCode"))
    doc["productNameCompany"] = b.text(product.get("nameCompany", main_name),
                                       ("product", "nameCompany"))
    b.note(("productNameCompany",), ("product", "nameCompany"))
    if "comment" in top:
        doc["comment"] = b.text(top["comment"], ("comment",))
        b.note(("comment",), ("comment",))

    pcf: dict[str, Any] = {}
    pcf["declaredUnitOfMeasurement"] = b.text(unit["unit"], ("declaredUnit", "unit"))
    pcf["declaredUnitAmount"] = b.decimal(unit.get("amount", 1), ("declaredUnit", "amount"))
    b.note(("pcf", "declaredUnitOfMeasurement"), ("declaredUnit", "unit"))
    b.note(("pcf", "declaredUnitAmount"), ("declaredUnit", "amount"))
    pcf["productMassPerDeclaredUnit"] = b.decimal(top["productMassPerDeclaredUnit"],
                                                  ("productMassPerDeclaredUnit",))
    b.note(("pcf", "productMassPerDeclaredUnit"), ("productMassPerDeclaredUnit",))
    for sub, key in (("start", "referencePeriodStart"), ("end", "referencePeriodEnd")):
        pcf[key] = b.text(period[sub], ("referencePeriod", sub))
        b.note(("pcf", key), ("referencePeriod", sub))
    if "geography" in top:
        key, value = _geography(b, top["geography"])
        pcf[key] = value
        b.note(("pcf", key), ("geography",))
    if "boundaryDescription" in top:
        pcf["boundaryProcessesDescription"] = b.text(top["boundaryDescription"],
                                                     ("boundaryDescription",))
        b.note(("pcf", "boundaryProcessesDescription"), ("boundaryDescription",))

    extra = {k: b.decimal(v, ("pcfFields", k)) for k, v in
             b.mapping(top.get("pcfFields", {}), ("pcfFields",), PCF_DECIMAL_FIELDS).items()}
    total = b.decimal(top["pcf"], ("pcf",))
    pcf["pcfExcludingBiogenicUptake"] = total
    b.note(("pcf", "pcfExcludingBiogenicUptake"), ("pcf",))
    if "pcfIncludingBiogenicUptake" in top:
        pcf["pcfIncludingBiogenicUptake"] = b.decimal(top["pcfIncludingBiogenicUptake"],
                                                      ("pcfIncludingBiogenicUptake",))
    else:
        uptake = Decimal(extra.get("biogenicCO2Uptake", "0"))
        pcf["pcfIncludingBiogenicUptake"] = decimal_text(Decimal(total) + uptake, source=source,
                                                         path="$.pcf")
    b.note(("pcf", "pcfIncludingBiogenicUptake"), ("pcfIncludingBiogenicUptake",))
    gases = b.decimals_in(top["gases"], ("gases",)) if "gases" in top else None
    report = b.text(top["gwpReport"], ("gwpReport",))
    if "fossilGhgEmissions" in top:
        fossil = b.decimal(top["fossilGhgEmissions"], ("fossilGhgEmissions",))
    else:
        others = sum((Decimal(extra[k]) for k in _NON_FOSSIL_COMPONENTS if k in extra),
                     Decimal(0))
        fossil = decimal_text(Decimal(total) - others, source=source, path="$.pcf")
    pcf["fossilGhgEmissions"] = fossil
    b.note(("pcf", "fossilGhgEmissions"), ("fossilGhgEmissions",))
    pcf["fossilCarbonContent"] = b.decimal(top["fossilCarbonContent"], ("fossilCarbonContent",))
    b.note(("pcf", "fossilCarbonContent"), ("fossilCarbonContent",))
    for key, value in extra.items():
        pcf[key] = value
        b.note(("pcf", key), ("pcfFields", key))
    if "ipccCharacterizationFactors" in top:
        pcf["ipccCharacterizationFactors"] = b.strings(top["ipccCharacterizationFactors"],
                                                       ("ipccCharacterizationFactors",))
    else:
        pcf["ipccCharacterizationFactors"] = [report]
    b.note(("pcf", "ipccCharacterizationFactors"), ("ipccCharacterizationFactors",))
    pcf["crossSectoralStandards"] = b.strings(top.get("crossSectoralStandards", ["ISO14067"]),
                                              ("crossSectoralStandards",))
    b.note(("pcf", "crossSectoralStandards"), ("crossSectoralStandards",))
    if "productOrSectorSpecificRules" in top:
        pcf["productOrSectorSpecificRules"] = top["productOrSectorSpecificRules"]
        b.note(("pcf", "productOrSectorSpecificRules"), ("productOrSectorSpecificRules",))
    pcf["exemptedEmissionsPercent"] = b.decimal(top["exemptedEmissionsPercent"],
                                                ("exemptedEmissionsPercent",))
    b.note(("pcf", "exemptedEmissionsPercent"), ("exemptedEmissionsPercent",))
    for key in ("exemptedEmissionsDescription", "allocationRulesDescription"):
        if key in top:
            pcf[key] = b.text(top[key], (key,))
            b.note(("pcf", key), (key,))
    if "primaryDataShare" in top:
        pcf["primaryDataShare"] = b.decimal(top["primaryDataShare"], ("primaryDataShare",))
        b.note(("pcf", "primaryDataShare"), ("primaryDataShare",))
    if "dqi" in top:
        pcf["dqi"] = {k: b.decimal(v, ("dqi", k)) for k, v in
                      b.mapping(top["dqi"], ("dqi",), _SUB_KEYS["dqi"]).items()}
        b.note(("pcf", "dqi"), ("dqi",))
    datasets = top.get("emissionFactorDatasets")
    if isinstance(datasets, list) and datasets:
        sources = []
        for i, entry in enumerate(datasets):
            entry = b.mapping(entry, ("emissionFactorDatasets", i))
            sources.append({"name": entry.get("name"), "version": entry.get("version")})
        pcf["secondaryEmissionFactorSources"] = sources
        b.note(("pcf", "secondaryEmissionFactorSources"), ("emissionFactorDatasets",))
    doc["pcf"] = pcf

    ext: dict[str, Any] = {"productNames": names}
    b.note((*EXT, "productNames",), ("product", "names"))
    ext["productCategory"] = b.text(product["category"], ("product", "category"))
    b.note((*EXT, "productCategory",), ("product", "category"))
    if hs_code is not None:
        ext["hsCode"] = hs_code
        b.note((*EXT, "hsCode",), ("product", "hsCode"))
    rule_set = top["ruleSet"]
    ext["ruleSet"] = {"id": rule_set} if isinstance(rule_set, str) else dict(
        b.mapping(rule_set, ("ruleSet",)))
    ext["boundary"] = b.text(top["boundary"], ("boundary",))
    ext["gwpReport"] = report
    for key in ("ruleSet", "boundary", "gwpReport"):
        b.note((*EXT, key,), (key,))
    if "stages" in top:
        ext["stages"] = b.decimals_in(top["stages"], ("stages",))
        for stage, value in ext["stages"].items():
            if stage in EMISSION_ONLY_STAGES and isinstance(value, str) and \
                    value.startswith("-") and value.strip("-0.") != "":
                b.fail(f"is {value}: the {stage} stage holds emissions (kg CO2e), which "
                       "cannot be negative; only endOfLife may be (credits for recycling)",
                       ("stages", stage), "negative_stage")
        b.note((*EXT, "stages",), ("stages",))
    if gases is not None:
        ext["gases"] = gases
        b.note((*EXT, "gases",), ("gases",))
    if "electricity" in top:
        electricity = dict(b.mapping(top["electricity"], ("electricity",)))
        for key in ("factor", "greenCertificates"):
            if key in electricity:
                electricity[key] = b.decimal(electricity[key], ("electricity", key))
        year = electricity.get("factorYear")
        if isinstance(year, str) and year.strip().isascii() and year.strip().isdigit() \
                and len(year.strip()) <= 9:
            electricity["factorYear"] = int(year.strip())  # a CSV cell is always text
        ext["electricity"] = electricity
        b.note((*EXT, "electricity",), ("electricity",))
    if "compute" in top:
        compute = dict(b.mapping(top["compute"], ("compute",)))
        for key in ("itEnergy", "pue", "wue"):
            if key in compute:
                compute[key] = b.decimal(compute[key], ("compute", key))
        ext["compute"] = compute
        b.note((*EXT, "compute",), ("compute",))
    for key in ("emissionFactorDatasets", "verification", "upstreamDeclarations", "grade"):
        if key in top:
            ext[key] = top[key]
            b.note((*EXT, key,), (key,))
    if "illustrative" in top:
        ext["illustrative"] = top["illustrative"]
        b.note((*EXT, "illustrative",), ("illustrative",))
    doc["extensions"] = [{
        "specVersion": CFL_EXTENSION_SPEC_VERSION,
        "dataSchema": CFL_EXTENSION_SCHEMA,
        "data": ext,
    }]
    return doc, b.origin


def _translate(finding: Finding, origin: Mapping[str, str]) -> Finding:
    """Re-root a finding on the input key that produced its path (longest known prefix)."""
    path = finding.path
    best = ""
    for out_path in origin:
        covers = path == out_path or path.startswith((out_path + ".", out_path + "["))
        if covers and len(out_path) > len(best):
            best = out_path
    if not best:
        return finding
    new_path = origin[best] + path[len(best):]
    return Finding(finding.code, finding.message, new_path, finding.severity, finding.source,
                   finding.rule_id, finding.citation, dict(finding.extra))


def declaration_from_input(
    data: Any, *, at: dt.datetime, source: str | None = None,
    new_id: Callable[[], str] = lambda: str(uuid.uuid4()),
) -> Declaration:
    """Friendly input → a checked :class:`Declaration` (errors name the input keys)."""
    document, origin = build_declaration_document(data, at=at, source=source, new_id=new_id)
    try:
        return Declaration.from_json(document, source=source)
    except InvalidDeclarationError as exc:
        findings = [_translate(f, origin) for f in exc.findings]  # type: ignore[arg-type]
        errors = [f for f in findings if f.severity.value == "error"]
        first = errors[0]
        more = f" (and {len(errors) - 1} more error(s))" if len(errors) > 1 else ""
        raise InvalidDeclarationError(
            f"does not make a valid declaration: {first.path}: {first.message}{more}",
            list(findings), source=source) from None


def load_input_file(path: str | Path, *, max_bytes: int = MAX_JSON_BYTES) -> Any:
    """Read a friendly input file: ``.json`` as strict JSON, anything else as YAML."""
    source = "<stdin>" if str(path) == "-" else str(path)
    data = read_bytes(path, max_bytes=max_bytes)
    if source.lower().endswith(".json") or (source == "<stdin>" and data.lstrip()[:1] == b"{"):
        return loads_strict(data, source=source, max_bytes=max_bytes)
    return loads_yaml(data, source=source, max_bytes=max_bytes)


def declare_file(path: str | Path, *, at: dt.datetime) -> Declaration:
    """Read a friendly YAML/JSON input file and make its declaration."""
    source = "<stdin>" if str(path) == "-" else str(path)
    return declaration_from_input(load_input_file(path), at=at, source=source)


# --------------------------------------------------------------------------- CSV batches

#: CSV columns whose cell holds a list, separated by ';'.
CSV_LIST_COLUMNS = frozenset({
    "company.ids", "product.ids", "product.classifications", "precedingPfIds",
    "crossSectoralStandards", "ipccCharacterizationFactors",
})


@dataclass(frozen=True)
class RowOutcome:
    """One CSV row: its number (the header is row 1), a declaration or an error, and its
    cells by column (stripped; every column, so a caller can name outputs by one)."""

    row: int
    declaration: Declaration | None
    error: CflError | None
    cells: Mapping[str, str] = field(default_factory=dict)

    @property
    def extra(self) -> dict[str, str]:
        """The cells of the columns that are not friendly input keys (a SKU, say)."""
        return {column: cell for column, cell in self.cells.items() if extra_column(column)}


@dataclass(frozen=True)
class BatchResult:
    rows: tuple[RowOutcome, ...]
    #: The header's columns, in order.
    header: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return all(r.error is None for r in self.rows)

    @property
    def declarations(self) -> tuple[Declaration, ...]:
        return tuple(r.declaration for r in self.rows if r.declaration is not None)


def _nest(row: Mapping[str, str], source: str, row_number: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for column, cell in row.items():
        if cell is None or cell.strip() == "":
            continue
        value: Any = [part.strip() for part in cell.split(";") if part.strip()] \
            if column in CSV_LIST_COLUMNS else cell.strip()
        if column == "illustrative":
            value = cell.strip().lower() in ("true", "yes", "1")
        node = out
        parts = column.split(".")
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise InputError(f"column {column!r} conflicts with column {part!r}",
                                 source=source, location=f"row {row_number}",
                                 code="csv_column_conflict")
            node = child
        node[parts[-1]] = value
    return out


def _check_header(header: list[str], source: str, extra_columns: str = "error") -> None:
    """Every row would fail the same way for a header that lacks a required key or names an
    unknown one: say it once, about the header (row 1). With ``extra_columns`` ``keep`` or
    ``ignore`` an unknown column is set aside instead (:func:`extra_column`)."""
    tops = {column.split(".", 1)[0] for column in header}
    for column in header:
        top = column.split(".", 1)[0]
        close = difflib.get_close_matches(top, TOP_LEVEL_KEYS, n=1, cutoff=0.8)
        if top not in TOP_LEVEL_KEYS and (extra_columns == "error" or close):
            raise InputError(f"the column {column!r} is not a friendly input key"
                             f"{_did_you_mean(top, TOP_LEVEL_KEYS)} (keys: "
                             f"{', '.join(TOP_LEVEL_KEYS)}; nested keys are written with dots, "
                             "e.g. company.name). A column of your own (a SKU, say) is kept "
                             "beside the declaration with --extra-columns keep, or left out "
                             "with --extra-columns ignore", source=source, location="row 1",
                             code="unknown_column")
    missing = [key for key in _REQUIRED if key not in tops]
    if missing:
        example = _example_column(missing[0])
        raise InputError(f"the header has no column for the required key(s) "
                         f"{', '.join(missing)}" + (f" (e.g. {example})" if example != missing[0]
                                                    else ""),
                         source=source, location="row 1", code="missing_column")


def _example_column(key: str) -> str:
    sub = _SUB_KEYS.get(key)
    return f"{key}.{sub[0]}" if sub else key


#: The namespace of the ids derived from a CSV row's cells (UUID v5, RFC 9562 §5.5).
ROW_KEY_NAMESPACE = uuid.UUID("5b0f7f4e-4c1e-5d2a-9c55-2f0a6c1e7d11")
#: The version of the row-key recipe, part of the hashed name (a new recipe, new ids).
ROW_KEY_VERSION = "cfl-csv-row-key/1"


def row_key(cells: Mapping[str, str]) -> str:
    """The key of a CSV row that gives no ``id``: its non-empty cells by column, as the JSON
    text its id is derived from (docs/cli-declarations.md).

    Cells are taken without surrounding spaces and in the order of their column names, so
    moving a column or a row keeps the key; changing any value changes it, and with it the
    id: a changed declaration is a new declaration (PACT: ids are never reused)."""
    pairs = sorted((column.strip(), cell.strip()) for column, cell in cells.items()
                   if column.strip() != "id" and cell is not None and cell.strip())
    return json.dumps([ROW_KEY_VERSION, pairs], ensure_ascii=False, separators=(",", ":"))


def row_key_id(cells: Mapping[str, str]) -> str:
    """The id of a CSV row that gives none: UUID v5 of :func:`row_key` in
    :data:`ROW_KEY_NAMESPACE`, so declaring the same list again gives the same ids."""
    return str(uuid.uuid5(ROW_KEY_NAMESPACE, row_key(cells)))


def _same_id_error(nested: Mapping[str, Any], first: int, declaration_id: str, *,
                   source: str, row: int) -> InputError:
    if "id" in nested:
        why = f"its id {declaration_id} is row {first}'s too"
    else:
        why = (f"it repeats row {first} (same cells, so the same declaration, id "
               f"{declaration_id}); remove one of them")
    return InputError(f"two rows make one declaration: {why}", source=source,
                      location=f"row {row}", code="duplicate_row_key")


#: What ``extra_columns`` may be: refuse a column that is not a friendly input key, keep its
#: cells beside the declaration (:attr:`RowOutcome.extra`, and in the row's key that makes
#: its id), or ignore it (left out of the key too).
EXTRA_COLUMNS = ("error", "keep", "ignore")
#: ``encoding`` name → Python codec (UTF-8 and UTF-16 take a byte order mark).
CSV_ENCODINGS: Mapping[str, str] = {"utf-8": "utf-8-sig", "gb18030": "gb18030", "gbk": "gbk",
                                    "utf-16": "utf-16"}
_UNDECODED = re.compile("[\udc80-\udcff]+")


def extra_column(column: str) -> bool:
    """True for a CSV column that is not a friendly input key (a SKU column, say)."""
    return column.split(".", 1)[0] not in TOP_LEVEL_KEYS


def declare_csv_bytes(data: bytes, *, at: dt.datetime, source: str, encoding: str = "utf-8",
                      extra_columns: str = "error",
                      progress: Callable[[int], None] | None = None) -> BatchResult:
    """One declaration per CSV row; every row is tried and reported.

    A row without an ``id`` gets one derived from its cells (:func:`row_key_id`), so declaring
    the same list twice (or again after an interrupted run) gives the same declarations; two
    rows that would make one declaration (the same cells, or the same ``id``) are an error
    about the later one.

    ``encoding`` is the file's (:data:`CSV_ENCODINGS`); a row with bytes that are not in it is
    an error about that row and column (with the hint to save as "CSV UTF-8"), and every
    other row is still declared. ``extra_columns`` (:data:`EXTRA_COLUMNS`) says what to do with
    columns that are not friendly input keys. Problems are said as ``row N, column X`` with
    what was expected. ``progress(1)`` is called after each row.
    """
    if extra_columns not in EXTRA_COLUMNS:
        raise ValueError(f"extra_columns must be one of {', '.join(EXTRA_COLUMNS)}")
    text = _csv_text(data, encoding, source)
    if not text.strip():
        raise InputError("is empty; expected a CSV header and rows", source=source, code="empty")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except csv.Error as exc:
        raise InputError(f"is not valid CSV: {exc}", source=source, location="row 1",
                         code="malformed_csv") from None
    header = [h.strip() for h in header]
    if any(_UNDECODED.search(h) for h in header):
        raise _not_encoded(source, "row 1", encoding, "".join(header))
    duplicates = sorted({h for h in header if header.count(h) > 1})
    if duplicates:
        raise InputError(f"the header repeats column(s) {', '.join(duplicates)}",
                         source=source, location="row 1", code="duplicate_column")
    _check_header(header, source, extra_columns)
    outcomes: list[RowOutcome] = []
    rows_by_id: dict[str, int] = {}
    advance = progress or (lambda n: None)
    row_number = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            row_number += 1
            outcomes.append(RowOutcome(row_number, None, InputError(
                f"is not valid CSV: {exc}", source=source, location=f"row {row_number}",
                code="malformed_csv")))
            break
        row_number += 1
        advance(1)
        if row_number - 1 > MAX_CSV_ROWS:
            raise InputError(f"has more than {MAX_CSV_ROWS} rows", source=source,
                             code="too_large")
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            missing = header[len(cells):]
            detail = (f"missing column(s): {', '.join(missing)}" if missing else
                      f"{len(cells) - len(header)} cell(s) beyond the header")
            outcomes.append(RowOutcome(row_number, None, InputError(
                f"has {len(cells)} cells but the header has {len(header)} columns ({detail})",
                source=source, location=f"row {row_number}", code="csv_row_length")))
            continue
        by_column = dict(zip(header, cells, strict=True))
        undecoded = next((column for column, cell in by_column.items()
                          if _UNDECODED.search(cell)), None)
        if undecoded is not None:
            outcomes.append(RowOutcome(row_number, None, _not_encoded(
                source, f"row {row_number}, column {undecoded}", encoding,
                by_column[undecoded])))
            continue
        stripped = {column: cell.strip() for column, cell in by_column.items()}
        friendly = {column: cell for column, cell in by_column.items()
                    if not extra_column(column)}
        keyed = friendly if extra_columns == "ignore" else by_column
        row_source = f"{source}: row {row_number}"
        try:
            nested = _nest(friendly, source, row_number)
            derived = row_key_id(keyed)
            declaration = declaration_from_input(nested, at=at, source=row_source,
                                                 new_id=lambda: derived)  # noqa: B023
        except CflError as exc:
            outcomes.append(RowOutcome(row_number, None, _in_csv_terms(
                exc, source=source, row=row_number, cells=friendly), stripped))
            continue
        first = rows_by_id.setdefault(declaration.id.lower(), row_number)
        if first != row_number:
            outcomes.append(RowOutcome(row_number, None, _same_id_error(
                nested, first, declaration.id, source=source, row=row_number), stripped))
            continue
        outcomes.append(RowOutcome(row_number, declaration, None, stripped))
    if not outcomes:
        raise InputError("has a header but no rows", source=source, code="empty")
    return BatchResult(tuple(outcomes), tuple(header))


def _csv_text(data: bytes, encoding: str, source: str) -> str:
    """The file as text; bytes that are not in ``encoding`` stay as lone surrogates (each
    row holding one is then reported, the others declared)."""
    codec = CSV_ENCODINGS.get(encoding)
    if codec is None:
        raise InputError(f"unknown encoding {encoding!r}; expected one of "
                         f"{', '.join(CSV_ENCODINGS)}", source=source, code="bad_encoding")
    kind = binary_kind(data)
    if kind is not None:
        raise InputError(f"is {kind}, not a CSV file", source=source, location="byte 0",
                         code="wrong_file_type")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) and encoding != "utf-16":
        raise InputError("starts like UTF-16 (a byte order mark); give --encoding utf-16",
                         source=source, location="byte 0", code="bad_encoding")
    try:
        return data.decode(codec, errors="surrogateescape")
    except UnicodeError as exc:  # a codec that cannot carry on past a bad byte
        raise InputError(f"is not {encoding} text ({exc})", source=source,
                         code="bad_encoding") from None


def _not_encoded(source: str, where: str, encoding: str, cell: str) -> InputError:
    found = _UNDECODED.search(cell)
    raw = bytes(ord(c) - 0xDC00 for c in found.group()[:6]) if found else b""
    other = "gb18030" if encoding != "gb18030" else "utf-8"
    return InputError(
        f"is not {encoding} text (bytes {raw.hex(' ').upper()}); the sheet was saved in another "
        f"encoding: save it as \"CSV UTF-8\" in the spreadsheet, or give the encoding it was "
        f"saved in (--encoding {other}; Excel on Chinese Windows writes GB18030)",
        source=source, location=where, code="bad_encoding")


def csv_column(path: str) -> str:
    """The CSV column of an input JSON path: ``$.stages.production`` → ``stages.production``,
    ``$.company.ids[0]`` → ``company.ids``."""
    dotted = re.sub(r"\[[0-9]+\]", "", path.removeprefix("$").lstrip("."))
    return dotted or "$"


def _column_in(path: str, cells: Mapping[str, str]) -> str:
    """The header column an input path falls under (the path's own column, the column it
    is a prefix of, or the longest column that is a prefix of it)."""
    column = csv_column(path)
    if column in cells:
        return column
    under = [c for c in cells if c.startswith(column + ".")]
    if under:
        return under[0]
    prefixes = [c for c in cells if column.startswith(c + ".")]
    return max(prefixes, key=len) if prefixes else column


def _in_csv_terms(exc: CflError, *, source: str, row: int, cells: Mapping[str, str]
                  ) -> CflError:
    """A row's error said as ``row N, column X: what was expected`` (an empty cell as such)."""
    def located(path: str, message: str) -> tuple[str, str]:
        column = _column_in(path, cells)
        if column in cells and not cells[column].strip():
            message = f"is empty; a value is required here ({message})"
        return f"row {row}, column {column}", message

    if isinstance(exc, InvalidDeclarationError):
        findings: list[object] = []
        for finding in exc.findings:
            if not isinstance(finding, Finding):
                findings.append(finding)
                continue
            where, message = located(finding.path, finding.message)
            findings.append(Finding(finding.code, message, where, finding.severity, source,
                                    finding.rule_id, finding.citation, dict(finding.extra)))
        errors = [f for f in findings if isinstance(f, Finding) and f.severity.value == "error"]
        first = errors[0] if errors else None
        summary = (f"{first.path}: {first.message}" if first is not None else exc.message)
        return InvalidDeclarationError(f"does not make a valid declaration: {summary}",
                                       findings, source=source)
    if isinstance(exc, InputError) and exc.location and exc.location.startswith("$"):
        where, message = located(exc.location, exc.message)
        return InputError(message, source=source, location=where, code=exc.code)
    return exc


def declare_csv(path: str | Path, *, at: dt.datetime, encoding: str = "utf-8",
                extra_columns: str = "error",
                progress: Callable[[int], None] | None = None) -> BatchResult:
    source = "<stdin>" if str(path) == "-" else str(path)
    return declare_csv_bytes(read_bytes(path), at=at, source=source, encoding=encoding,
                             extra_columns=extra_columns, progress=progress)
