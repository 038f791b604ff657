"""The check engine: a declaration against target rule sets, one report per target.

For each target the engine finds the mapping path from the rule set the declaration was
made under (the extension's ``ruleSet.id``) to the target, composing mappings along it
(``via`` hops are expanded; a rule set met twice is a cycle and an error). The target's
requirements (with those of the rule sets it includes) and the conditions of every mapping
on the path are each evaluated to one row:

* ``met`` — the check holds on the declaration as it is;
* ``met-after-conversion`` — it fails as it is but holds after a conversion a mapping on
  the path offers (the row names the conversion);
* ``not-met`` — it fails, and no offered conversion fixes it;
* ``undeterminable`` — data is missing (the row names the paths), the check needs a manual
  look, or the rule rests on an unconfirmed fact (``confidence: unconfirmed`` is never
  evaluated, so it can never come out as a guessed pass or fail);
* ``not-applicable`` — the requirement's ``when`` condition is false.

Verdict: any not-met → not-recognised; else any undeterminable → undeterminable; else any
met-after-conversion → recognised-with-conditions; else recognised.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cfl.declaration.view import cfl_extension
from cfl.errors import InputError
from cfl.recognition.attestation import NO_ATTESTATIONS, Attestations, AttestedAnswer
from cfl.recognition.conversion import recompute_gwp, scale_declared_unit
from cfl.recognition.operators import Check, EvaluationContext, Manual, Truth
from cfl.recognition.rules import (
    Confidence,
    Conversion,
    Requirement,
    RuleCycleError,
    RuleMapping,
    RuleRegistry,
    shipped_rules,
)
from cfl.timeutil import format_time

#: Bound on the hops of a composed path (mapping chains are short by nature).
MAX_PATH_HOPS = 8


class Outcome(enum.Enum):
    MET = "met"
    MET_AFTER_CONVERSION = "met-after-conversion"
    NOT_MET = "not-met"
    UNDETERMINABLE = "undeterminable"
    NOT_APPLICABLE = "not-applicable"


class Verdict(enum.Enum):
    RECOGNISED = "recognised"
    RECOGNISED_WITH_CONDITIONS = "recognised-with-conditions"
    NOT_RECOGNISED = "not-recognised"
    UNDETERMINABLE = "undeterminable"


@dataclass(frozen=True)
class RequirementResult:
    """One row of a report."""

    requirement_id: str
    owner: str
    sentence: str
    outcome: Outcome
    detail: str
    citation: str
    confidence: Confidence
    conversion: str | None = None
    missing: tuple[str, ...] = ()
    #: Whether the requirement's check asks for a manual look (an attestation can answer it).
    manual: bool = False
    #: The certifier whose signed attestation decided the row (None: the data decided it).
    attested_by: str | None = None
    evidence: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "requirement": self.requirement_id, "owner": self.owner, "sentence": self.sentence,
            "outcome": self.outcome.value, "detail": self.detail, "citation": self.citation,
            "confidence": self.confidence.value,
        }
        if self.conversion:
            out["conversion"] = self.conversion
        if self.missing:
            out["missing"] = list(self.missing)
        if self.manual:
            out["manual"] = True
        if self.attested_by:
            out["attestedBy"] = self.attested_by
            out["evidence"] = self.evidence
        return out


@dataclass(frozen=True)
class ComposedMapping:
    """Mappings composed along a path of rule sets."""

    path: tuple[str, ...]
    mappings: tuple[RuleMapping, ...]

    @property
    def conversions(self) -> tuple[Conversion, ...]:
        return tuple(c for m in self.mappings for c in m.conversions)

    @property
    def conditions(self) -> tuple[Requirement, ...]:
        return tuple(c for m in self.mappings for c in m.conditions)

    @property
    def equivalences(self) -> dict[str, dict[str, str]]:
        """Terms keyed by cfl's own names; a later hop's term replaces an earlier one."""
        out: dict[str, dict[str, str]] = {}
        for mapping in self.mappings:
            for kind, terms in mapping.equivalences.items():
                out.setdefault(kind, {}).update(terms)
        return out


@dataclass(frozen=True)
class RuleFile:
    """The file a rule set or mapping used by a report came from."""

    id: str
    kind: str  # "rule set" | "mapping"
    file: str
    yours: bool  # a file of the user's own (--rules, $CFL_RULES), not a shipped one

    def describe(self) -> str:
        return f"{self.file} ({'yours' if self.yours else 'shipped'})"

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "file": self.file, "yours": self.yours}


@dataclass(frozen=True)
class RecognitionReport:
    """How a declaration stands under one target rule set."""

    target: str
    target_name: str
    source_rule_set: str | None
    path: tuple[str, ...]
    rows: tuple[RequirementResult, ...]
    verdict: Verdict
    equivalences: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    files: tuple[RuleFile, ...] = ()

    def count(self, outcome: Outcome) -> int:
        return sum(1 for r in self.rows if r.outcome is outcome)

    def to_json(self) -> dict[str, Any]:
        return {
            "target": self.target, "targetName": self.target_name,
            "sourceRuleSet": self.source_rule_set, "path": list(self.path),
            "verdict": self.verdict.value, "rows": [r.to_json() for r in self.rows],
            "equivalences": {k: dict(v) for k, v in self.equivalences.items()},
            "notes": list(self.notes), "files": [f.to_json() for f in self.files],
        }


@dataclass(frozen=True)
class RecognitionResult:
    """Reports for every target asked about, at one time."""

    reports: tuple[RecognitionReport, ...]
    at: dt.datetime
    notes: tuple[str, ...] = ()
    attestations: Attestations = NO_ATTESTATIONS

    @property
    def all_recognised(self) -> bool:
        return all(r.verdict in (Verdict.RECOGNISED, Verdict.RECOGNISED_WITH_CONDITIONS)
                   for r in self.reports)

    def to_json(self) -> dict[str, Any]:
        return {"at": format_time(self.at), "notes": list(self.notes),
                "attestations": self.attestations.to_json(),
                "reports": [r.to_json() for r in self.reports]}


# ----------------------------------------------------------------------------- paths


def _edges(registry: RuleRegistry) -> dict[str, list[str]]:
    edges: dict[str, list[str]] = {}
    for source, target in sorted(registry.mappings):
        edges.setdefault(source, []).append(target)
    return edges


def find_path(registry: RuleRegistry, source: str, target: str) -> tuple[RuleMapping, ...] | None:
    """The mappings from ``source`` to ``target`` with the fewest hops (``None``: no path).

    A mapping with ``via`` is expanded into the mappings along its hops; the result is
    checked by :func:`compose`, so a cycle anywhere is reported, never followed forever.
    """
    if source == target:
        return ()
    edges = _edges(registry)
    previous: dict[str, str] = {source: source}
    queue = deque([source])
    while queue:
        node = queue.popleft()
        if node == target:
            break
        for nxt in edges.get(node, []):
            if nxt not in previous:
                previous[nxt] = node
                queue.append(nxt)
    if target not in previous:
        return None
    hops: list[str] = [target]
    while hops[-1] != source:
        hops.append(previous[hops[-1]])
    hops.reverse()
    expanded: list[RuleMapping] = []
    for a, b in zip(hops, hops[1:], strict=False):
        expanded.extend(expand(registry, registry.mappings[(a, b)], ()))
    return tuple(expanded)


def expand(registry: RuleRegistry, mapping: RuleMapping, trail: tuple[str, ...]
           ) -> list[RuleMapping]:
    """A mapping as the direct mappings it stands for (itself, or its ``via`` hops + itself)."""
    if mapping.id in trail:
        raise RuleCycleError("mappings expand into each other in a loop: "
                             + " → ".join([*trail, mapping.id]))
    if not mapping.via:
        return [mapping]
    if len(trail) > MAX_PATH_HOPS:
        raise RuleCycleError(f"mapping {mapping.id} expands to more than {MAX_PATH_HOPS} hops")
    stops = [mapping.source_id, *mapping.via, mapping.target_id]
    out: list[RuleMapping] = []
    for a, b in zip(stops, stops[1:], strict=False):
        hop = registry.mappings.get((a, b))
        if hop is None:
            raise InputError(f"mapping {mapping.id} goes via {b if a == mapping.source_id else a}, "
                             f"but no mapping {a}--{b} exists", source=mapping.origin,
                             location="$.via", code="broken_via")
        out.extend(expand(registry, hop, (*trail, mapping.id)))
    # The via-mapping's own conditions and conversions apply too, after its hops.
    if mapping.conditions or mapping.conversions or mapping.equivalences:
        out.append(RuleMapping(mapping.source_id, mapping.target_id, (), mapping.sources,
                               mapping.equivalences, mapping.conversions, mapping.conditions,
                               mapping.origin, mapping.notes))
    return out


def compose(mappings: Sequence[RuleMapping]) -> ComposedMapping:
    """Compose mappings along a path; a gap or a rule set visited twice is an error."""
    if not mappings:
        raise ValueError("nothing to compose")
    path = [mappings[0].source_id]
    seen = {mappings[0].source_id}
    for mapping in mappings:
        if mapping.source_id != path[-1] and not (
                mapping.source_id == path[0] and mapping.target_id == path[-1]):
            raise InputError(f"mapping {mapping.id} does not continue the path "
                             f"{' → '.join(path)}", source=mapping.origin, code="broken_path")
        if mapping.source_id == path[0] and mapping.target_id == path[-1] and len(path) > 1:
            continue  # a via-mapping's own part: same endpoints as the path so far
        if mapping.target_id in seen:
            raise RuleCycleError("the mapping path visits a rule set twice (a cycle): "
                                 + " → ".join([*path, mapping.target_id]))
        seen.add(mapping.target_id)
        path.append(mapping.target_id)
    return ComposedMapping(tuple(path), tuple(mappings))


# ----------------------------------------------------------------------------- evaluation


class _Conversions:
    """Converted declarations, computed on first use and shared by every target of a run."""

    def __init__(self, declaration: Mapping[str, Any]) -> None:
        self.declaration = declaration
        self.cache: dict[tuple[str, ...], dict[str, Any] | InputError] = {}

    def apply(self, conversion: Conversion) -> dict[str, Any] | InputError:
        key: tuple[str, ...]
        run: Callable[[], dict[str, Any]]
        if conversion.kind == "gwp":
            report = conversion.report or ""
            key = ("gwp", report)

            def run() -> dict[str, Any]:
                return recompute_gwp(self.declaration, report).declaration
        else:
            assert conversion.from_unit and conversion.to_unit and conversion.factor is not None
            from_unit, to_unit, factor = conversion.from_unit, conversion.to_unit, conversion.factor
            key = ("unit", from_unit, to_unit, str(factor))

            def run() -> dict[str, Any]:
                return scale_declared_unit(self.declaration, from_unit, to_unit, factor)
        if key not in self.cache:
            try:
                self.cache[key] = run()
            except InputError as exc:
                self.cache[key] = exc
        return self.cache[key]


def has_manual(check: Check) -> bool:
    """True if ``check`` (or a check inside it) is a ``manual`` check."""
    if isinstance(check, Manual):
        return True
    inner = getattr(check, "checks", None)
    if isinstance(inner, tuple):
        return any(has_manual(c) for c in inner)
    single = getattr(check, "check", None)
    return has_manual(single) if single is not None and hasattr(single, "evaluate") else False


def evaluate_requirement(requirement: Requirement, declaration: Mapping[str, Any], *,
                         at: dt.datetime, conversions: Sequence[Conversion] = (),
                         converted: _Conversions | None = None,
                         answer: AttestedAnswer | None = None) -> RequirementResult:
    """One row: the requirement evaluated on the declaration (and its conversions).

    ``answer`` is a trusted certifier's attested answer for this requirement: it answers the
    requirement's ``manual`` checks (never an unconfirmed rule, never what the data decides).
    """
    manual = has_manual(requirement.check)
    context = EvaluationContext(declaration, at)

    def row(outcome: Outcome, detail: str, conversion: str | None = None,
            missing: tuple[str, ...] = (), by: AttestedAnswer | None = None
            ) -> RequirementResult:
        return RequirementResult(f"{requirement.owner}/{requirement.id}", requirement.owner,
                                 requirement.sentence, outcome, detail, requirement.citation,
                                 requirement.confidence, conversion, missing, manual,
                                 by.certifier if by else None, by.evidence if by else None)

    if requirement.when is not None:
        applies = requirement.when.evaluate(context)
        if applies.truth is Truth.FALSE:
            return row(Outcome.NOT_APPLICABLE, f"not applicable: {applies.detail}")
    if requirement.confidence is Confidence.UNCONFIRMED:
        ignored = (f"; the attestation by {answer.certifier} is not used: an attestation "
                   "cannot settle an unconfirmed rule" if answer else "")
        return row(Outcome.UNDETERMINABLE,
                   f"rests on an unconfirmed rule ({requirement.source.id}: "
                   f"{requirement.source.locator}); not evaluated, never guessed{ignored}")
    result = requirement.check.evaluate(context)
    if answer is not None and manual and result.truth is Truth.UNKNOWN and not result.missing:
        attested = requirement.check.evaluate(EvaluationContext(
            declaration, at, Truth.TRUE if answer.met else Truth.FALSE,
            f"{'met' if answer.met else 'not met'} (attested by {answer.certifier}; "
            f"evidence: {answer.evidence})"))
        if attested.truth is Truth.TRUE:
            return row(Outcome.MET, attested.detail, by=answer)
        if attested.truth is Truth.FALSE:
            return row(Outcome.NOT_MET, attested.detail, by=answer)
    if result.truth is Truth.TRUE:
        return row(Outcome.MET, result.detail)
    if result.truth is Truth.UNKNOWN:
        return row(Outcome.UNDETERMINABLE, result.detail, missing=result.missing)
    tried: list[str] = []
    converter = converted or _Conversions(declaration)
    for conversion in conversions:
        if conversion.confidence is Confidence.UNCONFIRMED:
            continue
        changed = converter.apply(conversion)
        if isinstance(changed, InputError):
            if changed.code in ("unit_mismatch", "same_gwp_report"):
                continue  # the conversion does not apply to this declaration at all
            tried.append(f"{conversion.id} not possible: {changed.message}")
            continue
        after = requirement.check.evaluate(EvaluationContext(changed, at))
        if after.truth is Truth.TRUE:
            return row(Outcome.MET_AFTER_CONVERSION,
                       f"{result.detail}; after conversion {conversion.id} "
                       f"({conversion.describe()}): {after.detail}", conversion.id)
    detail = result.detail + "".join(f"; {t}" for t in tried)
    return row(Outcome.NOT_MET, detail, missing=result.missing)


def verdict_of(rows: Iterable[RequirementResult]) -> Verdict:
    outcomes = {r.outcome for r in rows}
    if Outcome.NOT_MET in outcomes:
        return Verdict.NOT_RECOGNISED
    if Outcome.UNDETERMINABLE in outcomes:
        return Verdict.UNDETERMINABLE
    if Outcome.MET_AFTER_CONVERSION in outcomes:
        return Verdict.RECOGNISED_WITH_CONDITIONS
    return Verdict.RECOGNISED


def declared_rule_set(declaration: Mapping[str, Any]) -> str | None:
    data = cfl_extension(declaration)
    rule_set = data.get("ruleSet") if data else None
    rule_id = rule_set.get("id") if isinstance(rule_set, Mapping) else None
    return rule_id if isinstance(rule_id, str) else None


def check_target(declaration: Mapping[str, Any], target: str, *, at: dt.datetime,
                 registry: RuleRegistry, converted: _Conversions | None = None,
                 attestations: Attestations = NO_ATTESTATIONS) -> RecognitionReport:
    """The report for one target rule set."""
    rule_set = registry.rule_set(target)
    converted = converted or _Conversions(declaration)
    source = declared_rule_set(declaration)
    notes: list[str] = []
    extra_rows: list[RequirementResult] = []
    composed: ComposedMapping | None = None
    if source is None or source not in registry.rule_sets:
        path: tuple[str, ...] = (target,)
        notes.append("the declaration names no known rule set (extension ruleSet.id); "
                     "requirements are checked directly, no conversions are offered"
                     if source is None else
                     f"the declaration names rule set {source!r}, which cfl does not know; "
                     "requirements are checked directly, no conversions are offered")
    elif source == target:
        path = (target,)
    else:
        mappings = find_path(registry, source, target)
        if mappings is None:
            path = ()
            extra_rows.append(RequirementResult(
                f"{source}--{target}/mapping", f"{source}--{target}",
                f"A mapping relates {source} to {target}.", Outcome.UNDETERMINABLE,
                f"no mapping file leads from {source} to {target}", "cfl rulesets/mappings",
                Confidence.UNCONFIRMED))
        else:
            composed = compose(mappings)
            path = composed.path
    conversions = composed.conversions if composed else ()
    requirements = [*registry.requirements_of(target), *(composed.conditions if composed else ())]
    rows = [evaluate_requirement(r, declaration, at=at, conversions=conversions,
                                 converted=converted,
                                 answer=attestations.answers.get(f"{r.owner}/{r.id}"))
            for r in requirements]
    rows.extend(extra_rows)
    if rule_set.notes:
        notes.append(rule_set.notes)
    return RecognitionReport(
        target=target, target_name=rule_set.name, source_rule_set=source, path=path,
        rows=tuple(rows), verdict=verdict_of(rows),
        equivalences=composed.equivalences if composed else {}, notes=tuple(notes),
        files=rule_files(registry, target, composed.mappings if composed else ()),
    )


def rule_files(registry: RuleRegistry, target: str, mappings: Sequence[RuleMapping] = ()
               ) -> tuple[RuleFile, ...]:
    """The files of the target rule set, the rule sets it includes and the mappings used."""
    out: list[RuleFile] = []
    seen: set[tuple[str, str]] = set()

    def add(item_id: str, kind: str, origin: str) -> None:
        if (kind, item_id) not in seen:
            seen.add((kind, item_id))
            out.append(RuleFile(item_id, kind, origin, registry.is_users(origin)))

    pending = [target]
    while pending:  # includes loops were refused when the requirements were gathered
        rule_set = registry.rule_set(pending.pop(0))
        add(rule_set.id, "rule set", rule_set.origin)
        pending.extend(i for i in rule_set.includes if ("rule set", i) not in seen)
    for mapping in mappings:
        add(mapping.id, "mapping", mapping.origin)
    return tuple(out)


def check_declaration(declaration: Mapping[str, Any], targets: Sequence[str] | None = None, *,
                      at: dt.datetime, registry: RuleRegistry | None = None,
                      notes: Sequence[str] = (),
                      attestations: Attestations = NO_ATTESTATIONS) -> RecognitionResult:
    """Check ``declaration`` against ``targets`` (default: every known rule set).

    ``attestations`` (:func:`~cfl.recognition.attestation.check_attestations`) answer the
    requirements that need a manual check; what was ignored, and why, joins the notes.
    """
    registry = registry or shipped_rules()
    if not isinstance(declaration, Mapping):
        raise InputError("expected a declaration (a JSON object)", location="$",
                         code="not_a_declaration")
    chosen = list(targets) if targets is not None else sorted(registry.rule_sets)
    for target in chosen:
        registry.rule_set(target)  # unknown ids fail before any work, with "did you mean"
    converted = _Conversions(declaration)
    reports = tuple(check_target(declaration, t, at=at, registry=registry, converted=converted,
                                 attestations=attestations) for t in chosen)
    return RecognitionResult(reports, at, (*notes, *attestations.notes()), attestations)


@dataclass(frozen=True)
class GwpTarget:
    """The GWP report a target rule set asks for: a GWP conversion on the mapping path."""

    report: str
    conversion: Conversion
    mapping: RuleMapping
    path: tuple[str, ...]


def gwp_conversion_for(declaration: Mapping[str, Any], target: str, *,
                       registry: RuleRegistry | None = None, source: str = "<declaration>"
                       ) -> GwpTarget:
    """The GWP conversion the mapping path from the declaration's rule set to ``target``
    offers (the one nearest the target); an unconfirmed conversion is never used."""
    registry = registry or shipped_rules()
    registry.rule_set(target)
    origin = declared_rule_set(declaration)
    if origin is None or origin not in registry.rule_sets:
        named = "names no rule set" if origin is None else f"names rule set {origin!r}, " \
            "which cfl does not know,"
        raise InputError(f"{named} so there is no mapping path to {target} to take a GWP "
                         "report from; use --gwp AR4|AR5|AR6", source=source,
                         location="$.extensions[cfl].data.ruleSet.id", code="no_mapping_path")
    mappings = find_path(registry, origin, target) if origin != target else ()
    if not mappings:
        reason = ("is the declaration's own rule set" if origin == target
                  else f"cannot be reached from {origin} by any mapping")
        raise InputError(f"{target} {reason}, so no GWP conversion applies; use --gwp "
                         "AR4|AR5|AR6", source=source, code="no_mapping_path")
    path = compose(mappings).path
    offered = [(m, c) for m in mappings for c in m.conversions if c.kind == "gwp"]
    usable = [(m, c) for m, c in offered if c.confidence is not Confidence.UNCONFIRMED]
    if not usable:
        why = (" (its GWP conversions rest on unconfirmed facts: "
               + ", ".join(c.id for _, c in offered) + ")") if offered else ""
        raise InputError(f"the mapping path {' → '.join(path)} offers no GWP conversion{why}; "
                         f"{target} asks for no other GWP values (use --gwp to convert anyway)",
                         source=source, code="no_gwp_conversion")
    mapping, conversion = usable[-1]
    assert conversion.report is not None
    return GwpTarget(conversion.report, conversion, mapping, path)
