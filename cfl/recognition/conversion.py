"""Conversions a mapping may offer: GWP100 recomputation and declared-unit scaling.

GWP recomputation (``recompute_gwp``) works from the per-gas breakdown in the cfl extension
(kg of each gas per declared unit) and the one cited GWP table (:mod:`cfl.declaration.gwp`):

* for every gas given, the change is ``mass × (GWP_new − GWP_old)``; fossil and non-fossil
  methane use their own factors (AR6 29.8 and 27.0; AR5 30 and 28; AR4 25 for both);
* the fossil gases' change goes to ``pcf.fossilGhgEmissions``; non-fossil methane's change
  goes to ``pcf.biogenicNonCO2Emissions``; both totals (``pcfExcludingBiogenicUptake``,
  ``pcfIncludingBiogenicUptake``) move by the sum; biogenic CO2 (GWP 1 in every report)
  does not change;
* life-cycle stages are scaled in proportion to the new total excluding biogenic uptake
  (cfl has no per-stage gas breakdown, so each stage is assumed to have the declaration's
  gas mix), rounded to 6 decimal places;
* ``pcf.ipccCharacterizationFactors`` becomes ``[report]`` and the extension's
  ``gwpReport`` becomes ``report``.

Before converting, the breakdown is checked against ``pcf.fossilGhgEmissions`` under the old
report; if the gases do not account for it (1 % tolerance), converting would be a guess, and
an error names the gases the breakdown lacks.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from cfl.declaration.gwp import GAS_KEYS, REPORTS, gwp_table
from cfl.declaration.view import cfl_extension
from cfl.errors import InputError
from cfl.recognition.inputs import next_version

#: Relative tolerance between the per-gas CO2e and the declared fossil emissions.
GAS_TOLERANCE = Decimal("0.01")
STAGE_PLACES = Decimal("0.000001")
MAX_PLACES = Decimal("0.000000000001")

ALL_GAS_KEYS = ("co2Fossil", "co2Biogenic", "ch4Fossil", "ch4NonFossil", "n2o", "sf6", "nf3",
                "hfcs", "pfcs")

#: PACT v3 CarbonFootprint quantities that are "per declared unit" (scaled with the unit).
PER_UNIT_PCF_FIELDS = (
    "productMassPerDeclaredUnit", "pcfExcludingBiogenicUptake", "pcfIncludingBiogenicUptake",
    "fossilCarbonContent", "biogenicCarbonContent", "recycledCarbonContent",
    "fossilGhgEmissions", "landUseChangeGhgEmissions", "landCarbonLeakage",
    "landManagementFossilGhgEmissions", "landManagementBiogenicCO2Emissions",
    "landManagementBiogenicCO2Removals", "biogenicCO2Uptake", "biogenicNonCO2Emissions",
    "landAreaOccupation", "aircraftGhgEmissions", "packagingGhgEmissions",
    "packagingBiogenicCarbonContent", "outboundLogisticsGhgEmissions",
    "ccsTechnologicalCO2Capture", "technologicalCO2Removals", "ccuCarbonContent",
)

_EXT = "$.extensions[cfl].data"


def decimal_text(value: Decimal) -> str:
    """A decimal as PACT writes it: plain notation, no exponent, no trailing zeros."""
    if value == value.to_integral_value():
        value = value.quantize(Decimal(1))
    elif value.as_tuple().exponent < -12:  # type: ignore[operator]
        value = value.quantize(MAX_PLACES)
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def _decimal(value: Any, where: str, source: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise InputError(f"expected a decimal string, found {value!r}", source=source,
                         location=where, code="bad_decimal")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise InputError(f"expected a decimal string, found {value!r}", source=source,
                         location=where, code="bad_decimal") from None
    if not number.is_finite():
        raise InputError(f"{value!r} is not a finite number", source=source, location=where,
                         code="bad_decimal")
    return number


@dataclass(frozen=True)
class GwpRecomputation:
    """The converted declaration (same id; see ``cfl.recognition.inputs.next_version``)."""

    declaration: dict[str, Any]
    from_report: str
    to_report: str
    fossil_change: Decimal
    non_fossil_change: Decimal
    stage_factor: Decimal | None
    notes: tuple[str, ...]


def current_report(declaration: Mapping[str, Any], source: str = "<declaration>") -> str:
    """The GWP report a declaration was made with (extension ``gwpReport`` or PACT field)."""
    data = cfl_extension(declaration)
    report = data.get("gwpReport") if data else None
    if isinstance(report, str) and report in REPORTS:
        return report
    pcf = declaration.get("pcf")
    factors = pcf.get("ipccCharacterizationFactors") if isinstance(pcf, Mapping) else None
    if isinstance(factors, list) and len(factors) == 1 and factors[0] in REPORTS:
        return str(factors[0])
    raise InputError(
        "the GWP report used is not stated unambiguously (expected gwpReport AR4, AR5 or AR6 "
        "in the cfl extension, or a single entry in pcf.ipccCharacterizationFactors)",
        source=source, location=f"{_EXT}.gwpReport", code="unknown_gwp_report",
    )


def _gas_masses(gases: Mapping[str, Any], source: str) -> list[tuple[str, str, Decimal]]:
    """(extension key or species, table gas name, mass) for every gas given."""
    out: list[tuple[str, str, Decimal]] = []
    for key, table_name in GAS_KEYS.items():
        if key in gases:
            out.append((key, table_name, _decimal(gases[key], f"{_EXT}.gases.{key}", source)))
    for family in ("hfcs", "pfcs"):
        items = gases.get(family, [])
        if not isinstance(items, list):
            raise InputError("expected a list of {species, mass}", source=source,
                             location=f"{_EXT}.gases.{family}", code="bad_gases")
        for i, item in enumerate(items):
            where = f"{_EXT}.gases.{family}[{i}]"
            if not isinstance(item, Mapping) or not isinstance(item.get("species"), str):
                raise InputError("expected {species, mass}", source=source, location=where,
                                 code="bad_gases")
            out.append((item["species"], item["species"],
                        _decimal(item.get("mass"), f"{where}.mass", source)))
    return out


def recompute_gwp(declaration: Mapping[str, Any], report: str, *,
                  source: str = "<declaration>") -> GwpRecomputation:
    """The declaration restated with ``report``'s GWP100 values (see the module text)."""
    if report not in REPORTS:
        raise InputError(f"unknown GWP report {report!r}; expected one of {', '.join(REPORTS)}",
                         source=source, code="unknown_gwp_report")
    data = cfl_extension(declaration)
    gases = data.get("gases") if data else None
    if not isinstance(gases, Mapping) or not gases:
        raise InputError(
            "has no per-gas breakdown, so its GWP values cannot be recomputed; add "
            f"{_EXT}.gases with the kg of each gas per declared unit: "
            f"{', '.join(ALL_GAS_KEYS)} (fossil and non-fossil methane apart)",
            source=source, location=f"{_EXT}.gases", code="no_gas_breakdown",
        )
    old = current_report(declaration, source)
    if old == report:
        raise InputError(f"already uses {report} GWP100 values; nothing to convert",
                         source=source, location=f"{_EXT}.gwpReport", code="same_gwp_report")
    table = gwp_table()
    masses = _gas_masses(gases, source)
    pcf = declaration.get("pcf")
    if not isinstance(pcf, Mapping):
        raise InputError("has no pcf object", source=source, location="$.pcf", code="no_pcf")
    declared_fossil = _decimal(pcf.get("fossilGhgEmissions"), "$.pcf.fossilGhgEmissions", source)
    fossil_old = sum((m * table.factor(gas, old) for key, gas, m in masses
                      if key != "ch4NonFossil"), Decimal(0))
    if abs(fossil_old - declared_fossil) > GAS_TOLERANCE * max(abs(declared_fossil),
                                                               Decimal("0.001")):
        absent = [k for k in ALL_GAS_KEYS if k not in gases and k != "co2Biogenic"]
        raise InputError(
            f"the per-gas breakdown gives {decimal_text(fossil_old)} kg CO2e of fossil "
            f"emissions under {old}, but pcf.fossilGhgEmissions is "
            f"{decimal_text(declared_fossil)}: the breakdown does not account for every gas, "
            "so a recomputation would be a guess (gases not given: "
            f"{', '.join(absent) or 'none'})",
            source=source, location=f"{_EXT}.gases", code="incomplete_gas_breakdown",
        )
    fossil_change = sum((m * (table.factor(gas, report) - table.factor(gas, old))
                         for key, gas, m in masses if key != "ch4NonFossil"), Decimal(0))
    non_fossil_change = sum((m * (table.factor(gas, report) - table.factor(gas, old))
                             for key, gas, m in masses if key == "ch4NonFossil"), Decimal(0))
    change = fossil_change + non_fossil_change

    out = copy.deepcopy(dict(declaration))
    new_pcf = out["pcf"]
    new_pcf["fossilGhgEmissions"] = decimal_text(declared_fossil + fossil_change)
    if non_fossil_change or "biogenicNonCO2Emissions" in new_pcf:
        base = _decimal(new_pcf.get("biogenicNonCO2Emissions", "0"),
                        "$.pcf.biogenicNonCO2Emissions", source)
        new_pcf["biogenicNonCO2Emissions"] = decimal_text(base + non_fossil_change)
    old_total = _decimal(pcf.get("pcfExcludingBiogenicUptake"),
                         "$.pcf.pcfExcludingBiogenicUptake", source)
    new_total = old_total + change
    new_pcf["pcfExcludingBiogenicUptake"] = decimal_text(new_total)
    if "pcfIncludingBiogenicUptake" in new_pcf:
        including = _decimal(new_pcf["pcfIncludingBiogenicUptake"],
                             "$.pcf.pcfIncludingBiogenicUptake", source)
        new_pcf["pcfIncludingBiogenicUptake"] = decimal_text(including + change)
    new_pcf["ipccCharacterizationFactors"] = [report]
    new_data = cfl_extension(out)
    assert new_data is not None and isinstance(new_data, dict)
    new_data["gwpReport"] = report
    notes = [f"GWP100 values recomputed from {old} to {report} per gas from the cited table "
             f"(rulesets/data/gwp100.yaml: {table.source(report)})"]
    stage_factor: Decimal | None = None
    stages = new_data.get("stages")
    if isinstance(stages, dict) and stages:
        if old_total == 0:
            notes.append("stages left unchanged: the old total is zero")
        else:
            stage_factor = new_total / old_total
            for name, value in stages.items():
                scaled = _decimal(value, f"{_EXT}.stages.{name}", source) * stage_factor
                stages[name] = decimal_text(scaled.quantize(STAGE_PLACES))
            notes.append("stages scaled in proportion to the new total (each stage assumed "
                         "to have the declaration's gas mix)")
    return GwpRecomputation(out, old, report, fossil_change, non_fossil_change, stage_factor,
                            tuple(notes))


