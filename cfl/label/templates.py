"""Label templates and message catalogues: data files, validated, parsed into frozen objects.

A template (``templates/<name>.yaml`` or a user's file) gives the page size and the elements
with positions in millimetres from the top-left corner. Texts hold placeholders:
``{field}`` for a label field (see :data:`FIELDS`), ``{@key}`` for a message in the
element's language and ``{@key@lang}`` for a message in another language. Messages come
from ``templates/messages/<lang>.yaml``; a key missing in one language falls back to English,
so adding a partner language is a data change.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any

from cfl.declaration.schema import finding_from_error
from cfl.errors import InputError
from cfl.io.resources import data_dir, load_schema, read_data_bytes
from cfl.io.yamlio import load_yaml_file, loads_yaml

#: Bound on a template or catalogue file.
MAX_TEMPLATE_BYTES = 256 * 1024
FALLBACK_LANGUAGE = "en"

#: Fields a text placeholder may name (filled by :mod:`cfl.label.render`).
FIELDS = frozenset({
    "product_name", "product_name_zh", "product_name_en", "value", "unit", "per_unit",
    "grade", "rule_set", "rule_set_name", "product_rule", "category", "boundary",
    "certifier", "accreditation", "valid_from", "valid_until", "declaration_id",
    "product_id", "hs_code", "company", "gwp_report", "reference_period", "geography",
    "verification_standard", "verification_level", "statement_id", "declared_unit",
    "primary_data_share", "electricity", "upstream", "issued_at", "illustrative",
    "grade_class", "grade_note", "grade_illustrative",
})
_PLACEHOLDER = re.compile(r"\{(@?)([A-Za-z0-9_.:-]+)(?:@([a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*))?\}")


@dataclass(frozen=True)
class Element:
    """One template element: its type and its (schema-checked) properties."""

    kind: str
    props: Mapping[str, Any]
    index: int

    def number(self, name: str, default: float = 0.0) -> float:
        value = self.props.get(name, default)
        return float(value)

    def text(self, name: str, default: str = "") -> str:
        return str(self.props.get(name, default))


@dataclass(frozen=True)
class Template:
    name: str
    width_mm: float
    height_mm: float
    language: str
    elements: tuple[Element, ...]
    font_path: str | None
    font_subfont: int
    base_dir: Path | None
    source: str
    #: The languages every printed value appears in (default: ``language``, then English).
    languages: tuple[str, ...] = ("zh", "en")
    #: SHA-256 (hex) of the template's canonical bytes (:func:`template_digest`): what a
    #: label records so that a verifier can draw it again (ADR 0132).
    digest: str = ""


@dataclass(frozen=True)
class Messages:
    """Every catalogue by language; :meth:`get` falls back to English, then the key."""

    catalogues: Mapping[str, Mapping[str, str]]

    def get(self, key: str, lang: str, default: str | None = None) -> str:
        for language in (lang, FALLBACK_LANGUAGE):
            text = self.catalogues.get(language, {}).get(key)
            if text is not None:
                return text
        return key if default is None else default

    def has(self, key: str) -> bool:
        return any(key in catalogue for catalogue in self.catalogues.values())

    def keys(self) -> set[str]:
        """Every message key of every language."""
        return {key for catalogue in self.catalogues.values() for key in catalogue}


def builtin_template_names() -> list[str]:
    return sorted(p.name[:-5] for p in data_dir("templates").iterdir()
                  if p.name.endswith(".yaml"))


def load_template(name_or_path: str) -> Template:
    """A built-in template by name (``sticker``, ``standard``, ``sheet``) or a YAML file."""
    path = Path(name_or_path)
    if name_or_path.endswith((".yaml", ".yml")) or path.is_file():
        data = load_yaml_file(path, max_bytes=MAX_TEMPLATE_BYTES)
        return parse_template(data, source=str(path), base_dir=path.resolve().parent)
    if name_or_path not in builtin_template_names():
        raise InputError(
            f"no template named {name_or_path!r}; built-in templates: "
            f"{', '.join(builtin_template_names())} (or give a .yaml file)",
            code="unknown_template",
        )
    return _builtin_template(name_or_path)


@functools.cache
def _builtin_template(name: str) -> Template:
    source = f"templates/{name}.yaml"
    data = loads_yaml(read_data_bytes("templates", f"{name}.yaml"), source=source)
    return parse_template(data, source=source, base_dir=None)


@functools.cache
def _validator() -> Any:
    import jsonschema  # type: ignore[import-untyped,unused-ignore]

    schema = load_schema("template.schema.json")
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema)


def parse_template(data: Any, *, source: str, base_dir: Path | None) -> Template:
    """Validate ``data`` against ``schemas/template.schema.json`` and the message keys."""
    import jsonschema.exceptions  # type: ignore[import-untyped,unused-ignore]

    errors = list(_validator().iter_errors(data))
    if errors:
        error = jsonschema.exceptions.best_match(errors)
        while error.context and error.validator in ("anyOf", "oneOf"):
            error = jsonschema.exceptions.best_match(error.context)
        finding = finding_from_error(error)
        raise InputError(f"is not a valid template: {finding.message}", source=source,
                         location=finding.path, code="bad_template")
    messages = load_messages()
    elements = tuple(
        Element(kind=str(raw["type"]), props=MappingProxyType(_floats(raw)), index=i)
        for i, raw in enumerate(data["elements"])
    )
    for element in elements:
        where = f"$.elements[{element.index}]"
        if "text" in element.props:
            _check_placeholders(element.text("text"), messages, source, f"{where}.text")
        for field in element.props.get("fields", []):
            if field not in FIELDS:
                raise InputError(f"unknown field {field!r}; known fields: "
                                 f"{', '.join(sorted(FIELDS))}", source=source,
                                 location=f"{where}.fields", code="bad_template")
        when = element.props.get("when")
        if when is not None and when.replace("-", "_") not in FIELDS:
            raise InputError(f"'when' names unknown field {when!r}", source=source,
                             location=f"{where}.when", code="bad_template")
        if element.kind == "logo" and base_dir is None and not Path(
                element.text("path")).is_absolute():
            raise InputError("a built-in template cannot use a relative logo path",
                             source=source, location=f"{where}.path", code="bad_template")
        if element.kind == "logo":
            _check_file_exists(element.text("path"), base_dir, "logo image", source,
                               f"{where}.path")
    if not any(element.kind == "qr" for element in elements):
        raise InputError("has no qr element; a label must carry its QR code (add one, e.g. "
                         "{type: qr, x: 1, y: 1, size: 28})", source=source,
                         location="$.elements", code="bad_template")
    font = data.get("font") or {}
    font_path = font.get("path")
    if font_path is not None:
        _check_file_exists(font_path, base_dir, "font file", source, "$.font.path")
    if font_path is not None and base_dir is not None:
        font_path = str((base_dir / font_path).resolve())
    width, height = float(data["page"]["width"]), float(data["page"]["height"])
    for element in elements:
        _check_inside(element, width, height, source)
    language = str(data.get("language", "zh"))
    languages = tuple(data.get("languages") or dict.fromkeys([language, FALLBACK_LANGUAGE]))
    return Template(
        name=str(data["name"]), width_mm=width, height_mm=height,
        language=language, elements=elements, font_path=font_path,
        font_subfont=int(font.get("subfont", 0)), base_dir=base_dir, source=source,
        languages=languages, digest=template_digest(data),
    )


def template_digest(data: Any) -> str:
    """SHA-256 (hex) of a template's canonical bytes: its parsed content as JSON with sorted
    keys, no spaces, UTF-8 (so the YAML's layout and comments do not change it)."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                           default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@functools.cache
def builtin_template_digests() -> Mapping[str, str]:
    """The shipped templates by digest: digest → name."""
    return MappingProxyType({_builtin_template(name).digest: name
                             for name in builtin_template_names()})


def _check_file_exists(name: str, base_dir: Path | None, what: str, source: str,
                       location: str) -> None:
    """A template's font or logo file must exist (relative to the template's folder)."""
    path = Path(name)
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    if not path.is_file():
        relative = "; a relative path is read from the template's folder" \
            if not Path(name).is_absolute() else ""
        raise InputError(f"the {what} {str(path)!r} does not exist{relative}", source=source,
                         location=location, code="bad_template")


def _floats(value: Any) -> Any:
    """Template numbers (``Decimal`` from YAML) as floats: they are drawing positions."""
    if isinstance(value, dict):
        return {k: _floats(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_floats(v) for v in value]
    if isinstance(value, Decimal):
        return float(value)
    return value


def _check_inside(element: Element, width: float, height: float, source: str) -> None:
    x, y = element.number("x"), element.number("y")
    right = x + element.number("w", 0) if "w" in element.props else x
    bottom = y + element.number("h", 0) if "h" in element.props else y
    if element.kind == "qr":
        right, bottom = x + element.number("size"), y + element.number("size")
    if element.kind == "line":
        right, bottom = max(x, element.number("x2")), max(y, element.number("y2"))
    if right > width + 1e-6 or bottom > height + 1e-6:
        raise InputError(f"the {element.kind} element reaches past the page "
                         f"({width:g} x {height:g} mm)", source=source,
                         location=f"$.elements[{element.index}]", code="bad_template")


def _check_placeholders(text: str, messages: Messages, source: str, location: str) -> None:
    stripped = _PLACEHOLDER.sub("", text)
    if "{" in stripped or "}" in stripped:
        raise InputError("has a malformed placeholder; use {field}, {@key} or {@key@lang}",
                         source=source, location=location, code="bad_template")
    for match in _PLACEHOLDER.finditer(text):
        is_message, name = match.group(1) == "@", match.group(2)
        if is_message and not messages.has(name):
            raise InputError(f"unknown message key {name!r}{_did_you_mean(name, messages.keys())}"
                             " (the keys are those of templates/messages/<lang>.yaml)",
                             source=source, location=location, code="bad_template")
        if not is_message and name not in FIELDS:
            raise InputError(f"unknown field {name!r}{_did_you_mean(name, FIELDS)} (known "
                             f"fields: {', '.join(sorted(FIELDS))})", source=source,
                             location=location, code="bad_template")


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, sorted(choices), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def fill_text(text: str, fields: Mapping[str, str], messages: Messages, lang: str) -> str:
    """Replace the placeholders of a (validated) template text."""

    def replace(match: re.Match[str]) -> str:
        if match.group(1) == "@":
            return messages.get(match.group(2), match.group(3) or lang)
        return fields.get(match.group(2), "")

    return _PLACEHOLDER.sub(replace, text)


@functools.cache
def load_messages() -> Messages:
    """Every shipped catalogue ``templates/messages/<lang>.yaml``."""
    catalogues: dict[str, Mapping[str, str]] = {}
    for entry in (data_dir("templates") / "messages").iterdir():
        if not entry.name.endswith(".yaml"):
            continue
        source = f"templates/messages/{entry.name}"
        data = loads_yaml(entry.read_bytes(), source=source)
        lang, catalogue = _parse_catalogue(data, source)
        catalogues[lang] = catalogue
    return Messages(MappingProxyType(catalogues))


def _parse_catalogue(data: Any, source: str) -> tuple[str, Mapping[str, str]]:
    if not isinstance(data, dict) or set(data) != {"language", "messages"}:
        raise InputError("a message catalogue holds exactly 'language' and 'messages'",
                         source=source, code="bad_messages")
    messages = data["messages"]
    if not isinstance(data["language"], str) or not isinstance(messages, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in messages.items()
    ):
        raise InputError("'language' must be text and 'messages' a map of texts",
                         source=source, code="bad_messages")
    return data["language"], MappingProxyType(dict(messages))
