"""Factor packs: versioned, cited emission factors, and the plausibility checks that use them.

A factor pack (``rulesets/data/factor-packs/<id>.yaml``, schema
``schemas/factor-pack.schema.json``) lists factors by entry (``national-average``, ``wind`` …),
year and kind: ``life-cycle`` factors (CO2e over the supply chain: what a product footprint
uses) and ``co2-only`` grid factors (the CO2 of consumption for an organisation's scope 2:
never for a footprint). Each factor cites a source and an evidence level; an ``unconfirmed``
factor is a lead only and is never compared with anything.

:func:`plausibility_findings` is what ``cfl validate`` adds to the schema and cross-field
checks: a declaration whose electricity block names a pack entry and year but states another
factor; a CO2-only grid factor in a footprint; a compute-service footprint smaller than its own
electricity; a PUE below 1; an HS code outside the declared category.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from cfl.declaration.view import cfl_extension_entries
from cfl.errors import InputError
from cfl.findings import Finding, Severity
from cfl.io.resources import data_dir
from cfl.io.yamlio import loads_yaml
from cfl.recognition.catalogue import category_catalogue
from cfl.recognition.rules import Confidence, Source, schema_errors

FACTOR_PACK_SCHEMA = "factor-pack.schema.json"
#: Bound on one factor pack file.
MAX_PACK_BYTES = 1024 * 1024
#: Placeholder for the extension in finding paths; replaced by its real index.
EXT = "$.extensions[cfl].data"


@dataclass(frozen=True)
class Factor:
    entry: str
    kind: str  # "life-cycle" | "co2-only"
    year: int
    value: Decimal | None
    unit: str | None
    source: Source
    locator: str
    confidence: Confidence

    @property
    def usable(self) -> bool:
        """A value that may be compared with a declaration (never an unconfirmed one)."""
        return self.value is not None and self.confidence is not Confidence.UNCONFIRMED

    def citation(self) -> str:
        url = f" <{self.source.url}>" if self.source.url else ""
        return f"[{self.source.id}] {self.source.title}, {self.locator}{url}"


@dataclass(frozen=True)
class FactorPack:
    id: str
    version: str
    names: Mapping[str, str]
    geography: str | None
    sources: Mapping[str, Source]
    factors: tuple[Factor, ...]
    origin: str

    def find(self, entry: str, year: int | None) -> list[Factor]:
        return [f for f in self.factors if f.entry == entry and (year is None or f.year == year)]

    def entries(self) -> list[str]:
        return sorted({f.entry for f in self.factors})


def parse_factor_pack(data: bytes, source: str) -> FactorPack:
    raw = loads_yaml(data, source=source, max_bytes=MAX_PACK_BYTES)
    problems = schema_errors(raw, FACTOR_PACK_SCHEMA)
    if problems:
        parts, message = problems[0]
        where = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts)
        raise InputError(f"does not match {FACTOR_PACK_SCHEMA}: {message}", source=source,
                         location=where, code="factor_pack_schema")
    sources = {s["id"]: Source(s["id"], s["title"], s.get("url"), s.get("accessed"))
               for s in raw["sources"]}
    factors = []
    seen: set[tuple[str, str, int]] = set()
    for i, item in enumerate(raw["factors"]):
        key = (item["entry"], item["kind"], item["year"])
        if key in seen:
            raise InputError(f"factor {item['entry']} ({item['kind']}, {item['year']}) is "
                             "listed twice", source=source, location=f"$.factors[{i}]",
                             code="duplicate_factor")
        seen.add(key)
        ref = item["source"]
        if ref["id"] not in sources:
            raise InputError(f"cites source {ref['id']!r}, which is not in the source list",
                             source=source, location=f"$.factors[{i}].source",
                             code="unknown_source")
        confidence = Confidence(item["confidence"])
        if "value" not in item and confidence is not Confidence.UNCONFIRMED:
            raise InputError("a factor without a value must be unconfirmed", source=source,
                             location=f"$.factors[{i}]", code="factor_without_value")
        factors.append(Factor(item["entry"], item["kind"], item["year"],
                              Decimal(item["value"]) if "value" in item else None,
                              item.get("unit"), sources[ref["id"]], ref["locator"], confidence))
    return FactorPack(raw["id"], raw["version"], dict(raw["names"]), raw.get("geography"),
                      sources, tuple(factors), source)


@functools.cache
def factor_packs() -> Mapping[str, FactorPack]:
    """The shipped factor packs by id, parsed once per process."""
    folder = data_dir("rulesets") / "data" / "factor-packs"
    packs: dict[str, FactorPack] = {}
    for item in sorted(folder.iterdir(), key=lambda t: t.name):
        if item.name.endswith(".yaml"):
            origin = f"rulesets/data/factor-packs/{item.name}"
            pack = parse_factor_pack(item.read_bytes(), origin)
            if f"{pack.id}.yaml" != item.name:
                raise InputError(f"declares id {pack.id!r}; the file must be named "
                                 f"{pack.id}.yaml", source=origin, code="pack_file_name")
            packs[pack.id] = pack
    return packs


# ----------------------------------------------------------------------------- plausibility


def _decimal(value: Any) -> Decimal | None:
    if not isinstance(value, str):
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _same_within_rounding(declared: Decimal, published: Decimal) -> bool:
    """True if ``declared`` is ``published`` or ``published`` rounded to the digits declared."""
    if declared == published:
        return True
    exponent = declared.as_tuple().exponent
    if not isinstance(exponent, int) or exponent >= 0:
        return False
    return published.quantize(Decimal(1).scaleb(exponent)) == declared


def _warning(code: str, message: str, path: str, citation: str | None = None) -> Finding:
    return Finding(code, message, path, Severity.WARNING, citation=citation)


def electricity_findings(data: Mapping[str, Any],
                         packs: Mapping[str, FactorPack] | None = None) -> list[Finding]:
    """Findings about the extension's ``electricity`` block against the factor packs."""
    packs = factor_packs() if packs is None else packs
    electricity = data.get("electricity")
    if not isinstance(electricity, Mapping):
        return []
    out: list[Finding] = []
    where = f"{EXT}.electricity"
    factor = _decimal(electricity.get("factor"))
    year = electricity.get("factorYear")
    year = year if isinstance(year, int) and not isinstance(year, bool) else None
    named = electricity.get("factorPack")
    if isinstance(named, Mapping):
        out += _named_pack_findings(named, factor, year, packs, where)
    if factor is not None:
        for pack in packs.values():
            for f in pack.factors:
                if f.kind == "co2-only" and f.usable and f.value == factor:
                    out.append(_warning(
                        "co2_only_grid_factor",
                        f"the electricity factor {factor} is the {pack.id} CO2-only grid factor "
                        f"{f.entry} {f.year} ({f.unit}): it counts the CO2 of consumption for an "
                        "organisation's scope 2, without upstream and non-CO2 emissions; a "
                        "product footprint needs a life-cycle (carbon-footprint) factor, e.g. "
                        + _life_cycle_hint(pack), f"{where}.factor", f.citation()))
    return out