def scale_declared_unit(declaration: Mapping[str, Any], from_unit: str, to_unit: str,
                        factor: Decimal, *, source: str = "<declaration>") -> dict[str, Any]:
    """The declaration restated per ``to_unit`` (1 to_unit = factor from_unit).

    Every per-declared-unit quantity (PACT fields, stages, gases) is multiplied by
    ``factor``; the declared unit amount is unchanged.
    """
    pcf = declaration.get("pcf")
    if not isinstance(pcf, Mapping) or pcf.get("declaredUnitOfMeasurement") != from_unit:
        raise InputError(f"the declared unit is not {from_unit!r}", source=source,
                         location="$.pcf.declaredUnitOfMeasurement", code="unit_mismatch")
    out = copy.deepcopy(dict(declaration))
    new_pcf = out["pcf"]
    new_pcf["declaredUnitOfMeasurement"] = to_unit
    for name in PER_UNIT_PCF_FIELDS:
        if name in new_pcf:
            new_pcf[name] = decimal_text(_decimal(new_pcf[name], f"$.pcf.{name}", source) * factor)
    data = cfl_extension(out)
    if isinstance(data, dict):
        for group in ("stages", "gases"):
            values = data.get(group)
            if isinstance(values, dict):
                for key, value in values.items():
                    if isinstance(value, list):
                        for item in value:
                            if isinstance(item, dict) and "mass" in item:
                                item["mass"] = decimal_text(
                                    _decimal(item["mass"], f"{_EXT}.{group}.{key}", source)
                                    * factor)
                    else:
                        values[key] = decimal_text(
                            _decimal(value, f"{_EXT}.{group}.{key}", source) * factor)
    return out


