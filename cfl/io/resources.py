"""Package data (schemas, templates, rule sets) read through importlib.resources.

The folders ``schemas/``, ``templates/`` and ``rulesets/`` at the top of the checkout ship in
the wheel as ``cfl.schemas``, ``cfl.templates`` and ``cfl.rulesets``; reading them this way
works the same from a checkout, an editable install and an installed wheel.
"""

from __future__ import annotations

import functools
import importlib.resources
from importlib.resources.abc import Traversable
from typing import Any

from cfl.io.jsonio import loads_strict


def data_dir(kind: str) -> Traversable:
    """The root of one kind of package data: ``schemas``, ``templates`` or ``rulesets``."""
    if kind not in ("schemas", "templates", "rulesets"):
        raise ValueError(f"unknown package data folder {kind!r}")
    return importlib.resources.files(f"cfl.{kind}")


def read_data_bytes(kind: str, *parts: str) -> bytes:
    node = data_dir(kind)
    for part in parts:
        node = node / part
    return node.read_bytes()


@functools.cache
def load_schema(name: str) -> dict[str, Any]:
    """A shipped JSON Schema by file name, e.g. ``declaration.schema.json`` (cached)."""
    value = loads_strict(read_data_bytes("schemas", name), source=f"schemas/{name}")
    if not isinstance(value, dict):
        raise ValueError(f"schemas/{name} is not a JSON object")
    return value
