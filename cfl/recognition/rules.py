"""Rule set and mapping files: loading, validation and the frozen objects they become.

A rule set file (``rulesets/<id>.yaml``) describes one scheme; a mapping file
(``rulesets/mappings/<from>--<to>.yaml``) relates two. Both are YAML read with the strict
loader (duplicate keys, alias bombs and syntax errors refused with line and column),
validated against ``schemas/ruleset.schema.json`` / ``schemas/mapping.schema.json`` (errors
name the JSON path and the line), then parsed into frozen dataclasses that reject unknown
keys on their own too. Checks become objects of :mod:`cfl.recognition.operators`; nothing
in a file is executed. The shipped files are parsed once per process (:func:`shipped_rules`).
"""

from __future__ import annotations

import difflib
import enum
import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any

import jsonschema  # type: ignore[import-untyped,unused-ignore]
import referencing
import yaml

from cfl.declaration.schema import explain_schema_errors
from cfl.errors import CflError, InputError
from cfl.findings import json_path
from cfl.io.jsonio import read_bytes
from cfl.io.resources import data_dir, load_schema
from cfl.io.yamlio import loads_yaml
from cfl.recognition.operators import Check, _bound, parse_check

#: Bound on one rule set or mapping file (they are a few KiB).
MAX_RULE_FILE_BYTES = 512 * 1024

RULESET_SCHEMA = "ruleset.schema.json"
MAPPING_SCHEMA = "mapping.schema.json"


class Confidence(enum.Enum):
    """How sure the research is of a rule: V, D and ? in the reference comparison."""

    VERIFIED = "verified"
    DOCUMENTED = "documented"
    UNCONFIRMED = "unconfirmed"


class Kind(enum.Enum):
    STANDARD = "standard"
    REGULATION = "regulation"
    LABEL_PROGRAMME = "label-programme"
    METHODOLOGY = "methodology"


class UnknownRuleSetError(InputError):
    """A rule set id that no file defines; the message suggests close ids."""

    code = "unknown_rule_set"


class RuleCycleError(CflError):
    """Mappings (``via``) or rule sets (``includes``) refer to each other in a loop."""

    code = "rule_cycle"


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    url: str | None = None
    accessed: str | None = None


@dataclass(frozen=True)
class SourceRef:
    """A source id of the file's source list plus where in that source (clause, table …)."""

    id: str
    locator: str


@dataclass(frozen=True)
class Requirement:
    """One declarative requirement: a check, the rule set it belongs to and its citation."""

    id: str
    sentence: str
    check: Check
    source: SourceRef
    confidence: Confidence
    owner: str
    citation: str
    sentence_zh: str | None = None
    when: Check | None = None


@dataclass(frozen=True)
class GradeClass:
    name: str
    min: Decimal | None
    max: Decimal | None
    source: SourceRef
    confidence: Confidence

    def holds(self, value: Decimal) -> bool:
        """Lower bound inclusive, upper bound exclusive (classes tile without overlap)."""
        return (self.min is None or value >= self.min) and (self.max is None or value < self.max)


@dataclass(frozen=True)
class CategoryGrading:
    category: str
    unit: str
    declared_unit: str
    classes: tuple[GradeClass, ...]
    illustrative: bool
    source: SourceRef
    citation: str
    note: str | None = None


@dataclass(frozen=True)
class RuleSet:
    id: str
    names: Mapping[str, str]
    jurisdiction: str
    kind: Kind
    based_on: tuple[str, ...]
    includes: tuple[str, ...]
    sources: Mapping[str, Source]
    requirements: tuple[Requirement, ...]
    grading: Mapping[str, CategoryGrading]
    origin: str
    notes: str | None = None

    @property
    def name(self) -> str:
        return self.names.get("en") or next(iter(self.names.values()))


@dataclass(frozen=True)
class Conversion:
    """A conversion a mapping offers: GWP recomputation or declared-unit scaling."""

    id: str
    kind: str
    source: SourceRef
    confidence: Confidence
    citation: str
    report: str | None = None
    from_unit: str | None = None
    to_unit: str | None = None
    factor: Decimal | None = None

    def describe(self) -> str:
        if self.kind == "gwp":
            return f"recompute GWP100 with {self.report} factors from the per-gas breakdown"
        return (f"restate per {self.to_unit} (1 {self.to_unit} = {self.factor} "
                f"{self.from_unit})")


