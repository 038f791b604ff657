"""``cfl import pact --from URL``: the options and the pull from a PACT v3 host."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from cfl.errors import InputError
from cfl.interop.pact import MAX_FOOTPRINTS
from cfl.interop.pact_client import PactClient

SECRET_VARIABLE = "CFL_PACT_CLIENT_SECRET"


def from_host_options(function: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed((
        click.option("--from", "from_url", metavar="URL",
                     help="Pull footprints from this PACT v3 host (its base URL) instead of "
                     "reading FILE."),
        click.option("--client-id", help="Your client id at the host (with --from)."),
        click.option("--client-secret-file", type=click.Path(path_type=Path, dir_okay=False),
                     help=f"File holding your client secret (first line); or set "
                     f"{SECRET_VARIABLE}. Never an argument: it would show in ps."),
        click.option("--ca-file", type=click.Path(path_type=Path, dir_okay=False,
                                                  exists=True),
                     help="CA certificate(s) to trust for the host's TLS certificate."),
        click.option("--product-id", "product_ids", multiple=True,
                     help="Only footprints of this product id (repeatable; PACT's productId "
                     "filter)."),
    )):
        function = option(function)
    return function


def _secret(path: Path | None) -> str:
    if path is not None:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read the client secret ({exc})", source=str(path),
                             code="unreadable") from None
        if not lines or not lines[0]:
            raise InputError("holds no client secret on its first line", source=str(path),
                             code="unreadable")
        return lines[0]
    secret = os.environ.get(SECRET_VARIABLE)
    if not secret:
        raise click.UsageError(f"--from needs the client secret: --client-secret-file FILE "
                               f"or {SECRET_VARIABLE}")
    return secret


def pull_footprints(url: str, client_id: str | None, secret_file: Path | None,
                    ca_file: Path | None, product_ids: tuple[str, ...]) -> dict[str, Any]:
    """Every footprint the host at ``url`` serves this client, as an API response
    ``{"data": [...]}`` (at most :data:`MAX_FOOTPRINTS`)."""
    if not client_id:
        raise click.UsageError("--from needs --client-id")
    secret = _secret(secret_file)
    verify: bool | str = str(ca_file) if ca_file is not None else True
    footprints: list[Any] = []
    with PactClient(url, client_id, secret, verify=verify) as client:
        filters = {"productId": list(product_ids)} if product_ids else None
        for footprint in client.footprints(filters=filters):
            footprints.append(footprint)
            if len(footprints) > MAX_FOOTPRINTS:
                raise InputError(f"serves more than {MAX_FOOTPRINTS} footprints; narrow "
                                 "the pull with --product-id", source=url, code="too_large")
    if not footprints:
        raise InputError("serves no footprint to this client", source=url, code="empty")
    return {"data": footprints}