def _life_cycle_hint(pack: FactorPack) -> str:
    usable = sorted((f for f in pack.factors if f.kind == "life-cycle" and f.usable
                     and f.entry == "national-average"), key=lambda f: f.year)
    if not usable:
        return "the pack's life-cycle entries"
    latest = usable[-1]
    return f"{pack.id} {latest.entry} {latest.year} = {latest.value} {latest.unit}"


def _named_pack_findings(named: Mapping[str, Any], factor: Decimal | None, year: int | None,
                         packs: Mapping[str, FactorPack], where: str) -> list[Finding]:
    pack_id, entry = named.get("id"), named.get("entry")
    if not isinstance(pack_id, str) or not isinstance(entry, str):
        return []  # the schema reports it
    pack = packs.get(pack_id)
    if pack is None:
        return [_warning("unknown_factor_pack", f"names factor pack {pack_id!r}, which cfl does "
                         f"not ship (known: {', '.join(sorted(packs)) or 'none'})",
                         f"{where}.factorPack.id")]
    version = named.get("version")
    out: list[Finding] = []
    if isinstance(version, str) and version != pack.version:
        out.append(_warning("factor_pack_version", f"names {pack_id} version {version}; cfl "
                            f"ships version {pack.version} (compared with that)",
                            f"{where}.factorPack.version"))
    if entry not in pack.entries():
        out.append(_warning("unknown_factor_entry", f"{pack_id} has no entry {entry!r} (entries: "
                            f"{', '.join(pack.entries())})", f"{where}.factorPack.entry"))
        return out
    if year is None:
        out.append(_warning("factor_year_missing", f"names {pack_id} entry {entry} but no "
                            "factorYear, so the factor cannot be compared with the pack",
                            f"{where}.factorYear"))
        return out
    candidates = pack.find(entry, year)
    if not candidates:
        years = sorted({f.year for f in pack.find(entry, None)})
        out.append(_warning("factor_year_not_in_pack", f"{pack_id} entry {entry} has no factor "
                            f"for {year} (years: {', '.join(map(str, years))})",
                            f"{where}.factorYear"))
        return out
    chosen = candidates[0]
    if chosen.kind == "co2-only":
        out.append(_warning("co2_only_grid_factor",
                            f"names {pack_id} entry {entry}, a CO2-only grid factor for an "
                            "organisation's scope 2; a product footprint needs a life-cycle "
                            f"factor, e.g. {_life_cycle_hint(pack)}",
                            f"{where}.factorPack.entry", chosen.citation()))
    if not chosen.usable:
        out.append(Finding("factor_unconfirmed", f"{pack_id} entry {entry} {year} rests on an "
                           "unconfirmed source; the factor is not compared",
                           f"{where}.factorPack", Severity.INFO, citation=chosen.citation()))
        return out
    if factor is None:
        out.append(_warning("factor_missing", f"names {pack_id} entry {entry} {year} "
                            f"({chosen.value}) but states no factor", f"{where}.factor"))
    elif chosen.value is not None and not _same_within_rounding(factor, chosen.value):
        out.append(Finding("factor_differs_from_pack",
                           f"the factor {factor} differs from {pack_id} entry {entry} {year}, "
                           f"which is {chosen.value} {chosen.unit or ''}".rstrip()
                           + ": state the published value or name the factor's real source",
                           f"{where}.factor", Severity.ERROR, citation=chosen.citation()))
    return out


