"""An example CSV for ``cfl declare``: a header naming the columns a product list usually
needs (friendly input keys written with dots) and one row that makes a valid declaration.

A user copies the file into a spreadsheet, replaces the example row with their products and
deletes the columns they do not need (optional ones). The row is illustrative data, marked so;
``tests/declaration/test_csv_example.py`` keeps it a valid input.
"""

from __future__ import annotations

import csv
import io

#: The example product, column by column (the order of the header).
EXAMPLE_ROW: tuple[tuple[str, str], ...] = (
    ("company.name", "Example Battery Co., Ltd."),
    ("company.ids", "urn:uscc:91350100M000100Y43"),
    ("product.names.zh", "磷酸铁锂电芯 280 Ah"),
    ("product.names.en", "LFP cell 280 Ah"),
    ("product.category", "lithium-ion-battery"),
    ("product.hsCode", "850760"),
    ("product.ids", "urn:gtin:06901234567892"),
    ("declaredUnit.unit", "piece"),
    ("declaredUnit.amount", "1"),
    ("productMassPerDeclaredUnit", "5.4"),
    ("referencePeriod.start", "2025-01-01T00:00:00Z"),
    ("referencePeriod.end", "2026-01-01T00:00:00Z"),
    ("geography", "CN"),
    ("boundary", "cradle-to-gate"),
    ("ruleSet", "gbt-24067-2024"),
    ("gwpReport", "AR6"),
    ("pcf", "71.42"),
    ("fossilCarbonContent", "0"),
    ("exemptedEmissionsPercent", "0"),
    ("primaryDataShare", "60"),
    ("stages.rawMaterial", "58.10"),
    ("stages.production", "13.32"),
    ("electricity.approach", "location-based"),
    ("electricity.factor", "0.5568"),
    ("electricity.factorSource", "MEE & NBS announcement 2024 No. 12"),
    ("electricity.factorYear", "2021"),
    ("verification.bodyName", "Example Certification Body"),
    ("verification.accreditationBody", "CNAS"),
    ("verification.accreditationNumber", "CNAS-C000-T"),
    ("verification.standard", "ISO 14064-3:2019"),
    ("verification.level", "reasonable"),
    ("verification.date", "2026-02-20"),
    ("illustrative", "true"),
)


def example_csv() -> str:
    """The example CSV as text: the header and the example row (CRLF line ends, as
    spreadsheets write them)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow([column for column, _ in EXAMPLE_ROW])
    writer.writerow([value for _, value in EXAMPLE_ROW])
    return buffer.getvalue()
