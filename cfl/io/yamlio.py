"""Safe, bounded YAML reading for human-edited data files (inputs, rule sets, templates).

Only plain data is built (``yaml.SafeLoader``; no Python tags, nothing executed). Duplicate
keys are errors; aliases are counted and bounded (a "billion laughs" document is refused
before it expands); errors name the line and column. Floats are read as ``Decimal``.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import Any

import yaml

from cfl.errors import InputError
from cfl.io.jsonio import (
    MAX_JSON_BYTES,
    NumberOutOfRange,
    decimal_number,
    decode_utf8,
    holds_lone_surrogate,
    read_bytes,
)

#: Bound on the nodes that aliases may add when expanded (a "billion laughs" guard).
MAX_YAML_EXPANDED_NODES = 10_000


def _mark(node: yaml.Node) -> str:
    return f"line {node.start_mark.line + 1}, column {node.start_mark.column + 1}"


class _Strict:
    """What a cfl YAML loader adds to PyYAML's safe loading: duplicate keys refused, aliases
    bounded (and never inside their own node), decimals kept exact (with the resolvers and
    constructors registered on :class:`_StrictLoader` below)."""

    anchors: dict[Any, Any]
    check_event: Any
    peek_event: Any
    flatten_mapping: Any
    construct_object: Any

    def _strict_state(self, source: str) -> None:
        self.source = source
        self.expanded_nodes = 0
        self.node_weights: dict[int, int] = {}
        #: Collections whose composition has finished (an alias may only point to these).
        self.closed_nodes: set[int] = set()

    def compose_sequence_node(self, anchor: Any) -> Any:
        node = super().compose_sequence_node(anchor)  # type: ignore[misc]
        self.closed_nodes.add(id(node))
        return node

    def compose_mapping_node(self, anchor: Any) -> Any:
        node = super().compose_mapping_node(anchor)  # type: ignore[misc]
        self.closed_nodes.add(id(node))
        return node

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            target = self.anchors.get(event.anchor)
            if target is not None and not isinstance(target, yaml.ScalarNode) \
                    and id(target) not in self.closed_nodes:
                raise InputError(
                    f"the alias *{event.anchor} refers to a node that contains it; a document "
                    "cannot contain itself", source=self.source,
                    location=f"line {event.start_mark.line + 1}, "
                    f"column {event.start_mark.column + 1}", code="yaml_recursive_alias",
                )
            if target is not None:
                self.expanded_nodes += self._weight(target)
                if self.expanded_nodes > MAX_YAML_EXPANDED_NODES:
                    raise InputError(
                        f"YAML aliases expand to more than {MAX_YAML_EXPANDED_NODES} nodes; "
                        "refused (alias expansion can blow up memory)",
                        source=self.source,
                        location=f"line {event.start_mark.line + 1}, "
                        f"column {event.start_mark.column + 1}",
                        code="yaml_alias_bomb",
                    )
        return super().compose_node(parent, index)  # type: ignore[misc]

    def _weight(self, node: yaml.Node) -> int:
        """Number of nodes under ``node`` once every alias in it is expanded (memoised)."""
        key = id(node)
        cached = self.node_weights.get(key)
        if cached is not None:
            return cached
        if isinstance(node, yaml.SequenceNode):
            weight = 1 + sum(self._weight(child) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            weight = 1 + sum(self._weight(k) + self._weight(v) for k, v in node.value)
        else:
            weight = 1
        self.node_weights[key] = weight
        return weight

    def construct_mapping(self, node: yaml.Node, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, yaml.MappingNode):
            self.flatten_mapping(node)
            seen: set[Any] = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=True)
                if not isinstance(key, str):
                    raise InputError(
                        f"mapping key {key!r} is not a string; keys must be text",
                        source=self.source, location=_mark(key_node), code="yaml_key_type",
                    )
                if key in seen:
                    raise InputError(
                        f"duplicate key {key!r}; each key may appear once in a mapping",
                        source=self.source, location=_mark(key_node), code="duplicate_key",
                    )
                seen.add(key)
        return super().construct_mapping(node, deep=deep)  # type: ignore[misc, no-any-return]


class _StrictLoader(_Strict, yaml.SafeLoader):
    """The pure-Python strict loader."""

    def __init__(self, stream: str, source: str) -> None:
        yaml.SafeLoader.__init__(self, stream)
        self._strict_state(source)


# Numbers follow the YAML 1.2 core schema, not YAML 1.1's: no base-60 ("1:30"), no "0b"/
# leading-zero octal, no "_" separators; anything else that looks numeric stays text.
_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"
_CORE_INT = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_CORE_FLOAT = re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
                         r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$")
_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in (_INT_TAG, _FLOAT_TAG)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_StrictLoader.add_implicit_resolver(_INT_TAG, _CORE_INT, list("-+0123456789"))
_StrictLoader.add_implicit_resolver(_FLOAT_TAG, _CORE_FLOAT, list("-+0123456789."))


def _number_error(loader: yaml.SafeLoader, node: yaml.ScalarNode, text: str) -> InputError:
    return InputError(f"{text!r} is not a number", source=getattr(loader, "source", None),
                      location=_mark(node), code="bad_number")


#: Most digits an integer may have: what Python converts to and from text (JSON's bound too);
#: a longer one would fail later, where it is printed.
MAX_INT_DIGITS = 4300


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    text = str(loader.construct_scalar(node))
    if _CORE_INT.match(text) is None:
        raise _number_error(loader, node, text)
    if len(text.lstrip("+-")) > MAX_INT_DIGITS:
        raise InputError(f"is an integer of {len(text)} digits; at most {MAX_INT_DIGITS}",
                         source=getattr(loader, "source", None), location=_mark(node),
                         code="number_out_of_range")
    if text.startswith(("0o", "0x")):
        return int(text[2:], 8 if text[1] == "o" else 16)
    return int(text, 10)


def _construct_decimal(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    text = str(loader.construct_scalar(node))
    lowered = text.lower()
    if lowered in (".nan", ".inf", "+.inf", "-.inf"):
        raise InputError(
            f"{text} is not a finite number", source=getattr(loader, "source", None),
            location=_mark(node), code="non_finite_number",
        )
    if _CORE_FLOAT.match(text) is None:
        raise _number_error(loader, node, text)
    try:
        return decimal_number(text)
    except NumberOutOfRange as exc:
        raise InputError(str(exc), source=getattr(loader, "source", None),
                         location=_mark(node), code="number_out_of_range") from None


_StrictLoader.add_constructor(_INT_TAG, _construct_int)
_StrictLoader.add_constructor(_FLOAT_TAG, _construct_decimal)


def _no_timestamps(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    # Dates stay text: the schema checks them as RFC 3339, and no tz is silently invented.
    return loader.construct_scalar(node)


_StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", _no_timestamps)

def _libyaml_parser() -> Any:
    """libyaml's parser, when PyYAML was built with it (else None: the pure-Python one)."""
    try:
        module = importlib.import_module("yaml._yaml")
    except ImportError:  # pragma: no cover - a PyYAML without libyaml
        return None
    return getattr(module, "CParser", None)


