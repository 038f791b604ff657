"""The text and JSON renderings of an :class:`~cfl.inspection.inspect.Inspection`."""

from __future__ import annotations

from typing import Any

from cfl.inspection.inspect import NOT_VERIFIED, Inspection
from cfl.report.render import printable


def inspection_json(inspection: Inspection) -> dict[str, Any]:
    """The inspection as a JSON object (``source``, ``verified`` false, the parts)."""
    return {"source": inspection.source, "verified": False, **inspection.to_json()}


def inspection_text(inspection: Inspection) -> str:
    """One line per field, nested parts indented; anything a file holds is escaped."""
    lines = [f"{inspection.kind}: {inspection.source}"]
    _lines(inspection, lines, indent=1, head=False)
    lines.append(f"({NOT_VERIFIED})")
    return "\n".join(printable(line) for line in lines) + "\n"


def _lines(inspection: Inspection, out: list[str], *, indent: int, head: bool) -> None:
    pad = "  " * indent
    if head:
        title = f"{inspection.name} ({inspection.kind})" if inspection.name else inspection.kind
        if inspection.kind == "label page":
            title = f"page {inspection.fields.get('page')}"
        out.append(f"{pad[:-2]}{title}")
    for key, value in inspection.fields.items():
        if inspection.kind == "label page" and key == "page":
            continue
        _value(key, value, out, pad)
    for problem in inspection.problems:
        out.append(f"{pad}problem: {problem}")
    for part in inspection.parts:
        _lines(part, out, indent=indent + 1, head=True)


def _value(key: str, value: Any, out: list[str], pad: str) -> None:
    if isinstance(value, dict):
        if not value:
            out.append(f"{pad}{key}: —")
            return
        out.append(f"{pad}{key}:")
        for inner_key, inner in value.items():
            _value(inner_key, inner, out, pad + "  ")
        return
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        out.append(f"{pad}{key}: {len(value)}")
        for item in value:
            first = True
            for inner_key, inner in item.items():
                lead = "- " if first else "  "
                first = False
                if isinstance(inner, dict | list) and inner:
                    out.append(f"{pad}  {lead}{inner_key}:")
                    for k, v in (inner.items() if isinstance(inner, dict) else
                                 enumerate(inner)):
                        _value(str(k), v, out, pad + "      ")
                else:
                    out.append(f"{pad}  {lead}{inner_key}: {_scalar(inner)}")
        return
    out.append(f"{pad}{key}: {_scalar(value)}")


def _scalar(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_scalar(v) for v in value) or "—"
    return str(value)
