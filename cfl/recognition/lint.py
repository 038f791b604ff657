"""`cfl rulesets lint`: every problem in rule set and mapping files, as findings.

Checks, in order: YAML syntax (line and column), the JSON Schema (JSON path and line), the
parse into frozen objects (unknown keys, unknown operators, source ids that the file's
source list lacks), references between files (mapping from/to/via, includes, basedOn),
that every declaration path used exists in the declaration schema
(``schemas/declaration.schema.json`` for PACT fields, ``schemas/cfl-extension.schema.json``
behind ``[cfl]``), that grading classes tile without gaps or overlaps, that ``via`` and
``includes`` do not loop, and that every rule set can be reached from GB/T 24067-2024.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cfl.declaration.view import CFL_EXTENSION_SCHEMA
from cfl.errors import CflError, InputError
from cfl.findings import Finding, Severity, best_first, is_blocking, json_path
from cfl.io.resources import load_schema
from cfl.io.yamlio import loads_yaml
from cfl.recognition.engine import expand, find_path
from cfl.recognition.operators import Check
from cfl.recognition.paths import DeclarationPath
from cfl.recognition.rules import (
    MAPPING_SCHEMA,
    RULESET_SCHEMA,
    Requirement,
    RuleMapping,
    RuleRegistry,
    RuleSet,
    line_of,
    location_parts,
    parse_mapping,
    parse_rule_set,
    schema_errors,
    shipped_rule_files,
    shipped_rule_items,
)

HOME_RULE_SET = "gbt-24067-2024"
PACT_UNITS = ("liter", "kilogram", "cubic meter", "kilowatt hour", "megajoule", "ton kilometer",
              "square meter", "piece", "hour", "megabit second")


@dataclass(frozen=True)
class LintReport:
    files: tuple[str, ...]
    findings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        return not is_blocking(self.findings)

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "files": list(self.files),
                "findings": [f.to_json() for f in self.findings]}


# ----------------------------------------------------------------------------- schema paths


class _SchemaWalker:
    """Answers "does this declaration path exist in the declaration schema?"."""

    def __init__(self) -> None:
        self.documents: dict[str, dict[str, Any]] = {}
        for name in ("declaration.schema.json", "cfl-extension.schema.json"):
            try:
                schema = load_schema(name)
            except (FileNotFoundError, ValueError, InputError):
                continue
            self.documents[str(schema.get("$id", name))] = schema
        self.root_id = "urn:cfl:schema:declaration:1"

    @property
    def available(self) -> bool:
        return self.root_id in self.documents and CFL_EXTENSION_SCHEMA in self.documents

    def _deref(self, node: Any, doc: str, depth: int = 0) -> Iterator[tuple[dict[str, Any], str]]:
        """The node and every subschema that can add properties to it (refs, combinators)."""
        if not isinstance(node, dict) or depth > 20:
            return
        yield node, doc
        ref = node.get("$ref")
        if isinstance(ref, str):
            base, _, fragment = ref.partition("#")
            target_doc = base or doc
            target: Any = self.documents.get(target_doc)
            for part in [p for p in fragment.split("/") if p]:
                target = target.get(part) if isinstance(target, dict) else None
            yield from self._deref(target, target_doc, depth + 1)
        for key in ("allOf", "anyOf", "oneOf"):
            for sub in node.get(key, []):
                yield from self._deref(sub, doc, depth + 1)
        for key in ("then", "else"):
            if key in node:
                yield from self._deref(node[key], doc, depth + 1)

    def problem(self, path: DeclarationPath) -> str | None:
        """``None`` if the path exists, else what is wrong."""
        nodes: list[tuple[Any, str]] = [(self.documents[self.root_id], self.root_id)]
        walked = "$"
        for step in path.steps:
            expanded = [pair for node, doc in nodes for pair in self._deref(node, doc)]
            nxt: list[tuple[Any, str]] = []
            if isinstance(step, str):
                for node, doc in expanded:
                    props = node.get("properties", {})
                    if step in props:
                        nxt.append((props[step], doc))
                if not nxt:
                    known = sorted({k for node, _ in expanded for k in node.get("properties", {})})
                    hint = _close(step, known)
                    return (f"{walked} has no field {step!r} in the declaration schema"
                            + (f" (did you mean {hint}?)" if hint else ""))
                walked += f".{step}"
            elif isinstance(step, int):
                for node, doc in expanded:
                    if "items" in node:
                        nxt.append((node["items"], doc))
                if not nxt:
                    return f"{walked} is not a list in the declaration schema"
                walked += f"[{step}]"
            else:
                if walked != "$.extensions":
                    return f"[cfl] selects the cfl extension and only follows $.extensions, " \
                           f"not {walked}"
                nxt = [({"properties": {"data": {"$ref": CFL_EXTENSION_SCHEMA},
                                        "dataSchema": {}, "specVersion": {}}}, self.root_id)]
                walked += "[cfl]"
            nodes = nxt
        return None


@functools.cache
def _schema_walker() -> _SchemaWalker:
    """The walker of the shipped declaration schemas, made once per process."""
    return _SchemaWalker()


def _close(word: str, known: Sequence[str]) -> str | None:
    import difflib

    found = difflib.get_close_matches(word, known, n=1, cutoff=0.6)
    return found[0] if found else None


# ----------------------------------------------------------------------------- lint


def _finding(code: str, message: str, source: str, path: str = "$",
             severity: Severity = Severity.ERROR, rule_id: str | None = None) -> Finding:
    return Finding(code, message, path, severity, source, rule_id)


def _error_finding(exc: InputError, source: str) -> Finding:
    location = exc.location or "$"
    return _finding(exc.code, exc.message, source, location)


def _one_problem(schema_findings: list[Finding], parsed: Finding) -> list[Finding]:
    """The parser's finding (its code is stable: ``unknown_operator``, …) in place of the
    schema's findings about the same place, so one mistake is reported once, with the line
    and column the schema finding knew."""
    place = parsed.path
    echoes = [f for f in schema_findings
              if f.path == place or f.path.startswith((place + ".", place + "["))]
    line = next((m.group(0) for f in echoes
                 for m in [re.search(r"\(line \d+, column \d+\)$", f.message)] if m), None)
    if line is not None and "line " not in parsed.message:
        parsed = Finding(parsed.code, f"{parsed.message} {line}", parsed.path, parsed.severity,
                         parsed.source, parsed.rule_id, parsed.citation, dict(parsed.extra))
    return [f for f in schema_findings if f not in echoes] + [parsed]


def _checks(requirement: Requirement) -> Iterator[tuple[str, Check]]:
    yield "check", requirement.check
    if requirement.when is not None:
        yield "when", requirement.when


def _lint_requirements(requirements: Iterable[Requirement], where: str, source: str,
                       walker: _SchemaWalker) -> Iterator[Finding]:
    for i, requirement in enumerate(requirements):
        for key, check in _checks(requirement):
            for path in check.paths():
                problem = walker.problem(path)
                if problem:
                    yield _finding("unknown_field", f"{path}: {problem}", source,
                                   f"{where}[{i}].{key}", rule_id=requirement.id)


def _lint_grading(rule_set: RuleSet) -> Iterator[Finding]:
    for category, grading in rule_set.grading.items():
        where = json_path(["grading", category, "classes"])
        classes = sorted(grading.classes, key=lambda c: (c.min is not None, c.min or 0))
        if not classes:
            yield _finding("grading_gap", "no class is given: every value is ungraded",
                           rule_set.origin, where)
            continue
        if classes[0].min is not None:
            yield _finding("grading_gap", f"no class covers values below {classes[0].min}",
                           rule_set.origin, where, Severity.WARNING)
        for a, b in zip(classes, classes[1:], strict=False):
            if a.max is None or b.min is None or a.max != b.min:
                yield _finding("grading_gap", f"classes {a.name} and {b.name} do not meet "
                               f"(max {a.max} vs min {b.min}): gap or overlap",
                               rule_set.origin, where)
        if classes[-1].max is not None:
            yield _finding("grading_gap", f"no class covers values from {classes[-1].max}",
                           rule_set.origin, where, Severity.WARNING)


def _lint_file(name: str, data: bytes, walker: _SchemaWalker
               ) -> tuple[list[Finding], RuleSet | RuleMapping | None]:
    findings: list[Finding] = []
    try:
        raw = loads_yaml(data, source=name)
    except InputError as exc:
        return [_finding(exc.code, exc.message, name, exc.location or "$")], None
    text = data.decode("utf-8")
    if not isinstance(raw, dict):
        return [_finding("bad_rule_file", "expected a mapping at the top", name)], None
    is_mapping = "from" in raw or "to" in raw
    for parts, message in schema_errors(raw, MAPPING_SCHEMA if is_mapping else RULESET_SCHEMA):
        line = line_of(text, parts)
        findings.append(_finding("schema", message + (f" ({line})" if line else ""), name,
                                 json_path(parts)))
    try:
        item = parse_mapping(raw, name) if is_mapping else parse_rule_set(raw, name)
    except InputError as exc:
        return _one_problem(findings, _error_finding(exc, name)), None
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        if not findings:  # the schema should have caught this; say so rather than crash
            findings.append(_finding("bad_rule_file", f"cannot be read: {exc}", name))
        return findings, None
    # A file that breaks its schema takes no part in the checks across files: its id, from
    # and to may be anything (a list, say), so nothing may be looked up by them.
    schema_broken = bool(findings)
    stem = name.rsplit("/", 1)[-1].removesuffix(".yaml")
    expected = item.id
    if not schema_broken and stem != expected and name != "<stdin>":
        findings.append(_finding("file_name", f"file name should be {expected}.yaml", name,
                                 severity=Severity.WARNING))
    if walker.available:
        if isinstance(item, RuleSet):
            findings += _lint_requirements(item.requirements, "$.requirements", name, walker)
            findings += _lint_grading(item)
        else:
            findings += _lint_requirements(item.conditions, "$.conditions", name, walker)
    return findings, None if schema_broken else item


def lint_rule_files(files: Sequence[tuple[str, bytes]] | None = None) -> LintReport:
    """Lint ``files`` (name, bytes) against the shipped files; ``None`` lints the shipped."""
    walker = _schema_walker()
    targets = list(files) if files is not None else shipped_rule_files()
    findings: list[Finding] = []
    if not walker.available:
        findings.append(_finding("no_declaration_schema", "schemas/declaration.schema.json is "
                                 "not available; declaration paths were not checked", "schemas",
                                 severity=Severity.WARNING))
    items: dict[str, RuleSet | RuleMapping] = {}
    for name, data in targets:
        file_findings, item = _lint_file(name, data, walker)
        findings += file_findings
        if item is not None:
            items[name] = item
    findings += _lint_duplicates(items)
    # Context: shipped files not being linted, so references to them resolve (parsed once
    # per process: the shipped files are package data, ADR 0127).
    rule_sets: dict[str, RuleSet] = {}
    mappings: dict[tuple[str, str], RuleMapping] = {}
    linted = {name for name, _ in targets}
    for name, context in shipped_rule_items().items():
        if name not in linted:
            _add(context, rule_sets, mappings)
    for name, item in items.items():
        if isinstance(item, RuleSet) and item.id in rule_sets and name not in linted:
            continue
        _add(item, rule_sets, mappings)
    registry = RuleRegistry(rule_sets, mappings)
    findings += _lint_references(items.values(), registry)
    if files is None:
        findings += _lint_reachability(registry)
    texts = {name: data for name, data in targets}
    findings = [_with_line(f, texts) for f in findings]
    return LintReport(tuple(name for name, _ in targets), tuple(best_first(findings)))


def _with_line(finding: Finding, texts: Mapping[str, bytes]) -> Finding:
    """``finding`` with the line and column of its path appended, if it lacks them."""
    data = texts.get(finding.source or "")
    if data is None or finding.path in ("", "$") or not finding.path.startswith("$") \
            or re.search(r"\bline \d+", finding.message):
        return finding
    try:
        line = line_of(data.decode("utf-8"), location_parts(finding.path))
    except (UnicodeDecodeError, ValueError):
        return finding
    if line is None:
        return finding
    return Finding(finding.code, f"{finding.message} ({line})", finding.path, finding.severity,
                   finding.source, finding.rule_id, finding.citation, dict(finding.extra))


def _lint_duplicates(items: Mapping[str, RuleSet | RuleMapping]) -> Iterator[Finding]:
    """Two of the files linted together define the same rule set or mapping."""
    seen: dict[str, str] = {}
    for name, item in items.items():
        kind = "rule set" if isinstance(item, RuleSet) else "mapping"
        key = f"{kind} {item.id}"
        if key in seen:
            yield _finding("duplicate_rule_set" if kind == "rule set" else "duplicate_mapping",
                           f"{key} is also defined in {seen[key]}; give each id once", name,
                           "$.id" if kind == "rule set" else "$.from")
        else:
            seen[key] = name


def _add(item: RuleSet | RuleMapping, rule_sets: dict[str, RuleSet],
         mappings: dict[tuple[str, str], RuleMapping]) -> None:
    if isinstance(item, RuleSet):
        rule_sets[item.id] = item
    else:
        mappings[(item.source_id, item.target_id)] = item


def _lint_references(items: Iterable[RuleSet | RuleMapping], registry: RuleRegistry
                     ) -> Iterator[Finding]:
    known = registry.rule_sets
    for item in items:
        if isinstance(item, RuleSet):
            for key, ids in (("includes", item.includes), ("basedOn", item.based_on)):
                for i, other in enumerate(ids):
                    if other not in known:
                        yield _finding("unknown_rule_set", f"no rule set {other!r}", item.origin,
                                       f"$.{key}[{i}]")
            if all(i in known for i in item.includes):
                try:
                    registry.requirements_of(item.id)
                except CflError as exc:
                    yield _finding(exc.code, str(exc), item.origin, "$.includes")
        else:
            for key, other in (("from", item.source_id), ("to", item.target_id)):
                if other not in known:
                    yield _finding("unknown_rule_set", f"no rule set {other!r}", item.origin,
                                   f"$.{key}")
            for i, other in enumerate(item.via):
                if other not in known:
                    yield _finding("unknown_rule_set", f"no rule set {other!r}", item.origin,
                                   f"$.via[{i}]")
            for i, conversion in enumerate(item.conversions):
                for unit in (conversion.from_unit, conversion.to_unit):
                    if unit is not None and unit not in PACT_UNITS:
                        yield _finding("unknown_unit", f"{unit!r} is not a PACT declared unit",
                                       item.origin, f"$.conversions[{i}]")
            if item.via and all(v in known for v in item.via):
                try:
                    expand(registry, item, ())
                except CflError as exc:
                    yield _finding(exc.code, str(exc), item.origin, "$.via")


def _lint_reachability(registry: RuleRegistry) -> Iterator[Finding]:
    if HOME_RULE_SET not in registry.rule_sets:
        return
    for target in sorted(registry.rule_sets):
        try:
            path = find_path(registry, HOME_RULE_SET, target)
        except CflError as exc:
            yield _finding(exc.code, str(exc), registry.rule_sets[target].origin)
            continue
        if path is None:
            yield _finding("unreachable", f"no mapping path from {HOME_RULE_SET} to {target}",
                           registry.rule_sets[target].origin, severity=Severity.WARNING)
