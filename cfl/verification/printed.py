"""What is printed is what was signed: a label page's text (as pdfium extracts it) is
compared with the signed declaration, as cfl's templates print it.

The headline value must appear as signed (the same digits, not part of a longer number),
the declared amount and unit as the catalogues name them after a ``CO₂e /``, the grade
class after every ``Grade`` the page prints (a graded declaration's page must print one),
and a product identifier the page prints must be the signed one. A page whose text holds
the signed figures may still have something painted over them: the revision count and the
annotation check (:mod:`cfl.verification.label_check`) answer that.
"""

from __future__ import annotations

import re

from cfl.bundle.model import Bundle
from cfl.declaration.view import DeclarationView
from cfl.label.templates import load_messages
from cfl.report.model import CheckRow
from cfl.report.reasons import row

#: What follows the value and precedes the unit on every cfl label ("kg CO₂e/千瓦时 kWh").
UNIT_MARK = "CO₂e"
_GRADE = re.compile(r"Grade:?\s+(\S+)")
_PRODUCT_ID = re.compile(r"urn:[A-Za-z0-9][A-Za-z0-9:._%/-]*")


def printed_rows(page_text: str, bundle: Bundle, *, page: int, subject: str
                 ) -> list[CheckRow]:
    """One row: the page prints the signed value, unit, grade and product, or the first
    signed fact it does not print (FAILED ``label_printed_mismatch``)."""
    view = DeclarationView.of(bundle.declaration)
    text = " ".join(page_text.split())
    checked: list[str] = []

    def mismatch(fact: str, signed: str) -> list[CheckRow]:
        return [row("label_printed_mismatch", form="" if fact == "value" else fact,
                    page=page + 1, signed=signed, subject=subject)]

    value = view.pcf.get("pcfExcludingBiogenicUptake")
    value_text = str(value) if value is not None else ""
    if not re.search(rf"(?<![0-9.]){re.escape(value_text)}(?![0-9]|\.[0-9])", text):
        return mismatch("value", value_text)
    checked.append("value")
    unit = str(view.pcf.get("declaredUnitOfMeasurement", ""))
    amount = str(view.pcf.get("declaredUnitAmount", "1"))
    messages = load_messages()
    shown = "|".join(sorted({re.escape(messages.get(f"unit.{unit}", lang, unit))
                             for lang in ("zh", "en")}))
    per = "" if amount in ("1", "1.0") else rf"{re.escape(amount)}\s*"
    if not re.search(rf"{UNIT_MARK}\s*/\s*{per}(?:{shown})", text):
        return mismatch("unit", f"{amount} {unit}")
    checked.append("unit")
    grade = view.grade_class
    if grade is not None:
        printed = _GRADE.findall(text)
        if not printed or any(found != grade for found in printed):
            return mismatch("grade", grade)
        checked.append("grade")
    product_ids = set(view.product_ids)
    printed_ids = set(_PRODUCT_ID.findall(text))
    names = view.product_names
    if printed_ids and not printed_ids <= product_ids:
        return mismatch("product", view.product_id or "")
    if printed_ids or any(name and " ".join(name.split()) in text for name in names.values()):
        checked.append("product")
    return [row("label_printed_agrees", page=page + 1, subject=subject)]


__all__ = ["UNIT_MARK", "printed_rows"]
