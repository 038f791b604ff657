"""The demo data builder behind ``cfl demo``: illustrative inputs and declarations.

For each of the seven key product categories and a cloud compute service it writes a friendly input
(``inputs/<category>.yaml``) and the declaration made from it
(``declarations/<category>.json``). Magnitudes are plausible but ILLUSTRATIVE — every input
and declaration says so (``illustrative: true`` in the cfl extension, and in the product
description and comment). Stages add up to the total, and the per-gas masses give the fossil
total under IPCC AR6 GWP100. Electricity is modelled location-based with China's national
average electricity carbon-footprint factor 0.5777 kg CO2e/kWh (life cycle, 2024 data, the
factor China publishes for product footprints).

Dates follow ``at``: the reference period is the previous calendar year and the declaration
is valid for the PACT default of three years after it, so a demo made today is current.
:func:`build_demo` returns the files written so later steps (signing, labels, verification,
recognition) can extend it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from cfl.declaration.friendly import declaration_from_input
from cfl.declaration.identifiers import gtin_check_digit, uscc_check_character
from cfl.declaration.model import Declaration
from cfl.errors import OutputError
from cfl.io.atomic import write_atomic
from cfl.io.jsonio import dumps_pretty
from cfl.io.yamlio import loads_yaml
from cfl.timeutil import format_time

GRID_FACTOR = Decimal("0.5777")
GRID_FACTOR_YEAR = 2024
GRID_FACTOR_SOURCE = ("MEE, NBS & NEA announcement of 2025-09-28: national average electricity "
                      "carbon-footprint factor 2024 (life cycle, kg CO2e/kWh, for PCF use)")
#: Product-specific rules (GB/T 24067 family). Only electrolytic aluminium's national standard
#: is confirmed in the research; the others follow the mandated naming and are placeholders.
_PLACEHOLDER = " (illustrative placeholder)"
PRODUCT_RULES = {
    "electrolytic-aluminium": "温室气体 产品碳足迹量化方法与要求 电解铝",
    "lithium-ion-battery": "温室气体 产品碳足迹量化方法与要求 锂离子电池" + _PLACEHOLDER,
    "pv-module": "温室气体 产品碳足迹量化方法与要求 光伏组件" + _PLACEHOLDER,
    "passenger-ev": "温室气体 产品碳足迹量化方法与要求 电动乘用车" + _PLACEHOLDER,
    "cement": "温室气体 产品碳足迹量化方法与要求 水泥" + _PLACEHOLDER,
    "flat-glass": "温室气体 产品碳足迹量化方法与要求 平板玻璃" + _PLACEHOLDER,
    "steel": "温室气体 产品碳足迹量化方法与要求 钢铁" + _PLACEHOLDER,
    "compute-service": "温室气体 产品碳足迹量化方法与要求 数据中心计算服务" + _PLACEHOLDER,
}
DEMO_NAMESPACE = uuid.UUID("5b0a4f1e-8c1d-4f0e-9d6a-1f2e3d4c5b6a")
ILLUSTRATIVE_NOTE = ("ILLUSTRATIVE demo data made by `cfl demo`: plausible magnitudes, not a "
                     "measured footprint; do not rely on it.")


@dataclass(frozen=True)
class DemoProduct:
    """One demo product: ids, names, unit and the illustrative figures (kg CO2e / kg gas)."""

    category: str
    number: int
    company_en: str
    names: dict[str, str]
    description: str
    hs_code: str
    unit: str
    amount: str
    mass: str
    boundary: str
    stages: dict[str, str]
    gases: dict[str, Any]
    #: More friendly-input blocks (a compute service's ``compute`` block).
    extra: tuple[tuple[str, Any], ...] = ()


PRODUCTS: tuple[DemoProduct, ...] = (
    DemoProduct(
        "lithium-ion-battery", 1, "Example Battery Co., Ltd.",
        {"zh": "磷酸铁锂动力电池包 60 kWh", "en": "LFP traction battery pack 60 kWh"},
        "LFP traction battery pack, 60 kWh, 420 kg, about 4,320 kg CO2e per pack; declared per "
        "kWh of total energy delivered over the service life, counted as in the draft EU "
        "delegated act (60 kWh x 60 full cycles a year x 10 years = 36,000 kWh).",
        "850760", "kilowatt hour", "1", "0.011667", "cradle-to-grave",
        {"rawMaterial": "0.0900", "production": "0.0220", "distribution": "0.0020",
         "endOfLife": "0.0060"},
        {"co2Fossil": "0.114165", "ch4Fossil": "0.00015", "n2o": "0.000005"},
    ),
    DemoProduct(
        "pv-module", 2, "Example Solar Co., Ltd.",
        {"zh": "单晶硅光伏组件 550 W", "en": "Monocrystalline PV module 550 W"},
        "Monocrystalline silicon PV module, 550 Wp, 2.58 m², 28.6 kg, about 220 kg CO2e per "
        "module; declared per square metre of module area.",
        "854143", "square meter", "1", "11.085", "cradle-to-gate",
        {"rawMaterial": "63.95", "production": "21.32"},
        {"co2Fossil": "81.0747", "ch4Fossil": "0.097", "n2o": "0.0039", "sf6": "0.000004",
         "nf3": "0.000008"},
    ),
    DemoProduct(
        "passenger-ev", 3, "Example Motors Co., Ltd.",
        {"zh": "纯电动乘用车", "en": "Battery-electric passenger car"},
        "Battery-electric passenger car, 1,900 kg; declared per piece (one vehicle), use "
        "stage over 150,000 km at 0.15 kWh/km on the national grid.",
        "870380", "piece", "1", "1900", "cradle-to-grave",
        {"rawMaterial": "9800", "production": "1400", "distribution": "300", "use": "12528",
         "endOfLife": "350"},
        {"co2Fossil": "22450.2", "ch4Fossil": "30", "n2o": "0.8", "sf6": "0.002",
         "hfcs": [{"species": "HFC-134a", "mass": "0.5"}]},
    ),
    DemoProduct(
        "electrolytic-aluminium", 4, "Example Aluminium Co., Ltd.",
        {"zh": "电解铝锭", "en": "Primary aluminium ingot"},
        "Unwrought primary aluminium ingot (99.7 % Al) from electrolysis; declared per kg.",
        "760110", "kilogram", "1", "1", "cradle-to-gate",
        {"rawMaterial": "3.9", "production": "12.6"},
        {"co2Fossil": "15.8227", "ch4Fossil": "0.002", "n2o": "0.0001",
         "pfcs": [{"species": "CF4", "mass": "0.00008"}]},
    ),
    DemoProduct(
        "cement", 5, "Example Cement Co., Ltd.",
        {"zh": "普通硅酸盐水泥 P·O 42.5", "en": "Ordinary Portland cement P.O 42.5"},
        "Ordinary Portland cement P.O 42.5, bulk; declared per tonne (1000 kg).",
        "252329", "kilogram", "1000", "1000", "cradle-to-gate",
        {"rawMaterial": "45", "production": "575"},
        {"co2Fossil": "616.674", "ch4Fossil": "0.02", "n2o": "0.01"},
    ),
    DemoProduct(
        "flat-glass", 6, "Example Glass Co., Ltd.",
        {"zh": "浮法平板玻璃", "en": "Float flat glass"},
        "Clear float glass, 6 mm, non-wired; declared per kg.",
        "700529", "kilogram", "1", "1", "cradle-to-gate",
        {"rawMaterial": "0.35", "production": "0.85"},
        {"co2Fossil": "1.1707", "ch4Fossil": "0.0008", "n2o": "0.00002"},
    ),
    DemoProduct(
        "steel", 7, "Example Steel Co., Ltd.",
        {"zh": "热轧钢卷（高炉-转炉）", "en": "Hot-rolled steel coil (BF-BOF)"},
        "Hot-rolled steel coil, thickness below 3 mm, blast furnace - basic oxygen furnace "
        "route; declared per kg.",
        "720839", "kilogram", "1", "1", "cradle-to-gate",
        {"rawMaterial": "0.55", "production": "1.55"},
        {"co2Fossil": "2.04165", "ch4Fossil": "0.0015", "n2o": "0.00005"},
    ),
    DemoProduct(
        "compute-service", 8, "Example Cloud Co., Ltd.",
        {"zh": "云计算服务（通用计算实例）",
         "en": "Cloud compute service (general-purpose instances)"},
        "Cloud compute service in a data centre on the national grid; declared per kWh of IT "
        "equipment energy (E_IT). Electricity: 1 kWh IT energy x PUE 1.25 (ISO/IEC 30134-2) x "
        "0.5777 kg CO2e/kWh = 0.7221 kg CO2e; embodied IT hardware 0.0500 kg CO2e per kWh. "
        "Water use: WUE 1.2 L/kWh (ISO/IEC 30134-9), an extra indicator.",
        "", "kilowatt hour", "1", "0", "cradle-to-gate",
        {"rawMaterial": "0.0500", "production": "0.7221"},
        {"co2Fossil": "0.765048", "ch4Fossil": "0.0002", "n2o": "0.000004"},
        (("compute", {"itEnergy": "1", "pue": "1.25", "pueCategory": "intermediate",
                      "wue": "1.2", "period": "previous calendar year",
                      "site": "Example data centre, national grid (illustrative)"}),),
    ),
)


@dataclass(frozen=True)
class DemoResult:
    """What :func:`build_demo` wrote, by product category."""

    out_dir: Path
    inputs: dict[str, Path]
    declarations: dict[str, Path]

    @property
    def files(self) -> tuple[Path, ...]:
        return (*self.inputs.values(), *self.declarations.values())


def _gtin(number: int) -> str:
    body = f"690123400{number:03d}"
    return body + str(gtin_check_digit(body))


def _uscc(number: int) -> str:
    body = f"9135010000000{number:03d}X"
    return body + uscc_check_character(body)


def _number(text: str) -> Any:
    """Demo figures as YAML numbers (whole numbers as int, others as exact Decimal)."""
    value = Decimal(text)
    return int(value) if value == value.to_integral_value() and "." not in text else value


def demo_input(product: DemoProduct, *, at: dt.datetime) -> dict[str, Any]:
    """The friendly input for one demo product (dates follow ``at``)."""
    year = at.astimezone(dt.UTC).year
    ref_start = dt.datetime(year - 1, 1, 1, tzinfo=dt.UTC)
    ref_end = dt.datetime(year, 1, 1, tzinfo=dt.UTC)
    total = sum((Decimal(v) for v in product.stages.values()), Decimal(0))
    gases: dict[str, Any] = {}
    for key, value in product.gases.items():
        gases[key] = ([{"species": e["species"], "mass": _number(e["mass"])} for e in value]
                      if isinstance(value, list) else _number(value))
    return {
        "id": str(uuid.uuid5(DEMO_NAMESPACE, f"{product.category}|{format_time(at)}")),
        "company": {"name": f"{product.company_en} (illustrative)",
                    "ids": [f"urn:uscc:{_uscc(product.number)}"]},
        "product": {
            "names": product.names,
            "description": f"{product.description} {ILLUSTRATIVE_NOTE}",
            "category": product.category,
            **({"hsCode": product.hs_code} if product.hs_code else {}),
            "ids": [f"urn:gtin:{_gtin(product.number)}"],
        },
        "declaredUnit": {"unit": product.unit, "amount": _number(product.amount)},
        "productMassPerDeclaredUnit": _number(product.mass),
        "referencePeriod": {"start": format_time(ref_start), "end": format_time(ref_end)},
        "validity": {"start": format_time(ref_end),
                     "end": format_time(ref_end.replace(year=year + 3))},
        "geography": "CN",
        "boundary": product.boundary,
        "ruleSet": {"id": "gbt-24067-2024",
                    "productRule": {"name": PRODUCT_RULES[product.category]}},
        "gwpReport": "AR6",
        "crossSectoralStandards": ["ISO14067"],
        "pcf": _number(format(total, "f")),
        "fossilCarbonContent": 0,
        "pcfFields": {"landUseChangeGhgEmissions": 0, "biogenicCO2Uptake": 0,
                      "biogenicNonCO2Emissions": 0},
        "exemptedEmissionsPercent": _number("0.5"),
        "primaryDataShare": 60,
        "stages": {k: _number(v) for k, v in product.stages.items()},
        "gases": gases,
        "electricity": {"approach": "location-based", "factor": GRID_FACTOR,
                        "factorSource": GRID_FACTOR_SOURCE, "factorYear": GRID_FACTOR_YEAR,
                        "factorPack": {"id": "cn-electricity", "entry": "national-average"}},
        **{key: {k: _number(v) if isinstance(v, str) and k in ("itEnergy", "pue", "wue")
                 else v for k, v in block.items()} for key, block in product.extra},
        "emissionFactorDatasets": [{"name": "CLCD", "version": "0.9",
                                    "publisher": "IKE Environmental Technology"}],
        "verification": {
            "bodyName": "Example Certification Body (illustrative)",
            "accreditationBody": "CNAS", "accreditationNumber": "CNAS-C000-T",
            "standard": "ISO 14064-3:2019", "level": "reasonable",
            "date": at.astimezone(dt.UTC).date().isoformat(),
            "statementId": f"VS-{year}-{product.number:04d}",
        },
        "comment": ILLUSTRATIVE_NOTE,
        "illustrative": True,
    }


class _DemoDumper(yaml.SafeDumper):
    pass


def _represent_decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:float", format(value, "f"))


_DemoDumper.add_representer(Decimal, _represent_decimal)


def dump_input_yaml(data: dict[str, Any]) -> str:
    header = ("# cfl friendly input (see docs/cli-declarations.md). " + ILLUSTRATIVE_NOTE
              + "\n# Make the declaration with: cfl declare THIS_FILE -o OUT.json\n")
    body = yaml.dump(data, Dumper=_DemoDumper, allow_unicode=True, sort_keys=False, width=100)
    return header + body


def build_demo(out_dir: Path, *, at: dt.datetime) -> DemoResult:
    """Write the demo inputs and declarations under ``out_dir``; return what was written.

    Each input is written, read back and turned into its declaration exactly as
    ``cfl declare`` would, so the demo also exercises the friendly format.
    """
    inputs_dir = out_dir / "inputs"
    declarations_dir = out_dir / "declarations"
    try:
        inputs_dir.mkdir(parents=True, exist_ok=True)
        declarations_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{out_dir}: cannot create the demo folders ({exc.strerror})") from None
    inputs: dict[str, Path] = {}
    declarations: dict[str, Path] = {}
    for product in PRODUCTS:
        text = dump_input_yaml(demo_input(product, at=at))
        input_path = inputs_dir / f"{product.category}.yaml"
        data = loads_yaml(text.encode("utf-8"), source=str(input_path))
        declaration: Declaration = declaration_from_input(data, at=at, source=str(input_path))
        write_atomic(input_path, text)
        declaration_path = declarations_dir / f"{product.category}.json"
        write_atomic(declaration_path, dumps_pretty(declaration.document))
        inputs[product.category] = input_path
        declarations[product.category] = declaration_path
    return DemoResult(out_dir=out_dir, inputs=inputs, declarations=declarations)
