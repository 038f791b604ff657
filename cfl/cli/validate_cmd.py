"""``cfl validate FILE...``: every finding of each declaration (or signed bundle), best first."""

from __future__ import annotations

from pathlib import Path

import click

from cfl.cli.jsonout import json_document
from cfl.cli.options import expand_inputs, format_option, list_option, read_list_file
from cfl.cli.ui import summary_option, ui
from cfl.declaration.schema import check_declaration_or_bundle, is_signed_bundle
from cfl.errors import InputError
from cfl.findings import Finding, Severity, is_blocking
from cfl.io.jsonio import load_json_file
from cfl.io.kinds import DECLARATION, SIGNED_BUNDLE, require_kind
from cfl.recognition.factors import plausibility_findings


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
    findings = check_declaration_or_bundle(document, source=source)
    if is_signed_bundle(document):
        return findings + plausibility_findings(document.get("declaration"), source=source,
                                                prefix=("declaration",))
    return findings + plausibility_findings(document, source=source)


def display_name(path: Path) -> str:
    """The name a file is reported under: ``<stdin>`` for ``-``."""
    return "<stdin>" if str(path) == "-" else str(path)


@click.command()
@click.argument("files", nargs=-1, type=click.Path(path_type=Path, allow_dash=True))
@list_option
@format_option
@summary_option
@click.pass_context
def validate(ctx: click.Context, files: tuple[Path, ...], list_file: Path | None,
             output_format: str) -> None:
    """Check each FILE (a declaration or a signed bundle; a folder stands for its *.json
    files) against the schemas and rules.

    Prints every finding with its file and JSON path, errors first, then a totals line. Exit
    status 0 when every file is valid (warnings allowed), 1 when any is not. Signatures are
    `cfl verify`'s job.
    """
    names: list[str | Path] = [*files, *(read_list_file(list_file) if list_file else [])]
    if not names:
        raise click.UsageError("give the declarations to check: files, folders or --list FILE")
    paths = expand_inputs(names, what="declarations or bundles")
    out = ui(ctx)
    reports = []
    with out.progress(len(paths), "validating") as advance:
        for path in paths:
            findings = findings_of_file(path)
            reports.append((path, findings))
            advance(1)
    any_invalid = any(is_blocking(findings) for _, findings in reports)
    invalid = sum(1 for _, findings in reports if is_blocking(findings))
    if output_format == "json":
        document = {
            "valid": not any_invalid,
            "files": [
                {"file": display_name(path), "valid": not is_blocking(findings),
                 "findings": [f.to_json() for f in findings]}
                for path, findings in reports
            ],
            "totals": {"files": len(reports), "valid": len(reports) - invalid,
                       "invalid": invalid},
        }
        out.result(json_document("validate", document), nl=False)
    else:
        for path, findings in reports:
            for finding in findings:
                out.item(str(finding))
            errors = sum(1 for f in findings if f.severity is Severity.ERROR)
            warnings = len(findings) - errors
            verdict = "invalid" if errors else "valid"
            detail = f"{errors} error(s), {warnings} warning(s)"
            out.item(f"{display_name(path)}: {verdict} ({detail})")
        if len(reports) > 1:
            out.total(f"{'invalid' if any_invalid else 'valid'}: {len(reports)} file(s), "
                      f"{len(reports) - invalid} valid, {invalid} invalid")
    if any_invalid:
        ctx.exit(1)
