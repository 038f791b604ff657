"""Declaration validation: the shipped JSON Schemas plus cfl's cross-field checks.

The declaration schema (``urn:cfl:schema:declaration:1``) and the extension schema
(``urn:cfl:schema:cfl-extension:1``) are registered together in one ``referencing`` registry;
the validator is built once per process and reused (building it per document is ~40 times
slower). ``date-time``, ``date`` and ``uuid`` formats are really checked.

Every problem, from the schema or from the semantic checks in :mod:`cfl.declaration.rules`,
comes out as a
:class:`~cfl.findings.Finding` with a code, a message that says what was expected, and a JSON
path; :func:`check_declaration` returns them best first.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
from jsonschema.exceptions import ValidationError  # type: ignore[import-untyped]
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from cfl.declaration.compiled_schema import Check, SchemaCompiler
from cfl.declaration.rules import semantic_findings
from cfl.declaration.view import CFL_EXTENSION_SCHEMA
from cfl.findings import Finding, Severity, best_first, json_path
from cfl.io.resources import load_schema
from cfl.io.schema_formats import format_checker
from cfl.timeutil import (
    END_OF_CALENDAR,
    START_OF_CALENDAR,
    format_time,
    is_rfc3339,
)

DECLARATION_SCHEMA_ID = "urn:cfl:schema:declaration:1"
EXTENSION_SCHEMA_ID = CFL_EXTENSION_SCHEMA
DECLARATION_SCHEMA_FILE = "declaration.schema.json"
EXTENSION_SCHEMA_FILE = "cfl-extension.schema.json"

#: Cap on schema findings reported for one document (a wildly wrong file would list thousands).
MAX_SCHEMA_FINDINGS = 200

_JSON_TYPE_NAMES = {
    "string": "a string", "number": "a number", "integer": "an integer", "boolean": "true or false",
    "object": "an object", "array": "an array", "null": "null",
}


@functools.cache
def schema_registry() -> Registry[Any]:
    """A registry holding both cfl schemas, addressable by their ``$id``."""
    resources = [
        (DECLARATION_SCHEMA_ID, Resource.from_contents(load_schema(DECLARATION_SCHEMA_FILE),
                                                       default_specification=DRAFT202012)),
        (EXTENSION_SCHEMA_ID, Resource.from_contents(load_schema(EXTENSION_SCHEMA_FILE),
                                                     default_specification=DRAFT202012)),
    ]
    registry: Registry[Any] = Registry().with_resources(resources)
    return registry.crawl()


@functools.cache
def declaration_validator() -> Draft202012Validator:
    """The one reused validator for declarations (schema + formats)."""
    return Draft202012Validator(
        load_schema(DECLARATION_SCHEMA_FILE),
        registry=schema_registry(),
        format_checker=format_checker(),
    )


@functools.cache
def extension_validator() -> Draft202012Validator:
    """The reused validator for cfl extension data on its own (used by ``declare``)."""
    return Draft202012Validator(
        load_schema(EXTENSION_SCHEMA_FILE),
        registry=schema_registry(),
        format_checker=format_checker(),
    )


@functools.cache
def fast_declaration_check() -> Check:
    """The yes/no predicate of declaration validity, built once: ``jsonschema-rs`` (with
    cfl's own format checks) answers first, and whenever it does not say "valid" (or cannot
    take a value, such as a Decimal) the predicate compiled by
    :mod:`cfl.declaration.compiled_schema` decides. ``jsonschema-rs`` thus only answers
    "valid" early (about a quarter of the compiled predicate's time on a declaration) and
    never decides "invalid"; ``tests/declaration/test_schema.py`` checks on fixtures and
    mutated documents that the whole predicate agrees with the reference (ADR 0140)."""
    compiler = SchemaCompiler(
        {DECLARATION_SCHEMA_ID: load_schema(DECLARATION_SCHEMA_FILE),
         EXTENSION_SCHEMA_ID: load_schema(EXTENSION_SCHEMA_FILE)},
        format_conforms=declaration_format_conforms(),
    )
    compiled = compiler.compile_resource(DECLARATION_SCHEMA_ID)
    early = _rust_declaration_check()
    if early is None:
        return compiled

    def check(document: Any) -> bool:
        try:
            if early(document):
                return True
        except (ValueError, TypeError, OverflowError):  # a value it cannot take
            pass
        return compiled(document)
    return check


def _rust_declaration_check() -> Check | None:
    """``jsonschema-rs``'s ``is_valid`` for declarations, every format checked by cfl's own
    :func:`declaration_format_conforms`; None where the installed version cannot resolve the
    extension schema's reference (no ``Registry``)."""
    import jsonschema_rs  # a compiled extension, loaded when the predicate is first built

    registry_type = getattr(jsonschema_rs, "Registry", None)
    if registry_type is None:
        return None
    conforms = declaration_format_conforms()

    def format_check(name: str) -> Callable[[Any], bool]:
        return lambda value: conforms(value, name)

    formats = {name: format_check(name) for name in format_checker().checkers}
    validator = jsonschema_rs.Draft202012Validator(
        load_schema(DECLARATION_SCHEMA_FILE), validate_formats=True, formats=formats,
        registry=registry_type([(EXTENSION_SCHEMA_ID, load_schema(EXTENSION_SCHEMA_FILE))]))
    is_valid: Check = validator.is_valid
    return is_valid


#: Strings that jsonschema's ``uuid`` and ``date-time`` checks (``UUID()``, and
#: ``rfc3339_validator`` on the upper-cased string) certainly accept: a canonical UUID, and a
#: UTC date-time whose day exists in every month (01–28) and whose year is not 0000 (within
#: the calendar: :mod:`cfl.io.schema_formats`).
_CANONICAL_UUID = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_EVERYDAY_DATE_TIME = re.compile(
    r"[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])"
    r"T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]Z")


def declaration_format_conforms() -> Callable[[Any, str], bool]:
    """The format check of the compiled predicate: :func:`format_conforms` of jsonschema's
    checker, answering at once for the forms it certainly accepts (``tests/test_schema.py``
    compares both on generated strings)."""
    general = format_conforms(format_checker())

    def conforms(value: Any, name: str) -> bool:
        if type(value) is str:
            if name == "date-time":
                if _EVERYDAY_DATE_TIME.fullmatch(value) is not None and value[:4] != "0000":
                    return True
            elif name == "uuid" and _CANONICAL_UUID.fullmatch(value) is not None:
                return True
        return general(value, name)
    return conforms


def format_conforms(checker: Any) -> Callable[[Any, str], bool]:
    """``checker.conforms`` (a jsonschema ``FormatChecker``) without its per-call overhead:
    the same function per format name, the same exceptions meaning "does not conform", and
    an unknown format conforming."""
    table: dict[str, tuple[Callable[[Any], Any], Any]] = dict(checker.checkers)

    def conforms(value: Any, name: str) -> bool:
        entry = table.get(name)
        if entry is None:
            return True
        function, raises = entry
        try:
            return bool(function(value))
        except raises:
            return False
    return conforms


def describe_value(value: Any) -> str:
    """A short, type-revealing rendering of a JSON value for messages."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (int, Decimal, float)):
        return f"the number {value}"
    if isinstance(value, str):
        shown = value if len(value) <= 60 else value[:57] + "..."
        return f"the string {shown!r}"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    return repr(value)


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    matches = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    if not matches:
        lowered = {c.lower(): c for c in choices}
        if word.lower() in lowered:
            matches = [lowered[word.lower()]]
    return f"; did you mean {matches[0]!r}?" if matches else ""


def _expected(schema: Mapping[str, Any]) -> str | None:
    value = schema.get("x-expected")
    return value if isinstance(value, str) else None


def finding_from_error(error: ValidationError, *, prefix: tuple[str | int, ...] = ()) -> Finding:
    """One jsonschema error → one finding with a message saying what was expected."""
    parts, code, message = explain_schema_error(error, prefix=prefix)
    return Finding(code=code, message=message, path=json_path(parts), severity=Severity.ERROR)


def explain_schema_error(error: ValidationError, *, prefix: tuple[str | int, ...] = ()
                         ) -> tuple[list[str | int], str, str]:
    """(path parts, code, message) of one jsonschema error, in words a user can act on.

    An ``anyOf``/``oneOf`` error is explained by its best-matching sub-error (never by the
    repr of the whole value); an unknown key gets a "did you mean".
    """
    if str(error.validator) in ("anyOf", "oneOf") and error.context and not (
            isinstance(error.validator_value, list) and all(
                isinstance(v, dict) and set(v) == {"required"} for v in error.validator_value)):
        from jsonschema.exceptions import best_match

        discriminator = _discriminator(error)
        if discriminator is not None:
            return [*prefix, *discriminator[0]], discriminator[1], discriminator[2]
        return explain_schema_error(best_match(error.context), prefix=prefix)
    parts: list[str | int] = [*prefix, *error.absolute_path]
    keyword = str(error.validator)
    value = error.validator_value
    instance = error.instance
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    expected = _expected(schema)
    code = f"schema_{keyword}"

    if keyword == "required":
        missing = [name for name in value if isinstance(instance, dict) and name not in instance]
        name = next((n for n in missing if error.message.startswith(repr(n))),
                    missing[0] if missing else "?")
        parts.append(name)
        message = f"the required field {name!r} is missing"
        code = "missing_field"
    elif keyword == "type":
        wanted = value if isinstance(value, str) else " or ".join(value)
        if expected is not None and isinstance(instance, (int, float, Decimal)) \
                and not isinstance(instance, bool):
            message = (f"expected {expected}, got {describe_value(instance)}; write it in quotes "
                       f"as a decimal string (\"{instance}\")")
            code = "number_not_decimal_string"
        else:
            label = expected or _JSON_TYPE_NAMES.get(wanted, wanted)
            message = f"expected {label}, got {describe_value(instance)}"
            if wanted in ("number", "integer") and isinstance(instance, str):
                code = "string_not_number"
            else:
                code = "wrong_type"
    elif keyword == "enum":
        choices = [str(c) for c in value]
        hint = _did_you_mean(str(instance), choices) if isinstance(instance, str) else ""
        shown = ", ".join(repr(c) for c in choices[:12]) + (", ..." if len(choices) > 12 else "")
        message = f"{describe_value(instance)} is not one of {shown}{hint}"
        code = "unknown_enum_value"
    elif keyword == "const":
        message = f"expected {value!r}, got {describe_value(instance)}"
    elif keyword == "pattern":
        label = expected or f"a string matching {value}"
        message = f"expected {label}, got {describe_value(instance)}"
        if expected is not None and "decimal" in expected:
            code = "bad_decimal"
        elif expected is not None and "date-time" in expected:
            code = "bad_date_time"
    elif keyword == "format":
        label = expected or {
            "date-time": "an RFC 3339 date-time with an offset, e.g. \"2026-01-31T00:00:00Z\"",
            "date": "a calendar date such as \"2026-01-31\"",
            "uuid": "a UUID",
        }.get(str(value), f"a valid {value}")
        message = f"expected {label}, got {describe_value(instance)} (not a real {value})"
        code = "bad_date_time" if value == "date-time" else f"bad_{value}".replace("-", "_")
        if value == "date-time" and is_rfc3339(instance):
            message = (f"expected a date-time from {format_time(START_OF_CALENDAR)} to "
                       f"{format_time(END_OF_CALENDAR)}, got {describe_value(instance)}, "
                       "outside the calendar cfl computes with")
    elif keyword == "additionalProperties":
        known = list(schema.get("properties", {}))
        extras = [k for k in instance if k not in known] if isinstance(instance, dict) else []
        if extras:
            parts.append(extras[0])
            hint = _did_you_mean(extras[0], known)
            message = (f"unknown field {extras[0]!r}{hint}" if hint else
                       f"unknown field {extras[0]!r}; allowed here: {', '.join(known)}")
            if len(extras) > 1:
                message += f" (and {len(extras) - 1} more unknown field(s))"
        else:
            message = error.message
        code = "unknown_field"
    elif keyword in ("minLength", "maxLength"):
        size = len(instance) if isinstance(instance, str) else 0
        bound = "at least" if keyword == "minLength" else "at most"
        message = f"expected a string of {bound} {value} characters, got {size}"
    elif keyword in ("minItems", "maxItems"):
        size = len(instance) if isinstance(instance, list) else 0
        bound = "at least" if keyword == "minItems" else "at most"
        message = f"expected {bound} {value} item(s), got {size}"
    elif keyword in ("minProperties", "maxProperties"):
        size = len(instance) if isinstance(instance, dict) else 0
        bound = "at least" if keyword == "minProperties" else "at most"
        message = f"expected an object with {bound} {value} field(s), got {size}"
    elif keyword == "uniqueItems":
        message = "the items must be unique; this array repeats an item"
    elif keyword in ("minimum", "maximum"):
        bound = "at least" if keyword == "minimum" else "at most"
        message = f"expected a number {bound} {value}, got {describe_value(instance)}"
    elif keyword == "anyOf" and isinstance(value, list) and all(
            isinstance(v, dict) and set(v) == {"required"} for v in value):
        names = [name for v in value for name in v["required"]]
        message = f"expected at least one of the fields {', '.join(repr(n) for n in names)}"
        code = "missing_field"
    elif keyword == "propertyNames":
        bad = [k for k in instance if isinstance(k, str)] if isinstance(instance, dict) else []
        sub = error.context[0] if error.context else None
        shown = repr(sub.instance) if sub is not None else (repr(bad[0]) if bad else "?")
        message = (f"the key {shown} is not allowed here (expected a BCP 47 language tag "
                   "such as 'zh' or 'en')")
    else:
        message = error.message
    return parts, code, message


def _discriminator(error: ValidationError) -> tuple[list[str | int], str, str] | None:
    """When every branch of a ``oneOf``/``anyOf`` wants another constant at the same key (a
    ``kind``/``type`` tag), that key is the mistake: say which values it may take."""
    branches: dict[int, dict[tuple[str | int, ...], list[Any]]] = {}
    for sub in error.context or ():
        if str(sub.validator) not in ("const", "enum") or not sub.relative_schema_path:
            continue
        branch = sub.relative_schema_path[0]
        if not isinstance(branch, int):
            continue
        values = [sub.validator_value] if str(sub.validator) == "const" else list(
            sub.validator_value)
        branches.setdefault(branch, {})[tuple(sub.relative_path)] = values
    count = len(error.validator_value) if isinstance(error.validator_value, list) else 0
    if not count or len(branches) != count:
        return None
    common = set.intersection(*(set(keys) for keys in branches.values()))
    if len(common) != 1:
        return None
    (key,) = common
    allowed = [str(v) for b in sorted(branches) for v in branches[b][key]]
    instance: Any = error.instance
    for step in key:
        if isinstance(instance, dict):
            instance = instance.get(step)
        elif isinstance(instance, list) and isinstance(step, int) and step < len(instance):
            instance = instance[step]
        else:
            instance = None
    hint = _did_you_mean(str(instance), allowed) if isinstance(instance, str) else ""
    shown = ", ".join(repr(v) for v in allowed)
    return ([*error.absolute_path, *key], "unknown_enum_value",
            f"{describe_value(instance)} is not one of {shown}{hint}")


def explain_schema_errors(errors: Iterable[ValidationError]
                          ) -> list[tuple[list[str | int], str, str]]:
    """:func:`explain_schema_error` for each error, less the echoes of a typo: a key spelt
    wrong is both "unknown" and (the right spelling) "missing"; only the first is kept."""
    explained = [explain_schema_error(error) for error in errors]
    suggested = {(tuple(parts[:-1]), match.group(1))
                 for parts, code, message in explained if code == "unknown_field"
                 for match in [re.search(r"did you mean '([^']+)'", message)] if match}
    return [(parts, code, message) for parts, code, message in explained
            if not (code == "missing_field" and (tuple(parts[:-1]), parts[-1]) in suggested)]


def schema_findings(document: Any, *, prefix: tuple[str | int, ...] = ()) -> list[Finding]:
    """Schema problems of a declaration (empty when it conforms).

    The compiled predicate answers first; the reference validator runs (and explains) only
    when it says no.
    """
    if fast_declaration_check()(document):
        return []
    validator = declaration_validator()
    findings: list[Finding] = []
    seen: set[tuple[str, str]] = set()
    for error in validator.iter_errors(document):
        finding = finding_from_error(error, prefix=prefix)
        if (finding.path, finding.code) in seen:  # e.g. a date-time failing pattern and format
            continue
        seen.add((finding.path, finding.code))
        findings.append(finding)
        if len(findings) >= MAX_SCHEMA_FINDINGS:
            findings.append(Finding(
                "too_many_findings",
                f"stopped after {MAX_SCHEMA_FINDINGS} schema problems; fix these first",
                json_path(prefix), Severity.ERROR))
            break
    return findings


def check_declaration(document: Any, *, source: str | None = None) -> list[Finding]:
    """Every schema and semantic finding of a declaration, best first.

    Semantic (cross-field) checks run on whatever parts of the document are well formed, so
    one pass reports everything it can. Findings name ``source`` when given.
    """
    if not isinstance(document, dict):
        findings = [Finding("wrong_type", f"expected a JSON object (a PACT ProductFootprint), "
                            f"got {describe_value(document)}", "$")]
    else:
        findings = schema_findings(document)
        findings.extend(semantic_findings(document))
    if source is not None:
        findings = [f.with_source(source) for f in findings]
    return best_first(findings)


def is_signed_bundle(document: Any) -> bool:
    """True for a signed bundle ``{"declaration": {...}, "signatures": [...]}``."""
    return isinstance(document, dict) and "declaration" in document and "signatures" in document


def check_declaration_or_bundle(document: Any, *, source: str | None = None) -> list[Finding]:
    """Like :func:`check_declaration`; for a signed bundle, check its declaration.

    Paths then start at ``$.declaration``. Signatures are not checked here (``cfl verify``).
    """
    if not is_signed_bundle(document):
        return check_declaration(document, source=source)
    inner = check_declaration(document["declaration"], source=source)
    return [_prefixed(f, "declaration") for f in inner]


def _prefixed(finding: Finding, key: str) -> Finding:
    path = "$." + key + finding.path[1:]
    return Finding(finding.code, finding.message, path, finding.severity, finding.source,
                   finding.rule_id, finding.citation, dict(finding.extra))
