"""The short ways of the semantic checks give what the long ways give.

* a figure or a time read by the short readers equals :func:`parse_decimal_string` /
  :func:`parse_time_or_none` of it;
* an exactly matching sum skips the tolerance, and ``_agree`` equals :func:`figures_agree`;
* ``semantic_findings(..., errors_only=True)`` is the full call's errors in the full call's
  order, on declarations mutated where the cross-field checks look (also as a read-only
  Mapping rather than a dict).
"""

from __future__ import annotations

import copy
import datetime as dt
import random
import types
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from cfl.declaration import rules
from cfl.declaration.gwp import gwp_table
from cfl.declaration.rules import (
    decimal_field,
    figures_agree,
    parse_decimal_string,
    semantic_findings,
    time_field,
)
from cfl.findings import Severity
from cfl.io.jsonio import loads_strict
from cfl.timeutil import parse_time_or_none

BATTERY = Path(__file__).resolve().parents[1] / "fixtures" / "declarations" / "battery-pack.json"

# ----------------------------------------------------------------------- figures

strict_decimals = st.from_regex(r"-?(0|[1-9][0-9]{0,30})(\.[0-9]{1,12})?", fullmatch=True)
decimal_like = st.text(alphabet="0123456789.-+eE _\u0663\uff11", max_size=44)
figure_texts = strict_decimals | decimal_like | st.text(max_size=8) | st.sampled_from(
    ["NaN", "-Infinity", "1" * 40, "1" * 41, "0." + "0" * 38, "-0", "00", ".5", "5."])


def same_decimal(a: Decimal | None, b: Decimal | None) -> bool:
    """Equal with the same digits and exponent (``1.0`` is not ``1.00``: rounding differs)."""
    return repr(a) == repr(b)


@settings(max_examples=300)
@given(figure_texts)
def test_a_figure_read_short_is_parse_decimal_string(text: str) -> None:
    expected = parse_decimal_string(text)
    assert same_decimal(rules._strict(text), expected)
    assert same_decimal(rules._figure({"k": text}, "k"), decimal_field({"k": text}, "k"))
    assert same_decimal(rules._mass(text), rules.as_decimal(text))


class _Text(str):
    """A str subclass: read by the general readers."""


def test_str_subclasses_and_other_values_read_as_before() -> None:
    obj: dict[str, Any] = {"a": _Text("12.50"), "b": _Text("1e3"), "c": Decimal("1.5"), "d": 7,
                           "e": None, "f": ["1"]}
    for key in [*obj, "missing"]:
        assert same_decimal(rules._figure(obj, key), decimal_field(obj, key))
        assert same_decimal(rules._mass(obj.get(key)), rules.as_decimal(obj.get(key)))
    assert rules._figures(obj, list(obj)) == [(Decimal("12.50"), Decimal(1))]


# ----------------------------------------------------------------------- times

two_digits = st.integers(0, 99).map(lambda n: f"{n:02d}")
rfc3339_like = st.builds(
    lambda year, month, day, t, hour, minute, second, frac, zone:
    f"{year:04d}-{month}-{day}{t}{hour}:{minute}:{second}{frac}{zone}",
    st.integers(0, 9999), two_digits, two_digits, st.sampled_from(["T", "t", " "]),
    two_digits, two_digits, two_digits,
    st.sampled_from(["", ".5", ".123456789", ".1234567891"]),
    st.sampled_from(["Z", "z", "+00:00", "+08:00", "-23:59", "+24:00", "", "Z "]),
)
time_texts = rfc3339_like | st.text(max_size=8) | st.sampled_from(
    ["9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00", "2024-02-29T00:00:00Z",
     "2023-02-29T00:00:00Z", "2026-01-01T24:00:00Z", "2026-01-01T23:59:60Z",
     "\uff12026-01-01T00:00:00Z", "2026-01-01T00:00:00.000000000000000000000000000Z"])


def same_moment(a: dt.datetime | None, b: dt.datetime | None) -> bool:
    return repr(a) == repr(b)


@settings(max_examples=300)
@given(time_texts)
def test_a_time_read_short_is_parse_time_or_none(text: str) -> None:
    expected = parse_time_or_none(text)
    assert same_moment(rules._moment(text), expected)
    assert same_moment(rules._moment(_Text(text)), expected)
    assert same_moment(rules._moment(text), time_field({"k": text}, "k"))


def test_other_values_are_no_time() -> None:
    assert rules._moment(5) is None and rules._moment(None) is None


# ----------------------------------------------------------------------- agreement


_FACTORS = sorted({Decimal(1), *(f for by in gwp_table().factors.values() for f in by.values())})


@st.composite
def sums(draw: st.DrawFn) -> tuple[Decimal, list[tuple[Decimal, Decimal]]]:
    terms = [(Decimal(draw(strict_decimals)), draw(st.sampled_from(_FACTORS)))
             for _ in range(draw(st.integers(1, 6)))]
    total = Decimal(0)
    for value, factor in terms:
        total += value * factor
    choice = draw(st.integers(0, 3))
    if choice == 0:  # the exact sum, printed plainly (as a declaration would)
        expected = Decimal(format(total, "f"))
    elif choice == 1:  # the exact sum with more trailing zeros
        expected = Decimal(format(total, "f") + ("" if "." in format(total, "f") else ".") + "00")
    elif choice == 2:  # close to it
        expected = total + Decimal(draw(strict_decimals)).scaleb(-draw(st.integers(0, 8)))
    else:
        expected = Decimal(draw(strict_decimals))
    text = format(expected, "f")
    return Decimal(text) if len(text) <= 40 else Decimal(1), terms