@dataclass(frozen=True)
class RuleMapping:
    """Relates two rule sets: equivalent terms, conversions, recognition conditions."""

    source_id: str
    target_id: str
    via: tuple[str, ...]
    sources: Mapping[str, Source]
    equivalences: Mapping[str, Mapping[str, str]]
    conversions: tuple[Conversion, ...]
    conditions: tuple[Requirement, ...]
    origin: str
    notes: str | None = None

    @property
    def id(self) -> str:
        return f"{self.source_id}--{self.target_id}"


@dataclass(frozen=True)
class RuleRegistry:
    """Every rule set and mapping known to one run, looked up by id."""

    rule_sets: Mapping[str, RuleSet]
    mappings: Mapping[tuple[str, str], RuleMapping] = field(default_factory=dict)
    #: Origins (file names) of the rule sets and mappings given by the user (``--rules``,
    #: ``$CFL_RULES``); every other origin is a shipped file.
    user_files: frozenset[str] = frozenset()

    def is_users(self, origin: str) -> bool:
        """True if ``origin`` is a file of the user's own, not a shipped one."""
        return origin in self.user_files

    def rule_set(self, rule_set_id: str) -> RuleSet:
        """The rule set ``rule_set_id``; an unknown id raises with "did you mean"."""
        found = self.rule_sets.get(rule_set_id)
        if found is None:
            raise UnknownRuleSetError(unknown_id_message(rule_set_id, self.rule_sets))
        return found

    def requirements_of(self, rule_set_id: str) -> tuple[Requirement, ...]:
        """The rule set's own requirements and those of the rule sets it includes."""
        return _requirements(self, rule_set_id, ())

    def mappings_from(self, rule_set_id: str) -> list[RuleMapping]:
        return [m for (src, _), m in sorted(self.mappings.items()) if src == rule_set_id]


def unknown_id_message(rule_set_id: str, known: Iterable[str]) -> str:
    names = sorted(known)
    close = difflib.get_close_matches(rule_set_id, names, n=3, cutoff=0.5)
    close += [n for n in names if rule_set_id and rule_set_id.lower() in n and n not in close]
    hint = f"; did you mean {', '.join(close[:3])}?" if close else ""
    return (f"no rule set {rule_set_id!r}{hint} (known: {', '.join(names)}; "
            "see `cfl rulesets list`)")


def _requirements(registry: RuleRegistry, rule_set_id: str, trail: tuple[str, ...]
                  ) -> tuple[Requirement, ...]:
    if rule_set_id in trail:
        raise RuleCycleError(
            "rule sets include each other in a loop: " + " → ".join([*trail, rule_set_id]))
    rule_set = registry.rule_set(rule_set_id)
    out: list[Requirement] = []
    for included in rule_set.includes:
        out.extend(_requirements(registry, included, (*trail, rule_set_id)))
    out.extend(rule_set.requirements)
    return tuple(out)


# ----------------------------------------------------------------------------- validation


@functools.cache
def _validator(schema_name: str) -> Any:
    resources = [
        (load_schema(name)["$id"], referencing.Resource.from_contents(load_schema(name)))
        for name in (RULESET_SCHEMA, MAPPING_SCHEMA)
    ]
    registry: referencing.Registry[Any] = referencing.Registry().with_resources(resources)
    cls = jsonschema.validators.validator_for(load_schema(schema_name))
    return cls(load_schema(schema_name), registry=registry)


