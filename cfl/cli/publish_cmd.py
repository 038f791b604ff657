"""``cfl publish FILE…|DIR --to URL``: publish signed bundles, revocation lists and trust
lists to a register."""

from __future__ import annotations

from pathlib import Path

import click

from cfl.register.client import PublishResult, fetch_proofs, publish_files


@click.command()
@click.argument("files", nargs=-1, required=True,
                type=click.Path(path_type=Path, exists=True))
@click.option("--to", "to", required=True, metavar="URL",
              help="The register's base URL, e.g. https://register.example or "
              "http://127.0.0.1:8000.")
@click.option("--ca-file", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="CA certificate(s) to trust for the register's TLS certificate.")
@click.option("--proofs/--no-proofs", default=True, show_default=True,
              help="Fetch each accepted bundle's inclusion proof from the register's log and "
              "write it beside the bundle (BUNDLE.tlog-proof).")
@click.option("--proof-wait", type=click.FloatRange(0, 600), default=15.0, show_default=True,
              metavar="SECONDS", help="How long to wait in all for the checkpoint that "
              "includes the bundles.")
def publish(files: tuple[Path, ...], to: str, ca_file: Path | None, proofs: bool,
            proof_wait: float) -> None:
    """Publish FILES (signed bundles, certifiers' revocation lists, the operator's trust
    list; a folder means its *.json files) to the register at --to.

    The register verifies each against its trust list; a refusal prints the reason codes.
    Then the inclusion proof of each accepted bundle is written beside it
    (BUNDLE.tlog-proof), for cfl label and cfl verify; a proof not ready in time is named
    with the URL to fetch it from. Exit 0 if every file was accepted (or was there
    already), 1 otherwise.
    """
    failed = 0
    total = 0
    verify: bool | str = str(ca_file) if ca_file is not None else True
    accepted: list[PublishResult] = []
    for result in publish_files(files, to, verify=verify):
        total += 1
        if result.ok:
            accepted.append(result)
        what = result.kind or "?"
        if result.ok:
            where = f" → {result.url}" if result.url else ""
            click.echo(f"{result.status:9} {what:11} {result.path}: {result.message}{where}")
        else:
            failed += 1
            reasons = f" [{', '.join(result.reasons)}]" if result.reasons else ""
            click.echo(f"{result.status:9} {what:11} {result.path}: {result.message}{reasons}",
                       err=True)
    if proofs:
        for proof in fetch_proofs(accepted, to, verify=verify, wait=proof_wait):
            if proof.status == "written":
                click.echo(f"{'proof':9} {'':11} {proof.proof}: {proof.message}")
            else:
                click.echo(f"{'no proof':9} {'':11} {proof.path}: {proof.message}", err=True)
    if failed:
        raise click.ClickException(f"{failed} of {total} file(s) not accepted by {to}")