def compute_findings(declaration: Mapping[str, Any], data: Mapping[str, Any]) -> list[Finding]:
    """A compute-service declaration: PUE at least 1, and the footprint at least its own
    electricity (IT energy × PUE × grid factor, less the certificate-covered share)."""
    compute = data.get("compute")
    if not isinstance(compute, Mapping):
        return []
    where = f"{EXT}.compute"
    out: list[Finding] = []
    pue = _decimal(compute.get("pue"))
    if pue is not None and pue < 1:
        out.append(Finding("pue_below_one", f"PUE is {pue}; PUE = E_DC / E_IT is at least 1 by "
                           "definition (ISO/IEC 30134-2)", f"{where}.pue", Severity.ERROR))
    it_energy = _decimal(compute.get("itEnergy"))
    electricity = data.get("electricity")
    factor = _decimal(electricity.get("factor")) if isinstance(electricity, Mapping) else None
    pcf = declaration.get("pcf")
    total = _decimal(pcf.get("pcfExcludingBiogenicUptake")) if isinstance(pcf, Mapping) else None
    if None in (pue, it_energy, factor, total):
        return out
    assert pue is not None and it_energy is not None and factor is not None and total is not None
    covered = Decimal(0)
    if isinstance(electricity, Mapping):
        covered = _decimal(electricity.get("greenCertificates")) or Decimal(0)
    own = it_energy * pue * factor * (Decimal(100) - covered) / Decimal(100)
    if own > total * Decimal("1.001"):
        out.append(_warning("footprint_below_electricity",
                            f"the footprint {total} is less than the electricity of the service "
                            f"itself: IT energy {it_energy} kWh × PUE {pue} × factor {factor}"
                            + (f" × {100 - covered} % not covered by certificates"
                               if covered else "") + f" = {own.normalize()} kg CO2e",
                            "$.pcf.pcfExcludingBiogenicUptake"))
    return out


def category_findings(data: Mapping[str, Any], declaration: Mapping[str, Any]) -> list[Finding]:
    """The category is in the catalogue, its declared unit fits, its HS code falls under it."""
    category_id = data.get("productCategory")
    if not isinstance(category_id, str):
        return []
    catalogue = category_catalogue()
    category = catalogue.get(category_id)
    if category is None:
        return [Finding("unknown_category", f"product category {category_id!r} is not in cfl's "
                        "catalogue (`cfl declare --list-categories`); labels show it as written",
                        f"{EXT}.productCategory", Severity.INFO)]
    out: list[Finding] = []
    hs = data.get("hsCode")
    if isinstance(hs, str) and category.hs_codes and not category.covers_hs(hs):
        out.append(_warning("hs_code_outside_category",
                            f"HS code {hs} is not under the {category_id} headings "
                            f"({', '.join(category.hs_codes)})", f"{EXT}.hsCode",
                            category.hs_cite.describe() if category.hs_cite else None))
    pcf = declaration.get("pcf")
    unit = pcf.get("declaredUnitOfMeasurement") if isinstance(pcf, Mapping) else None
    if isinstance(unit, str) and unit not in category.declared_units:
        out.append(Finding("declared_unit_unusual",
                           f"{category_id} is usually declared per "
                           f"{' or '.join(category.declared_units)}, not {unit}",
                           "$.pcf.declaredUnitOfMeasurement", Severity.INFO))
    return out


def plausibility_findings(declaration: Any, *, source: str | None = None,
                          prefix: Sequence[str] = ()) -> list[Finding]:
    """Every plausibility finding of one declaration (``prefix``: ``("declaration",)`` for the
    declaration inside a bundle, so paths start at ``$.declaration``)."""
    if not isinstance(declaration, Mapping):
        return []
    entries = cfl_extension_entries(declaration)
    data = entries[0][1].get("data") if entries else None
    if not isinstance(data, Mapping):
        return []
    found = (electricity_findings(data) + compute_findings(declaration, data)
             + category_findings(data, declaration))
    head = "$" + "".join(f".{p}" for p in prefix)
    index = f"$.extensions[{entries[0][0]}].data"
    return [Finding(f.code, f.message, head + f.path.replace(EXT, index, 1)[1:], f.severity,
                    source, f.rule_id, f.citation) for f in found]
