"""GWP100 factors from the one cited table shipped in ``rulesets/data/gwp100.yaml``."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import Decimal

from cfl.errors import InputError
from cfl.io.resources import read_data_bytes
from cfl.io.yamlio import loads_yaml

REPORTS = ("AR4", "AR5", "AR6")

#: cfl extension ``gases`` keys → table gas names (HFC/PFC species are looked up by name).
GAS_KEYS = {
    "co2Fossil": "CO2",
    "ch4Fossil": "CH4_fossil",
    "ch4NonFossil": "CH4_nonfossil",
    "n2o": "N2O",
    "sf6": "SF6",
    "nf3": "NF3",
}


@dataclass(frozen=True)
class GwpTable:
    factors: dict[str, dict[str, Decimal]]
    sources: dict[str, str]

    def factor(self, gas: str, report: str) -> Decimal:
        """GWP100 of ``gas`` (table name or species such as ``HFC-134a``) under ``report``."""
        try:
            return self.factors[gas][report]
        except KeyError:
            raise InputError(
                f"no GWP100 value for {gas!r} under {report} in the cited table "
                f"(known gases: {', '.join(sorted(self.factors))})",
                source="rulesets/data/gwp100.yaml", code="unknown_gwp",
            ) from None

    def source(self, report: str) -> str:
        return self.sources[report.lower()]


@functools.cache
def gwp_table() -> GwpTable:
    raw = loads_yaml(read_data_bytes("rulesets", "data", "gwp100.yaml"),
                     source="rulesets/data/gwp100.yaml")
    factors = {
        gas: {report: Decimal(str(value)) for report, value in by_report.items()}
        for gas, by_report in raw["gases"].items()
    }
    return GwpTable(factors=factors, sources=dict(raw["sources"]))