_CParser: Any = _libyaml_parser()


if _CParser is not None:
    class _FastStrictLoader(_Strict, yaml.composer.Composer, _CParser,  # type: ignore[misc]
                            yaml.constructor.SafeConstructor, yaml.resolver.Resolver):
        """:class:`_StrictLoader` with libyaml's scanner and parser (C, several times faster
        on rule files and templates) under the same Python composer, constructors and
        resolvers, so the bounds and number rules are the same code."""

        def __init__(self, stream: str, source: str) -> None:
            _CParser.__init__(self, stream)
            yaml.composer.Composer.__init__(self)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)
            self._strict_state(source)

        def dispose(self) -> None:
            _CParser.dispose(self)

    _FastStrictLoader.yaml_implicit_resolvers = _StrictLoader.yaml_implicit_resolvers
    _FastStrictLoader.yaml_constructors = _StrictLoader.yaml_constructors


#: What PyYAML's reader refuses (C0 and C1 controls but tab, newlines and NEL, surrogates,
#: U+FFFE and U+FFFF), checked before either parser runs, so both say the same.
_NON_PRINTABLE = yaml.reader.Reader.NON_PRINTABLE


def loads_yaml(
    data: bytes | str, *, source: str = "<input>", max_bytes: int = MAX_JSON_BYTES
) -> Any:
    """Parse one YAML document into plain data; raise :class:`InputError` naming the place."""
    size = len(data.encode("utf-8")) if isinstance(data, str) else len(data)
    if size > max_bytes:
        raise InputError(f"is {size} bytes; at most {max_bytes} bytes are accepted",
                         source=source, code="too_large")
    text = data if isinstance(data, str) else decode_utf8(data, source,
                                                          expected="a YAML document")
    if not text.strip():
        raise InputError("is empty; expected a YAML document", source=source, code="empty")
    bad = _NON_PRINTABLE.search(text)
    if bad is not None:  # a control character, refused before parsing (as PyYAML's reader)
        position = bad.start()
        line = text.count("\n", 0, position) + 1
        column = position - (text.rfind("\n", 0, position) + 1) + 1
        raise InputError(f"is not valid YAML: character #x{ord(bad.group()):04x} is not "
                         "allowed", source=source, location=f"line {line}, column {column}",
                         code="malformed_yaml")
    loader = _FastStrictLoader(text, source) if _CParser is not None else \
        _StrictLoader(text, source)
    try:
        node = loader.get_single_node()
        if node is None:
            raise InputError("holds no YAML document", source=source, code="empty")
        result = loader.construct_document(node)
    except InputError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        location = f"line {mark.line + 1}, column {mark.column + 1}" if mark else None
        raise InputError(f"is not valid YAML: {exc.problem or exc.context}", source=source,
                         location=location, code="malformed_yaml") from None
    except yaml.YAMLError as exc:
        raise InputError(f"is not valid YAML: {exc}", source=source,
                         code="malformed_yaml") from None
    except RecursionError:
        raise InputError("nests too deeply", source=source, code="too_deep") from None
    finally:
        loader.dispose()
    if "\\" in text and holds_lone_surrogate(result):  # only an escape can write one
        raise InputError("holds a lone UTF-16 surrogate escape (\\uD800–\\uDFFF) in a string; "
                         "text must be valid Unicode", source=source, code="lone_surrogate")
    return result


def load_yaml_file(path: str | Path, *, max_bytes: int = MAX_JSON_BYTES) -> Any:
    source = "<stdin>" if str(path) == "-" else str(path)
    return loads_yaml(read_bytes(path, max_bytes=max_bytes), source=source, max_bytes=max_bytes)
