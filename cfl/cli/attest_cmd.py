"""``cfl attest``: a certifier signs its answers to requirements that need a manual check."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from cfl.cli.jsonout import json_document
from cfl.cli.keys_cmd import open_signer, passphrase_option
from cfl.cli.options import at_option, format_option, output_name
from cfl.errors import InputError
from cfl.io.atomic import write_atomic
from cfl.io.jsonio import read_bytes
from cfl.io.yamlio import loads_yaml
from cfl.recognition.attestation import (
    MAX_ATTESTATION_BYTES,
    attestation_content,
    sign_attestation,
)
from cfl.recognition.inputs import read_check_input
from cfl.signing.jws import bundle_to_bytes


def _answers(path: Path) -> list[dict[str, object]]:
    source = "<stdin>" if str(path) == "-" else str(path)
    raw = loads_yaml(read_bytes(path, max_bytes=MAX_ATTESTATION_BYTES), source=source,
                     max_bytes=MAX_ATTESTATION_BYTES)
    if isinstance(raw, dict) and "answers" in raw:
        raw = raw["answers"]
    if not isinstance(raw, list) or not all(isinstance(a, dict) for a in raw):
        raise InputError("expected a list of answers (requirement, status met|not-met, "
                         "evidence, optional note), or a mapping with 'answers'",
                         source=source, location="$", code="bad_answers")
    return [dict(a) for a in raw]


@click.command()
@click.argument("declaration", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--answers", "answers_path", required=True,
              type=click.Path(path_type=Path, dir_okay=False, allow_dash=True),
              help="YAML or JSON list of answers: requirement (owner/id, as `cfl check` names "
              "it), status (met or not-met), evidence (your reference), optional note.")
@click.option("--key", required=True, type=click.Path(path_type=Path),
              help="The certifier's signing key: a key folder or its private.pem.")
@click.option("-o", "--output", default="-", show_default=True,
              type=click.Path(path_type=Path, allow_dash=True, dir_okay=False),
              help="Attestation to write (`-` is standard output).")
@click.option("--illustrative", is_flag=True, help="Mark the attestation as example data.")
@passphrase_option
@at_option
@format_option
def attest(declaration: str, answers_path: Path, key: Path, output: Path, illustrative: bool,
           passphrase_file: Path | None, at: dt.datetime, output_format: str) -> None:
    """Sign a certifier's ANSWERS about DECLARATION (a declaration, bundle or label PDF).

    The attestation is bound to the declaration's SHA-256 (of its RFC 8785 bytes) and signed
    like a bundle (typ cfl-attestation+jws, role certifier). `cfl check --attestation FILE
    --trust … --anchor …` uses it when the signer is a certifier in the trust list.
    """
    loaded = read_check_input(declaration)
    answers = _answers(answers_path)
    content = attestation_content(loaded.declaration, answers, at=at,
                                  illustrative=illustrative)  # bad answers: before the key
    signer = open_signer(key, passphrase_file)
    document = sign_attestation(content, signer, at=at)
    write_atomic(output, bundle_to_bytes(document))
    if output_format == "json":
        click.echo(json_document("attest", {
            "declaration": loaded.declaration.get("id"), "answers": len(answers),
            "signer": signer.kid, "file": output_name(output)}), nl=False,
            err=str(output) == "-")
    elif str(output) != "-":
        click.echo(f"attested {len(answers)} answer(s) about declaration "
                   f"{loaded.declaration.get('id')} with {signer.kid}; wrote "
                   f"{output_name(output)}", err=True)

