"""``cfl validate FILE...``: every finding of each declaration (or signed bundle), best first."""

from __future__ import annotations

import json
from pathlib import Path

import click

from cfl.cli.options import format_option
from cfl.declaration.schema import check_declaration_or_bundle
from cfl.errors import InputError
from cfl.findings import Finding, Severity, is_blocking
from cfl.io.jsonio import load_json_file
from cfl.io.kinds import DECLARATION, SIGNED_BUNDLE, require_kind


def findings_of_file(path: Path) -> list[Finding]:
    """The findings of one file; a file that cannot be read or parsed gives one finding."""
    source = display_name(path)
    try:
        document = load_json_file(path)
        require_kind(document, (SIGNED_BUNDLE, DECLARATION), source=source,
                     wanted="declaration or signed bundle")
    except InputError as exc:
        where = f"{exc.location}: " if exc.location and exc.location != "$" else ""
        hint = ""
        if exc.code == "malformed_json" and path.suffix.lower() in (".yaml", ".yml", ".csv"):
            hint = ("; cfl validate reads JSON declarations: make one from this input with "
                    "`cfl declare`")
        return [Finding(exc.code, f"{where}{exc.message}{hint}", "$", Severity.ERROR, source)]
    return check_declaration_or_bundle(document, source=source)


def display_name(path: Path) -> str:
    """The name a file is reported under: ``<stdin>`` for ``-``."""
    return "<stdin>" if str(path) == "-" else str(path)


@click.command()
@click.argument("files", nargs=-1, required=True,
                type=click.Path(path_type=Path, allow_dash=True))
@format_option
@click.pass_context
def validate(ctx: click.Context, files: tuple[Path, ...], output_format: str) -> None:
    """Check each FILE (a declaration or a signed bundle) against the schemas and rules.

    Prints every finding with its file and JSON path, errors first. Exit status 0 when every
    file is valid (warnings allowed), 1 when any is not. Signatures are `cfl verify`'s job.
    """
    reports = []
    for path in files:
        findings = findings_of_file(path)
        reports.append((path, findings))
    any_invalid = any(is_blocking(findings) for _, findings in reports)
    if output_format == "json":
        out = {
            "valid": not any_invalid,
            "files": [
                {"file": display_name(path), "valid": not is_blocking(findings),
                 "findings": [f.to_json() for f in findings]}
                for path, findings in reports
            ],
        }
        click.echo(json.dumps(out, indent=2, ensure_ascii=False))
    else:
        for path, findings in reports:
            for finding in findings:
                click.echo(str(finding))
            errors = sum(1 for f in findings if f.severity is Severity.ERROR)
            warnings = len(findings) - errors
            verdict = "invalid" if errors else "valid"
            detail = f"{errors} error(s), {warnings} warning(s)"
            click.echo(f"{display_name(path)}: {verdict} ({detail})")
    if any_invalid:
        ctx.exit(1)
