"""Every shipped schema's anchored patterns refuse a trailing newline.

Python's ``re`` (used by jsonschema) lets ``$`` match before a final newline, unlike ECMA-262,
so ``"850760\\n"`` would pass ``^[0-9]{6}$``. Each pattern ending in ``$`` must be followed by
``(?!\\n)``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

SCHEMAS = sorted((Path(__file__).resolve().parents[2] / "schemas").glob("*.schema.json"))


def patterns(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "pattern" and isinstance(value, str):
                yield value
            else:
                yield from patterns(value)
    elif isinstance(node, list):
        for item in node:
            yield from patterns(item)


@pytest.mark.parametrize("path", SCHEMAS, ids=lambda p: p.name)
def test_anchored_patterns_refuse_trailing_newline(path: Path) -> None:
    for pattern in patterns(json.loads(path.read_text(encoding="utf-8"))):
        if pattern.endswith("$"):
            pytest.fail(f"{path.name}: pattern {pattern!r} ends in a bare $")
        if pattern.startswith("^") and pattern.endswith("$(?!\\n)"):
            regex = re.compile(pattern)
            for candidate in ("a", "0", "AR6", "850760", "x-y"):
                if regex.search(candidate):
                    assert not regex.search(candidate + "\n"), (path.name, pattern)


def test_hs_code_with_newline_is_refused(battery_declaration: dict[str, Any]) -> None:
    from cfl.declaration.schema import check_declaration

    battery_declaration["extensions"][0]["data"]["hsCode"] = "850760\n"
    codes = {f.code for f in check_declaration(battery_declaration)}
    assert codes, "a trailing newline in the HS code must be an error"
