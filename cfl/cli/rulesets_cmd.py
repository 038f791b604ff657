"""`cfl rulesets`: list, show and lint the rule sets and mapping files."""

from __future__ import annotations

import json

import click

from cfl.cli.options import format_option
from cfl.cli.rules_option import registry_for, rules_option
from cfl.recognition.lint import lint_rule_files
from cfl.recognition.rules import RuleRegistry, RuleSet, read_rule_file
from cfl.recognition.user_rules import collect_rule_files, rule_file_bytes


@click.group()
def rulesets() -> None:
    """Rule sets (one scheme each) and the mappings between them."""


def _rule_set_json(rule_set: RuleSet, registry: RuleRegistry) -> dict[str, object]:
    return {
        "id": rule_set.id, "names": dict(rule_set.names), "jurisdiction": rule_set.jurisdiction,
        "kind": rule_set.kind.value, "basedOn": list(rule_set.based_on),
        "includes": list(rule_set.includes), "notes": rule_set.notes, "file": rule_set.origin,
        "yours": registry.is_users(rule_set.origin),
        "sources": [{"id": s.id, "title": s.title, "url": s.url}
                    for s in rule_set.sources.values()],
        "requirements": [
            {"id": f"{r.owner}/{r.id}", "sentence": r.sentence, "check": r.check.describe(),
             "when": r.when.describe() if r.when else None, "confidence": r.confidence.value,
             "citation": r.citation}
            for r in registry.requirements_of(rule_set.id)
        ],
        "grading": {
            category: {
                "unit": g.unit, "declaredUnit": g.declared_unit, "illustrative": g.illustrative,
                "note": g.note, "source": g.citation,
                "classes": [{"class": c.name, "min": str(c.min) if c.min is not None else None,
                             "max": str(c.max) if c.max is not None else None,
                             "confidence": c.confidence.value} for c in g.classes],
            } for category, g in rule_set.grading.items()
        },
        "mappingsTo": [m.target_id for m in registry.mappings_from(rule_set.id)],
    }


@rulesets.command("list")
@rules_option
@format_option
def list_command(rules: tuple[str, ...], output_format: str) -> None:
    """List the rule sets (shipped, and yours with --rules or $CFL_RULES)."""
    registry = registry_for(rules)
    items = [registry.rule_sets[k] for k in sorted(registry.rule_sets)]
    if output_format == "json":
        click.echo(json.dumps([
            {"id": r.id, "name": r.name, "jurisdiction": r.jurisdiction, "kind": r.kind.value,
             "requirements": len(registry.requirements_of(r.id)),
             "unconfirmed": sum(1 for q in registry.requirements_of(r.id)
                                if q.confidence.value == "unconfirmed"),
             "grades": sorted(r.grading), "file": r.origin,
             "yours": registry.is_users(r.origin)} for r in items],
            indent=2, ensure_ascii=False))
        return
    click.echo(f"{'id':34} {'where':5} {'kind':16} {'reqs':>4} {'unconf':>6}  name")
    for r in items:
        reqs = registry.requirements_of(r.id)
        unconfirmed = sum(1 for q in reqs if q.confidence.value == "unconfirmed")
        own = f"  [yours: {r.origin}]" if registry.is_users(r.origin) else ""
        click.echo(f"{r.id:34} {r.jurisdiction:5} {r.kind.value:16} {len(reqs):>4} "
                   f"{unconfirmed:>6}  {r.name}{own}")


@rulesets.command("show")
@click.argument("rule_set_id")
@click.option("--raw", is_flag=True,
              help="Print the rule set's YAML file exactly as it is (to copy and correct it).")
@rules_option
@format_option
def show_command(rule_set_id: str, raw: bool, rules: tuple[str, ...], output_format: str
                 ) -> None:
    """Show one rule set: requirements with citations, grading, mappings."""
    registry = registry_for(rules)
    rule_set = registry.rule_set(rule_set_id)
    if raw:
        click.echo(rule_file_bytes(registry, rule_set.origin).decode("utf-8"), nl=False)
        return
    data = _rule_set_json(rule_set, registry)
    if output_format == "json":
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    click.echo(f"{rule_set.id} — {rule_set.name}")
    if "zh" in rule_set.names:
        click.echo(f"  {rule_set.names['zh']}")
    whose = " (yours)" if registry.is_users(rule_set.origin) else ""
    click.echo(f"  jurisdiction {rule_set.jurisdiction}, kind {rule_set.kind.value}, "
               f"file {rule_set.origin}{whose}")
    if rule_set.based_on:
        click.echo(f"  based on: {', '.join(rule_set.based_on)}")
    if rule_set.includes:
        click.echo(f"  includes the requirements of: {', '.join(rule_set.includes)}")
    if rule_set.notes:
        click.echo(f"  notes: {rule_set.notes}")
    click.echo("\nRequirements:")
    for req in registry.requirements_of(rule_set.id):
        click.echo(f"  [{req.confidence.value}] {req.owner}/{req.id}: {req.sentence}")
        if req.when:
            click.echo(f"      when: {req.when.describe()}")
        click.echo(f"      check: {req.check.describe()}")
        click.echo(f"      source: {req.citation}")
    if rule_set.grading:
        click.echo("\nGrading (kg CO2e per declared unit; min inclusive, max exclusive):")
        for category, grading in rule_set.grading.items():
            mark = "  ILLUSTRATIVE — not published by any source" if grading.illustrative else ""
            click.echo(f"  {category} ({grading.unit}){mark}")
            for c in grading.classes:
                low = c.min if c.min is not None else "-inf"
                high = c.max if c.max is not None else "+inf"
                click.echo(f"      {c.name}: [{low}, {high})")
            click.echo(f"      source: {grading.citation}")
    targets = [m.target_id for m in registry.mappings_from(rule_set.id)]
    if targets:
        click.echo(f"\nMappings to: {', '.join(targets)}")


@rulesets.command("lint")
@click.argument("files", nargs=-1, type=click.Path(allow_dash=True))
@format_option
@click.pass_context
def lint_command(ctx: click.Context, files: tuple[str, ...], output_format: str) -> None:
    """Check rule set and mapping FILES (default: the shipped ones). Exit 1 on errors.

    A FILE may be a folder: its *.yaml rule sets and mappings/*.yaml, linted together.
    """
    report = lint_rule_files(_lint_inputs(files) if files else None)
    if output_format == "json":
        click.echo(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    else:
        for finding in report.findings:
            click.echo(str(finding))
        errors = sum(1 for f in report.findings if f.severity.value == "error")
        warnings = len(report.findings) - errors
        click.echo(f"{len(report.files)} file(s) linted: {errors} error(s), "
                   f"{warnings} warning(s)")
    if not report.ok:
        ctx.exit(1)


def _lint_inputs(files: tuple[str, ...]) -> list[tuple[str, bytes]]:
    out: list[tuple[str, bytes]] = []
    for name in files:
        out += [read_rule_file(name)] if name == "-" else collect_rule_files(
            [name], origin="the command line")
    return out
