"""Strict JSON/YAML reading, atomic output, package resources, and telling what kind of
file or bytes a user handed over."""

from __future__ import annotations

from cfl.io.atomic import open_atomic, write_atomic
from cfl.io.jsonio import dumps_pretty, load_json_file, loads_strict, read_bytes
from cfl.io.kinds import document_kind, require_kind
from cfl.io.resources import load_schema
from cfl.io.sniff import binary_kind, is_image, is_pdf
from cfl.io.yamlio import load_yaml_file, loads_yaml

__all__ = [
    "binary_kind",
    "document_kind",
    "dumps_pretty",
    "is_image",
    "is_pdf",
    "load_json_file",
    "load_schema",
    "load_yaml_file",
    "loads_strict",
    "loads_yaml",
    "open_atomic",
    "read_bytes",
    "require_kind",
    "write_atomic",
]
