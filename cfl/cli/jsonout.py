"""JSON output of the commands: every document names its format, the ``$id`` of the JSON
Schema in ``schemas/<kind>-output.schema.json`` that describes it (docs/cli-conventions.md).

A consumer checks ``format`` before reading anything else; a change that would break a
reader gets a new version number (``…:2``) and a new schema file, and the old one stays.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from cfl.io.jsonio import dumps_pretty

FORMAT_PREFIX = "urn:cfl:schema:"
FORMAT_VERSION = 1

#: Every kind of JSON output → its schema file (tests validate each output against it).
OUTPUT_SCHEMAS: dict[str, str] = {
    kind: f"{kind}-output.schema.json" for kind in (
        "attest", "check", "claim", "completion", "config", "convert", "declare", "demo",
        "export", "grade", "import", "inspect", "keys", "label", "lint", "log", "page", "revoke",
        "rulesets", "rule-set", "sign", "trust", "validate", "verify", "categories",
    )
}


def format_id(kind: str) -> str:
    """The ``format`` value (and schema ``$id``) of one kind of output."""
    if kind not in OUTPUT_SCHEMAS:
        raise ValueError(f"no output schema for {kind!r}")
    return f"{FORMAT_PREFIX}{kind}-output:{FORMAT_VERSION}"


def json_document(kind: str, payload: Mapping[str, Any]) -> str:
    """Pretty JSON of ``payload`` with ``format`` as its first member (newline-terminated)."""
    return dumps_pretty({"format": format_id(kind), **payload})


def with_format(kind: str, rendered: str, *, list_key: str = "items") -> str:
    """A JSON object rendered by the library, with ``format`` added as its first member (a
    JSON array becomes the ``list_key`` member of an object that names the format)."""
    value = json.loads(rendered)
    if isinstance(value, list):
        value = {list_key: value}
    if not isinstance(value, dict):
        raise TypeError(f"{kind} output is not a JSON object")
    value.pop("format", None)
    return json_document(kind, value)


def formatted(kind: str, rendered: str, output_format: str, *, list_key: str = "items"
              ) -> str:
    """A library rendering as printed: JSON gets its ``format`` member, text is unchanged."""
    return with_format(kind, rendered, list_key=list_key) if output_format == "json" \
        else rendered
