"""A fast yes/no check compiled from cfl's own JSON Schemas (the validation fast path).

``jsonschema`` with one reused validator checks a declaration in ~0.8 ms here: below the
5,000 documents/s target once the semantic checks are added. This module compiles the
declaration schema (and the extension schema it references) into nested Python closures that
answer only "valid or not". :func:`cfl.schema.check_declaration` asks this predicate first
and runs ``jsonschema`` — the reference, which also produces the findings — only when the
predicate says no. A predicate that wrongly said "valid" would let a bad document through, so
the compiler refuses any keyword it does not implement exactly (``UnsupportedSchema``), and a
test shows it agrees with ``jsonschema`` on every fixture and on many mutated documents
(ADR 0002).

Implemented keywords (2020-12 semantics, as jsonschema applies them): ``type``,
``properties``, ``required``, ``additionalProperties``, ``propertyNames``, ``min/maxProperties``,
``items``, ``min/maxItems``, ``uniqueItems``, ``enum`` and ``const`` (string values only),
``pattern``, ``min/maxLength``, ``minimum``, ``maximum``, ``format`` (delegated to the same
format checker), ``$ref``, ``if``/``then``/``else``, ``anyOf``, ``allOf``. Annotation keywords
are ignored.
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Callable, Mapping
from typing import Any

Check = Callable[[Any], bool]

_ANNOTATIONS = frozenset({
    "$schema", "$id", "$defs", "$comment", "title", "description", "examples", "default",
    "x-expected", "deprecated", "readOnly", "writeOnly",
})


_STRING_KEYWORDS = frozenset({"type", "pattern", "minLength", "maxLength", "format"})


class UnsupportedSchema(ValueError):
    """The schema uses a keyword (or a form of one) this compiler does not implement."""


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Number) and not isinstance(value, bool)


def _is_integer(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, float):
        return value.is_integer()
    return isinstance(value, int)


_TYPE_CHECKS: dict[str, Check] = {
    "string": lambda v: isinstance(v, str),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "number": _is_number,
    "integer": _is_integer,
}


def _frozen(value: Any) -> Any:
    """A hashable form under JSON equality (1 == 1.0, but true is not 1; key order ignored)."""
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, dict):
        return ("object", frozenset((k, _frozen(v)) for k, v in value.items()))
    if isinstance(value, list):
        return ("array", tuple(_frozen(v) for v in value))
    if value is None:
        return ("null",)
    if isinstance(value, str):
        return ("string", value)
    return ("number", value)


class SchemaCompiler:
    """Compiles schemas held in ``resources`` (``$id`` → schema) into predicates."""

    def __init__(self, resources: Mapping[str, Mapping[str, Any]],
                 format_conforms: Callable[[Any, str], bool]) -> None:
        self._resources = dict(resources)
        self._format_conforms = format_conforms
        self._compiled: dict[tuple[str, str], Check] = {}

    def compile_resource(self, uri: str) -> Check:
        return self._compile_ref(uri, uri)

    # -- references ---------------------------------------------------------------------
    def _compile_ref(self, ref: str, base: str) -> Check:
        uri, _, fragment = ref.partition("#")
        uri = uri or base
        if uri not in self._resources:
            raise UnsupportedSchema(f"unknown schema {uri!r}")
        key = (uri, fragment)
        existing = self._compiled.get(key)
        if existing is not None:
            return existing
        cell: list[Check] = []

        def forward(value: Any) -> bool:  # allows recursive references
            return cell[0](value)

        self._compiled[key] = forward
        node: Any = self._resources[uri]
        for part in [p for p in fragment.split("/") if p]:
            part = part.replace("~1", "/").replace("~0", "~")
            node = node[part]
        check = self._compile(node, uri)
        cell.append(check)
        self._compiled[key] = check
        return check

    # -- schemas ------------------------------------------------------------------------
    def _compile(self, schema: Any, base: str) -> Check:
        if schema is True:
            return lambda value: True
        if schema is False:
            return lambda value: False
        if not isinstance(schema, Mapping):
            raise UnsupportedSchema(f"not a schema: {schema!r}")
        if "$id" in schema and schema["$id"] != base:
            raise UnsupportedSchema("nested $id is not supported")
        if schema.get("type") == "string" and set(schema) - _ANNOTATIONS <= _STRING_KEYWORDS:
            return self._string(schema)
        checks: list[Check] = []
        handled = set(_ANNOTATIONS)
        for keywords, builder in self._builders():
            if any(k in schema for k in keywords):
                checks.extend(builder(schema, base))
                handled.update(keywords)
        unknown = set(schema) - handled
        if unknown:
            raise UnsupportedSchema(f"unsupported keyword(s): {', '.join(sorted(unknown))}")
        if not checks:
            return lambda value: True
        if len(checks) == 1:
            return checks[0]
        all_checks = tuple(checks)

        def every(value: Any) -> bool:
            for check in all_checks:  # noqa: SIM110 - a plain loop is faster here
                if not check(value):
                    return False
            return True
        return every

    def _string(self, schema: Mapping[str, Any]) -> Check:
        """One closure for the common string schema (type, pattern, lengths, format)."""
        search = re.compile(schema["pattern"]).search if "pattern" in schema else None
        low = schema.get("minLength", 0)
        high = schema.get("maxLength")
        name = schema.get("format")
        conforms = self._format_conforms

        def check(value: Any) -> bool:
            if not isinstance(value, str):
                return False
            if len(value) < low or (high is not None and len(value) > high):
                return False
            if search is not None and search(value) is None:
                return False
            return name is None or conforms(value, name)
        return check

    def _builders(
        self,
    ) -> list[tuple[tuple[str, ...], Callable[[Mapping[str, Any], str], list[Check]]]]:
        return [
            (("$ref",), lambda s, b: [self._compile_ref(s["$ref"], b)]),
            (("type",), self._type),
            (("enum",), self._enum),
            (("const",), self._const),
            (("pattern",), self._pattern),
            (("minLength", "maxLength"), self._string_length),
            (("format",), self._format),
            (("minimum", "maximum"), self._bounds),
            (("properties", "additionalProperties"), self._object),
            (("required",), self._required),
            (("propertyNames",), self._property_names),
            (("minProperties", "maxProperties"), self._property_count),
            (("items",), self._items),
            (("minItems", "maxItems"), self._item_count),
            (("uniqueItems",), self._unique),
            (("if", "then", "else"), self._if),
            (("anyOf",), self._any_of),
            (("allOf",), self._all_of),
        ]

    def _type(self, schema: Mapping[str, Any], base: str) -> list[Check]:
        names = schema["type"]
        if isinstance(names, str):
            return [_TYPE_CHECKS[names]]
        checks = tuple(_TYPE_CHECKS[n] for n in names)
        return [lambda v: any(c(v) for c in checks)]

    def _enum(self, schema: Mapping[str, Any], base: str) -> list[Check]:
        values = schema["enum"]
        if not all(isinstance(v, str) for v in values):
            raise UnsupportedSchema("enum with non-string values")
        allowed = frozenset(values)
        return [lambda v: isinstance(v, str) and v in allowed]

    def _const(self, schema: Mapping[str, Any], base: str) -> list[Check]:
        expected = schema["const"]
        if not isinstance(expected, str):
            raise UnsupportedSchema("const with a non-string value")
        return [lambda v: isinstance(v, str) and v == expected]

    def _pattern(self, schema: Mapping[str, Any], base: str) -> list[Check]:
        search = re.compile(schema["pattern"]).search
        return [lambda v: not isinstance(v, str) or search(v) is not None]

    def _string_length(self, schema: Mapping[str, Any], base: str) -> list[Check]:
        low = schema.get("minLength", 0)
        high = schema.get("maxLength")
        if high is None:
            return [lambda v: not isinstance(v, str) or len(v) >= low]
        return [lambda v: not isinstance(v, str) or low <= len(v) <= high]

    def _format(self, schema: Mapping[str, Any], base: str) -> list[Check]:
        name = schema["format"]
        conforms = self._format_conforms
        return [lambda v: conforms(v, name)]

    def _bounds(self, schema: Mapping[str, Any], base: str) -> list[Check]:
        low = schema.get("minimum")
        high = schema.get("maximum")

        def check(v: Any) -> bool:
            if not _is_number(v):
                return True
            if low is not None and v < low:
                return False
            return not (high is not None and v > high)
        return [check]

    def _object(self, schema: Mapping[str, Any], base: str) -> list[Check]:
        props = {name: self._compile(sub, base)
                 for name, sub in schema.get("properties", {}).items()}
        additional = schema.get("additionalProperties", True)
        extra: Check | None = None if additional is True else self._compile(additional, base)

        def check(v: Any) -> bool:
            if not isinstance(v, dict):
                return True
            for key, value in v.items():
                sub = props.get(key)
                if sub is not None:
                    if not sub(value):
                        return False
                elif extra is not None and not extra(value):
                    return False
            return True
        return [check]

    def _required(self, schema: Mapping[str, Any], base: str) -> list[Check]:
        names = tuple(schema["required"])
        return [lambda v: not isinstance(v, dict) or all(n in v for n in names)]

    def _property_names(self, schema: Mapping[str, Any], base: str) -> list[Check]:
        sub = self._compile(schema["propertyNames"], base)
        return [lambda v: not isinstance(v, dict) or all(sub(k) for k in v)]

    def _property_count(self, schema: Mapping[str, Any], base: str) -> list[Check]:
        low = schema.get("minProperties", 0)
        high = schema.get("maxProperties", float("inf"))
        return [lambda v: not isinstance(v, dict) or low <= len(v) <= high]

    def _items(self, schema: Mapping[str, Any], base: str) -> list[Check]:
        if "prefixItems" in schema:
            raise UnsupportedSchema("prefixItems")
        sub = self._compile(schema["items"], base)
        return [lambda v: not isinstance(v, list) or all(sub(x) for x in v)]

    def _item_count(self, schema: Mapping[str, Any], base: str) -> list[Check]:
        low = schema.get("minItems", 0)
        high = schema.get("maxItems", float("inf"))
        return [lambda v: not isinstance(v, list) or low <= len(v) <= high]

    def _unique(self, schema: Mapping[str, Any], base: str) -> list[Check]:
        if not schema["uniqueItems"]:
            return []

        def check(v: Any) -> bool:
            if not isinstance(v, list):
                return True
            if all(isinstance(x, str) for x in v):
                return len(set(v)) == len(v)
            return len({_frozen(x) for x in v}) == len(v)
        return [check]

    def _if(self, schema: Mapping[str, Any], base: str) -> list[Check]:
        if "if" not in schema:
            return []  # "then"/"else" without "if" are ignored
        condition = self._compile(schema["if"], base)
        then = self._compile(schema.get("then", True), base)
        otherwise = self._compile(schema.get("else", True), base)
        return [lambda v: then(v) if condition(v) else otherwise(v)]

    def _any_of(self, schema: Mapping[str, Any], base: str) -> list[Check]:
        subs = tuple(self._compile(s, base) for s in schema["anyOf"])
        return [lambda v: any(s(v) for s in subs)]

    def _all_of(self, schema: Mapping[str, Any], base: str) -> list[Check]:
        subs = tuple(self._compile(s, base) for s in schema["allOf"])
        return [lambda v: all(s(v) for s in subs)]
