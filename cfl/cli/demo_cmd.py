"""``cfl demo [DIR]``: the whole flow on illustrative data, end to end.

Writes demo inputs and declarations for seven products, a demo scheme operator and
certification body (encrypted keys), a signed trust list and revocation list, signed bundles,
PDF labels in every template, and then verifies everything back (bundles and labels) and
checks each declaration against every rule set. Exit 0 only if every verification PASSED.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from cfl.cli.jsonout import json_document
from cfl.cli.options import at_option, format_option
from cfl.demo.flow import DemoRun, run_demo
from cfl.io.atomic import write_atomic
from cfl.recognition.engine import Verdict
from cfl.recognition.render import matrix_text
from cfl.report.render import render_report


@click.command()
@click.argument("directory", required=False, default="cfl-demo",
                type=click.Path(path_type=Path, file_okay=False))
@at_option
@format_option
def demo(directory: Path, at: dt.datetime, output_format: str) -> None:
    """Run the whole cfl flow on ILLUSTRATIVE data in DIRECTORY (default ./cfl-demo).

    Seven products (battery pack, PV module, passenger EV, aluminium, cement, flat glass,
    steel): inputs/, declarations/, graded/ (graded under GB/T 24067-2024's illustrative
    thresholds, before signing), keys/ (encrypted with $CFL_KEY_PASSPHRASE, or with a random
    demo passphrase written beside them), trust/, bundles/, labels/, site/ (the offline
    verification page) and reports/. The figures are plausible, not measured, and marked
    illustrative everywhere.
    """
    run = run_demo(directory, at=at)
    _write_text_reports(directory / "reports", run)
    write_atomic(directory / ".gitignore", DEMO_GITIGNORE)  # keys and passphrase stay local
    if output_format == "json":
        _json_summary(directory, run)
        return
    click.echo(f"cfl demo in {directory} (illustrative data, at {at.isoformat()})")
    click.echo(f"  inputs, declarations: {len(run.data.declarations)} products")
    where = (f"passphrase in {run.passphrase_file}" if run.passphrase_file is not None
             else "encrypted with your CFL_KEY_PASSPHRASE")
    click.echo(f"  keys: {run.certifier_dir} (certifier), {run.operator_dir} (scheme operator); "
               f"{where}")
    click.echo(f"  trust list: {run.trust_list}; revocations: {run.revocations}; status "
               f"list: {run.status_list}")
    click.echo("")
    click.echo(f"  labels: {sum(len(v) for v in run.labels.values())} PDFs in "
               f"{directory / 'labels'} ({', '.join(next(iter(run.labels.values())))})")
    click.echo("")
    click.echo(f"  {'product':24} {'grade':6} {'bundle+labels':14} recognised under")
    for category, result in run.recognition.items():
        reports = [r for p, r in run.verification.items() if p.name.startswith(category)]
        verified = all(r.passed for r in reports) and bool(reports)
        recognised = [r.target for r in result.reports
                      if r.verdict in (Verdict.RECOGNISED, Verdict.RECOGNISED_WITH_CONDITIONS)]
        grade = run.grades[category]
        mark = "*" if grade.illustrative else ""
        click.echo(f"  {category:24} {grade.grade_class + mark:6} "
                   f"{'PASSED' if verified else 'NOT PASSED':14} "
                   f"{len(recognised)}/{len(result.reports)}: {', '.join(recognised) or '-'}")
    click.echo("")
    click.echo("  * grade from ILLUSTRATIVE thresholds: China has published no grading "
               "thresholds yet")
    click.echo(f"  verification page (offline, what a phone opens from the QR): {run.page}"
               " — append #<the QR's digits>")
    click.echo(f"  reports: {directory / 'reports'} (verification.txt, recognition.txt and "
               ".html, JSON)")
    first_label = next(iter(next(iter(run.labels.values())).values()))
    click.echo("  verify one yourself:")
    click.echo(f"    cfl verify {first_label} --trust {run.trust_list} "
               f"--anchor {run.operator_dir / 'public.jwk.json'} --revocations {run.revocations} "
               f"{_status_option(run)}--trust-store {directory / 'trust' / 'store'}")
    _echo_register_step(directory, run)
    if not run.all_verified:
        raise click.ClickException("some demo verifications did not pass; see "
                                   f"{directory / 'reports' / 'verification.txt'}")


def _status_option(run: DemoRun) -> str:
    """``--status-list FILE `` for the demo certifier's status list (its claims are format
    2 and revoked by it)."""
    return "" if run.status_list is None else f"--status-list {run.status_list} "


def _write_text_reports(reports_dir: Path, run: DemoRun) -> None:
    verification = "\n".join(render_report(report, "text")
                             for report in run.verification.values())
    write_atomic(reports_dir / "verification.txt", verification)
    recognition = "".join(f"== {category}\n{matrix_text(result)}\n"
                          for category, result in run.recognition.items())
    write_atomic(reports_dir / "recognition.txt", recognition)


def _echo_register_step(directory: Path, run: DemoRun) -> None:
    """The two commands that disclose the demo in a register on this machine; its labels'
    QR codes then resolve at http://127.0.0.1:8000/V/<the QR's digits>."""
    click.echo("  disclose them in a register (then open http://127.0.0.1:8000/, and a label's "
               "QR at http://127.0.0.1:8000/V/<its digits>):")
    passphrase = (f" --passphrase-file {run.passphrase_file}"
                  if run.passphrase_file is not None else "")  # the register's log key
    click.echo(f"    cfl serve --data {directory / 'register'} --trust {run.trust_list} "
               f"--anchor {run.operator_dir / 'public.jwk.json'} "
               f"--revocations {run.revocations} {_status_option(run)}".rstrip() + passphrase)
    click.echo(f"    cfl publish {directory / 'bundles'} --to http://127.0.0.1:8000")


#: Written into the demo folder: git ignores all of it (it holds keys and a passphrase).
DEMO_GITIGNORE = "# written by cfl demo: illustrative data, demo keys and their passphrase\n*\n"


def _json_summary(directory: Path, run: DemoRun) -> None:
    click.echo(json_document("demo", {
        "directory": str(directory), "allVerified": run.all_verified,
        "products": sorted(run.recognition),
        "trustList": str(run.trust_list), "revocations": str(run.revocations),
        **({} if run.status_list is None else {"statusList": str(run.status_list)}),
        "page": str(run.page),
        "labels": sorted(str(path) for labels in run.labels.values()
                         for path in labels.values()),
    }), nl=False)
    if not run.all_verified:
        raise click.ClickException("some demo verifications did not pass; see "
                                   f"{directory / 'reports' / 'verification.txt'}")