def _plain(value: Any) -> Any:
    """File data as JSON Schema sees it (Decimal → float only for validation of types)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return float(value)
    return value


def line_of(text: str, parts: Sequence[str | int]) -> str | None:
    """``line L, column C`` of the node at ``parts`` in YAML ``text`` (best effort). The text
    is composed once for all the places asked about in it (a file with a problem in each of
    its 240 requirements took 46 s to lint when it was composed again for each)."""
    node: yaml.Node | None = _composed(text)
    for part in parts:
        if isinstance(node, yaml.MappingNode) and isinstance(part, str):
            node = next((v for k, v in node.value if getattr(k, "value", None) == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(
                node.value):
            node = node.value[part]
        else:
            break
        if node is None:
            return None
    if node is None:
        return None
    return f"line {node.start_mark.line + 1}, column {node.start_mark.column + 1}"


@functools.lru_cache(maxsize=4)
def _composed(text: str) -> yaml.Node | None:
    try:
        node: yaml.Node | None = yaml.compose(text, Loader=yaml.SafeLoader)
    except (yaml.YAMLError, RecursionError):
        return None
    return node


def schema_errors(raw: Any, schema_name: str) -> list[tuple[list[str | int], str]]:
    """(path parts, message) for every schema error, shallowest first."""
    errors = sorted(_validator(schema_name).iter_errors(_plain(raw)),
                    key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path))))
    return [(parts, message) for parts, _, message in explain_schema_errors(errors)]


def _where(text: str | None, parts: Sequence[str | int]) -> str:
    place = json_path(parts)
    line = line_of(text, parts) if text is not None else None
    return f"{place} ({line})" if line else place


def load_rule_file(data: bytes, source: str) -> RuleSet | RuleMapping:
    """Parse one rule set or mapping file (a mapping has ``from`` and ``to``)."""
    raw = loads_yaml(data, source=source, max_bytes=MAX_RULE_FILE_BYTES)
    text = data.decode("utf-8")
    if not isinstance(raw, dict):
        raise InputError("expected a mapping at the top of a rule set or mapping file",
                         source=source, location="$", code="bad_rule_file")
    is_mapping = "from" in raw or "to" in raw
    schema_name = MAPPING_SCHEMA if is_mapping else RULESET_SCHEMA
    problems = schema_errors(raw, schema_name)
    if problems:
        parts, message = problems[0]
        more = f" (and {len(problems) - 1} more; run `cfl rulesets lint {source}`)" if len(
            problems) > 1 else ""
        raise InputError(f"does not match {schema_name}: {message}{more}", source=source,
                         location=_where(text, parts), code="rule_schema")
    try:
        return parse_mapping(raw, source) if is_mapping else parse_rule_set(raw, source)
    except InputError as exc:
        if exc.location and exc.location.startswith("$") and " (" not in exc.location:
            exc.location = _where(text, location_parts(exc.location))
        raise exc.at(source) from None


def location_parts(location: str) -> list[str | int]:
    """Best-effort inverse of :func:`json_path` for plain paths (``$.a[0].b``)."""
    out: list[str | int] = []
    token = ""
    i = 1
    while i < len(location):
        ch = location[i]
        if ch == ".":
            if token:
                out.append(token)
            token = ""
        elif ch == "[":
            if token:
                out.append(token)
            end = location.index("]", i)
            inner = location[i + 1:end].strip("'")
            out.append(int(inner) if inner.isdigit() else inner)
            token = ""
            i = end
        else:
            token += ch
        i += 1
    if token:
        out.append(token)
    return out


# ----------------------------------------------------------------------------- parsing


def _keys(raw: Any, where: str, required: Sequence[str], optional: Sequence[str] = ()
          ) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise InputError("expected a mapping", location=where, code="bad_rule_file")
    unknown = sorted(set(raw) - set(required) - set(optional))
    if unknown:
        close = difflib.get_close_matches(str(unknown[0]), [*required, *optional], n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise InputError(f"unknown key {unknown[0]!r}{hint}; expected one of "
                         f"{', '.join([*required, *optional])}", location=where,
                         code="unknown_key")
    for key in required:
        if key not in raw:
            raise InputError(f"missing key {key!r}", location=where, code="missing_key")
    return raw


def _sources(raw: Any, where: str) -> dict[str, Source]:
    out: dict[str, Source] = {}
    for i, item in enumerate(raw):
        fields = _keys(item, f"{where}[{i}]", ("id", "title"), ("url", "accessed"))
        if fields["id"] in out:
            raise InputError(f"source id {fields['id']!r} is listed twice",
                             location=f"{where}[{i}].id", code="duplicate_source")
        out[fields["id"]] = Source(fields["id"], fields["title"], fields.get("url"),
                                   fields.get("accessed"))
    return out


def _ref(raw: Any, where: str, sources: Mapping[str, Source]) -> SourceRef:
    fields = _keys(raw, where, ("id", "locator"))
    if fields["id"] not in sources:
        raise InputError(f"source {fields['id']!r} is not in this file's sources list "
                         f"({', '.join(sorted(sources))})", location=f"{where}.id",
                         code="unknown_source")
    return SourceRef(fields["id"], fields["locator"])


def citation_text(owner: str, ref: SourceRef, sources: Mapping[str, Source]) -> str:
    source = sources[ref.id]
    url = f" <{source.url}>" if source.url else ""
    return f"{owner} [{ref.id}] {source.title}, {ref.locator}{url}"


def _requirement(raw: Any, where: str, owner: str, sources: Mapping[str, Source]
                 ) -> Requirement:
    fields = _keys(raw, where, ("id", "sentence", "check", "source", "confidence"), ("when",))
    sentence = _keys(fields["sentence"], f"{where}.sentence", ("en",), ("zh",))
    ref = _ref(fields["source"], f"{where}.source", sources)
    return Requirement(
        id=fields["id"],
        sentence=sentence["en"],
        sentence_zh=sentence.get("zh"),
        check=parse_check(fields["check"], f"{where}.check"),
        when=parse_check(fields["when"], f"{where}.when") if "when" in fields else None,
        source=ref,
        confidence=Confidence(fields["confidence"]),
        owner=owner,
        citation=citation_text(owner, ref, sources),
    )


def _requirements_list(raw: Any, where: str, owner: str, sources: Mapping[str, Source]
                       ) -> tuple[Requirement, ...]:
    out = [_requirement(item, f"{where}[{i}]", owner, sources) for i, item in enumerate(raw)]
    seen: set[str] = set()
    for i, requirement in enumerate(out):
        if requirement.id in seen:
            raise InputError(f"requirement id {requirement.id!r} is used twice",
                             location=f"{where}[{i}].id", code="duplicate_requirement")
        seen.add(requirement.id)
    return tuple(out)


def _grading(raw: Any, where: str, owner: str, sources: Mapping[str, Source]
             ) -> dict[str, CategoryGrading]:
    out: dict[str, CategoryGrading] = {}
    for category, entry in raw.items():
        here = f"{where}.{category}" if category.isidentifier() else f"{where}['{category}']"
        fields = _keys(entry, here, ("unit", "declaredUnit", "classes", "source"),
                       ("illustrative", "note"))
        classes = []
        for i, item in enumerate(fields["classes"]):
            spot = f"{here}.classes[{i}]"
            cls_fields = _keys(item, spot, ("class", "bounds", "source", "confidence"))
            bounds = _keys(cls_fields["bounds"], f"{spot}.bounds", (), ("min", "max"))
            classes.append(GradeClass(
                name=cls_fields["class"],
                min=_bound(bounds["min"], f"{spot}.bounds.min") if "min" in bounds else None,
                max=_bound(bounds["max"], f"{spot}.bounds.max") if "max" in bounds else None,
                source=_ref(cls_fields["source"], f"{spot}.source", sources),
                confidence=Confidence(cls_fields["confidence"]),
            ))
        ref = _ref(fields["source"], f"{here}.source", sources)
        illustrative = bool(fields.get("illustrative", False))
        if not illustrative and any(c.confidence is Confidence.UNCONFIRMED for c in classes):
            raise InputError("a class with confidence 'unconfirmed' may only be shipped with "
                             "illustrative: true", location=here, code="unconfirmed_threshold")
        out[category] = CategoryGrading(
            category=category, unit=fields["unit"], declared_unit=fields["declaredUnit"],
            classes=tuple(classes), illustrative=illustrative, source=ref,
            citation=citation_text(owner, ref, sources), note=fields.get("note"),
        )
    return out


def parse_rule_set(raw: Any, source: str) -> RuleSet:
    """Turn validated rule set data into a :class:`RuleSet` (unknown keys are errors)."""
    fields = _keys(raw, "$", ("id", "names", "jurisdiction", "kind", "sources", "requirements"),
                   ("basedOn", "includes", "grading", "notes"))
    sources = _sources(fields["sources"], "$.sources")
    rule_id = fields["id"]
    return RuleSet(
        id=rule_id,
        names=MappingProxyType(dict(_keys(fields["names"], "$.names", ("en",), ("zh",)))),
        jurisdiction=fields["jurisdiction"],
        kind=Kind(fields["kind"]),
        based_on=tuple(fields.get("basedOn", ())),
        includes=tuple(fields.get("includes", ())),
        sources=MappingProxyType(sources),
        requirements=_requirements_list(fields["requirements"], "$.requirements", rule_id,
                                        sources),
        grading=MappingProxyType(_grading(fields.get("grading", {}), "$.grading", rule_id,
                                          sources)),
        origin=source,
        notes=fields.get("notes"),
    )


def _conversion(raw: Any, where: str, owner: str, sources: Mapping[str, Source]) -> Conversion:
    kind = raw.get("kind") if isinstance(raw, Mapping) else None
    if kind == "gwp":
        fields = _keys(raw, where, ("id", "kind", "to", "source", "confidence"))
    elif kind == "unit-scale":
        fields = _keys(raw, where, ("id", "kind", "fromUnit", "toUnit", "factor", "source",
                                    "confidence"))
    else:
        raise InputError(f"unknown conversion kind {kind!r}; expected gwp or unit-scale",
                         location=f"{where}.kind", code="unknown_conversion")
    ref = _ref(fields["source"], f"{where}.source", sources)
    return Conversion(
        id=fields["id"], kind=kind, source=ref, confidence=Confidence(fields["confidence"]),
        citation=citation_text(owner, ref, sources),
        report=fields.get("to"), from_unit=fields.get("fromUnit"), to_unit=fields.get("toUnit"),
        factor=_bound(fields["factor"], f"{where}.factor") if "factor" in fields else None,
    )


EQUIVALENCE_KINDS = ("stages", "boundaries", "units", "verificationLevels")


def parse_mapping(raw: Any, source: str) -> RuleMapping:
    """Turn validated mapping data into a :class:`RuleMapping` (unknown keys are errors)."""
    fields = _keys(raw, "$", ("from", "to", "sources"),
                   ("via", "equivalences", "conversions", "conditions", "notes"))
    sources = _sources(fields["sources"], "$.sources")
    owner = f"{fields['from']}--{fields['to']}"
    equivalences = _keys(fields.get("equivalences", {}), "$.equivalences", (), EQUIVALENCE_KINDS)
    if fields["from"] == fields["to"]:
        raise InputError("a mapping relates two different rule sets", location="$.to",
                         code="self_mapping")
    return RuleMapping(
        source_id=fields["from"],
        target_id=fields["to"],
        via=tuple(fields.get("via", ())),
        sources=MappingProxyType(sources),
        equivalences=MappingProxyType({k: MappingProxyType(dict(v))
                                       for k, v in equivalences.items()}),
        conversions=tuple(_conversion(c, f"$.conversions[{i}]", owner, sources)
                          for i, c in enumerate(fields.get("conversions", ()))),
        conditions=_requirements_list(fields.get("conditions", ()), "$.conditions", owner,
                                      sources),
        origin=source,
        notes=fields.get("notes"),
    )


# ----------------------------------------------------------------------------- the registry


def shipped_rule_files() -> list[tuple[str, bytes]]:
    """(display name, bytes) of every shipped rule set and mapping file, sorted (read once
    per process: they are package data; the list is the caller's own)."""
    return list(_shipped_rule_files())


@functools.cache
def _shipped_rule_files() -> tuple[tuple[str, bytes], ...]:
    root = data_dir("rulesets")
    out = [(f"rulesets/{n.name}", n.read_bytes()) for n in root.iterdir()
           if n.is_file() and n.name.endswith(".yaml")]
    mappings = root / "mappings"
    out += [(f"rulesets/mappings/{n.name}", n.read_bytes()) for n in mappings.iterdir()
            if n.is_file() and n.name.endswith(".yaml")]
    return tuple(sorted(out))


@functools.cache
def shipped_rule_items() -> Mapping[str, RuleSet | RuleMapping]:
    """Every shipped file that parses, by display name, parsed once per process (ADR 0127).

    Read-only all the way down (frozen dataclasses, tuples and read-only mappings), so no
    caller can change what the next one is given. A shipped file that does not parse is left
    out here; ``cfl rulesets lint`` of the shipped library reports it.
    """
    items: dict[str, RuleSet | RuleMapping] = {}
    for name, data in _shipped_rule_files():
        try:
            items[name] = load_rule_file(data, name)
        except CflError:
            continue
    return MappingProxyType(items)


def build_registry(files: Iterable[tuple[str, bytes]]) -> RuleRegistry:
    """Parse rule files into a registry; duplicate ids are errors."""
    return _registry_of((name, load_rule_file(data, name)) for name, data in files)


def _registry_of(items: Iterable[tuple[str, RuleSet | RuleMapping]]) -> RuleRegistry:
    rule_sets: dict[str, RuleSet] = {}
    mappings: dict[tuple[str, str], RuleMapping] = {}
    for name, item in items:
        if isinstance(item, RuleSet):
            if item.id in rule_sets:
                raise InputError(f"rule set {item.id!r} is also defined in "
                                 f"{rule_sets[item.id].origin}", source=name, location="$.id",
                                 code="duplicate_rule_set")
            rule_sets[item.id] = item
        else:
            key = (item.source_id, item.target_id)
            if key in mappings:
                raise InputError(f"mapping {item.id} is also defined in {mappings[key].origin}",
                                 source=name, location="$", code="duplicate_mapping")
            mappings[key] = item
    return RuleRegistry(rule_sets=MappingProxyType(rule_sets),
                        mappings=MappingProxyType(mappings))


@functools.cache
def shipped_rules() -> RuleRegistry:
    """The shipped rule sets and mappings, parsed once per process (read-only: see
    :func:`shipped_rule_items`). A shipped file that does not parse is an error here."""
    items = shipped_rule_items()
    if len(items) != len(_shipped_rule_files()):
        return build_registry(shipped_rule_files())  # raises the file's error
    return _registry_of(items.items())


def read_rule_file(path: str | Path) -> tuple[str, bytes]:
    name = "<stdin>" if str(path) == "-" else str(path)
    return name, read_bytes(path, max_bytes=MAX_RULE_FILE_BYTES)
