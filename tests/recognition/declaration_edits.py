"""Edit a declaration by short paths (test helper): "pcf.x", "ext.x" (cfl data), "x"."""

from __future__ import annotations

import copy
from typing import Any


def _container(declaration: dict[str, Any], dotted: str) -> tuple[dict[str, Any], str]:
    parts = dotted.split(".")
    if parts[0] == "ext":
        node = next(e for e in declaration["extensions"]
                    if e.get("dataSchema") == "urn:cfl:schema:cfl-extension:1")["data"]
        parts = parts[1:]
    else:
        node = declaration
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    return node, parts[-1]


def edited(declaration: dict[str, Any], set_: dict[str, Any] | None = None,
           delete: list[str] | None = None) -> dict[str, Any]:
    out = copy.deepcopy(declaration)
    for dotted, value in (set_ or {}).items():
        node, key = _container(out, dotted)
        node[key] = copy.deepcopy(value)
    for dotted in delete or []:
        node, key = _container(out, dotted)
        node.pop(key, None)
    return out
