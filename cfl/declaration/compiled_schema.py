"""A fast yes/no check compiled from cfl's own JSON Schemas (the validation fast path).

``jsonschema`` with one reused validator checks a declaration in ~0.8 ms here: below the
5,000 documents/s target once the semantic checks are added. This module compiles the
declaration schema (and the extension schema it references) into nested Python closures that
answer only "valid or not". :func:`cfl.declaration.schema.check_declaration` asks this
predicate first and runs ``jsonschema`` — the reference, which also produces the findings —
only when the predicate says no. A predicate that wrongly said "valid" would let a bad
document through, so the compiler refuses any keyword it does not implement exactly
(``UnsupportedSchema``), and a test shows it agrees with ``jsonschema`` on every fixture and
on many mutated documents (ADR 0002).

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
import sys
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

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
    def _resolve(self, ref: str, base: str) -> tuple[Any, str, str]:
        """``(schema node, resource uri, fragment)`` that ``ref`` points to from ``base``."""
        uri, _, fragment = ref.partition("#")
        uri = uri or base
        if uri not in self._resources:
            raise UnsupportedSchema(f"unknown schema {uri!r}")
        node: Any = self._resources[uri]
        for part in [p for p in fragment.split("/") if p]:
            part = part.replace("~1", "/").replace("~0", "~")
            node = node[part]
        return node, uri, fragment

    def _compile_ref(self, ref: str, base: str) -> Check:
        node, uri, fragment = self._resolve(ref, base)
        key = (uri, fragment)
        existing = self._compiled.get(key)
        if existing is not None:
            return existing
        cell: list[Check] = []

        def forward(value: Any) -> bool:  # allows recursive references
            return cell[0](value)

        self._compiled[key] = forward
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
        if schema.get("type") == "object":
            return self._object_node(schema, base)
        if schema.get("type") == "array":
            return self._array_node(schema, base)
        return self._generic(schema, base, exclude=frozenset())

    def _generic(self, schema: Mapping[str, Any], base: str, *, exclude: frozenset[str]) -> Check:
        """Every keyword of ``schema`` but those in ``exclude``, as one predicate."""
        checks: list[Check] = []
        handled = set(_ANNOTATIONS) | exclude
        for keywords, builder in self._builders():
            if any(k in schema for k in keywords) and not set(keywords) <= exclude:
                checks.extend(builder(schema, base))
            handled.update(keywords)
        unknown = set(schema) - handled
        if unknown:
            raise UnsupportedSchema(f"unsupported keyword(s): {', '.join(sorted(unknown))}")
        return _all_of(checks)

    def _string(self, schema: Mapping[str, Any]) -> Check:
        """One closure for the common string schema (type, pattern, lengths, format)."""
        search, low, high, name = self._string_parts(schema)
        conforms = self._format_conforms

        def check(value: Any) -> bool:
            if not isinstance(value, str):
                return False
            if len(value) < low or len(value) > high:
                return False
            if search is not None and search(value) is None:
                return False
            return name is None or conforms(value, name)
        return check

    @staticmethod
    def _string_parts(
        schema: Mapping[str, Any],
    ) -> tuple[Callable[[str], Any] | None, int, int, str | None]:
        search = re.compile(schema["pattern"]).search if "pattern" in schema else None
        low = schema.get("minLength", 0)
        high = schema.get("maxLength", sys.maxsize)
        if not isinstance(low, int) or not isinstance(high, int):
            raise UnsupportedSchema("non-integer string length bound")
        return search, low, high, schema.get("format")

    def _leaf(self, schema: Any, base: str) -> _Leaf | None:
        """An inline form of a string or string-enum schema (reached through plain ``$ref``
        chains), checked by the object and array loops without a call; None otherwise."""
        for _ in range(16):  # a chain of plain references (bounded: cycles give up)
            if not isinstance(schema, Mapping) or set(schema) - _ANNOTATIONS != {"$ref"}:
                break
            schema, base, _ = self._resolve(schema["$ref"], base)
        if not isinstance(schema, Mapping) or ("$id" in schema and schema["$id"] != base):
            return None
        keys = set(schema) - _ANNOTATIONS
        if schema.get("type") == "string" and keys <= _STRING_KEYWORDS:
            search, low, high, name = self._string_parts(schema)
            return _Leaf(search, low, high, name, None)
        if keys == {"enum"} and all(isinstance(v, str) for v in schema["enum"]):
            return _Leaf(None, 0, sys.maxsize, None, frozenset(schema["enum"]))
        return None

    def _object_node(self, schema: Mapping[str, Any], base: str) -> Check:
        """``type: object`` with its properties, required names and size bounds fused into
        one loop; string leaves are checked inline; other keywords run afterwards."""
        # property name → (inline leaf or None, compiled check): one lookup per member
        props = {name: (self._leaf(sub, base), self._compile(sub, base))
                 for name, sub in schema.get("properties", {}).items()}
        additional = schema.get("additionalProperties", True)
        extra: Check | None = None if additional is True else self._compile(additional, base)
        required = frozenset(schema.get("required", ()))
        low = schema.get("minProperties", 0)
        high = schema.get("maxProperties", sys.maxsize)
        rest = self._generic(schema, base, exclude=_FUSED_OBJECT)
        rest_is_trivial = rest is _ALWAYS
        conforms = self._format_conforms

        def check(v: Any) -> bool:
            if not isinstance(v, dict):
                return False
            if not low <= len(v) <= high:
                return False
            if required and not v.keys() >= required:
                return False
            for key, value in v.items():
                known = props.get(key)
                if known is None:
                    if extra is not None and not extra(value):
                        return False
                    continue
                leaf, sub = known
                if leaf is None or type(value) is not str:
                    if not sub(value):
                        return False
                    continue
                search, shortest, longest, name, allowed = leaf
                if allowed is not None:
                    if value not in allowed:
                        return False
                    continue
                if len(value) < shortest or len(value) > longest:
                    return False
                if search is not None and search(value) is None:
                    return False
                if name is not None and not conforms(value, name):
                    return False
            return rest_is_trivial or rest(v)
        return check

    def _array_node(self, schema: Mapping[str, Any], base: str) -> Check:
        """``type: array`` with its items, size bounds and uniqueness fused into one loop."""
        if "prefixItems" in schema:
            raise UnsupportedSchema("prefixItems")
        item_schema = schema.get("items", True)
        item = self._compile(item_schema, base)
        leaf = self._leaf(item_schema, base)
        low = schema.get("minItems", 0)
        high = schema.get("maxItems", sys.maxsize)
        unique = schema.get("uniqueItems", False) is True
        rest = self._generic(schema, base, exclude=_FUSED_ARRAY)
        rest_is_trivial = rest is _ALWAYS

        string_leaf = leaf if leaf is not None and leaf.allowed is None else None
        conforms = self._format_conforms

        def check(v: Any) -> bool:
            if not isinstance(v, list):
                return False
            if not low <= len(v) <= high:
                return False
            for x in v:
                if string_leaf is not None and type(x) is str:
                    search, shortest, longest, name, _ = string_leaf
                    if len(x) < shortest or len(x) > longest:
                        return False
                    if search is not None and search(x) is None:
                        return False
                    if name is not None and not conforms(x, name):
                        return False
                elif not item(x):
                    return False
            if unique and not _all_unique(v):
                return False
            return rest_is_trivial or rest(v)
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

        return [lambda v: not isinstance(v, list) or _all_unique(v)]

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


class _Leaf(NamedTuple):
    """A string schema (``search``, length bounds, format name) or a string ``allowed`` set."""

    search: Callable[[str], Any] | None
    low: int
    high: int
    name: str | None
    allowed: frozenset[str] | None


#: Keywords the fused object and array nodes implement themselves.
_FUSED_OBJECT = frozenset({"type", "properties", "additionalProperties", "required",
                           "minProperties", "maxProperties"})
_FUSED_ARRAY = frozenset({"type", "items", "minItems", "maxItems", "uniqueItems"})


def _always(value: Any) -> bool:
    return True


_ALWAYS: Check = _always


def _all_of(checks: list[Check]) -> Check:
    if not checks:
        return _ALWAYS
    if len(checks) == 1:
        return checks[0]
    all_checks = tuple(checks)

    def every(value: Any) -> bool:
        for check in all_checks:  # noqa: SIM110 - a plain loop is faster here
            if not check(value):
                return False
        return True
    return every


def _all_unique(items: list[Any]) -> bool:
    """``uniqueItems`` under JSON equality (strings fast, anything else via :func:`_frozen`)."""
    if len(items) < 2:
        return True
    if all(type(x) is str for x in items):
        return len(set(items)) == len(items)
    return len({_frozen(x) for x in items}) == len(items)