@dataclass(frozen=True)
class ConvertedDeclaration:
    """`cfl convert`'s result: a new declaration (new id, predecessor named) and what changed."""

    declaration: dict[str, Any]
    recomputation: GwpRecomputation
    notes: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        pcf = self.declaration["pcf"]
        return {
            "declarationId": self.declaration["id"],
            "precedingPfIds": self.declaration.get("precedingPfIds", []),
            "from": self.recomputation.from_report, "to": self.recomputation.to_report,
            "fossilGhgEmissions": pcf.get("fossilGhgEmissions"),
            "pcfExcludingBiogenicUptake": pcf.get("pcfExcludingBiogenicUptake"),
            "notes": list(self.notes),
        }


def convert_declaration(declaration: Mapping[str, Any], report: str, *, at: dt.datetime,
                        new_id: str | None = None, source: str = "<declaration>"
                        ) -> ConvertedDeclaration:
    """A NEW declaration restated with ``report``'s GWP100 values (see the module text).

    It gets a new id, the old id first in ``precedingPfIds`` and ``created`` = ``at``; a
    grade made on the old values is removed (grade again under the new values).
    """
    recomputation = recompute_gwp(declaration, report, source=source)
    out = next_version(recomputation.declaration, at=at, new_id=new_id)
    notes = list(recomputation.notes)
    data = cfl_extension(out)
    if isinstance(data, dict) and "grade" in data:
        del data["grade"]
        notes.append("the grade was removed: it was made on the old values; run `cfl grade` "
                     "again")
    notes.append("the result is a new, unsigned declaration: sign it again")
    return ConvertedDeclaration(out, recomputation, tuple(notes))
