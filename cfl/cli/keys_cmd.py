"""``cfl keys``: generate a signing key pair, show a public key.

Also holds the passphrase handling every key-using command shares: ``--passphrase-file``,
then the ``CFL_KEY_PASSPHRASE`` variable, then a hidden prompt — never an argument.
"""

from __future__ import annotations

import getpass
import os
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from cfl.cli.jsonout import json_document
from cfl.cli.options import format_option, load_public_key_arg
from cfl.cli.ui import ui
from cfl.errors import KeyFileError
from cfl.io.jsonio import dumps_pretty
from cfl.signing.keys import (
    ALG_BY_NAME,
    LocalSigner,
    key_file_warning,
    load_signer,
    read_private_key_file,
    write_key_pair,
)

PASSPHRASE_ENV = "CFL_KEY_PASSPHRASE"
MAX_PASSPHRASE_BYTES = 4096

F = TypeVar("F", bound=Callable[..., Any])


def passphrase_option(function: F) -> F:
    """``--passphrase-file FILE`` (first line is the passphrase; ``-`` is standard input)."""
    return click.option(
        "--passphrase-file", type=click.Path(dir_okay=False, path_type=Path, allow_dash=True),
        help=f"File whose first line is the key passphrase (- reads it from standard input; "
        f"else ${PASSPHRASE_ENV}, else a prompt).",
    )(function)


def read_passphrase(passphrase_file: Path | None, *, confirm: bool = False) -> bytes:
    """The passphrase from the file, the environment or a prompt; never empty."""
    if passphrase_file is not None and str(passphrase_file) == "-":
        raw = click.get_binary_stream("stdin").read(MAX_PASSPHRASE_BYTES + 1)
        if len(raw) > MAX_PASSPHRASE_BYTES:
            raise KeyFileError("the passphrase on standard input is too large",
                               code="passphrase_file")
        passphrase = raw.split(b"\n", 1)[0].rstrip(b"\r")
    elif passphrase_file is not None:
        try:
            with passphrase_file.open("rb") as fh:
                raw = fh.read(MAX_PASSPHRASE_BYTES + 1)
        except OSError as exc:
            raise KeyFileError(f"{passphrase_file}: cannot read the passphrase file "
                               f"({exc.strerror})", code="passphrase_file") from None
        if len(raw) > MAX_PASSPHRASE_BYTES:
            raise KeyFileError(f"{passphrase_file}: the passphrase file is too large",
                               code="passphrase_file")
        passphrase = raw.split(b"\n", 1)[0].rstrip(b"\r")
    elif os.environ.get(PASSPHRASE_ENV):
        passphrase = os.environ[PASSPHRASE_ENV].encode("utf-8")
    else:
        try:
            with warnings.catch_warnings():  # no terminal: getpass warns about echo
                warnings.simplefilter("ignore", getpass.GetPassWarning)
                text = click.prompt("Key passphrase", hide_input=True,
                                    confirmation_prompt=confirm, default="",
                                    show_default=False, err=True)
        except click.Abort:
            raise KeyFileError(
                f"no key passphrase was given; set ${PASSPHRASE_ENV}, pass --passphrase-file "
                "FILE, or run the command in a terminal to be asked for it",
                code="no_passphrase") from None
        passphrase = str(text).encode("utf-8")
    if not passphrase:
        raise KeyFileError("an empty passphrase is not accepted", code="empty_passphrase")
    return passphrase


def open_signer(key: Path, passphrase_file: Path | None) -> LocalSigner:
    """Load a signing key for a command, warning (stderr) if others can read the file."""
    read_private_key_file(key)  # a wrong or missing key file is said before any prompt
    warning = key_file_warning(key)
    if warning is not None:
        ui().warn(warning)
    return load_signer(key, read_passphrase(passphrase_file))


@click.group()
def keys() -> None:
    """Signing keys: generate a key pair, show a public key."""


@keys.command()
@click.option("--alg", type=click.Choice(sorted(ALG_BY_NAME)), default="ed25519",
              show_default=True, help="Signature algorithm.")
@click.option("-o", "--output", "directory", required=True,
              type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write private.pem (encrypted, mode 0600) and public.jwk.json.")
@passphrase_option
@format_option
def generate(alg: str, directory: Path, passphrase_file: Path | None,
             output_format: str) -> None:
    """Generate a key pair; print the public key's kid."""
    passphrase = read_passphrase(passphrase_file, confirm=True)
    signer = LocalSigner.generate(ALG_BY_NAME[alg])
    paths = write_key_pair(directory, signer, passphrase)
    out = ui()
    if output_format == "json":
        out.result(json_document("keys", {"action": "generate", "kid": signer.kid, "alg": alg,
                                          "private": str(paths.private),
                                          "public": str(paths.public)}), nl=False)
        return
    out.note(f"wrote {paths.private} (encrypted, mode 0600) and {paths.public}")
    out.result(f"kid: {signer.kid}")


@keys.command()
@click.argument("key", type=click.Path(path_type=Path, allow_dash=True))
@format_option
def show(key: Path, output_format: str) -> None:
    """Print the public JWK of KEY (a key folder, a public JWK file or its private.pem)."""
    public = load_public_key_arg(key)
    if output_format == "json":
        ui().result(json_document("keys", {"action": "show", "kid": public.kid,
                                           "jwk": dict(public.jwk)}), nl=False)
        return
    click.echo(dumps_pretty(public.jwk), nl=False)