@settings(max_examples=400)
@given(sums())
def test_agree_is_figures_agree(case: tuple[Decimal, list[tuple[Decimal, Decimal]]]) -> None:
    expected, terms = case
    ok, total = rules._agree(expected, terms)
    reference_ok, reference_total = figures_agree(expected, terms)
    assert ok == reference_ok
    assert repr(total) == repr(reference_total)


# ----------------------------------------------------------------------- errors only

NUMBERS = ["0", "1", "-1", "55.71", "55.710", "55.7", "55.72", "13.00", "13", "42.71", "0.1",
           "100", "100.01", "250", "5", "5.01", "0.99", "1e3", " 1", "01", "", "1" * 41,
           "9" * 30 + ".5", 5, None, Decimal("1.5")]
TIMES = ["2024-01-01T00:00:00Z", "2026-01-01T00:00:00Z", "2029-01-01T00:00:01Z",
         "2031-01-01T00:00:00Z", "2024-02-29T00:00:00Z", "2027-02-28T00:00:01Z",
         "2026-02-30T00:00:00Z", "2026-01-01T08:00:00+08:00", "2026-01-01T00:00:00",
         "9999-12-30T00:00:00Z", "garbage", 5, None]
IDS: dict[str, list[Any]] = {
    "productIds": ["urn:gtin:06901234567892", "urn:gtin:06901234567891", "URN:GTIN:96385074",
                   "urn:gtin:12345", "urn:gtin:0690123456789x", "urn:other:1", 5],
    "companyIds": ["urn:uscc:91350100M000100Y43", "urn:uscc:91350100M000100Y44",
                   "urn:uscc:91350100M000100YI3", "Urn:Uscc:91350100M000100Y43",
                   "urn:uscc:9135"],
}
GASES = ["co2Fossil", "ch4Fossil", "ch4NonFossil", "co2Biogenic", "n2o", "sf6", "HFC-134a",
         "HFC-999"]


def _mutated(rng: random.Random) -> Any:
    doc = loads_strict(BATTERY.read_bytes())
    pcf, extension = doc["pcf"], doc["extensions"][0]
    data = extension["data"]
    for _ in range(rng.randint(1, 6)):
        where = rng.randrange(9)
        if where == 0:
            pcf[rng.choice(["pcfExcludingBiogenicUptake", "pcfIncludingBiogenicUptake",
                            "biogenicCO2Uptake", "fossilGhgEmissions", "primaryDataShare",
                            "exemptedEmissionsPercent", "landUseChangeGhgEmissions"])] = \
                rng.choice(NUMBERS)
        elif where == 1:
            target, key = rng.choice([(pcf, "referencePeriodStart"), (pcf, "referencePeriodEnd"),
                                      (doc, "validityPeriodStart"), (doc, "validityPeriodEnd")])
            target[key] = rng.choice(TIMES)
        elif where == 2:
            pcf[rng.choice(["geographyCountry", "geographyCountrySubdivision",
                            "geographyRegionOrSubregion"])] = rng.choice(
                ["CN", "XX", "cn", "CN-GD", "XX-GD", "Asia"])
        elif where == 3:
            key = rng.choice(list(IDS))
            doc[key] = [rng.choice(IDS[key]) for _ in range(rng.randint(0, 3))]
        elif where == 4:
            pcf["dqi"] = {rng.choice(["technologicalDQR", "temporalDQR"]): rng.choice(NUMBERS)}
        elif where == 5:
            data["stages"][rng.choice(["rawMaterial", "production", "use", "endOfLife"])] = \
                rng.choice(NUMBERS)
            data["boundary"] = rng.choice(["cradle-to-gate", "cradle-to-grave"])
        elif where == 6:
            data["gases"][rng.choice(GASES)] = rng.choice(NUMBERS)
            if rng.random() < 0.3:
                data["gases"]["hfcs"] = [{"species": rng.choice(["HFC-134a", "HFC-999"]),
                                          "mass": rng.choice(NUMBERS)}]
        elif where == 7:
            data["gwpReport"] = rng.choice(["AR4", "AR5", "AR6", "AR7"])
            pcf["ipccCharacterizationFactors"] = rng.choice([["AR6"], ["AR5"], []])
        elif rng.random() < 0.5:
            doc["extensions"].append(copy.deepcopy(extension))
        else:
            doc["extensions"] = []  # a plain PACT footprint: the strict checks only warn
    if rng.random() < 0.2:
        doc["pcf"] = types.MappingProxyType(pcf)
        return types.MappingProxyType(doc)
    return doc


@settings(max_examples=300)
@given(st.randoms(use_true_random=False))
def test_errors_only_is_the_full_runs_errors_in_its_order(rng: random.Random) -> None:
    doc = _mutated(rng)
    full = semantic_findings(doc)
    assert semantic_findings(doc, errors_only=True) == \
        [f for f in full if f.severity is Severity.ERROR]
    assert semantic_findings(doc) == full  # the remembered tables change nothing
